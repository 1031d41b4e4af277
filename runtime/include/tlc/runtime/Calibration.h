//===- Calibration.h - the ranges an int8 backbone quantizes to -*- C++ -*-===//
//
// An int8 backbone stores each activation as 8-bit integers scaled to a
// range; the range comes from running the f32 backbone on a few hundred of
// the user's own images (tlc compile --calibrate). Min-max keeps every
// value seen; a percentile of the magnitudes drops the rare outliers that
// would otherwise stretch the scale and cost every other value precision.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_CALIBRATION_H
#define TLC_RUNTIME_CALIBRATION_H

#include "tlc/runtime/Data.h"
#include "tlc/runtime/Session.h"

#include <functional>
#include <string>
#include <vector>

namespace tlc::runtime {

/// The values one tensor took, as a histogram of magnitudes whose range
/// doubles as larger values arrive (the bins merge pairwise).
class RangeObserver {
public:
  static constexpr int kBins = 2048;

  void observe(const float *values, int64_t count);
  /// The range seen, min-max (NaNs and infinities are skipped).
  float min() const { return min_; }
  float max() const { return max_; }
  int64_t count() const { return count_; }
  /// The magnitude that `percentile` % of the values do not exceed (the
  /// upper edge of its bin), at most the largest one seen.
  float magnitudeAt(double percentile) const;

private:
  float min_ = 0, max_ = 0, edge_ = 0; // bins cover [0, edge_)
  int64_t count_ = 0;
  std::vector<int64_t> bins_ = std::vector<int64_t>(kBins, 0);
};

struct CalibrationOptions {
  /// Percentile of magnitudes to clip at (99.99 by default); 100: min-max.
  double percentile = 99.99;
  int64_t batch = 8;
  std::function<void(size_t, size_t)> progress; ///< (done, total) images
};

/// The range of one output over the calibration images.
struct CalibratedRange {
  std::string output;
  float min = 0, max = 0;
};

/// Runs every image of `data` (the session's preprocessing) through
/// `session` and returns, per output, the range to quantize it to: the
/// observed one, with magnitudes beyond the percentile clipped (a range
/// with no negative values stays so).
StatusOr<std::vector<CalibratedRange>>
calibrate(Session &session, const Dataset &data,
          const CalibrationOptions &options = {});

} // namespace tlc::runtime

#endif // TLC_RUNTIME_CALIBRATION_H
