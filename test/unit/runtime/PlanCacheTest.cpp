//===- PlanCacheTest.cpp - plans per input shape stay within a budget -----===//
//
// A server with dynamic batching sees every batch size; the session keeps a
// plan per input shape, least recently used out first, so memory stays
// bounded whatever the sequence of shapes.
//
//===----------------------------------------------------------------------===//

#include "ArtifactBuilder.h"

#include "tlc/runtime/Session.h"

#include <gtest/gtest.h>

using namespace tlc;
using namespace tlc::test;

namespace {

constexpr int64_t kWidth = 1000; // floats per sample: 4000 bytes

std::string reluModel() {
  ArtifactBuilder b;
  int32_t x = b.input("x", {-1, kWidth});
  b.output("y", b.op("relu", {x}, {-1, kWidth}));
  return b.write("plan_cache_relu");
}

/// Runs batch `n` of -1, 0, 1, ... and checks the relu.
void runBatch(runtime::Session &session, int64_t n) {
  runtime::Tensor x(runtime::DType::kF32, {n, kWidth});
  for (int64_t i = 0; i < x.numElements(); ++i)
    x.dataAs<float>()[i] = static_cast<float>(i % 3) - 1.f;
  auto out = session.run({{"x", x}});
  ASSERT_TRUE(out) << out.status().toString();
  const float *y = (*out)[0].second.dataAs<float>();
  for (int64_t i = 0; i < x.numElements(); ++i)
    ASSERT_EQ(y[i], i % 3 == 2 ? 1.f : 0.f);
}

TEST(PlanCache, StaysWithinItsByteBudget) {
  runtime::SessionOptions options;
  options.planCacheBytes = 64 << 10;
  options.microBatch = 1 << 20; // one pass: no extra per-sample plans
  auto session = runtime::Session::load(reluModel(), options);
  ASSERT_TRUE(session) << session.status().toString();
  for (int64_t n = 1; n <= 40; ++n) {
    runBatch(*session, n);
    runtime::PlanCacheStats stats = session->planCacheStats();
    // Over budget only while the one plan just used is itself larger.
    if (stats.plans > 1)
      EXPECT_LE(stats.bytes, options.planCacheBytes) << "after batch " << n;
  }
  runtime::PlanCacheStats stats = session->planCacheStats();
  EXPECT_EQ(stats.misses, 40);
  EXPECT_GT(stats.evictions, 20);
  EXPECT_EQ(stats.budget, options.planCacheBytes);
  // A shape seen again after eviction is planned again, and still right.
  runBatch(*session, 1);
  EXPECT_EQ(session->planCacheStats().misses, 41);
  runBatch(*session, 1);
  EXPECT_EQ(session->planCacheStats().hits, 1);
}

TEST(PlanCache, KeepsAtMost64Plans) {
  runtime::SessionOptions options;
  options.microBatch = 1 << 20;
  auto session = runtime::Session::load(reluModel(), options);
  ASSERT_TRUE(session) << session.status().toString();
  for (int64_t n = 1; n <= 100; ++n)
    runBatch(*session, n);
  runtime::PlanCacheStats stats = session->planCacheStats();
  EXPECT_EQ(stats.plans, 64);
  EXPECT_EQ(stats.evictions, 36);
}

TEST(PlanCache, PlansShareThePreparedWeights) {
  // A 3x3 conv whose weights oneDNN wants in a blocked layout: reordered
  // once for the session, not once per plan.
  ArtifactBuilder b;
  int32_t x = b.input("x", {-1, 16, 8, 8});
  std::vector<float> w(32 * 16 * 3 * 3, 0.01f);
  b.output("y", b.op("conv", {x, b.weight({32, 16, 3, 3}, w)}, {-1, 32, 8, 8},
                     {{"strides", AttrValue::i({1, 1})},
                      {"pads", AttrValue::i({1, 1, 1, 1})},
                      {"dilations", AttrValue::i({1, 1})},
                      {"groups", AttrValue::i({1})},
                      {"activation", AttrValue::i({0})},
                      {"act_alpha", AttrValue::f({0})},
                      {"act_beta", AttrValue::f({0})}}));
  runtime::SessionOptions options;
  options.microBatch = 1 << 20;
  auto session = runtime::Session::load(b.write("plan_cache_conv"), options);
  ASSERT_TRUE(session) << session.status().toString();
  uint64_t first = 0;
  for (int64_t n : {2, 3, 4, 5}) {
    runtime::Tensor input(runtime::DType::kF32, {n, 16, 8, 8});
    auto out = session->run({{"x", input}});
    ASSERT_TRUE(out) << out.status().toString();
    uint64_t bytes = session->planCacheStats().weightBytes;
    if (!first)
      first = bytes;
    EXPECT_EQ(bytes, first) << "batch " << n;
  }
  EXPECT_GT(first, 0u) << "the weights were never reordered: the test needs "
                          "a conv whose primitive wants another layout";
  EXPECT_EQ(session->planCacheStats().plans, 4);
  // At most the weight in one blocked layout (padding aside).
  EXPECT_LE(first, 2 * w.size() * sizeof(float));
}

TEST(PlanCache, BadOptionsAreRefused) {
  runtime::SessionOptions options;
  options.threads = 2147483647;
  auto session = runtime::Session::load(reluModel(), options);
  ASSERT_FALSE(session);
  EXPECT_NE(session.status().message().find("threads"), std::string::npos);
  options.threads = 0;
  options.device = "tpu";
  session = runtime::Session::load(reluModel(), options);
  ASSERT_FALSE(session);
  EXPECT_NE(session.status().message().find("available: cpu"),
            std::string::npos)
      << session.status().message();
}

} // namespace
