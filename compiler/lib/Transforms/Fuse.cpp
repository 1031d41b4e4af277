//===- Fuse.cpp - activations and residual sums into conv and fc ----------===//

#include "tl/IR/TLOps.h"
#include "tlc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tl {
#define GEN_PASS_DEF_FUSEPASS
#include "tlc/Transforms/Passes.h.inc"
} // namespace mlir::tl

using namespace mlir;
using namespace mlir::tl;

namespace {

/// mul(x, sigmoid(x)) -> silu(x), either operand order.
struct FormSilu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul,
                                PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      Value x = mul->getOperand(i);
      auto sigmoid = mul->getOperand(1 - i).getDefiningOp<SigmoidOp>();
      if (sigmoid && sigmoid.getInput() == x && x.getType() == mul.getType()) {
        rewriter.replaceOpWithNewOp<SiluOp>(mul, x);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(mul, "not x * sigmoid(x)");
  }
};

/// The conv or fc producing `v`, if it has no activation yet and `v` has
/// no other user.
Operation *fusableProducer(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op || !isa<ConvOp, FullyConnectedOp>(op) || !v.hasOneUse())
    return nullptr;
  auto act = op->getAttrOfType<ActivationAttr>("activation");
  return !act || act.getValue() == Activation::none ? op : nullptr;
}

/// Sets the activation of a conv/fc and replaces `activation` with it.
void fuseActivation(PatternRewriter &rewriter, Operation *producer,
                    Operation *activation, Activation kind, float alpha = 0,
                    float beta = 0) {
  rewriter.modifyOpInPlace(producer, [&] {
    producer->setAttr("activation",
                      ActivationAttr::get(producer->getContext(), kind));
    producer->setAttr("act_alpha", rewriter.getF32FloatAttr(alpha));
    producer->setAttr("act_beta", rewriter.getF32FloatAttr(beta));
    // Keep the activation's name: a cut point may refer to it.
    producer->setLoc(
        rewriter.getFusedLoc({producer->getLoc(), activation->getLoc()}));
  });
  rewriter.replaceOp(activation, producer->getResult(0));
}

/// The (act_alpha, act_beta) a fused activation carries.
std::pair<float, float> activationParams(Operation *) { return {0.f, 0.f}; }
std::pair<float, float> activationParams(ClipOp op) {
  return {op.getMin().convertToFloat(), op.getMax().convertToFloat()};
}
std::pair<float, float> activationParams(HardSigmoidOp op) {
  return {op.getAlpha().convertToFloat(), op.getBeta().convertToFloat()};
}
std::pair<float, float> activationParams(LeakyReluOp op) {
  return {op.getAlpha().convertToFloat(), 0.f};
}
std::pair<float, float> activationParams(GeluOp op) {
  return {op.getApproximate() ? 1.f : 0.f, 0.f};
}

/// activation(conv/fc(...)) -> conv/fc(...) {activation}.
template <typename OpT, Activation Kind>
struct FuseActivation : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    Operation *producer = fusableProducer(op->getOperand(0));
    if (!producer)
      return rewriter.notifyMatchFailure(op, "no fusable conv/fc producer");
    auto [alpha, beta] = activationParams(op);
    fuseActivation(rewriter, producer, op, Kind, alpha, beta);
    return success();
  }
};

/// add(conv(x), r) -> conv(x) residual(r), equal shapes, no activation yet.
struct FuseResidualAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      auto conv = add->getOperand(i).getDefiningOp<ConvOp>();
      Value residual = add->getOperand(1 - i);
      if (!conv || conv.getResidual() || !fusableProducer(conv.getResult()) ||
          residual.getType() != add.getType() ||
          conv.getType() != add.getType() || residual == conv.getResult())
        continue;
      // The fused conv takes the add's place, where `residual` is defined.
      rewriter.setInsertionPoint(add);
      SmallVector<NamedAttribute> attrs(conv->getAttrs());
      for (NamedAttribute &attr : attrs)
        if (attr.getName() == "operandSegmentSizes")
          attr.setValue(
              rewriter.getDenseI32ArrayAttr({1, 1, conv.getBias() ? 1 : 0, 1}));
      SmallVector<Value> operands = {conv.getInput(), conv.getWeight()};
      if (conv.getBias())
        operands.push_back(conv.getBias());
      operands.push_back(residual);
      auto fused = rewriter.create<ConvOp>(
          rewriter.getFusedLoc({conv.getLoc(), add.getLoc()}), add.getType(),
          operands, attrs);
      rewriter.replaceOp(add, fused.getResult());
      rewriter.eraseOp(conv);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no fusable conv operand");
  }
};

struct FusePass : tl::impl::FusePassBase<FusePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FormSilu, FuseResidualAdd,
                 FuseActivation<ReluOp, Activation::relu>,
                 FuseActivation<ClipOp, Activation::clip>,
                 FuseActivation<SigmoidOp, Activation::sigmoid>,
                 FuseActivation<TanhOp, Activation::tanh>,
                 FuseActivation<HardSigmoidOp, Activation::hard_sigmoid>,
                 FuseActivation<HardSwishOp, Activation::hard_swish>,
                 FuseActivation<SiluOp, Activation::silu>,
                 FuseActivation<GeluOp, Activation::gelu>,
                 FuseActivation<LeakyReluOp, Activation::leaky_relu>>(
        &getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
