//===- Limits.h - sizes every artifact stays within -------------*- C++ -*-===//
//
// One set of limits for both halves: the runtime refuses an artifact that
// exceeds them, and the compiler checks the same numbers before it writes
// one, so it never produces what the runtime would reject. Header-only: the
// compiler includes it without linking the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_LIMITS_H
#define TLC_RUNTIME_LIMITS_H

#include <cstdint>

namespace tlc {

/// The largest rank of any tensor (oneDNN describes up to 12; CNNs use 6).
inline constexpr int64_t kMaxRank = 8;
/// The largest extent of one dim, and the largest pad, stride, dilation,
/// kernel size or slice step: 2^40, so that sums and products of a few of
/// them cannot overflow int64 before they are checked.
inline constexpr int64_t kMaxDim = int64_t(1) << 40;
/// The most elements one tensor may hold (2^40: 4 TiB of float32).
inline constexpr int64_t kMaxElements = int64_t(1) << 40;
/// The most operands of one kernel (a concat of this many tensors).
inline constexpr int64_t kMaxOperands = 4096;
/// The most parameters of one layer of a new head (2^31 floats: 8 GiB),
/// which the compiler initializes in memory.
inline constexpr int64_t kMaxHeadLayerParameters = int64_t(1) << 31;

} // namespace tlc

#endif // TLC_RUNTIME_LIMITS_H
