//===- Passes.h - the passes of the tlc compiler ----------------*- C++ -*-===//

#ifndef TLC_TRANSFORMS_PASSES_H
#define TLC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "tl/IR/TLDialect.h"

namespace mlir::tl {

#define GEN_PASS_DECL
#include "tlc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tlc/Transforms/Passes.h.inc"

/// The argument attribute that carries a graph input's name, and the result
/// attribute that carries a graph output's name.
inline constexpr llvm::StringLiteral kNameAttr = "tl.name";

/// The function attribute tl-reduce-precision sets: the precision the
/// frozen backbone runs in ("bf16"); absent means f32.
inline constexpr llvm::StringLiteral kPrecisionAttr = "tl.precision";

} // namespace mlir::tl

#endif // TLC_TRANSFORMS_PASSES_H
