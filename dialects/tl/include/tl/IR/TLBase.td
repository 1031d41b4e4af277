//===- TLBase.td - the tl dialect and its type constraints -*- tablegen -*-===//
//
// tl is the layer-level dialect of tlc: CNN layers on ranked tensors with
// static or dynamic dims. Every op infers its result type from its operands
// and attributes (InferTypeOpInterface), so importers and passes never guess.
//
//===----------------------------------------------------------------------===//

#ifndef TL_IR_TLBASE_TD
#define TL_IR_TLBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def TL_Dialect : Dialect {
  let name = "tl";
  let cppNamespace = "::mlir::tl";
  let summary = "Layer-level ops for frozen-backbone transfer learning";
  let description = [{
    Ops at the level of CNN layers (conv, fully connected, pools, the
    activations CNNs use, ...). Frozen weights are `tl.constant` ops whose
    value is usually a `dense_resource` blob; the parameters of a new head
    carry the `trainable` unit attribute, and nothing else is trainable.
  }];
  // Inherent attributes live in the attribute dictionary so that importers
  // and passes can build ops generically from a NamedAttrList.
  let usePropertiesForAttributes = 0;
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  // An int8 backbone's conv weights are per-channel quantized tensors.
  let dependentDialects = ["::mlir::quant::QuantizationDialect"];
}

class TL_Op<string mnemonic, list<Trait> traits = []>
    : Op<TL_Dialect, mnemonic, traits>;

/// Element types the compute ops accept.
def TL_Float : AnyTypeOf<[F16, BF16, F32, F64]>;
def TL_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;
/// Numbers: floats and the integer types the runtime holds (binary
/// arithmetic).
def TL_NumericTensor : RankedTensorOf<[F16, BF16, F32, F64, I8, I16, I32, I64,
                                       UI8]>;
/// Per-output-channel quantized integers (quant.uniform<i8:f32:0, {...}>):
/// the weights of an int8 backbone (tl-reduce-precision{precision=int8}).
def TL_QuantizedPerChannel : Type<
    CPred<"::llvm::isa<::mlir::quant::UniformQuantizedPerAxisType>($_self)">,
    "per-channel quantized integer">;
/// The weight operand of conv and fc: floats, or per-channel quantized
/// integers the layer dequantizes (checkWeightElementType says which).
def TL_WeightTensor : RankedTensorOf<[F16, BF16, F32, F64,
                                      TL_QuantizedPerChannel]>;
/// Conditions and the results of comparisons and logic.
def TL_BoolTensor : RankedTensorOf<[I1]>;
/// Indices (arg_max, arg_min).
def TL_IndexTensor : RankedTensorOf<[I64]>;
/// Data-movement ops (reshape, concat, slice, ...) take any ranked tensor.
def TL_AnyTensor : RankedTensorOf<[AnyType]>;
/// A run-time parameter (TL_RuntimeParams): integers or floats.
def TL_ParamTensor : RankedTensorOf<[I64, I32, F32]>;

#endif // TL_IR_TLBASE_TD
