//===- Tensor.cpp - dense tensors and their element types -----------------===//

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

namespace {

struct DTypeInfo {
  DType dtype;
  const char *name;
  size_t size;
  bool floating;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::kF32, "float32", 4, true}, {DType::kF64, "float64", 8, true},
    {DType::kF16, "float16", 2, true}, {DType::kBF16, "bfloat16", 2, true},
    {DType::kI8, "int8", 1, false},    {DType::kI16, "int16", 2, false},
    {DType::kI32, "int32", 4, false},  {DType::kI64, "int64", 8, false},
    {DType::kU8, "uint8", 1, false},   {DType::kBool, "bool", 1, false},
};

const DTypeInfo &info(DType dtype) {
  for (const DTypeInfo &i : kDTypes)
    if (i.dtype == dtype)
      return i;
  return kDTypes[0];
}

} // namespace

size_t tlc::runtime::dtypeSize(DType dtype) { return info(dtype).size; }
const char *tlc::runtime::dtypeName(DType dtype) { return info(dtype).name; }
bool tlc::runtime::isFloating(DType dtype) { return info(dtype).floating; }

std::string tlc::runtime::shapeToString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") +
         (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}
