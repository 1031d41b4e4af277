//===- PoolOutputs.cpp - every spatial result pooled into a vector --------===//
//
// The features of a cut are a map [N, C, H, W]; a linear probe reads a
// vector per sample. This pass pools each result of the function (after a
// truncation to several cuts, one per cut), keeping its name, so that one
// run of the artifact gives every cut's features at once.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLOps.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/Transforms/ShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::tl {
#define GEN_PASS_DEF_POOLOUTPUTSPASS
#include "tlc/Transforms/Passes.h.inc"
} // namespace mlir::tl

using namespace mlir;
using namespace mlir::tl;

namespace {

struct PoolOutputsPass : tl::impl::PoolOutputsPassBase<PoolOutputsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (pool != "avg" && pool != "max" && pool != "avg+max") {
      func.emitError("tl-pool-outputs: pool must be avg, max or avg+max, "
                     "not '")
          << pool << "'";
      return signalPassFailure();
    }
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    OpBuilder b(ret);
    SmallVector<Value> results;
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type || !type.getElementType().isF32() || type.getRank() < 2) {
        func.emitError("tl-pool-outputs: result ")
            << i << " is not an f32 tensor [N, C, ...]";
        return signalPassFailure();
      }
      // Named after the result, so that profiles and errors say which cut.
      auto name = func.getResultAttrOfType<StringAttr>(i, kNameAttr);
      Location loc =
          name ? Location(NameLoc::get(b.getStringAttr(name.str() + ".pool")))
               : ret.getLoc();
      results.push_back(poolToVector(b, loc, v, pool));
    }
    ret->setOperands(results);
    syncFunctionType(func);
  }
};

} // namespace
