//===- HostTensor.cpp - constant tensors known at import time -------------===//

#include "HostTensor.h"

#include "tl/IR/TLDialect.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"

#include <cstring>

using namespace mlir;
using namespace tlc::onnx_importer;

namespace {
/// Tensors with more elements than this become resource blobs.
constexpr int64_t kMaxInlineElements = 16;

template <typename T> T load(const std::string &bytes, int64_t i) {
  T v;
  std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
  return v;
}
} // namespace

Type tlc::onnx_importer::toMlirElementType(MLIRContext *ctx, int32_t elemType) {
  Builder b(ctx);
  switch (elemType) {
  case onnx::TensorProto_DataType_FLOAT:
    return b.getF32Type();
  case onnx::TensorProto_DataType_FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto_DataType_BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto_DataType_DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto_DataType_BOOL:
    return b.getI1Type();
  case onnx::TensorProto_DataType_INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto_DataType_INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto_DataType_INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto_DataType_INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto_DataType_UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  // uint16/32/64 have no runtime type (tlc/runtime/DType.h): refused here
  // rather than when the artifact is written. Import-time constants of
  // these types still fold (HostTensor).
  default:
    return {};
  }
}

size_t tlc::onnx_importer::elementByteSize(int32_t elemType) {
  switch (elemType) {
  case onnx::TensorProto_DataType_BOOL:
  case onnx::TensorProto_DataType_INT8:
  case onnx::TensorProto_DataType_UINT8:
    return 1;
  case onnx::TensorProto_DataType_FLOAT16:
  case onnx::TensorProto_DataType_BFLOAT16:
  case onnx::TensorProto_DataType_INT16:
  case onnx::TensorProto_DataType_UINT16:
    return 2;
  case onnx::TensorProto_DataType_FLOAT:
  case onnx::TensorProto_DataType_INT32:
  case onnx::TensorProto_DataType_UINT32:
    return 4;
  case onnx::TensorProto_DataType_DOUBLE:
  case onnx::TensorProto_DataType_INT64:
  case onnx::TensorProto_DataType_UINT64:
    return 8;
  default:
    return 0;
  }
}

std::string tlc::onnx_importer::elemTypeName(int32_t elemType) {
  if (onnx::TensorProto_DataType_IsValid(elemType))
    return onnx::TensorProto_DataType_Name(
        static_cast<onnx::TensorProto_DataType>(elemType));
  return "<invalid type " + std::to_string(elemType) + ">";
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

bool HostTensor::isInteger() const {
  switch (elemType) {
  case onnx::TensorProto_DataType_BOOL:
  case onnx::TensorProto_DataType_INT8:
  case onnx::TensorProto_DataType_INT16:
  case onnx::TensorProto_DataType_INT32:
  case onnx::TensorProto_DataType_INT64:
  case onnx::TensorProto_DataType_UINT8:
  case onnx::TensorProto_DataType_UINT16:
  case onnx::TensorProto_DataType_UINT32:
  case onnx::TensorProto_DataType_UINT64:
    return true;
  default:
    return false;
  }
}

bool HostTensor::isFloat() const {
  return elemType == onnx::TensorProto_DataType_FLOAT ||
         elemType == onnx::TensorProto_DataType_DOUBLE ||
         elemType == onnx::TensorProto_DataType_FLOAT16 ||
         elemType == onnx::TensorProto_DataType_BFLOAT16;
}

std::optional<SmallVector<int64_t>> HostTensor::toInts() const {
  SmallVector<int64_t> out;
  int64_t n = numElements();
  out.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    switch (elemType) {
    case onnx::TensorProto_DataType_BOOL:
    case onnx::TensorProto_DataType_UINT8:
      out.push_back(load<uint8_t>(bytes, i));
      break;
    case onnx::TensorProto_DataType_INT8:
      out.push_back(load<int8_t>(bytes, i));
      break;
    case onnx::TensorProto_DataType_INT16:
      out.push_back(load<int16_t>(bytes, i));
      break;
    case onnx::TensorProto_DataType_UINT16:
      out.push_back(load<uint16_t>(bytes, i));
      break;
    case onnx::TensorProto_DataType_INT32:
      out.push_back(load<int32_t>(bytes, i));
      break;
    case onnx::TensorProto_DataType_UINT32:
      out.push_back(load<uint32_t>(bytes, i));
      break;
    case onnx::TensorProto_DataType_INT64:
    case onnx::TensorProto_DataType_UINT64:
      out.push_back(load<int64_t>(bytes, i));
      break;
    default:
      return std::nullopt;
    }
  }
  return out;
}

std::optional<SmallVector<double>> HostTensor::toDoubles() const {
  if (auto ints = toInts())
    return SmallVector<double>(ints->begin(), ints->end());
  SmallVector<double> out;
  int64_t n = numElements();
  for (int64_t i = 0; i < n; ++i) {
    switch (elemType) {
    case onnx::TensorProto_DataType_FLOAT:
      out.push_back(load<float>(bytes, i));
      break;
    case onnx::TensorProto_DataType_DOUBLE:
      out.push_back(load<double>(bytes, i));
      break;
    case onnx::TensorProto_DataType_FLOAT16: {
      APFloat f(APFloat::IEEEhalf(), APInt(16, load<uint16_t>(bytes, i)));
      out.push_back(f.convertToFloat());
      break;
    }
    case onnx::TensorProto_DataType_BFLOAT16: {
      APFloat f(APFloat::BFloat(), APInt(16, load<uint16_t>(bytes, i)));
      out.push_back(f.convertToFloat());
      break;
    }
    default:
      return std::nullopt;
    }
  }
  return out;
}

HostTensor HostTensor::fromInts(ArrayRef<int64_t> values,
                                ArrayRef<int64_t> dims, int32_t elemType) {
  HostTensor t;
  t.elemType = elemType;
  t.dims.assign(dims.begin(), dims.end());
  size_t size = elementByteSize(elemType);
  t.bytes.resize(values.size() * size);
  for (auto [i, v] : llvm::enumerate(values)) {
    // Little-endian truncation works for every integer width.
    int64_t le =
        llvm::support::endian::byte_swap<int64_t>(v, llvm::endianness::little);
    std::memcpy(t.bytes.data() + i * size, &le, size);
  }
  return t;
}

HostTensor HostTensor::fromFloats(ArrayRef<float> values,
                                  ArrayRef<int64_t> dims) {
  HostTensor t;
  t.elemType = onnx::TensorProto_DataType_FLOAT;
  t.dims.assign(dims.begin(), dims.end());
  t.bytes.assign(reinterpret_cast<const char *>(values.data()),
                 values.size() * sizeof(float));
  return t;
}

ElementsAttr HostTensor::toAttr(MLIRContext *ctx, StringRef blobName) const {
  auto type = RankedTensorType::get(dims, toMlirElementType(ctx, elemType));
  if (elemType == onnx::TensorProto_DataType_BOOL) {
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, values);
  }
  ArrayRef<char> raw(bytes.data(), bytes.size());
  if (numElements() <= kMaxInlineElements)
    return DenseElementsAttr::getFromRawBuffer(type, raw);
  return DenseResourceElementsAttr::get(
      type, tl::resourceKey(blobName),
      HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, alignof(uint64_t)));
}
