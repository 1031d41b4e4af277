//===- TLDialect.cpp - the tl dialect -------------------------------------===//

#include "tl/IR/TLDialect.h"
#include "tl/IR/TLOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <functional>

using namespace mlir;
using namespace mlir::tl;

#include "tl/IR/TLDialect.cpp.inc"

#include "tl/IR/TLEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "tl/IR/TLAttrs.cpp.inc"

void TLDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "tl/IR/TLOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "tl/IR/TLAttrs.cpp.inc"
      >();
}

Operation *TLDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, type, elements, /*trainable=*/false);
}

std::string mlir::tl::locationName(Location loc) {
  SmallVector<std::string> names = locationNames(loc);
  return names.empty() ? "" : names.front();
}

SmallVector<std::string> mlir::tl::locationNames(Location loc) {
  SmallVector<std::string> names;
  std::function<void(Location)> visit = [&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      names.push_back(n.getName().str());
      visit(n.getChildLoc());
    } else if (auto fused = dyn_cast<FusedLoc>(l)) {
      for (Location part : fused.getLocations())
        visit(part);
    }
  };
  visit(loc);
  return names;
}

std::string mlir::tl::resourceKey(StringRef name) {
  std::string key;
  for (char c : name)
    key.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (key.empty() || llvm::isDigit(key.front()))
    key.insert(0, "w_");
  return key;
}
