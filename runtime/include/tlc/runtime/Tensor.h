//===- Tensor.h - dense tensors crossing the runtime API --------*- C++ -*-===//

#ifndef TLC_RUNTIME_TENSOR_H
#define TLC_RUNTIME_TENSOR_H

#include "tlc/runtime/DType.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tlc::runtime {

/// A dense, row-major tensor that owns its bytes.
class Tensor {
public:
  Tensor() = default;
  Tensor(DType dtype, std::vector<int64_t> shape);
  /// Takes `bytes`, which must hold shape's elements of dtype, row-major.
  Tensor(DType dtype, std::vector<int64_t> shape, std::vector<uint8_t> bytes)
      : dtype_(dtype), shape_(std::move(shape)), bytes_(std::move(bytes)) {}

  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  int64_t numElements() const;
  size_t byteSize() const { return bytes_.size(); }
  uint8_t *data() { return bytes_.data(); }
  const uint8_t *data() const { return bytes_.data(); }
  template <typename T> T *dataAs() { return reinterpret_cast<T *>(data()); }
  template <typename T> const T *dataAs() const {
    return reinterpret_cast<const T *>(data());
  }

private:
  DType dtype_ = DType::kF32;
  std::vector<int64_t> shape_;
  std::vector<uint8_t> bytes_;
};

/// "[1, 3, 224, 224]", with -1 printed as "?".
std::string shapeToString(const std::vector<int64_t> &shape);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_TENSOR_H
