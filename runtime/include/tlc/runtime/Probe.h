//===- Probe.h - which cut of a backbone suits the user's data --*- C++ -*-===//
//
// `tlc probe` compiles a backbone once with every candidate cut as an
// output (each pooled to a vector per sample), computes all cuts' features
// in one pass per image, and fits a linear head per cut with the trainer's
// optimum-seeking defaults (standardized features, L-BFGS, the penalty
// picked on the validation data). The cut whose head does best on the
// validation data is the one to compile; its trained head comes along.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_PROBE_H
#define TLC_RUNTIME_PROBE_H

#include "tlc/runtime/Train.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tlc::runtime {

/// A candidate cut: where it is and what it costs.
struct ProbeCut {
  std::string name;            ///< the node (what `--cut` takes)
  int64_t depth = 0;           ///< its layer's index in the network
  int64_t width = 0;           ///< features per sample after pooling
  std::optional<int64_t> macs; ///< per sample, up to and including the cut
};

/// A linear head fitted on one cut's features.
struct ProbeFit {
  ProbeCut cut;
  Head head; ///< trained, standardization folded in
  TrainResult result;
  double trainAccuracy = 0, valAccuracy = 0, valLoss = 0;
};

/// The columns [begin, begin + width) of `features`.
FeatureSet featureColumns(const FeatureSet &features, int64_t begin,
                          int64_t width);

/// A linear head of `classes` outputs over `width` features, all zeros.
Head zeroLinearHead(int64_t width, int64_t classes);

/// Fits a linear head per cut on its columns of `train` and `val` (the
/// cuts' features side by side, in the order of `cuts`). `onFit` is called
/// after each. Fails on the first cut that cannot be fitted.
StatusOr<std::vector<ProbeFit>>
probeCuts(const std::vector<ProbeCut> &cuts, const FeatureSet &train,
          const FeatureSet &val, int64_t classes, const TrainOptions &options,
          const std::function<void(const ProbeFit &)> &onFit = nullptr);

/// The fit with the best validation accuracy; of equals, the lowest
/// validation loss, then the shallowest cut (the cheapest to run).
size_t bestProbeFit(const std::vector<ProbeFit> &fits);

/// Validation (and training) accuracy against the cuts' depth order, as a
/// PNG, atomically.
Status plotProbe(const std::vector<ProbeFit> &fits, const std::string &path);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_PROBE_H
