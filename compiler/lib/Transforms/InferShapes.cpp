//===- InferShapes.cpp - refine tl result types ---------------------------===//

#include "tlc/Transforms/Passes.h"
#include "tlc/Transforms/ShapeUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace mlir::tl {
#define GEN_PASS_DEF_INFERSHAPESPASS
#include "tlc/Transforms/Passes.h.inc"
} // namespace mlir::tl

using namespace mlir;
using namespace mlir::tl;

namespace {

/// The index of the argument called `name` (its tl.name, or `argN`).
std::optional<unsigned> findArgument(func::FuncOp func, StringRef name) {
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto attr = func.getArgAttrOfType<StringAttr>(i, kNameAttr);
    if ((attr && attr.getValue() == name) || name == "arg" + std::to_string(i))
      return i;
  }
  return std::nullopt;
}

struct InferShapesPass : tl::impl::InferShapesPassBase<InferShapesPass> {
  using Base::Base;

  LogicalResult applyInputShapes(func::FuncOp func) {
    for (const std::string &spec : inputShapes) {
      auto named = parseNamedShape(spec);
      if (!named)
        return func.emitError(llvm::toString(named.takeError()));
      auto index = findArgument(func, named->name);
      if (!index)
        return func.emitError("no input named '")
               << named->name << "' (input-shapes=" << spec << ")";
      BlockArgument arg = func.getArgument(*index);
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!type)
        return func.emitError("input '") << named->name << "' is not a tensor";
      if (failed(verifyCompatibleShape(type.getShape(), named->dims)))
        return func.emitError("shape ")
               << spec << " is incompatible with input '" << named->name
               << "' of type " << type;
      arg.setType(type.clone(named->dims));
    }
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (failed(applyInputShapes(func)))
      return signalPassFailure();

    if (failed(refineFunctionTypes(func)))
      return signalPassFailure();
  }
};

} // namespace
