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

/// An IEEE half (its bits) as a float: exact.
inline float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0x1f) { // inf, NaN
    u = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) { // normal
    u = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) { // zero
    u = sign;
  } else { // subnormal: normalize
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    u = sign | (uint32_t(112 - e) << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

/// A float rounded to the nearest IEEE half (ties to even); overflow to
/// infinity, NaN stays a quiet NaN.
inline uint16_t floatToHalf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) // NaN
    return static_cast<uint16_t>(sign | 0x7e00u);
  if (abs >= 0x477ff000u) // rounds to or beyond 65520: infinity
    return static_cast<uint16_t>(sign | 0x7c00u);
  if (abs < 0x38800000u) { // below 2^-14: a subnormal half (or zero)
    float a;
    std::memcpy(&a, &abs, sizeof(a));
    // Scaled so that one half ulp (2^-24) is 1, rounded to nearest even.
    float scaled = a * 16777216.f;
    uint32_t m = static_cast<uint32_t>(scaled);
    float rest = scaled - static_cast<float>(m);
    if (rest > 0.5f || (rest == 0.5f && (m & 1u)))
      ++m;
    return static_cast<uint16_t>(sign | m);
  }
  // Normal: rebias the exponent, round the 13 dropped bits to even.
  uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

} // namespace tlc::runtime

#endif // TLC_RUNTIME_DTYPE_H
