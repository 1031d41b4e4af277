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
  /// Skip unreadable images (reporting each) instead of failing.
  bool skipBad = false;
  /// Called after each batch with (done, total).
  std::function<void(size_t, size_t)> progress;
};

/// Runs the frozen backbone (`session`'s `features` output) on every sample
/// of `data`. `skipped` receives "path: reason" for each skipped sample.
StatusOr<FeatureSet> extractFeatures(Session &session, const Dataset &data,
                                     const Preprocessing &pre,
                                     const ExtractOptions &options,
                                     std::vector<std::string> &skipped);

/// The key of a feature cache entry: the backbone (its frozen weights and
/// kernels), the preprocessing and every sample's content and label.
StatusOr<std::string> featureCacheKey(const std::string &artifactPath,
                                      const Dataset &data,
                                      const Preprocessing &pre);
/// Reads DIR/KEY.features.npy and DIR/KEY.labels.npy, if both exist.
StatusOr<FeatureSet> loadCachedFeatures(const std::string &dir,
                                        const std::string &key);
Status storeCachedFeatures(const std::string &dir, const std::string &key,
                           const FeatureSet &features);

enum class Optimizer { kSgd, kAdam };
enum class Loss { kCrossEntropy, kMse, kHinge };
enum class Schedule { kConstant, kStep, kCosine };

/// The optimizer's memory (momentum, Adam's moments, the step count), so
/// that training resumed from a checkpoint continues exactly.
struct OptimizerState {
  int64_t step = 0;
  std::vector<std::vector<float>> first, second; ///< per parameter tensor
};

struct TrainOptions {
  Optimizer optimizer = Optimizer::kAdam;
  Loss loss = Loss::kCrossEntropy;
  Schedule schedule = Schedule::kConstant;
  double learningRate = 1e-3;
  double momentum = 0.9;   ///< SGD
  double l2 = 0.0;         ///< on weights, not biases
  int64_t stepEpochs = 10; ///< Schedule::kStep: x0.1 every this many
  int64_t epochs = 20;
  int64_t batch = 64;
  int64_t patience = 0;        ///< early stopping on validation loss; 0: off
  bool balanceClasses = false; ///< class weights inversely to frequency
  std::vector<float> classWeights; ///< explicit per-class loss weights
  uint64_t seed = 0;
  /// Resuming: the first epoch to run, and the optimizer state to start
  /// from (empty: fresh). Each epoch's shuffle and dropout depend on the
  /// seed and the epoch only, so a resumed run equals an uninterrupted one.
  int64_t startEpoch = 1;
  /// In: the state to start from; out: updated after every epoch (before
  /// the callback), for checkpoints. May be null.
  OptimizerState *state = nullptr;
};

/// Every option within its range, checked before any work starts: the
/// learning rate finite in (0, 10], momentum in [0, 1), L2 in [0, 1000],
/// epochs in [1, 10^6], batch in [1, 2^20], the step at least one epoch,
/// patience not negative, class weights finite and not negative.
Status validate(const TrainOptions &options);

struct EpochStats {
  int64_t epoch = 0;
  double learningRate = 0, trainLoss = 0, trainAccuracy = 0;
  double valLoss = -1, valAccuracy = -1; ///< -1: no validation data
  double seconds = 0;
};

struct TrainResult {
  std::vector<EpochStats> epochs;
  int64_t bestEpoch = 0; ///< whose weights the head keeps
};

/// Trains `head` in place on `train` (validation on `val` when it has
/// samples). Deterministic for a given seed and thread count.
StatusOr<TrainResult>
trainHead(Head &head, const FeatureSet &train, const FeatureSet &val,
          const TrainOptions &options,
          const std::function<void(const EpochStats &)> &onEpoch = nullptr);

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
