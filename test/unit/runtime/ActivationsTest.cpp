//===- ActivationsTest.cpp - the vectorized SiLU and sigmoid --------------===//

#include "Activations.h"

#include "tlc/runtime/DType.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace tlc::runtime;

namespace {

/// -100..100 in steps of 1/64, the extremes, and lengths that leave every
/// possible tail after whole vectors.
std::vector<float> samples() {
  std::vector<float> x;
  for (int i = -6400; i <= 6400; ++i)
    x.push_back(i / 64.f);
  for (float v :
       {-1e30f, -88.7f, -87.f, -1e-30f, 0.f, 1e-30f, 87.f, 88.7f, 1e30f})
    x.push_back(v);
  return x;
}

/// Both the AVX-512 loop (where the CPU has it) and the portable ones.
void expectClose(Epilogue kind, double (*reference)(double)) {
  std::vector<float> x = samples();
  for (bool avx512 : {true, false})
    for (size_t n : {x.size(), size_t(1), size_t(15), size_t(17), size_t(33)}) {
      std::vector<float> y(x.begin(), x.begin() + n);
      applyEpilogue(kind, y.data(), static_cast<int64_t>(n), avx512);
      for (size_t i = 0; i < n; ++i) {
        double want = reference(x[i]);
        // Relative error, or absolute where the value is all but zero.
        double err = std::fabs(y[i] - want) / std::max(std::fabs(want), 1e-30);
        EXPECT_TRUE(err < 1e-6 || std::fabs(y[i] - want) < 1e-30)
            << "x = " << x[i] << ": " << y[i] << ", want " << want
            << (avx512 ? "" : " (portable loop)");
      }
    }
}

/// On bf16 values: the f32 result, rounded to nearest even, give or take
/// one bf16 step (the f32 result is within 1e-6 of exact, so rounding it
/// and rounding the exact value differ at most there). In place with
/// AVX512-BF16 where the CPU has it, through f32 otherwise; and with the
/// global pool that shares the pass, whose means are of the activated
/// values before rounding.
float rounded(double v) { return bf16ToFloat(floatToBf16(float(v))); }

void expectCloseBf16(Epilogue kind, double (*reference)(double)) {
  std::vector<float> x = samples();
  std::vector<uint16_t> bits;
  for (float v : x)
    bits.push_back(floatToBf16(v));
  for (bool avx512 : {true, false}) {
    std::vector<uint16_t> y = bits;
    applyEpilogue(kind, y.data(), static_cast<int64_t>(y.size()), avx512);
    for (size_t i = 0; i < y.size(); ++i) {
      float want = rounded(reference(bf16ToFloat(bits[i])));
      float got = bf16ToFloat(y[i]);
      EXPECT_TRUE(std::fabs(got - want) <= std::fabs(want) / 128 ||
                  std::fabs(got - want) < 1e-30)
          << "x = " << bf16ToFloat(bits[i]) << ": " << got << ", want " << want
          << (avx512 ? "" : " (portable loop)");
    }
  }
  // 3 images of 50 pixels of 24 channels, activated and mean-pooled.
  std::vector<uint16_t> map(bits.begin(), bits.begin() + 3 * 50 * 24);
  std::vector<float> means(3 * 24);
  applyEpilogueAndPool(kind, map.data(), 3, 50, 24, false, means.data());
  for (int64_t image = 0; image < 3; ++image)
    for (int64_t c = 0; c < 24; ++c) {
      double sum = 0;
      for (int64_t p = 0; p < 50; ++p)
        sum += reference(bf16ToFloat(bits[(image * 50 + p) * 24 + c]));
      EXPECT_NEAR(means[image * 24 + c], sum / 50, 1e-5 * (1 + std::fabs(sum)));
      // The map itself is activated too.
      size_t i = (image * 50 + 7) * 24 + c;
      float want = rounded(reference(bf16ToFloat(bits[i])));
      EXPECT_NEAR(bf16ToFloat(map[i]), want, std::fabs(want) / 128 + 1e-30);
    }
}

TEST(Activations, SiluOnBf16) {
  expectCloseBf16(Epilogue::kSilu,
                  [](double v) { return v / (1 + std::exp(-v)); });
}

TEST(Activations, SigmoidOnBf16) {
  expectCloseBf16(Epilogue::kSigmoid,
                  [](double v) { return 1 / (1 + std::exp(-v)); });
}

TEST(Activations, SiluMatchesTheDefinition) {
  expectClose(Epilogue::kSilu, [](double v) { return v / (1 + std::exp(-v)); });
}

TEST(Activations, SigmoidMatchesTheDefinition) {
  expectClose(Epilogue::kSigmoid,
              [](double v) { return 1 / (1 + std::exp(-v)); });
}

TEST(Activations, InfinitiesAndNaN) {
  const float inf = INFINITY, nan = NAN;
  for (bool avx512 : {true, false}) {
    std::vector<float> silu = {inf, -inf, nan}, sigmoid = silu;
    applyEpilogue(Epilogue::kSilu, silu.data(), 3, avx512);
    applyEpilogue(Epilogue::kSigmoid, sigmoid.data(), 3, avx512);
    EXPECT_EQ(silu[0], inf) << avx512;
    EXPECT_EQ(silu[1], 0.f) << avx512;
    EXPECT_TRUE(std::isnan(silu[2])) << avx512;
    EXPECT_EQ(sigmoid[0], 1.f) << avx512;
    EXPECT_EQ(sigmoid[1], 0.f) << avx512;
    EXPECT_TRUE(std::isnan(sigmoid[2])) << avx512;
  }
}

// The fused pool: the same activations as applyEpilogue, and per image the
// mean (or max) over pixels of each channel, with pixels split over threads.
TEST(Activations, EpilogueAndPoolPoolsTheResult) {
  const int64_t images = 3, pixels = 37 * 41, channels = 24;
  std::vector<float> x(images * pixels * channels);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(i * 0.37f) * 6.f;
  for (Epilogue kind : {Epilogue::kNone, Epilogue::kSilu, Epilogue::kSigmoid})
    for (bool isMax : {false, true})
      for (int64_t n : {int64_t(1), images}) {
        std::vector<float> fused(x.begin(), x.begin() + n * pixels * channels);
        std::vector<float> plain = fused, pooled(n * channels);
        applyEpilogueAndPool(kind, fused.data(), n, pixels, channels, isMax,
                             pooled.data());
        applyEpilogue(kind, plain.data(), static_cast<int64_t>(plain.size()));
        ASSERT_EQ(fused, plain);
        for (int64_t b = 0; b < n; ++b)
          for (int64_t c = 0; c < channels; ++c) {
            double sum = 0, max = -INFINITY;
            for (int64_t p = 0; p < pixels; ++p) {
              float v = plain[(b * pixels + p) * channels + c];
              sum += v;
              max = std::max<double>(max, v);
            }
            EXPECT_NEAR(pooled[b * channels + c], isMax ? max : sum / pixels,
                        1e-5)
                << "image " << b << ", channel " << c << (isMax ? ", max" : "");
          }
      }
}

TEST(Activations, NoneLeavesTheBufferAlone) {
  std::vector<float> x = samples(), y = x;
  applyEpilogue(Epilogue::kNone, y.data(), static_cast<int64_t>(y.size()));
  EXPECT_EQ(x, y);
}

TEST(Activations, LargeBuffersSplitAcrossThreadsGiveTheSameValues) {
  std::vector<float> x;
  for (int i = 0; i < 100000; ++i)
    x.push_back(std::sin(i * 0.01f) * 20.f);
  std::vector<float> whole = x;
  applyEpilogue(Epilogue::kSilu, whole.data(),
                static_cast<int64_t>(whole.size()));
  for (size_t i = 0; i < x.size(); i += 4096) { // block by block
    std::vector<float> part(x.begin() + i,
                            x.begin() + std::min(x.size(), i + 4096));
    applyEpilogue(Epilogue::kSilu, part.data(),
                  static_cast<int64_t>(part.size()));
    for (size_t j = 0; j < part.size(); ++j)
      ASSERT_EQ(part[j], whole[i + j]);
  }
}

} // namespace
