//===- Artifact.h - a verified, memory-mapped .tlb --------------*- C++ -*-===//

#ifndef TLC_RUNTIME_ARTIFACT_H
#define TLC_RUNTIME_ARTIFACT_H

#include "tlc/runtime/ArtifactFormat.h"
#include "tlc/runtime/DType.h"
#include "tlc/runtime/Status.h"

#include <memory>
#include <string>
#include <vector>

namespace tlc::runtime {

namespace fb = tlc::schema;

/// A string from an artifact, safe to print: non-printable bytes become
/// \xNN escapes (a corrupt artifact must not garble error messages).
std::string printable(const flatbuffers::String *s);

/// The runtime dtype of a schema dtype.
DType fromSchema(fb::DType dtype);

/// A value's declared shape (-1: dynamic); a value without one is a scalar
/// (flatbuffers may leave empty vectors out).
std::vector<int64_t> declaredShape(const fb::Value &value);

/// A .tlb file mapped read-only and checked: the flatbuffers verifier, the
/// schema version, then every value index, weight range, quantization and
/// shape, the kernel order (each input defined before use), every kernel
/// against its op's metadata (OpSchema.h: operand and result counts,
/// attributes, kinds and ranges) and every executable reference. After
/// open() succeeds, nothing in the model can index out of bounds; shapes
/// are checked again for each concrete input shape (Plan.h).
class Artifact {
public:
  /// Maps the file, or with `copy` reads it into private memory (so that a
  /// long-running process survives the file being overwritten in place).
  static StatusOr<std::shared_ptr<Artifact>> open(const std::string &path,
                                                  bool copy = false);
  /// A private, aligned copy of `size` bytes in memory (the caller's may be
  /// freed); `name` stands for a path in messages.
  static StatusOr<std::shared_ptr<Artifact>>
  copyOf(const uint8_t *bytes, size_t size, const std::string &name);
  ~Artifact();

  const fb::Model &model() const { return *model_; }
  const std::string &path() const { return path_; }
  /// The bytes of weight `index` (aligned to kWeightAlignment).
  const uint8_t *weightData(size_t index) const;
  /// For each value, the index of the weight defining it, or -1.
  const std::vector<int32_t> &weightOfValue() const { return weightOf_; }
  /// For each graph input (in port order), whether a kernel reads an
  /// attribute from it (Attribute.from_value): a run-time parameter, whose
  /// values select the plan as the input shapes do.
  const std::vector<bool> &parameterInputs() const { return parameterInput_; }

private:
  Artifact() = default;
  Status verify();
  /// Maps size_ bytes of private memory for a copy.
  Status allocateCopy();

  std::string path_;
  void *map_ = nullptr; ///< owned: unmapped on destruction
  const uint8_t *bytes_ = nullptr;
  size_t size_ = 0;
  const fb::Model *model_ = nullptr;
  std::vector<int32_t> weightOf_;
  std::vector<bool> parameterInput_;
};

} // namespace tlc::runtime

#endif // TLC_RUNTIME_ARTIFACT_H
