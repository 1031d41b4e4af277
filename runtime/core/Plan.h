//===- Plan.h - shapes, liveness and the arena for one input shape -*- C++
//-*-===//
//
// Planning a new set of input shapes is two core steps around the backend:
// shapeGraph() runs every kernel's shape function (OpSchema.h) in order and
// checks each result against the artifact's declaration; after the backend
// lowered the graph, placeValues() gives every intermediate value an
// offset in one arena by a liveness scan (a value's bytes are free once the
// last step that reads it ran) and checks that every buffer lies inside it.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_CORE_PLAN_H
#define TLC_RUNTIME_CORE_PLAN_H

#include "Backend.h"

#include <cstdint>
#include <vector>

namespace tlc::runtime {

/// Whether `got` may feed the input `name` declared as `declared`: the same
/// rank, every static dim equal, every dynamic one in [1, 2^40], at most
/// 2^40 elements in all.
Status checkInputShape(const std::string &name, const Shape &declared,
                       const Shape &got);

/// The graph with every value's shape for these input shapes (in port
/// order, already checked against the ports), or the first kernel whose
/// operands do not fit, named with its op and source node.
/// With `maxBytes` > 0, the dense bytes of all intermediate values together
/// must not exceed it (checked before any backend allocates).
/// `inputData` holds the host data of the graph inputs in port order; only
/// the parameter inputs (Artifact::parameterInputs) are read, and it may be
/// empty for an artifact without any. Their values become the kernels'
/// run-time attributes (GraphNode::bound), checked like stored ones.
StatusOr<ShapedGraph> shapeGraph(const Artifact &artifact,
                                 const std::vector<Shape> &inputShapes,
                                 const std::vector<const void *> &inputData,
                                 uint64_t maxBytes = 0);

/// Where the values of a lowering live in the arena.
struct ArenaLayout {
  std::vector<int64_t> offsets; ///< per value; -1: not in the arena
  uint64_t bytes = 0;
};

/// Offsets for every value a step writes, in first-fit order over the
/// blocks live at each step; values in `external` (graph inputs, weights)
/// stay out. Fails if a step reads a value nothing defined or a buffer
/// would end past the arena.
StatusOr<ArenaLayout> placeValues(const Lowering &lowering,
                                  const std::vector<bool> &external);

/// A value's printable location: "kernel 3 'conv' (node_name)".
std::string describeKernel(uint32_t index, const fb::Kernel &kernel);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_CORE_PLAN_H
