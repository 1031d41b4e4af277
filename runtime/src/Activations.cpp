//===- Activations.cpp - vectorized transcendental activations ------------===//
//
// Written so that GCC vectorizes the loops (no calls, no branches), and
// compiled for AVX-512, AVX2 and baseline x86-64, the best chosen at load
// time (target_clones).
//
//===----------------------------------------------------------------------===//

#include "Activations.h"

#include <algorithm>
#include <cstring>

using namespace tlc::runtime;

namespace {

/// exp(x) for x in [-87.3, 88.3] (clamped): x = n ln2 + r, exp(r) by
/// Cephes' degree-6 polynomial, 2^n from the exponent bits.
inline float expApprox(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.3f ? 88.3f : x;
  // Round to nearest: adding 1.5 * 2^23 leaves the integer part.
  float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  float r = x - n * 0.693359375f; // ln2 in two parts (Cody-Waite)
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define TLC_CLONES                                                             \
  __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#else
#define TLC_CLONES
#endif

TLC_CLONES void silu(float *x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    x[i] = x[i] / (1.f + expApprox(-x[i]));
}

TLC_CLONES void sigmoid(float *x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    x[i] = 1.f / (1.f + expApprox(-x[i]));
}

} // namespace

void tlc::runtime::applyEpilogue(Epilogue kind, float *x, int64_t n) {
  if (kind == Epilogue::kNone)
    return;
  // Blocks of 16 KiB: whole vectors, and enough of them to share out.
  constexpr int64_t kBlock = 4096;
  int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 4)
  for (int64_t b = 0; b < blocks; ++b) {
    float *start = x + b * kBlock;
    int64_t count = std::min(kBlock, n - b * kBlock);
    if (kind == Epilogue::kSilu)
      silu(start, count);
    else
      sigmoid(start, count);
  }
}
