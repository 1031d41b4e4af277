//===- TLDialect.h - the tl dialect -----------------------------*- C++ -*-===//

#ifndef TL_IR_TLDIALECT_H
#define TL_IR_TLDIALECT_H

#include "mlir/Dialect/Quant/QuantOps.h"
#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "tl/IR/TLDialect.h.inc"

#include "tl/IR/TLEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "tl/IR/TLAttrs.h.inc"

#include <string>

namespace mlir::tl {

/// Names in locations. The ONNX importer gives each op the location
/// `"node"("tensor")`: the node's name, with the name of the output tensor
/// the op computes nested in it; tl-fuse joins the locations of the ops it
/// merges into a FusedLoc.

/// The first node name in `loc`, or "".
std::string locationName(Location loc);

/// Every name in `loc`, node and tensor names alike, outermost first.
SmallVector<std::string> locationNames(Location loc);

/// `name` as a key for a `dense_resource` blob: a printable identifier.
std::string resourceKey(StringRef name);

} // namespace mlir::tl

#endif // TL_IR_TLDIALECT_H
