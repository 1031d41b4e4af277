//===- ConvertElementwise.cpp - activations and broadcasting binaries -----===//

#include "ImportContext.h"

#include "tlc/runtime/UnaryMath.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

using namespace mlir;
using namespace tlc::onnx_importer;

namespace {

template <typename OpT> LogicalResult convertUnary(NodeContext &nc) {
  return nc.emitUnary<OpT>();
}

/// Elementwise integer arithmetic on import-time values (numpy broadcasting
/// of scalars and 1-D tensors), as shape computations need.
/// `fn` returns nothing when the result does not fit int64.
using IntFn = std::optional<int64_t> (*)(int64_t, int64_t);

FailureOr<bool> foldIntBinary(NodeContext &nc, IntFn fn) {
  const SymbolicInts *a = nc.symbolicInput(0);
  const SymbolicInts *b = nc.symbolicInput(1);
  if (!a || !b)
    return false;
  size_t n = std::max(a->elems.size(), b->elems.size());
  if ((a->elems.size() != n && a->elems.size() != 1) ||
      (b->elems.size() != n && b->elems.size() != 1))
    return nc.fail("integer operands of " + Twine(a->elems.size()) + " and " +
                   Twine(b->elems.size()) + " elements do not broadcast");
  SymbolicInts out;
  out.elemType = a->elemType;
  out.dims = a->dims.size() >= b->dims.size() ? a->dims : b->dims;
  for (size_t i = 0; i < n; ++i) {
    const SymInt &x = a->elems[a->elems.size() == 1 ? 0 : i];
    const SymInt &y = b->elems[b->elems.size() == 1 ? 0 : i];
    if (!x.isKnown() || !y.isKnown()) {
      out.elems.push_back(SymInt::opaque());
      continue;
    }
    if (fn == nullptr || (y.value == 0 && nc.node.op_type() == "Div"))
      return nc.fail("integer division by zero at import time");
    std::optional<int64_t> v = fn(x.value, y.value);
    if (!v)
      return nc.fail("integer overflow at import time: " + Twine(x.value) +
                     " and " + Twine(y.value));
    out.elems.push_back(SymInt::of(*v));
  }
  nc.setOutputSymbolic(0, std::move(out));
  return true;
}

/// OpT of inputs 0 and 1, no attributes: comparisons, logic, prelu, and
/// the arithmetic below once it is not folded.
template <typename OpT> LogicalResult convertTwoInputs(NodeContext &nc) {
  auto a = nc.input(0);
  auto b = nc.input(1);
  if (failed(a) || failed(b))
    return failure();
  return nc.emit<OpT>({*a, *b});
}

template <typename OpT> LogicalResult convertBinary(NodeContext &nc, IntFn fn) {
  auto folded = foldIntBinary(nc, fn);
  if (failed(folded))
    return failure();
  if (*folded)
    return success();
  return convertTwoInputs<OpT>(nc);
}

// Import-time integers come from the model: every operation is checked.
LogicalResult convertAdd(NodeContext &nc) {
  return convertBinary<tl::AddOp>(
      nc, [](int64_t a, int64_t b) -> std::optional<int64_t> {
        int64_t r;
        return __builtin_add_overflow(a, b, &r) ? std::nullopt
                                                : std::optional(r);
      });
}
LogicalResult convertSub(NodeContext &nc) {
  return convertBinary<tl::SubOp>(
      nc, [](int64_t a, int64_t b) -> std::optional<int64_t> {
        int64_t r;
        return __builtin_sub_overflow(a, b, &r) ? std::nullopt
                                                : std::optional(r);
      });
}
LogicalResult convertMul(NodeContext &nc) {
  return convertBinary<tl::MulOp>(
      nc, [](int64_t a, int64_t b) -> std::optional<int64_t> {
        int64_t r;
        return __builtin_mul_overflow(a, b, &r) ? std::nullopt
                                                : std::optional(r);
      });
}
LogicalResult convertDiv(NodeContext &nc) {
  // ONNX integer division truncates toward zero, like C++.
  return convertBinary<tl::DivOp>(
      nc, [](int64_t a, int64_t b) -> std::optional<int64_t> {
        if (b == -1 && a == std::numeric_limits<int64_t>::min())
          return std::nullopt;
        return b == 0 ? 0 : a / b;
      });
}
/// Pow-12+ lets the exponent's type differ from the base's: a float base
/// takes the exponent cast to its type; an integer base is raised in the
/// exponent's float type and cast back (truncating, as ONNX's reference).
LogicalResult convertMixedPow(NodeContext &nc) {
  auto base = nc.input(0);
  auto exponent = nc.input(1);
  if (failed(base) || failed(exponent))
    return failure();
  Type b = cast<RankedTensorType>(base->getType()).getElementType();
  Type e = cast<RankedTensorType>(exponent->getType()).getElementType();
  auto castTo = [&](Value v, Type t) {
    return nc.create<tl::CastOp>({v}, {nc.named("to", TypeAttr::get(t))});
  };
  if (isa<FloatType>(b)) {
    auto widened = castTo(*exponent, b);
    if (failed(widened))
      return failure();
    return nc.emit<tl::PowOp>({*base, *widened});
  }
  if (!isa<FloatType>(e))
    return nc.fail("an integer base with an exponent of another integer "
                   "type is not supported");
  auto asFloat = castTo(*base, e);
  if (failed(asFloat))
    return failure();
  auto y = nc.create<tl::PowOp>({*asFloat, *exponent});
  if (failed(y))
    return failure();
  return nc.emit<tl::CastOp>({*y}, {nc.named("to", TypeAttr::get(b))});
}

LogicalResult convertPow(NodeContext &nc) {
  if (!nc.symbolicInput(0) || !nc.symbolicInput(1)) {
    auto a = nc.inputType(0);
    auto b = nc.inputType(1);
    if (failed(a) || failed(b))
      return failure();
    if (a->getElementType() != b->getElementType())
      return convertMixedPow(nc);
  }
  // By squaring: an exponent of 2^62 takes 62 steps, not 2^62.
  return convertBinary<tl::PowOp>(
      nc, [](int64_t a, int64_t b) -> std::optional<int64_t> {
        if (b < 0)
          return std::nullopt;
        int64_t r = 1;
        while (b > 0) {
          if ((b & 1) && __builtin_mul_overflow(r, a, &r))
            return std::nullopt;
          b >>= 1;
          if (b > 0 && __builtin_mul_overflow(a, a, &a))
            return std::nullopt;
        }
        return r;
      });
}

/// Neg: import-time integers are negated in place (shape arithmetic such
/// as a suffix length from a negative axis); run-time tensors get tl.neg.
LogicalResult convertNeg(NodeContext &nc) {
  if (const SymbolicInts *a = nc.symbolicInput(0)) {
    SymbolicInts out = *a;
    for (SymInt &e : out.elems) {
      if (!e.isKnown()) {
        e = SymInt::opaque();
        continue;
      }
      if (e.value == std::numeric_limits<int64_t>::min())
        return nc.fail("integer overflow at import time: -(" + Twine(e.value) +
                       ")");
      e.value = -e.value;
    }
    nc.setOutputSymbolic(0, std::move(out));
    return success();
  }
  return nc.emitUnary<tl::NegOp>();
}

/// Mod: fmod=1 is C's fmod (required for floats), fmod=0 Python's %.
LogicalResult convertMod(NodeContext &nc) {
  bool fmod = nc.getInt("fmod", 0) != 0;
  auto a = nc.input(0);
  auto b = nc.input(1);
  if (failed(a) || failed(b))
    return failure();
  if (!fmod &&
      isa<FloatType>(cast<RankedTensorType>(a->getType()).getElementType()))
    return nc.fail("fmod=0 on floating-point inputs is not defined by ONNX; "
                   "set fmod=1");
  return nc.emit<tl::ModOp>({*a, *b}, {nc.flag("fmod", fmod)});
}

/// Max, Min, Sum and Mean take one or more inputs: a left fold of OpT.
template <typename OpT> FailureOr<Value> foldInputs(NodeContext &nc) {
  if (nc.numInputs() == 0)
    return nc.fail("needs at least one input");
  auto acc = nc.input(0);
  if (failed(acc))
    return failure();
  for (size_t i = 1; i < nc.numInputs(); ++i) {
    auto next = nc.input(i);
    if (failed(next))
      return failure();
    acc = nc.create<OpT>({*acc, *next});
    if (failed(acc))
      return failure();
  }
  return acc;
}

template <typename OpT> LogicalResult convertVariadic(NodeContext &nc) {
  auto acc = foldInputs<OpT>(nc);
  if (failed(acc))
    return failure();
  nc.setOutput(0, *acc);
  return success();
}

/// Mean: the sum of the inputs times 1/n.
LogicalResult convertMean(NodeContext &nc) {
  auto acc = foldInputs<tl::AddOp>(nc);
  if (failed(acc))
    return failure();
  if (nc.numInputs() == 1)
    return nc.emit<tl::IdentityOp>({*acc});
  Type elem = cast<RankedTensorType>(acc->getType()).getElementType();
  return nc.emit<tl::MulOp>(
      {*acc, nc.scalar(1.0 / static_cast<double>(nc.numInputs()), elem)});
}

/// IsNaN: x != x, the one float that is not equal to itself.
LogicalResult convertIsNaN(NodeContext &nc) {
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto same = nc.create<tl::EqualOp>({*x, *x});
  if (failed(same))
    return failure();
  return nc.emit<tl::NotOp>({*same});
}

/// IsInf: x == +inf, x == -inf, or |x| == inf, as detect_positive and
/// detect_negative ask; neither: all false.
LogicalResult convertIsInf(NodeContext &nc) {
  bool positive = nc.getInt("detect_positive", 1) != 0;
  bool negative = nc.getInt("detect_negative", 1) != 0;
  auto x = nc.input(0);
  auto type = nc.inputType(0);
  if (failed(x) || failed(type))
    return failure();
  Type elem = type->getElementType();
  if (!isa<FloatType>(elem))
    return nc.fail("expects a float input");
  const double inf = std::numeric_limits<double>::infinity();
  if (positive && negative) {
    auto magnitude = nc.create<tl::AbsOp>({*x});
    if (failed(magnitude))
      return failure();
    return nc.emit<tl::EqualOp>({*magnitude, nc.scalar(inf, elem)});
  }
  if (positive || negative)
    return nc.emit<tl::EqualOp>({*x, nc.scalar(positive ? inf : -inf, elem)});
  // Comparing with NaN is false everywhere.
  auto nan = nc.create<tl::EqualOp>({*x, nc.scalar(std::nan(""), elem)});
  if (failed(nan))
    return failure();
  nc.setOutput(0, *nan);
  return success();
}

LogicalResult convertLeakyRelu(NodeContext &nc) {
  float alpha = nc.getFloat("alpha", 0.01f);
  return nc.emitUnary<tl::LeakyReluOp>({nc.f32("alpha", alpha)});
}

/// An op of tlc/runtime/UnaryMath.h: its float attributes have ONNX's
/// names; `defaultA` and `defaultB` are ONNX's defaults, in the table's
/// order.
template <typename OpT>
LogicalResult convertMath(NodeContext &nc, float defaultA = 0.f,
                          float defaultB = 0.f) {
  const tlc::UnaryMath *math =
      tlc::findUnaryMath(OpT::getOperationName().split('.').second.str());
  SmallVector<NamedAttribute, 2> attrs;
  if (!math->attrA.empty()) {
    StringRef name(math->attrA.data(), math->attrA.size());
    attrs.push_back(nc.f32(name, nc.getFloat(name, defaultA)));
  }
  if (!math->attrB.empty()) {
    StringRef name(math->attrB.data(), math->attrB.size());
    attrs.push_back(nc.f32(name, nc.getFloat(name, defaultB)));
  }
  return nc.emitUnary<OpT>(attrs);
}

LogicalResult convertWhere(NodeContext &nc) {
  auto cond = nc.input(0);
  auto x = nc.input(1);
  auto y = nc.input(2);
  if (failed(cond) || failed(x) || failed(y))
    return failure();
  return nc.emit<tl::WhereOp>({*cond, *x, *y});
}

/// ArgMax/ArgMin: select_last_index from opset 12.
template <typename OpT> LogicalResult convertArg(NodeContext &nc) {
  bool last = nc.opset >= 12 && nc.getInt("select_last_index", 0) != 0;
  return nc.emitUnary<OpT>({nc.i64("axis", nc.getInt("axis", 0)),
                            nc.flag("keepdims", nc.getInt("keepdims", 1) != 0),
                            nc.flag("select_last_index", last)});
}

/// Hardmax-13: 1 at the first maximum along `axis`, 0 elsewhere:
/// arg_max (keepdims) compared with the positions 0..n-1 along the axis.
LogicalResult convertHardmax(NodeContext &nc) {
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  auto axis = nc.normalizeAxis(nc.getInt("axis", -1), type.getRank());
  if (failed(axis))
    return failure();
  int64_t n = type.getDimSize(*axis);
  if (ShapedType::isDynamic(n))
    return nc.fail("the dim along axis " + Twine(*axis) +
                   " must be known at import time");
  auto index = nc.create<tl::ArgMaxOp>(
      {*x}, {nc.i64("axis", *axis), nc.flag("keepdims", true),
             nc.flag("select_last_index", false)});
  if (failed(index))
    return failure();
  SmallVector<int64_t> positions(n), dims(type.getRank(), 1);
  std::iota(positions.begin(), positions.end(), 0);
  dims[*axis] = n;
  auto iota = nc.constant(HostTensor::fromInts(positions, dims));
  if (failed(iota))
    return failure();
  auto hit = nc.create<tl::EqualOp>({*index, *iota});
  if (failed(hit))
    return failure();
  return nc.emit<tl::CastOp>(
      {*hit}, {nc.named("to", TypeAttr::get(type.getElementType()))});
}

LogicalResult convertHardSigmoid(NodeContext &nc) {
  float alpha = nc.getFloat("alpha", 0.2f);
  float beta = nc.getFloat("beta", 0.5f);
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  return nc.emit<tl::HardSigmoidOp>(
      {*x}, {nc.f32("alpha", alpha), nc.f32("beta", beta)});
}

/// Clip of an integer tensor: max and min with the bounds that lie inside
/// its type's range (tl.clip computes on floats).
LogicalResult emitIntegerClip(NodeContext &nc, Value x, IntegerType elem,
                              double lo, double hi) {
  unsigned bits = elem.getWidth();
  double typeMin = elem.isUnsigned() ? 0.0 : -std::ldexp(1.0, bits - 1);
  double typeMax = std::ldexp(1.0, elem.isUnsigned() ? bits : bits - 1) - 1;
  lo = std::ceil(lo);
  hi = std::floor(hi);
  FailureOr<Value> y = x;
  if (lo > typeMin)
    y = nc.create<tl::MaxOp>({*y, nc.scalar(std::min(lo, typeMax), elem)});
  if (succeeded(y) && hi < typeMax)
    y = nc.create<tl::MinOp>({*y, nc.scalar(std::max(hi, typeMin), elem)});
  if (failed(y))
    return failure();
  nc.setOutput(0, *y);
  return success();
}

LogicalResult emitClip(NodeContext &nc, double lo, double hi) {
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  Type elem = cast<RankedTensorType>(x->getType()).getElementType();
  if (auto integer = dyn_cast<IntegerType>(elem))
    return emitIntegerClip(nc, *x, integer, lo, hi);
  // Clip(0, inf) is ReLU; keeping it as such lets fusion see it.
  FailureOr<Value> y = lo == 0.0f && std::isinf(hi) && hi > 0
                           ? nc.create<tl::ReluOp>({*x})
                           : nc.create<tl::ClipOp>(
                                 {*x}, {nc.f32("min", static_cast<float>(lo)),
                                        nc.f32("max", static_cast<float>(hi))});
  if (failed(y))
    return failure();
  nc.setOutput(0, *y);
  return success();
}

/// Clip-6: min and max are attributes.
LogicalResult convertClip6(NodeContext &nc) {
  return emitClip(nc, nc.getFloat("min", -INFINITY),
                  nc.getFloat("max", INFINITY));
}

/// Clip-11+: min and max are optional scalar inputs. Known at import time
/// they become tl.clip's attributes; a bound computed at run time (or given
/// as a graph input) becomes max(x, min) and then min(., max), which is
/// also ONNX's answer when min > max: every element is max.
LogicalResult convertClip11(NodeContext &nc) {
  double bounds[2] = {-INFINITY, INFINITY};
  bool runtimeBound = false;
  for (size_t i = 1; i <= 2; ++i) {
    if (!nc.hasInput(i))
      continue;
    const HostTensor *t = nc.constantInput(i);
    auto v = t ? t->toDoubles() : std::nullopt;
    if (!v) {
      runtimeBound = true;
      continue;
    }
    if (v->size() != 1)
      return nc.fail(Twine(i == 1 ? "min" : "max") + " must be a scalar");
    bounds[i - 1] = (*v)[0];
  }
  if (!runtimeBound)
    return emitClip(nc, bounds[0], bounds[1]);
  auto y = nc.input(0);
  if (failed(y))
    return failure();
  for (size_t i = 1; i <= 2; ++i) {
    if (!nc.hasInput(i))
      continue;
    auto bound = nc.inputType(i);
    if (failed(bound))
      return failure();
    if (bound->getNumElements() != 1)
      return nc.fail(Twine(i == 1 ? "min" : "max") + " must be a scalar");
    auto b = nc.input(i);
    if (failed(b))
      return failure();
    y = i == 1 ? nc.create<tl::MaxOp>({*y, *b})
               : nc.create<tl::MinOp>({*y, *b});
    if (failed(y))
      return failure();
  }
  nc.setOutput(0, *y);
  return success();
}

/// Identity keeps a named op in the IR (cut points may name it); integer
/// values known at import time pass through unchanged.
LogicalResult convertIdentity(NodeContext &nc) {
  if (const SymbolicInts *s = nc.symbolicInput(0)) {
    nc.setOutputSymbolic(0, *s);
    return success();
  }
  // Exporters route weights through Identity: keep them plain constants.
  if (nc.constantInput(0)) {
    nc.forwardConstant(0, 0);
    return success();
  }
  return convertUnary<tl::IdentityOp>(nc);
}

LogicalResult emitDropout(NodeContext &nc, float ratio) {
  if (nc.hasOutput(1))
    return nc.fail("the mask output is only produced in training mode, "
                   "which tlc does not support");
  return nc.emitUnary<tl::DropoutOp>({nc.f32("ratio", ratio)});
}

LogicalResult convertDropout7(NodeContext &nc) {
  return emitDropout(nc, nc.getFloat("ratio", 0.5f));
}

/// Dropout-12+: ratio and training_mode are inputs. Outside training the
/// ratio has no effect, so one computed at run time is accepted.
LogicalResult convertDropout12(NodeContext &nc) {
  nc.ignoreAttrs({"seed"});
  float ratio = 0.5f;
  if (nc.hasInput(1)) {
    const HostTensor *t = nc.constantInput(1);
    auto r = t ? t->toDoubles() : std::nullopt;
    if (r && r->size() != 1)
      return nc.fail("ratio must be a scalar");
    if (r)
      ratio = static_cast<float>((*r)[0]);
  }
  if (nc.hasInput(2)) {
    auto training = nc.intsInput(2, "training_mode");
    if (failed(training))
      return failure();
    if ((*training)[0] != 0)
      return nc.fail("training_mode=true is not supported (tl is an "
                     "inference dialect)");
  }
  return emitDropout(nc, ratio);
}

/// A run-time tensor converted to `target` (tl.cast), or the identity when
/// it has that type already.
LogicalResult emitCast(NodeContext &nc, Value x, Type target) {
  if (cast<RankedTensorType>(x.getType()).getElementType() == target)
    return nc.emit<tl::IdentityOp>({x});
  return nc.emit<tl::CastOp>({x}, {nc.named("to", TypeAttr::get(target))});
}

/// Cast: integer shape values are re-typed at import time, constants
/// converted; a run-time tensor becomes tl.cast.
LogicalResult convertCast(NodeContext &nc) {
  int64_t to = nc.getInt("to", 0);
  nc.ignoreAttrs({"saturate"});
  if (const SymbolicInts *s = nc.symbolicInput(0)) {
    if (to == onnx::TensorProto_DataType_INT64 ||
        to == onnx::TensorProto_DataType_INT32) {
      SymbolicInts out = *s;
      out.elemType = static_cast<int32_t>(to);
      nc.setOutputSymbolic(0, std::move(out));
      return success();
    }
  }
  if (const HostTensor *t = nc.constantInput(0)) {
    auto values = t->toDoubles();
    if (values && to == onnx::TensorProto_DataType_FLOAT) {
      SmallVector<float> floats(values->begin(), values->end());
      nc.setOutputConstant(0, HostTensor::fromFloats(floats, t->dims));
      return success();
    }
    if (values && (to == onnx::TensorProto_DataType_INT64 ||
                   to == onnx::TensorProto_DataType_INT32)) {
      SmallVector<int64_t> ints;
      for (double v : *values)
        ints.push_back(static_cast<int64_t>(v));
      nc.setOutputConstant(0, HostTensor::fromInts(ints, t->dims, to));
      return success();
    }
  }
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  Type target = toMlirElementType(nc.ctx(), to);
  if (!target)
    return nc.fail("cannot cast to " + elemTypeName(to));
  return emitCast(nc, *x, target);
}

/// CastLike: Cast to the element type of input 1.
LogicalResult convertCastLike(NodeContext &nc) {
  nc.ignoreAttrs({"saturate"});
  auto x = nc.input(0);
  auto like = nc.input(1);
  if (failed(x) || failed(like))
    return failure();
  return emitCast(nc, *x,
                  cast<RankedTensorType>(like->getType()).getElementType());
}

} // namespace

void tlc::onnx_importer::registerElementwiseConverters(ConverterTable &t) {
  t.add("Relu", 6, convertUnary<tl::ReluOp>);
  t.add("Sigmoid", 6, convertUnary<tl::SigmoidOp>);
  t.add("Tanh", 6, convertUnary<tl::TanhOp>);
  t.add("HardSwish", 14, convertUnary<tl::HardSwishOp>);
  t.add("Sqrt", 6, convertUnary<tl::SqrtOp>);
  t.add("Erf", 9, convertUnary<tl::ErfOp>);
  t.add("Exp", 6, convertUnary<tl::ExpOp>);
  t.add("Log", 6, convertUnary<tl::LogOp>);
  t.add("Neg", 6, convertNeg);
  t.add("Abs", 6, convertUnary<tl::AbsOp>);
  t.add("Reciprocal", 6, convertUnary<tl::ReciprocalOp>);
  t.add("LeakyRelu", 6, convertLeakyRelu);
  t.add("Elu", 6,
        [](NodeContext &nc) { return convertMath<tl::EluOp>(nc, 1.f); });
  t.add("Selu", 6, [](NodeContext &nc) {
    return convertMath<tl::SeluOp>(nc, 1.67326319217681884765625f,
                                   1.05070102214813232421875f);
  });
  t.add("Celu", 12,
        [](NodeContext &nc) { return convertMath<tl::CeluOp>(nc, 1.f); });
  t.add("ThresholdedRelu", 10, [](NodeContext &nc) {
    return convertMath<tl::ThresholdedReluOp>(nc, 1.f);
  });
  t.add("Shrink", 9, [](NodeContext &nc) {
    return convertMath<tl::ShrinkOp>(nc, 0.f, 0.5f);
  });
  t.add("Softplus", 1, convertUnary<tl::SoftplusOp>);
  t.add("Softsign", 1, convertUnary<tl::SoftsignOp>);
  t.add("Mish", 18, convertUnary<tl::MishOp>);
  t.add("Sign", 9, convertUnary<tl::SignOp>);
  t.add("Round", 11, convertUnary<tl::RoundOp>);
  t.add("Floor", 6, convertUnary<tl::FloorOp>);
  t.add("Ceil", 6, convertUnary<tl::CeilOp>);
  t.add("Sin", 7, convertUnary<tl::SinOp>);
  t.add("Cos", 7, convertUnary<tl::CosOp>);
  t.add("Tan", 7, convertUnary<tl::TanOp>);
  t.add("Asin", 7, convertUnary<tl::AsinOp>);
  t.add("Acos", 7, convertUnary<tl::AcosOp>);
  t.add("Atan", 7, convertUnary<tl::AtanOp>);
  t.add("Sinh", 9, convertUnary<tl::SinhOp>);
  t.add("Cosh", 9, convertUnary<tl::CoshOp>);
  t.add("Asinh", 9, convertUnary<tl::AsinhOp>);
  t.add("Acosh", 9, convertUnary<tl::AcoshOp>);
  t.add("Atanh", 9, convertUnary<tl::AtanhOp>);
  t.add("HardSigmoid", 6, convertHardSigmoid);
  t.add("PRelu", 9, convertTwoInputs<tl::PReluOp>);
  t.add("Clip", 6, convertClip6);
  t.add("Clip", 11, convertClip11);
  t.add("Add", 7, convertAdd);
  t.add("Sub", 7, convertSub);
  t.add("Mul", 7, convertMul);
  t.add("Div", 7, convertDiv);
  t.add("Pow", 7, convertPow);
  t.add("Mod", 10, convertMod);
  t.add("Max", 8, convertVariadic<tl::MaxOp>);
  t.add("Min", 8, convertVariadic<tl::MinOp>);
  t.add("Sum", 8, convertVariadic<tl::AddOp>);
  t.add("Mean", 8, convertMean);
  t.add("Equal", 7, convertTwoInputs<tl::EqualOp>);
  t.add("Greater", 7, convertTwoInputs<tl::GreaterOp>);
  t.add("GreaterOrEqual", 12, convertTwoInputs<tl::GreaterEqualOp>);
  t.add("Less", 7, convertTwoInputs<tl::LessOp>);
  t.add("LessOrEqual", 12, convertTwoInputs<tl::LessEqualOp>);
  t.add("And", 7, convertTwoInputs<tl::AndOp>);
  t.add("Or", 7, convertTwoInputs<tl::OrOp>);
  t.add("Xor", 7, convertTwoInputs<tl::XorOp>);
  t.add("Not", 1, convertUnary<tl::NotOp>);
  t.add("IsNaN", 9, convertIsNaN);
  t.add("IsInf", 10, convertIsInf);
  t.add("Where", 9, convertWhere);
  t.add("ArgMax", 1, convertArg<tl::ArgMaxOp>);
  t.add("ArgMin", 1, convertArg<tl::ArgMinOp>);
  t.add("Hardmax", 13, convertHardmax);
  t.add("Identity", 1, convertIdentity);
  t.add("Dropout", 7, convertDropout7);
  t.add("Dropout", 12, convertDropout12);
  t.add("Cast", 9, convertCast);
  t.add("CastLike", 15, convertCastLike);
}
