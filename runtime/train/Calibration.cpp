//===- Calibration.cpp - the ranges an int8 backbone quantizes to ---------===//

#include "tlc/runtime/Calibration.h"

#include "tlc/runtime/Features.h"

#include <algorithm>
#include <cmath>

using namespace tlc::runtime;

void RangeObserver::observe(const float *values, int64_t count) {
  // NaNs and infinities say nothing about the range to keep: skipped.
  float lo = 0, hi = 0;
  int64_t finite = 0;
  for (int64_t i = 0; i < count; ++i)
    if (std::isfinite(values[i])) {
      lo = finite ? std::min(lo, values[i]) : values[i];
      hi = finite ? std::max(hi, values[i]) : values[i];
      ++finite;
    }
  if (finite == 0)
    return;
  min_ = count_ ? std::min(min_, lo) : lo;
  max_ = count_ ? std::max(max_, hi) : hi;
  count_ += finite;
  float magnitude = std::max(std::fabs(lo), std::fabs(hi));
  if (magnitude == 0) { // zeros are in bin 0 whatever the range
    bins_[0] += finite;
    return;
  }
  if (edge_ == 0)
    edge_ = magnitude;
  // Double the range until it holds this batch, merging bins pairwise.
  while (magnitude > edge_) {
    for (int b = 0; b < kBins / 2; ++b)
      bins_[b] = bins_[2 * b] + bins_[2 * b + 1];
    std::fill(bins_.begin() + kBins / 2, bins_.end(), 0);
    edge_ *= 2;
  }
  float perBin = kBins / edge_;
  for (int64_t i = 0; i < count; ++i)
    if (std::isfinite(values[i])) {
      auto b = static_cast<int64_t>(std::fabs(values[i]) * perBin);
      ++bins_[std::min<int64_t>(b, kBins - 1)];
    }
}

float RangeObserver::magnitudeAt(double percentile) const {
  float largest = std::max(std::fabs(min_), std::fabs(max_));
  if (count_ == 0 || edge_ == 0 || percentile >= 100)
    return largest;
  auto wanted = static_cast<int64_t>(
      std::ceil(percentile / 100 * static_cast<double>(count_)));
  int64_t seen = 0;
  for (int b = 0; b < kBins; ++b) {
    seen += bins_[b];
    if (seen >= wanted)
      return std::min(largest, (b + 1) * edge_ / kBins);
  }
  return largest;
}

StatusOr<std::vector<CalibratedRange>>
tlc::runtime::calibrate(Session &session, const Dataset &data,
                        const CalibrationOptions &options) {
  if (!(options.percentile > 0 && options.percentile <= 100))
    return invalidArgument("the calibration percentile must be in (0, 100]");
  if (data.size() == 0)
    return invalidArgument("no images to calibrate on");
  auto pre = sessionPreprocessing(session);
  if (!pre)
    return pre.status();
  const std::vector<int64_t> &inputShape = session.inputs()[0].shape;
  // A fixed batch takes images in groups of that size (the last repeats
  // its first image to fill it); a dynamic one in groups of options.batch.
  bool fixed = !inputShape.empty() && inputShape[0] > 0;
  int64_t batch = fixed ? inputShape[0] : std::max<int64_t>(1, options.batch);
  std::vector<RangeObserver> observers(session.outputs().size());
  int64_t pixels = 3 * pre->crop * pre->crop;
  for (size_t start = 0; start < data.size(); start += batch) {
    int64_t n = std::min<int64_t>(batch, data.size() - start);
    Tensor images(DType::kF32, {fixed ? batch : n, 3, pre->crop, pre->crop});
    for (int64_t i = 0; i < images.shape()[0]; ++i) {
      size_t index = start + (i < n ? i : 0);
      auto image = data.image(index);
      if (!image)
        return Status(image.status().code(),
                      data.where(index) + ": " + image.status().message());
      if (Status s =
              preprocess(*image, *pre, images.dataAs<float>() + i * pixels);
          !s)
        return s;
    }
    auto results = session.run({{session.inputs()[0].name, std::move(images)}});
    if (!results)
      return results.status();
    for (size_t o = 0; o < observers.size(); ++o) {
      const Tensor &t = (*results)[o].second;
      // The images that filled a fixed batch are not observed twice.
      int64_t rows = t.shape().empty() ? 1 : t.shape()[0];
      int64_t per = rows ? t.numElements() / rows : 0;
      int64_t used = fixed && rows == batch ? n * per : t.numElements();
      observers[o].observe(t.dataAs<float>(), used);
    }
    if (options.progress)
      options.progress(start + n, data.size());
  }
  std::vector<CalibratedRange> ranges;
  for (size_t o = 0; o < observers.size(); ++o) {
    const RangeObserver &r = observers[o];
    float clip = r.magnitudeAt(options.percentile);
    ranges.push_back({session.outputs()[o].name, std::max(r.min(), -clip),
                      std::min(r.max(), clip)});
  }
  return ranges;
}
