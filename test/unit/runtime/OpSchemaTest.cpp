//===- OpSchemaTest.cpp - the core verifies kernels before any backend ----===//
//
// Artifacts a hostile user could write: each passes the flatbuffers
// verifier, and each must be refused by the core with a message naming the
// kernel, at load (operands, attributes) or when a shape is planned (sizes
// that overflow, shapes that do not fit together). Also: the shape rules on
// the cases they exist for (ceil mode, negative axes, broadcasting).
//
//===----------------------------------------------------------------------===//

#include "ArtifactBuilder.h"

#include "OpSchema.h"
#include "ShapeFunctions.h"
#include "tlc/runtime/Limits.h"
#include "tlc/runtime/Session.h"

#include <gtest/gtest.h>

using namespace tlc;
using namespace tlc::test;
using A = AttrValue;
using Shape = std::vector<int64_t>;

namespace {

AttrList convAttrs(Shape strides = {1, 1}, Shape pads = {0, 0, 0, 0},
                   Shape dilations = {1, 1}, int64_t groups = 1) {
  return {{"strides", A::i(strides)},     {"pads", A::i(pads)},
          {"dilations", A::i(dilations)}, {"groups", A::i({groups})},
          {"activation", A::i({0})},      {"act_alpha", A::f({0})},
          {"act_beta", A::f({0})}};
}

/// Loads the artifact and, if that works, runs it on zeros of `shape`.
runtime::Status loadAndRun(const ArtifactBuilder &b, const Shape &shape,
                           const std::string &name) {
  auto session = runtime::Session::load(b.write("opschema_" + name));
  if (!session)
    return session.status();
  runtime::Tensor x(runtime::DType::kF32, shape);
  auto out = session->run({{"x", std::move(x)}});
  return out ? runtime::Status::ok() : out.status();
}

void expectRefused(const ArtifactBuilder &b, const Shape &shape,
                   const std::string &name, const std::string &message) {
  runtime::Status s = loadAndRun(b, shape, name);
  EXPECT_FALSE(s) << name;
  EXPECT_NE(s.message().find(message), std::string::npos)
      << name << ": " << s.message();
}

TEST(OpSchema, EveryOpHasAShapeFunction) {
  for (const runtime::OpSchema &op : runtime::allOpSchemas()) {
    EXPECT_NE(op.shapes, nullptr) << op.name;
    EXPECT_GE(op.results, 1) << op.name;
  }
  EXPECT_EQ(runtime::findOpSchema("no_such_op"), nullptr);
}

TEST(OpSchema, MissingOperandsAreRefusedAtLoad) {
  ArtifactBuilder fc;
  int32_t x = fc.input("x", {1, 4});
  fc.output("y", fc.op("fc", {x}, {1, 4},
                       {{"activation", A::i({0})},
                        {"act_alpha", A::f({0})},
                        {"act_beta", A::f({0})}}));
  expectRefused(fc, {1, 4}, "fc_one_operand", "operands, expected 2 to 4");

  ArtifactBuilder add;
  x = add.input("x", {1, 4});
  add.output("y", add.op("add", {x}, {1, 4}));
  expectRefused(add, {1, 4}, "add_one_operand", "has 1 operands, expected 2");

  ArtifactBuilder absent;
  x = absent.input("x", {1, 4});
  absent.output("y", absent.op("add", {x, -1}, {1, 4}));
  expectRefused(absent, {1, 4}, "add_absent", "lacks its required operand 1");
}

TEST(OpSchema, AttributesAreCheckedForPresenceKindAndRange) {
  auto pool = [](AttrList attrs, const std::string &name,
                 const std::string &message) {
    ArtifactBuilder b;
    int32_t x = b.input("x", {1, 1, 4, 4});
    b.output("y", b.op("max_pool", {x}, {1, 1, 4, 4}, std::move(attrs)));
    expectRefused(b, {1, 1, 4, 4}, name, message);
  };
  AttrList good = {{"kernel_shape", A::i({1, 1})},
                   {"strides", A::i({1, 1})},
                   {"pads", A::i({0, 0, 0, 0})},
                   {"dilations", A::i({1, 1})},
                   {"ceil_mode", A::i({0})}};
  AttrList missing(good.begin() + 1, good.end());
  pool(missing, "pool_missing", "lacks attribute 'kernel_shape'");
  AttrList hugePads = good;
  hugePads[2].second = A::i({INT64_MAX - 1, 0, 0, 0});
  pool(hugePads, "pool_huge_pads", "attribute 'pads' has value");
  AttrList zeroStride = good;
  zeroStride[1].second = A::i({0, 1});
  pool(zeroStride, "pool_zero_stride", "attribute 'strides' has value 0");
  AttrList wrongKind = good;
  wrongKind[4].second = A::f({1.f});
  pool(wrongKind, "pool_wrong_kind", "'ceil_mode' is not an integer");

  ArtifactBuilder act;
  int32_t x = act.input("x", {1, 1, 2, 2});
  AttrList attrs = convAttrs();
  attrs[4].second = A::i({42}); // activation past the enum
  act.output("y", act.op("conv", {x, act.weight({1, 1, 1, 1}, {1.f})},
                         {1, 1, 2, 2}, attrs));
  expectRefused(act, {1, 1, 2, 2}, "conv_bad_activation",
                "attribute 'activation' has value 42");
}

TEST(OpSchema, UnknownOpsAreUnimplementedAtLoad) {
  ArtifactBuilder b;
  int32_t x = b.input("x", {1});
  b.output("y", b.op("lstm", {x}, {1}));
  auto session = runtime::Session::load(b.write("opschema_unknown"));
  ASSERT_FALSE(session);
  EXPECT_EQ(session.status().code(), runtime::StatusCode::kUnimplemented);
  EXPECT_NE(session.status().message().find("'lstm'"), std::string::npos);
}

TEST(OpSchema, SizesThatOverflowAreRefusedWhenPlanned) {
  // A conv of 2^40 pixels in each dim: its output would have 2^80.
  ArtifactBuilder big;
  int32_t x = big.input("x", {-1, 1, -1, -1});
  big.output("y", big.op("conv", {x, big.weight({1, 1, 1, 1}, {1.f})},
                         {-1, 1, -1, -1},
                         convAttrs({1, 1}, {kMaxDim / 2, kMaxDim / 2,
                                            kMaxDim / 2, kMaxDim / 2})));
  expectRefused(big, {1, 1, 2, 2}, "conv_huge", "2^40");

  // Pads that make the result larger than any machine.
  ArtifactBuilder pad;
  x = pad.input("x", {-1, -1});
  pad.output("y", pad.op("pad", {x}, {-1, -1},
                         {{"pads", A::i({kMaxDim, kMaxDim, kMaxDim, kMaxDim})},
                          {"mode", A::i({0})},
                          {"value", A::f({0})}}));
  expectRefused(pad, {1, 1}, "pad_huge", "2^40");
}

TEST(OpSchema, ShapesThatDoNotFitAreRefusedWhenPlanned) {
  ArtifactBuilder conv;
  int32_t x = conv.input("x", {-1, 3, -1, -1});
  // A 3-channel input, a weight for 2 channels.
  conv.output(
      "y", conv.op("conv",
                   {x, conv.weight({4, 2, 1, 1}, std::vector<float>(8, 1.f))},
                   {-1, 4, -1, -1}, convAttrs()));
  expectRefused(conv, {1, 3, 4, 4}, "conv_channels", "do not match groups");

  ArtifactBuilder bias;
  x = bias.input("x", {-1, 2, -1, -1});
  bias.output("y", bias.op("conv",
                           {x, bias.weight({4, 2, 1, 1}, std::vector<float>(8)),
                            bias.weight({3}, {0, 0, 0})},
                           {-1, 4, -1, -1}, convAttrs()));
  expectRefused(bias, {1, 2, 4, 4}, "conv_bias", "bias [3] must have 4");

  ArtifactBuilder add;
  x = add.input("x", {-1, 3});
  add.output("y", add.op("add", {x, add.weight({4}, {0, 0, 0, 0})}, {-1, 3}));
  expectRefused(add, {2, 3}, "add_broadcast", "do not broadcast");

  // Found by the artifact fuzzer: a slice step of 0 divided by zero.
  ArtifactBuilder slice;
  x = slice.input("x", {-1, 3});
  slice.output("y", slice.op("slice", {x}, {-1, 3},
                             {{"starts", A::i({0})},
                              {"ends", A::i({3})},
                              {"axes", A::i({1})},
                              {"steps", A::i({0})}}));
  expectRefused(slice, {2, 3}, "slice_zero_step", "a step of 0");

  ArtifactBuilder declared;
  x = declared.input("x", {-1, 3});
  declared.output("y", declared.op("relu", {x}, {-1, 4}));
  expectRefused(declared, {2, 3}, "relu_declared",
                "computes [2, 3], but the artifact declares [?, 4]");
}

/// The op decides its results' element type (OpSchema::result): an artifact
/// that declares another one, or feeds an op operands of types it does not
/// take, is refused before any kernel writes a byte.
TEST(OpSchema, ResultAndOperandTypesAreTheOpsOwn) {
  ArtifactBuilder arg;
  int32_t x = arg.input("x", {-1, 3});
  // arg_max writes int64: a buffer declared float32 would be half too small.
  arg.output("y", arg.op("arg_max", {x}, {-1, 1},
                         {{"axis", A::i({1})},
                          {"keepdims", A::i({1})},
                          {"select_last_index", A::i({0})}}));
  expectRefused(arg, {2, 3}, "arg_max_f32",
                "computes int64, but the artifact declares float32");

  ArtifactBuilder notF32;
  x = notF32.input("x", {-1, 3});
  notF32.output("y", notF32.op("not", {x}, {-1, 3}));
  notF32.model().values.back()->dtype = fb::DType::Bool;
  expectRefused(notF32, {2, 3}, "not_f32", "the op computes on bool tensors");

  ArtifactBuilder where;
  x = where.input("x", {-1, 3});
  where.output("y", where.op("where", {x, x, x}, {-1, 3}));
  expectRefused(where, {2, 3}, "where_f32_condition",
                "the condition is float32, not bool");

  ArtifactBuilder compare;
  x = compare.input("x", {-1, 3});
  int32_t ints = compare.weight({3}, {0, 0, 0});
  compare.model().values[ints]->dtype = fb::DType::I32;
  compare.output("y", compare.op("less", {x, ints}, {-1, 3}));
  compare.model().values.back()->dtype = fb::DType::Bool;
  expectRefused(compare, {2, 3}, "less_mixed",
                "its operands are float32 and int32");
}

/// Comparisons of integers, logic on their bool results, where() and
/// arg_max, through a session: the values, with numpy broadcasting.
TEST(OpSchema, IntegerAndBoolTensorsRun) {
  ArtifactBuilder b;
  int32_t a = b.input("a", {2, 3});
  b.model().values[a]->dtype = fb::DType::I32;
  int32_t c = b.input("c", {3});
  b.model().values[c]->dtype = fb::DType::I32;
  auto boolOp = [&](const char *op, std::vector<int32_t> in) {
    int32_t v = b.op(op, std::move(in), {2, 3});
    b.model().values[v]->dtype = fb::DType::Bool;
    return v;
  };
  int32_t eq = boolOp("equal", {a, c});
  int32_t gt = boolOp("greater", {a, c});
  int32_t either = boolOp("or", {eq, gt});
  b.output("ge", either);
  b.output("not_ge", boolOp("not", {either}));
  int32_t picked = b.op("where", {either, a, c}, {2, 3});
  b.model().values[picked]->dtype = fb::DType::I32;
  b.output("max_ac", picked);
  int32_t f = b.input("f", {2, 3});
  int32_t idx = b.op("arg_max", {f}, {2},
                     {{"axis", A::i({-1})},
                      {"keepdims", A::i({0})},
                      {"select_last_index", A::i({1})}});
  b.model().values[idx]->dtype = fb::DType::I64;
  b.output("argmax", idx);

  auto session = runtime::Session::load(b.write("opschema_int_bool"));
  ASSERT_TRUE(session) << session.status().message();
  std::vector<int32_t> av = {1, 5, 3, 7, 2, 9}, cv = {4, 5, 6};
  std::vector<float> fv = {1, 3, 3, -1, -2, -3};
  auto out = session->run({{"a", {runtime::DType::kI32, {2, 3}, av.data()}},
                           {"c", {runtime::DType::kI32, {3}, cv.data()}},
                           {"f", {runtime::DType::kF32, {2, 3}, fv.data()}}});
  ASSERT_TRUE(out) << out.status().message();
  auto get = [&](const std::string &name) -> const runtime::Tensor & {
    for (const auto &[n, t] : *out)
      if (n == name)
        return t;
    ADD_FAILURE() << name;
    return out->front().second;
  };
  const runtime::Tensor &ge = get("ge"), &notGe = get("not_ge"),
                        &max = get("max_ac"), &arg = get("argmax");
  EXPECT_EQ(ge.dtype(), runtime::DType::kBool);
  EXPECT_EQ(arg.dtype(), runtime::DType::kI64);
  std::vector<uint8_t> wantGe = {0, 1, 0, 1, 0, 1};
  std::vector<int32_t> wantMax = {4, 5, 6, 7, 5, 9};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(ge.data()[i], wantGe[i]) << i;
    EXPECT_EQ(notGe.data()[i], 1 - wantGe[i]) << i;
    EXPECT_EQ(max.dataAs<int32_t>()[i], wantMax[i]) << i;
  }
  // Ties go to the last index with select_last_index.
  EXPECT_EQ(arg.dataAs<int64_t>()[0], 2);
  EXPECT_EQ(arg.dataAs<int64_t>()[1], 0);
}

/// Binary arithmetic on integers: wrapping, and the cases that would trap
/// or be undefined in C++ (x / 0, INT_MIN / -1, x % 0, negative powers).
TEST(OpSchema, IntegerArithmeticIsDefinedEverywhere) {
  struct Case {
    const char *op;
    int64_t fmod;
    std::vector<int32_t> want;
  };
  // a = {7, -7, INT_MIN, 5, 3, -1}, c = {2, 2, -1, 0, -2, -3}.
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  std::vector<Case> cases = {
      {"add", -1, {9, -5, std::numeric_limits<int32_t>::max(), 5, 1, -4}},
      {"sub", -1, {5, -9, -2147483647, 5, 5, 2}},
      {"mul", -1, {14, -14, kMin, 0, -6, 3}},
      {"div", -1, {3, -3, kMin, 0, -1, 0}},
      {"mod", 0, {1, 1, 0, 0, -1, -1}},
      {"mod", 1, {1, -1, 0, 0, 1, -1}},
      {"pow", -1, {49, 49, 0, 1, 0, -1}},
      {"max", -1, {7, 2, -1, 5, 3, -1}},
      {"min", -1, {2, -7, kMin, 0, -2, -3}},
  };
  for (const Case &k : cases) {
    ArtifactBuilder b;
    int32_t a = b.input("a", {6});
    b.model().values[a]->dtype = fb::DType::I32;
    int32_t c = b.input("c", {6});
    b.model().values[c]->dtype = fb::DType::I32;
    AttrList attrs;
    if (k.fmod >= 0)
      attrs.push_back({"fmod", A::i({k.fmod})});
    int32_t y = b.op(k.op, {a, c}, {6}, attrs);
    b.model().values[y]->dtype = fb::DType::I32;
    b.output("y", y);
    auto session = runtime::Session::load(b.write("int_arith"));
    ASSERT_TRUE(session) << k.op << ": " << session.status().message();
    std::vector<int32_t> av = {7, -7, kMin, 5, 3, -1},
                         cv = {2, 2, -1, 0, -2, -3};
    auto out = session->run({{"a", {runtime::DType::kI32, {6}, av.data()}},
                             {"c", {runtime::DType::kI32, {6}, cv.data()}}});
    ASSERT_TRUE(out) << k.op << ": " << out.status().message();
    const runtime::Tensor &got = out->front().second;
    ASSERT_EQ(got.dtype(), runtime::DType::kI32);
    for (int i = 0; i < 6; ++i)
      EXPECT_EQ(got.dataAs<int32_t>()[i], k.want[i])
          << k.op << " fmod=" << k.fmod << " at " << i;
  }
}

TEST(OpSchema, ShapeRules) {
  using runtime::shapes::pooledDim;
  runtime::CheckedArith a;
  // PyTorch's ceil mode: the last window must start inside the input.
  EXPECT_EQ(pooledDim(a, 5, 2, 2, 1, 0, 0, false), 2);
  EXPECT_EQ(pooledDim(a, 5, 2, 2, 1, 0, 0, true), 3);
  EXPECT_EQ(pooledDim(a, 6, 2, 2, 1, 0, 1, true), 3);
  EXPECT_FALSE(a.overflowed());
  // Slices clamp, and a step past the dim takes one element.
  auto s = runtime::shapes::sliceAxis(5, -2, INT64_MAX, 1);
  EXPECT_EQ(s.begin, 3);
  EXPECT_EQ(s.extent, 2);
  s = runtime::shapes::sliceAxis(5, 4, INT64_MIN, -2);
  EXPECT_EQ(s.extent, 3);
  s = runtime::shapes::sliceAxis(5, 0, 5, int64_t(1) << 40);
  EXPECT_EQ(s.extent, 1);
  EXPECT_EQ(s.step, 5);
  s = runtime::shapes::sliceAxis(0, 0, 5, -1);
  EXPECT_EQ(s.extent, 0);
  runtime::CheckedArith b;
  b.mul(kMaxDim, kMaxDim * 16);
  EXPECT_TRUE(b.overflowed());
}

} // namespace
