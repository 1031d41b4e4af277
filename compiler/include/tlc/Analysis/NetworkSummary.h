//===- NetworkSummary.h - layers, sizes and cut points of a net -*- C++ -*-===//
//
// What `tlc inspect` shows: one row per layer with its output shape,
// parameter count and multiply-accumulates, and the places where the
// network can be cut (block boundaries, where a single tensor carries
// everything downstream, and the penultimate features).
//
//===----------------------------------------------------------------------===//

#ifndef TLC_ANALYSIS_NETWORKSUMMARY_H
#define TLC_ANALYSIS_NETWORKSUMMARY_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::tl {

struct LayerSummary {
  unsigned index = 0;
  std::string name;            ///< the ONNX node name: what `--cut` takes
  std::string op;              ///< the tl op, e.g. "conv"
  std::vector<int64_t> shape;  ///< of its (first) output; -1 where dynamic
  int64_t params = 0;          ///< elements of its constant operands
  std::optional<int64_t> macs; ///< per sample; unknown with dynamic sizes
  /// Everything downstream depends on this output alone: cutting here
  /// keeps the whole network before it.
  bool blockBoundary = false;
  /// A block boundary that ends a block: a merge (a residual add, a
  /// concat), a fork (where the next residual block starts) or a pooling
  /// layer. `tlc probe --cuts blocks` tries these and the penultimate.
  bool blockEnd = false;
  /// The input of the final classifier (`--cut auto`).
  bool penultimate = false;
  /// Multiply-accumulates per sample of this layer and all before it.
  std::optional<int64_t> macsUpTo;
  /// Elements per sample of the output; unknown with dynamic sizes.
  std::optional<int64_t> featureSize;
};

struct NetworkSummary {
  std::vector<LayerSummary> layers;
  int64_t totalParams = 0;
  std::optional<int64_t> totalMacs;
};

/// Summarizes `func`, a function of tl ops (run tl-fold-constants first so
/// that Identity and Dropout do not show up as layers).
NetworkSummary summarizeNetwork(func::FuncOp func);

} // namespace mlir::tl

#endif // TLC_ANALYSIS_NETWORKSUMMARY_H
