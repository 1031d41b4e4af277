//===- Features.cpp - the backbone's features, computed once --------------===//

#include "tlc/runtime/Features.h"

#include "tlc/runtime/ArtifactFormat.h"
#include "tlc/runtime/Npy.h"

#include <cstdlib>

using namespace tlc::runtime;

StatusOr<TrainableModel> TrainableModel::load(const std::string &path,
                                              int threads) {
  auto head = Head::load(path);
  if (!head)
    return head.status();
  auto pre = Preprocessing::fromMetadata(head->metadata);
  if (!pre)
    return pre.status();
  SessionOptions options;
  options.threads = threads;
  auto session = Session::load(path, options);
  if (!session)
    return session.status();
  return TrainableModel{std::move(*session), std::move(*head), *pre};
}

StatusOr<Preprocessing>
tlc::runtime::sessionPreprocessing(const Session &session) {
  std::map<std::string, std::string> metadata;
  for (const char *key :
       {tlc::metadata::kPreprocessCrop, tlc::metadata::kPreprocessResize,
        tlc::metadata::kPreprocessMean, tlc::metadata::kPreprocessStd,
        tlc::metadata::kPreprocessChannels})
    if (std::string v = session.metadata(key); !v.empty())
      metadata[key] = v;
  return Preprocessing::fromMetadata(metadata);
}

std::string tlc::runtime::defaultFeatureCacheDir() {
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/tlc";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/tlc";
  return ".tlc-cache";
}

StatusOr<FeatureSet> tlc::runtime::backboneFeatures(
    const std::string &artifactPath, Session &session, const Dataset &dataset,
    const Preprocessing &preprocessing, const FeatureOptions &options,
    FeatureReport &report) {
  report = FeatureReport();
  report.cacheDir =
      options.cacheDir.empty() ? defaultFeatureCacheDir() : options.cacheDir;
  std::string key;
  if (options.useCache) {
    auto k =
        featureCacheKey(artifactPath, dataset, preprocessing, options.outputs);
    if (!k)
      return k.status();
    key = *k;
    if (auto cached = loadCachedFeatures(report.cacheDir, key)) {
      report.fromCache = true;
      return cached;
    }
  }
  ExtractOptions extract;
  extract.skipBad = options.skipBad;
  extract.outputs = options.outputs;
  extract.progress = options.progress;
  auto features =
      extractFeatures(session, dataset, preprocessing, extract, report.skipped);
  if (!features)
    return features.status();
  // A set with skipped samples depends on which images failed: not cached.
  if (options.useCache && report.skipped.empty())
    if (Status s = storeCachedFeatures(report.cacheDir, key, *features); !s)
      report.cacheWarning = s.message();
  return features;
}

StatusOr<FeatureSet> tlc::runtime::readFeatureArrays(const std::string &x,
                                                     const std::string &y) {
  StatusOr<NpyArray> values = invalidArgument(x), labels = invalidArgument(y);
  bool npz = x.size() >= 4 && x.compare(x.size() - 4, 4, ".npz") == 0;
  if (npz) {
    auto arrays = readNpz(x);
    if (!arrays)
      return arrays.status();
    auto pick = [&](const char *a, const char *b) -> StatusOr<NpyArray> {
      for (const char *name : {a, b})
        if (auto it = arrays->find(name); it != arrays->end())
          return std::move(it->second);
      return invalidArgument(x + ": no array '" + a + "' (or '" + b + "')");
    };
    values = pick("features", "x");
    labels = pick("labels", "y");
  } else {
    values = readNpy(x);
    labels = readNpy(y);
  }
  if (!values)
    return values.status();
  if (!labels)
    return labels.status();
  return featuresFromNpy(*values, *labels, x, npz ? x : y);
}

Status
tlc::runtime::relabelByClassName(FeatureSet &features, const Dataset &data,
                                 const std::vector<std::string> &headClasses) {
  if (headClasses.empty() || !data.namedClasses())
    return Status::ok();
  const std::vector<std::string> &dataClasses = data.classNames();
  std::vector<int64_t> toHead(dataClasses.size(), -1);
  std::string unknown;
  for (size_t c = 0; c < dataClasses.size(); ++c) {
    for (size_t h = 0; h < headClasses.size(); ++h)
      if (dataClasses[c] == headClasses[h])
        toHead[c] = static_cast<int64_t>(h);
    if (toHead[c] < 0)
      unknown += (unknown.empty() ? "'" : ", '") + dataClasses[c] + "'";
  }
  if (!unknown.empty()) {
    std::string known;
    for (const std::string &h : headClasses)
      known += (known.empty() ? "" : ", ") + h;
    return invalidArgument("the data has classes the head was not trained "
                           "on: " +
                           unknown + " (the head's classes: " + known + ")");
  }
  for (int64_t &y : features.labels) {
    if (y < 0 || y >= static_cast<int64_t>(toHead.size()))
      return invalidArgument("label " + std::to_string(y) +
                             " names no class of the data");
    y = toHead[y];
  }
  return Status::ok();
}

FeatureSet tlc::runtime::limitFeatures(FeatureSet features, int64_t count,
                                       uint64_t seed) {
  if (count <= 0 || count >= features.count)
    return features;
  std::vector<size_t> pick = seededPermutation(features.count, seed);
  pick.resize(count);
  return selectRows(features, pick);
}

FeatureSet tlc::runtime::splitValidation(FeatureSet &train, double fraction,
                                         uint64_t seed) {
  // Another stream than --limit's subset of the same seed.
  std::vector<size_t> order = seededPermutation(train.count, seed + 1);
  auto split = order.begin() + size_t(double(train.count) * fraction);
  FeatureSet val = selectRows(train, std::vector<size_t>(order.begin(), split));
  train = selectRows(train, std::vector<size_t>(split, order.end()));
  return val;
}

StatusOr<std::shared_ptr<Dataset>>
tlc::runtime::openDatasetSubset(const std::string &spec, int64_t count,
                                uint64_t seed) {
  auto ds = openDataset(spec);
  if (!ds)
    return ds.status();
  std::shared_ptr<Dataset> all = std::move(*ds);
  if (count <= 0 || size_t(count) >= all->size())
    return all;
  std::vector<size_t> pick = seededPermutation(all->size(), seed);
  pick.resize(count);
  return std::shared_ptr<Dataset>(subset(all, std::move(pick)));
}
