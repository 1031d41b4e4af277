//===- Agreement.h - a lower-precision backbone against f32 -----*- C++ -*-===//
//
// A frozen backbone compiled for bf16 (or int8) computes slightly different
// features; what matters is whether the user's task notices. These measure
// it on the user's own samples: the same samples through the f32 artifact
// and the lower-precision one, compared output by output (tlc compile
// --check).
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_AGREEMENT_H
#define TLC_RUNTIME_AGREEMENT_H

#include "tlc/runtime/Data.h"
#include "tlc/runtime/Session.h"
#include "tlc/runtime/Train.h"

#include <functional>
#include <string>
#include <vector>

namespace tlc::runtime {

/// How one output of a candidate agrees with the reference's, over samples.
struct OutputAgreement {
  std::string output;
  int64_t width = 0;                    ///< values per sample
  int64_t count = 0;                    ///< samples compared
  double meanCosine = 0, minCosine = 0; ///< per-sample cosine similarity
  /// The fraction of samples whose largest value sits at the same index in
  /// both (for class scores: the same top-1 class).
  double top1 = 0;
  /// The largest |candidate - reference| over all values, relative to the
  /// largest |reference| value.
  double maxRelativeError = 0;
};

/// Compares the rows of `candidate` to those of `reference` (the same
/// samples, in the same order, `width` values each). Two all-zero rows
/// count as cosine 1; one all-zero row against a non-zero one as 0.
StatusOr<OutputAgreement> compareFeatures(const FeatureSet &reference,
                                          const FeatureSet &candidate);

/// Runs every sample of `data` through both sessions (their own
/// preprocessing, which must be the same) and compares each output.
/// `progress` sees (done, total) over both.
StatusOr<std::vector<OutputAgreement>>
compareSessions(Session &reference, Session &candidate, const Dataset &data,
                const std::function<void(size_t, size_t)> &progress = {});

} // namespace tlc::runtime

#endif // TLC_RUNTIME_AGREEMENT_H
