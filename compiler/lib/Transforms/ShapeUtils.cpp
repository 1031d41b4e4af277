//===- ShapeUtils.cpp - shapes on command lines and in rewrites -----------===//

#include "tlc/Transforms/ShapeUtils.h"

#include "tl/IR/TLOps.h"

#include "mlir/IR/Builders.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;
using namespace mlir::tl;

llvm::Expected<SmallVector<int64_t>> mlir::tl::parseShape(StringRef text) {
  SmallVector<int64_t> dims;
  SmallVector<StringRef> parts;
  text.split(parts, 'x');
  for (StringRef part : parts) {
    part = part.trim();
    int64_t dim;
    if (part == "?") {
      dims.push_back(ShapedType::kDynamic);
    } else if (part.getAsInteger(10, dim) || dim <= 0) {
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "invalid shape '%s': expected dims like 1x3x224x224 (positive "
          "integers or ?)",
          text.str().c_str());
    } else {
      dims.push_back(dim);
    }
  }
  return dims;
}

llvm::Expected<NamedShape> mlir::tl::parseNamedShape(StringRef text) {
  auto [name, shape] = text.rsplit('=');
  if (name.empty() || shape.empty() || !text.contains('='))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "invalid input shape '%s': expected "
                                   "NAME=1x3x224x224",
                                   text.str().c_str());
  auto dims = parseShape(shape);
  if (!dims)
    return dims.takeError();
  return NamedShape{name.str(), std::move(*dims)};
}

LogicalResult mlir::tl::refineResultTypes(Operation *op) {
  auto infer = dyn_cast<InferTypeOpInterface>(op);
  if (!infer)
    return success();
  SmallVector<Type> types;
  if (failed(infer.inferReturnTypes(op->getContext(), op->getLoc(),
                                    op->getOperands(), op->getAttrDictionary(),
                                    op->getPropertiesStorage(),
                                    op->getRegions(), types)))
    return failure();
  for (auto [result, type] : llvm::zip(op->getResults(), types))
    result.setType(type);
  return success();
}

void mlir::tl::syncFunctionType(func::FuncOp func) {
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  func.setFunctionType(FunctionType::get(func.getContext(),
                                         func.getBody().getArgumentTypes(),
                                         ret.getOperandTypes()));
}

LogicalResult mlir::tl::refineFunctionTypes(func::FuncOp func) {
  WalkResult walk = func.walk([&](Operation *op) {
    return failed(refineResultTypes(op)) ? WalkResult::interrupt()
                                         : WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  syncFunctionType(func);
  return success();
}

void mlir::tl::eraseDeadOps(func::FuncOp func) {
  Block &body = func.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (!op.hasTrait<OpTrait::IsTerminator>() && op.use_empty())
      op.erase();
}

bool mlir::tl::isFeaturePooling(StringRef pool) {
  return pool == "avg" || pool == "max" || pool == "avg+max" ||
         pool == "flatten";
}

Value mlir::tl::poolToVector(OpBuilder &b, Location loc, Value x,
                             StringRef pool) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() <= 2)
    return x;
  if (type.getRank() >= 3 && pool != "flatten") {
    auto avg = [&] {
      return b.create<FlattenOp>(loc, b.create<GlobalAvgPoolOp>(loc, x), 1)
          .getResult();
    };
    auto max = [&] {
      return b.create<FlattenOp>(loc, b.create<GlobalMaxPoolOp>(loc, x), 1)
          .getResult();
    };
    if (pool == "avg")
      return avg();
    if (pool == "max")
      return max();
    return b.create<ConcatOp>(loc, ValueRange{avg(), max()}, 1).getResult();
  }
  return b.create<FlattenOp>(loc, x, 1);
}
