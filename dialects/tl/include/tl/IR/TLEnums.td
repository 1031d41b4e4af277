//===- TLEnums.td - enum attributes of the tl dialect ------*- tablegen -*-===//

#ifndef TL_IR_TLENUMS_TD
#define TL_IR_TLENUMS_TD

include "mlir/IR/EnumAttr.td"
include "tl/IR/TLBase.td"

/// The activation a fused conv/fc applies after bias (and residual sum).
def TL_Activation : I32EnumAttr<"Activation", "fused activation", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"relu", 1>,
    I32EnumAttrCase<"clip", 2>,
    I32EnumAttrCase<"sigmoid", 3>,
    I32EnumAttrCase<"tanh", 4>,
    I32EnumAttrCase<"hard_sigmoid", 5>,
    I32EnumAttrCase<"hard_swish", 6>,
    I32EnumAttrCase<"silu", 7>,
    I32EnumAttrCase<"gelu", 8>,
    I32EnumAttrCase<"leaky_relu", 9>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::tl";
}
def TL_ActivationAttr : EnumAttr<TL_Dialect, TL_Activation, "activation">;

def TL_PadMode : I32EnumAttr<"PadMode", "padding mode", [
    I32EnumAttrCase<"constant", 0>,
    I32EnumAttrCase<"reflect", 1>,
    I32EnumAttrCase<"edge", 2>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::tl";
}
def TL_PadModeAttr : EnumAttr<TL_Dialect, TL_PadMode, "pad_mode">;

def TL_ResizeMode : I32EnumAttr<"ResizeMode", "resize interpolation", [
    I32EnumAttrCase<"nearest", 0>,
    I32EnumAttrCase<"linear", 1>,
    I32EnumAttrCase<"cubic", 2>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::tl";
}
def TL_ResizeModeAttr : EnumAttr<TL_Dialect, TL_ResizeMode, "resize_mode">;

/// How output coordinates map back to input coordinates (ONNX Resize).
def TL_CoordinateMode : I32EnumAttr<"CoordinateMode", "resize coordinates", [
    I32EnumAttrCase<"half_pixel", 0>,
    I32EnumAttrCase<"pytorch_half_pixel", 1>,
    I32EnumAttrCase<"align_corners", 2>,
    I32EnumAttrCase<"asymmetric", 3>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::tl";
}
def TL_CoordinateModeAttr
    : EnumAttr<TL_Dialect, TL_CoordinateMode, "coordinate_mode">;

def TL_NearestMode : I32EnumAttr<"NearestMode", "nearest rounding", [
    I32EnumAttrCase<"round_prefer_floor", 0>,
    I32EnumAttrCase<"round_prefer_ceil", 1>,
    I32EnumAttrCase<"floor", 2>,
    I32EnumAttrCase<"ceil", 3>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::tl";
}
def TL_NearestModeAttr : EnumAttr<TL_Dialect, TL_NearestMode, "nearest_mode">;

#endif // TL_IR_TLENUMS_TD
