//===- TransferPipeline.cpp - the default pipeline of tlc compile ---------===//

#include "tlc/Pipelines/TransferPipeline.h"

#include "tlc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::tl;

ArrayRef<StringLiteral> mlir::tl::transferHookPoints() {
  static constexpr StringLiteral points[] = {"after-import", "after-truncate",
                                             "after-fold", "before-lowering"};
  return points;
}

LogicalResult
mlir::tl::buildTransferPipeline(OpPassManager &pm,
                                const TransferPipelineOptions &options,
                                const TransferHook &hook) {
  auto at = [&](StringRef point) { return hook ? hook(pm, point) : success(); };
  pm.addNestedPass<func::FuncOp>(createInferShapesPass());
  if (failed(at("after-import")))
    return failure();
  bool automatic = options.cuts.size() == 1 && options.cuts[0] == "auto";
  if (!options.cuts.empty() || options.dropLast > 0) {
    TruncatePassOptions truncate;
    if (!automatic)
      truncate.cuts = options.cuts;
    truncate.automatic = automatic;
    truncate.dropLast = options.dropLast;
    truncate.keepActivation = options.keepActivation;
    pm.addNestedPass<func::FuncOp>(createTruncatePass(truncate));
  }
  if (failed(at("after-truncate")))
    return failure();
  // Constants first: exporters route weights through Identity nodes, and a
  // BatchNorm folds only into a conv whose weights are plain constants.
  pm.addNestedPass<func::FuncOp>(createFoldConstantsPass());
  pm.addNestedPass<func::FuncOp>(createFoldBatchNormPass());
  if (failed(at("after-fold")))
    return failure();
  if (options.fcToConv)
    pm.addNestedPass<func::FuncOp>(
        createFcToConvPass(FcToConvPassOptions{options.poolAfter}));
  if (!options.poolOutputs.empty())
    pm.addNestedPass<func::FuncOp>(
        createPoolOutputsPass(PoolOutputsPassOptions{options.poolOutputs}));
  if (!options.head.empty()) {
    AttachHeadPassOptions head;
    head.spec = options.head;
    head.activation = options.headActivation;
    head.dropout = options.headDropout;
    head.init = options.headInit;
    head.seed = options.seed;
    head.pool = options.headPool;
    pm.addNestedPass<func::FuncOp>(createAttachHeadPass(head));
  }
  pm.addNestedPass<func::FuncOp>(createFusePass());
  if (failed(at("before-lowering")))
    return failure();
  // Last: the user's passes see (and may rewrite) f32 weights.
  if (options.precision != "f32")
    pm.addNestedPass<func::FuncOp>(createReducePrecisionPass(
        ReducePrecisionPassOptions{options.precision}));
  return success();
}

void mlir::tl::registerTransferPipeline() {
  PassPipelineRegistration<TransferPipelineOptions>(
      "tl-transfer-pipeline",
      "The default pipeline of tlc compile: shapes, truncation, folding, "
      "FC to conv, a head, fusion",
      [](OpPassManager &pm, const TransferPipelineOptions &options) {
        (void)buildTransferPipeline(pm, options);
      });
}
