//===- Agreement.cpp - a lower-precision backbone against f32 -------------===//

#include "tlc/runtime/Agreement.h"

#include "tlc/runtime/Features.h"
#include "tlc/runtime/Probe.h"

#include <algorithm>
#include <cmath>

using namespace tlc::runtime;

StatusOr<OutputAgreement>
tlc::runtime::compareFeatures(const FeatureSet &reference,
                              const FeatureSet &candidate) {
  if (reference.count != candidate.count ||
      reference.width != candidate.width || reference.width <= 0)
    return invalidArgument("the outputs to compare differ in shape: " +
                           std::to_string(reference.count) + "x" +
                           std::to_string(reference.width) + " and " +
                           std::to_string(candidate.count) + "x" +
                           std::to_string(candidate.width));
  OutputAgreement a;
  a.count = reference.count;
  a.width = reference.width;
  a.minCosine = 1;
  double largest = 0, largestError = 0;
  int64_t same = 0;
  for (int64_t i = 0; i < a.count; ++i) {
    const float *r = &reference.values[i * a.width];
    const float *c = &candidate.values[i * a.width];
    double dot = 0, rr = 0, cc = 0;
    int64_t rBest = 0, cBest = 0;
    for (int64_t j = 0; j < a.width; ++j) {
      dot += double(r[j]) * c[j];
      rr += double(r[j]) * r[j];
      cc += double(c[j]) * c[j];
      largest = std::max(largest, std::fabs(double(r[j])));
      largestError = std::max(largestError, std::fabs(double(c[j]) - r[j]));
      if (r[j] > r[rBest])
        rBest = j;
      if (c[j] > c[cBest])
        cBest = j;
    }
    double cosine = rr == 0 && cc == 0   ? 1.0
                    : rr == 0 || cc == 0 ? 0.0
                                         : dot / std::sqrt(rr * cc);
    a.meanCosine += cosine;
    a.minCosine = std::min(a.minCosine, cosine);
    same += rBest == cBest;
  }
  a.meanCosine /= double(a.count);
  a.top1 = double(same) / double(a.count);
  a.maxRelativeError = largest > 0 ? largestError / largest : largestError;
  return a;
}

StatusOr<std::vector<OutputAgreement>> tlc::runtime::compareSessions(
    Session &reference, Session &candidate, const Dataset &data,
    const std::function<void(size_t, size_t)> &progress) {
  auto pre = sessionPreprocessing(reference);
  if (!pre)
    return pre.status();
  std::vector<std::string> names;
  for (const PortInfo &port : reference.outputs())
    names.push_back(port.name);
  if (candidate.outputs().size() != names.size())
    return invalidArgument("the artifacts to compare have different outputs");
  for (size_t i = 0; i < names.size(); ++i)
    if (candidate.outputs()[i].name != names[i])
      return invalidArgument("the artifacts to compare have different outputs");
  // Every output side by side, one pass per session; then split by the
  // width each output has per sample.
  std::vector<FeatureSet> sets;
  for (int which = 0; which < 2; ++which) {
    ExtractOptions options;
    options.outputs = names;
    if (progress)
      options.progress = [&, which](size_t done, size_t total) {
        progress(which * total + done, 2 * total);
      };
    std::vector<std::string> skipped;
    auto features = extractFeatures(which ? candidate : reference, data, *pre,
                                    options, skipped);
    if (!features)
      return features.status();
    sets.push_back(std::move(*features));
  }
  // The widths, from one sample through the reference.
  Tensor one(DType::kF32, {1, 3, pre->crop, pre->crop});
  auto image = data.image(0);
  if (!image)
    return image.status();
  if (Status s = preprocess(*image, *pre, one.dataAs<float>()); !s)
    return s;
  const std::vector<int64_t> &inputShape = reference.inputs()[0].shape;
  if (!inputShape.empty() && inputShape[0] > 1) // a fixed batch: repeat it
    one = Tensor(DType::kF32, {inputShape[0], 3, pre->crop, pre->crop});
  auto results = reference.run({{reference.inputs()[0].name, std::move(one)}});
  if (!results)
    return results.status();
  std::vector<OutputAgreement> agreements;
  int64_t column = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const Tensor &t = (*results)[i].second;
    int64_t batch = t.shape().empty() ? 1 : std::max<int64_t>(1, t.shape()[0]);
    int64_t width = t.numElements() / batch;
    auto a = compareFeatures(featureColumns(sets[0], column, width),
                             featureColumns(sets[1], column, width));
    if (!a)
      return a.status();
    a->output = names[i];
    agreements.push_back(*a);
    column += width;
  }
  return agreements;
}
