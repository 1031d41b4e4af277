//===- ConformanceTest.cpp - every op of every backend vs a reference -----===//
//
// Parametrized by backend (every one this runtime was built with): each
// case builds a one- or two-kernel artifact, runs it through a Session on
// that backend and compares with the plain C++ reference (Reference.h) on
// random shapes and attributes: broadcasts, pads, strides, dilations,
// groups, ceil mode, odd channel counts. Cases marked "after conv" feed the
// op a conv's output, so it sees the layout the backend picks for convs
// (blocked or channels-last on the CPU) rather than a plain one.
//
// Tolerance: max |got - want| <= 1e-4 * max(1, max |want|), the bound the
// ONNX Runtime comparisons use. Each backend runs the suite twice: as
// compiled for f32, and as compiled for bf16 (conv and fc weights stored
// in bf16; on the CPU, computed in bf16 with AVX512-BF16 and bf16 tensors
// between kernels, else widened to f32), against the same f32 reference
// with 2e-2: bf16 keeps 8 significant bits, and a result passes through
// bf16 rounding a few times (weights, input, the result, the next op).
//
//===----------------------------------------------------------------------===//

#include "../ArtifactBuilder.h"
#include "Reference.h"

#include "tlc/runtime/Session.h"
#include "tlc/runtime/UnaryMath.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string_view>

using namespace tlc;
using namespace tlc::test;
using ref::Array;
using Shape = std::vector<int64_t>;
using A = AttrValue;

namespace {

/// A backend, and the precision artifacts are compiled for.
struct Variant {
  std::string device;
  fb::Precision precision;
  bool bf16() const { return precision == fb::Precision::BF16; }
  bool int8() const { return precision == fb::Precision::Int8; }
};

class Conformance : public ::testing::TestWithParam<Variant> {
protected:
  std::mt19937 rng{1234};

  int64_t pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  bool coin() { return pick(0, 1) == 1; }
  /// `rank` dims, each in [lo, hi].
  Shape randomShape(size_t rank, int64_t lo, int64_t hi) {
    Shape s;
    for (size_t d = 0; d < rank; ++d)
      s.push_back(pick(lo, hi));
    return s;
  }
  Array random(Shape shape, float lo = -1.f, float hi = 1.f) {
    Array a(std::move(shape));
    std::uniform_real_distribution<float> u(lo, hi);
    for (float &v : a.data)
      v = u(rng);
    return a;
  }

  /// `b` compiled for int8, calibrated on `inputs`: the min-max range of
  /// every value from one f32 run, as `tlc compile --calibrate` would
  /// record it (the ranges of the data the test then runs).
  std::vector<uint8_t>
  calibrated(ArtifactBuilder &b,
             const std::vector<std::pair<std::string, Array>> &inputs) {
    std::vector<uint8_t> observing = b.bytesObservingAll();
    auto session = runtime::Session::loadFromMemory(
        observing.data(), observing.size(), {}, "calibration");
    EXPECT_TRUE(session) << session.status().toString();
    if (!session)
      return {};
    std::vector<runtime::NamedView> views;
    for (const auto &[name, a] : inputs)
      views.push_back({name, {runtime::DType::kF32, a.shape, a.data.data()}});
    auto out = session->run(views);
    EXPECT_TRUE(out) << out.status().toString();
    if (!out)
      return {};
    std::vector<std::tuple<int32_t, float, float>> ranges;
    for (const auto &[name, t] : *out) {
      if (name[0] != 'v' || t.numElements() == 0)
        continue;
      const float *x = t.dataAs<float>();
      auto [lo, hi] = std::minmax_element(x, x + t.numElements());
      ranges.emplace_back(std::stoi(name.substr(1)), *lo, *hi);
    }
    return b.bytesInInt8(ranges);
  }

  /// Runs `b` (outputs "y") on `inputs` and compares with `want`.
  void check(ArtifactBuilder &b,
             const std::vector<std::pair<std::string, Array>> &inputs,
             const Array &want, const std::string &what) {
    SCOPED_TRACE(what);
    if (std::getenv("TLC_CONFORMANCE_VERBOSE"))
      std::fprintf(stderr, "%s\n", what.c_str());
    runtime::SessionOptions options;
    options.device = GetParam().device;
    options.threads = 2;
    std::vector<uint8_t> artifact = GetParam().bf16()   ? b.bytesInBf16()
                                    : GetParam().int8() ? calibrated(b, inputs)
                                                        : b.bytes();
    if (artifact.empty())
      return; // calibration failed (and said why)
    auto session = runtime::Session::loadFromMemory(
        artifact.data(), artifact.size(), options, what);
    ASSERT_TRUE(session) << session.status().toString();
    std::vector<runtime::NamedView> views;
    for (const auto &[name, a] : inputs)
      views.push_back({name, {runtime::DType::kF32, a.shape, a.data.data()}});
    auto out = session->run(views);
    ASSERT_TRUE(out) << out.status().toString();
    ASSERT_EQ(out->size(), 1u);
    const runtime::Tensor &got = (*out)[0].second;
    ASSERT_EQ(got.shape(), want.shape);
    float scale = 1.f;
    for (float v : want.data)
      scale = std::max(scale, std::fabs(v));
    const float *g = got.dataAs<float>();
    float worst = 0.f;
    int64_t where = 0;
    for (int64_t i = 0; i < want.size(); ++i) {
      float d = std::fabs(g[i] - want.data[i]);
      if (!(d <= worst)) { // NaN counts as the worst
        worst = d;
        where = i;
      }
    }
    // int8: 4 % of the largest value; twice that where the CPU lacks VNNI
    // and the weights have 7 bits.
    bool sevenBit =
        session->computePrecision().find("7-bit") != std::string::npos;
    float tolerance = GetParam().bf16()   ? 2e-2f
                      : GetParam().int8() ? (sevenBit ? 8e-2f : 4e-2f)
                                          : 1e-4f;
    EXPECT_LE(worst, tolerance * scale)
        << "at element " << where << ": got " << g[where] << ", want "
        << want.data[where];
  }

  /// Adds a 1x1 conv (C -> C, random weights) after `x`: its output has
  /// the layout the backend picks for convs. `value` is updated with the
  /// reference result.
  int32_t afterConv(ArtifactBuilder &b, int32_t x, Array &value) {
    int64_t c = value.shape[1];
    Shape w = {c, c};
    for (size_t i = 2; i < value.shape.size(); ++i)
      w.push_back(1);
    Array weight = random(w);
    size_t spatial = value.shape.size() - 2;
    ref::ConvParams p{Shape(spatial, 1),
                      Shape(2 * spatial, 0),
                      Shape(spatial, 1),
                      1,
                      0,
                      0,
                      0};
    value = ref::conv(value, weight, nullptr, nullptr, p);
    return b.op("conv", {x, b.weight(w, weight.data)}, value.shape,
                convAttrs(p));
  }

  static AttrList convAttrs(const ref::ConvParams &p) {
    return {
        {"strides", A::i(p.strides)},         {"pads", A::i(p.pads)},
        {"dilations", A::i(p.dilations)},     {"groups", A::i({p.groups})},
        {"activation", A::i({p.activation})}, {"act_alpha", A::f({p.alpha})},
        {"act_beta", A::f({p.beta})}};
  }
};

TEST_P(Conformance, Conv) {
  for (int trial = 0; trial < 40; ++trial) {
    size_t spatial = trial % 7 == 0 ? 1 : trial % 11 == 0 ? 3 : 2;
    int64_t groups = pick(0, 2) == 0 ? 1 : pick(1, 3);
    bool depthwise = trial % 4 == 1;
    int64_t inC = depthwise ? pick(1, 9) : groups * pick(1, 5);
    if (depthwise)
      groups = inC;
    int64_t outC = groups * (depthwise ? pick(1, 2) : pick(1, 4));
    ref::ConvParams p;
    p.groups = groups;
    Shape x = {pick(1, 3), inC}, w = {outC, inC / groups};
    for (size_t i = 0; i < spatial; ++i) {
      int64_t k = pick(1, 3);
      p.strides.push_back(pick(1, 3));
      p.dilations.push_back(pick(1, 2));
      w.push_back(k);
      x.push_back(pick(1, spatial == 3 ? 6 : 11) + p.dilations[i] * (k - 1));
    }
    for (size_t i = 0; i < 2 * spatial; ++i)
      p.pads.push_back(pick(0, 2));
    const int activations[] = {0, 1, 2, 3, 7, 9};
    p.activation = activations[pick(0, 5)];
    p.alpha = p.activation == 2 ? 0.f : 0.1f;
    p.beta = p.activation == 2 ? 6.f : 0.f;
    bool hasBias = coin(), hasResidual = pick(0, 3) == 0;
    Array xa = random(x), wa = random(w), bias = random({outC});
    Array want0 = ref::conv(xa, wa, nullptr, nullptr,
                            {p.strides, p.pads, p.dilations, groups});
    Array residual = random(want0.shape);
    Array want = ref::conv(xa, wa, hasBias ? &bias : nullptr,
                           hasResidual ? &residual : nullptr, p);
    ArtifactBuilder b;
    Shape dynamic = x;
    dynamic[0] = -1;
    int32_t in = b.input("x", dynamic);
    std::vector<int32_t> operands = {
        in, b.weight(w, wa.data), hasBias ? b.weight({outC}, bias.data) : -1};
    if (hasResidual)
      operands.push_back(b.weight(residual.shape, residual.data));
    Shape y = want.shape;
    if (!hasResidual)
      y[0] = -1;
    b.output("y", b.op("conv", operands, y, convAttrs(p)));
    check(b, {{"x", xa}}, want,
          "conv x=" + runtime::shapeToString(x) + " w=" +
              runtime::shapeToString(w) + " groups=" + std::to_string(groups) +
              " strides=" + runtime::shapeToString(p.strides) +
              " pads=" + runtime::shapeToString(p.pads) +
              " dilations=" + runtime::shapeToString(p.dilations) +
              " act=" + std::to_string(p.activation) +
              (hasBias ? " bias" : "") + (hasResidual ? " residual" : ""));
  }
}

TEST_P(Conformance, ConvTranspose) {
  for (int trial = 0; trial < 30; ++trial) {
    size_t spatial = trial % 7 == 0 ? 1 : trial % 11 == 0 ? 3 : 2;
    int64_t groups = pick(0, 2) == 0 ? 1 : pick(1, 3);
    int64_t inC = groups * pick(1, 4), outPerGroup = pick(1, 4);
    ref::ConvParams p;
    p.groups = groups;
    Shape x = {pick(1, 3), inC}, w = {inC, outPerGroup};
    std::vector<int64_t> outPad;
    for (size_t i = 0; i < spatial; ++i) {
      int64_t k = pick(1, 4);
      p.strides.push_back(pick(1, 3));
      p.dilations.push_back(pick(1, 2));
      outPad.push_back(pick(0, std::max(p.strides[i], p.dilations[i]) - 1));
      w.push_back(k);
      x.push_back(pick(1, spatial == 3 ? 4 : 7));
    }
    // Pads at most the kernel's span less one, so that rows remain.
    for (size_t i = 0; i < 2 * spatial; ++i) {
      int64_t span = p.dilations[i % spatial] * (w[i % spatial + 2] - 1);
      p.pads.push_back(pick(0, std::min<int64_t>(span / 2, 2)));
    }
    bool hasBias = coin();
    Array xa = random(x), wa = random(w), bias = random({outPerGroup * groups});
    Array want =
        ref::convTranspose(xa, wa, hasBias ? &bias : nullptr, p, outPad);
    ArtifactBuilder b;
    Shape dynamic = x;
    dynamic[0] = -1;
    Shape y = want.shape;
    y[0] = -1;
    int32_t in = b.input("x", dynamic);
    int32_t out = b.op("conv_transpose",
                       {in, b.weight(w, wa.data),
                        hasBias ? b.weight(bias.shape, bias.data) : -1},
                       y,
                       {{"strides", A::i(p.strides)},
                        {"pads", A::i(p.pads)},
                        {"dilations", A::i(p.dilations)},
                        {"output_padding", A::i(outPad)},
                        {"groups", A::i({groups})}});
    b.output("y", out);
    check(b, {{"x", xa}}, want,
          "conv_transpose x=" + runtime::shapeToString(x) + " w=" +
              runtime::shapeToString(w) + " groups=" + std::to_string(groups) +
              " strides=" + runtime::shapeToString(p.strides) +
              " pads=" + runtime::shapeToString(p.pads) +
              " dilations=" + runtime::shapeToString(p.dilations) +
              " output_padding=" + runtime::shapeToString(outPad) +
              (hasBias ? " bias" : ""));
  }
}

TEST_P(Conformance, FullyConnectedAndMatMul) {
  for (int trial = 0; trial < 10; ++trial) {
    int64_t n = pick(1, 5), k = pick(1, 40), m = pick(1, 17);
    int activation = coin() ? 1 : 0;
    Array x = random({n, k}), w = random({m, k}), bias = random({m});
    bool hasBias = coin();
    ArtifactBuilder b;
    int32_t in = b.input("x", {-1, k});
    b.output("y", b.op("fc",
                       {in, b.weight({m, k}, w.data),
                        hasBias ? b.weight({m}, bias.data) : -1},
                       {-1, m},
                       {{"activation", A::i({activation})},
                        {"act_alpha", A::f({0})},
                        {"act_beta", A::f({0})}}));
    check(b, {{"x", x}}, ref::fc(x, w, hasBias ? &bias : nullptr, activation),
          "fc " + std::to_string(n) + "x" + std::to_string(k) + " -> " +
              std::to_string(m));
  }
  const std::vector<std::pair<Shape, Shape>> shapes = {{{3, 4}, {4, 5}},
                                                       {{2, 3, 4}, {4, 6}},
                                                       {{2, 3, 4}, {2, 4, 2}},
                                                       {{1, 3, 4}, {5, 4, 2}},
                                                       {{7, 1}, {1, 9}}};
  for (const auto &[sa, sb] : shapes) {
    Array a = random(sa), c = random(sb);
    ArtifactBuilder b;
    int32_t in = b.input("a", sa);
    Array want = ref::matmul(a, c);
    b.output("y", b.op("matmul", {in, b.weight(sb, c.data)}, want.shape));
    check(b, {{"a", a}}, want,
          "matmul " + runtime::shapeToString(sa) + " x " +
              runtime::shapeToString(sb));
  }
}

TEST_P(Conformance, Pools) {
  for (int trial = 0; trial < 40; ++trial) {
    bool isMax = trial % 2 == 0;
    size_t spatial = trial % 9 == 4 ? 1 : 2;
    ref::PoolParams p;
    Shape x = {pick(1, 2), pick(1, 7)};
    for (size_t i = 0; i < spatial; ++i) {
      int64_t k = pick(1, 3);
      p.kernel.push_back(k);
      p.strides.push_back(pick(1, 3));
      p.dilations.push_back(isMax ? pick(1, 2) : 1);
      x.push_back(pick(1, 9) + p.dilations[i] * (k - 1));
    }
    for (size_t i = 0; i < 2 * spatial; ++i)
      p.pads.push_back(pick(0, p.kernel[i % spatial] - 1));
    p.ceil = coin();
    // With ceil mode, windows past the end pad differently across
    // frameworks; include-pad is tested without it.
    p.countIncludePad = !isMax && !p.ceil && coin();
    Array input = random(x), value = input;
    ArtifactBuilder b;
    int32_t in = b.input("x", x);
    if (spatial == 2 && trial % 3 == 0)
      in = afterConv(b, in, value);
    Array want = ref::pool(value, p, isMax, {});
    AttrList attrs = {{"kernel_shape", A::i(p.kernel)},
                      {"strides", A::i(p.strides)},
                      {"pads", A::i(p.pads)},
                      {"ceil_mode", A::i({p.ceil})}};
    if (isMax)
      attrs.push_back({"dilations", A::i(p.dilations)});
    else
      attrs.push_back({"count_include_pad", A::i({p.countIncludePad})});
    b.output("y",
             b.op(isMax ? "max_pool" : "avg_pool", {in}, want.shape, attrs));
    check(b, {{"x", input}}, want,
          std::string(isMax ? "max" : "avg") +
              " pool x=" + runtime::shapeToString(x) +
              " k=" + runtime::shapeToString(p.kernel) +
              " s=" + runtime::shapeToString(p.strides) +
              " pads=" + runtime::shapeToString(p.pads) + " ceil=" +
              std::to_string(p.ceil) + " trial " + std::to_string(trial));
  }
}

TEST_P(Conformance, GlobalPoolsAndReductions) {
  for (int trial = 0; trial < 12; ++trial) {
    bool isMax = trial % 2 == 1;
    Shape x = {pick(1, 3), pick(1, 20), pick(1, 9), pick(1, 9)};
    Array input = random(x), value = input;
    ArtifactBuilder b;
    int32_t in = b.input("x", x);
    if (trial % 3 != 0)
      in = afterConv(b, in, value);
    Array want = ref::globalPool(value, isMax);
    b.output("y", b.op(isMax ? "global_max_pool" : "global_avg_pool", {in},
                       want.shape));
    check(b, {{"x", input}}, want,
          "global pool " + runtime::shapeToString(x) + " trial " +
              std::to_string(trial));
  }
  // Every reduction, over random sets of axes (some of extent 1, where
  // oneDNN is not asked). Positive inputs for the logarithms, and values
  // near 1 so that products stay in range.
  for (const char *kind : {"mean", "sum", "max", "min", "prod", "l1", "l2",
                           "sum_square", "log_sum", "log_sum_exp"})
    for (int trial = 0; trial < 6; ++trial) {
      Shape x = {pick(1, 3), pick(1, 5), pick(1, 6)};
      std::vector<int64_t> axes;
      for (int64_t d = 0; d < 3; ++d)
        if (coin())
          axes.push_back(coin() ? d : d - 3);
      // A scalar result would need a rank-0 value, which the schema's
      // object API (this test's builder) cannot write.
      bool keepdims = coin() || axes.empty() || axes.size() == 3;
      std::string k = kind;
      bool positive = k == "log_sum" || k == "prod";
      Array input = random(x, positive ? 0.5f : -2.f, positive ? 1.5f : 2.f);
      Array want = ref::reduce(input, k, axes, keepdims);
      ArtifactBuilder b;
      b.output("y",
               b.op("reduce_" + k, {b.input("x", x)}, want.shape,
                    {{"axes", A::i(axes)}, {"keepdims", A::i({keepdims})}}));
      check(b, {{"x", input}}, want,
            "reduce_" + k + " " + runtime::shapeToString(x) +
                " axes=" + runtime::shapeToString(axes));
    }
}

/// A random shape of `rank`, and one that broadcasts to it (dims set to 1
/// or left out in front).
std::pair<Shape, Shape> broadcastPair(std::mt19937 &rng, size_t rank) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  Shape big;
  for (size_t d = 0; d < rank; ++d)
    big.push_back(pick(1, 6));
  Shape small(big.begin() + pick(0, static_cast<int64_t>(rank)), big.end());
  for (int64_t &d : small)
    if (pick(0, 2) == 0)
      d = 1;
  return {big, small};
}

TEST_P(Conformance, Binary) {
  struct Op {
    const char *name;
    float (*fn)(float, float);
  };
  const Op ops[] = {
      {"add", [](float a, float b) { return a + b; }},
      {"sub", [](float a, float b) { return a - b; }},
      {"mul", [](float a, float b) { return a * b; }},
      {"div", [](float a, float b) { return a / b; }},
      {"max", [](float a, float b) { return std::max(a, b); }},
      {"min", [](float a, float b) { return std::min(a, b); }},
      {"pow", [](float a, float b) { return std::pow(a, b); }},
  };
  for (const Op &op : ops)
    for (int trial = 0; trial < 8; ++trial) {
      auto [big, small] = broadcastPair(rng, pick(1, 4));
      bool swap = coin();
      Shape sa = swap ? small : big, sb = swap ? big : small;
      bool positive = std::string(op.name) == "pow";
      Array a = random(sa, positive ? 0.5f : -1.f, 1.f);
      // Divisors and exponents away from zero.
      Array c = random(sb, 0.5f, 2.f);
      Array want = ref::broadcast(a, c, op.fn);
      ArtifactBuilder b;
      b.output("y",
               b.op(op.name, {b.input("a", sa), b.input("b", sb)}, want.shape));
      check(b, {{"a", a}, {"b", c}}, want,
            std::string(op.name) + " " + runtime::shapeToString(sa) + " and " +
                runtime::shapeToString(sb));
    }
  // After a conv: both operands in its layout, or a plain [N|1, C, 1, 1]
  // operand broadcast over it (squeeze-and-excitation), either order.
  for (const char *name : {"add", "sub", "mul", "div"})
    for (int trial = 0; trial < 6; ++trial) {
      Shape x = {pick(1, 2), pick(1, 24), pick(1, 7), pick(1, 7)};
      Shape s = trial % 3 == 0 ? x : Shape{coin() ? x[0] : 1, x[1], 1, 1};
      bool swap = trial % 2 == 1;
      // Swapped, a conv's output is the divisor: near zero, its bf16 or
      // int8 rounding changes the quotient without bound.
      if (swap && (GetParam().bf16() || GetParam().int8()) &&
          std::string(name) == "div")
        continue;
      Array input = random(x), value = input, other = random(s, 0.5f, 2.f);
      ArtifactBuilder b;
      int32_t in = afterConv(b, b.input("x", x), value);
      Array otherValue = other;
      int32_t o = b.input("s", s);
      // A divisor that went through a conv may come near zero.
      if (s == x && std::string(name) != "div")
        o = afterConv(b, o, otherValue);
      auto fn = ops[std::string(name) == "add"   ? 0
                    : std::string(name) == "sub" ? 1
                    : std::string(name) == "mul" ? 2
                                                 : 3]
                    .fn;
      Array want = swap ? ref::broadcast(otherValue, value, fn)
                        : ref::broadcast(value, otherValue, fn);
      b.output("y", b.op(name,
                         swap ? std::vector<int32_t>{o, in}
                              : std::vector<int32_t>{in, o},
                         want.shape));
      check(b, {{"x", input}, {"s", other}}, want,
            std::string(name) + " after conv " + runtime::shapeToString(x) +
                " with " + runtime::shapeToString(s) +
                (swap ? " (swapped)" : ""));
    }
  for (int trial = 0; trial < 6; ++trial) {
    Shape x = {pick(1, 2), pick(1, 6), pick(1, 5), pick(1, 5)};
    Shape slope = trial % 2 ? Shape{x[1], 1, 1} : Shape{1};
    Array input = random(x), s = random(slope);
    Array want = ref::broadcast(
        input, s, [](float v, float k) { return v >= 0 ? v : k * v; });
    ArtifactBuilder b;
    b.output("y", b.op("prelu", {b.input("x", x), b.weight(slope, s.data)}, x));
    check(b, {{"x", input}}, want, "prelu " + runtime::shapeToString(slope));
  }
}

TEST_P(Conformance, Unary) {
  struct Op {
    const char *name;
    int activation; // fb::Activation, or -1 for plain math
    float (*fn)(float);
    AttrList attrs;
    float lo = -3.f, hi = 3.f;
  };
  const std::vector<Op> ops = {
      {"relu", 1, nullptr, {}},
      {"sigmoid", 3, nullptr, {}},
      {"tanh", 4, nullptr, {}},
      {"hard_swish", 6, nullptr, {}},
      {"silu", 7, nullptr, {}},
      {"gelu", 8, nullptr, {{"approximate", A::i({0})}}},
      {"clip", 2, nullptr, {{"min", A::f({-0.5f})}, {"max", A::f({1.5f})}}},
      {"hard_sigmoid",
       5,
       nullptr,
       {{"alpha", A::f({0.2f})}, {"beta", A::f({0.5f})}}},
      {"leaky_relu", 9, nullptr, {{"alpha", A::f({0.1f})}}},
      {"abs", -1, [](float v) { return std::fabs(v); }, {}},
      {"neg", -1, [](float v) { return -v; }, {}},
      {"exp", -1, [](float v) { return std::exp(v); }, {}},
      {"erf", -1, [](float v) { return std::erf(v); }, {}},
      {"sqrt", -1, [](float v) { return std::sqrt(v); }, {}, 0.01f, 4.f},
      {"log", -1, [](float v) { return std::log(v); }, {}, 0.01f, 4.f},
      {"reciprocal", -1, [](float v) { return 1.f / v; }, {}, 0.25f, 4.f},
  };
  for (const Op &op : ops)
    for (int trial = 0; trial < 3; ++trial) {
      Shape x = {pick(1, 3), pick(1, 19), pick(1, 6), pick(1, 6)};
      Array input = random(x, op.lo, op.hi), value = input;
      ArtifactBuilder b;
      int32_t in = b.input("x", x);
      // After a conv the inputs are no longer in the op's domain.
      if (trial == 2 && op.activation >= 0)
        in = afterConv(b, in, value);
      float alpha = 0, beta = 0;
      if (op.activation == 2)
        alpha = -0.5f, beta = 1.5f;
      if (op.activation == 5)
        alpha = 0.2f, beta = 0.5f;
      if (op.activation == 9)
        alpha = 0.1f;
      Array want =
          op.activation >= 0
              ? ref::map(value,
                         [&](float v) {
                           return ref::activate(op.activation, alpha, beta, v);
                         })
              : ref::map(value, op.fn);
      b.output("y", b.op(op.name, {in}, x, op.attrs));
      check(b, {{"x", input}}, want,
            std::string(op.name) + " " + runtime::shapeToString(x) +
                (trial == 2 ? " after conv" : ""));
    }
}

/// The ops of tlc/runtime/UnaryMath.h against their scalar definitions, on
/// inputs inside each one's domain; those oneDNN computes also after a conv
/// (blocked layouts).
TEST_P(Conformance, UnaryMath) {
  struct Case {
    float a = 0.f, b = 0.f, lo = -3.f, hi = 3.f;
  };
  const std::map<std::string_view, Case> cases = {
      {"elu", {0.7f}},
      {"selu", {1.67f, 1.05f}},
      {"celu", {0.8f}},
      {"thresholded_relu", {0.5f}},
      {"shrink", {0.2f, 0.7f}},
      {"tan", {0, 0, -1.2f, 1.2f}},
      {"asin", {0, 0, -0.95f, 0.95f}},
      {"acos", {0, 0, -0.95f, 0.95f}},
      {"atanh", {0, 0, -0.95f, 0.95f}},
      {"acosh", {0, 0, 1.f, 4.f}},
  };
  for (const UnaryMath &math : unary_math::kTable) {
    auto it = cases.find(math.op);
    Case c = it == cases.end() ? Case{} : it->second;
    AttrList attrs;
    if (!math.attrA.empty())
      attrs.push_back({std::string(math.attrA), A::f({c.a})});
    if (!math.attrB.empty())
      attrs.push_back({std::string(math.attrB), A::f({c.b})});
    for (int trial = 0; trial < 3; ++trial) {
      Shape x = {pick(1, 3), pick(1, 19), pick(1, 6), pick(1, 6)};
      Array input = random(x, c.lo, c.hi), value = input;
      ArtifactBuilder b;
      int32_t in = b.input("x", x);
      // After a conv: the smooth ones oneDNN computes, in any layout (a
      // conv's bf16 or int8 error would move round's steps, and the
      // bounded functions' error is relative to a smaller output).
      std::string_view op = math.op;
      bool wide = op == "elu" || op == "selu" || op == "celu" ||
                  op == "softplus" || op == "mish";
      if (trial == 2 && wide)
        in = afterConv(b, in, value);
      Array want =
          ref::map(value, [&](float v) { return math.fn(v, c.a, c.b); });
      std::string name(math.op);
      b.output("y", b.op(name.c_str(), {in}, x, attrs));
      check(b, {{"x", input}}, want,
            name + " " + runtime::shapeToString(x) +
                (trial == 2 && wide ? " after conv" : ""));
    }
  }
}

TEST_P(Conformance, Normalization) {
  for (int trial = 0; trial < 4; ++trial) {
    Shape x = {pick(1, 3), pick(1, 9), pick(1, 5), pick(1, 5)};
    int64_t c = x[1];
    Array input = random(x), scale = random({c}), bias = random({c}),
          mean = random({c}), var = random({c}, 0.1f, 2.f);
    ArtifactBuilder b;
    b.output("y", b.op("batch_norm",
                       {b.input("x", x), b.weight({c}, scale.data),
                        b.weight({c}, bias.data), b.weight({c}, mean.data),
                        b.weight({c}, var.data)},
                       x, {{"epsilon", A::f({1e-5f})}}));
    check(b, {{"x", input}},
          ref::batchNorm(input, scale, bias, mean, var, 1e-5f), "batch_norm");
  }
  for (int64_t axis : {-1, 1, 2}) {
    Shape x = {pick(1, 3), pick(2, 6), pick(2, 7)};
    Shape norm(x.begin() + (axis < 0 ? axis + 3 : axis), x.end());
    Shape scaleShape = {norm.back()};
    Array input = random(x), scale = random(scaleShape),
          bias = random(scaleShape);
    bool hasBias = axis != 2;
    ArtifactBuilder b;
    b.output("y",
             b.op("layer_norm",
                  {b.input("x", x), b.weight(scaleShape, scale.data),
                   hasBias ? b.weight(scaleShape, bias.data) : -1},
                  x, {{"axis", A::i({axis})}, {"epsilon", A::f({1e-5f})}}));
    check(b, {{"x", input}},
          ref::layerNorm(input, scale, hasBias ? &bias : nullptr, axis, 1e-5f),
          "layer_norm axis " + std::to_string(axis));
  }
  for (int64_t axis : {-1, 0, 1, 2}) {
    Shape x = {pick(1, 4), pick(1, 7), pick(1, 9)};
    Array input = random(x, -5.f, 5.f);
    ArtifactBuilder b;
    b.output("y",
             b.op("softmax", {b.input("x", x)}, x, {{"axis", A::i({axis})}}));
    check(b, {{"x", input}}, ref::softmax(input, axis),
          "softmax axis " + std::to_string(axis));
    // log_softmax: the log of the same, in double.
    ArtifactBuilder lb;
    lb.output("y", lb.op("log_softmax", {lb.input("x", x)}, x,
                         {{"axis", A::i({axis})}}));
    Array soft = ref::softmax(input, axis);
    check(lb, {{"x", input}},
          ref::map(soft,
                   [](float v) {
                     return static_cast<float>(
                         std::log(static_cast<double>(v)));
                   }),
          "log_softmax axis " + std::to_string(axis));
  }
  for (int64_t size : {1, 3, 5}) {
    Shape x = {pick(1, 2), pick(1, 9), pick(1, 5), pick(1, 5)};
    Array input = random(x);
    ArtifactBuilder b;
    b.output("y", b.op("lrn", {b.input("x", x)}, x,
                       {{"size", A::i({size})},
                        {"alpha", A::f({1e-3f})},
                        {"beta", A::f({0.75f})},
                        {"bias", A::f({1.f})}}));
    check(b, {{"x", input}}, ref::lrn(input, size, 1e-3f, 0.75f, 1.f),
          "lrn size " + std::to_string(size));
  }
}

TEST_P(Conformance, Concat) {
  // The last trials: along the channels of conv results, in the conv's
  // layout (nhwc, or nChw8c/nChw16c, kept when every input fills whole
  // blocks).
  for (int trial = 0; trial < 20; ++trial) {
    bool blocked = trial >= 12;
    size_t rank = blocked ? 4 : pick(1, 4);
    Shape base = randomShape(rank, 1, 5);
    int64_t axis = blocked ? 1 : pick(0, rank - 1);
    std::vector<Array> inputs, values;
    ArtifactBuilder b;
    std::vector<int32_t> ids;
    std::vector<std::pair<std::string, Array>> feeds;
    for (int64_t i = 0, n = pick(1, 4); i < n; ++i) {
      Shape s = base;
      s[axis] = blocked && trial % 3 != 0 ? 8 * pick(1, 4) : pick(1, 9);
      Array input = random(s), value = input;
      std::string name = "x" + std::to_string(i);
      int32_t id = b.input(name, s);
      if (blocked)
        id = afterConv(b, id, value);
      ids.push_back(id);
      values.push_back(value);
      feeds.push_back({name, input});
    }
    int64_t stored = coin() ? axis : axis - static_cast<int64_t>(rank);
    Array want = ref::concat(values, axis);
    b.output("y", b.op("concat", ids, want.shape, {{"axis", A::i({stored})}}));
    check(b, feeds, want,
          "concat of " + std::to_string(ids.size()) + " along " +
              std::to_string(stored) + (blocked ? " after conv" : ""));
  }
}

TEST_P(Conformance, DataMovement) {
  for (int trial = 0; trial < 8; ++trial) {
    size_t rank = pick(1, 5);
    Shape x = randomShape(rank, 1, 5);
    std::vector<int64_t> perm(rank);
    for (size_t d = 0; d < rank; ++d)
      perm[d] = d;
    std::shuffle(perm.begin(), perm.end(), rng);
    Array input = random(x);
    Array want = ref::transpose(input, perm);
    ArtifactBuilder b;
    b.output("y", b.op("transpose", {b.input("x", x)}, want.shape,
                       {{"perm", A::i(perm)}}));
    check(b, {{"x", input}}, want, "transpose " + runtime::shapeToString(perm));
  }
  for (int trial = 0; trial < 16; ++trial) {
    Shape x = {pick(1, 4), pick(1, 9), pick(1, 9)};
    std::vector<int64_t> starts, ends, axes, steps;
    for (int64_t d = 0; d < 3; ++d) {
      if (coin())
        continue;
      axes.push_back(coin() ? d : d - 3);
      int64_t step = pick(1, 3) * (coin() ? 1 : -1);
      steps.push_back(trial == 15 ? step * (int64_t(1) << 38) : step);
      starts.push_back(pick(-12, 12));
      ends.push_back(coin() ? pick(-12, 12)
                            : (step > 0 ? INT64_MAX : INT64_MIN));
    }
    Array input = random(x);
    Array want = ref::slice(input, starts, ends, axes, steps);
    ArtifactBuilder b;
    b.output("y", b.op("slice", {b.input("x", x)}, want.shape,
                       {{"starts", A::i(starts)},
                        {"ends", A::i(ends)},
                        {"axes", A::i(axes)},
                        {"steps", A::i(steps)}}));
    check(b, {{"x", input}}, want,
          "slice starts=" + runtime::shapeToString(starts) +
              " ends=" + runtime::shapeToString(ends) +
              " steps=" + runtime::shapeToString(steps));
  }
  for (int mode = 0; mode < 3; ++mode)
    for (int trial = 0; trial < 4; ++trial) {
      Shape x = {pick(1, 2), pick(1, 3), pick(2, 6), pick(2, 6)};
      std::vector<int64_t> pads(8, 0);
      for (int d = 2; d < 4; ++d) {
        pads[d] = pick(0, mode == 1 ? x[d] - 1 : 3);
        pads[d + 4] = pick(0, mode == 1 ? x[d] - 1 : 3);
      }
      Array input = random(x);
      Array want = ref::pad(input, pads, mode, 0.25f);
      ArtifactBuilder b;
      b.output("y", b.op("pad", {b.input("x", x)}, want.shape,
                         {{"pads", A::i(pads)},
                          {"mode", A::i({mode})},
                          {"value", A::f({0.25f})}}));
      check(b, {{"x", input}}, want,
            "pad mode " + std::to_string(mode) + " " +
                runtime::shapeToString(pads));
    }
  for (bool linear : {false, true})
    for (int trial = 0; trial < 4; ++trial) {
      Shape x = {1, pick(1, 3), pick(1, 6), pick(1, 6)};
      Shape y = {1, x[1], pick(1, 13), pick(1, 13)};
      Array input = random(x);
      ArtifactBuilder b;
      b.output("y", b.op("resize", {b.input("x", x)}, y,
                         {{"mode", A::i({linear ? 1 : 0})},
                          {"coordinate_mode", A::i({linear ? 0 : 3})},
                          {"nearest_mode", A::i({2})},
                          {"cubic_coeff_a", A::f({-0.75f})},
                          {"sizes", A::i(y)}}));
      check(b, {{"x", input}}, ref::resize(input, y, linear),
            std::string(linear ? "linear" : "nearest") + " resize to " +
                runtime::shapeToString(y));
    }
  // The reshape family only changes the shape.
  Shape x = {2, 3, 4, 1};
  Array input = random(x);
  struct View {
    const char *op;
    AttrList attrs;
    Shape y;
  };
  const std::vector<View> views = {
      {"flatten", {{"axis", A::i({2})}}, {6, 4}},
      {"flatten", {{"axis", A::i({-1})}}, {24, 1}},
      {"flatten", {{"axis", A::i({4})}}, {24, 1}},
      {"reshape", {{"shape", A::i({0, -1})}}, {2, 12}},
      {"reshape", {{"shape", A::i({4, 0, 2})}}, {4, 3, 2}},
      {"squeeze", {{"axes", A::i({-1})}}, {2, 3, 4}},
      {"unsqueeze", {{"axes", A::i({0, -1})}}, {1, 2, 3, 4, 1, 1}},
      {"identity", {}, x},
      {"dropout", {{"ratio", A::f({0.5f})}}, x},
  };
  for (const View &v : views) {
    ArtifactBuilder b;
    b.output("y", b.op(v.op, {b.input("x", x)}, v.y, v.attrs));
    check(b, {{"x", input}}, Array(v.y, input.data), v.op);
  }
}

std::vector<Variant> variants() {
  std::vector<Variant> all;
  for (const std::string &device : runtime::availableDevices())
    for (auto precision :
         {fb::Precision::F32, fb::Precision::BF16, fb::Precision::Int8})
      all.push_back({device, precision});
  return all;
}

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::ValuesIn(variants()),
                         [](const ::testing::TestParamInfo<Variant> &info) {
                           return info.param.device +
                                  (info.param.bf16()   ? "_bf16"
                                   : info.param.int8() ? "_int8"
                                                       : "_f32");
                         });

} // namespace
