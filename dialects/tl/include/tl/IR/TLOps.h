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

#endif // TL_IR_TLOPS_H
