//===- ModelLoader.h - reading ONNX files and tensors -----------*- C++ -*-===//

#ifndef TLC_IMPORTERS_ONNX_MODELLOADER_H
#define TLC_IMPORTERS_ONNX_MODELLOADER_H

#include "HostTensor.h"

#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

namespace tlc::onnx_importer {

/// Parses the ModelProto in `path`. A file that is missing, not protobuf,
/// truncated, or protobuf without a graph is an error that says which.
llvm::Error loadModel(llvm::StringRef path, onnx::ModelProto &model);
/// Parses a ModelProto from bytes; `source` names them in messages.
llvm::Error parseModel(const uint8_t *data, size_t size, llvm::StringRef source,
                       onnx::ModelProto &model);

/// Upgrades a model of a default-domain opset below `targetOpset` with
/// ONNX's version converter (libonnx). The initializers stay out of the
/// conversion (its IR drops external data and would copy every weight) and
/// are put back by name; upgrades rename none. The model is checked with
/// onnx.checker first, so the converter only sees well-formed graphs. On
/// error `model` is unchanged.
llvm::Error upgradeOpset(onnx::ModelProto &model, int64_t targetOpset);

/// Decodes a TensorProto into a HostTensor. External data is read from
/// `baseDir` (the model's directory), bounds-checked against the file.
/// Moves raw_data out of `proto` to avoid copying large weights.
llvm::Expected<HostTensor> decodeTensor(onnx::TensorProto &proto,
                                        llvm::StringRef baseDir);

} // namespace tlc::onnx_importer

#endif // TLC_IMPORTERS_ONNX_MODELLOADER_H
