//===- FcToConv.cpp - fully connected layers as convolutions --------------===//
//
// An FC layer over a flattened [C, H, W] volume computes, at the one input
// size it was trained on, what a conv with a C x H x W kernel computes at
// one position. As a conv it slides over larger inputs and yields a map of
// scores. The FC layers after it see [M] vectors, i.e. 1 x 1 maps: they
// become 1 x 1 convs, and the ops between them (activations, dropout,
// batch_norm, softmax over the channels) work on maps unchanged.
//
// The pass walks the function in program order, keeping the set of values
// that were vectors and are maps now. An op that cannot take a map gets a
// flatten in front of it: exact at the original size (a 1 x 1 map), and a
// shape error at compile time otherwise.
//
//===----------------------------------------------------------------------===//

#include "tlc/Transforms/Constants.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/Transforms/ShapeUtils.h"
#include "tlc/runtime/UnaryMath.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseSet.h"

#include <cmath>

namespace mlir::tl {
#define GEN_PASS_DEF_FCTOCONVPASS
#include "tlc/Transforms/Passes.h.inc"
} // namespace mlir::tl

using namespace mlir;
using namespace mlir::tl;

namespace {

RankedTensorType rankedType(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

/// Ops that compute the same thing on an [N, M, H, W] map as on an [N, M]
/// vector, channel by channel or element by element.
bool worksOnMaps(Operation *op) {
  return isa<ReluOp, ClipOp, SigmoidOp, TanhOp, HardSigmoidOp, HardSwishOp,
             SiluOp, GeluOp, LeakyReluOp, SqrtOp, ErfOp, ExpOp, LogOp, NegOp,
             AbsOp, ReciprocalOp, DropoutOp, IdentityOp, BatchNormOp,
             SoftmaxOp>(op) ||
         (isa<TLDialect>(op->getDialect()) &&
          tlc::findUnaryMath(op->getName().stripDialect().str()));
}

struct FcToConvPass : tl::impl::FcToConvPassBase<FcToConvPass> {
  using Base::Base;

  /// Values that were [N, M] vectors and are [N, M, h, w] maps now.
  llvm::DenseSet<Value> maps;

  /// The FC's weight as [M, K] frozen data, or nothing.
  std::optional<FloatTensor> fcWeight(Operation *op) {
    if (auto fc = dyn_cast<FullyConnectedOp>(op))
      return getFrozenFloats(fc.getWeight());
    auto matmul = cast<MatMulOp>(op);
    auto w = getFrozenFloats(matmul.getRhs());
    if (!w || w->shape.size() != 2)
      return std::nullopt;
    // x @ W with W [K, M]: transpose into [M, K].
    int64_t k = w->shape[0], m = w->shape[1];
    FloatTensor t{{m, k}, std::vector<float>(w->data.size())};
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < m; ++j)
        t.data[j * k + i] = w->data[i * m + j];
    return t;
  }

  /// The [N, C, H, W] volume an FC's input flattens, looking through
  /// dropout and identity, or null.
  Value flattenedVolume(Value x) {
    while (auto def = x.getDefiningOp())
      if (isa<DropoutOp, IdentityOp>(def))
        x = def->getOperand(0);
      else
        break;
    Operation *def = x.getDefiningOp();
    if (!def)
      return nullptr;
    Value volume;
    if (auto flatten = dyn_cast<FlattenOp>(def);
        flatten && flatten.getAxis() == 1)
      volume = flatten.getInput();
    else if (auto reshape = dyn_cast<ReshapeOp>(def))
      volume = reshape.getInput();
    auto type = volume ? rankedType(volume) : nullptr;
    if (!type || type.getRank() != 4 || type.isDynamicDim(1))
      return nullptr;
    auto out = rankedType(x);
    if (!out || out.getRank() != 2 ||
        (!out.isDynamicDim(0) && !type.isDynamicDim(0) &&
         out.getDimSize(0) != type.getDimSize(0)))
      return nullptr;
    return volume;
  }

  /// Converts one FC (fc or matmul by a constant); returns the new value,
  /// or null if `op` is not convertible. Emits an error and sets `failed`
  /// on a layer it should convert but cannot.
  Value convert(Operation *op, bool &failedHere) {
    Value x = op->getOperand(0);
    auto weight = fcWeight(op);
    if (!weight)
      return nullptr;
    int64_t m = weight->shape[0], k = weight->shape[1];
    Value input;
    int64_t kh = 1, kw = 1;
    bool poolAfterConv = false;
    if (maps.contains(x)) {
      input = x;
    } else if (Value volume = flattenedVolume(x)) {
      auto type = rankedType(volume);
      int64_t c = type.getDimSize(1);
      auto pool = volume.getDefiningOp<GlobalAvgPoolOp>();
      if (poolAfter && pool && c == k) {
        input = pool.getInput();
        poolAfterConv = true;
      } else {
        input = volume;
        if (k % c != 0) {
          op->emitError("tl-fc-to-conv: the FC reads ")
              << k << " features, not a multiple of the " << c
              << " channels of " << type;
          failedHere = true;
          return nullptr;
        }
        int64_t hw = k / c;
        if (!type.isDynamicDim(2) && !type.isDynamicDim(3)) {
          kh = type.getDimSize(2);
          kw = type.getDimSize(3);
        } else {
          kh = kw = static_cast<int64_t>(std::lround(std::sqrt(hw)));
        }
        if (kh * kw != hw) {
          op->emitError("tl-fc-to-conv: cannot tell the H x W volume the FC "
                        "reads (")
              << k << " features over " << c
              << " channels); fix the input size with --input-shape";
          failedHere = true;
          return nullptr;
        }
      }
    } else {
      return nullptr;
    }

    OpBuilder b(op);
    FloatTensor kernel{{m, k / (kh * kw), kh, kw}, std::move(weight->data)};
    Value w =
        createFloatConstant(b, op->getLoc(), kernel, parameterKey(op, ".w"));
    Value bias;
    if (auto fc = dyn_cast<FullyConnectedOp>(op))
      bias = fc.getBias();
    SmallVector<Value> operands = {input, w};
    if (bias)
      operands.push_back(bias);
    OperationState state(op->getLoc(), ConvOp::getOperationName());
    state.addOperands(operands);
    state.addAttribute("strides", b.getDenseI64ArrayAttr({1, 1}));
    state.addAttribute("pads", b.getDenseI64ArrayAttr({0, 0, 0, 0}));
    state.addAttribute("dilations", b.getDenseI64ArrayAttr({1, 1}));
    state.addAttribute("groups", b.getI64IntegerAttr(1));
    state.addAttribute("operandSegmentSizes",
                       b.getDenseI32ArrayAttr({1, 1, bias ? 1 : 0, 0}));
    // Post-ops chosen before this pass carry over.
    for (StringRef attr : {"activation", "act_alpha", "act_beta"})
      if (Attribute a = op->getAttr(attr))
        state.addAttribute(attr, a);
    state.addTypes(UnrankedTensorType::get(b.getF32Type()));
    Operation *conv = b.create(state);
    if (failed(refineResultTypes(conv))) {
      failedHere = true;
      return nullptr;
    }
    Value result = conv->getResult(0);
    if (poolAfterConv)
      result = b.create<GlobalAvgPoolOp>(op->getLoc(), result);
    return result;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    maps.clear();
    Block &body = func.getBody().front();
    for (Operation &op : llvm::make_early_inc_range(body)) {
      if (isa<FullyConnectedOp, MatMulOp>(op)) {
        if (auto fc = dyn_cast<FullyConnectedOp>(op); fc && fc.getResidual())
          continue;
        bool failedHere = false;
        Value converted = convert(&op, failedHere);
        if (failedHere)
          return signalPassFailure();
        if (converted) {
          op.getResult(0).replaceAllUsesWith(converted);
          op.erase();
          maps.insert(converted);
          continue;
        }
      }
      bool readsMap = llvm::any_of(op.getOperands(),
                                   [&](Value v) { return maps.contains(v); });
      if (!readsMap || isa<func::ReturnOp>(op))
        continue;
      if (worksOnMaps(&op)) {
        if (auto softmax = dyn_cast<SoftmaxOp>(op)) {
          auto axis = static_cast<int64_t>(softmax.getAxis());
          if (axis != 1 && axis != -1) {
            flattenOperands(op);
            continue;
          }
          softmax.setAxis(1);
        }
        if (failed(refineResultTypes(&op)))
          return signalPassFailure();
        maps.insert(op.getResult(0));
        continue;
      }
      flattenOperands(op);
    }
    // Ops after a flatten may see other (dynamic) dims now.
    eraseDeadOps(func);
    if (failed(refineFunctionTypes(func)))
      return signalPassFailure();
  }

  /// Gives `op` vectors again: exact where the maps are 1 x 1.
  void flattenOperands(Operation &op) {
    OpBuilder b(&op);
    for (OpOperand &operand : op.getOpOperands())
      if (maps.contains(operand.get()))
        operand.set(b.create<FlattenOp>(op.getLoc(), operand.get(), 1));
  }
};

} // namespace
