//===- Metrics.cpp - per-model counters and the /metrics text -------------===//

#include "Metrics.h"

#include "Batcher.h"

using namespace tlc::runtime;
using namespace tlc::server;

std::string
tlc::server::renderMetrics(const std::vector<std::shared_ptr<Model>> &all) {
  std::string out;
  auto metric = [&](const char *name, const char *type, const char *help,
                    auto value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name +
           " " + type + "\n";
    for (auto &m : all)
      value(m, name);
  };
  auto line = [&](const std::string &name, const std::string &labels,
                  uint64_t v) {
    out += name + "{" + labels + "} " + std::to_string(v) + "\n";
  };
  auto model = [](const std::shared_ptr<Model> &m) {
    return "model=\"" + m->name + "\",version=\"1\"";
  };
  metric(
      "nv_inference_request_success", "counter",
      "Number of successful inference requests",
      [&](auto &m, const char *n) { line(n, model(m), m->metrics.success); });
  metric("nv_inference_request_failure", "counter",
         "Number of failed inference requests, by reason",
         [&](auto &m, const char *n) {
           std::lock_guard<std::mutex> lock(m->metrics.mutex);
           for (auto &[reason, count] : m->metrics.failures)
             line(n, model(m) + ",reason=\"" + reason + "\"", count);
         });
  metric("nv_inference_count", "counter",
         "Number of inferences performed (samples, batched or not)",
         [&](auto &m, const char *n) {
           line(n, model(m), m->metrics.inferences);
         });
  metric("nv_inference_exec_count", "counter",
         "Number of model executions (batches)", [&](auto &m, const char *n) {
           line(n, model(m), m->metrics.executions);
         });
  metric(
      "nv_inference_queue_duration_us", "counter",
      "Cumulative time requests waited in the queue",
      [&](auto &m, const char *n) { line(n, model(m), m->metrics.queueUs); });
  metric(
      "nv_inference_compute_infer_duration_us", "counter",
      "Cumulative time spent running the model",
      [&](auto &m, const char *n) { line(n, model(m), m->metrics.computeUs); });
  metric("nv_inference_pending_request_count", "gauge",
         "Requests waiting to run",
         [&](auto &m, const char *n) { line(n, model(m), m->pending()); });
  // The session's plan cache (one plan per batch size under dynamic
  // batching): bounded, least recently used out first.
  auto cache = [&](const char *name, const char *type, const char *help,
                   uint64_t PlanCacheStats::*field) {
    metric(name, type, help, [&](auto &m, const char *n) {
      line(n, model(m), m->session.planCacheStats().*field);
    });
  };
  auto cacheCount = [&](const char *name, const char *type, const char *help,
                        int64_t PlanCacheStats::*field) {
    metric(name, type, help, [&](auto &m, const char *n) {
      line(n, model(m),
           static_cast<uint64_t>(m->session.planCacheStats().*field));
    });
  };
  cacheCount("tlc_plan_cache_plans", "gauge",
             "Execution plans cached (one per input shape)",
             &PlanCacheStats::plans);
  cache("tlc_plan_cache_bytes", "gauge", "Bytes the cached plans' buffers hold",
        &PlanCacheStats::bytes);
  cache("tlc_plan_cache_budget_bytes", "gauge",
        "The most bytes the cached plans may hold", &PlanCacheStats::budget);
  cacheCount("tlc_plan_cache_evictions", "counter",
             "Plans dropped to stay within the budget",
             &PlanCacheStats::evictions);
  cache("tlc_prepared_weight_bytes", "gauge",
        "Weights the backend prepared once, shared by every plan",
        &PlanCacheStats::weightBytes);
  return out;
}
