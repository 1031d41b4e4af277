//===- Activations.h - vectorized transcendental activations ----*- C++ -*-===//
//
// SiLU and sigmoid over a float (or bf16) buffer, in place, on all threads.
// On AVX-512, conv and fc apply them after their primitive instead of as
// oneDNN post-ops: there oneDNN 2.6's post-ops cost two to three times a
// separate pass (a 1x1 conv to 96x112x112 on one core: 0.23 ms plain, 1.05 ms
// with a swish post-op, 0.58 ms with this pass after it). On AVX2 the
// post-op is the faster (EfficientNet-B0 on a Zen: 9.6 ms against 10.9).
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_ACTIVATIONS_H
#define TLC_RUNTIME_ACTIVATIONS_H

#include <cstdint>

namespace tlc::runtime {

enum class Epilogue { kNone, kSilu, kSigmoid };

/// x[i] = f(x[i]) for i < n. Relative error below 1e-6 against the exact
/// function (Cephes' expf polynomial); 0 where x < -87.3. `allowAvx512`
/// false takes the portable loops even on an AVX-512 machine (for tests).
void applyEpilogue(Epilogue kind, float *x, int64_t n, bool allowAvx512 = true);
/// The same on bf16 values (their bits), computed in f32 and rounded back.
void applyEpilogue(Epilogue kind, uint16_t *x, int64_t n,
                   bool allowAvx512 = true);

/// Whether applyEpilogue after a primitive is faster than oneDNN's
/// swish/logistic post-op in it: on CPUs with AVX-512.
bool epiloguesBeatPostOps();

/// applyEpilogue on a channels-last tensor of `images` x `pixels` x
/// `channels`, and a global pool of the result: each image's per-channel
/// mean (or max, with `isMax`) to pooled[images][channels]. Block by block,
/// so that a conv's activation and its pool share one pass while each block
/// is in cache; with kNone it is the pool alone, and x is only read.
void applyEpilogueAndPool(Epilogue kind, float *x, int64_t images,
                          int64_t pixels, int64_t channels, bool isMax,
                          float *pooled);
/// The same on bf16 values (their bits): the pool sums the activated values
/// in f32, as computed before they are rounded back to bf16.
void applyEpilogueAndPool(Epilogue kind, uint16_t *x, int64_t images,
                          int64_t pixels, int64_t channels, bool isMax,
                          float *pooled);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_ACTIVATIONS_H
