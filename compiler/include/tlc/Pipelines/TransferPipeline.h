//===- TransferPipeline.h - the default pipeline of tlc compile -*- C++ -*-===//
//
// Shape inference, truncation at the cut, folding of the frozen weights,
// FC to conv, a new head, fusion: the pipeline `tlc compile` runs, with four
// hook points where a user's passes go (tlc compile --extra-passes). It is
// registered as `tl-transfer-pipeline`, so tl-opt runs it by name:
//
//   tl-opt model.mlir --pass-pipeline='builtin.module(
//       tl-transfer-pipeline{cut=auto head=linear:10})'
//
//===----------------------------------------------------------------------===//

#ifndef TLC_PIPELINES_TRANSFERPIPELINE_H
#define TLC_PIPELINES_TRANSFERPIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <string>

namespace mlir::tl {

struct TransferPipelineOptions
    : public PassPipelineOptions<TransferPipelineOptions> {
  ListOption<std::string> cuts{
      *this, "cut",
      llvm::cl::desc("Node or tensor names to cut at, or 'auto' for the "
                     "penultimate features")};
  Option<int64_t> dropLast{
      *this, "drop-last",
      llvm::cl::desc("Remove the last N parametric layers (conv, fc)"),
      llvm::cl::init(0)};
  Option<bool> keepActivation{
      *this, "keep-activation",
      llvm::cl::desc("Extend a cut through the activation that follows it"),
      llvm::cl::init(true)};
  Option<bool> fcToConv{*this, "fc-to-conv",
                        llvm::cl::desc("Turn FC layers into convolutions"),
                        llvm::cl::init(false)};
  Option<bool> poolAfter{
      *this, "pool-after",
      llvm::cl::desc("With fc-to-conv: move global pooling after the first "
                     "FC"),
      llvm::cl::init(false)};
  Option<std::string> head{
      *this, "head",
      llvm::cl::desc("A trainable head: linear:CLASSES or "
                     "mlp:H1,H2,...:CLASSES (empty: none)")};
  Option<std::string> headActivation{*this, "head-activation",
                                     llvm::cl::desc("Hidden-layer activation"),
                                     llvm::cl::init("relu")};
  Option<double> headDropout{*this, "head-dropout",
                             llvm::cl::desc("Dropout ratio of hidden layers"),
                             llvm::cl::init(0.0)};
  Option<std::string> headInit{*this, "head-init",
                               llvm::cl::desc("glorot or he"),
                               llvm::cl::init("glorot")};
  Option<std::string> headPool{
      *this, "head-pool",
      llvm::cl::desc("Spatial features to a vector: avg, max or flatten"),
      llvm::cl::init("avg")};
  Option<std::string> poolOutputs{
      *this, "pool-outputs",
      llvm::cl::desc("Pool every result into a vector per sample: avg, max "
                     "or avg+max (empty: no; tlc probe's many cuts)")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("The frozen backbone's precision: f32 or bf16"),
      llvm::cl::init("f32")};
  Option<uint64_t> seed{*this, "seed",
                        llvm::cl::desc("Seed of the head's initialization"),
                        llvm::cl::init(0)};
};

/// The points of the pipeline where extra passes may run, in order:
/// after-import, after-truncate, after-fold, before-lowering.
llvm::ArrayRef<llvm::StringLiteral> transferHookPoints();

/// Called at each hook point with the module-level pass manager; adds the
/// passes that belong there.
using TransferHook =
    std::function<LogicalResult(OpPassManager &pm, llvm::StringRef point)>;

/// Adds the pipeline to `pm` (anchored on builtin.module).
LogicalResult buildTransferPipeline(OpPassManager &pm,
                                    const TransferPipelineOptions &options,
                                    const TransferHook &hook = {});

/// Registers `tl-transfer-pipeline` for tl-opt and --pass-pipeline.
void registerTransferPipeline();

} // namespace mlir::tl

#endif // TLC_PIPELINES_TRANSFERPIPELINE_H
