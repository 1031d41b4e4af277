//===- TLShapeInference.cpp - result types of the tl ops ------------------===//
//
// Every tl op infers its result type here. The same functions serve the
// importer (which builds ops from inferred types), the verifier (which
// rejects a stated type that differs) and tl-infer-shapes. So every check on
// ranks, shapes and attributes lives here, once, with a message that names
// the op and the problem. Dynamic dims (ShapedType::kDynamic) propagate:
// a check that needs a static dim is skipped when the dim is dynamic.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLOps.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"

#include <limits>

using namespace mlir;
using namespace mlir::tl;
using mlir::verifyCompatibleShape;

namespace {

constexpr int64_t kDynamic = ShapedType::kDynamic;

/// Emits "'tl.<op>' op <message>" at `loc` (when given) and fails.
template <typename OpT, typename... Args>
LogicalResult opError(std::optional<Location> loc, Args &&...args) {
  return emitOptionalError(loc, "'", OpT::getOperationName(), "' op ",
                           std::forward<Args>(args)...);
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

std::string listStr(ArrayRef<int64_t> values) {
  std::string s = "[";
  for (auto [i, v] : llvm::enumerate(values))
    s += (i ? ", " : "") + std::to_string(v);
  return s + "]";
}

RankedTensorType ranked(Value v) { return cast<RankedTensorType>(v.getType()); }

bool bothStatic(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b);
}

/// Two dims that must agree: the static one wins, a mismatch is reported.
int64_t mergeDim(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) ? b : a;
}

/// Normalizes `axis` in [-rank, rank) to [0, rank); fails when out of range.
template <typename OpT>
FailureOr<int64_t> normalizeAxis(std::optional<Location> loc, int64_t axis,
                                 int64_t rank, StringRef what = "axis") {
  if (axis < -rank || axis >= rank) {
    (void)opError<OpT>(loc, what, " ", axis, " is out of range for rank ",
                       rank);
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

template <typename OpT>
LogicalResult checkSameElementType(std::optional<Location> loc, Value a,
                                   Value b, StringRef aName, StringRef bName) {
  if (ranked(a).getElementType() != ranked(b).getElementType())
    return opError<OpT>(
        loc, aName, " and ", bName, " must have the same element type, got ",
        ranked(a).getElementType(), " and ", ranked(b).getElementType());
  return success();
}

/// Checks the weight of a conv or fc: of the input's element type, or a
/// frozen weight stored in bf16 (tl-reduce-precision), which the op widens
/// to the input's type.
template <typename OpT>
LogicalResult checkWeightElementType(std::optional<Location> loc, Value input,
                                     Value weight) {
  Type in = ranked(input).getElementType(), w = ranked(weight).getElementType();
  if (w == in || (w.isBF16() && in.isF32()))
    return success();
  // int8: signed 8-bit integers in [-127, 127], one scale per output channel
  // (dim 0), no zero point, dequantized to the input's type.
  if (auto q = dyn_cast<quant::UniformQuantizedPerAxisType>(w)) {
    bool symmetric =
        llvm::all_of(q.getZeroPoints(), [](int64_t z) { return z == 0; });
    int64_t channels = ranked(weight).getDimSize(0);
    if (q.isSigned() && q.getStorageTypeIntegralWidth() == 8 &&
        q.getStorageTypeMin() >= -127 && q.getExpressedType() == in &&
        q.getQuantizedDimension() == 0 && symmetric &&
        (ShapedType::isDynamic(channels) ||
         static_cast<int64_t>(q.getScales().size()) == channels))
      return success();
    return opError<OpT>(loc,
                        "a quantized weight must be i8 in [-127, 127] with "
                        "one scale per output channel (dim 0), no zero "
                        "point, expressed in the input's type; got ",
                        w);
  }
  return opError<OpT>(loc,
                      "weight must have the input's element type (bf16 for "
                      "an f32 input, or per-channel quantized i8), got ",
                      in, " and ", w);
}

/// Checks `value` is a 1-D tensor of `size` elements (when both are static).
template <typename OpT>
LogicalResult checkVector(std::optional<Location> loc, Value value,
                          int64_t size, StringRef name) {
  auto type = ranked(value);
  if (type.getRank() != 1)
    return opError<OpT>(loc, name, " must be 1-D, got shape ",
                        shapeStr(type.getShape()));
  if (bothStatic(type.getDimSize(0), size) && type.getDimSize(0) != size)
    return opError<OpT>(loc, name, " must have ", size, " elements, got ",
                        type.getDimSize(0));
  return success();
}

/// Output extent of a sliding window along one dim (conv and pools).
/// `ceilMode` follows PyTorch: the last window must start inside the input
/// or its begin padding.
template <typename OpT>
FailureOr<int64_t> windowedDim(std::optional<Location> loc, int64_t in,
                               int64_t kernel, int64_t stride, int64_t dilation,
                               int64_t padBegin, int64_t padEnd, bool ceilMode,
                               unsigned dim) {
  if (ShapedType::isDynamic(in) || ShapedType::isDynamic(kernel))
    return kDynamic;
  // Sizes come from untrusted models: every step is overflow-checked.
  int64_t span, room;
  if (__builtin_sub_overflow(kernel, 1, &span) ||
      __builtin_mul_overflow(dilation, span, &span) ||
      __builtin_add_overflow(span, 1, &span) ||
      __builtin_add_overflow(in, padBegin, &room) ||
      __builtin_add_overflow(room, padEnd, &room) ||
      __builtin_sub_overflow(room, span, &room)) {
    (void)opError<OpT>(loc, "the window of spatial dim ", dim, " (kernel ",
                       kernel, ", dilation ", dilation, ", pads ", padBegin,
                       ", ", padEnd, ") overflows int64");
    return failure();
  }
  if (room < 0) {
    (void)opError<OpT>(loc, "window of extent ", span,
                       " does not fit spatial dim ", dim, " of size ", in,
                       " padded by (", padBegin, ", ", padEnd, ")");
    return failure();
  }
  int64_t out = room / stride + (ceilMode && room % stride != 0) + 1;
  int64_t lastStart;
  if (ceilMode && !__builtin_mul_overflow(out - 1, stride, &lastStart) &&
      lastStart - padBegin >= in)
    --out;
  return out;
}

/// Checks the per-spatial-dim window attributes shared by conv and pools.
template <typename OpT>
LogicalResult checkWindowAttrs(std::optional<Location> loc, size_t spatial,
                               ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> pads,
                               ArrayRef<int64_t> dilations) {
  if (strides.size() != spatial)
    return opError<OpT>(loc, "expects ", spatial,
                        " strides (one per spatial dim), got ", strides.size());
  if (dilations.size() != spatial)
    return opError<OpT>(loc, "expects ", spatial,
                        " dilations (one per spatial dim), got ",
                        dilations.size());
  if (pads.size() != 2 * spatial)
    return opError<OpT>(loc, "expects ", 2 * spatial,
                        " pads (begins then ends), got ", pads.size());
  if (llvm::any_of(strides, [](int64_t s) { return s <= 0; }))
    return opError<OpT>(loc, "strides must be positive, got ",
                        listStr(strides));
  if (llvm::any_of(dilations, [](int64_t d) { return d <= 0; }))
    return opError<OpT>(loc, "dilations must be positive, got ",
                        listStr(dilations));
  if (llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return opError<OpT>(loc, "pads must be non-negative, got ", listStr(pads));
  return success();
}

/// Shape of a pooled activation: N, C, then one windowed dim per spatial dim.
template <typename OpT>
LogicalResult inferPool(std::optional<Location> loc, Value input,
                        ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                        ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                        bool ceilMode, SmallVectorImpl<Type> &results) {
  auto type = ranked(input);
  if (type.getRank() < 3)
    return opError<OpT>(loc, "input must have rank >= 3 (N, C, spatial...), ",
                        "got shape ", shapeStr(type.getShape()));
  size_t spatial = type.getRank() - 2;
  if (kernel.size() != spatial)
    return opError<OpT>(loc, "expects ", spatial, " kernel_shape entries, got ",
                        kernel.size());
  if (llvm::any_of(kernel, [](int64_t k) { return k <= 0; }))
    return opError<OpT>(loc, "kernel_shape must be positive, got ",
                        listStr(kernel));
  if (failed(checkWindowAttrs<OpT>(loc, spatial, strides, pads, dilations)))
    return failure();
  SmallVector<int64_t> shape(type.getShape().take_front(2));
  for (size_t i = 0; i < spatial; ++i) {
    auto dim =
        windowedDim<OpT>(loc, type.getDimSize(i + 2), kernel[i], strides[i],
                         dilations[i], pads[i], pads[i + spatial], ceilMode, i);
    if (failed(dim))
      return failure();
    shape.push_back(*dim);
  }
  results.push_back(type.clone(shape));
  return success();
}

/// The post-op operands of conv/fc: bias [M] and residual of the result type.
template <typename OpT>
LogicalResult checkPostOps(std::optional<Location> loc, Value input, Value bias,
                           Value residual, int64_t outChannels,
                           RankedTensorType result) {
  if (bias) {
    if (failed(checkVector<OpT>(loc, bias, outChannels, "bias")) ||
        failed(checkSameElementType<OpT>(loc, input, bias, "input", "bias")))
      return failure();
  }
  if (residual) {
    auto rtype = ranked(residual);
    if (failed(checkSameElementType<OpT>(loc, input, residual, "input",
                                         "residual")))
      return failure();
    if (failed(verifyCompatibleShape(rtype.getShape(), result.getShape())))
      return opError<OpT>(loc, "residual shape ", shapeStr(rtype.getShape()),
                          " does not match the result shape ",
                          shapeStr(result.getShape()));
  }
  return success();
}

/// Numpy broadcasting of two shapes.
template <typename OpT>
FailureOr<SmallVector<int64_t>> broadcast(std::optional<Location> loc,
                                          ArrayRef<int64_t> a,
                                          ArrayRef<int64_t> b) {
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(a, b, shape)) {
    (void)opError<OpT>(loc, "operands of shapes ", shapeStr(a), " and ",
                       shapeStr(b), " are not broadcast-compatible");
    return failure();
  }
  return shape;
}

template <typename OpT>
LogicalResult inferBinary(std::optional<Location> loc, Value lhs, Value rhs,
                          SmallVectorImpl<Type> &results) {
  if (failed(checkSameElementType<OpT>(loc, lhs, rhs, "lhs", "rhs")))
    return failure();
  auto shape =
      broadcast<OpT>(loc, ranked(lhs).getShape(), ranked(rhs).getShape());
  if (failed(shape))
    return failure();
  results.push_back(ranked(lhs).clone(*shape));
  return success();
}

/// Product of dims, kDynamic when any is dynamic, or nothing when it
/// overflows int64 (dims come from untrusted models).
std::optional<int64_t> product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  bool dynamic = false;
  for (int64_t d : dims) {
    if (ShapedType::isDynamic(d))
      dynamic = true;
    else if (__builtin_mul_overflow(p, d, &p))
      return std::nullopt;
  }
  return dynamic ? kDynamic : p;
}

/// Checks that `axes` are unique and in [0, rank) after normalization.
template <typename OpT>
FailureOr<SmallVector<int64_t>> normalizeAxes(std::optional<Location> loc,
                                              ArrayRef<int64_t> axes,
                                              int64_t rank) {
  SmallVector<int64_t> out;
  llvm::SmallBitVector seen(rank);
  for (int64_t axis : axes) {
    auto n = normalizeAxis<OpT>(loc, axis, rank);
    if (failed(n))
      return failure();
    if (seen.test(*n)) {
      (void)opError<OpT>(loc, "axis ", axis, " appears twice in ",
                         listStr(axes));
      return failure();
    }
    seen.set(*n);
    out.push_back(*n);
  }
  return out;
}

} // namespace

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  auto type = dyn_cast<RankedTensorType>(adaptor.getValue().getType());
  if (!type || !type.hasStaticShape())
    return opError<ConstantOp>(loc,
                               "value must be a statically shaped "
                               "ranked tensor, got ",
                               adaptor.getValue().getType());
  results.push_back(type);
  return success();
}

//===----------------------------------------------------------------------===//
// Parametric layers
//===----------------------------------------------------------------------===//

LogicalResult
ConvTransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  using OpT = ConvTransposeOp;
  auto input = ranked(adaptor.getInput());
  auto weight = ranked(adaptor.getWeight());
  if (input.getRank() < 3)
    return opError<OpT>(loc, "input must have rank >= 3 (N, C, spatial...), ",
                        "got shape ", shapeStr(input.getShape()));
  if (weight.getRank() != input.getRank())
    return opError<OpT>(loc, "weight must have rank ", input.getRank(),
                        " like the input, got shape ",
                        shapeStr(weight.getShape()));
  if (failed(checkSameElementType<OpT>(loc, adaptor.getInput(),
                                       adaptor.getWeight(), "input", "weight")))
    return failure();
  size_t spatial = input.getRank() - 2;
  ArrayRef<int64_t> strides = adaptor.getStrides(), pads = adaptor.getPads(),
                    dilations = adaptor.getDilations(),
                    outPad = adaptor.getOutputPadding();
  if (failed(checkWindowAttrs<OpT>(loc, spatial, strides, pads, dilations)))
    return failure();
  if (outPad.size() != spatial)
    return opError<OpT>(loc, "expects ", spatial,
                        " output_padding values, got ", outPad.size());
  for (size_t i = 0; i < spatial; ++i)
    if (outPad[i] < 0 || (outPad[i] >= strides[i] && outPad[i] >= dilations[i]))
      return opError<OpT>(loc, "output_padding ", listStr(outPad),
                          " must be smaller than the stride or the dilation");
  int64_t groups = adaptor.getGroups();
  if (groups <= 0)
    return opError<OpT>(loc, "groups must be positive, got ", groups);
  int64_t cin = input.getDimSize(1), wIn = weight.getDimSize(0);
  if (bothStatic(cin, wIn) && cin != wIn)
    return opError<OpT>(loc, "input has ", cin, " channels but weight expects ",
                        wIn);
  if (!ShapedType::isDynamic(wIn) && wIn % groups != 0)
    return opError<OpT>(loc, "input channels ", wIn,
                        " are not divisible by groups ", groups);
  int64_t cout = weight.getDimSize(1);
  if (!ShapedType::isDynamic(cout) &&
      __builtin_mul_overflow(cout, groups, &cout))
    return opError<OpT>(loc, "output channels overflow int64");
  SmallVector<int64_t> shape = {input.getDimSize(0), cout};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = input.getDimSize(i + 2), k = weight.getDimSize(i + 2);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k)) {
      shape.push_back(kDynamic);
      continue;
    }
    // Sizes come from untrusted models: every step is overflow-checked.
    int64_t out, span;
    if (__builtin_sub_overflow(in, 1, &out) ||
        __builtin_mul_overflow(out, strides[i], &out) ||
        __builtin_add_overflow(out, outPad[i], &out) ||
        __builtin_sub_overflow(k, 1, &span) ||
        __builtin_mul_overflow(span, dilations[i], &span) ||
        __builtin_add_overflow(out, span, &out) ||
        __builtin_add_overflow(out, 1, &out) ||
        __builtin_sub_overflow(out, pads[i], &out) ||
        __builtin_sub_overflow(out, pads[i + spatial], &out))
      return opError<OpT>(loc, "spatial dim ", i, " overflows int64");
    if (out <= 0)
      return opError<OpT>(loc, "spatial dim ", i, " would be ", out,
                          ": the pads ", listStr(pads), " exceed the output");
    shape.push_back(out);
  }
  results.push_back(input.clone(shape));
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  auto weight = ranked(adaptor.getWeight());
  if (input.getRank() < 3)
    return opError<ConvOp>(loc,
                           "input must have rank >= 3 (N, C, "
                           "spatial...), got shape ",
                           shapeStr(input.getShape()));
  if (weight.getRank() != input.getRank())
    return opError<ConvOp>(loc, "weight must have rank ", input.getRank(),
                           " like the input, got shape ",
                           shapeStr(weight.getShape()));
  if (failed(checkWeightElementType<ConvOp>(loc, adaptor.getInput(),
                                            adaptor.getWeight())))
    return failure();
  size_t spatial = input.getRank() - 2;
  if (failed(checkWindowAttrs<ConvOp>(loc, spatial, adaptor.getStrides(),
                                      adaptor.getPads(),
                                      adaptor.getDilations())))
    return failure();
  int64_t groups = adaptor.getGroups();
  if (groups <= 0)
    return opError<ConvOp>(loc, "groups must be positive, got ", groups);
  int64_t cin = input.getDimSize(1), cout = weight.getDimSize(0);
  int64_t cinPerGroup = weight.getDimSize(1);
  if (bothStatic(cin, cinPerGroup) && cinPerGroup * groups != cin)
    return opError<ConvOp>(loc, "input has ", cin,
                           " channels but weight expects ", cinPerGroup,
                           " per group x ", groups, " groups");
  if (!ShapedType::isDynamic(cout) && cout % groups != 0)
    return opError<ConvOp>(loc, "output channels ", cout,
                           " are not divisible by groups ", groups);
  SmallVector<int64_t> shape = {input.getDimSize(0), cout};
  ArrayRef<int64_t> pads = adaptor.getPads();
  for (size_t i = 0; i < spatial; ++i) {
    auto dim = windowedDim<ConvOp>(
        loc, input.getDimSize(i + 2), weight.getDimSize(i + 2),
        adaptor.getStrides()[i], adaptor.getDilations()[i], pads[i],
        pads[i + spatial], /*ceilMode=*/false, i);
    if (failed(dim))
      return failure();
    shape.push_back(*dim);
  }
  auto result = input.clone(shape);
  if (failed(checkPostOps<ConvOp>(loc, adaptor.getInput(), adaptor.getBias(),
                                  adaptor.getResidual(), cout, result)))
    return failure();
  results.push_back(result);
  return success();
}

LogicalResult
FullyConnectedOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                   Adaptor adaptor,
                                   SmallVectorImpl<Type> &results) {
  using OpT = FullyConnectedOp;
  auto input = ranked(adaptor.getInput());
  auto weight = ranked(adaptor.getWeight());
  if (input.getRank() != 2)
    return opError<OpT>(loc, "input must be 2-D [batch, features], got shape ",
                        shapeStr(input.getShape()));
  if (weight.getRank() != 2)
    return opError<OpT>(loc, "weight must be 2-D [out, in], got shape ",
                        shapeStr(weight.getShape()));
  if (failed(checkWeightElementType<OpT>(loc, adaptor.getInput(),
                                         adaptor.getWeight())))
    return failure();
  if (bothStatic(input.getDimSize(1), weight.getDimSize(1)) &&
      input.getDimSize(1) != weight.getDimSize(1))
    return opError<OpT>(loc, "input has ", input.getDimSize(1),
                        " features but weight expects ", weight.getDimSize(1));
  auto result = input.clone({input.getDimSize(0), weight.getDimSize(0)});
  if (failed(checkPostOps<OpT>(loc, adaptor.getInput(), adaptor.getBias(),
                               adaptor.getResidual(), weight.getDimSize(0),
                               result)))
    return failure();
  results.push_back(result);
  return success();
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(checkSameElementType<MatMulOp>(loc, adaptor.getLhs(),
                                            adaptor.getRhs(), "lhs", "rhs")))
    return failure();
  auto lhs = ranked(adaptor.getLhs()), rhs = ranked(adaptor.getRhs());
  if (lhs.getRank() < 1 || rhs.getRank() < 1)
    return opError<MatMulOp>(loc, "operands must have rank >= 1");
  // Numpy: a 1-D lhs gets a leading 1, a 1-D rhs a trailing 1, both removed
  // from the result.
  SmallVector<int64_t> a(lhs.getShape()), b(rhs.getShape());
  if (a.size() == 1)
    a.insert(a.begin(), 1);
  if (b.size() == 1)
    b.push_back(1);
  int64_t k1 = a.back(), k2 = b[b.size() - 2];
  if (bothStatic(k1, k2) && k1 != k2)
    return opError<MatMulOp>(loc, "contraction dims differ: lhs ",
                             shapeStr(lhs.getShape()), " and rhs ",
                             shapeStr(rhs.getShape()));
  auto batch = broadcast<MatMulOp>(loc, ArrayRef(a).drop_back(2),
                                   ArrayRef(b).drop_back(2));
  if (failed(batch))
    return failure();
  SmallVector<int64_t> shape = *batch;
  if (lhs.getRank() > 1)
    shape.push_back(a[a.size() - 2]);
  if (rhs.getRank() > 1)
    shape.push_back(b.back());
  results.push_back(lhs.clone(shape));
  return success();
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  if (input.getRank() < 2)
    return opError<BatchNormOp>(loc,
                                "input must have rank >= 2 (N, C, ...), "
                                "got shape ",
                                shapeStr(input.getShape()));
  int64_t channels = input.getDimSize(1);
  for (auto [value, name] : {std::pair{adaptor.getScale(), "scale"},
                             {adaptor.getBias(), "bias"},
                             {adaptor.getMean(), "mean"},
                             {adaptor.getVariance(), "variance"}}) {
    if (failed(checkVector<BatchNormOp>(loc, value, channels, name)) ||
        failed(checkSameElementType<BatchNormOp>(loc, adaptor.getInput(), value,
                                                 "input", name)))
      return failure();
  }
  if (adaptor.getEpsilon().convertToFloat() < 0)
    return opError<BatchNormOp>(loc, "epsilon must be non-negative");
  results.push_back(input);
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  auto axis =
      normalizeAxis<LayerNormOp>(loc, adaptor.getAxis(), input.getRank());
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> normalized = input.getShape().drop_front(*axis);
  for (auto [value, name] :
       {std::pair{adaptor.getScale(), "scale"}, {adaptor.getBias(), "bias"}}) {
    if (!value)
      continue;
    if (failed(checkSameElementType<LayerNormOp>(loc, adaptor.getInput(), value,
                                                 "input", name)))
      return failure();
    SmallVector<int64_t> merged;
    auto shape = ranked(value).getShape();
    if (shape.size() > normalized.size() ||
        !OpTrait::util::getBroadcastedShape(normalized, shape, merged) ||
        failed(verifyCompatibleShape(merged, normalized)))
      return opError<LayerNormOp>(loc, name, " of shape ", shapeStr(shape),
                                  " does not broadcast to the normalized "
                                  "shape ",
                                  shapeStr(normalized));
  }
  results.push_back(input);
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

#define TL_BINARY_INFERENCE(OP)                                                \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    return inferBinary<OP>(loc, adaptor.getLhs(), adaptor.getRhs(), results);  \
  }
TL_BINARY_INFERENCE(AddOp)
TL_BINARY_INFERENCE(SubOp)
TL_BINARY_INFERENCE(MulOp)
TL_BINARY_INFERENCE(DivOp)
TL_BINARY_INFERENCE(PowOp)
TL_BINARY_INFERENCE(MaxOp)
TL_BINARY_INFERENCE(MinOp)
TL_BINARY_INFERENCE(ModOp)
#undef TL_BINARY_INFERENCE

namespace {
/// Broadcasts like inferBinary, into a bool result.
template <typename OpT>
LogicalResult inferBoolBinary(std::optional<Location> loc, Value lhs, Value rhs,
                              SmallVectorImpl<Type> &results) {
  SmallVector<Type, 1> same;
  if (failed(inferBinary<OpT>(loc, lhs, rhs, same)))
    return failure();
  auto type = cast<RankedTensorType>(same[0]);
  results.push_back(
      type.clone(IntegerType::get(lhs.getContext(), /*width=*/1)));
  return success();
}
} // namespace

#define TL_BOOL_BINARY_INFERENCE(OP)                                           \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    return inferBoolBinary<OP>(loc, adaptor.getLhs(), adaptor.getRhs(),        \
                               results);                                       \
  }
TL_BOOL_BINARY_INFERENCE(EqualOp)
TL_BOOL_BINARY_INFERENCE(GreaterOp)
TL_BOOL_BINARY_INFERENCE(GreaterEqualOp)
TL_BOOL_BINARY_INFERENCE(LessOp)
TL_BOOL_BINARY_INFERENCE(LessEqualOp)
TL_BOOL_BINARY_INFERENCE(AndOp)
TL_BOOL_BINARY_INFERENCE(OrOp)
TL_BOOL_BINARY_INFERENCE(XorOp)
#undef TL_BOOL_BINARY_INFERENCE

LogicalResult WhereOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  if (failed(checkSameElementType<WhereOp>(loc, adaptor.getX(), adaptor.getY(),
                                           "x", "y")))
    return failure();
  auto xy = broadcast<WhereOp>(loc, ranked(adaptor.getX()).getShape(),
                               ranked(adaptor.getY()).getShape());
  if (failed(xy))
    return failure();
  auto shape =
      broadcast<WhereOp>(loc, ranked(adaptor.getCondition()).getShape(), *xy);
  if (failed(shape))
    return failure();
  results.push_back(ranked(adaptor.getX()).clone(*shape));
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  Type to = adaptor.getTo();
  if (!to.isIntOrFloat())
    return opError<CastOp>(loc, "cannot cast to ", to);
  results.push_back(ranked(adaptor.getInput()).clone(to));
  return success();
}

namespace {
template <typename OpT>
LogicalResult inferArg(MLIRContext *ctx, std::optional<Location> loc,
                       typename OpT::Adaptor adaptor,
                       SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  auto axis = normalizeAxis<OpT>(loc, static_cast<int64_t>(adaptor.getAxis()),
                                 input.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < input.getRank(); ++d)
    if (d != *axis)
      shape.push_back(input.getDimSize(d));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  results.push_back(RankedTensorType::get(shape, IntegerType::get(ctx, 64)));
  return success();
}
} // namespace

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  return inferArg<ArgMaxOp>(ctx, loc, adaptor, results);
}
LogicalResult ArgMinOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  return inferArg<ArgMinOp>(ctx, loc, adaptor, results);
}

LogicalResult PReluOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  if (failed(checkSameElementType<PReluOp>(
          loc, adaptor.getInput(), adaptor.getSlope(), "input", "slope")))
    return failure();
  // The slope broadcasts to the input, never the other way round.
  auto input = ranked(adaptor.getInput());
  auto shape = broadcast<PReluOp>(loc, input.getShape(),
                                  ranked(adaptor.getSlope()).getShape());
  if (failed(shape))
    return failure();
  if (failed(verifyCompatibleShape(*shape, input.getShape())))
    return opError<PReluOp>(
        loc, "slope of shape ", shapeStr(ranked(adaptor.getSlope()).getShape()),
        " does not broadcast to the input shape ", shapeStr(input.getShape()));
  results.push_back(input);
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling and reductions
//===----------------------------------------------------------------------===//

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  return inferPool<MaxPoolOp>(loc, adaptor.getInput(), adaptor.getKernelShape(),
                              adaptor.getStrides(), adaptor.getPads(),
                              adaptor.getDilations(), adaptor.getCeilMode(),
                              results);
}

LogicalResult AvgPoolOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  SmallVector<int64_t> dilations(adaptor.getKernelShape().size(), 1);
  return inferPool<AvgPoolOp>(loc, adaptor.getInput(), adaptor.getKernelShape(),
                              adaptor.getStrides(), adaptor.getPads(),
                              dilations, adaptor.getCeilMode(), results);
}

template <typename OpT>
static LogicalResult inferGlobalPool(std::optional<Location> loc, Value input,
                                     SmallVectorImpl<Type> &results) {
  auto type = ranked(input);
  if (type.getRank() < 3)
    return opError<OpT>(loc, "input must have rank >= 3 (N, C, spatial...), ",
                        "got shape ", shapeStr(type.getShape()));
  SmallVector<int64_t> shape(type.getShape().take_front(2));
  shape.append(type.getRank() - 2, 1);
  results.push_back(type.clone(shape));
  return success();
}

LogicalResult
GlobalAvgPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  return inferGlobalPool<GlobalAvgPoolOp>(loc, adaptor.getInput(), results);
}

LogicalResult
GlobalMaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  return inferGlobalPool<GlobalMaxPoolOp>(loc, adaptor.getInput(), results);
}

namespace {
/// The run-time parameter giving `name`, or null (TL_RuntimeParams); also
/// null for one the verifier refuses (not static, rank above 1), so that
/// inference never sees a dynamic count.
template <typename Adaptor> Value paramOf(Adaptor adaptor, StringRef name) {
  Value p = runtimeParam(adaptor.getParamAttrs(), adaptor.getParams(), name);
  auto type = p ? dyn_cast<RankedTensorType>(p.getType()) : nullptr;
  return type && type.hasStaticShape() && type.getRank() <= 1 ? p : nullptr;
}

/// `rank` dynamic dims of `input`'s element type: the result of an op
/// whose parameters are known only at run time.
Type dynamicLike(RankedTensorType input, int64_t rank) {
  return input.clone(SmallVector<int64_t>(rank, ShapedType::kDynamic));
}

template <typename OpT>
LogicalResult inferReduce(std::optional<Location> loc,
                          typename OpT::Adaptor adaptor,
                          SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  if (Value p = paramOf(adaptor, "axes"); p && !adaptor.getAxes()) {
    // Empty axes reduce every dim.
    int64_t n = runtimeParamCount(p);
    int64_t rank = adaptor.getKeepdims() ? input.getRank()
                   : n == 0              ? 0
                                         : input.getRank() - n;
    if (rank < 0)
      return opError<OpT>(loc, "reduces ", n, " axes of a rank-",
                          input.getRank(), " input");
    results.push_back(dynamicLike(input, rank));
    return success();
  }
  auto axes = normalizeAxes<OpT>(
      loc, adaptor.getAxes().value_or(ArrayRef<int64_t>()), input.getRank());
  if (failed(axes))
    return failure();
  llvm::SmallBitVector reduced(input.getRank(), axes->empty());
  for (int64_t a : *axes)
    reduced.set(a);
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < input.getRank(); ++i) {
    if (!reduced.test(i))
      shape.push_back(input.getDimSize(i));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  results.push_back(input.clone(shape));
  return success();
}
} // namespace

#define TL_INFER_REDUCE(OpT)                                                   \
  LogicalResult OpT::inferReturnTypes(                                         \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    return inferReduce<OpT>(loc, adaptor, results);                            \
  }
TL_INFER_REDUCE(ReduceMeanOp)
TL_INFER_REDUCE(ReduceSumOp)
TL_INFER_REDUCE(ReduceMaxOp)
TL_INFER_REDUCE(ReduceMinOp)
TL_INFER_REDUCE(ReduceProdOp)
TL_INFER_REDUCE(ReduceL1Op)
TL_INFER_REDUCE(ReduceL2Op)
TL_INFER_REDUCE(ReduceSumSquareOp)
TL_INFER_REDUCE(ReduceLogSumOp)
TL_INFER_REDUCE(ReduceLogSumExpOp)
#undef TL_INFER_REDUCE

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto inputs = adaptor.getInputs();
  if (inputs.empty())
    return opError<ConcatOp>(loc, "needs at least one input");
  auto first = ranked(inputs.front());
  auto axis = normalizeAxis<ConcatOp>(loc, adaptor.getAxis(), first.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  for (auto [i, value] : llvm::enumerate(inputs)) {
    auto type = ranked(value);
    if (type.getElementType() != first.getElementType())
      return opError<ConcatOp>(loc, "input ", i, " has element type ",
                               type.getElementType(), ", input 0 has ",
                               first.getElementType());
    if (type.getRank() != first.getRank())
      return opError<ConcatOp>(loc, "input ", i, " has rank ", type.getRank(),
                               ", input 0 has rank ", first.getRank());
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t size = type.getDimSize(d);
      if (d == *axis) {
        if (ShapedType::isDynamic(size) || ShapedType::isDynamic(shape[d]))
          shape[d] = kDynamic;
        else if (__builtin_add_overflow(shape[d], size, &shape[d]))
          return opError<ConcatOp>(loc, "the concatenated dim ", *axis,
                                   " overflows int64");
        continue;
      }
      if (bothStatic(size, shape[d]) && size != shape[d])
        return opError<ConcatOp>(
            loc, "input ", i, " has shape ", shapeStr(type.getShape()),
            ", which differs from input 0 outside axis ", *axis);
      shape[d] = mergeDim(shape[d], size);
    }
  }
  results.push_back(first.clone(shape));
  return success();
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  int64_t rank = input.getRank(), axis = adaptor.getAxis();
  if (axis < -rank || axis > rank)
    return opError<FlattenOp>(loc, "axis ", axis, " is out of range for rank ",
                              rank);
  if (axis < 0)
    axis += rank;
  auto outer = product(input.getShape().take_front(axis));
  auto inner = product(input.getShape().drop_front(axis));
  if (!outer || !inner)
    return opError<FlattenOp>(loc, "the flattened dims of ",
                              shapeStr(input.getShape()), " overflow int64");
  results.push_back(input.clone({*outer, *inner}));
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  if (!adaptor.getShape()) {
    Value p = paramOf(adaptor, "shape");
    if (!p)
      return opError<ReshapeOp>(loc, "needs a shape");
    results.push_back(dynamicLike(input, runtimeParamCount(p)));
    return success();
  }
  ArrayRef<int64_t> target = *adaptor.getShape();
  SmallVector<int64_t> shape;
  std::optional<size_t> inferred;
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == -1) {
      if (inferred)
        return opError<ReshapeOp>(loc, "shape ", listStr(target),
                                  " has more than one -1");
      inferred = i;
      shape.push_back(kDynamic);
    } else if (d == 0) {
      if (static_cast<int64_t>(i) >= input.getRank())
        return opError<ReshapeOp>(loc, "shape ", listStr(target),
                                  " copies dim ", i,
                                  " (0) of an input of "
                                  "rank ",
                                  input.getRank());
      shape.push_back(input.getDimSize(i));
    } else if (d < -1) {
      return opError<ReshapeOp>(loc, "shape ", listStr(target),
                                " has the invalid entry ", d);
    } else {
      shape.push_back(d);
    }
  }
  // Dims copied in place (0) appear on both sides and cancel, so a -1 is
  // computable even when those dims are dynamic (e.g. [0, -1] on [?, 4, 5]).
  SmallVector<int64_t> inRest, outRest;
  for (int64_t i = 0; i < input.getRank(); ++i)
    if (i >= static_cast<int64_t>(target.size()) || target[i] != 0)
      inRest.push_back(input.getDimSize(i));
  for (auto [i, d] : llvm::enumerate(target))
    if (d > 0)
      outRest.push_back(d);
  auto inCountOr = product(inRest), outCountOr = product(outRest);
  if (!inCountOr || !outCountOr)
    return opError<ReshapeOp>(loc, "cannot reshape ",
                              shapeStr(input.getShape()), " to ",
                              listStr(target), ": the element count overflows");
  int64_t inCount = *inCountOr, outCount = *outCountOr;
  if (!ShapedType::isDynamic(inCount)) {
    if (inferred) {
      if (outCount == 0 || inCount % outCount != 0)
        return opError<ReshapeOp>(loc, "cannot reshape ",
                                  shapeStr(input.getShape()), " to ",
                                  listStr(target));
      shape[*inferred] = inCount / outCount;
    } else if (inCount != outCount) {
      return opError<ReshapeOp>(loc, "cannot reshape ",
                                shapeStr(input.getShape()), " to ",
                                listStr(target),
                                ": the element counts "
                                "differ");
    }
  }
  results.push_back(input.clone(shape));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return opError<TransposeOp>(loc, "perm ", listStr(perm), " has ",
                                perm.size(), " entries for an input of rank ",
                                input.getRank());
  llvm::SmallBitVector seen(perm.size());
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen.test(p))
      return opError<TransposeOp>(loc, "perm ", listStr(perm),
                                  " is not a permutation of [0, ",
                                  input.getRank(), ")");
    seen.set(p);
    shape.push_back(input.getDimSize(p));
  }
  results.push_back(input.clone(shape));
  return success();
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  if (!adaptor.getAxes()) {
    Value p = paramOf(adaptor, "axes");
    int64_t rank = p ? input.getRank() - runtimeParamCount(p) : -1;
    if (rank < 0)
      return opError<SqueezeOp>(loc, "needs at most ", input.getRank(),
                                " axes");
    results.push_back(dynamicLike(input, rank));
    return success();
  }
  auto axes =
      normalizeAxes<SqueezeOp>(loc, *adaptor.getAxes(), input.getRank());
  if (failed(axes))
    return failure();
  llvm::SmallBitVector removed(input.getRank());
  for (int64_t a : *axes) {
    int64_t d = input.getDimSize(a);
    if (!ShapedType::isDynamic(d) && d != 1)
      return opError<SqueezeOp>(loc, "cannot squeeze dim ", a, " of size ", d);
    removed.set(a);
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < input.getRank(); ++i)
    if (!removed.test(i))
      shape.push_back(input.getDimSize(i));
  results.push_back(input.clone(shape));
  return success();
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  if (!adaptor.getAxes()) {
    Value p = paramOf(adaptor, "axes");
    if (!p)
      return opError<UnsqueezeOp>(loc, "needs axes");
    results.push_back(
        dynamicLike(input, input.getRank() + runtimeParamCount(p)));
    return success();
  }
  int64_t rank = input.getRank() + adaptor.getAxes()->size();
  auto axes = normalizeAxes<UnsqueezeOp>(loc, *adaptor.getAxes(), rank);
  if (failed(axes))
    return failure();
  llvm::SmallBitVector inserted(rank);
  for (int64_t a : *axes)
    inserted.set(a);
  SmallVector<int64_t> shape;
  auto next = input.getShape().begin();
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(inserted.test(i) ? 1 : *next++);
  results.push_back(input.clone(shape));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  if (!adaptor.getStarts() || !adaptor.getEnds() || !adaptor.getAxes() ||
      !adaptor.getSteps()) {
    // Some are run-time parameters: the dims on the sliced axes are
    // dynamic, or every dim when the axes are.
    SmallVector<int64_t> counts;
    for (auto [name, given] : {std::pair{"starts", adaptor.getStarts()},
                               {"ends", adaptor.getEnds()},
                               {"axes", adaptor.getAxes()},
                               {"steps", adaptor.getSteps()}}) {
      if (given)
        counts.push_back(given->size());
      else if (Value p = paramOf(adaptor, name))
        counts.push_back(runtimeParamCount(p));
      else
        return opError<SliceOp>(loc, "needs ", name);
    }
    if (llvm::any_of(counts, [&](int64_t c) { return c != counts[0]; }))
      return opError<SliceOp>(loc,
                              "starts, ends, axes and steps must have the "
                              "same length, got ",
                              listStr(counts));
    if (!adaptor.getAxes()) {
      results.push_back(dynamicLike(input, input.getRank()));
      return success();
    }
    auto axes =
        normalizeAxes<SliceOp>(loc, *adaptor.getAxes(), input.getRank());
    if (failed(axes))
      return failure();
    SmallVector<int64_t> shape(input.getShape());
    for (int64_t a : *axes)
      shape[a] = ShapedType::kDynamic;
    results.push_back(input.clone(shape));
    return success();
  }
  ArrayRef<int64_t> starts = *adaptor.getStarts(), ends = *adaptor.getEnds(),
                    steps = *adaptor.getSteps();
  size_t n = adaptor.getAxes()->size();
  if (starts.size() != n || ends.size() != n || steps.size() != n)
    return opError<SliceOp>(loc,
                            "starts, ends, axes and steps must have the "
                            "same length, got ",
                            starts.size(), ", ", ends.size(), ", ", n, ", ",
                            steps.size());
  auto axes = normalizeAxes<SliceOp>(loc, *adaptor.getAxes(), input.getRank());
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape(input.getShape());
  for (size_t i = 0; i < n; ++i) {
    int64_t dim = shape[(*axes)[i]], step = steps[i];
    if (step == 0)
      return opError<SliceOp>(loc, "step for axis ", (*axes)[i],
                              " must not be 0");
    if (ShapedType::isDynamic(dim))
      continue;
    // ONNX's clamping: negative indices count from the end, then starts and
    // ends are clamped to the valid range for the step's direction.
    auto clampIndex = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v = v < -dim ? -dim - 1 : v + dim;
      return std::clamp(v, lo, hi);
    };
    int64_t start = step > 0 ? clampIndex(starts[i], 0, dim)
                             : clampIndex(starts[i], 0, dim - 1);
    int64_t end = step > 0 ? clampIndex(ends[i], 0, dim)
                           : clampIndex(ends[i], -1, dim - 1);
    // ceil(length / |step|), without an addition that could overflow; the
    // clamped length is within [-1, dim + 1], and |step| of INT64_MIN is
    // taken as INT64_MAX (either way, one element).
    int64_t length = step > 0 ? end - start : start - end;
    int64_t stride = step > 0 ? step
                     : step == std::numeric_limits<int64_t>::min()
                         ? std::numeric_limits<int64_t>::max()
                         : -step;
    int64_t size = length <= 0 ? 0 : length / stride + (length % stride != 0);
    shape[(*axes)[i]] = std::max<int64_t>(0, size);
  }
  results.push_back(input.clone(shape));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  int64_t rank = input.getRank();
  if (!adaptor.getPads()) {
    Value p = paramOf(adaptor, "pads");
    if (!p || runtimeParamCount(p) != 2 * rank)
      return opError<PadOp>(loc, "expects ", 2 * rank,
                            " pads (begins then ends)");
    results.push_back(dynamicLike(input, rank));
    return success();
  }
  ArrayRef<int64_t> pads = *adaptor.getPads();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return opError<PadOp>(loc, "expects ", 2 * rank,
                          " pads (begins then ends), got ", pads.size());
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = input.getDimSize(i);
    if (ShapedType::isDynamic(d)) {
      shape.push_back(kDynamic);
      continue;
    }
    int64_t out;
    if (__builtin_add_overflow(d, pads[i], &out) ||
        __builtin_add_overflow(out, pads[i + rank], &out))
      return opError<PadOp>(loc, "pads ", listStr(pads), " of dim ", i,
                            " overflow int64");
    if (out < 0)
      return opError<PadOp>(loc, "pads ", listStr(pads),
                            " remove more than dim ", i, " of size ", d);
    shape.push_back(out);
  }
  results.push_back(input.clone(shape));
  return success();
}

LogicalResult ResizeOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto input = ranked(adaptor.getInput());
  auto scales = adaptor.getScales();
  auto sizes = adaptor.getSizes();
  Value scalesParam = paramOf(adaptor, "scales"),
        sizesParam = paramOf(adaptor, "sizes");
  if (int(scales.has_value()) + int(sizes.has_value()) +
          int(bool(scalesParam)) + int(bool(sizesParam)) !=
      1)
    return opError<ResizeOp>(loc, "expects exactly one of scales and sizes");
  if (Value p = scalesParam ? scalesParam : sizesParam) {
    if (runtimeParamCount(p) != input.getRank())
      return opError<ResizeOp>(loc, "expects ", input.getRank(), " ",
                               scalesParam ? "scales" : "sizes",
                               " (one per dim), got ", runtimeParamCount(p));
    results.push_back(dynamicLike(input, input.getRank()));
    return success();
  }
  size_t n = scales ? scales->size() : sizes->size();
  if (static_cast<int64_t>(n) != input.getRank())
    return opError<ResizeOp>(loc, "expects ", input.getRank(), " ",
                             scales ? "scales" : "sizes",
                             " (one per dim), "
                             "got ",
                             n);
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < input.getRank(); ++i) {
    if (sizes) {
      if ((*sizes)[i] <= 0)
        return opError<ResizeOp>(loc, "sizes must be positive, got ",
                                 listStr(*sizes));
      shape.push_back((*sizes)[i]);
      continue;
    }
    float scale = (*scales)[i];
    if (!(scale > 0))
      return opError<ResizeOp>(loc, "scales must be positive, got ", scale,
                               " for dim ", i);
    int64_t d = input.getDimSize(i);
    double scaled =
        ShapedType::isDynamic(d) ? 0 : std::floor(d * double(scale));
    if (!(scaled < 0x1p62))
      return opError<ResizeOp>(loc, "scale ", scale, " makes dim ", i,
                               " of size ", d, " overflow int64");
    shape.push_back(ShapedType::isDynamic(d) ? kDynamic
                                             : static_cast<int64_t>(scaled));
  }
  results.push_back(input.clone(shape));
  return success();
}
