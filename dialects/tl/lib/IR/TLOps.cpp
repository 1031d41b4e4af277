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

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

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

LogicalResult DropoutOp::verify() {
  float ratio = getRatio().convertToFloat();
  if (ratio < 0 || ratio >= 1)
    return emitOpError("ratio must be in [0, 1), got ") << ratio;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  // I64Attr getters are unsigned; axes are signed.
  int64_t rank = getInput().getType().getRank();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < -rank || axis >= rank)
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

LogicalResult LrnOp::verify() {
  auto type = getInput().getType();
  if (type.getRank() < 3)
    return emitOpError("input must have rank >= 3 (N, C, spatial...), got ")
           << type;
  return success();
}

#define GET_OP_CLASSES
#include "tl/IR/TLOps.cpp.inc"
