//===- Int8Test.cpp - calibration ranges, and int8 artifacts refused ------===//

#include "ArtifactBuilder.h"

#include "tlc/runtime/Calibration.h"
#include "tlc/runtime/Session.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

using namespace tlc::runtime;
using tlc::test::ArtifactBuilder;
using tlc::test::AttrValue;
namespace fb = tlc::schema;

namespace {

TEST(RangeObserver, MinMaxOverBatches) {
  RangeObserver r;
  std::vector<float> a = {0.5f, -0.25f, 0.f}, b = {3.f, 1.f};
  r.observe(a.data(), a.size());
  r.observe(b.data(), b.size());
  EXPECT_EQ(r.min(), -0.25f);
  EXPECT_EQ(r.max(), 3.f);
  EXPECT_EQ(r.count(), 5);
  EXPECT_EQ(r.magnitudeAt(100), 3.f);
}

TEST(RangeObserver, PercentileClipsRareOutliers) {
  // 9999 values in [0, 1) and one of 100: the 99.9th percentile of the
  // magnitudes lies within a bin of 1, far below the outlier; the range
  // grew after the first batch, so its bins merged.
  RangeObserver r;
  std::vector<float> small(9999);
  for (size_t i = 0; i < small.size(); ++i)
    small[i] = static_cast<float>(i) / small.size();
  r.observe(small.data(), small.size());
  float outlier = 100.f;
  r.observe(&outlier, 1);
  float clip = r.magnitudeAt(99.9);
  EXPECT_GT(clip, 0.99f);
  EXPECT_LT(clip, 1.f + 128.f / RangeObserver::kBins); // one merged bin
  EXPECT_EQ(r.magnitudeAt(100), 100.f);
}

TEST(RangeObserver, ZerosAndNonFiniteValues) {
  RangeObserver r;
  std::vector<float> zeros(10, 0.f);
  r.observe(zeros.data(), zeros.size());
  EXPECT_EQ(r.magnitudeAt(99.99), 0.f);
  std::vector<float> bad = {std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity()};
  r.observe(bad.data(), bad.size()); // says nothing about the range
  EXPECT_EQ(r.max(), 0.f);
  EXPECT_EQ(r.count(), 10);
  std::vector<float> later = {-2.f};
  r.observe(later.data(), later.size());
  EXPECT_EQ(r.min(), -2.f);
  // 10 zeros and one -2: the 90th percentile is zero's bin.
  EXPECT_LT(r.magnitudeAt(90), 2.f / RangeObserver::kBins * 1.01f);
  EXPECT_EQ(r.magnitudeAt(99.99), 2.f);
}

/// A 1x1 conv [1, 2, 2, 2] -> 2 channels as compiled for int8, with its
/// weight's quantization changed by `damage`; the error of its first run.
template <typename Damage> std::string runDamagedInt8Conv(Damage damage) {
  ArtifactBuilder b;
  int32_t x = b.input("x", {1, 2, 2, 2});
  int32_t w = b.weight({2, 2, 1, 1}, {0.5f, -1.f, 0.25f, 1.f});
  int32_t y = b.op("conv", {x, w, -1, -1}, {1, 2, 2, 2},
                   {{"strides", AttrValue::i({1, 1})},
                    {"pads", AttrValue::i({0, 0, 0, 0})},
                    {"dilations", AttrValue::i({1, 1})},
                    {"groups", AttrValue::i({1})},
                    {"activation", AttrValue::i({0})},
                    {"act_alpha", AttrValue::f({0.f})},
                    {"act_beta", AttrValue::f({0.f})}});
  b.output("y", y);
  std::vector<uint8_t> bytes = b.bytesInInt8({{x, -1.f, 1.f}});
  std::unique_ptr<fb::ModelT> model(fb::GetModel(bytes.data())->UnPack());
  for (auto &weight : model->weights)
    if (weight->quantization)
      damage(*weight->quantization);
  flatbuffers::FlatBufferBuilder fbb;
  fb::FinishModelBuffer(fbb, fb::Model::Pack(fbb, model.get()));
  auto session = Session::loadFromMemory(fbb.GetBufferPointer(), fbb.GetSize(),
                                         {}, "damaged");
  if (!session)
    return session.status().message();
  std::vector<float> input(8, 0.5f);
  auto out = session->run({{"x", {DType::kF32, {1, 2, 2, 2}, input.data()}}});
  return out ? std::string() : out.status().message();
}

TEST(Int8Artifacts, RunsTheUndamagedConv) {
  EXPECT_EQ(runDamagedInt8Conv([](fb::QuantizationT &) {}), "");
}

TEST(Int8Artifacts, RefusesZeroPointsAndOtherAxes) {
  // A zero point the backend would ignore, and scales along the input
  // channels (as many: the verifier accepts them), are refused with a
  // reason, not computed wrongly.
  std::string zero = runDamagedInt8Conv([](fb::QuantizationT &q) {
    q.zero_point = {3, 0};
  });
  EXPECT_NE(zero.find("one scale per output channel and no zero point"),
            std::string::npos)
      << zero;
  std::string axis =
      runDamagedInt8Conv([](fb::QuantizationT &q) { q.axis = 1; });
  EXPECT_NE(axis.find("one scale per output channel"), std::string::npos)
      << axis;
}

} // namespace
