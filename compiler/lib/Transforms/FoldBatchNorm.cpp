//===- FoldBatchNorm.cpp - inference BatchNorm into conv and fc -----------===//
//
// batch_norm(conv(x, W, b)) with frozen statistics is conv(x, W', b') with
//   s  = scale / sqrt(variance + epsilon)
//   W' = W * s      (per output channel)
//   b' = (b - mean) * s + bias
// The fold is only exact when the BatchNorm reads the conv's result
// directly and nothing else reads it: never across an activation, never
// when the conv's output has another consumer (another op, or the graph's
// output), and never when the conv already adds a residual or applies an
// activation of its own.
//
//===----------------------------------------------------------------------===//

#include "tlc/Transforms/Constants.h"
#include "tlc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::tl {
#define GEN_PASS_DEF_FOLDBATCHNORMPASS
#include "tlc/Transforms/Passes.h.inc"
} // namespace mlir::tl

using namespace mlir;
using namespace mlir::tl;

namespace {

struct FoldIntoLayer : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    Value x = bn.getInput();
    Operation *layer = x.getDefiningOp();
    if (!layer || !isa<ConvOp, FullyConnectedOp>(layer))
      return rewriter.notifyMatchFailure(bn, "input is not a conv or fc");
    if (!x.hasOneUse())
      return rewriter.notifyMatchFailure(bn, "the layer has other consumers");
    auto act = layer->getAttrOfType<ActivationAttr>("activation");
    if (act && act.getValue() != Activation::none)
      return rewriter.notifyMatchFailure(bn, "the layer has an activation");
    Value bias, residual;
    if (auto conv = dyn_cast<ConvOp>(layer)) {
      bias = conv.getBias();
      residual = conv.getResidual();
    } else {
      auto fc = cast<FullyConnectedOp>(layer);
      bias = fc.getBias();
      residual = fc.getResidual();
    }
    if (residual)
      return rewriter.notifyMatchFailure(bn, "the layer adds a residual");

    auto weight = getFrozenFloats(layer->getOperand(1));
    auto scale = getFrozenFloats(bn.getScale());
    auto shift = getFrozenFloats(bn.getBias());
    auto mean = getFrozenFloats(bn.getMean());
    auto variance = getFrozenFloats(bn.getVariance());
    if (!weight || !scale || !shift || !mean || !variance ||
        weight->shape.empty())
      return rewriter.notifyMatchFailure(bn, "parameters are not frozen");
    int64_t channels = weight->shape[0];
    std::optional<FloatTensor> oldBias;
    if (bias && !(oldBias = getFrozenFloats(bias)))
      return rewriter.notifyMatchFailure(bn, "bias is not frozen");
    for (const FloatTensor *t : {&*scale, &*shift, &*mean, &*variance})
      if (t->numElements() != channels)
        return rewriter.notifyMatchFailure(bn, "statistics per channel "
                                               "do not match the layer");
    if (oldBias && oldBias->numElements() != channels)
      return failure();

    double epsilon = bn.getEpsilon().convertToDouble();
    int64_t fanIn = weight->numElements() / channels;
    FloatTensor newBias{{channels}, std::vector<float>(channels)};
    for (int64_t m = 0; m < channels; ++m) {
      double s = scale->data[m] / std::sqrt(variance->data[m] + epsilon);
      for (int64_t k = 0; k < fanIn; ++k)
        weight->data[m * fanIn + k] =
            static_cast<float>(weight->data[m * fanIn + k] * s);
      double b = oldBias ? oldBias->data[m] : 0.0;
      newBias.data[m] =
          static_cast<float>((b - mean->data[m]) * s + shift->data[m]);
    }
    Operation *folded = rebuildLayer(
        rewriter, layer, rewriter.getFusedLoc({layer->getLoc(), bn.getLoc()}),
        *weight, newBias);
    rewriter.replaceOp(bn, folded->getResults());
    rewriter.eraseOp(layer);
    return success();
  }
};

struct FoldBatchNormPass : tl::impl::FoldBatchNormPassBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoLayer>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
