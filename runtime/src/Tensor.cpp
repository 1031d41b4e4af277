//===- Tensor.cpp - dense tensors crossing the runtime API ----------------===//

#include "tlc/runtime/Tensor.h"

using namespace tlc::runtime;

Tensor::Tensor(DType dtype, std::vector<int64_t> shape)
    : dtype_(dtype), shape_(std::move(shape)) {
  bytes_.resize(numElements() * dtypeSize(dtype_));
}

int64_t Tensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape_)
    n *= d;
  return n;
}

Tensor Tensor::fromNpy(NpyArray array) {
  Tensor t;
  t.dtype_ = array.dtype;
  t.shape_ = std::move(array.shape);
  t.bytes_ = std::move(array.data);
  return t;
}

NpyArray Tensor::toNpy() const {
  NpyArray a;
  a.dtype = dtype_;
  a.shape = shape_;
  a.data = bytes_;
  return a;
}

std::string tlc::runtime::shapeToString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") +
         (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}
