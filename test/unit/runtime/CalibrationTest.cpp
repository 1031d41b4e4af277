//===- CalibrationTest.cpp - the ranges int8 quantizes to -----------------===//

#include "tlc/runtime/Calibration.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

using namespace tlc::runtime;

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

} // namespace
