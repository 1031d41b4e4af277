//===- ShapeUtils.h - parsing shapes given on command lines -----*- C++ -*-===//

#ifndef TLC_TRANSFORMS_SHAPEUTILS_H
#define TLC_TRANSFORMS_SHAPEUTILS_H

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

} // namespace mlir::tl

#endif // TLC_TRANSFORMS_SHAPEUTILS_H
