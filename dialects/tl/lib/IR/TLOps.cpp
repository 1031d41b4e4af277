//===- TLOps.cpp - op definitions and folders of the tl dialect -----------===//
//
// Result-type inference and the checks it implies live in
// TLShapeInference.cpp; this file holds the generated definitions and folds.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLOps.h"

#include "mlir/IR/OpImplementation.h"

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
