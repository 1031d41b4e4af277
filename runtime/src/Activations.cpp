//===- Activations.cpp - vectorized transcendental activations ------------===//
//
// Written so that GCC vectorizes the loops (no calls, no branches), and
// compiled for AVX2 and baseline x86-64, the best chosen at load time
// (target_clones); on AVX-512, a hand-written loop (logisticAvx512).
//
//===----------------------------------------------------------------------===//

#include "Activations.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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
#define TLC_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define TLC_CLONES
#endif

// Below -87.3 the clamped exp would leave x * 1e-38 (1e-8 at -1e30): 0.
TLC_CLONES void silu(float *x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    x[i] = x[i] < -87.3f ? 0.f : x[i] / (1.f + expApprox(-x[i]));
}

TLC_CLONES void sigmoid(float *x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    x[i] = x[i] < -87.3f ? 0.f : 1.f / (1.f + expApprox(-x[i]));
}

#if defined(__x86_64__)
// GCC 12 reports the undefined first operand inside its own _mm512_max_ps
// and _mm512_min_ps as maybe uninitialized.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
/// The AVX-512 version: the division as a 14-bit reciprocal refined by one
/// Newton step (the division alone limited the loops above to about one
/// element per cycle), 2^n by vscalefps.
__attribute__((target("avx512f"))) void logisticAvx512(float *x, int64_t n,
                                                       bool timesX) {
  const __m512 one = _mm512_set1_ps(1.f), two = _mm512_set1_ps(2.f);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 m =
        n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    __m512 t = _mm512_sub_ps(_mm512_setzero_ps(), v); // exp(-v)
    t = _mm512_min_ps(_mm512_max_ps(t, _mm512_set1_ps(-87.3f)),
                      _mm512_set1_ps(88.3f));
    __m512 k = _mm512_roundscale_ps(
        _mm512_mul_ps(t, _mm512_set1_ps(1.44269504088896341f)),
        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), t);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, one));
    __m512 d = _mm512_add_ps(one, _mm512_scalef_ps(p, k));
    __m512 q = _mm512_rcp14_ps(d);
    q = _mm512_mul_ps(q, _mm512_fnmadd_ps(d, q, two)); // q (2 - d q)
    // Below -87.3 the clamped exp would leave x * 1e-38 (1e-8 at -1e30).
    q = _mm512_mask_blend_ps(
        _mm512_cmp_ps_mask(v, _mm512_set1_ps(-87.3f), _CMP_LT_OQ), q,
        _mm512_setzero_ps());
    _mm512_mask_storeu_ps(x + i, m, timesX ? _mm512_mul_ps(v, q) : q);
  }
}
#pragma GCC diagnostic pop
#endif

void logistic(float *x, int64_t n, bool timesX, bool allowAvx512) {
#if defined(__x86_64__)
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512 && allowAvx512)
    return logisticAvx512(x, n, timesX);
#else
  (void)allowAvx512;
#endif
  if (timesX)
    silu(x, n);
  else
    sigmoid(x, n);
}

} // namespace

void tlc::runtime::applyEpilogue(Epilogue kind, float *x, int64_t n,
                                 bool allowAvx512) {
  if (kind == Epilogue::kNone)
    return;
  // Blocks of 16 KiB: whole vectors, and enough of them to share out.
  constexpr int64_t kBlock = 4096;
  int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 4)
  for (int64_t b = 0; b < blocks; ++b) {
    float *start = x + b * kBlock;
    int64_t count = std::min(kBlock, n - b * kBlock);
    logistic(start, count, kind == Epilogue::kSilu, allowAvx512);
  }
}
