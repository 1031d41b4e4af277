//===- TLOps.td - the ops of the tl dialect ----------------*- tablegen -*-===//
//
// Conventions shared by every op:
//  * Layouts are ONNX's: activations NC[D]HW, conv weights O(I/groups)[K]HW,
//    fc weights [out, in] (PyTorch's nn.Linear).
//  * Spatial attributes (`strides`, `dilations`, `kernel_shape`) have one
//    entry per spatial dim; `pads` has two: all begins, then all ends.
//  * Result types are inferred (InferTypeOpInterface); the verifier rejects a
//    stated result type that differs from the inferred one.
//
//===----------------------------------------------------------------------===//

#ifndef TL_IR_TLOPS_TD
#define TL_IR_TLOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "tl/IR/TLBase.td"
include "tl/IR/TLEnums.td"

/// Every tl op is pure and infers its result types.
class TL_InferredOp<string mnemonic, list<Trait> traits = []>
    : TL_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])>;

/// Ops whose result type is their operand's: ODS derives the inference, and
/// attribute checks live in the op's verifier.
class TL_SameTypeOp<string mnemonic, list<Trait> traits = []>
    : TL_Op<mnemonic, !listconcat(traits,
        [Pure, SameOperandsAndResultType, InferTypeOpInterface])>;

/// Run-time parameters: attributes an op reads from graph inputs when the
/// runtime plans, for ONNX models that give an op's parameters (Reshape's
/// shape, Slice's starts, Pad's pads, ...) as graph inputs. Operand i of
/// `params` gives the attribute that `param_attrs[i]` names, which is then
/// absent; each is a graph input of a static 0-D or 1-D shape (i64 or i32
/// for an integer attribute, f32 for a float one). The artifact stores it as
/// Attribute.from_value. The result dims it decides are dynamic.
defvar TL_RuntimeParams = (ins Variadic<TL_ParamTensor>:$params,
                               OptionalAttr<StrArrayAttr>:$param_attrs);

//===----------------------------------------------------------------------===//
// Constants and parameters
//===----------------------------------------------------------------------===//

def TL_ConstantOp : TL_InferredOp<"constant", [ConstantLike]> {
  let summary = "a frozen weight, or a trainable parameter of a head";
  let description = [{
    Large values are `dense_resource` blobs rather than uniqued dense
    attributes. The `trainable` unit attribute marks the parameters of a head
    attached for transfer learning; every other constant is frozen.
  }];
  let arguments = (ins ElementsAttr:$value, UnitAttr:$trainable);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = "(`trainable` $trainable^)? attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Parametric layers
//===----------------------------------------------------------------------===//

/// Post-ops a fused conv/fc applies, in this order:
///   out = activation(op(input) + bias + residual)
/// `act_alpha`/`act_beta` parametrize the activation: clip(min=alpha,
/// max=beta), hard_sigmoid(alpha, beta), leaky_relu(alpha), gelu(alpha != 0
/// selects the tanh approximation).
defvar TL_PostOpAttrs = (ins
    DefaultValuedAttr<TL_ActivationAttr, "::mlir::tl::Activation::none">:$activation,
    DefaultValuedAttr<F32Attr, "0.0f">:$act_alpha,
    DefaultValuedAttr<F32Attr, "0.0f">:$act_beta);

def TL_ConvOp : TL_InferredOp<"conv", [AttrSizedOperandSegments]> {
  let summary = "N-d convolution (grouped and depthwise) with fused post-ops";
  let arguments = !con((ins
    TL_FloatTensor:$input,
    TL_WeightTensor:$weight,
    Optional<TL_FloatTensor>:$bias,
    Optional<TL_FloatTensor>:$residual,
    DenseI64ArrayAttr:$strides,
    DenseI64ArrayAttr:$pads,
    DenseI64ArrayAttr:$dilations,
    ConfinedAttr<I64Attr, [IntPositive]>:$groups),
    TL_PostOpAttrs);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `)`)? (`residual` `(` $residual^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def TL_ConvTransposeOp : TL_InferredOp<"conv_transpose"> {
  let summary = "N-d transposed convolution (the gradient of conv by its input)";
  let description = [{
    The weight is [C_in, C_out / groups, kernel...] (ONNX's and PyTorch's
    layout). Each spatial output dim is
    stride * (in - 1) + output_padding + dilation * (kernel - 1) + 1
    - pad_begin - pad_end.
  }];
  let arguments = (ins
    TL_FloatTensor:$input,
    TL_FloatTensor:$weight,
    Optional<TL_FloatTensor>:$bias,
    DenseI64ArrayAttr:$strides,
    DenseI64ArrayAttr:$pads,
    DenseI64ArrayAttr:$dilations,
    DenseI64ArrayAttr:$output_padding,
    ConfinedAttr<I64Attr, [IntPositive]>:$groups);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def TL_FullyConnectedOp : TL_InferredOp<"fc", [AttrSizedOperandSegments]> {
  let summary = "fully connected layer: input[N,K] x weight[M,K]^T (+ bias[M])";
  let arguments = !con((ins
    TL_FloatTensor:$input,
    TL_WeightTensor:$weight,
    Optional<TL_FloatTensor>:$bias,
    Optional<TL_FloatTensor>:$residual),
    TL_PostOpAttrs);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `)`)? (`residual` `(` $residual^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
}

def TL_MatMulOp : TL_InferredOp<"matmul"> {
  let summary = "matrix product with numpy broadcasting of batch dims";
  let arguments = (ins TL_FloatTensor:$lhs, TL_FloatTensor:$rhs);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def TL_BatchNormOp : TL_InferredOp<"batch_norm"> {
  let summary = "inference batch normalization over dim 1";
  let arguments = (ins TL_FloatTensor:$input, TL_FloatTensor:$scale,
                       TL_FloatTensor:$bias, TL_FloatTensor:$mean,
                       TL_FloatTensor:$variance, F32Attr:$epsilon);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:`
    functional-type(operands, results)
  }];
}

def TL_LayerNormOp : TL_InferredOp<"layer_norm"> {
  let summary = "layer normalization over the dims from `axis` on";
  let arguments = (ins TL_FloatTensor:$input, TL_FloatTensor:$scale,
                       Optional<TL_FloatTensor>:$bias, I64Attr:$axis,
                       F32Attr:$epsilon);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`bias` `(` $bias^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class TL_UnaryOp<string mnemonic, string doc, dag attrs = (ins)>
    : TL_SameTypeOp<mnemonic> {
  let summary = doc;
  let arguments = !con((ins TL_FloatTensor:$input), attrs);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def TL_ReluOp : TL_UnaryOp<"relu", "max(x, 0)">;
def TL_SigmoidOp : TL_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def TL_TanhOp : TL_UnaryOp<"tanh", "hyperbolic tangent">;
def TL_HardSwishOp : TL_UnaryOp<"hard_swish", "x * relu6(x + 3) / 6">;
def TL_SiluOp : TL_UnaryOp<"silu", "x * sigmoid(x) (swish)">;
def TL_SqrtOp : TL_UnaryOp<"sqrt", "square root">;
def TL_ErfOp : TL_UnaryOp<"erf", "error function">;
def TL_ExpOp : TL_UnaryOp<"exp", "natural exponential">;
def TL_LogOp : TL_UnaryOp<"log", "natural logarithm">;
def TL_NegOp : TL_UnaryOp<"neg", "-x">;
def TL_AbsOp : TL_UnaryOp<"abs", "|x|">;
def TL_ReciprocalOp : TL_UnaryOp<"reciprocal", "1 / x">;
def TL_ClipOp : TL_UnaryOp<"clip", "min(max(x, min), max); relu6 is clip(0, 6)",
    (ins F32Attr:$min, F32Attr:$max)> {
  let hasVerifier = 1;
}
def TL_HardSigmoidOp : TL_UnaryOp<"hard_sigmoid",
    "max(0, min(1, alpha * x + beta))", (ins F32Attr:$alpha, F32Attr:$beta)>;
def TL_GeluOp : TL_UnaryOp<"gelu", "Gaussian error linear unit",
    (ins DefaultValuedAttr<BoolAttr, "false">:$approximate)>;
def TL_LeakyReluOp : TL_UnaryOp<"leaky_relu", "x >= 0 ? x : alpha * x",
    (ins F32Attr:$alpha)>;

// Math whose scalar definition is tlc/runtime/UnaryMath.h.
def TL_EluOp : TL_UnaryOp<"elu", "x > 0 ? x : alpha * (exp(x) - 1)",
    (ins F32Attr:$alpha)>;
def TL_SeluOp : TL_UnaryOp<"selu",
    "gamma * (x > 0 ? x : alpha * (exp(x) - 1))",
    (ins F32Attr:$alpha, F32Attr:$gamma)>;
def TL_CeluOp : TL_UnaryOp<"celu", "x > 0 ? x : alpha * (exp(x / alpha) - 1)",
    (ins F32Attr:$alpha)> {
  let hasVerifier = 1;
}
def TL_ThresholdedReluOp : TL_UnaryOp<"thresholded_relu", "x > alpha ? x : 0",
    (ins F32Attr:$alpha)>;
def TL_ShrinkOp : TL_UnaryOp<"shrink",
    "x < -lambd ? x + bias : (x > lambd ? x - bias : 0)",
    (ins F32Attr:$bias, F32Attr:$lambd)>;
def TL_SoftplusOp : TL_UnaryOp<"softplus", "log(1 + exp(x))">;
def TL_SoftsignOp : TL_UnaryOp<"softsign", "x / (1 + |x|)">;
def TL_MishOp : TL_UnaryOp<"mish", "x * tanh(softplus(x))">;
def TL_SignOp : TL_UnaryOp<"sign", "-1, 0 or 1">;
def TL_RoundOp : TL_UnaryOp<"round", "nearest integer, halves to even">;
def TL_FloorOp : TL_UnaryOp<"floor", "largest integer not above x">;
def TL_CeilOp : TL_UnaryOp<"ceil", "smallest integer not below x">;
def TL_SinOp : TL_UnaryOp<"sin", "sine">;
def TL_CosOp : TL_UnaryOp<"cos", "cosine">;
def TL_TanOp : TL_UnaryOp<"tan", "tangent">;
def TL_AsinOp : TL_UnaryOp<"asin", "arcsine">;
def TL_AcosOp : TL_UnaryOp<"acos", "arccosine">;
def TL_AtanOp : TL_UnaryOp<"atan", "arctangent">;
def TL_SinhOp : TL_UnaryOp<"sinh", "hyperbolic sine">;
def TL_CoshOp : TL_UnaryOp<"cosh", "hyperbolic cosine">;
def TL_AsinhOp : TL_UnaryOp<"asinh", "inverse hyperbolic sine">;
def TL_AcoshOp : TL_UnaryOp<"acosh", "inverse hyperbolic cosine">;
def TL_AtanhOp : TL_UnaryOp<"atanh", "inverse hyperbolic tangent">;

/// Identity and inference-mode dropout: kept in the IR so that cut points
/// named after them exist; tl-fold-constants removes them.
def TL_IdentityOp : TL_SameTypeOp<"identity"> {
  let summary = "returns its input";
  let arguments = (ins TL_AnyTensor:$input);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def TL_DropoutOp : TL_SameTypeOp<"dropout"> {
  let summary = "dropout in inference mode: the identity";
  let arguments = (ins TL_AnyTensor:$input, F32Attr:$ratio);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

/// Binary ops broadcast both operands the numpy way. On integers they
/// wrap (two's complement); a division or remainder by zero is 0, and
/// pow with a negative exponent is 0 unless the base is 1 or -1.
class TL_BinaryOp<string mnemonic, string doc, dag attrs = (ins)>
    : TL_InferredOp<mnemonic> {
  let summary = doc;
  let arguments = !con((ins TL_NumericTensor:$lhs, TL_NumericTensor:$rhs),
                       attrs);
  let results = (outs TL_NumericTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def TL_AddOp : TL_BinaryOp<"add", "lhs + rhs">;
def TL_SubOp : TL_BinaryOp<"sub", "lhs - rhs">;
def TL_MulOp : TL_BinaryOp<"mul", "lhs * rhs">;
def TL_DivOp : TL_BinaryOp<"div", "lhs / rhs (integers truncate toward zero)">;
def TL_PowOp : TL_BinaryOp<"pow", "lhs ^ rhs">;
def TL_MaxOp : TL_BinaryOp<"max", "elementwise maximum">;
def TL_MinOp : TL_BinaryOp<"min", "elementwise minimum">;
def TL_ModOp : TL_BinaryOp<"mod",
    "remainder: with the sign of rhs (Python's %), or of lhs with `fmod` (C's fmod)",
    (ins DefaultValuedAttr<BoolAttr, "false">:$fmod)>;

//===----------------------------------------------------------------------===//
// Comparisons, logic and selection
//===----------------------------------------------------------------------===//

/// Two tensors of one element type (any), broadcast; a bool result.
class TL_CompareOp<string mnemonic, string doc> : TL_InferredOp<mnemonic> {
  let summary = doc;
  let arguments = (ins TL_AnyTensor:$lhs, TL_AnyTensor:$rhs);
  let results = (outs TL_BoolTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}
def TL_EqualOp : TL_CompareOp<"equal", "lhs == rhs">;
def TL_GreaterOp : TL_CompareOp<"greater", "lhs > rhs">;
def TL_GreaterEqualOp : TL_CompareOp<"greater_equal", "lhs >= rhs">;
def TL_LessOp : TL_CompareOp<"less", "lhs < rhs">;
def TL_LessEqualOp : TL_CompareOp<"less_equal", "lhs <= rhs">;

class TL_LogicOp<string mnemonic, string doc> : TL_InferredOp<mnemonic> {
  let summary = doc;
  let arguments = (ins TL_BoolTensor:$lhs, TL_BoolTensor:$rhs);
  let results = (outs TL_BoolTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}
def TL_AndOp : TL_LogicOp<"and", "lhs and rhs">;
def TL_OrOp : TL_LogicOp<"or", "lhs or rhs">;
def TL_XorOp : TL_LogicOp<"xor", "lhs != rhs">;
def TL_NotOp : TL_SameTypeOp<"not"> {
  let summary = "logical negation";
  let arguments = (ins TL_BoolTensor:$input);
  let results = (outs TL_BoolTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def TL_WhereOp : TL_InferredOp<"where"> {
  let summary = "x where condition, y elsewhere (all three broadcast)";
  let arguments = (ins TL_BoolTensor:$condition, TL_AnyTensor:$x,
                       TL_AnyTensor:$y);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = "$condition `,` $x `,` $y attr-dict `:` functional-type(operands, results)";
}

def TL_CastOp : TL_InferredOp<"cast"> {
  let summary = "elements converted to the type `to`";
  let description = [{
    Floats round to the nearest value of a narrower float type (ties to
    even); floats to integers truncate toward zero and saturate at the
    type's range, NaN becoming 0; integers to narrower integers wrap (two's
    complement); anything to bool is `x != 0`, bool to numbers 0 or 1.
  }];
  let arguments = (ins TL_AnyTensor:$input, TypeAttr:$to);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

/// The index of the maximum (minimum) along `axis`: the first one, or the
/// last with `select_last_index`.
class TL_ArgOp<string mnemonic, string doc> : TL_InferredOp<mnemonic> {
  let summary = doc;
  let arguments = (ins TL_FloatTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs TL_IndexTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}
def TL_ArgMaxOp : TL_ArgOp<"arg_max", "index of the maximum along an axis">;
def TL_ArgMinOp : TL_ArgOp<"arg_min", "index of the minimum along an axis">;

def TL_PReluOp : TL_InferredOp<"prelu"> {
  let summary = "x >= 0 ? x : slope * x, slope broadcast to x";
  let arguments = (ins TL_FloatTensor:$input, TL_FloatTensor:$slope);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = "$input `,` $slope attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Pooling and reductions
//===----------------------------------------------------------------------===//

def TL_MaxPoolOp : TL_InferredOp<"max_pool"> {
  let summary = "max pooling over the spatial dims";
  let arguments = (ins TL_FloatTensor:$input,
    DenseI64ArrayAttr:$kernel_shape, DenseI64ArrayAttr:$strides,
    DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
    DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def TL_AvgPoolOp : TL_InferredOp<"avg_pool"> {
  let summary = "average pooling over the spatial dims";
  let arguments = (ins TL_FloatTensor:$input,
    DenseI64ArrayAttr:$kernel_shape, DenseI64ArrayAttr:$strides,
    DenseI64ArrayAttr:$pads,
    DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
    DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def TL_GlobalAvgPoolOp : TL_InferredOp<"global_avg_pool"> {
  let summary = "mean over all spatial dims, kept as size-1 dims";
  let arguments = (ins TL_FloatTensor:$input);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def TL_GlobalMaxPoolOp : TL_InferredOp<"global_max_pool"> {
  let summary = "max over all spatial dims, kept as size-1 dims";
  let arguments = (ins TL_FloatTensor:$input);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

/// A reduction over `axes` (all dims when empty); `keepdims` keeps them as
/// size 1.
class TL_ReduceOp<string mnemonic, string doc> : TL_InferredOp<mnemonic> {
  let summary = doc # " over `axes` (all dims when empty)";
  let description = "`axes` may be a run-time parameter.";
  let arguments = !con((ins TL_FloatTensor:$input,
                            OptionalAttr<DenseI64ArrayAttr>:$axes,
                            DefaultValuedAttr<BoolAttr, "true">:$keepdims),
                       TL_RuntimeParams);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = [{
    $input (`params` `(` $params^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def TL_ReduceMeanOp : TL_ReduceOp<"reduce_mean", "mean">;
def TL_ReduceSumOp : TL_ReduceOp<"reduce_sum", "sum">;
def TL_ReduceMaxOp : TL_ReduceOp<"reduce_max", "maximum">;
def TL_ReduceMinOp : TL_ReduceOp<"reduce_min", "minimum">;
def TL_ReduceProdOp : TL_ReduceOp<"reduce_prod", "product">;
def TL_ReduceL1Op : TL_ReduceOp<"reduce_l1", "sum of |x|">;
def TL_ReduceL2Op : TL_ReduceOp<"reduce_l2", "sqrt of the sum of x^2">;
def TL_ReduceSumSquareOp : TL_ReduceOp<"reduce_sum_square", "sum of x^2">;
def TL_ReduceLogSumOp : TL_ReduceOp<"reduce_log_sum", "log of the sum">;
def TL_ReduceLogSumExpOp : TL_ReduceOp<"reduce_log_sum_exp",
    "log of the sum of exp(x)">;

class TL_SoftmaxLikeOp<string mnemonic, string doc>
    : TL_SameTypeOp<mnemonic> {
  let summary = doc;
  let arguments = (ins TL_FloatTensor:$input, I64Attr:$axis);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}
def TL_SoftmaxOp : TL_SoftmaxLikeOp<"softmax", "softmax along one axis">;
def TL_LogSoftmaxOp : TL_SoftmaxLikeOp<"log_softmax",
    "log of the softmax along one axis (x - max - log sum exp(x - max))">;

def TL_LrnOp : TL_SameTypeOp<"lrn"> {
  let summary = "local response normalization across channels";
  let arguments = (ins TL_FloatTensor:$input,
    ConfinedAttr<I64Attr, [IntPositive]>:$size, F32Attr:$alpha, F32Attr:$beta,
    F32Attr:$bias);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

def TL_ConcatOp : TL_InferredOp<"concat"> {
  let summary = "concatenation along `axis`";
  let arguments = (ins Variadic<TL_AnyTensor>:$inputs, I64Attr:$axis);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
}

def TL_FlattenOp : TL_InferredOp<"flatten"> {
  let summary = "collapse dims [0, axis) and [axis, rank) into a 2-D tensor";
  let arguments = (ins TL_AnyTensor:$input, I64Attr:$axis);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def TL_ReshapeOp : TL_InferredOp<"reshape"> {
  let summary = "reshape with ONNX's conventions";
  let description = [{
    `shape` gives the result dims: a positive entry is taken as is, 0 copies
    the input dim at the same index, and at most one -1 is inferred from the
    element count. `shape` may be a run-time parameter.
  }];
  let arguments = !con((ins TL_AnyTensor:$input,
                            OptionalAttr<DenseI64ArrayAttr>:$shape),
                       TL_RuntimeParams);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = [{
    $input (`params` `(` $params^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def TL_TransposeOp : TL_InferredOp<"transpose"> {
  let summary = "permutation of dims: result dim i is input dim perm[i]";
  let arguments = (ins TL_AnyTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def TL_SqueezeOp : TL_InferredOp<"squeeze"> {
  let summary = "remove size-1 dims at `axes`";
  let description = "`axes` may be a run-time parameter.";
  let arguments = !con((ins TL_AnyTensor:$input,
                            OptionalAttr<DenseI64ArrayAttr>:$axes),
                       TL_RuntimeParams);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = [{
    $input (`params` `(` $params^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def TL_UnsqueezeOp : TL_InferredOp<"unsqueeze"> {
  let summary = "insert size-1 dims at `axes` (indices into the result)";
  let description = "`axes` may be a run-time parameter.";
  let arguments = !con((ins TL_AnyTensor:$input,
                            OptionalAttr<DenseI64ArrayAttr>:$axes),
                       TL_RuntimeParams);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = [{
    $input (`params` `(` $params^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def TL_SliceOp : TL_InferredOp<"slice"> {
  let summary = "strided slice with ONNX's clamping rules";
  let description = [{
    One entry of `starts`, `ends` and `steps` per entry of `axes`. Negative
    starts and ends count from the end; out-of-range values are clamped.
    Each of the four may be a run-time parameter.
  }];
  let arguments = !con((ins TL_AnyTensor:$input,
                            OptionalAttr<DenseI64ArrayAttr>:$starts,
                            OptionalAttr<DenseI64ArrayAttr>:$ends,
                            OptionalAttr<DenseI64ArrayAttr>:$axes,
                            OptionalAttr<DenseI64ArrayAttr>:$steps),
                       TL_RuntimeParams);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = [{
    $input (`params` `(` $params^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def TL_PadOp : TL_InferredOp<"pad"> {
  let summary = "pad every dim: `pads` holds all begins, then all ends";
  let description = "`pads` and `value` may be run-time parameters.";
  let arguments = !con((ins TL_AnyTensor:$input,
    OptionalAttr<DenseI64ArrayAttr>:$pads,
    DefaultValuedAttr<TL_PadModeAttr, "::mlir::tl::PadMode::constant">:$mode,
    DefaultValuedAttr<F32Attr, "0.0f">:$value), TL_RuntimeParams);
  let results = (outs TL_AnyTensor:$output);
  let assemblyFormat = [{
    $input (`params` `(` $params^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def TL_ResizeOp : TL_InferredOp<"resize"> {
  let summary = "resize by `scales` or to `sizes` (exactly one is given)";
  let description = "`scales` or `sizes` may be a run-time parameter.";
  let arguments = !con((ins TL_FloatTensor:$input,
    TL_ResizeModeAttr:$mode,
    DefaultValuedAttr<TL_CoordinateModeAttr,
      "::mlir::tl::CoordinateMode::half_pixel">:$coordinate_mode,
    DefaultValuedAttr<TL_NearestModeAttr,
      "::mlir::tl::NearestMode::round_prefer_floor">:$nearest_mode,
    DefaultValuedAttr<F32Attr, "-0.75f">:$cubic_coeff_a,
    OptionalAttr<DenseF32ArrayAttr>:$scales,
    OptionalAttr<DenseI64ArrayAttr>:$sizes), TL_RuntimeParams);
  let results = (outs TL_FloatTensor:$output);
  let assemblyFormat = [{
    $input (`params` `(` $params^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // TL_IR_TLOPS_TD
