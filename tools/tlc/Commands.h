//===- Commands.h - the subcommands of tlc ----------------------*- C++ -*-===//

#ifndef TLC_TOOLS_TLC_COMMANDS_H
#define TLC_TOOLS_TLC_COMMANDS_H

#include "tlc/Importers/Onnx/OnnxImporter.h"

#include "mlir/IR/MLIRContext.h"
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

/// Adds `--input-shape NAME=SHAPE` values to `options`; returns the exit
/// code (after printing the error) if one does not parse.
std::optional<int> parseInputShapes(llvm::ArrayRef<std::string> specs,
                                    tlc::onnx_importer::ImportOptions &options);

/// Each returns nullopt when its subcommand was not selected.
std::optional<int> runCompileCommand(mlir::MLIRContext &context);
std::optional<int> runInspectCommand(mlir::MLIRContext &context);
std::optional<int> runRunCommand();
std::optional<int> runBenchCommand();

} // namespace tlc::tool

#endif // TLC_TOOLS_TLC_COMMANDS_H
