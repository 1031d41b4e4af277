//===- ArtifactFormat.h - constants of the .tlb format ----------*- C++ -*-===//
//
// Shared by the compiler (which writes artifacts) and the runtime (which
// reads them), together with the flatc-generated artifact_generated.h: the
// schema version, the names of the outputs a transfer artifact has, and
// the metadata keys both halves use. No string below is spelled anywhere
// else.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_ARTIFACTFORMAT_H
#define TLC_RUNTIME_ARTIFACTFORMAT_H

#include "tlc/schemas/artifact_generated.h"

#include <cstddef>
#include <cstdint>

namespace tlc {

/// Bumped on every change an older reader cannot interpret (artifact.fbs
/// lists the versions).
inline constexpr uint32_t kArtifactSchemaVersion = 3;
/// The oldest version this runtime still reads. Each version is a subset of
/// the next (1 has no precision, targets or executables, and its BF16 values
/// were never written by a released compiler; 2 has no run-time attributes),
/// so older ones are read as they are.
inline constexpr uint32_t kOldestArtifactSchemaVersion = 1;

/// Every weight starts at a multiple of this within Model.weight_data, which
/// is itself aligned so; an mmap'd artifact needs no copies.
inline constexpr size_t kWeightAlignment = 64;

/// The compiler's version, recorded in each artifact's provenance.
inline constexpr const char *kCompilerVersion = "0.2.0";

/// Outputs of an artifact with a head: the head's scores, and the frozen
/// backbone's features at the cut that feed it.
namespace outputs {
inline constexpr const char *kLogits = "logits";
inline constexpr const char *kFeatures = "features";
} // namespace outputs

/// Metadata keys (Model.metadata).
namespace metadata {
// Preprocessing of images, set at compile time (tlc compile --resize ...).
inline constexpr const char *kPreprocessResize = "tl.preprocess.resize";
inline constexpr const char *kPreprocessCrop = "tl.preprocess.crop";
inline constexpr const char *kPreprocessMean = "tl.preprocess.mean";
inline constexpr const char *kPreprocessStd = "tl.preprocess.std";
inline constexpr const char *kPreprocessChannels = "tl.preprocess.channels";
// The transfer recipe.
inline constexpr const char *kCut = "tl.cut";
inline constexpr const char *kHead = "tl.head";
// The class names, one per line, in logit order.
inline constexpr const char *kClasses = "tl.classes";
// What training recorded.
inline constexpr const char *kTrainEpoch = "tl.train.epoch";
inline constexpr const char *kTrainEpochs = "tl.train.epochs";
inline constexpr const char *kTrainBestEpoch = "tl.train.best_epoch";
inline constexpr const char *kTrainData = "tl.train.data";
inline constexpr const char *kTrainSolver = "tl.train.solver";
inline constexpr const char *kTrainL2 = "tl.train.l2";
/// Per-feature mean and scale the head's first layer was trained on,
/// folded into its weights (informational: serving needs neither).
inline constexpr const char *kTrainStandardized = "tl.train.standardized";
} // namespace metadata

} // namespace tlc

#endif // TLC_RUNTIME_ARTIFACTFORMAT_H
