//===- TLOps.h - the ops of the tl dialect ----------------------*- C++ -*-===//

#ifndef TL_IR_TLOPS_H
#define TL_IR_TLOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "tl/IR/TLDialect.h"

#define GET_OP_CLASSES
#include "tl/IR/TLOps.h.inc"

namespace mlir::tl {

/// Whether `op` is an elementwise activation (relu, clip, sigmoid, ...).
bool isActivation(Operation *op);

/// Whether `op` is a layer with weights: conv, fc, or a matmul by a
/// constant.
bool isParametricLayer(Operation *op);

/// The value an activation computes from `v` when that activation is all
/// that reads `v`: `act(v)`, or the exporters' `v * sigmoid(v)` and
/// `v * hard_sigmoid(v)` (SiLU, hard-swish). Null otherwise.
Value activationOf(Value v);

/// The operand of an op's run-time parameters (TL_RuntimeParams) that gives
/// attribute `name`, or null when the op does not read it at run time.
Value runtimeParam(std::optional<ArrayAttr> names, ValueRange params,
                   StringRef name);
template <typename OpT> Value runtimeParam(OpT op, StringRef name) {
  return runtimeParam(op.getParamAttrs(), op.getParams(), name);
}
/// The number of values a run-time parameter holds (its type is static).
int64_t runtimeParamCount(Value param);

} // namespace mlir::tl

#endif // TL_IR_TLOPS_H
