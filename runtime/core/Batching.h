//===- Batching.h - whether a model treats samples independently -*- C++
//-*-===//
//
// A batch of N samples can run as several passes over smaller batches when
// every kernel computes each sample from that sample alone (convs, pools,
// elementwise math, concat along channels, ...), and not when one mixes
// samples (a reshape that folds the batch into another dim, a reduction or
// a slice over it). Session uses this to run large batches in cache-sized
// passes (SessionOptions::microBatch).
//
// Each op states its rule in its OpSchema (OpSchema.h): one of the SampleRules
// below, or none, which keeps a model that uses it in one pass.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_BATCHING_H
#define TLC_RUNTIME_BATCHING_H

#include "Artifact.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tlc::runtime {

class Attrs;

/// What a sample rule sees of one kernel whose inputs include a batched
/// value (dim 0 is the sample index).
struct SampleContext {
  std::vector<int64_t> inputs; ///< value ids; -1: absent optional input
  std::vector<bool> batched;   ///< per input
  std::vector<int64_t> ranks;  ///< per input; 0 when absent
  std::vector<int64_t> dim0s;  ///< per input: dim 0 (-1 dynamic), 1 if rank 0
  Attrs &attrs;

  bool isBatched(size_t i) const { return i < batched.size() && batched[i]; }
  bool present(size_t i) const { return i < inputs.size() && inputs[i] >= 0; }
  /// Input 0 is batched and the others are parameters, except input
  /// `residual`, which is batched where present.
  bool onlyFirst(size_t residual = SIZE_MAX) const;
};

/// Whether a kernel computes each sample of its outputs from the same
/// sample of its batched inputs alone, given its attributes.
using SampleRule = bool (*)(const SampleContext &);

namespace samples {
/// Output sample i from input 0's sample i; other inputs are parameters.
bool perSample(const SampleContext &c);
/// conv and fc: perSample, plus a batched residual (input 3).
bool layer(const SampleContext &c);
/// Numpy broadcasting: batched operands align dim 0 with the output's,
/// the others broadcast over it (lower rank, or dim 0 of 1).
bool broadcasting(const SampleContext &c);
/// Along `axis`, which must not be 0; every input batched.
bool concat(const SampleContext &c);
/// perSample with `axis` >= 1 (softmax, layer_norm, flatten).
bool fromAxis(const SampleContext &c);
/// perSample with no entry of `axes` on dim 0 (reduce_mean, squeeze,
/// slice); unsqueeze counts its axes in the output's rank.
bool axesSkip0(const SampleContext &c);
bool unsqueeze(const SampleContext &c);
/// perm[0] == 0.
bool transpose(const SampleContext &c);
/// Dim 0 copied (0), or the only inferred one (-1).
bool reshape(const SampleContext &c);
/// No padding on dim 0.
bool pad(const SampleContext &c);
/// A scale of 1 on dim 0.
bool resize(const SampleContext &c);
/// Rows (and leading dims) of A against a shared B.
bool matmul(const SampleContext &c);
} // namespace samples

/// Whether dim 0 of every graph input is a dynamic batch that flows,
/// sample by sample, to dim 0 of every graph output. Conservative: an op
/// without a rule, or an attribute it cannot read, makes it false, and
/// `why` then names the kernel.
bool samplesAreIndependent(const fb::Model &model, std::string *why = nullptr);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_BATCHING_H
