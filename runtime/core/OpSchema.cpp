//===- OpSchema.cpp - the op table, and checking kernels against it -------===//
//
// The table mirrors the tl dialect's ODS (dialects/tl/include/tl/IR/
// TLOps.td): the artifact writer stores every attribute explicitly, with
// defaults filled in, so each declared attribute is required here unless
// the op declares it optional there.
//
//===----------------------------------------------------------------------===//

#include "OpSchema.h"

#include "Artifact.h"

#include "ShapeFunctions.h"
#include "tlc/runtime/Limits.h"
#include "tlc/runtime/Tensor.h"

#include <cmath>

using namespace tlc::runtime;
using tlc::kMaxDim;
using tlc::kMaxRank;

namespace {

using K = AttrKind;
namespace S = samples;
namespace F = shapes;

constexpr OperandTypes kFloat = OperandTypes::kFloating;
constexpr OperandTypes kLayer = OperandTypes::kFloatingOrQuantizedWeight;
constexpr OperandTypes kAny = OperandTypes::kAny;

// Attribute specs that several ops share.
AttrSpec positiveInts(const char *name) { return {name, K::kInts, 1, kMaxDim}; }
AttrSpec padInts(const char *name) { return {name, K::kInts, 0, kMaxDim}; }
AttrSpec axisInt(const char *name) {
  return {name, K::kInt, -kMaxRank - 1, kMaxRank};
}
AttrSpec axisInts(const char *name) {
  return {name, K::kInts, -kMaxRank - 1, kMaxRank};
}
AttrSpec boolInt(const char *name) { return {name, K::kInt, 0, 1}; }
AttrSpec anyFloat(const char *name) { return {name, K::kFloat}; }
AttrSpec finiteFloat(const char *name) {
  return {name, K::kFloat, 0, 0, true, true};
}

/// Conv and fc: the fused activation (TL_Activation: none .. leaky_relu)
/// and its parameters.
std::vector<AttrSpec> postOps(std::vector<AttrSpec> more = {}) {
  more.push_back(
      {"activation", K::kInt, 0, static_cast<int64_t>(fb::Activation::MAX)});
  more.push_back(finiteFloat("act_alpha"));
  more.push_back(finiteFloat("act_beta"));
  return more;
}

OpSchema unary(const char *name, std::vector<AttrSpec> attrs = {}) {
  return {name,           1,           0, false, 1, kFloat, std::move(attrs),
          F::sameAsInput, S::perSample};
}

OpSchema reduction(const char *name) {
  return {name,
          1,
          0,
          false,
          1,
          kFloat,
          {axisInts("axes"), boolInt("keepdims")},
          F::reduce,
          S::axesSkip0};
}

OpSchema compare(const char *name) {
  return {name, 2,  0,          false,           1,
          kAny, {}, F::compare, S::broadcasting, ResultType::kBool};
}

OpSchema logical(const char *name, int operands) {
  return {name,
          operands,
          0,
          false,
          1,
          OperandTypes::kBoolean,
          {},
          operands == 1 ? F::sameAsInput : F::broadcast,
          operands == 1 ? S::perSample : S::broadcasting,
          ResultType::kBool};
}

std::vector<AttrSpec> argAttrs() {
  return {axisInt("axis"), boolInt("keepdims"), boolInt("select_last_index")};
}

OpSchema binary(const char *name, std::vector<AttrSpec> attrs = {}) {
  return {name,
          2,
          0,
          false,
          1,
          OperandTypes::kNumeric,
          std::move(attrs),
          F::compare,
          S::broadcasting};
}

std::vector<OpSchema> makeTable() {
  const int64_t maxInt = std::numeric_limits<int64_t>::max();
  const int64_t minInt = std::numeric_limits<int64_t>::min();
  return {
      // Layers.
      {"conv", 2, 2, false, 1, kLayer,
       postOps({positiveInts("strides"),
                padInts("pads"),
                positiveInts("dilations"),
                {"groups", K::kInt, 1, kMaxDim}}),
       F::conv, S::layer},
      {"conv_transpose",
       2,
       1,
       false,
       1,
       kFloat,
       {positiveInts("strides"),
        padInts("pads"),
        positiveInts("dilations"),
        padInts("output_padding"),
        {"groups", K::kInt, 1, kMaxDim}},
       F::convTranspose,
       S::layer},
      {"fc", 2, 2, false, 1, kLayer, postOps(), F::fc, S::layer},
      {"matmul", 2, 0, false, 1, kFloat, {}, F::matmul, S::matmul},
      {"batch_norm",
       5,
       0,
       false,
       1,
       kFloat,
       {finiteFloat("epsilon")},
       F::batchNorm,
       S::perSample},
      {"layer_norm",
       2,
       1,
       false,
       1,
       kFloat,
       {axisInt("axis"), finiteFloat("epsilon")},
       F::layerNorm,
       S::fromAxis},
      // Elementwise.
      unary("relu"),
      unary("sigmoid"),
      unary("tanh"),
      unary("hard_swish"),
      unary("silu"),
      unary("sqrt"),
      unary("exp"),
      unary("log"),
      unary("abs"),
      unary("neg"),
      unary("reciprocal"),
      unary("erf"),
      unary("clip", {anyFloat("min"), anyFloat("max")}),
      unary("hard_sigmoid", {finiteFloat("alpha"), finiteFloat("beta")}),
      unary("leaky_relu", {finiteFloat("alpha")}),
      unary("gelu", {boolInt("approximate")}),
      // tlc/runtime/UnaryMath.h.
      unary("elu", {finiteFloat("alpha")}),
      unary("selu", {finiteFloat("alpha"), finiteFloat("gamma")}),
      unary("celu", {finiteFloat("alpha")}),
      unary("thresholded_relu", {anyFloat("alpha")}),
      unary("shrink", {finiteFloat("bias"), finiteFloat("lambd")}),
      unary("softplus"),
      unary("softsign"),
      unary("mish"),
      unary("sign"),
      unary("round"),
      unary("floor"),
      unary("ceil"),
      unary("sin"),
      unary("cos"),
      unary("tan"),
      unary("asin"),
      unary("acos"),
      unary("atan"),
      unary("sinh"),
      unary("cosh"),
      unary("asinh"),
      unary("acosh"),
      unary("atanh"),
      binary("add"),
      binary("sub"),
      binary("mul"),
      binary("div"),
      binary("max"),
      binary("min"),
      binary("pow"),
      binary("mod", {boolInt("fmod")}),
      {"prelu", 2, 0, false, 1, kFloat, {}, F::prelu, S::broadcasting},
      // Comparisons and logic (bool results).
      compare("equal"),
      compare("greater"),
      compare("greater_equal"),
      compare("less"),
      compare("less_equal"),
      logical("and", 2),
      logical("or", 2),
      logical("xor", 2),
      logical("not", 1),
      {"where",
       3,
       0,
       false,
       1,
       kAny,
       {},
       F::where,
       S::broadcasting,
       ResultType::kSecondOperand},
      {"cast",
       1,
       0,
       false,
       1,
       kAny,
       {{"to", K::kInt, static_cast<int64_t>(fb::DType::MIN),
         static_cast<int64_t>(fb::DType::MAX)}},
       F::sameAsInput,
       S::perSample,
       ResultType::kAttrTo},
      {"arg_max", 1, 0, false, 1, kFloat, argAttrs(), F::argReduce, S::fromAxis,
       ResultType::kI64},
      {"arg_min", 1, 0, false, 1, kFloat, argAttrs(), F::argReduce, S::fromAxis,
       ResultType::kI64},
      // Pooling and reductions.
      {"max_pool",
       1,
       0,
       false,
       1,
       kFloat,
       {positiveInts("kernel_shape"), positiveInts("strides"), padInts("pads"),
        positiveInts("dilations"), boolInt("ceil_mode")},
       F::maxPool,
       S::perSample},
      {"avg_pool",
       1,
       0,
       false,
       1,
       kFloat,
       {positiveInts("kernel_shape"), positiveInts("strides"), padInts("pads"),
        boolInt("ceil_mode"), boolInt("count_include_pad")},
       F::avgPool,
       S::perSample},
      {"global_avg_pool",
       1,
       0,
       false,
       1,
       kFloat,
       {},
       F::globalPool,
       S::perSample},
      {"global_max_pool",
       1,
       0,
       false,
       1,
       kFloat,
       {},
       F::globalPool,
       S::perSample},
      reduction("reduce_mean"),
      reduction("reduce_sum"),
      reduction("reduce_max"),
      reduction("reduce_min"),
      reduction("reduce_prod"),
      reduction("reduce_l1"),
      reduction("reduce_l2"),
      reduction("reduce_sum_square"),
      reduction("reduce_log_sum"),
      reduction("reduce_log_sum_exp"),
      {"softmax",
       1,
       0,
       false,
       1,
       kFloat,
       {axisInt("axis")},
       F::softmax,
       S::fromAxis},
      {"log_softmax",
       1,
       0,
       false,
       1,
       kFloat,
       {axisInt("axis")},
       F::softmax,
       S::fromAxis},
      {"lrn",
       1,
       0,
       false,
       1,
       kFloat,
       {{"size", K::kInt, 1, kMaxDim},
        finiteFloat("alpha"),
        finiteFloat("beta"),
        finiteFloat("bias")},
       F::lrn,
       S::perSample},
      // Shape and data movement.
      {"concat", 0, 0, true, 1, kAny, {axisInt("axis")}, F::concat, S::concat},
      {"identity", 1, 0, false, 1, kAny, {}, F::sameAsInput, S::perSample},
      {"dropout",
       1,
       0,
       false,
       1,
       kAny,
       {anyFloat("ratio")},
       F::sameAsInput,
       S::perSample},
      {"flatten",
       1,
       0,
       false,
       1,
       kAny,
       {axisInt("axis")},
       F::flatten,
       S::fromAxis},
      {"reshape",
       1,
       0,
       false,
       1,
       kAny,
       {{"shape", K::kInts, -1, kMaxDim}},
       F::reshape,
       S::reshape},
      {"squeeze",
       1,
       0,
       false,
       1,
       kAny,
       {axisInts("axes")},
       F::squeeze,
       S::axesSkip0},
      {"unsqueeze",
       1,
       0,
       false,
       1,
       kAny,
       {axisInts("axes")},
       F::unsqueeze,
       S::unsqueeze},
      {"transpose",
       1,
       0,
       false,
       1,
       kAny,
       {{"perm", K::kInts, 0, kMaxRank}},
       F::transpose,
       S::transpose},
      {"slice",
       1,
       0,
       false,
       1,
       kAny,
       {{"starts", K::kInts, minInt, maxInt},
        {"ends", K::kInts, minInt, maxInt},
        axisInts("axes"),
        {"steps", K::kInts, -kMaxDim, kMaxDim}},
       F::slice,
       S::axesSkip0},
      {"pad",
       1,
       0,
       false,
       1,
       kFloat,
       {padInts("pads"),
        {"mode", K::kInt, 0, static_cast<int64_t>(fb::PadMode::MAX)},
        anyFloat("value")},
       F::pad,
       S::pad},
      {"resize",
       1,
       0,
       false,
       1,
       kFloat,
       {{"mode", K::kInt, 0, static_cast<int64_t>(fb::ResizeMode::MAX)},
        {"coordinate_mode", K::kInt, 0,
         static_cast<int64_t>(fb::CoordinateMode::MAX)},
        {"nearest_mode", K::kInt, 0,
         static_cast<int64_t>(fb::NearestMode::MAX)},
        finiteFloat("cubic_coeff_a"),
        {"scales", K::kFloats, 0, 0, false, true},
        {"sizes", K::kInts, 0, kMaxDim, false}},
       F::resize,
       S::resize},
  };
}

const char *kindName(AttrKind kind) {
  switch (kind) {
  case K::kInt:
    return "an integer";
  case K::kInts:
    return "a list of integers";
  case K::kFloat:
    return "a float";
  case K::kFloats:
    return "a list of floats";
  }
  return "?";
}

/// Checks one attribute's values against its spec: `ints` and `floats`
/// are what the artifact stores or what a graph input gave at run time.
Status checkValues(const AttrSpec &spec, const int64_t *ints, size_t numInts,
                   const float *floats, size_t numFloats) {
  std::string what = std::string("attribute '") + spec.name + "'";
  bool isInt = spec.kind == K::kInt || spec.kind == K::kInts;
  bool single = spec.kind == K::kInt || spec.kind == K::kFloat;
  size_t count = isInt ? numInts : numFloats;
  if ((isInt ? numFloats : numInts) != 0 || (single && count != 1) ||
      count > static_cast<size_t>(tlc::kMaxOperands))
    return invalidArgument(what + " is not " + kindName(spec.kind));
  if (isInt) {
    for (size_t i = 0; i < numInts; ++i)
      if (ints[i] < spec.lo || ints[i] > spec.hi)
        return invalidArgument(what + " has value " + std::to_string(ints[i]) +
                               ", outside [" + std::to_string(spec.lo) + ", " +
                               std::to_string(spec.hi) + "]");
  } else {
    for (size_t i = 0; i < numFloats; ++i)
      if (std::isnan(floats[i]) || (spec.finite && !std::isfinite(floats[i])))
        return invalidArgument(what + " has value " +
                               std::to_string(floats[i]));
  }
  return Status::ok();
}

Status checkAttr(const fb::Kernel &kernel, const AttrSpec &spec) {
  const fb::Attribute *a = kernel.attributes()
                               ? kernel.attributes()->LookupByKey(spec.name)
                               : nullptr;
  std::string what = std::string("attribute '") + spec.name + "'";
  if (!a) {
    if (spec.required)
      return invalidArgument("lacks " + what);
    return Status::ok();
  }
  // flatbuffers omits empty vectors: an absent list is an empty one.
  size_t ints = a->ints() ? a->ints()->size() : 0;
  size_t floats = a->floats() ? a->floats()->size() : 0;
  if (a->from_value() != -1) {
    // Checked by checkBoundAttrs once a plan reads the graph input; the
    // artifact checks that it is one (Artifact.cpp).
    if (ints || floats)
      return invalidArgument(what + " is read from a graph input but also "
                                    "stores values");
    return Status::ok();
  }
  // A [long] vector the verifier let through at a 4-byte boundary would
  // be read misaligned.
  if (ints && reinterpret_cast<uintptr_t>(a->ints()->data()) % 8 != 0)
    return invalidArgument(what + " is misaligned");
  return checkValues(spec, ints ? a->ints()->data() : nullptr, ints,
                     floats ? a->floats()->data() : nullptr, floats);
}

} // namespace

const std::vector<OpSchema> &tlc::runtime::allOpSchemas() {
  static const std::vector<OpSchema> table = makeTable();
  return table;
}

const OpSchema *tlc::runtime::findOpSchema(std::string_view name) {
  for (const OpSchema &op : allOpSchemas())
    if (name == op.name)
      return &op;
  return nullptr;
}

Status tlc::runtime::verifyKernel(const fb::Kernel &kernel,
                                  const OpSchema &schema) {
  const auto &inputs = *kernel.inputs();
  size_t count = inputs.size();
  if (schema.variadic) {
    if (count < 1 || count > static_cast<size_t>(tlc::kMaxOperands))
      return invalidArgument("has " + std::to_string(count) +
                             " operands, expected 1 to " +
                             std::to_string(tlc::kMaxOperands));
  } else {
    size_t lo = schema.required, hi = schema.required + schema.optional;
    // Trailing optional operands may be left out, or stored as -1.
    if (count < lo || count > hi)
      return invalidArgument("has " + std::to_string(count) +
                             " operands, expected " + std::to_string(lo) +
                             (lo == hi ? "" : " to " + std::to_string(hi)));
  }
  for (size_t i = 0; i < count; ++i)
    if (inputs.Get(i) < 0 &&
        (schema.variadic || i < static_cast<size_t>(schema.required)))
      return invalidArgument("lacks its required operand " + std::to_string(i));
  if (kernel.outputs()->size() != static_cast<size_t>(schema.results))
    return invalidArgument("has " + std::to_string(kernel.outputs()->size()) +
                           " results, expected " +
                           std::to_string(schema.results));
  for (const AttrSpec &spec : schema.attrs)
    if (Status s = checkAttr(kernel, spec); !s)
      return s;
  return Status::ok();
}

bool tlc::runtime::isRuntimeAttr(const fb::Attribute &attr) {
  return attr.from_value() != -1;
}

Status tlc::runtime::checkBoundAttrs(const fb::Kernel &kernel,
                                     const OpSchema &schema,
                                     const BoundAttrs &bound) {
  for (const AttrSpec &spec : schema.attrs) {
    const fb::Attribute *a = kernel.attributes()
                                 ? kernel.attributes()->LookupByKey(spec.name)
                                 : nullptr;
    if (!a || !isRuntimeAttr(*a))
      continue;
    const BoundAttr *b = nullptr;
    for (const BoundAttr &candidate : bound)
      if (candidate.name == spec.name)
        b = &candidate;
    if (!b)
      return Status(StatusCode::kInternal, std::string("run-time attribute '") +
                                               spec.name + "' is not bound");
    if (Status s = checkValues(spec, b->ints.data(), b->ints.size(),
                               b->floats.data(), b->floats.size());
        !s)
      return s;
  }
  return Status::ok();
}

StatusOr<std::vector<Shape>> tlc::runtime::inferKernelShapes(
    const fb::Kernel &kernel, const OpSchema &schema,
    const std::vector<const Shape *> &inputs, const std::vector<DType> &dtypes,
    const BoundAttrs *bound) {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i] && schema.types == OperandTypes::kBoolean &&
        dtypes[i] != DType::kBool)
      return invalidArgument("operand " + std::to_string(i) + " is " +
                             dtypeName(dtypes[i]) +
                             "; the op computes on bool tensors");
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i] && schema.types == OperandTypes::kNumeric &&
        dtypes[i] == DType::kBool)
      return invalidArgument("operand " + std::to_string(i) +
                             " is bool; the op computes on numbers");
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i] && schema.types != OperandTypes::kAny &&
        schema.types != OperandTypes::kBoolean &&
        schema.types != OperandTypes::kNumeric && !isFloating(dtypes[i]) &&
        !(schema.types == OperandTypes::kFloatingOrQuantizedWeight && i == 1 &&
          dtypes[i] == DType::kI8))
      return invalidArgument("operand " + std::to_string(i) + " is " +
                             dtypeName(dtypes[i]) +
                             "; the op computes on floating-point tensors");
  Attrs attrs(kernel, bound);
  ShapeContext ctx{attrs, inputs, dtypes, {}};
  std::vector<Shape> outputs;
  if (Status s = schema.shapes(ctx, outputs); !s)
    return s;
  if (!attrs.status())
    return attrs.status(); // unreachable for a verified kernel
  if (ctx.arith.overflowed())
    return invalidArgument("its sizes overflow 64-bit arithmetic");
  if (outputs.size() != static_cast<size_t>(schema.results))
    return Status(StatusCode::kInternal, "wrong number of result shapes");
  for (const Shape &y : outputs) {
    if (y.size() > static_cast<size_t>(kMaxRank))
      return invalidArgument("its result " + shapeToString(y) +
                             " has rank above " + std::to_string(kMaxRank));
    CheckedArith count;
    for (int64_t d : y)
      if (d < 0 || d > kMaxDim)
        return invalidArgument("its result " + shapeToString(y) +
                               " has a dim outside [0, 2^40]");
    if (count.elements(y) > tlc::kMaxElements || count.overflowed())
      return invalidArgument("its result " + shapeToString(y) +
                             " has more than 2^40 elements");
  }
  return outputs;
}

DType tlc::runtime::resultDType(const fb::Kernel &kernel,
                                const OpSchema &schema,
                                const std::vector<DType> &operands) {
  switch (schema.result) {
  case ResultType::kAttrTo: {
    Attrs attrs(kernel); // verified: in [F32, Bool]
    return fromSchema(static_cast<fb::DType>(attrs.i("to")));
  }
  case ResultType::kFirstOperand:
    return operands.empty() ? DType::kF32 : operands[0];
  case ResultType::kSecondOperand:
    return operands.size() < 2 ? DType::kF32 : operands[1];
  case ResultType::kI64:
    return DType::kI64;
  case ResultType::kBool:
    return DType::kBool;
  }
  return DType::kF32;
}
