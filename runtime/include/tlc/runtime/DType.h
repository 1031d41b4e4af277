//===- DType.h - element types of tensors -----------------------*- C++ -*-===//

#ifndef TLC_RUNTIME_DTYPE_H
#define TLC_RUNTIME_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tlc::runtime {

/// The element types a tensor may have. bf16 is its own type (a float32
/// with the low 16 mantissa bits dropped), not an alias of f16.
enum class DType { kF32, kF64, kF16, kBF16, kI8, kI16, kI32, kI64, kU8, kBool };

/// Bytes per element.
size_t dtypeSize(DType dtype);
/// A readable name, e.g. "float32".
const char *dtypeName(DType dtype);
/// Whether the type is a floating-point one (f32, f64, f16, bf16).
bool isFloating(DType dtype);

/// A bf16 value (its bits) as a float: exact.
inline float bf16ToFloat(uint16_t bits) {
  uint32_t u = uint32_t(bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

/// A float rounded to the nearest bf16 (ties to even); a NaN stays a quiet
/// NaN. Branch-free, so that loops over it vectorize.
inline uint16_t floatToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  uint32_t quiet = (u >> 16) | 0x40u;
  return static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? quiet
                                                               : rounded);
}

} // namespace tlc::runtime

#endif // TLC_RUNTIME_DTYPE_H
