//===- Activations.cpp - vectorized transcendental activations ------------===//
//
// Written so that GCC vectorizes the loops (no calls, no branches), and
// compiled for AVX2 with FMA and for baseline x86-64, the best chosen by the
// CPU's features; on AVX-512, a hand-written loop (logisticAvx512).
//
//===----------------------------------------------------------------------===//

#include "Activations.h"

#include "tlc/runtime/DType.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include <omp.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace tlc::runtime;

namespace {

// exp(r) on [-ln2/2, ln2/2] as 1 + r (c1 + r (c2 + r (c3 + r (c4 + r c5)))):
// oneDNN's minimax coefficients, relative error 9.2e-8.
constexpr float kExpC1 = 0.999999701f, kExpC2 = 0.499991506f,
                kExpC3 = 0.166676521f, kExpC4 = 0.0418978221f,
                kExpC5 = 0.00828929059f;
// ln2 in two parts (Cody-Waite): n * kLn2Hi is exact for |n| < 2^9.
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kLog2e = 1.44269504088896341f;

/// exp(x) for x in [-87.3, 88.3] (clamped; NaN counts as -87.3, so that n
/// below is always a small integer): x = n ln2 + r, 2^n from the exponent
/// bits. Always inlined: GCC inlines nothing of another -march into the
/// target_clones below, and a call per element kept their loops scalar
/// (5 ns an element on an AVX2 Zen, against 0.4 ns vectorized).
__attribute__((always_inline)) inline float expApprox(float x) {
  x = x > -87.3f ? x : -87.3f;
  x = x < 88.3f ? x : 88.3f;
  // Round to nearest: adding 1.5 * 2^23 leaves the integer part.
  float n = (x * kLog2e + 12582912.f) - 12582912.f;
  float r = x - n * kLn2Hi - n * kLn2Lo;
  float p = kExpC5;
  p = p * r + kExpC4;
  p = p * r + kExpC3;
  p = p * r + kExpC2;
  p = p * r + kExpC1;
  p = p * r + 1.f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/// silu (x * sigmoid(x)) or sigmoid in place. Below -87.3 the clamped exp
/// would leave x * 1e-38 (1e-8 at -1e30): 0; NaN stays NaN (expApprox does
/// not pass it on). The division is computed for every element and the
/// result selected after: GCC does not vectorize a loop that divides on one
/// branch only (nor, with its default -ftrapping-math, one that clamps: this
/// file is compiled with -fno-trapping-math). Inlined into one copy per ISA.
template <bool TimesX>
__attribute__((always_inline)) inline void logisticLoop(float *x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i], q = 1.f / (1.f + expApprox(-v));
    float y = TimesX ? v * q : q;
    x[i] = !TimesX && v != v ? v : v < -87.3f ? 0.f : y;
  }
}

void logisticBaseline(float *x, int64_t n, bool timesX) {
  timesX ? logisticLoop<true>(x, n) : logisticLoop<false>(x, n);
}

#if defined(__x86_64__)
/// The same for AVX2 with FMA, chosen by the CPU's features (GCC's
/// target_clones("arch=haswell") dispatched on the CPU model, which no AMD
/// CPU matched: they ran the baseline loop, 15x slower).
__attribute__((target("avx2,fma"))) void logisticAvx2(float *x, int64_t n,
                                                      bool timesX) {
  timesX ? logisticLoop<true>(x, n) : logisticLoop<false>(x, n);
}
#endif

#if defined(__x86_64__)
// GCC 12 reports the undefined first operand inside its own _mm512_max_ps
// and _mm512_min_ps as maybe uninitialized.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
/// The AVX-512 version: 17 instructions per 16 elements. The division is
/// a 14-bit reciprocal refined by one Newton step (the division alone
/// limited the loops above to about one element per cycle), 2^n is
/// vscalefps, and inputs below -87.3 are masked to 0 at the end rather
/// than clamped first.
__attribute__((target("avx512f"))) inline __m512 logistic16(__m512 v,
                                                            bool timesX) {
  const __m512 one = _mm512_set1_ps(1.f), two = _mm512_set1_ps(2.f);
  // t = -v, at least -88 (exp(-88) leaves 1 + exp(-88) = 1). min(88, v)
  // returns v when v is NaN, which then flows through to the result.
  __m512 u = _mm512_min_ps(_mm512_set1_ps(88.f), v);
  __m512 k =
      _mm512_roundscale_ps(_mm512_mul_ps(u, _mm512_set1_ps(-kLog2e)),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmsub_ps(k, _mm512_set1_ps(kLn2Hi), u); // -u - k ln2
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kExpC5);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpC4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpC3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpC2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpC1));
  p = _mm512_fmadd_ps(p, r, one);
  __m512 d = _mm512_add_ps(one, _mm512_scalef_ps(p, k)); // 1 + exp(-v)
  __m512 q = _mm512_rcp14_ps(d);
  q = _mm512_mul_ps(q, _mm512_fnmadd_ps(d, q, two)); // q (2 - d q)
  // Below -87.3, exp(-v) overflows: the result is 0 (x * 1e-38 at best).
  __mmask16 keep = _mm512_cmp_ps_mask(v, _mm512_set1_ps(-87.3f), _CMP_NLT_UQ);
  return timesX ? _mm512_maskz_mul_ps(keep, v, q)
                : _mm512_maskz_mov_ps(keep, q);
}

__attribute__((target("avx512f"))) void logisticAvx512(float *x, int64_t n,
                                                       bool timesX) {
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 m =
        n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    _mm512_mask_storeu_ps(x + i, m, logistic16(v, timesX));
  }
}

/// The same on bf16 values in place: widened by a shift, rounded back to
/// nearest even by vcvtneps2bf16 (AVX512-BF16).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void
logisticBf16Avx512(uint16_t *x, int64_t n, bool timesX) {
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 m =
        n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    __m256i h = _mm256_maskz_loadu_epi16(m, x + i);
    __m512 v =
        _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    __m256bh y = _mm512_cvtneps_pbh(logistic16(v, timesX));
    _mm256_mask_storeu_epi16(x + i, m, reinterpret_cast<__m256i &>(y));
  }
}
#pragma GCC diagnostic pop
#endif

void logistic(float *x, int64_t n, bool timesX, bool allowAvx512) {
#if defined(__x86_64__)
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  static const bool avx2 =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx512 && allowAvx512)
    return logisticAvx512(x, n, timesX);
  if (avx2)
    return logisticAvx2(x, n, timesX);
#else
  (void)allowAvx512;
#endif
  logisticBaseline(x, n, timesX);
}

} // namespace

bool tlc::runtime::epiloguesBeatPostOps() {
#if defined(__x86_64__)
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512;
#else
  return false;
#endif
}

namespace {

/// Elements a block of the passes below works on: 16 KiB of floats, whole
/// vectors, and enough blocks to share out.
constexpr int64_t kBlock = 4096;

/// Widening and narrowing a block of a tensor: floats are worked on in
/// place, bf16 through a float buffer.
inline float *widened(float *x, int64_t, float *) { return x; }
inline float *widened(uint16_t *x, int64_t n, float *buffer) {
  for (int64_t i = 0; i < n; ++i)
    buffer[i] = bf16ToFloat(x[i]);
  return buffer;
}
inline void narrow(const float *, int64_t, float *) {}
inline void narrow(const float *buffer, int64_t n, uint16_t *x) {
  for (int64_t i = 0; i < n; ++i)
    x[i] = floatToBf16(buffer[i]);
}

/// Whether bf16 values can be activated in place (logisticBf16Avx512).
bool inPlaceBf16(bool allowAvx512) {
#if defined(__x86_64__)
  static const bool bf16 = __builtin_cpu_supports("avx512bf16");
  return bf16 && allowAvx512;
#else
  (void)allowAvx512;
  return false;
#endif
}

template <typename T>
void epilogue(Epilogue kind, T *x, int64_t n, bool allowAvx512) {
  if (kind == Epilogue::kNone)
    return;
  int64_t blocks = (n + kBlock - 1) / kBlock;
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, uint16_t>)
    if (inPlaceBf16(allowAvx512)) {
#pragma omp parallel for schedule(static) if (blocks > 4)
      for (int64_t b = 0; b < blocks; ++b)
        logisticBf16Avx512(x + b * kBlock, std::min(kBlock, n - b * kBlock),
                           kind == Epilogue::kSilu);
      return;
    }
#endif
#pragma omp parallel for schedule(static) if (blocks > 4)
  for (int64_t b = 0; b < blocks; ++b) {
    alignas(64) float buffer[std::is_same_v<T, float> ? 1 : kBlock];
    int64_t count = std::min(kBlock, n - b * kBlock);
    float *block = widened(x + b * kBlock, count, buffer);
    logistic(block, count, kind == Epilogue::kSilu, allowAvx512);
    narrow(block, count, x + b * kBlock);
  }
}

} // namespace

void tlc::runtime::applyEpilogue(Epilogue kind, float *x, int64_t n,
                                 bool allowAvx512) {
  epilogue(kind, x, n, allowAvx512);
}

void tlc::runtime::applyEpilogue(Epilogue kind, uint16_t *x, int64_t n,
                                 bool allowAvx512) {
  epilogue(kind, x, n, allowAvx512);
}

namespace {

/// acc[k] = fold (sum or max) of pixels [first, last) of channel k, each
/// pixel a row of `channels` floats; with `start`, acc is first set to
/// pixel `first`. Four rows a step: a quarter of the loads and stores of acc.
template <bool Max>
void foldPixels(const float *x, int64_t first, int64_t last, int64_t channels,
                bool start, float *acc) {
  int64_t p = first, c = channels;
  if (start) {
    std::copy(x + p * c, x + (p + 1) * c, acc);
    ++p;
  }
  for (; p + 4 <= last; p += 4) {
    const float *r = x + p * c;
    for (int64_t k = 0; k < c; ++k)
      acc[k] =
          Max ? std::max({acc[k], r[k], r[c + k], r[2 * c + k], r[3 * c + k]})
              : acc[k] + ((r[k] + r[c + k]) + (r[2 * c + k] + r[3 * c + k]));
  }
  for (; p < last; ++p)
    for (int64_t k = 0; k < c; ++k)
      acc[k] = Max ? std::max(acc[k], x[p * c + k]) : acc[k] + x[p * c + k];
}

template <typename T>
void epilogueAndPool(Epilogue kind, T *x, int64_t images, int64_t pixels,
                     int64_t channels, bool isMax, float *pooled) {
  if (images <= 0 || pixels <= 0 || channels <= 0)
    return;
  // Tasks of (image, run of pixels); with fewer images than threads each
  // image's pixels are split in `parts` (of 16 pixels or more), whose
  // results are combined after. Every task reads whole pixels.
  bool parallel = images * pixels * channels > 4 * 4096;
  int64_t threads = parallel ? omp_get_max_threads() : 1;
  int64_t parts = std::clamp<int64_t>((threads + images - 1) / images, 1,
                                      std::max<int64_t>(pixels / 16, 1));
  std::vector<float> partials(images * parts * channels);
  // Blocks of whole pixels, about 16 KiB: activated, then folded from L1.
  int64_t block = std::max<int64_t>(1, kBlock / channels);
  bool timesX = kind == Epilogue::kSilu;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t task = 0; task < images * parts; ++task) {
    int64_t image = task / parts, part = task % parts;
    int64_t first = pixels * part / parts, last = pixels * (part + 1) / parts;
    float *acc = partials.data() + task * channels;
    T *start = x + image * pixels * channels;
    std::vector<float> buffer(std::is_same_v<T, float> ? 0 : block * channels);
    for (int64_t p = first; p < last; p += block) {
      int64_t end = std::min(p + block, last), count = (end - p) * channels;
      T *block = start + p * channels;
      bool activate = kind != Epilogue::kNone;
#if defined(__x86_64__)
      if constexpr (std::is_same_v<T, uint16_t>)
        if (activate && inPlaceBf16(true)) {
          logisticBf16Avx512(block, count, timesX);
          activate = false; // done: widened below as it is
        }
#endif
      float *rows = widened(block, count, buffer.data());
      if (activate) {
        logistic(rows, count, timesX, true);
        narrow(rows, count, block);
      }
      if (isMax)
        foldPixels<true>(rows, 0, end - p, channels, p == first, acc);
      else
        foldPixels<false>(rows, 0, end - p, channels, p == first, acc);
    }
  }
  float scale = isMax ? 1.f : 1.f / static_cast<float>(pixels);
  for (int64_t image = 0; image < images; ++image) {
    const float *partial = partials.data() + image * parts * channels;
    for (int64_t k = 0; k < channels; ++k) {
      float acc = partial[k];
      for (int64_t part = 1; part < parts; ++part)
        acc = isMax ? std::max(acc, partial[part * channels + k])
                    : acc + partial[part * channels + k];
      pooled[image * channels + k] = acc * scale;
    }
  }
}

} // namespace

void tlc::runtime::applyEpilogueAndPool(Epilogue kind, float *x, int64_t images,
                                        int64_t pixels, int64_t channels,
                                        bool isMax, float *pooled) {
  epilogueAndPool(kind, x, images, pixels, channels, isMax, pooled);
}

void tlc::runtime::applyEpilogueAndPool(Epilogue kind, uint16_t *x,
                                        int64_t images, int64_t pixels,
                                        int64_t channels, bool isMax,
                                        float *pooled) {
  epilogueAndPool(kind, x, images, pixels, channels, isMax, pooled);
}
