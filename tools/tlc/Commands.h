//===- Commands.h - the subcommands of tlc ----------------------*- C++ -*-===//

#ifndef TLC_TOOLS_TLC_COMMANDS_H
#define TLC_TOOLS_TLC_COMMANDS_H

#include "mlir/IR/MLIRContext.h"

namespace tlc::tool {

enum ExitCode { kOk = 0, kFailed = 1, kUsage = 2 };

/// Each returns nullopt when its subcommand was not selected.
std::optional<int> runCompileCommand(mlir::MLIRContext &context);
std::optional<int> runRunCommand();
std::optional<int> runBenchCommand();

} // namespace tlc::tool

#endif // TLC_TOOLS_TLC_COMMANDS_H
