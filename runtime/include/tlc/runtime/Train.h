//===- Train.h - training the head of a compiled artifact -------*- C++ -*-===//
//
// A compiled artifact with a head (`tlc compile --head`) returns `logits`
// and `features`. Training never runs the frozen backbone twice on a
// sample: features are extracted once (and cached on disk), then the head
// (its `trainable` weights: fully connected layers with their activations
// and dropout) trains on the features alone, here, with its own forward
// and backward passes. The trained weights go back into a copy of the
// artifact, which then runs anywhere the runtime runs.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_TRAIN_H
#define TLC_RUNTIME_TRAIN_H

#include "tlc/runtime/Data.h"
#include "tlc/runtime/Npy.h"
#include "tlc/runtime/Session.h"
#include "tlc/runtime/Status.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tlc::runtime {

/// Features [count, width] and their labels.
struct FeatureSet {
  int64_t count = 0, width = 0;
  std::vector<float> values;
  std::vector<int64_t> labels;
};

/// Features from .npy arrays: float32 [N, F] and integer [N] labels (int64,
/// int32 or uint8). The sources name the arrays in errors.
StatusOr<FeatureSet> featuresFromNpy(const NpyArray &values,
                                     const NpyArray &labels,
                                     const std::string &valuesSource,
                                     const std::string &labelsSource);
/// Writes PREFIX.features.npy (float32) and PREFIX.labels.npy (int64), each
/// atomically; labels last, so a reader that finds them finds both.
Status writeFeatures(const std::string &prefix, const FeatureSet &features);
/// The rows `rows` of `features`, in that order.
FeatureSet selectRows(const FeatureSet &features,
                      const std::vector<size_t> &rows);
/// A permutation of [0, n) fixed by `seed` (SplitMix64, Fisher-Yates).
std::vector<size_t> seededPermutation(size_t n, uint64_t seed);

/// One dense layer of a head: y = act(x W^T + b), then dropout in training.
struct HeadLayer {
  int64_t in = 0, out = 0;
  std::vector<float> weight; ///< [out, in]
  std::vector<float> bias;   ///< [out]
  int64_t activation = 0;    ///< tl's Activation enum: 0 none, 1 relu, ...
  float dropout = 0.f;
  uint32_t weightIndex = 0, biasIndex = 0; ///< in the artifact's weights
};

/// The trainable head of an artifact, and what training needs to know.
struct Head {
  std::vector<HeadLayer> layers;
  std::vector<std::string> classNames; ///< from the artifact, if trained
  std::map<std::string, std::string> metadata;
  int64_t inputSize() const { return layers.front().in; }
  int64_t classes() const { return layers.back().out; }

  /// Reads the head from the artifact at `path`: the layers between its
  /// `features` and `logits` outputs. Fails if it has none or they are not
  /// fully connected layers with supported activations.
  static StatusOr<Head> load(const std::string &path);

  /// Logits [count, classes] of `x` [count, inputSize] (inference).
  std::vector<float> logits(const float *x, int64_t count) const;
};

struct ExtractOptions {
  int64_t batch = 32;
  /// The outputs whose values make a sample's features, side by side in
  /// this order (empty: `features`).
  std::vector<std::string> outputs;
  /// Skip unreadable images (reporting each) instead of failing.
  bool skipBad = false;
  /// Called after each batch with (done, total).
  std::function<void(size_t, size_t)> progress;
};

/// Runs the frozen backbone (`session`'s `features` output, or the outputs
/// named in `options`) on every sample of `data`. `skipped` receives "path:
/// reason" for each skipped sample.
StatusOr<FeatureSet> extractFeatures(Session &session, const Dataset &data,
                                     const Preprocessing &pre,
                                     const ExtractOptions &options,
                                     std::vector<std::string> &skipped);

/// The key of a feature cache entry: the backbone (its outputs, frozen
/// weights and kernels), the outputs read, the preprocessing and every
/// sample's content and label.
StatusOr<std::string>
featureCacheKey(const std::string &artifactPath, const Dataset &data,
                const Preprocessing &pre,
                const std::vector<std::string> &outputs = {});
/// Reads DIR/KEY.features.npy and DIR/KEY.labels.npy, if both exist.
StatusOr<FeatureSet> loadCachedFeatures(const std::string &dir,
                                        const std::string &key);
Status storeCachedFeatures(const std::string &dir, const std::string &key,
                           const FeatureSet &features);

/// How the head is fitted. kAuto: L-BFGS for a head it suits (a smooth
/// loss, no dropout: the linear heads of `--head linear:N`), else Adam.
enum class Solver { kAuto, kLbfgs, kAdam, kSgd };
enum class Loss { kCrossEntropy, kMse, kHinge };
enum class Schedule { kConstant, kStep, kCosine };

const char *solverName(Solver solver);

/// The optimizer's memory (momentum, Adam's moments, the step count) and
/// the head's parameters in the coordinates it trains in (standardized
/// features), so that training resumed from a checkpoint continues exactly.
struct OptimizerState {
  int64_t step = 0;
  std::vector<std::vector<float>> first, second; ///< per parameter tensor
  std::vector<std::vector<float>> params; ///< per parameter tensor; optional
};

struct TrainOptions {
  Solver solver = Solver::kAuto;
  Loss loss = Loss::kCrossEntropy;
  /// Train on standardized features (each feature's mean and standard
  /// deviation over the training set), folded into the head's first layer
  /// when training ends: the trained head takes raw features.
  bool standardize = true;
  Schedule schedule = Schedule::kConstant;
  double learningRate = 1e-3; ///< Adam, SGD
  double momentum = 0.9;      ///< SGD
  /// The objective is the mean loss + l2/2 |W|^2 (weights, not biases; in
  /// standardized coordinates): scikit-learn's C is 1 / (l2 * samples).
  double l2 = 0.0;
  /// Pick l2 from `l2Grid` by validation accuracy (then loss): fits from
  /// the largest penalty down, each starting from the previous optimum.
  bool l2Auto = false;
  std::vector<double> l2Grid = defaultL2Grid();
  int64_t stepEpochs = 10; ///< Schedule::kStep: x0.1 every this many
  int64_t epochs = 20;     ///< Adam, SGD
  int64_t batch = 64;      ///< Adam, SGD
  int64_t patience = 0;    ///< early stopping on validation loss; 0: off
  /// L-BFGS: stop when |gradient| <= tolerance * max(1, |parameters|), or
  /// after this many iterations.
  double tolerance = 1e-5;
  int64_t maxIterations = 1000;
  bool balanceClasses = false;     ///< class weights inversely to frequency
  std::vector<float> classWeights; ///< explicit per-class loss weights
  uint64_t seed = 0;
  /// Resuming (Adam, SGD): the first epoch to run, and the optimizer state
  /// to start from (empty: fresh). Each epoch's shuffle and dropout depend
  /// on the seed and the epoch only, so a resumed run equals an
  /// uninterrupted one.
  int64_t startEpoch = 1;
  /// In: the state to start from; out: updated after every epoch (before
  /// the callback), for checkpoints. May be null.
  OptimizerState *state = nullptr;

  /// 10 down to 1e-6, four values a decade.
  static std::vector<double> defaultL2Grid();
};

/// Every option within its range, checked before any work starts: the
/// learning rate finite in (0, 10], momentum in [0, 1), L2 in [0, 1000]
/// (every grid value too), epochs in [1, 10^6], batch in [1, 2^20], the
/// step at least one epoch, patience not negative, the tolerance finite in
/// (0, 1), iterations in [1, 10^6], class weights finite and not negative.
Status validate(const TrainOptions &options);

/// The solver `options` resolve to for `head` (kAuto decided), or why the
/// one asked for cannot fit it.
StatusOr<Solver> chooseSolver(const Head &head, const TrainOptions &options);

/// One epoch (Adam, SGD) or one iteration (L-BFGS).
struct EpochStats {
  int64_t epoch = 0;
  double learningRate = 0, trainLoss = 0, trainAccuracy = 0;
  double valLoss = -1, valAccuracy = -1; ///< -1: no validation data
  double seconds = 0;
};

/// One fit of the --l2 auto grid.
struct L2Score {
  double l2 = 0;
  int64_t iterations = 0; ///< L-BFGS iterations or epochs
  double trainAccuracy = 0, valLoss = 0, valAccuracy = 0, seconds = 0;
};

struct TrainResult {
  Solver solver = Solver::kAdam;
  double l2 = 0;                  ///< the penalty used (or picked)
  std::vector<EpochStats> epochs; ///< of the fit kept
  int64_t bestEpoch = 0;          ///< whose weights the head keeps
  std::vector<L2Score> grid;      ///< --l2 auto: every fit, in order
  /// L-BFGS: whether it met the tolerance (within 100x of it, where float
  /// gradients leave the line search no progress to make), if not why it
  /// stopped, and the relative gradient |g| / max(1, |W|) it ended at.
  bool converged = true;
  std::string stopReason;
  double gradient = 0;
  double seconds = 0; ///< of all fits
};

/// Trains `head` in place on `train` (validation on `val` when it has
/// samples). Deterministic for a given seed and thread count. `onEpoch`
/// (Adam and SGD, without --l2 auto) gets each epoch's statistics and the
/// head as it then is, standardization folded in (what a checkpoint keeps).
StatusOr<TrainResult>
trainHead(Head &head, const FeatureSet &train, const FeatureSet &val,
          const TrainOptions &options,
          const std::function<void(const EpochStats &, const Head &)> &onEpoch =
              nullptr);

/// The `k` most probable classes of one sample's `logits` (softmax), most
/// probable first, as (class index, probability).
std::vector<std::pair<int64_t, double>> topClasses(const float *logits,
                                                   int64_t classes, int64_t k);

/// Writes loss and accuracy per epoch (train and validation) as a PNG,
/// atomically.
Status plotCurves(const std::vector<EpochStats> &epochs,
                  const std::string &path);

/// Accuracy, top-5, per-class precision and recall, the confusion matrix.
struct Evaluation {
  int64_t count = 0;
  double accuracy = 0, top5 = 0, loss = 0;
  std::vector<double> precision, recall;       ///< per class
  std::vector<std::vector<int64_t>> confusion; ///< [true][predicted]
};
Evaluation evaluateHead(const Head &head, const FeatureSet &data);

/// Writes a copy of the artifact at `from` to `to` (atomically) with the
/// head's weights, its class names and `metadata` added.
Status writeTrainedArtifact(const std::string &from, const std::string &to,
                            const Head &head,
                            const std::vector<std::string> &classNames,
                            const std::map<std::string, std::string> &metadata);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_TRAIN_H
