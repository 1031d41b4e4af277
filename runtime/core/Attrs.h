//===- Attrs.h - the one reader of kernel attributes ------------*- C++ -*-===//
//
// Every part of the runtime reads a kernel's attributes through this class:
// the op metadata's verifier, the shape functions, the sample rules and the
// backends. Once the core has verified a kernel (OpSchema.h), every
// attribute its op declares is present and of the declared kind and range.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_CORE_ATTRS_H
#define TLC_RUNTIME_CORE_ATTRS_H

#include "Artifact.h"

#include <cstdint>
#include <vector>

namespace tlc::runtime {

/// Attributes of one kernel. Getters record the first problem (missing or
/// of the wrong kind) and return a neutral value; status() reports it.
class Attrs {
public:
  explicit Attrs(const fb::Kernel &kernel) : kernel_(kernel) {}
  int64_t i(const char *name);
  std::vector<int64_t> ints(const char *name);
  float f(const char *name);
  std::vector<float> floats(const char *name);
  /// Whether the attribute exists; records nothing.
  bool has(const char *name) const { return lookup(name) != nullptr; }
  /// The attribute, or null; records nothing.
  const fb::Attribute *lookup(const char *name) const;
  Status status() const { return status_; }

private:
  const fb::Attribute *find(const char *name);
  const fb::Kernel &kernel_;
  Status status_;
};

} // namespace tlc::runtime

#endif // TLC_RUNTIME_CORE_ATTRS_H
