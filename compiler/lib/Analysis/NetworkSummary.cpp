//===- NetworkSummary.cpp - layers, sizes and cut points of a net ---------===//

#include "tlc/Analysis/NetworkSummary.h"

#include "tl/IR/TLOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;
using namespace mlir::tl;

namespace {

/// Product of `dims`, or nothing if one is dynamic or it overflows.
std::optional<int64_t> product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (ShapedType::isDynamic(d) || __builtin_mul_overflow(p, d, &p))
      return std::nullopt;
  }
  return p;
}

/// a * b, or nothing if either is unknown or the product overflows.
std::optional<int64_t> times(std::optional<int64_t> a,
                             std::optional<int64_t> b) {
  int64_t p;
  if (!a || !b || __builtin_mul_overflow(*a, *b, &p))
    return std::nullopt;
  return p;
}

ArrayRef<int64_t> shapeOf(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type ? type.getShape() : ArrayRef<int64_t>();
}

/// Multiply-accumulates per sample of a conv, fc or matmul.
std::optional<int64_t> macsOf(Operation *op) {
  if (op->getNumResults() == 0)
    return 0;
  ArrayRef<int64_t> out = shapeOf(op->getResult(0));
  if (auto conv = dyn_cast<ConvOp>(op)) {
    // Each output element reads (C / groups) x kernel weights.
    return times(product(shapeOf(conv.getWeight()).drop_front()),
                 product(out.drop_front()));
  }
  if (auto fc = dyn_cast<FullyConnectedOp>(op)) {
    auto weights = product(shapeOf(fc.getWeight()));
    return weights;
  }
  if (auto matmul = dyn_cast<MatMulOp>(op)) {
    ArrayRef<int64_t> lhs = shapeOf(matmul.getLhs());
    if (lhs.empty() || ShapedType::isDynamic(lhs.back()))
      return std::nullopt;
    return times(product(out.drop_front()), lhs.back());
  }
  return 0;
}

} // namespace

NetworkSummary mlir::tl::summarizeNetwork(func::FuncOp func) {
  NetworkSummary summary;
  Block &body = func.getBody().front();

  // The last op that reads each value, for the liveness sweep.
  llvm::DenseMap<Value, Operation *> lastUse;
  for (Operation &op : body)
    for (Value v : op.getOperands())
      lastUse[v] = &op;

  // Penultimate features: the value the last parametric layer reads.
  Value penultimate;
  for (Operation &op : body)
    if (isParametricLayer(&op))
      penultimate = op.getOperand(0);

  llvm::DenseSet<Value> live;
  for (BlockArgument arg : body.getArguments())
    if (lastUse.count(arg))
      live.insert(arg);
  bool macsKnown = true;
  int64_t macs = 0;
  for (Operation &op : body) {
    if (isa<func::ReturnOp>(op))
      break;
    for (Value v : op.getOperands())
      if (lastUse.lookup(v) == &op)
        live.erase(v);
    if (isa<ConstantOp>(op))
      continue;
    for (Value r : op.getResults())
      if (lastUse.count(r))
        live.insert(r);

    LayerSummary layer;
    layer.index = summary.layers.size();
    layer.name = locationName(op.getLoc());
    layer.op = op.getName().stripDialect().str();
    if (op.getNumResults()) {
      Value result = op.getResult(0);
      for (int64_t d : shapeOf(result))
        layer.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
      if (!layer.shape.empty())
        layer.featureSize = product(shapeOf(result).drop_front());
      // A boundary the user would cut at: not a value that flows straight
      // into its layer's BatchNorm or activation (the cut extends there).
      // The network's own output is no place to cut either.
      Operation *next = result.hasOneUse() ? *result.user_begin() : nullptr;
      bool absorbed = activationOf(result) ||
                      (next && isa<BatchNormOp, func::ReturnOp>(next));
      layer.blockBoundary =
          live.size() == 1 && live.contains(result) && !absorbed;
      // A merge (residual add, concat), or the activation right after one.
      auto merges = [](Operation *o) {
        return o && llvm::count_if(o->getOperands(), [](Value v) {
                      return !v.getDefiningOp<ConstantOp>();
                    }) >= 2;
      };
      Operation *before =
          op.getNumOperands() ? op.getOperand(0).getDefiningOp() : nullptr;
      bool merge =
          merges(&op) ||
          (before && before->getNumResults() &&
           activationOf(before->getResult(0)) == result && merges(before));
      bool fork = !result.hasOneUse() && !result.use_empty();
      layer.blockEnd = layer.blockBoundary &&
                       (merge || fork || isa<MaxPoolOp, AvgPoolOp>(op));
      layer.penultimate = result == penultimate;
      // `--cut auto` pools a spatial map into one value per channel.
      if (layer.penultimate && layer.shape.size() > 2 && layer.shape[1] >= 0)
        layer.featureSize = layer.shape[1];
    }
    for (Value v : op.getOperands())
      if (auto constant = v.getDefiningOp<ConstantOp>())
        layer.params += product(shapeOf(constant)).value_or(0);
    layer.macs = macsOf(&op);
    summary.totalParams += layer.params;
    if (!layer.macs || __builtin_add_overflow(macs, *layer.macs, &macs))
      macsKnown = false;
    if (macsKnown)
      layer.macsUpTo = macs;
    summary.layers.push_back(std::move(layer));
  }
  if (macsKnown)
    summary.totalMacs = macs;
  return summary;
}
