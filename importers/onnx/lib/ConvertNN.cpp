//===- ConvertNN.cpp - conv, fully connected, normalization, pooling ------===//

#include "ImportContext.h"

#include "tlc/runtime/Limits.h"

using namespace mlir;
using namespace tlc::onnx_importer;

namespace {

/// Explicit pads for conv and pools, resolving `auto_pad` the ONNX way:
/// SAME_UPPER puts the odd padding at the end, SAME_LOWER at the begin.
FailureOr<SmallVector<int64_t>>
resolvePads(NodeContext &nc, RankedTensorType input, ArrayRef<int64_t> kernel,
            ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  size_t spatial = kernel.size();
  std::string autoPad = nc.getString("auto_pad", "NOTSET");
  SmallVector<int64_t> pads = nc.getInts("pads");
  if (autoPad == "NOTSET") {
    if (pads.empty())
      pads.assign(2 * spatial, 0);
    return pads;
  }
  if (autoPad == "VALID")
    return SmallVector<int64_t>(2 * spatial, 0);
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return nc.fail("unsupported auto_pad '" + autoPad + "'");
  if (strides.size() != spatial || dilations.size() != spatial)
    return nc.fail("strides and dilations need one entry per spatial dim");
  if (input.getRank() != int64_t(spatial) + 2)
    return nc.fail("the input has rank " + Twine(input.getRank()) + ", a " +
                   Twine(spatial) + "-D window needs " + Twine(spatial + 2));
  pads.assign(2 * spatial, 0);
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = input.getDimSize(i + 2);
    if (ShapedType::isDynamic(in))
      return nc.fail("auto_pad=" + autoPad +
                     " needs static spatial dims; fix them with "
                     "--input-shape");
    // From the model: bounded first, so that the arithmetic below is exact.
    auto inRange = [](int64_t v) { return v >= 1 && v <= tlc::kMaxDim; };
    int64_t reach;
    if (!inRange(strides[i]) || !inRange(dilations[i]) || !inRange(kernel[i]) ||
        in > tlc::kMaxDim ||
        __builtin_mul_overflow(kernel[i] - 1, dilations[i], &reach) ||
        reach > tlc::kMaxDim)
      return nc.fail("kernel, stride and dilation of spatial dim " + Twine(i) +
                     " must be in [1, " + Twine(tlc::kMaxDim) +
                     "] and reach at most that far");
    int64_t out = in / strides[i] + (in % strides[i] != 0);
    int64_t total =
        std::max<int64_t>(0, (out - 1) * strides[i] + reach + 1 - in);
    int64_t small = total / 2, large = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : large;
    pads[i + spatial] = total - pads[i];
  }
  return pads;
}

LogicalResult convertConv(NodeContext &nc) {
  auto x = nc.input(0);
  auto w = nc.input(1);
  if (failed(x) || failed(w))
    return failure();
  auto input = cast<RankedTensorType>(x->getType());
  auto weight = cast<RankedTensorType>(w->getType());
  if (weight.getRank() < 3)
    return nc.fail("weight must have rank >= 3, got " +
                   Twine(weight.getRank()));
  size_t spatial = weight.getRank() - 2;
  SmallVector<int64_t> kernel(weight.getShape().drop_front(2));
  SmallVector<int64_t> declared = nc.getInts("kernel_shape");
  if (!declared.empty() && declared != ArrayRef<int64_t>(kernel))
    return nc.fail("kernel_shape does not match the weight's spatial dims");
  auto strides = nc.getInts("strides", SmallVector<int64_t>(spatial, 1));
  auto dilations = nc.getInts("dilations", SmallVector<int64_t>(spatial, 1));
  int64_t groups = nc.getInt("group", 1);
  auto pads = resolvePads(nc, input, kernel, strides, dilations);
  if (failed(pads))
    return failure();
  SmallVector<Value> operands = {*x, *w};
  if (failed(nc.appendIfPresent(2, operands)))
    return failure();
  return nc.emit<tl::ConvOp>(
      operands, {nc.i64s("strides", strides), nc.i64s("pads", *pads),
                 nc.i64s("dilations", dilations), nc.i64("groups", groups),
                 nc.segments({1, 1, nc.hasInput(2) ? 1 : 0, 0})});
}

/// ConvTranspose: the padding comes from `pads`, or from `output_shape`
/// (total padding = the full output minus the asked size) or auto_pad SAME
/// (the asked size is input * stride); SAME_UPPER puts the odd element of
/// padding at the end, SAME_LOWER and NOTSET at the start, as the spec says.
LogicalResult convertConvTranspose(NodeContext &nc) {
  auto x = nc.input(0);
  auto w = nc.input(1);
  if (failed(x) || failed(w))
    return failure();
  auto input = cast<RankedTensorType>(x->getType());
  auto weight = cast<RankedTensorType>(w->getType());
  if (weight.getRank() < 3 || weight.getRank() != input.getRank())
    return nc.fail("weight must have the input's rank (>= 3), got " +
                   Twine(weight.getRank()));
  size_t spatial = weight.getRank() - 2;
  SmallVector<int64_t> kernel(weight.getShape().drop_front(2));
  SmallVector<int64_t> declared = nc.getInts("kernel_shape");
  if (!declared.empty() && declared != ArrayRef<int64_t>(kernel))
    return nc.fail("kernel_shape does not match the weight's spatial dims");
  if (llvm::any_of(kernel, ShapedType::isDynamic))
    return nc.fail("the kernel's spatial dims must be known at import time");
  auto strides = nc.getInts("strides", SmallVector<int64_t>(spatial, 1));
  auto dilations = nc.getInts("dilations", SmallVector<int64_t>(spatial, 1));
  auto outPad = nc.getInts("output_padding", SmallVector<int64_t>(spatial, 0));
  int64_t groups = nc.getInt("group", 1);
  if (strides.size() != spatial || dilations.size() != spatial ||
      outPad.size() != spatial)
    return nc.fail("strides, dilations and output_padding need one value "
                   "per spatial dim");
  std::string autoPad = nc.getString("auto_pad", "NOTSET");
  SmallVector<int64_t> outputShape = nc.getInts("output_shape");
  SmallVector<int64_t> pads = nc.getInts("pads");
  if (autoPad == "VALID")
    pads.assign(2 * spatial, 0);
  bool fromShape = !outputShape.empty() || autoPad == "SAME_UPPER" ||
                   autoPad == "SAME_LOWER";
  if (fromShape) {
    if (!outputShape.empty() && outputShape.size() != spatial)
      outputShape.erase(outputShape.begin(),
                        outputShape.end() -
                            std::min(outputShape.size(), spatial));
    if (!outputShape.empty() && outputShape.size() != spatial)
      return nc.fail("output_shape needs one value per spatial dim");
    pads.assign(2 * spatial, 0);
    for (size_t i = 0; i < spatial; ++i) {
      int64_t in = input.getDimSize(i + 2);
      if (ShapedType::isDynamic(in))
        return nc.fail("output_shape or auto_pad SAME needs the input's "
                       "spatial dims at import time");
      // Model values are untrusted: the arithmetic is checked.
      int64_t full, span, want, total;
      bool overflow =
          __builtin_sub_overflow(in, 1, &full) ||
          __builtin_mul_overflow(full, strides[i], &full) ||
          __builtin_add_overflow(full, outPad[i], &full) ||
          __builtin_mul_overflow(kernel[i] - 1, dilations[i], &span) ||
          __builtin_add_overflow(full, span, &full) ||
          __builtin_add_overflow(full, 1, &full) ||
          (outputShape.empty() ? __builtin_mul_overflow(in, strides[i], &want)
                               : (want = outputShape[i], false)) ||
          __builtin_sub_overflow(full, want, &total);
      if (overflow)
        return nc.fail("the output size overflows int64");
      if (total < 0) {
        // A size past the full output: the extra rows are output padding
        // (the verifier keeps it below the stride or the dilation).
        outPad[i] -= total;
        if (outPad[i] >= strides[i] && outPad[i] >= dilations[i])
          return nc.fail("output_shape " + Twine(want) + " is past " +
                         Twine(full) +
                         ", the full output, by as much as the stride or "
                         "more");
        continue;
      }
      bool upper = autoPad == "SAME_UPPER";
      pads[i] = upper ? total / 2 : total - total / 2;
      pads[i + spatial] = total - pads[i];
    }
  }
  if (pads.empty())
    pads.assign(2 * spatial, 0);
  SmallVector<Value> operands = {*x, *w};
  if (failed(nc.appendIfPresent(2, operands)))
    return failure();
  return nc.emit<tl::ConvTransposeOp>(
      operands, {nc.i64s("strides", strides), nc.i64s("pads", pads),
                 nc.i64s("dilations", dilations),
                 nc.i64s("output_padding", outPad), nc.i64("groups", groups)});
}

/// A transposed copy of a 2-D host tensor of any element type.
HostTensor transpose2D(const HostTensor &t) {
  HostTensor out;
  out.elemType = t.elemType;
  out.dims = {t.dims[1], t.dims[0]};
  size_t size = elementByteSize(t.elemType);
  out.bytes.resize(t.bytes.size());
  for (int64_t r = 0; r < t.dims[0]; ++r)
    for (int64_t c = 0; c < t.dims[1]; ++c)
      std::memcpy(&out.bytes[(c * t.dims[0] + r) * size],
                  &t.bytes[(r * t.dims[1] + c) * size], size);
  return out;
}

/// Gemm: Y = alpha * A' * B' + beta * C becomes tl.fc with weight [N, K]
/// (B' transposed), with C as its bias when it is a vector and alpha and
/// beta are 1, and explicit scaling otherwise.
LogicalResult convertGemm(NodeContext &nc) {
  float alpha = nc.getFloat("alpha", 1.0f);
  float beta = nc.getFloat("beta", 1.0f);
  bool transA = nc.getInt("transA", 0) != 0;
  bool transB = nc.getInt("transB", 0) != 0;
  auto a = nc.input(0);
  if (failed(a))
    return failure();
  if (transA) {
    a = nc.create<tl::TransposeOp>({*a}, {nc.i64s("perm", {1, 0})});
    if (failed(a))
      return failure();
  }
  // tl.fc wants the weight as [out, in], which is B when transB is set.
  FailureOr<Value> w = failure();
  const HostTensor *constB = nc.constantInput(1);
  if (!transB && constB && constB->dims.size() == 2) {
    HostTensor t = transpose2D(*constB);
    w = nc.create<tl::ConstantOp>(
        {}, {nc.named("value", t.toAttr(nc.ctx(), nc.node.input(1) + "_t"))});
  } else {
    w = nc.input(1);
    if (succeeded(w) && !transB)
      w = nc.create<tl::TransposeOp>({*w}, {nc.i64s("perm", {1, 0})});
  }
  if (failed(w))
    return failure();
  auto wType = cast<RankedTensorType>(w->getType());

  // C as the fc bias: a vector, or [1, N], with no scaling.
  Value bias;
  if (nc.hasInput(2) && alpha == 1.0f && beta == 1.0f) {
    auto c = nc.input(2);
    if (failed(c))
      return failure();
    auto cType = cast<RankedTensorType>(c->getType());
    int64_t n = wType.getRank() == 2 ? wType.getDimSize(0) : -1;
    if (cType.getRank() == 1 && cType.getDimSize(0) == n) {
      bias = *c;
    } else if (cType.getRank() == 2 && cType.getDimSize(0) == 1 &&
               cType.getDimSize(1) == n) {
      auto reshaped = nc.create<tl::ReshapeOp>({*c}, {nc.i64s("shape", {n})});
      if (failed(reshaped))
        return failure();
      bias = *reshaped;
    }
  }
  SmallVector<Value> operands = {*a, *w};
  if (bias)
    operands.push_back(bias);
  auto y = nc.create<tl::FullyConnectedOp>(
      operands, {nc.segments({1, 1, bias ? 1 : 0, 0})});
  if (failed(y))
    return failure();
  Type elem = cast<RankedTensorType>(y->getType()).getElementType();
  if (alpha != 1.0f) {
    y = nc.create<tl::MulOp>({*y, nc.scalar(alpha, elem)});
    if (failed(y))
      return failure();
  }
  if (nc.hasInput(2) && !bias && beta != 0.0f) {
    auto c = nc.input(2);
    if (failed(c))
      return failure();
    if (beta != 1.0f) {
      c = nc.create<tl::MulOp>({*c, nc.scalar(beta, elem)});
      if (failed(c))
        return failure();
    }
    y = nc.create<tl::AddOp>({*y, *c});
    if (failed(y))
      return failure();
  }
  nc.setOutput(0, *y);
  return success();
}

LogicalResult convertMatMul(NodeContext &nc) {
  auto a = nc.input(0);
  auto b = nc.input(1);
  if (failed(a) || failed(b))
    return failure();
  return nc.emit<tl::MatMulOp>({*a, *b});
}

LogicalResult convertBatchNorm(NodeContext &nc) {
  float epsilon = nc.getFloat("epsilon", 1e-5f);
  nc.ignoreAttrs({"momentum"});
  if (nc.getInt("training_mode", 0) != 0 || nc.hasOutput(1) || nc.hasOutput(2))
    return nc.fail("training mode (updating running statistics) is not "
                   "supported; export the model in eval mode");
  SmallVector<Value> operands;
  for (size_t i = 0; i < 5; ++i) {
    auto v = nc.input(i);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  return nc.emit<tl::BatchNormOp>(operands, {nc.f32("epsilon", epsilon)});
}

/// The moments of x over `axes` (keepdims shapes): mean = E[x],
/// centered = x - mean, variance = E[centered^2] (the two-pass form, exact
/// where E[x^2] - E[x]^2 cancels).
struct Moments {
  Value mean, centered, variance;
};

FailureOr<Moments> emitMoments(NodeContext &nc, Value x,
                               ArrayRef<int64_t> axes) {
  SmallVector<NamedAttribute> reduce = {nc.i64s("axes", axes),
                                        nc.flag("keepdims", true)};
  auto mean = nc.create<tl::ReduceMeanOp>({x}, reduce);
  if (failed(mean))
    return failure();
  auto centered = nc.create<tl::SubOp>({x, *mean});
  if (failed(centered))
    return failure();
  auto squares = nc.create<tl::MulOp>({*centered, *centered});
  if (failed(squares))
    return failure();
  auto variance = nc.create<tl::ReduceMeanOp>({*squares}, reduce);
  if (failed(variance))
    return failure();
  return Moments{*mean, *centered, *variance};
}

/// 1 / sqrt(variance + epsilon).
FailureOr<Value> emitInvStdDev(NodeContext &nc, Value variance, float epsilon) {
  Type elem = cast<RankedTensorType>(variance.getType()).getElementType();
  auto shifted = nc.create<tl::AddOp>({variance, nc.scalar(epsilon, elem)});
  if (failed(shifted))
    return failure();
  auto stddev = nc.create<tl::SqrtOp>({*shifted});
  if (failed(stddev))
    return failure();
  return nc.create<tl::ReciprocalOp>({*stddev});
}

/// y * scale + bias, with scale and bias (inputs 1 and 2, the bias
/// optional) reshaped to `paramShape` first when it is given.
LogicalResult emitScaleBias(NodeContext &nc, Value y,
                            ArrayRef<int64_t> paramShape = {}) {
  for (size_t i = 1; i <= 2; ++i) {
    if (i == 2 && !nc.hasInput(2))
      break;
    auto param = nc.input(i);
    if (failed(param))
      return failure();
    if (!paramShape.empty()) {
      param =
          nc.create<tl::ReshapeOp>({*param}, {nc.i64s("shape", paramShape)});
      if (failed(param))
        return failure();
    }
    FailureOr<Value> next = i == 1 ? nc.create<tl::MulOp>({y, *param})
                                   : nc.create<tl::AddOp>({y, *param});
    if (failed(next))
      return failure();
    y = *next;
  }
  nc.setOutput(0, y);
  return success();
}

/// The dims from `from` to the last.
SmallVector<int64_t> trailingAxes(int64_t from, int64_t rank) {
  SmallVector<int64_t> axes;
  for (int64_t d = from; d < rank; ++d)
    axes.push_back(d);
  return axes;
}

/// LayerNormalization's Mean and InvStdDev outputs (keepdims shape) come
/// from its definition written out in tl ops: mean = E[x],
/// inv = 1/sqrt(E[(x - mean)^2] + epsilon), y = (x - mean) * inv * scale
/// + bias. Without them, one tl.layer_norm.
LogicalResult emitLayerNormWithStatistics(NodeContext &nc, Value x,
                                          int64_t axis, float epsilon) {
  auto type = cast<RankedTensorType>(x.getType());
  auto normAxis = nc.normalizeAxis(axis, type.getRank());
  if (failed(normAxis))
    return failure();
  auto m = emitMoments(nc, x, trailingAxes(*normAxis, type.getRank()));
  if (failed(m))
    return failure();
  auto inv = emitInvStdDev(nc, m->variance, epsilon);
  if (failed(inv))
    return failure();
  auto y = nc.create<tl::MulOp>({m->centered, *inv});
  if (failed(y) || failed(emitScaleBias(nc, *y)))
    return failure();
  // The statistics are f32 outputs (stash_type FLOAT).
  Type elem = type.getElementType();
  Type f32 = FloatType::getF32(nc.ctx());
  Value stats[2] = {m->mean, *inv};
  for (size_t i = 1; i <= 2; ++i) {
    if (!nc.hasOutput(i))
      continue;
    Value s = stats[i - 1];
    if (elem != f32) {
      auto widened =
          nc.create<tl::CastOp>({s}, {nc.named("to", TypeAttr::get(f32))});
      if (failed(widened))
        return failure();
      s = *widened;
    }
    nc.setOutput(i, s);
  }
  return success();
}

/// InstanceNormalization: each (sample, channel) plane normalized over its
/// spatial dims, then the per-channel scale and bias.
LogicalResult convertInstanceNorm(NodeContext &nc) {
  float epsilon = nc.getFloat("epsilon", 1e-5f);
  auto x = nc.input(0);
  auto type = nc.inputType(0);
  if (failed(x) || failed(type))
    return failure();
  int64_t rank = type->getRank();
  if (rank < 3)
    return nc.fail("the input must have rank >= 3 (N, C, spatial...)");
  auto m = emitMoments(nc, *x, trailingAxes(2, rank));
  if (failed(m))
    return failure();
  auto inv = emitInvStdDev(nc, m->variance, epsilon);
  if (failed(inv))
    return failure();
  auto y = nc.create<tl::MulOp>({m->centered, *inv});
  if (failed(y))
    return failure();
  // Scale and bias are [C]: as [C, 1, ...] they broadcast over the planes.
  auto scaleType = nc.inputType(1);
  if (failed(scaleType))
    return failure();
  if (scaleType->getRank() != 1 || scaleType->isDynamicDim(0))
    return nc.fail("scale must be a 1-D tensor of known size");
  SmallVector<int64_t> paramShape(rank - 1, 1);
  paramShape[0] = scaleType->getDimSize(0);
  return emitScaleBias(nc, *y, paramShape);
}

/// MeanVarianceNormalization as its function body defines it:
/// (x - E[x]) / (sqrt(Var[x]) + 1e-9) over `axes` (default N and the
/// spatial dims of NCHW).
LogicalResult convertMeanVarianceNorm(NodeContext &nc) {
  auto x = nc.input(0);
  auto type = nc.inputType(0);
  if (failed(x) || failed(type))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t a : nc.getInts("axes", {0, 2, 3})) {
    auto d = nc.normalizeAxis(a, type->getRank());
    if (failed(d))
      return failure();
    axes.push_back(*d);
  }
  auto m = emitMoments(nc, *x, axes);
  if (failed(m))
    return failure();
  Type elem = type->getElementType();
  auto stddev = nc.create<tl::SqrtOp>({m->variance});
  if (failed(stddev))
    return failure();
  auto denom = nc.create<tl::AddOp>({*stddev, nc.scalar(1e-9, elem)});
  if (failed(denom))
    return failure();
  return nc.emit<tl::DivOp>({m->centered, *denom});
}

LogicalResult convertLayerNorm(NodeContext &nc) {
  int64_t axis = nc.getInt("axis", -1);
  float epsilon = nc.getFloat("epsilon", 1e-5f);
  // stash_type (the precision the statistics are computed in) is left to
  // the backend.
  nc.ignoreAttrs({"stash_type"});
  auto x = nc.input(0);
  auto scale = nc.input(1);
  if (failed(x) || failed(scale))
    return failure();
  if (nc.hasOutput(1) || nc.hasOutput(2))
    return emitLayerNormWithStatistics(nc, *x, axis, epsilon);
  SmallVector<Value> operands = {*x, *scale};
  if (failed(nc.appendIfPresent(2, operands)))
    return failure();
  return nc.emit<tl::LayerNormOp>(
      operands, {nc.i64("axis", axis), nc.f32("epsilon", epsilon)});
}

/// Attributes shared by MaxPool and AveragePool.
struct PoolAttrs {
  SmallVector<int64_t> kernel, strides, pads, dilations;
  bool ceilMode = false;
};

FailureOr<PoolAttrs> readPoolAttrs(NodeContext &nc, RankedTensorType input,
                                   bool hasDilations) {
  PoolAttrs p;
  p.kernel = nc.getInts("kernel_shape");
  if (p.kernel.empty())
    return nc.fail("kernel_shape is required");
  size_t spatial = p.kernel.size();
  p.strides = nc.getInts("strides", SmallVector<int64_t>(spatial, 1));
  p.dilations = hasDilations
                    ? nc.getInts("dilations", SmallVector<int64_t>(spatial, 1))
                    : SmallVector<int64_t>(spatial, 1);
  p.ceilMode = nc.opset >= 10 && nc.getInt("ceil_mode", 0) != 0;
  auto pads = resolvePads(nc, input, p.kernel, p.strides, p.dilations);
  if (failed(pads))
    return failure();
  p.pads = std::move(*pads);
  return p;
}

LogicalResult convertMaxPool(NodeContext &nc) {
  if (nc.hasOutput(1))
    return nc.fail("the Indices output is not supported");
  if (nc.getInt("storage_order", 0) != 0)
    return nc.fail("storage_order=1 is not supported");
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto attrs = readPoolAttrs(nc, cast<RankedTensorType>(x->getType()),
                             /*hasDilations=*/nc.opset >= 10);
  if (failed(attrs))
    return failure();
  return nc.emit<tl::MaxPoolOp>({*x}, {nc.i64s("kernel_shape", attrs->kernel),
                                       nc.i64s("strides", attrs->strides),
                                       nc.i64s("pads", attrs->pads),
                                       nc.i64s("dilations", attrs->dilations),
                                       nc.flag("ceil_mode", attrs->ceilMode)});
}

LogicalResult convertAveragePool(NodeContext &nc) {
  bool countIncludePad = nc.getInt("count_include_pad", 0) != 0;
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto attrs = readPoolAttrs(nc, cast<RankedTensorType>(x->getType()),
                             /*hasDilations=*/false);
  if (failed(attrs))
    return failure();
  return nc.emit<tl::AvgPoolOp>(
      {*x}, {nc.i64s("kernel_shape", attrs->kernel),
             nc.i64s("strides", attrs->strides), nc.i64s("pads", attrs->pads),
             nc.flag("ceil_mode", attrs->ceilMode),
             nc.flag("count_include_pad", countIncludePad)});
}

template <typename OpT> LogicalResult convertGlobalPool(NodeContext &nc) {
  return nc.emitUnary<OpT>();
}

LogicalResult convertLrn(NodeContext &nc) {
  const onnx::AttributeProto *size = nc.getAttr("size");
  if (!size)
    return nc.fail("attribute 'size' is required");
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto y =
      nc.create<tl::LrnOp>({*x}, {nc.i64("size", size->i()),
                                  nc.f32("alpha", nc.getFloat("alpha", 1e-4f)),
                                  nc.f32("beta", nc.getFloat("beta", 0.75f)),
                                  nc.f32("bias", nc.getFloat("bias", 1.0f))});
  if (failed(y))
    return failure();
  nc.setOutput(0, *y);
  return success();
}

/// Softmax-1/11 normalizes over all dims from `axis` on (the input coerced
/// to 2-D); Softmax-13 over `axis` alone. LogSoftmax the same.
template <typename OpT> LogicalResult convertSoftmax(NodeContext &nc) {
  bool coerced = nc.opset < 13;
  int64_t axis = nc.getInt("axis", coerced ? 1 : -1);
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  int64_t rank = type.getRank();
  auto normalized = nc.normalizeAxis(axis, rank);
  if (failed(normalized))
    return failure();
  axis = *normalized;
  if (!coerced || axis == rank - 1) {
    auto y = nc.create<OpT>({*x}, {nc.i64("axis", axis)});
    if (failed(y))
      return failure();
    nc.setOutput(0, *y);
    return success();
  }
  if (!type.hasStaticShape())
    return nc.fail("softmax over several trailing dims needs a static "
                   "shape; fix it with --input-shape");
  auto flat = nc.create<tl::FlattenOp>({*x}, {nc.i64("axis", axis)});
  if (failed(flat))
    return failure();
  auto soft = nc.create<OpT>({*flat}, {nc.i64("axis", 1)});
  if (failed(soft))
    return failure();
  auto y =
      nc.create<tl::ReshapeOp>({*soft}, {nc.i64s("shape", type.getShape())});
  if (failed(y))
    return failure();
  nc.setOutput(0, *y);
  return success();
}

template <typename OpT>
LogicalResult emitReduce(NodeContext &nc, ArrayRef<int64_t> axes,
                         bool keepdims) {
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  return nc.emit<OpT>({*x},
                      {nc.i64s("axes", axes), nc.flag("keepdims", keepdims)});
}

/// Reduce*-1: axes is an attribute.
template <typename OpT> LogicalResult convertReduceAttr(NodeContext &nc) {
  return emitReduce<OpT>(nc, nc.getInts("axes"), nc.getInt("keepdims", 1) != 0);
}

/// ReduceSum-13, the others from 18: axes is an optional input; without
/// it, noop_with_empty_axes makes the op the identity.
template <typename OpT> LogicalResult convertReduceInput(NodeContext &nc) {
  bool keepdims = nc.getInt("keepdims", 1) != 0;
  bool noop = nc.getInt("noop_with_empty_axes", 0) != 0;
  SmallVector<int64_t> axes;
  if (Value p = nc.runtimeParam(1, /*integers=*/true)) {
    // An empty list at run time would mean all dims or none.
    if (noop)
      return nc.fail("axes (input 1) must be known at import time with "
                     "noop_with_empty_axes=1" +
                     nc.bindHint(1));
    auto x = nc.input(0);
    if (failed(x))
      return failure();
    return nc.emit<OpT>(
        {*x, p}, {nc.flag("keepdims", keepdims), nc.paramAttrs({"axes"})});
  }
  if (nc.hasInput(1)) {
    auto given = nc.intsInput(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  if (axes.empty() && noop) {
    auto x = nc.input(0);
    if (failed(x))
      return failure();
    auto y = nc.create<tl::IdentityOp>({*x});
    if (failed(y))
      return failure();
    nc.setOutput(0, *y);
    return success();
  }
  return emitReduce<OpT>(nc, axes, keepdims);
}

template <typename OpT>
void addReduce(ConverterTable &t, const char *opType, int64_t axesInput) {
  t.add(opType, 1, convertReduceAttr<OpT>);
  t.add(opType, axesInput, convertReduceInput<OpT>);
}

} // namespace

void tlc::onnx_importer::registerNNConverters(ConverterTable &t) {
  t.add("Conv", 1, convertConv);
  t.add("ConvTranspose", 1, convertConvTranspose);
  t.add("Gemm", 9, convertGemm);
  t.add("MatMul", 9, convertMatMul);
  t.add("BatchNormalization", 9, convertBatchNorm);
  t.add("LayerNormalization", 17, convertLayerNorm);
  t.add("InstanceNormalization", 6, convertInstanceNorm);
  t.add("MeanVarianceNormalization", 9, convertMeanVarianceNorm);
  t.add("MaxPool", 8, convertMaxPool);
  t.add("AveragePool", 7, convertAveragePool);
  t.add("GlobalAveragePool", 1, convertGlobalPool<tl::GlobalAvgPoolOp>);
  t.add("GlobalMaxPool", 1, convertGlobalPool<tl::GlobalMaxPoolOp>);
  t.add("LRN", 1, convertLrn);
  t.add("Softmax", 1, convertSoftmax<tl::SoftmaxOp>);
  t.add("LogSoftmax", 1, convertSoftmax<tl::LogSoftmaxOp>);
  addReduce<tl::ReduceMeanOp>(t, "ReduceMean", 18);
  addReduce<tl::ReduceSumOp>(t, "ReduceSum", 13);
  addReduce<tl::ReduceMaxOp>(t, "ReduceMax", 18);
  addReduce<tl::ReduceMinOp>(t, "ReduceMin", 18);
  addReduce<tl::ReduceProdOp>(t, "ReduceProd", 18);
  addReduce<tl::ReduceL1Op>(t, "ReduceL1", 18);
  addReduce<tl::ReduceL2Op>(t, "ReduceL2", 18);
  addReduce<tl::ReduceSumSquareOp>(t, "ReduceSumSquare", 18);
  addReduce<tl::ReduceLogSumOp>(t, "ReduceLogSum", 18);
  addReduce<tl::ReduceLogSumExpOp>(t, "ReduceLogSumExp", 18);
}
