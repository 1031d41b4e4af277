//===- FoldConstants.cpp - fold frozen subgraphs into weights -------------===//
//
// A frozen backbone's constants never change, so everything computed from
// constants alone is computed once, here:
//
//  * dropout and identity are removed (inference is the identity);
//  * an op whose operands are all frozen constants becomes a constant
//    (elementwise math with broadcasting, reshapes, transposes, concats);
//  * a per-channel Mul, Add, Sub or Div by a constant right after a conv
//    or fc moves into its weights and bias;
//  * a per-channel Mul or Div by a constant right before a conv scales its
//    weights; an Add or Sub there moves into the bias when the conv has no
//    padding (with padding the border would see the shifted zeros);
//  * a zero pad of the spatial dims before a conv becomes the conv's pads.
//
// Results equal the unfolded graph up to floating-point rounding.
//
//===----------------------------------------------------------------------===//

#include "tlc/Transforms/Constants.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/runtime/UnaryMath.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <functional>

namespace mlir::tl {
#define GEN_PASS_DEF_FOLDCONSTANTSPASS
#include "tlc/Transforms/Passes.h.inc"
} // namespace mlir::tl

using namespace mlir;
using namespace mlir::tl;

namespace {

//===----------------------------------------------------------------------===//
// Removing the identities
//===----------------------------------------------------------------------===//

template <typename OpT> struct RemoveIdentity : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op->getOperand(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Evaluating ops on constants
//===----------------------------------------------------------------------===//

using Unary = std::function<float(float)>;
using Binary = std::function<float(float, float)>;

std::optional<Unary> unaryFunction(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<Unary>>(op)
      .Case([](ReluOp) { return Unary([](float x) { return x > 0 ? x : 0; }); })
      .Case([](SigmoidOp) {
        return Unary([](float x) { return 1.f / (1.f + std::exp(-x)); });
      })
      .Case([](TanhOp) { return Unary([](float x) { return std::tanh(x); }); })
      .Case([](SqrtOp) { return Unary([](float x) { return std::sqrt(x); }); })
      .Case([](ExpOp) { return Unary([](float x) { return std::exp(x); }); })
      .Case([](LogOp) { return Unary([](float x) { return std::log(x); }); })
      .Case([](NegOp) { return Unary([](float x) { return -x; }); })
      .Case([](AbsOp) { return Unary([](float x) { return std::fabs(x); }); })
      .Case([](ErfOp) { return Unary([](float x) { return std::erf(x); }); })
      .Case([](ReciprocalOp) { return Unary([](float x) { return 1.f / x; }); })
      .Case([](ClipOp op) {
        float lo = op.getMin().convertToFloat(),
              hi = op.getMax().convertToFloat();
        return Unary([=](float x) { return std::min(std::max(x, lo), hi); });
      })
      .Case([](LeakyReluOp op) {
        float alpha = op.getAlpha().convertToFloat();
        return Unary([=](float x) { return x >= 0 ? x : alpha * x; });
      })
      .Default([](Operation *op) -> std::optional<Unary> {
        // The ops whose scalar definition the runtime shares.
        const tlc::UnaryMath *math =
            tlc::findUnaryMath(op->getName().stripDialect().str());
        if (!math || !isa<TLDialect>(op->getDialect()))
          return std::nullopt;
        auto attr = [&](std::string_view name) {
          auto f = name.empty() ? FloatAttr()
                                : op->getAttrOfType<FloatAttr>(
                                      StringRef(name.data(), name.size()));
          return f ? static_cast<float>(f.getValueAsDouble()) : 0.f;
        };
        float a = attr(math->attrA), b = attr(math->attrB);
        auto fn = math->fn;
        return Unary([=](float x) { return fn(x, a, b); });
      });
}

std::optional<Binary> binaryFunction(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<Binary>>(op)
      .Case([](AddOp) { return Binary(std::plus<float>()); })
      .Case([](SubOp) { return Binary(std::minus<float>()); })
      .Case([](MulOp) { return Binary(std::multiplies<float>()); })
      .Case([](DivOp) { return Binary(std::divides<float>()); })
      .Case([](PowOp) {
        return Binary([](float a, float b) { return std::pow(a, b); });
      })
      .Case([](MaxOp) {
        return Binary([](float a, float b) { return std::max(a, b); });
      })
      .Case([](MinOp) {
        return Binary([](float a, float b) { return std::min(a, b); });
      })
      .Default([](Operation *) { return std::nullopt; });
}

/// Row-major strides of `shape`, with stride 0 on broadcast (size-1) dims
/// when the shape is right-aligned into `rank` dims of `out`.
SmallVector<int64_t> broadcastStrides(ArrayRef<int64_t> shape,
                                      ArrayRef<int64_t> out) {
  SmallVector<int64_t> strides(out.size(), 0);
  int64_t stride = 1;
  for (int64_t i = shape.size() - 1, o = out.size() - 1; i >= 0; --i, --o) {
    strides[o] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

/// Calls fn(outIndex, aIndex, bIndex) over every element of `out`.
void forEachBroadcast(ArrayRef<int64_t> out, ArrayRef<int64_t> a,
                      ArrayRef<int64_t> b,
                      function_ref<void(int64_t, int64_t, int64_t)> fn) {
  SmallVector<int64_t> sa = broadcastStrides(a, out),
                       sb = broadcastStrides(b, out);
  SmallVector<int64_t> index(out.size(), 0);
  int64_t total = 1;
  for (int64_t d : out)
    total *= d;
  int64_t ia = 0, ib = 0;
  for (int64_t n = 0; n < total; ++n) {
    fn(n, ia, ib);
    for (int64_t d = out.size() - 1; d >= 0; --d) {
      ia += sa[d];
      ib += sb[d];
      if (++index[d] < out[d])
        break;
      ia -= sa[d] * out[d];
      ib -= sb[d] * out[d];
      index[d] = 0;
    }
  }
}

/// The value of `op` applied to constant operands, if tl-fold-constants
/// knows how to compute it.
std::optional<FloatTensor> evaluate(Operation *op,
                                    ArrayRef<FloatTensor> operands,
                                    ArrayRef<int64_t> resultShape) {
  FloatTensor result;
  result.shape.assign(resultShape.begin(), resultShape.end());
  if (auto fn = unaryFunction(op)) {
    result.data.reserve(operands[0].data.size());
    for (float x : operands[0].data)
      result.data.push_back((*fn)(x));
    return result;
  }
  if (auto fn = binaryFunction(op)) {
    int64_t total = 1;
    for (int64_t d : resultShape)
      total *= d;
    result.data.resize(total);
    const FloatTensor &a = operands[0], &b = operands[1];
    forEachBroadcast(resultShape, a.shape, b.shape,
                     [&](int64_t o, int64_t i, int64_t j) {
                       result.data[o] = (*fn)(a.data[i], b.data[j]);
                     });
    return result;
  }
  if (isa<ReshapeOp, FlattenOp, SqueezeOp, UnsqueezeOp>(op)) {
    result.data = operands[0].data;
    return result;
  }
  if (auto transpose = dyn_cast<TransposeOp>(op)) {
    ArrayRef<int64_t> perm = transpose.getPerm();
    const FloatTensor &in = operands[0];
    SmallVector<int64_t> inStrides(in.shape.size(), 1);
    for (int64_t d = in.shape.size() - 2; d >= 0; --d)
      inStrides[d] = inStrides[d + 1] * in.shape[d + 1];
    // Walk the result in order; the input index moves by the permuted
    // strides.
    SmallVector<int64_t> strides;
    for (int64_t p : perm)
      strides.push_back(inStrides[p]);
    result.data.resize(in.data.size());
    SmallVector<int64_t> index(resultShape.size(), 0);
    int64_t src = 0;
    for (size_t n = 0; n < result.data.size(); ++n) {
      result.data[n] = in.data[src];
      for (int64_t d = resultShape.size() - 1; d >= 0; --d) {
        src += strides[d];
        if (++index[d] < resultShape[d])
          break;
        src -= strides[d] * resultShape[d];
        index[d] = 0;
      }
    }
    return result;
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    int64_t axis = static_cast<int64_t>(concat.getAxis());
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= resultShape[d];
    for (int64_t o = 0; o < outer; ++o)
      for (const FloatTensor &in : operands) {
        int64_t chunk = in.numElements() / std::max<int64_t>(outer, 1);
        result.data.insert(result.data.end(), in.data.begin() + o * chunk,
                           in.data.begin() + (o + 1) * chunk);
      }
    return result;
  }
  return std::nullopt;
}

/// Any tl op whose operands are all frozen f32 constants, with one static
/// f32 result, becomes a constant.
struct FoldConstantSubgraph : RewritePattern {
  FoldConstantSubgraph(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (isa<ConstantOp>(op) || !op->getDialect() ||
        op->getDialect()->getNamespace() != "tl" || op->getNumResults() != 1 ||
        op->getNumOperands() == 0)
      return failure();
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
      return failure();
    SmallVector<FloatTensor> operands;
    for (Value v : op->getOperands()) {
      auto t = getFrozenFloats(v);
      if (!t)
        return failure();
      operands.push_back(std::move(*t));
    }
    auto result = evaluate(op, operands, type.getShape());
    if (!result)
      return rewriter.notifyMatchFailure(op, "no evaluator for this op");
    rewriter.replaceOp(op, createFloatConstant(rewriter, op->getLoc(), *result,
                                               parameterKey(op, "")));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Affine ops by constants into conv and fc
//===----------------------------------------------------------------------===//

/// The frozen weight and bias of a conv/fc, bias zeros when absent.
struct LayerParams {
  FloatTensor weight, bias;
  int64_t channels() const { return weight.shape[0]; }
  /// Weight elements per output channel.
  int64_t fanIn() const { return weight.numElements() / channels(); }
};

std::optional<LayerParams> frozenParams(Operation *layer) {
  auto weight = getFrozenFloats(layer->getOperand(1));
  if (!weight || weight->shape.empty() || weight->shape[0] == 0)
    return std::nullopt;
  LayerParams p{std::move(*weight), {}};
  Value bias = isa<ConvOp>(layer) ? cast<ConvOp>(layer).getBias()
                                  : cast<FullyConnectedOp>(layer).getBias();
  if (bias) {
    auto b = getFrozenFloats(bias);
    if (!b || b->numElements() != p.channels())
      return std::nullopt;
    p.bias = std::move(*b);
  } else {
    p.bias.shape = {p.channels()};
    p.bias.data.assign(p.channels(), 0.f);
  }
  return p;
}

/// Replaces `layer` (and `absorbed`, whose result replaces the layer's) by
/// a layer with `params`.
void replaceLayer(PatternRewriter &rewriter, Operation *layer,
                  Operation *absorbed, const LayerParams &params) {
  Operation *fused =
      rebuildLayer(rewriter, layer,
                   rewriter.getFusedLoc({layer->getLoc(), absorbed->getLoc()}),
                   params.weight, params.bias);
  rewriter.replaceOp(absorbed, fused->getResults());
  if (layer->use_empty())
    rewriter.eraseOp(layer);
}

/// A conv or fc result `v` with no activation and no other user.
Operation *plainLayer(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op || !isa<ConvOp, FullyConnectedOp>(op) || !v.hasOneUse())
    return nullptr;
  auto act = op->getAttrOfType<ActivationAttr>("activation");
  if (act && act.getValue() != Activation::none)
    return nullptr;
  // A residual is added before the op we would absorb: a scale after it
  // would have to scale the residual too.
  bool residual = isa<ConvOp>(op) ? !!cast<ConvOp>(op).getResidual()
                                  : !!cast<FullyConnectedOp>(op).getResidual();
  return residual ? nullptr : op;
}

enum class Affine { Add, Sub, Mul, Div };

/// y = layer(x) (op) c, with c per output channel.
template <typename OpT, Affine Kind>
struct FoldAffineAfterLayer : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    // Add and Mul commute; Sub and Div only take the constant on the right.
    bool commutes = Kind == Affine::Add || Kind == Affine::Mul;
    for (int i = 0; i < (commutes ? 2 : 1); ++i) {
      Operation *layer = plainLayer(op->getOperand(i));
      auto c = getFrozenFloats(op->getOperand(1 - i));
      if (!layer || !c || op.getType() != layer->getResult(0).getType())
        continue;
      auto params = frozenParams(layer);
      if (!params)
        continue;
      auto type = cast<RankedTensorType>(op.getType());
      auto values = perChannelValues(*c, type.getRank(), params->channels());
      if (!values)
        continue;
      int64_t fanIn = params->fanIn();
      for (int64_t m = 0; m < params->channels(); ++m) {
        float v = (*values)[m];
        float &b = params->bias.data[m];
        switch (Kind) {
        case Affine::Add:
          b += v;
          break;
        case Affine::Sub:
          b -= v;
          break;
        case Affine::Mul:
        case Affine::Div: {
          float scale = Kind == Affine::Mul ? v : 1.f / v;
          b *= scale;
          for (int64_t k = 0; k < fanIn; ++k)
            params->weight.data[m * fanIn + k] *= scale;
          break;
        }
        }
      }
      replaceLayer(rewriter, layer, op, *params);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not a per-channel constant "
                                           "after a plain conv/fc");
  }
};

/// conv(x (op) c), with c per input channel.
template <typename OpT, Affine Kind>
struct FoldAffineBeforeConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern<ConvOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvOp conv,
                                PatternRewriter &rewriter) const override {
    auto op = conv.getInput().template getDefiningOp<OpT>();
    if (!op || !op->hasOneUse())
      return failure();
    bool commutes = Kind == Affine::Add || Kind == Affine::Mul;
    bool shifts = Kind == Affine::Add || Kind == Affine::Sub;
    if (shifts && llvm::any_of(conv.getPads(), [](int64_t p) { return p; }))
      return rewriter.notifyMatchFailure(conv, "a shift before a padded conv "
                                               "changes the border");
    for (int i = 0; i < (commutes ? 2 : 1); ++i) {
      Value x = op->getOperand(i);
      auto c = getFrozenFloats(op->getOperand(1 - i));
      if (!c || x.getType() != op.getType())
        continue;
      auto params = frozenParams(conv);
      auto type = cast<RankedTensorType>(x.getType());
      if (!params || ShapedType::isDynamic(type.getDimSize(1)))
        continue;
      int64_t inChannels = type.getDimSize(1);
      auto values = perChannelValues(*c, type.getRank(), inChannels);
      if (!values)
        continue;
      // Weight [M, C/g, k...]: output m reads input channels of its group.
      int64_t groups = static_cast<int64_t>(conv.getGroups());
      int64_t perGroupIn = inChannels / groups;
      int64_t perGroupOut = params->channels() / groups;
      int64_t window = params->fanIn() / perGroupIn;
      for (int64_t m = 0; m < params->channels(); ++m)
        for (int64_t j = 0; j < perGroupIn; ++j) {
          float v = (*values)[(m / perGroupOut) * perGroupIn + j];
          float *w = &params->weight.data[(m * perGroupIn + j) * window];
          for (int64_t k = 0; k < window; ++k) {
            if (shifts)
              params->bias.data[m] += w[k] * (Kind == Affine::Add ? v : -v);
            else
              w[k] *= Kind == Affine::Mul ? v : 1.f / v;
          }
        }
      Operation *fused = rebuildLayer(
          rewriter, conv, rewriter.getFusedLoc({op.getLoc(), conv.getLoc()}),
          params->weight, params->bias);
      fused->setOperand(0, x);
      rewriter.replaceOp(conv, fused->getResults());
      return success();
    }
    return rewriter.notifyMatchFailure(conv, "input is not a per-channel "
                                             "affine op on a constant");
  }
};

/// conv(pad(x)) with zeros on the spatial dims only becomes conv(x) with
/// larger pads: exporters write TensorFlow's "same" padding that way, and a
/// separate pad costs a copy (and a layout change) per layer.
struct FoldPadIntoConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvOp conv,
                                PatternRewriter &rewriter) const override {
    auto pad = conv.getInput().getDefiningOp<PadOp>();
    if (!pad || pad.getMode() != PadMode::constant || !pad.getPads() ||
        !pad.getParams().empty() || !pad.getValue().isZero() ||
        !pad->hasOneUse())
      return rewriter.notifyMatchFailure(conv, "input is not a zero pad");
    ArrayRef<int64_t> padPads = *pad.getPads();
    int64_t rank = padPads.size() / 2, spatial = rank - 2;
    // Batch and channel dims must not be padded.
    if (padPads[0] || padPads[1] || padPads[rank] || padPads[rank + 1] ||
        llvm::any_of(padPads, [](int64_t p) { return p < 0; }))
      return rewriter.notifyMatchFailure(conv, "pads batch or channels");
    SmallVector<int64_t> pads(conv.getPads());
    if (static_cast<int64_t>(pads.size()) != 2 * spatial)
      return failure();
    for (int64_t i = 0; i < spatial; ++i) {
      pads[i] += padPads[2 + i];
      pads[spatial + i] += padPads[rank + 2 + i];
    }
    rewriter.modifyOpInPlace(conv, [&] {
      conv.setPads(pads);
      conv.getInputMutable().assign(pad.getInput());
      conv->setLoc(rewriter.getFusedLoc({pad.getLoc(), conv.getLoc()}));
    });
    rewriter.eraseOp(pad);
    return success();
  }
};

struct FoldConstantsPass : tl::impl::FoldConstantsPassBase<FoldConstantsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<RemoveIdentity<IdentityOp>, RemoveIdentity<DropoutOp>,
                 FoldConstantSubgraph, FoldPadIntoConv>(ctx);
    patterns.add<FoldAffineAfterLayer<AddOp, Affine::Add>,
                 FoldAffineAfterLayer<SubOp, Affine::Sub>,
                 FoldAffineAfterLayer<MulOp, Affine::Mul>,
                 FoldAffineAfterLayer<DivOp, Affine::Div>,
                 FoldAffineBeforeConv<AddOp, Affine::Add>,
                 FoldAffineBeforeConv<SubOp, Affine::Sub>,
                 FoldAffineBeforeConv<MulOp, Affine::Mul>,
                 FoldAffineBeforeConv<DivOp, Affine::Div>>(ctx);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
