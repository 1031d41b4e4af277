//===- AttachHead.cpp - a new, trainable classifier on the features -------===//
//
// The head is the only part of the compiled network that training changes:
// its weights are the only `trainable` constants. Hidden layers get the
// chosen initialization (Glorot-uniform, or He-uniform which suits ReLU);
// the output layer is always Glorot-uniform; biases start at zero. The
// random numbers come from a seeded SplitMix64 stream, so the same seed
// gives the same head on every machine.
//
//===----------------------------------------------------------------------===//

#include "tlc/Transforms/Constants.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/Transforms/ShapeUtils.h"
#include "tlc/runtime/ArtifactFormat.h"
#include "tlc/runtime/Limits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

namespace mlir::tl {
#define GEN_PASS_DEF_ATTACHHEADPASS
#include "tlc/Transforms/Passes.h.inc"
} // namespace mlir::tl

using namespace mlir;
using namespace mlir::tl;

namespace {

/// SplitMix64: a tiny, portable, well-mixed generator.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed) {}
  /// Uniform in [-limit, limit).
  float uniform(double limit) {
    double unit = static_cast<double>(next() >> 11) * 0x1.0p-53;
    return static_cast<float>((2 * unit - 1) * limit);
  }

private:
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t state;
};

struct HeadSpec {
  SmallVector<int64_t> hidden;
  int64_t classes = 0;
};

FailureOr<HeadSpec> parseSpec(StringRef text, std::string &error) {
  HeadSpec spec;
  auto [kind, rest] = text.split(':');
  auto positive = [](StringRef s, int64_t &v) {
    return !s.trim().getAsInteger(10, v) && v > 0;
  };
  if (kind == "linear") {
    if (!positive(rest, spec.classes))
      return error = "expected linear:CLASSES, got '" + text.str() + "'",
             failure();
    return spec;
  }
  if (kind == "mlp") {
    auto [layers, classes] = rest.rsplit(':');
    SmallVector<StringRef> parts;
    layers.split(parts, ',');
    for (StringRef part : parts) {
      int64_t width;
      if (!positive(part, width))
        return error =
                   "expected mlp:H1,H2,...:CLASSES, got '" + text.str() + "'",
               failure();
      spec.hidden.push_back(width);
    }
    if (!positive(classes, spec.classes) || spec.hidden.empty())
      return error = "expected mlp:H1,H2,...:CLASSES, got '" + text.str() + "'",
             failure();
    return spec;
  }
  return error = "unknown head '" + text.str() +
                 "'; expected linear:CLASSES or mlp:H1,H2,...:CLASSES",
         failure();
}

struct AttachHeadPass : tl::impl::AttachHeadPassBase<AttachHeadPass> {
  using Base::Base;

  /// Appends the activation chosen for hidden layers.
  FailureOr<Value> activate(OpBuilder &b, Location loc, Value x) {
    if (activation == "relu")
      return b.create<ReluOp>(loc, x).getResult();
    if (activation == "gelu")
      return b.create<GeluOp>(loc, x, false).getResult();
    if (activation == "silu")
      return b.create<SiluOp>(loc, x).getResult();
    if (activation == "tanh")
      return b.create<TanhOp>(loc, x).getResult();
    if (activation == "sigmoid")
      return b.create<SigmoidOp>(loc, x).getResult();
    return failure();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    auto fail = [&](const Twine &message) {
      func.emitError("tl-attach-head: ") << message;
      signalPassFailure();
    };
    std::string error;
    auto head = parseSpec(spec, error);
    if (failed(head))
      return fail(error);
    if (init != "glorot" && init != "he")
      return fail("init must be glorot or he, not '" + init + "'");
    if (dropout < 0 || dropout >= 1)
      return fail("dropout must be in [0, 1)");
    if (!isFeaturePooling(pool))
      return fail("pool must be avg, max, avg+max or flatten, not '" + pool +
                  "'");
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    if (ret.getNumOperands() != 1)
      return fail("the network has " + Twine(ret.getNumOperands()) +
                  " outputs; a head needs exactly one (cut first)");

    OpBuilder b(ret);
    MLIRContext *ctx = &getContext();
    auto named = [&](const Twine &name) {
      return NameLoc::get(StringAttr::get(ctx, name));
    };
    Value features = ret.getOperand(0);
    auto type = dyn_cast<RankedTensorType>(features.getType());
    if (!type || !type.getElementType().isF32() || type.getRank() < 2)
      return fail("features must be an f32 tensor [N, F, ...]");
    features = poolToVector(b, named(tlc::outputs::kFeatures), features, pool);
    int64_t width = cast<RankedTensorType>(features.getType()).getDimSize(1);
    if (ShapedType::isDynamic(width))
      return fail("the feature size is dynamic; fix the input size with "
                  "--input-shape, or pool the features");

    Random random(seed);
    Value x = features;
    SmallVector<int64_t> widths = head->hidden;
    widths.push_back(head->classes);
    // Bounds before anything is allocated: `linear:99999999999` is a
    // mistake, not a head.
    for (int64_t in = width, i = 0; i < int64_t(widths.size()); ++i) {
      int64_t out = widths[i];
      if (out > tlc::kMaxHeadLayerParameters / in)
        return fail("head layer " + Twine(i) + " of " + Twine(out) +
                    " outputs over " + Twine(in) + " inputs needs " +
                    Twine(out) + " x " + Twine(in) +
                    " parameters; at most 2^31 fit one layer");
      in = out;
    }
    for (auto [i, out] : llvm::enumerate(widths)) {
      bool last = i + 1 == widths.size();
      std::string layer = last ? "head.logits" : "head.fc" + std::to_string(i);
      double limit = init == "he" && !last
                         ? std::sqrt(6.0 / width)
                         : std::sqrt(6.0 / static_cast<double>(width + out));
      FloatTensor w{{out, width}, {}};
      w.data.reserve(out * width);
      for (int64_t k = 0; k < out * width; ++k)
        w.data.push_back(random.uniform(limit));
      FloatTensor bias{{out}, std::vector<float>(out, 0.f)};
      Location loc = named(layer);
      Value wv = createFloatConstant(b, loc, w, layer + ".w", true);
      Value bv = createFloatConstant(b, loc, bias, layer + ".b", true);
      x = b.create<FullyConnectedOp>(loc, x, wv, bv, Value(), Activation::none,
                                     APFloat(0.f), APFloat(0.f));
      if (!last) {
        auto act = activate(b, named("head.act" + std::to_string(i)), x);
        if (failed(act))
          return fail("unknown activation '" + activation +
                      "'; expected relu, gelu, silu, tanh or sigmoid");
        x = *act;
        if (dropout > 0)
          x = b.create<DropoutOp>(named("head.dropout" + std::to_string(i)), x,
                                  b.getF32FloatAttr(dropout));
      }
      width = out;
    }
    b.create<func::ReturnOp>(ret.getLoc(), ValueRange{x, features});
    ret.erase();
    syncFunctionType(func);
    auto name = [&](StringRef n) {
      return b.getDictionaryAttr(b.getNamedAttr(kNameAttr, b.getStringAttr(n)));
    };
    func.setAllResultAttrs(ArrayRef<DictionaryAttr>{
        name(tlc::outputs::kLogits), name(tlc::outputs::kFeatures)});
  }
};

} // namespace
