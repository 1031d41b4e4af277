//===- Probe.cpp - a linear head per candidate cut ------------------------===//

#include "tlc/runtime/Probe.h"

#include <algorithm>
#include <cstring>

using namespace tlc::runtime;

FeatureSet tlc::runtime::featureColumns(const FeatureSet &f, int64_t begin,
                                        int64_t width) {
  FeatureSet out;
  out.count = f.count;
  out.width = width;
  out.labels = f.labels;
  out.values.resize(size_t(f.count * width));
  for (int64_t i = 0; i < f.count; ++i)
    std::memcpy(&out.values[i * width], &f.values[i * f.width + begin],
                width * sizeof(float));
  return out;
}

Head tlc::runtime::zeroLinearHead(int64_t width, int64_t classes) {
  HeadLayer layer;
  layer.in = width;
  layer.out = classes;
  layer.weight.assign(size_t(width * classes), 0.f);
  layer.bias.assign(size_t(classes), 0.f);
  Head head;
  head.layers.push_back(std::move(layer));
  return head;
}

StatusOr<std::vector<ProbeFit>>
tlc::runtime::probeCuts(const std::vector<ProbeCut> &cuts,
                        const FeatureSet &train, const FeatureSet &val,
                        int64_t classes, const TrainOptions &options,
                        const std::function<void(const ProbeFit &)> &onFit) {
  int64_t total = 0;
  for (const ProbeCut &c : cuts)
    total += c.width;
  if (total != train.width || (val.count > 0 && total != val.width))
    return invalidArgument("the cuts have " + std::to_string(total) +
                           " features in all, the data " +
                           std::to_string(train.width));
  std::vector<ProbeFit> fits;
  int64_t begin = 0;
  for (const ProbeCut &cut : cuts) {
    FeatureSet t = featureColumns(train, begin, cut.width);
    FeatureSet v =
        val.count > 0 ? featureColumns(val, begin, cut.width) : FeatureSet();
    begin += cut.width;
    ProbeFit fit;
    fit.cut = cut;
    fit.head = zeroLinearHead(cut.width, classes);
    auto result = trainHead(fit.head, t, v, options);
    if (!result)
      return Status(result.status().code(),
                    "cut '" + cut.name + "': " + result.status().message());
    fit.result = std::move(*result);
    fit.trainAccuracy = evaluateHead(fit.head, t).accuracy;
    if (v.count > 0) {
      Evaluation e = evaluateHead(fit.head, v);
      fit.valAccuracy = e.accuracy;
      fit.valLoss = e.loss;
    }
    if (onFit)
      onFit(fit);
    fits.push_back(std::move(fit));
  }
  return fits;
}

size_t tlc::runtime::bestProbeFit(const std::vector<ProbeFit> &fits) {
  size_t best = 0;
  for (size_t i = 1; i < fits.size(); ++i) {
    const ProbeFit &a = fits[i], &b = fits[best];
    if (a.valAccuracy > b.valAccuracy ||
        (a.valAccuracy == b.valAccuracy &&
         (a.valLoss < b.valLoss ||
          (a.valLoss == b.valLoss && a.cut.depth < b.cut.depth))))
      best = i;
  }
  return best;
}
