//===- TLDialect.h - the tl dialect -----------------------------*- C++ -*-===//

#ifndef TL_IR_TLDIALECT_H
#define TL_IR_TLDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "tl/IR/TLDialect.h.inc"

#include "tl/IR/TLEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "tl/IR/TLAttrs.h.inc"

#endif // TL_IR_TLDIALECT_H
