//===- ArtifactFormat.h - constants of the .tlb format ----------*- C++ -*-===//
//
// Shared by the compiler (which writes artifacts) and the runtime (which
// reads them), together with the flatc-generated artifact_generated.h.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_ARTIFACTFORMAT_H
#define TLC_RUNTIME_ARTIFACTFORMAT_H

#include "tlc/schemas/artifact_generated.h"

#include <cstddef>
#include <cstdint>

namespace tlc {

/// Bumped on every change an older reader cannot interpret.
inline constexpr uint32_t kArtifactSchemaVersion = 1;

/// Every weight starts at a multiple of this within Model.weight_data, which
/// is itself aligned so; an mmap'd artifact needs no copies.
inline constexpr size_t kWeightAlignment = 64;

/// The compiler's version, recorded in each artifact's provenance.
inline constexpr const char *kCompilerVersion = "0.1.0";

} // namespace tlc

#endif // TLC_RUNTIME_ARTIFACTFORMAT_H
