//===- ArtifactWriter.h - lowering a tl function to a .tlb ------*- C++ -*-===//

#ifndef TLC_TARGET_ARTIFACTWRITER_H
#define TLC_TARGET_ARTIFACTWRITER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LogicalResult.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::tl {

struct ArtifactOptions {
  std::string source;       ///< the model file compiled
  std::string sourceSha256; ///< its hash
  std::vector<std::string> passes;
  std::map<std::string, std::string> metadata;
};

/// Serializes `func` (tl ops only) into the flatbuffer of
/// runtime/schemas/artifact.fbs. Emits diagnostics and fails on an op the
/// runtime cannot run or a weight whose data is not available.
LogicalResult serializeArtifact(func::FuncOp func,
                                const ArtifactOptions &options,
                                std::vector<uint8_t> &bytes);

/// Runs the runtime's verifier on `bytes` (the artifact of `func`), and with
/// static input shapes its shape functions: a failure is a diagnostic
/// saying what the runtime would refuse. serializeArtifact calls it.
LogicalResult checkWithRuntime(func::FuncOp func,
                               const std::vector<uint8_t> &bytes);

} // namespace mlir::tl

#endif // TLC_TARGET_ARTIFACTWRITER_H
