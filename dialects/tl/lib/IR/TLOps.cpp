//===- TLOps.cpp - op definitions and folders of the tl dialect -----------===//
//
// Result-type inference and the checks it implies live in
// TLShapeInference.cpp; this file holds the generated definitions and folds.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLOps.h"

#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::tl;

// A trainable parameter does not fold: folding would let the rewrite
// driver merge it with an equal frozen constant (a head's zero-initialized
// bias with any zero tensor of its shape) and freeze it.
OpFoldResult ConstantOp::fold(FoldAdaptor) {
  return getTrainable() ? OpFoldResult() : OpFoldResult(getValue());
}

bool mlir::tl::isActivation(Operation *op) {
  return isa<ReluOp, ClipOp, SigmoidOp, TanhOp, HardSigmoidOp, HardSwishOp,
             SiluOp, GeluOp, LeakyReluOp, PReluOp>(op);
}

bool mlir::tl::isParametricLayer(Operation *op) {
  if (isa<ConvOp, FullyConnectedOp>(op))
    return true;
  auto matmul = dyn_cast<MatMulOp>(op);
  return matmul && matmul.getRhs().getDefiningOp<ConstantOp>();
}

Value mlir::tl::activationOf(Value v) {
  SmallVector<Operation *> users(v.getUsers());
  if (users.size() == 1 && isActivation(users[0]) &&
      users[0]->getOperand(0) == v)
    return users[0]->getResult(0);
  if (users.size() != 2)
    return nullptr;
  for (int i = 0; i < 2; ++i) {
    Operation *gate = users[i];
    auto mul = dyn_cast<MulOp>(users[1 - i]);
    if (isa<SigmoidOp, HardSigmoidOp>(gate) && mul &&
        gate->getResult(0).hasOneUse() &&
        ((mul.getLhs() == v && mul.getRhs() == gate->getResult(0)) ||
         (mul.getRhs() == v && mul.getLhs() == gate->getResult(0))))
      return mul.getResult();
  }
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Run-time parameters
//===----------------------------------------------------------------------===//

Value mlir::tl::runtimeParam(std::optional<ArrayAttr> names, ValueRange params,
                             StringRef name) {
  if (!names)
    return nullptr;
  for (auto [i, n] : llvm::enumerate(*names))
    if (i < params.size() && cast<StringAttr>(n).getValue() == name)
      return params[i];
  return nullptr;
}

int64_t mlir::tl::runtimeParamCount(Value param) {
  auto type = cast<RankedTensorType>(param.getType());
  return type.getRank() == 0 ? 1 : type.getDimSize(0);
}

namespace {

/// An attribute an op may read at run time.
struct ParamSpec {
  StringRef name;
  bool isFloat;  ///< f32 values; else i64 or i32
  bool scalar;   ///< one value (0-D or [1]); else a list (1-D)
  bool required; ///< the op needs it, as an attribute or a parameter
  /// The attribute has a default the op always holds (DefaultValuedAttr),
  /// which the parameter overrides.
  bool defaulted = false;
};

/// Checks `params` against `param_attrs` and the op's specs: one name per
/// operand, each a known attribute given once and not also stored, of a
/// static shape and a type that suits it; every required attribute given
/// one way or the other.
template <typename OpT>
LogicalResult verifyRuntimeParams(OpT op, ArrayRef<ParamSpec> specs) {
  ValueRange params = op.getParams();
  std::optional<ArrayAttr> names = op.getParamAttrs();
  size_t count = names ? names->size() : 0;
  if (count != params.size())
    return op.emitOpError("has ")
           << params.size() << " run-time parameters and " << count
           << " param_attrs";
  llvm::StringSet<> seen;
  for (auto [i, attr] :
       llvm::enumerate(names ? names->getValue() : ArrayRef<Attribute>())) {
    auto name = dyn_cast<StringAttr>(attr);
    const ParamSpec *spec = nullptr;
    for (const ParamSpec &s : specs)
      if (name && s.name == name.getValue())
        spec = &s;
    if (!spec)
      return op.emitOpError("cannot read ") << attr << " at run time";
    if (!seen.insert(spec->name).second)
      return op.emitOpError("reads '") << spec->name << "' twice";
    if (!spec->defaulted &&
        op->getInherentAttr(spec->name).value_or(Attribute()))
      return op.emitOpError("stores '")
             << spec->name << "' and also reads it at run time";
    auto type = cast<RankedTensorType>(params[i].getType());
    Type elem = type.getElementType();
    bool typeOk =
        spec->isFloat ? elem.isF32() : elem.isInteger(64) || elem.isInteger(32);
    bool shapeOk =
        type.hasStaticShape() &&
        (spec->scalar ? type.getNumElements() == 1 : type.getRank() == 1);
    if (!typeOk || !shapeOk)
      return op.emitOpError("reads '")
             << spec->name << "' from " << type << "; it takes "
             << (spec->scalar ? "one " : "a 1-D static tensor of ")
             << (spec->isFloat ? "f32" : "i64 or i32");
  }
  for (const ParamSpec &s : specs)
    if (s.required && !seen.contains(s.name) &&
        !op->getInherentAttr(s.name).value_or(Attribute()))
      return op.emitOpError("needs '")
             << s.name << "' as an attribute or a run-time parameter";
  return success();
}

constexpr ParamSpec kAxes{"axes", false, false, true};

} // namespace

LogicalResult ReshapeOp::verify() {
  return verifyRuntimeParams(*this, {{"shape", false, false, true}});
}
LogicalResult SqueezeOp::verify() { return verifyRuntimeParams(*this, kAxes); }
LogicalResult UnsqueezeOp::verify() {
  return verifyRuntimeParams(*this, kAxes);
}
LogicalResult SliceOp::verify() {
  return verifyRuntimeParams(*this, {{"starts", false, false, true},
                                     {"ends", false, false, true},
                                     {"axes", false, false, true},
                                     {"steps", false, false, true}});
}
LogicalResult PadOp::verify() {
  return verifyRuntimeParams(*this, {{"pads", false, false, true},
                                     {"value", true, true, false, true}});
}
LogicalResult ResizeOp::verify() {
  return verifyRuntimeParams(
      *this, {{"scales", true, false, false}, {"sizes", false, false, false}});
}
#define TL_VERIFY_REDUCE(OpT)                                                  \
  LogicalResult OpT::verify() { return verifyRuntimeParams(*this, kAxes); }
TL_VERIFY_REDUCE(ReduceMeanOp)
TL_VERIFY_REDUCE(ReduceSumOp)
TL_VERIFY_REDUCE(ReduceMaxOp)
TL_VERIFY_REDUCE(ReduceMinOp)
TL_VERIFY_REDUCE(ReduceProdOp)
TL_VERIFY_REDUCE(ReduceL1Op)
TL_VERIFY_REDUCE(ReduceL2Op)
TL_VERIFY_REDUCE(ReduceSumSquareOp)
TL_VERIFY_REDUCE(ReduceLogSumOp)
TL_VERIFY_REDUCE(ReduceLogSumExpOp)
#undef TL_VERIFY_REDUCE

//===----------------------------------------------------------------------===//
// Verifiers of the ops whose result type is their operand's
//===----------------------------------------------------------------------===//

LogicalResult ClipOp::verify() {
  if (getMin().convertToFloat() > getMax().convertToFloat())
    return emitOpError("min ")
           << getMin().convertToFloat() << " is greater than max "
           << getMax().convertToFloat();
  return success();
}

LogicalResult CeluOp::verify() {
  if (getAlpha().convertToFloat() == 0.f)
    return emitOpError("alpha must not be 0 (it divides x)");
  return success();
}

LogicalResult DropoutOp::verify() {
  float ratio = getRatio().convertToFloat();
  if (ratio < 0 || ratio >= 1)
    return emitOpError("ratio must be in [0, 1), got ") << ratio;
  return success();
}

template <typename OpT> static LogicalResult verifySoftmaxAxis(OpT op) {
  // I64Attr getters are unsigned; axes are signed.
  int64_t rank = op.getInput().getType().getRank();
  int64_t axis = static_cast<int64_t>(op.getAxis());
  if (axis < -rank || axis >= rank)
    return op.emitOpError("axis ")
           << axis << " is out of range for rank " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifySoftmaxAxis(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifySoftmaxAxis(*this); }

LogicalResult LrnOp::verify() {
  auto type = getInput().getType();
  if (type.getRank() < 3)
    return emitOpError("input must have rank >= 3 (N, C, spatial...), got ")
           << type;
  return success();
}

#define GET_OP_CLASSES
#include "tl/IR/TLOps.cpp.inc"
