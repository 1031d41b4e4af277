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
/// frozen backbone runs in ("bf16", "int8"); absent means f32.
inline constexpr llvm::StringLiteral kPrecisionAttr = "tl.precision";

/// The range calibration saw a value take on the user's data
/// (`array<f32: min, max>`): an attribute of the op defining it, or of the
/// function argument. tl-reduce-precision{precision=int8} quantizes the
/// convs whose input has one; the artifact records it (Value.range).
inline constexpr llvm::StringLiteral kRangeAttr = "tl.range";

/// The calibrated range of `v` (kRangeAttr), if it has one.
inline std::optional<std::pair<float, float>> calibratedRange(Value v) {
  DenseF32ArrayAttr range;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
      range = func.getArgAttrOfType<DenseF32ArrayAttr>(arg.getArgNumber(),
                                                       kRangeAttr);
  } else if (v.getDefiningOp()->getNumResults() == 1) {
    range = v.getDefiningOp()->getAttrOfType<DenseF32ArrayAttr>(kRangeAttr);
  }
  if (!range || range.size() != 2)
    return std::nullopt;
  return std::make_pair(range[0], range[1]);
}

/// Records `[lo, hi]` as the calibrated range of `v`, a function argument
/// or the result of a single-result op.
inline void setCalibratedRange(Value v, float lo, float hi) {
  auto range = DenseF32ArrayAttr::get(v.getContext(), {lo, hi});
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
      func.setArgAttr(arg.getArgNumber(), kRangeAttr, range);
  } else if (v.getDefiningOp()->getNumResults() == 1) {
    v.getDefiningOp()->setAttr(kRangeAttr, range);
  }
}

} // namespace mlir::tl

#endif // TLC_TRANSFORMS_PASSES_H
