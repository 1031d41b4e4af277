//===- DType.h - element types of tensors -----------------------*- C++ -*-===//

#ifndef TLC_RUNTIME_DTYPE_H
#define TLC_RUNTIME_DTYPE_H

#include <cstddef>

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

} // namespace tlc::runtime

#endif // TLC_RUNTIME_DTYPE_H
