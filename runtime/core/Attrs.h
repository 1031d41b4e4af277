//===- Attrs.h - the one reader of kernel attributes ------------*- C++ -*-===//
//
// Every part of the runtime reads a kernel's attributes through this class:
// the op metadata's verifier, the shape functions, the sample rules and the
// backends. Once the core has verified a kernel (OpSchema.h), every
// attribute its op declares is present and of the declared kind and range.
//
// An attribute the artifact marks as a run-time parameter
// (Attribute.from_value) has no values of its own: the core reads them from
// the graph input when it plans a new input (Plan.h), checks them like any
// stored attribute, and hands them to every reader as BoundAttrs. A reader
// given no binding for such an attribute records an error.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_CORE_ATTRS_H
#define TLC_RUNTIME_CORE_ATTRS_H

#include "Artifact.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tlc::runtime {

/// The values of one run-time attribute for one plan.
struct BoundAttr {
  std::string name;
  std::vector<int64_t> ints;
  std::vector<float> floats;
};
/// The run-time attributes of one kernel, for one plan.
using BoundAttrs = std::vector<BoundAttr>;

/// Attributes of one kernel. Getters record the first problem (missing or
/// of the wrong kind) and return a neutral value; status() reports it.
class Attrs {
public:
  /// `bound` (may be null) supplies the kernel's run-time attributes.
  explicit Attrs(const fb::Kernel &kernel, const BoundAttrs *bound = nullptr)
      : kernel_(kernel), bound_(bound) {}
  int64_t i(const char *name);
  std::vector<int64_t> ints(const char *name);
  float f(const char *name);
  std::vector<float> floats(const char *name);
  /// Whether the attribute exists; records nothing.
  bool has(const char *name) const;
  Status status() const { return status_; }

private:
  /// One attribute's values, wherever they live.
  struct View {
    const int64_t *ints = nullptr;
    size_t numInts = 0;
    const float *floats = nullptr;
    size_t numFloats = 0;
  };
  bool lookup(const char *name, View &view) const;
  bool find(const char *name, View &view);
  const fb::Kernel &kernel_;
  const BoundAttrs *bound_;
  Status status_;
};

} // namespace tlc::runtime

#endif // TLC_RUNTIME_CORE_ATTRS_H
