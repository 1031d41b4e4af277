//===- HostTensor.h - constant tensors known at import time -----*- C++ -*-===//
//
// Initializers, Constant nodes and shape computations folded by the importer
// are held on the host as a HostTensor: an ONNX element type, dims, and the
// elements as little-endian bytes in row-major order.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_IMPORTERS_ONNX_HOSTTENSOR_H
#define TLC_IMPORTERS_ONNX_HOSTTENSOR_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace tlc::onnx_importer {

using ElemType = onnx::TensorProto_DataType;

/// The MLIR element type of an ONNX element type; null when tl has none
/// (strings, complex numbers, unsigned integers wider than 8 bits).
mlir::Type toMlirElementType(mlir::MLIRContext *ctx, int32_t elemType);

/// Bytes per element, or 0 for types without a fixed size.
size_t elementByteSize(int32_t elemType);

/// A readable name for an ONNX element type ("FLOAT", "INT64", ...).
std::string elemTypeName(int32_t elemType);

struct HostTensor {
  int32_t elemType = onnx::TensorProto_DataType_UNDEFINED;
  llvm::SmallVector<int64_t> dims;
  std::string bytes;

  int64_t numElements() const;
  bool isInteger() const;
  bool isFloat() const;

  /// The elements as int64 (integer and bool types only).
  std::optional<llvm::SmallVector<int64_t>> toInts() const;
  /// The elements as double (any numeric type).
  std::optional<llvm::SmallVector<double>> toDoubles() const;

  static HostTensor
  fromInts(llvm::ArrayRef<int64_t> values, llvm::ArrayRef<int64_t> dims,
           int32_t elemType = onnx::TensorProto_DataType_INT64);
  static HostTensor fromFloats(llvm::ArrayRef<float> values,
                               llvm::ArrayRef<int64_t> dims);

  /// The value as an ElementsAttr: a dense_resource blob named `blobName`
  /// when large, a dense attribute when small (scalars, shapes).
  mlir::ElementsAttr toAttr(mlir::MLIRContext *ctx,
                            llvm::StringRef blobName) const;
};

} // namespace tlc::onnx_importer

#endif // TLC_IMPORTERS_ONNX_HOSTTENSOR_H
