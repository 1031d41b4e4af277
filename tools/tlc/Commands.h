//===- Commands.h - the subcommands of tlc ----------------------*- C++ -*-===//

#ifndef TLC_TOOLS_TLC_COMMANDS_H
#define TLC_TOOLS_TLC_COMMANDS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace tlc::tool {

enum ExitCode { kOk = 0, kFailed = 1, kUsage = 2 };

/// Prints `tlc: error: MESSAGE` and returns the failure exit code.
inline int fail(const std::string &message) {
  llvm::errs() << "tlc: error: " << message << "\n";
  return kFailed;
}

/// The same for bad usage (an option out of range): the usage exit code.
inline int usageError(const std::string &message) {
  llvm::errs() << "tlc: error: " << message << "\n";
  return kUsage;
}

/// Writes `bytes` to `path` ("-": stdout) with the runtime's
/// writeFileAtomic: a failure (a full disk, a missing folder) is an error
/// message and leaves an existing file as it was. Returns an exit code.
int writeOutput(const std::string &path, llvm::StringRef bytes);

/// Imports the ONNX model at `path`, with its inputs' dims fixed by
/// `--input-shape NAME=SHAPE` values. On failure, after the diagnostics,
/// returns null and sets `exitCode` (kUsage for a malformed shape).
/// With `freeSpatialDims`, image inputs (rank 4) without an --input-shape
/// get dynamic height and width (what --fc-to-conv is asked for).
mlir::OwningOpRef<mlir::ModuleOp>
importModel(mlir::MLIRContext &context, llvm::StringRef path,
            llvm::ArrayRef<std::string> inputShapes, int &exitCode,
            bool freeSpatialDims = false);

/// Each returns nullopt when its subcommand was not selected.
std::optional<int> runCompileCommand(mlir::MLIRContext &context);
std::optional<int> runInspectCommand(mlir::MLIRContext &context);
std::optional<int> runRunCommand();
std::optional<int> runBenchCommand();
/// tlc train, tlc eval and tlc predict.
std::optional<int> runTrainCommands();

} // namespace tlc::tool

#endif // TLC_TOOLS_TLC_COMMANDS_H
