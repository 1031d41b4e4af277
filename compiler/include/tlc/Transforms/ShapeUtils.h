//===- ShapeUtils.h - shapes on command lines and in rewrites ---*- C++ -*-===//

#ifndef TLC_TRANSFORMS_SHAPEUTILS_H
#define TLC_TRANSFORMS_SHAPEUTILS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::tl {

/// A shape fixed by the user for one named graph input.
struct NamedShape {
  std::string name;
  SmallVector<int64_t> dims; ///< ShapedType::kDynamic for `?`.
};

/// Parses `1x3x224x224` (`?` marks a dynamic dim).
llvm::Expected<SmallVector<int64_t>> parseShape(StringRef text);

/// Parses `NAME=1x3x224x224`.
llvm::Expected<NamedShape> parseNamedShape(StringRef text);

/// Re-infers the result types of `op` from its operands (which a rewrite
/// may have changed) and sets them. Fails, with the op's diagnostic, when
/// the operands no longer fit.
LogicalResult refineResultTypes(Operation *op);

/// Sets the function type of `func` from its arguments and what it returns.
void syncFunctionType(func::FuncOp func);

/// Refines every op's result types in program order, then the function
/// type: after a rewrite changed the shape of some values.
LogicalResult refineFunctionTypes(func::FuncOp func);

/// Erases the ops of `func` whose results nothing uses (tl ops have no
/// side effects), in one backward sweep.
void eraseDeadOps(func::FuncOp func);

/// Whether `pool` names a way poolToVector knows: avg, max, avg+max,
/// flatten.
bool isFeaturePooling(StringRef pool);

/// Turns `x` [N, C, ...] into a vector per sample [N, F]: global average
/// (`avg`) or max (`max`) pooling, both concatenated (`avg+max`, F = 2C),
/// or no pooling (`flatten`); a tensor already [N, F] is returned as it is.
Value poolToVector(OpBuilder &b, Location loc, Value x, StringRef pool);

} // namespace mlir::tl

#endif // TLC_TRANSFORMS_SHAPEUTILS_H
