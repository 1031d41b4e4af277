//===- RuntimeAttrsTest.cpp - attributes read from graph inputs -----------===//
//
// An ONNX model may give an op's parameters (Reshape's shape, Pad's pads,
// Slice's starts) as graph inputs. The artifact marks such an attribute
// with Attribute.from_value; the core reads the input's values when it
// plans, checks them as it checks stored attributes, and keys the plan on
// them. These tests pin that contract: the values take effect, a new value
// makes a new plan and a repeated one reuses it, bad values are refused
// with the kernel named, and a malformed reference is refused at load.
//
//===----------------------------------------------------------------------===//

#include "ArtifactBuilder.h"

#include "tlc/runtime/Session.h"

#include <gtest/gtest.h>

using namespace tlc;
using namespace tlc::test;
using runtime::DType;
using runtime::Tensor;
using Dims = std::vector<int64_t>;

namespace {

Tensor ints64(std::vector<int64_t> v) {
  Tensor t(DType::kI64, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.dataAs<int64_t>());
  return t;
}

Tensor floats(std::vector<int64_t> shape, std::vector<float> v) {
  Tensor t(DType::kF32, std::move(shape));
  std::copy(v.begin(), v.end(), t.dataAs<float>());
  return t;
}

runtime::StatusOr<runtime::Session> load(const ArtifactBuilder &b) {
  std::vector<uint8_t> bytes = b.bytes();
  return runtime::Session::loadFromMemory(bytes.data(), bytes.size(), {},
                                          "runtime_attrs.tlb");
}

/// y = reshape(x, shape) with `shape` a graph input of two int64.
ArtifactBuilder reshapeModel() {
  ArtifactBuilder b;
  int32_t x = b.input("x", {2, 6});
  int32_t shape = b.input("shape", {2}, fb::DType::I64);
  b.output("y",
           b.op("reshape", {x}, {-1, -1}, {{"shape", AttrValue::from(shape)}}));
  return b;
}

TEST(RuntimeAttrs, ReshapeTakesItsShapeFromAnInput) {
  auto session = load(reshapeModel());
  ASSERT_TRUE(session) << session.status().toString();
  std::vector<float> data(12);
  for (int i = 0; i < 12; ++i)
    data[i] = static_cast<float>(i);
  Tensor x = floats({2, 6}, data);
  for (auto [shape, want] :
       std::vector<std::pair<std::vector<int64_t>, Dims>>{{{3, 4}, {3, 4}},
                                                          {{-1, 2}, {6, 2}},
                                                          {{0, -1}, {2, 6}},
                                                          {{3, 4}, {3, 4}}}) {
    auto out = session->run({{"x", x}, {"shape", ints64(shape)}});
    ASSERT_TRUE(out) << out.status().toString();
    const Tensor &y = (*out)[0].second;
    EXPECT_EQ(y.shape(), want);
    for (int i = 0; i < 12; ++i)
      ASSERT_EQ(y.dataAs<float>()[i], data[i]);
  }
  // One plan per distinct value; the repeated [3, 4] reused its plan.
  runtime::PlanCacheStats stats = session->planCacheStats();
  EXPECT_EQ(stats.misses, 3);
  EXPECT_EQ(stats.hits, 1);
}

TEST(RuntimeAttrs, RefusesBadValuesWithTheKernelNamed) {
  auto session = load(reshapeModel());
  ASSERT_TRUE(session) << session.status().toString();
  Tensor x(DType::kF32, {2, 6});
  auto wrongCount = session->run({{"x", x}, {"shape", ints64({5, 5})}});
  ASSERT_FALSE(wrongCount);
  EXPECT_NE(wrongCount.status().message().find("kernel 0 'reshape'"),
            std::string::npos)
      << wrongCount.status().message();
  EXPECT_NE(wrongCount.status().message().find("cannot view"),
            std::string::npos);
  // Outside the attribute's range, checked as for a stored attribute.
  auto outOfRange = session->run({{"x", x}, {"shape", ints64({-7, 2})}});
  ASSERT_FALSE(outOfRange);
  EXPECT_NE(
      outOfRange.status().message().find("attribute 'shape' has value -7"),
      std::string::npos)
      << outOfRange.status().message();
  // A refused value leaves the session usable.
  EXPECT_TRUE(session->run({{"x", x}, {"shape", ints64({12, 1})}}));
}

TEST(RuntimeAttrs, PadReadsIntegerAndFloatParameters) {
  ArtifactBuilder b;
  int32_t x = b.input("x", {1, 2});
  int32_t pads = b.input("pads", {4}, fb::DType::I64);
  int32_t value = b.input("value", {}, fb::DType::F32);
  b.output("y", b.op("pad", {x}, {-1, -1},
                     {{"pads", AttrValue::from(pads)},
                      {"mode", AttrValue::i({0})},
                      {"value", AttrValue::from(value)}}));
  auto session = load(b);
  ASSERT_TRUE(session) << session.status().toString();
  auto out = session->run({{"x", floats({1, 2}, {1.f, 2.f})},
                           {"pads", ints64({0, 1, 0, 2})},
                           {"value", floats({}, {7.f})}});
  ASSERT_TRUE(out) << out.status().toString();
  const Tensor &y = (*out)[0].second;
  ASSERT_EQ(y.shape(), (Dims{1, 5}));
  std::vector<float> got(y.dataAs<float>(), y.dataAs<float>() + 5);
  EXPECT_EQ(got, (std::vector<float>{7.f, 1.f, 2.f, 7.f, 7.f}));
}

TEST(RuntimeAttrs, SliceReadsInt32Starts) {
  ArtifactBuilder b;
  int32_t x = b.input("x", {6});
  int32_t starts = b.input("starts", {1}, fb::DType::I32);
  b.output("y", b.op("slice", {x}, {-1},
                     {{"starts", AttrValue::from(starts)},
                      {"ends", AttrValue::i({6})},
                      {"axes", AttrValue::i({0})},
                      {"steps", AttrValue::i({2})}}));
  auto session = load(b);
  ASSERT_TRUE(session) << session.status().toString();
  Tensor s(DType::kI32, {1});
  s.dataAs<int32_t>()[0] = 1;
  auto out = session->run(
      {{"x", floats({6}, {0.f, 1.f, 2.f, 3.f, 4.f, 5.f})}, {"starts", s}});
  ASSERT_TRUE(out) << out.status().toString();
  const Tensor &y = (*out)[0].second;
  ASSERT_EQ(y.shape(), (Dims{3}));
  EXPECT_EQ(y.dataAs<float>()[2], 5.f);
}

/// Loading `b` fails with a message containing `want`.
void expectRefused(const ArtifactBuilder &b, const std::string &want) {
  auto session = load(b);
  ASSERT_FALSE(session);
  EXPECT_NE(session.status().message().find(want), std::string::npos)
      << session.status().message();
}

TEST(RuntimeAttrs, RefusesMalformedReferencesAtLoad) {
  {
    ArtifactBuilder b; // a weight is not a graph input
    int32_t x = b.input("x", {2, 6});
    int32_t w = b.weight({2}, {3.f, 4.f});
    b.output("y",
             b.op("reshape", {x}, {-1, -1}, {{"shape", AttrValue::from(w)}}));
    expectRefused(b, "is not a graph input");
  }
  {
    ArtifactBuilder b; // past the values
    int32_t x = b.input("x", {2, 6});
    b.output("y",
             b.op("reshape", {x}, {-1, -1}, {{"shape", AttrValue::from(99)}}));
    expectRefused(b, "is not a graph input");
  }
  {
    ArtifactBuilder b; // floats for an integer attribute
    int32_t x = b.input("x", {2, 6});
    int32_t shape = b.input("shape", {2}, fb::DType::F32);
    b.output("y", b.op("reshape", {x}, {-1, -1},
                       {{"shape", AttrValue::from(shape)}}));
    expectRefused(b, "it takes int64 or int32");
  }
  {
    ArtifactBuilder b; // a dynamic count
    int32_t x = b.input("x", {2, 6});
    int32_t shape = b.input("shape", {-1}, fb::DType::I64);
    b.output("y", b.op("reshape", {x}, {-1, -1},
                       {{"shape", AttrValue::from(shape)}}));
    expectRefused(b, "a static list");
  }
  {
    ArtifactBuilder b; // both stored and read
    int32_t x = b.input("x", {2, 6});
    int32_t shape = b.input("shape", {2}, fb::DType::I64);
    AttrValue both = AttrValue::from(shape);
    both.ints = {3, 4};
    b.output("y", b.op("reshape", {x}, {-1, -1}, {{"shape", both}}));
    expectRefused(b, "also stores values");
  }
}

} // namespace
