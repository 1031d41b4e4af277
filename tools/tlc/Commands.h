//===- Commands.h - the subcommands of tlc ----------------------*- C++ -*-===//

#ifndef TLC_TOOLS_TLC_COMMANDS_H
#define TLC_TOOLS_TLC_COMMANDS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/raw_ostream.h"

#include "tlc/Analysis/NetworkSummary.h"
#include "tlc/runtime/Features.h"

#include "llvm/Support/CommandLine.h"

#include <optional>
#include <string>
#include <vector>

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
/// `bindings` are `--bind NAME=FILE.npy|VALUES` values: graph inputs frozen
/// to constants.
mlir::OwningOpRef<mlir::ModuleOp>
importModel(mlir::MLIRContext &context, llvm::StringRef path,
            llvm::ArrayRef<std::string> inputShapes, int &exitCode,
            bool freeSpatialDims = false,
            llvm::ArrayRef<std::string> bindings = {});

/// The features of `dataset` through the artifact's backbone (cached as
/// `options` say), with a progress bar and reports of skipped samples and
/// the cache on stderr, each line starting with `label`.
tlc::runtime::StatusOr<tlc::runtime::FeatureSet>
reportedFeatures(const std::string &artifact, tlc::runtime::Session &session,
                 const tlc::runtime::Dataset &dataset,
                 const tlc::runtime::Preprocessing &pre,
                 const std::string &label,
                 tlc::runtime::FeatureOptions options);

/// The comma-separated numbers of `option`'s value `text`, or an error
/// naming the one that is not a number.
inline tlc::runtime::StatusOr<std::vector<double>>
parseNumbers(const std::string &option, const std::string &text) {
  std::vector<double> out;
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(text).split(parts, ',');
  for (llvm::StringRef p : parts) {
    double v;
    if (p.trim().getAsDouble(v))
      return tlc::runtime::invalidArgument(option + ": '" + p.str() +
                                           "' is not a number");
    out.push_back(v);
  }
  return out;
}

/// The class names of --class-names NAMES (comma-separated) for data of
/// `count` classes, or an error when their number differs.
inline tlc::runtime::StatusOr<std::vector<std::string>>
classNamesOption(const std::string &names, size_t count) {
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(names).split(parts, ',');
  if (parts.size() != count)
    return tlc::runtime::invalidArgument(
        "--class-names gives " + std::to_string(parts.size()) + " names for " +
        std::to_string(count) + " classes");
  return std::vector<std::string>(parts.begin(), parts.end());
}

/// The L2 options shared by tlc train and tlc probe: `--l2 X|auto` and
/// `--l2-grid A,B,...` into `options`.
inline tlc::runtime::Status l2Options(const std::string &l2,
                                      const std::string &grid,
                                      tlc::runtime::TrainOptions &options) {
  options.l2Auto = l2 == "auto";
  if (!options.l2Auto && llvm::StringRef(l2).trim().getAsDouble(options.l2))
    return tlc::runtime::invalidArgument(
        "--l2 takes a number or 'auto', not '" + l2 + "'");
  if (grid.empty())
    return tlc::runtime::Status::ok();
  if (!options.l2Auto)
    return tlc::runtime::invalidArgument("--l2-grid goes with --l2 auto");
  auto values = parseNumbers("--l2-grid", grid);
  if (!values)
    return values.status();
  options.l2Grid = *values;
  return tlc::runtime::Status::ok();
}

/// 1234567 -> "1.23M"; "?" when unknown.
std::string humanCount(std::optional<int64_t> n);

/// The layers and cut points of an imported model as tlc inspect shows
/// them (shapes inferred, Identity and Dropout folded away), or nullopt
/// after the diagnostics when a pass fails.
std::optional<mlir::tl::NetworkSummary>
summarizeModule(mlir::MLIRContext &context, mlir::ModuleOp module);

/// `tlc probe`'s subcommand: it shares tlc compile's model, output,
/// --input-shape, --keep-activation and preprocessing options.
llvm::cl::SubCommand &probeSubcommand();
/// Those shared options' values.
const std::string &inputModel();
const std::string &outputPath();
/// Checks the preprocessing options; an exit code.
int checkProbePreprocessing();
/// Imports the model on the command line, with its --input-shape values.
mlir::OwningOpRef<mlir::ModuleOp> importInput(mlir::MLIRContext &context,
                                              int &exitCode);

/// What tlc probe asks of the compiler: the model on the command line cut
/// at `cuts`, with a `head` on features pooled by `headPool`, or, with
/// `poolOutputs`, every cut pooled into a vector per sample.
struct TransferRequest {
  std::vector<std::string> cuts;
  std::string head, headPool = "avg", poolOutputs;
};
/// Compiles it into `bytes`, the artifact with the command line's
/// preprocessing. Returns an exit code (diagnostics printed).
int compileTransfer(mlir::MLIRContext &context, const TransferRequest &request,
                    std::vector<uint8_t> &bytes);

/// Each returns nullopt when its subcommand was not selected.
std::optional<int> runCompileCommand(mlir::MLIRContext &context);
std::optional<int> runInspectCommand(mlir::MLIRContext &context);
std::optional<int> runProbeCommand(mlir::MLIRContext &context);
std::optional<int> runRunCommand();
std::optional<int> runBenchCommand();
/// tlc train, tlc eval and tlc predict.
std::optional<int> runTrainCommands();

} // namespace tlc::tool

#endif // TLC_TOOLS_TLC_COMMANDS_H
