//===- OnnxImporter.h - ONNX models into the tl dialect ---------*- C++ -*-===//
//
// Turns an ONNX ModelProto (opsets 9 to 18; 1 to 8 are upgraded to 9 with
// ONNX's version converter first) into a module holding one
// `func.func @main` of tl ops. Graph inputs become arguments and graph
// outputs results, named by the `tl.name` argument/result attribute; ONNX
// node names become the ops' locations; initializers become `tl.constant`
// ops holding `dense_resource` blobs. Shape computations (Shape, Gather,
// Unsqueeze, Concat, ... feeding Reshape) are evaluated at import time.
//
// Every failure is a diagnostic on the context naming the node, its op type
// and the opset; the importer never asserts on user input.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_IMPORTERS_ONNX_ONNXIMPORTER_H
#define TLC_IMPORTERS_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <string>

namespace tlc::onnx_importer {

/// Lowest and highest default-domain opset the importer accepts.
inline constexpr int64_t kMinOpset = 9;
inline constexpr int64_t kMaxOpset = 18;

/// ONNX element types (TensorProto.DataType), for callers that do not
/// include ONNX's protobuf headers.
enum : int32_t {
  kOnnxFloat = 1,
  kOnnxUint8 = 2,
  kOnnxInt8 = 3,
  kOnnxInt16 = 5,
  kOnnxInt32 = 6,
  kOnnxInt64 = 7,
  kOnnxBool = 9,
  kOnnxFloat16 = 10,
  kOnnxDouble = 11,
  kOnnxBfloat16 = 16,
};

/// A graph input frozen to a constant before import (`tlc compile --bind`):
/// an op parameter a model takes as an input (Reshape's shape, Resize's
/// scales, a Reduce's axes) that tl needs at compile time.
struct BoundInput {
  /// Values read from a file: their ONNX element type (which must be the
  /// input's), dims (compatible with the declared ones) and little-endian
  /// bytes. 0: `numbers` instead.
  int32_t elemType = 0;
  llvm::SmallVector<int64_t> dims;
  std::string bytes;
  /// Values given on the command line, taken in the input's declared type
  /// and shape (or as a vector of their count).
  llvm::SmallVector<double> numbers;
};

struct ImportOptions {
  /// Shapes that replace the declared shapes of graph inputs, by name; a
  /// given shape must be compatible with the declared one.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Image inputs (rank 4, NCHW) not named in `inputShapes` get dynamic
  /// height and width, whatever the export declared.
  bool freeSpatialDims = false;
  /// Graph inputs that become constants, by name.
  llvm::StringMap<BoundInput> bindings;
  /// Name of the function the graph becomes.
  std::string functionName = "main";
};

/// Imports the ONNX model at `path` (external data is resolved next to it).
/// Returns null after emitting diagnostics on `context` on any failure.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &context,
                                                 llvm::StringRef path,
                                                 const ImportOptions &options);

/// Imports a serialized ONNX model held in memory; external data is
/// resolved in `baseDir`. The same checks and diagnostics as importOnnxFile.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxBytes(mlir::MLIRContext &context,
                                                  llvm::StringRef bytes,
                                                  llvm::StringRef baseDir,
                                                  const ImportOptions &options);

/// Op types (default domain) the importer converts at `opset`.
llvm::SmallVector<std::string> supportedOps(int64_t opset);

} // namespace tlc::onnx_importer

#endif // TLC_IMPORTERS_ONNX_ONNXIMPORTER_H
