//===- Metrics.h - per-model counters and the /metrics text -----*- C++ -*-===//
//
// Counters in Triton's terms (nv_inference_*), so that dashboards made for
// Triton and KServe read them, plus the session's plan cache (tlc_*), in
// the Prometheus text format.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_SERVER_METRICS_H
#define TLC_SERVER_METRICS_H

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tlc::server {

/// Counters in Triton's terms, per model.
struct Metrics {
  std::atomic<uint64_t> success{0}, inferences{0}, executions{0};
  std::atomic<uint64_t> queueUs{0}, computeUs{0};
  std::mutex mutex;
  std::map<std::string, uint64_t> failures; ///< by reason
  void fail(const std::string &reason) {
    std::lock_guard<std::mutex> lock(mutex);
    ++failures[reason];
  }
};

class Model;

/// The Prometheus text of every model's counters.
std::string renderMetrics(const std::vector<std::shared_ptr<Model>> &models);

} // namespace tlc::server

#endif // TLC_SERVER_METRICS_H
