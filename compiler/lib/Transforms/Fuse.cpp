//===- Fuse.cpp - activations and residual sums into conv and fc ----------===//

#include "tl/IR/TLOps.h"
#include "tlc/Transforms/Constants.h"
#include "tlc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <numeric>

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

/// conv1x1(concat(x_0, ..., x_k-1)) -> a chain of k 1x1 convs, the i-th
/// reading x_i with its slice of the weight's input channels and adding
/// the previous one's result as its residual; the last carries the bias
/// and the activation. The concat is never written: SqueezeNet's fire
/// modules concat two expand convs and feed the next squeeze conv, and
/// the concat was a tenth of its time at batch 1.
///
/// Only when the concat has no other user, the weight is frozen, and the
/// k - 1 partial outputs written and read back cost less than the concat
/// would: (k - 1) * out_channels <= in_channels. A conv that already adds
/// a residual is left alone.
struct SplitConcatIntoConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  static constexpr size_t kMaxParts = 4;

  LogicalResult matchAndRewrite(ConvOp conv,
                                PatternRewriter &rewriter) const override {
    auto concat = conv.getInput().getDefiningOp<ConcatOp>();
    if (!concat || !concat->hasOneUse() || conv.getResidual())
      return rewriter.notifyMatchFailure(conv, "input is not a lone concat");
    auto outType = dyn_cast<RankedTensorType>(conv.getType());
    auto inType = dyn_cast<RankedTensorType>(concat.getType());
    if (!outType || !inType || inType.getRank() < 3)
      return rewriter.notifyMatchFailure(conv, "shapes are not ranked");
    int64_t rank = inType.getRank(), axis = concat.getAxis();
    size_t parts = concat.getInputs().size();
    if ((axis != 1 && axis != 1 - rank) || parts < 2 || parts > kMaxParts)
      return rewriter.notifyMatchFailure(conv, "not a channel concat of 2-4");
    auto pointwise = [](ArrayRef<int64_t> values, int64_t one) {
      return llvm::all_of(values, [&](int64_t v) { return v == one; });
    };
    if (conv.getGroups() != 1 || !pointwise(conv.getStrides(), 1) ||
        !pointwise(conv.getPads(), 0))
      return rewriter.notifyMatchFailure(conv, "not a plain 1x1 conv");
    auto weight = getFrozenFloats(conv.getWeight());
    if (!weight || static_cast<int64_t>(weight->shape.size()) != rank ||
        !pointwise(ArrayRef<int64_t>(weight->shape).drop_front(2), 1))
      return rewriter.notifyMatchFailure(conv, "weight is not frozen 1x1");
    int64_t outChannels = weight->shape[0], inChannels = weight->shape[1];
    if (static_cast<int64_t>(parts - 1) * outChannels > inChannels)
      return rewriter.notifyMatchFailure(conv, "partial sums cost more");

    SmallVector<int64_t> partChannels;
    for (Value x : concat.getInputs()) {
      auto xType = dyn_cast<RankedTensorType>(x.getType());
      if (!xType || xType.getRank() != rank || xType.isDynamicDim(1))
        return rewriter.notifyMatchFailure(conv, "a part's channels vary");
      partChannels.push_back(xType.getDimSize(1));
    }
    if (std::accumulate(partChannels.begin(), partChannels.end(), int64_t{0}) !=
        inChannels)
      return rewriter.notifyMatchFailure(conv, "parts do not add up");

    Value partial;
    int64_t first = 0;
    for (size_t i = 0; i < parts; ++i) {
      Value x = concat.getInputs()[i];
      int64_t channels = partChannels[i];
      FloatTensor slice{{outChannels, channels}, {}};
      slice.shape.append(rank - 2, 1);
      slice.data.reserve(outChannels * channels);
      for (int64_t m = 0; m < outChannels; ++m)
        for (int64_t c = 0; c < channels; ++c)
          slice.data.push_back(weight->data[m * inChannels + first + c]);
      first += channels;
      bool last = i + 1 == parts;
      Value w = createFloatConstant(
          rewriter, conv.getLoc(), slice,
          parameterKey(conv, (".w" + std::to_string(i)).c_str()));
      Value bias = last ? conv.getBias() : Value();
      SmallVector<Value> operands = {x, w};
      if (bias)
        operands.push_back(bias);
      if (partial)
        operands.push_back(partial);
      SmallVector<NamedAttribute> attrs;
      for (NamedAttribute attr : conv->getAttrs()) {
        StringRef name = attr.getName().getValue();
        if (name == "operandSegmentSizes" ||
            (!last && (name == "activation" || name == "act_alpha" ||
                       name == "act_beta")))
          continue;
        attrs.push_back(attr);
      }
      attrs.push_back(rewriter.getNamedAttr(
          "operandSegmentSizes", rewriter.getDenseI32ArrayAttr(
                                     {1, 1, bias ? 1 : 0, partial ? 1 : 0})));
      Location loc =
          last ? rewriter.getFusedLoc({conv.getLoc(), concat.getLoc()})
               : conv.getLoc();
      partial = rewriter.create<ConvOp>(loc, outType, operands, attrs);
    }
    rewriter.replaceOp(conv, partial);
    rewriter.eraseOp(concat);
    return success();
  }
};

struct FusePass : tl::impl::FusePassBase<FusePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FormSilu, FuseResidualAdd, SplitConcatIntoConv,
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
