//===- Features.h - the backbone's features, computed once ------*- C++ -*-===//
//
// What every command that trains or evaluates a head does before training:
// load the artifact with its head and preprocessing, open the data (or a
// seeded subset of it), and compute each sample's features through the
// frozen backbone once, from the feature cache when the same backbone,
// preprocessing and samples were seen before. Used by tlc train, eval,
// extract and predict; the server and a probe reuse it.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_FEATURES_H
#define TLC_RUNTIME_FEATURES_H

#include "tlc/runtime/Data.h"
#include "tlc/runtime/Session.h"
#include "tlc/runtime/Train.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tlc::runtime {

/// An artifact with a trainable head: its session, the head read from it and
/// the preprocessing it stores.
struct TrainableModel {
  Session session;
  Head head;
  Preprocessing preprocessing;

  static StatusOr<TrainableModel> load(const std::string &path,
                                       int threads = 0);
};

/// The preprocessing an artifact stores, from its session (an artifact
/// without a head: a probe's, or one of several pooled cuts).
StatusOr<Preprocessing> sessionPreprocessing(const Session &session);

/// $XDG_CACHE_HOME/tlc, else ~/.cache/tlc, else ./.tlc-cache.
std::string defaultFeatureCacheDir();

struct FeatureOptions {
  std::string cacheDir; ///< empty: defaultFeatureCacheDir()
  bool useCache = true; ///< read and write the cache
  bool skipBad = false; ///< skip undecodable images instead of failing
  /// The outputs to read, side by side (empty: `features`).
  std::vector<std::string> outputs;
  /// Called as samples are computed (not for cached features).
  std::function<void(size_t done, size_t total)> progress;
};

/// What computing features did, for the caller to report.
struct FeatureReport {
  bool fromCache = false;
  std::string cacheDir;
  std::vector<std::string> skipped; ///< samples that could not be read
  std::string cacheWarning;         ///< why the features were not cached
};

/// The features of `dataset` through the backbone of the artifact at
/// `artifactPath` (whose session is `session`).
StatusOr<FeatureSet> backboneFeatures(const std::string &artifactPath,
                                      Session &session, const Dataset &dataset,
                                      const Preprocessing &preprocessing,
                                      const FeatureOptions &options,
                                      FeatureReport &report);

/// Features and labels from two .npy files, or from one .npz holding
/// `features` (or `x`) and `labels` (or `y`); labels of any integer type.
StatusOr<FeatureSet> readFeatureArrays(const std::string &features,
                                       const std::string &labels);

/// Relabels `features` of `data` (labels index data.classNames(), e.g. the
/// subfolders of a test folder) by the classes a head was trained on: a
/// sample of class "cat" gets the index of "cat" in `headClasses`. A folder
/// holding only some of the classes is then evaluated right. Fails, naming
/// them, on data classes the head does not know. Labels stay as they are
/// when the data's classes are only numbered (IDX files) or `headClasses`
/// is empty (a head trained on unnamed labels).
Status relabelByClassName(FeatureSet &features, const Dataset &data,
                          const std::vector<std::string> &headClasses);

/// A seeded subset of `count` rows, when `count` is positive and smaller
/// than the set.
FeatureSet limitFeatures(FeatureSet features, int64_t count, uint64_t seed);

/// Splits a seeded `fraction` of `train` off as validation data (the
/// --val-split of tlc train and tlc probe, the same rows for the same
/// seed): returns it, and `train` keeps the rest.
FeatureSet splitValidation(FeatureSet &train, double fraction, uint64_t seed);

/// The dataset at `spec`, or a seeded subset of `count` of its samples.
StatusOr<std::shared_ptr<Dataset>>
openDatasetSubset(const std::string &spec, int64_t count, uint64_t seed);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_FEATURES_H
