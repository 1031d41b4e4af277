//===- Server.cpp - the Open Inference Protocol over tlc artifacts --------===//
//
// Routes (KServe v2 REST):
//   GET  /v2/health/live, /v2/health/ready, /v2
//   GET  /v2/models/{name}, /v2/models/{name}/ready
//   POST /v2/models/{name}/infer      JSON tensors, or the binary extension
//   POST /v2/models/{name}/classify   an encoded image -> top-k labels
// Errors are {"error": "..."}: 400 bad input, 404 unknown model or route,
// 411/415 for bodies this server refuses to stream (chunked, encoded), 413
// too large, 503 not ready.
//
//===----------------------------------------------------------------------===//

#include "Server.h"

#include "tlc/runtime/Data.h"
#include "tlc/runtime/Session.h"
#include "tlc/runtime/Train.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

using namespace tlc::runtime;
using namespace tlc::server;
using json = nlohmann::json;

namespace {

//===----------------------------------------------------------------------===//
// A bounded worker pool for cpp-httplib (its default queue is unbounded)
//===----------------------------------------------------------------------===//

class BoundedPool : public httplib::TaskQueue {
public:
  BoundedPool(int workers, int limit) : limit(std::max(1, limit)) {
    for (int i = 0; i < std::max(1, workers); ++i)
      threads.emplace_back([this] { work(); });
  }
  /// Blocks the accept loop while the queue is full: back-pressure rather
  /// than unbounded memory.
  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mutex);
    notFull.wait(lock, [&] { return jobs.size() < size_t(limit) || done; });
    if (done)
      return;
    jobs.push_back(std::move(fn));
    notEmpty.notify_one();
  }
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
    }
    notEmpty.notify_all();
    notFull.notify_all();
    for (std::thread &t : threads)
      t.join();
  }

private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        notEmpty.wait(lock, [&] { return !jobs.empty() || done; });
        if (jobs.empty())
          return;
        job = std::move(jobs.front());
        jobs.pop_front();
        notFull.notify_one();
      }
      job();
    }
  }
  int limit;
  std::mutex mutex;
  std::condition_variable notEmpty, notFull;
  std::deque<std::function<void()>> jobs;
  std::vector<std::thread> threads;
  bool done = false;
};

//===----------------------------------------------------------------------===//
// Datatypes
//===----------------------------------------------------------------------===//

const char *protocolType(DType t) {
  switch (t) {
  case DType::kF32:
    return "FP32";
  case DType::kF64:
    return "FP64";
  case DType::kF16:
    return "FP16";
  case DType::kBF16:
    return "BF16";
  case DType::kI8:
    return "INT8";
  case DType::kI16:
    return "INT16";
  case DType::kI32:
    return "INT32";
  case DType::kI64:
    return "INT64";
  case DType::kU8:
    return "UINT8";
  case DType::kBool:
    return "BOOL";
  }
  return "UNKNOWN";
}

/// An HTTP error with its status.
struct HttpError {
  HttpError(int status, std::string message, std::string reason = "")
      : status(status), message(std::move(message)), reason(std::move(reason)) {
  }
  int status;
  std::string message;
  /// The failure reason in /metrics; empty: derived from the status
  /// (UNAVAILABLE for 503, INTERNAL for other 5xx, else BAD_REQUEST).
  std::string reason;
};

/// Appends the numbers of `value` (nested arrays or flat) in row-major
/// order.
void flatten(const json &value, std::vector<double> &out) {
  if (value.is_array()) {
    for (const json &v : value)
      flatten(v, out);
  } else if (value.is_number() || value.is_boolean()) {
    out.push_back(value.is_boolean() ? double(value.get<bool>())
                                     : value.get<double>());
  } else {
    throw HttpError{400, "tensor data must be numbers"};
  }
}

template <typename T> void store(Tensor &t, const std::vector<double> &v) {
  T *p = t.dataAs<T>();
  for (size_t i = 0; i < v.size(); ++i)
    p[i] = static_cast<T>(v[i]);
}

void fillFromNumbers(Tensor &t, const std::vector<double> &v) {
  switch (t.dtype()) {
  case DType::kF32:
    return store<float>(t, v);
  case DType::kF64:
    return store<double>(t, v);
  case DType::kI8:
    return store<int8_t>(t, v);
  case DType::kI16:
    return store<int16_t>(t, v);
  case DType::kI32:
    return store<int32_t>(t, v);
  case DType::kI64:
    return store<int64_t>(t, v);
  case DType::kU8:
  case DType::kBool:
    return store<uint8_t>(t, v);
  case DType::kF16:
  case DType::kBF16:
    throw HttpError{400, std::string(protocolType(t.dtype())) +
                             " tensors must be sent as binary data"};
  }
}

template <typename T> json numbers(const Tensor &t) {
  const T *p = t.dataAs<T>();
  return json(std::vector<T>(p, p + t.numElements()));
}

json toJson(const Tensor &t) {
  switch (t.dtype()) {
  case DType::kF32:
    return numbers<float>(t);
  case DType::kF64:
    return numbers<double>(t);
  case DType::kI8:
    return numbers<int8_t>(t);
  case DType::kI16:
    return numbers<int16_t>(t);
  case DType::kI32:
    return numbers<int32_t>(t);
  case DType::kI64:
    return numbers<int64_t>(t);
  case DType::kU8:
    return numbers<uint8_t>(t);
  case DType::kBool: {
    json out = json::array();
    for (int64_t i = 0; i < t.numElements(); ++i)
      out.push_back(t.dataAs<uint8_t>()[i] != 0);
    return out;
  }
  case DType::kF16:
  case DType::kBF16:
    break;
  }
  throw HttpError{400, std::string(protocolType(t.dtype())) +
                           " outputs must be requested as binary data"};
}

//===----------------------------------------------------------------------===//
// Models, with dynamic batching
//===----------------------------------------------------------------------===//

struct Request {
  std::vector<NamedTensor> inputs;
  int64_t batch = 1;
  std::promise<StatusOr<std::vector<NamedTensor>>> done;
  std::chrono::steady_clock::time_point queued =
      std::chrono::steady_clock::now();
  std::atomic<bool> abandoned{false}; ///< the client timed out; skip it
};

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

uint64_t microsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now() - t)
      .count();
}

class Model {
public:
  Model(std::string name, Session session, const ServerOptions &options)
      : name(std::move(name)), session(std::move(session)),
        maxBatch(std::max<int64_t>(1, options.maxBatch)),
        timeout(options.batchTimeoutUs),
        maxQueue(std::max<int64_t>(1, options.maxQueue)),
        requestTimeoutMs(options.requestTimeoutMs) {
    worker = std::thread([this] { loop(); });
  }
  ~Model() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    worker.join();
  }

  const std::string name;
  Session session;
  Metrics metrics;
  std::optional<Head> head;         ///< set for trained artifacts
  std::optional<Preprocessing> pre; ///< for /classify

  /// Runs `inputs` (batched with concurrent requests when allowed); a
  /// failure is an HttpError: 503 when the queue is full or the request
  /// timed out, 500 for the runtime's internal errors, else 400.
  std::vector<NamedTensor> run(std::vector<NamedTensor> inputs) {
    auto request = std::make_shared<Request>();
    request->batch = inputs.empty() || inputs[0].second.shape().empty()
                         ? 1
                         : inputs[0].second.shape()[0];
    request->inputs = std::move(inputs);
    auto result = request->done.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (int64_t(queue.size()) >= maxQueue) {
        throw HttpError{503,
                        "model '" + name + "' has " +
                            std::to_string(queue.size()) +
                            " requests waiting; try again later",
                        "QUEUE_FULL"};
      }
      queue.push_back(request);
    }
    wake.notify_one();
    if (requestTimeoutMs > 0 &&
        result.wait_for(std::chrono::milliseconds(requestTimeoutMs)) !=
            std::future_status::ready) {
      request->abandoned = true;
      throw HttpError{503,
                      "model '" + name + "' did not answer within " +
                          std::to_string(requestTimeoutMs) + " ms",
                      "TIMEOUT"};
    }
    StatusOr<std::vector<NamedTensor>> outputs = result.get();
    if (!outputs)
      throw HttpError{outputs.status().code() == StatusCode::kInternal ? 500
                                                                       : 400,
                      outputs.status().message()};
    return std::move(*outputs);
  }

  /// Requests waiting to run.
  size_t pending() {
    std::lock_guard<std::mutex> lock(mutex);
    return queue.size();
  }

private:
  /// Whether two requests can share a batch: same inputs, same dims past
  /// the first.
  static bool compatible(const Request &a, const Request &b) {
    if (a.inputs.size() != b.inputs.size())
      return false;
    for (size_t i = 0; i < a.inputs.size(); ++i) {
      const auto &x = a.inputs[i].second, &y = b.inputs[i].second;
      if (a.inputs[i].first != b.inputs[i].first || x.dtype() != y.dtype() ||
          x.shape().size() != y.shape().size() || x.shape().empty() ||
          !std::equal(x.shape().begin() + 1, x.shape().end(),
                      y.shape().begin() + 1))
        return false;
    }
    return true;
  }

  void loop() {
    for (;;) {
      std::vector<std::shared_ptr<Request>> group;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping && queue.empty())
          return;
        group.push_back(queue.front());
        queue.pop_front();
        int64_t samples = group[0]->batch;
        auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::microseconds(timeout);
        while (maxBatch > 1 && samples < maxBatch) {
          if (queue.empty() &&
              !wake.wait_until(lock, deadline, [&] { return !queue.empty(); }))
            break;
          if (queue.empty() || !compatible(*group[0], *queue.front()) ||
              samples + queue.front()->batch > maxBatch)
            break;
          samples += queue.front()->batch;
          group.push_back(queue.front());
          queue.pop_front();
        }
        // The session plans (and JIT-compiles) once per input shape: keep
        // batch sizes to powers of two, so a few plans serve every load.
        // The requests over the largest power of two go back to the front.
        int64_t target = 1;
        while (target * 2 <= samples)
          target *= 2;
        while (samples > target && group.size() > 1 &&
               samples - group.back()->batch >= target) {
          samples -= group.back()->batch;
          queue.push_front(group.back());
          group.pop_back();
        }
      }
      runGroup(group);
    }
  }

  void runGroup(std::vector<std::shared_ptr<Request>> &group) {
    // Requests whose clients gave up are answered but not run.
    std::vector<std::shared_ptr<Request>> live;
    for (auto &r : group) {
      if (r->abandoned)
        r->done.set_value(Status(StatusCode::kInternal, "abandoned"));
      else
        live.push_back(r);
    }
    group.swap(live);
    if (group.empty())
      return;
    auto started = std::chrono::steady_clock::now();
    for (auto &r : group) {
      metrics.queueUs += std::chrono::duration_cast<std::chrono::microseconds>(
                             started - r->queued)
                             .count();
      metrics.inferences += r->batch;
    }
    ++metrics.executions;
    runBatch(group);
    metrics.computeUs += microsSince(started);
  }

  void runBatch(std::vector<std::shared_ptr<Request>> &group) {
    if (group.size() == 1) {
      group[0]->done.set_value(session.run(group[0]->inputs));
      return;
    }
    // Concatenate along dim 0, run once, split the outputs back.
    std::vector<NamedTensor> inputs;
    int64_t total = 0;
    for (auto &r : group)
      total += r->batch;
    for (size_t i = 0; i < group[0]->inputs.size(); ++i) {
      const Tensor &first = group[0]->inputs[i].second;
      std::vector<int64_t> shape = first.shape();
      shape[0] = total;
      Tensor joined(first.dtype(), shape);
      size_t offset = 0;
      for (auto &r : group) {
        const Tensor &t = r->inputs[i].second;
        std::memcpy(joined.data() + offset, t.data(), t.byteSize());
        offset += t.byteSize();
      }
      inputs.emplace_back(group[0]->inputs[i].first, std::move(joined));
    }
    auto result = session.run(inputs);
    if (!result) {
      for (auto &r : group)
        r->done.set_value(result.status());
      return;
    }
    int64_t start = 0;
    for (auto &r : group) {
      std::vector<NamedTensor> mine;
      for (const auto &[outName, t] : *result) {
        std::vector<int64_t> shape = t.shape();
        if (shape.empty() || shape[0] != total) {
          mine.emplace_back(outName, t); // not batched: shared as is
          continue;
        }
        size_t row = t.byteSize() / size_t(total);
        shape[0] = r->batch;
        Tensor part(t.dtype(), shape);
        std::memcpy(part.data(), t.data() + start * row, part.byteSize());
        mine.emplace_back(outName, std::move(part));
      }
      start += r->batch;
      r->done.set_value(std::move(mine));
    }
  }

  int64_t maxBatch, timeout, maxQueue, requestTimeoutMs;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Request>> queue;
  bool stopping = false;
  std::thread worker;
};

} // namespace

//===----------------------------------------------------------------------===//
// The server
//===----------------------------------------------------------------------===//

struct InferenceServer::Impl {
  ServerOptions options;
  /// Handlers hold a model while they use it; a reload swaps the pointer.
  std::mutex modelsMutex;
  std::map<std::string, std::shared_ptr<Model>> models;
  std::map<std::string, std::string> paths;
  httplib::Server http;

  StatusOr<std::shared_ptr<Model>> load(const std::string &name,
                                        const std::string &path) {
    SessionOptions sessionOptions;
    sessionOptions.threads = options.threads;
    sessionOptions.copyArtifact = true; // artifacts may be replaced in place
    auto session = Session::load(path, sessionOptions);
    if (!session)
      return session.status();
    auto model = std::make_shared<Model>(name, std::move(*session), options);
    // A trained head enables /classify.
    if (auto head = Head::load(path)) {
      if (auto pre = Preprocessing::fromMetadata(head->metadata)) {
        model->head = std::move(*head);
        model->pre = *pre;
      }
    }
    return model;
  }

  Status reload(const std::string &name) {
    std::string path;
    {
      std::lock_guard<std::mutex> lock(modelsMutex);
      auto it = paths.find(name);
      if (it == paths.end())
        return Status(StatusCode::kNotFound, "unknown model '" + name + "'");
      path = it->second;
    }
    auto model = load(name, path);
    if (!model)
      return Status(model.status().code(), "reloading '" + name +
                                               "' failed, the old model keeps "
                                               "serving: " +
                                               model.status().message());
    std::lock_guard<std::mutex> lock(modelsMutex);
    models[name] = std::move(*model);
    return Status::ok();
  }

  std::string prometheus() {
    std::vector<std::shared_ptr<Model>> all;
    {
      std::lock_guard<std::mutex> lock(modelsMutex);
      for (auto &[n, m] : models)
        all.push_back(m);
    }
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
    metric("nv_inference_compute_infer_duration_us", "counter",
           "Cumulative time spent running the model",
           [&](auto &m, const char *n) {
             line(n, model(m), m->metrics.computeUs);
           });
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
    auto cacheCount = [&](const char *name, const char *type,
                          const char *help, int64_t PlanCacheStats::*field) {
      metric(name, type, help, [&](auto &m, const char *n) {
        line(n, model(m),
             static_cast<uint64_t>(m->session.planCacheStats().*field));
      });
    };
    cacheCount("tlc_plan_cache_plans", "gauge",
               "Execution plans cached (one per input shape)",
               &PlanCacheStats::plans);
    cache("tlc_plan_cache_bytes", "gauge",
          "Bytes the cached plans' buffers hold", &PlanCacheStats::bytes);
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

  static void reply(httplib::Response &res, int status, const json &body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }
  static void error(httplib::Response &res, int status,
                    const std::string &message) {
    reply(res, status, json{{"error", message}});
  }

  std::shared_ptr<Model> find(const std::string &name, httplib::Response &res) {
    std::lock_guard<std::mutex> lock(modelsMutex);
    auto it = models.find(name);
    if (it == models.end()) {
      error(res, 404, "unknown model '" + name + "'");
      return nullptr;
    }
    return it->second;
  }

  json metadata(const Model &m) {
    auto ports = [](const std::vector<PortInfo> &list) {
      json out = json::array();
      for (const PortInfo &p : list)
        out.push_back({{"name", p.name},
                       {"datatype", protocolType(p.dtype)},
                       {"shape", p.shape}});
      return out;
    };
    return {{"name", m.name},
            {"versions", {"1"}},
            {"platform", "tlc"},
            {"inputs", ports(m.session.inputs())},
            {"outputs", ports(m.session.outputs())}};
  }

  void infer(Model &m, const httplib::Request &req, httplib::Response &res) {
    // The JSON header, and with the binary extension the blobs after it.
    size_t headerLength = req.body.size();
    if (req.has_header("Inference-Header-Content-Length")) {
      try {
        headerLength = std::stoull(
            req.get_header_value("Inference-Header-Content-Length"));
      } catch (...) {
        throw HttpError{400, "Inference-Header-Content-Length is not a number"};
      }
      if (headerLength > req.body.size())
        throw HttpError{400,
                        "Inference-Header-Content-Length exceeds the body"};
    }
    json request = json::parse(req.body.begin(),
                               req.body.begin() + long(headerLength), nullptr,
                               /*allow_exceptions=*/false);
    if (request.is_discarded() || !request.is_object())
      throw HttpError{400, "the request is not a JSON object"};
    if (!request.contains("inputs") || !request["inputs"].is_array())
      throw HttpError{400, "the request has no `inputs` array"};
    size_t blob = headerLength;
    std::vector<NamedTensor> inputs;
    for (const json &in : request["inputs"]) {
      if (!in.is_object() || !in.contains("name") || !in["name"].is_string() ||
          !in.contains("shape") || !in["shape"].is_array() ||
          !in.contains("datatype") || !in["datatype"].is_string())
        throw HttpError{400, "each input needs name, shape and datatype"};
      std::string name = in["name"];
      const PortInfo *port = nullptr;
      for (const PortInfo &p : m.session.inputs())
        if (p.name == name)
          port = &p;
      if (!port)
        throw HttpError{400,
                        "model '" + m.name + "' has no input '" + name + "'"};
      if (in["datatype"] != protocolType(port->dtype))
        throw HttpError{400, "input '" + name + "' is " +
                                 protocolType(port->dtype) + ", not " +
                                 in["datatype"].get<std::string>()};
      std::vector<int64_t> shape;
      for (const json &d : in["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0 ||
            d.get<int64_t>() > (int64_t(1) << 32))
          throw HttpError{400, "input '" + name + "' has a bad shape"};
        shape.push_back(d.get<int64_t>());
      }
      uint64_t count = 1;
      for (int64_t d : shape) {
        if (d && count > (uint64_t(1) << 40) / uint64_t(d))
          throw HttpError{400, "input '" + name + "' is too large"};
        count *= uint64_t(d);
      }
      if (count * dtypeSize(port->dtype) > options.maxBodyBytes * 4)
        throw HttpError{400, "input '" + name + "' is too large"};
      Tensor t(port->dtype, shape);
      const json *params =
          in.contains("parameters") ? &in["parameters"] : nullptr;
      if (params && params->contains("binary_data_size")) {
        uint64_t size = (*params)["binary_data_size"].get<uint64_t>();
        if (size != t.byteSize())
          throw HttpError{400, "input '" + name + "': binary_data_size " +
                                   std::to_string(size) +
                                   " but the shape needs " +
                                   std::to_string(t.byteSize()) + " bytes"};
        if (blob + size > req.body.size())
          throw HttpError{400,
                          "input '" + name + "': the binary data is cut short"};
        std::memcpy(t.data(), req.body.data() + blob, size);
        blob += size;
      } else {
        if (!in.contains("data"))
          throw HttpError{400, "input '" + name + "' has no data"};
        std::vector<double> values;
        flatten(in["data"], values);
        if (values.size() != count)
          throw HttpError{
              400, "input '" + name + "' has " + std::to_string(values.size()) +
                       " values, its shape needs " + std::to_string(count)};
        fillFromNumbers(t, values);
      }
      inputs.emplace_back(name, std::move(t));
    }
    if (blob != req.body.size())
      throw HttpError{400, "the body has bytes no input claims"};

    std::vector<NamedTensor> outputs = m.run(std::move(inputs));

    // Which outputs, and which of them as binary data.
    bool binaryDefault = false;
    if (request.contains("parameters") && request["parameters"].is_object() &&
        request["parameters"].contains("binary_data_output"))
      binaryDefault = request["parameters"]["binary_data_output"].get<bool>();
    std::vector<std::pair<const NamedTensor *, bool>> chosen;
    if (request.contains("outputs") && request["outputs"].is_array()) {
      for (const json &o : request["outputs"]) {
        if (!o.is_object() || !o.contains("name") || !o["name"].is_string())
          throw HttpError{400, "each requested output needs a name"};
        const NamedTensor *found = nullptr;
        for (const NamedTensor &t : outputs)
          if (t.first == o["name"])
            found = &t;
        if (!found)
          throw HttpError{400, "model '" + m.name + "' has no output '" +
                                   o["name"].get<std::string>() + "'"};
        bool binary = binaryDefault;
        if (o.contains("parameters") && o["parameters"].is_object() &&
            o["parameters"].contains("binary_data"))
          binary = o["parameters"]["binary_data"].get<bool>();
        chosen.emplace_back(found, binary);
      }
    } else {
      for (const NamedTensor &t : outputs)
        chosen.emplace_back(&t, binaryDefault);
    }
    json response = {{"model_name", m.name}, {"model_version", "1"}};
    if (request.contains("id"))
      response["id"] = request["id"];
    std::string blobs;
    response["outputs"] = json::array();
    for (auto [t, binary] : chosen) {
      json out = {{"name", t->first},
                  {"datatype", protocolType(t->second.dtype())},
                  {"shape", t->second.shape()}};
      if (binary) {
        out["parameters"] = {{"binary_data_size", t->second.byteSize()}};
        blobs.append(reinterpret_cast<const char *>(t->second.data()),
                     t->second.byteSize());
      } else {
        out["data"] = toJson(t->second);
      }
      response["outputs"].push_back(std::move(out));
    }
    std::string header = response.dump();
    if (blobs.empty()) {
      res.set_content(header, "application/json");
    } else {
      res.set_header("Inference-Header-Content-Length",
                     std::to_string(header.size()));
      res.set_content(header + blobs, "application/octet-stream");
    }
  }

  void classify(Model &m, const httplib::Request &req, httplib::Response &res) {
    if (!m.head || !m.pre)
      throw HttpError{400,
                      "model '" + m.name +
                          "' has no trained head (train it with tlc train)"};
    int64_t k = 5;
    if (req.has_param("top_k")) {
      try {
        k = std::stoll(req.get_param_value("top_k"));
      } catch (...) {
        throw HttpError{400, "top_k is not a number"};
      }
    }
    int64_t classes = m.head->classes();
    k = std::clamp<int64_t>(k, 1, classes);
    auto image = decodeImage(reinterpret_cast<const uint8_t *>(req.body.data()),
                             req.body.size(), "the request body");
    if (!image)
      throw HttpError{400, image.status().message()};
    const Preprocessing &pre = *m.pre;
    Tensor input(DType::kF32, {1, 3, pre.crop, pre.crop});
    if (Status s = preprocess(*image, pre, input.dataAs<float>()); !s)
      throw HttpError{400, s.message()};
    std::vector<NamedTensor> outputs =
        m.run({{m.session.inputs()[0].name, std::move(input)}});
    json top = json::array();
    for (auto [c, probability] :
         topClasses(outputs[0].second.dataAs<float>(), classes, k)) {
      std::string label = size_t(c) < m.head->classNames.size()
                              ? m.head->classNames[c]
                              : std::to_string(c);
      top.push_back(
          {{"class", label}, {"index", c}, {"probability", probability}});
    }
    reply(res, 200, {{"model_name", m.name}, {"top", top}});
  }

  /// Wraps a model's handler: finds the model (404), counts the request
  /// once in /metrics (success, or failure by reason), and turns HttpError
  /// and JSON errors into {"error": ...}.
  template <typename Fn> httplib::Server::Handler modelRoute(Fn fn) {
    return [this, fn](const httplib::Request &req, httplib::Response &res) {
      std::shared_ptr<Model> m = find(req.matches[1], res);
      if (!m)
        return;
      try {
        (this->*fn)(*m, req, res);
        ++m->metrics.success;
      } catch (const HttpError &e) {
        m->metrics.fail(!e.reason.empty() ? e.reason
                        : e.status == 503 ? "UNAVAILABLE"
                        : e.status >= 500 ? "INTERNAL"
                                          : "BAD_REQUEST");
        error(res, e.status, e.message);
      } catch (const json::exception &e) {
        m->metrics.fail("BAD_REQUEST");
        error(res, 400, std::string("bad request: ") + e.what());
      } catch (const std::bad_alloc &) {
        m->metrics.fail("INTERNAL");
        error(res, 503, "out of memory for this request");
      }
    };
  }

  void routes() {
    http.new_task_queue = [this] {
      return new BoundedPool(options.workers, options.queueLimit);
    };
    http.set_payload_max_length(options.maxBodyBytes);
    // Responses go out as several writes: without TCP_NODELAY, Nagle and
    // the client's delayed ACK add ~40 ms to every request.
    http.set_tcp_nodelay(true);
    // cpp-httplib closes a keep-alive connection after 5 requests by
    // default: every fifth request paid a new connection (a latency tail).
    http.set_keep_alive_max_count(size_t(options.keepAliveRequests));
    http.set_read_timeout(30, 0);
    http.set_write_timeout(30, 0);
    // Bodies are read before handlers run; refuse the ones whose size the
    // length limit cannot bound (chunked) or that would be inflated
    // (Content-Encoding), before reading them.
    http.set_pre_routing_handler(
        [](const httplib::Request &req, httplib::Response &res) {
          if (req.method == "POST") {
            std::string te = req.get_header_value("Transfer-Encoding");
            std::transform(te.begin(), te.end(), te.begin(), ::tolower);
            if (te.find("chunked") != std::string::npos) {
              error(res, 411,
                    "chunked request bodies are not accepted; send "
                    "Content-Length");
              return httplib::Server::HandlerResponse::Handled;
            }
            if (req.has_header("Content-Encoding") &&
                req.get_header_value("Content-Encoding") != "identity") {
              error(res, 415, "encoded request bodies are not accepted");
              return httplib::Server::HandlerResponse::Handled;
            }
          }
          return httplib::Server::HandlerResponse::Unhandled;
        });
    // Anything else a handler throws is a 500 with a JSON body, never a
    // dead worker.
    http.set_exception_handler([](const httplib::Request &,
                                  httplib::Response &res,
                                  std::exception_ptr thrown) {
      std::string what = "unknown error";
      try {
        std::rethrow_exception(thrown);
      } catch (const std::exception &e) {
        what = e.what();
      } catch (...) {
      }
      error(res, 500, "internal error: " + what);
    });
    http.set_error_handler([](const httplib::Request &,
                              httplib::Response &res) {
      if (res.body.empty()) {
        std::string what = res.status == 404   ? "no such route"
                           : res.status == 413 ? "the request body is too large"
                                               : "request failed";
        error(res, res.status, what);
      }
    });
    http.Get("/v2/health/live",
             [](const httplib::Request &, httplib::Response &res) {
               reply(res, 200, {{"live", true}});
             });
    http.Get("/v2/health/ready", [this](const httplib::Request &,
                                        httplib::Response &res) {
      std::lock_guard<std::mutex> lock(modelsMutex);
      reply(res, models.empty() ? 503 : 200, {{"ready", !models.empty()}});
    });
    http.Get("/v2", [](const httplib::Request &, httplib::Response &res) {
      reply(res, 200,
            {{"name", "tlc"},
             {"version", "0.1.0"},
             {"extensions",
              {"binary_tensor_data", "classification", "model_repository"}}});
    });
    http.Get(R"(/v2/models/([A-Za-z0-9_.\-]+))",
             [this](const httplib::Request &req, httplib::Response &res) {
               if (auto m = find(req.matches[1], res))
                 reply(res, 200, metadata(*m));
             });
    http.Get(R"(/v2/models/([A-Za-z0-9_.\-]+)/ready)",
             [this](const httplib::Request &req, httplib::Response &res) {
               if (auto m = find(req.matches[1], res))
                 reply(res, 200, {{"name", m->name}, {"ready", true}});
             });
    http.Get("/metrics",
             [this](const httplib::Request &, httplib::Response &res) {
               res.set_content(prometheus(), "text/plain; version=0.0.4");
             });
    // The repository extension's load: reread a model's artifact.
    http.Post(R"(/v2/repository/models/([A-Za-z0-9_.\-]+)/load)",
              [this](const httplib::Request &req, httplib::Response &res) {
                Status s = reload(req.matches[1]);
                if (s)
                  reply(res, 200, {{"name", req.matches[1]}, {"loaded", true}});
                else
                  error(res, s.code() == StatusCode::kNotFound ? 404 : 400,
                        s.message());
              });
    if (options.logLevel > 0)
      http.set_logger(
          [this](const httplib::Request &req, const httplib::Response &res) {
            if (options.logLevel < 2 && res.status < 400)
              return;
            std::string line = req.method + " " + req.path + " " +
                               std::to_string(res.status) + " " +
                               std::to_string(req.body.size()) + "B -> " +
                               std::to_string(res.body.size()) + "B";
            if (res.status >= 400 && res.body.size() < 300)
              line += " " + res.body;
            std::fprintf(stderr, "tlc-serve: %s\n", line.c_str());
          });
    http.Post(R"(/v2/models/([A-Za-z0-9_.\-]+)/infer)",
              modelRoute(&Impl::infer));
    http.Post(R"(/v2/models/([A-Za-z0-9_.\-]+)/classify)",
              modelRoute(&Impl::classify));
  }
};

InferenceServer::InferenceServer(ServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->routes();
}

InferenceServer::~InferenceServer() = default;

Status InferenceServer::addModel(const std::string &name,
                                 const std::string &path) {
  if (name.empty() || name.find_first_not_of(
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "0123456789_.-") != std::string::npos)
    return invalidArgument("model name '" + name +
                           "' must be letters, digits, '_', '.' or '-'");
  if (impl_->models.count(name))
    return invalidArgument("model '" + name + "' is given twice");
  auto model = impl_->load(name, path);
  if (!model)
    return model.status();
  std::lock_guard<std::mutex> lock(impl_->modelsMutex);
  impl_->models[name] = std::move(*model);
  impl_->paths[name] = path;
  return Status::ok();
}

Status InferenceServer::reloadAll() {
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(impl_->modelsMutex);
    for (auto &[name, path] : impl_->paths)
      names.push_back(name);
  }
  std::string failures;
  for (const std::string &name : names)
    if (Status s = impl_->reload(name); !s)
      failures += (failures.empty() ? "" : "\n") + s.message();
  return failures.empty() ? Status::ok() : invalidArgument(failures);
}

Status InferenceServer::serve(const std::function<void(int)> &onReady) {
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(impl_->options.host);
    if (port <= 0)
      return ioError("cannot bind " + impl_->options.host);
  } else if (!impl_->http.bind_to_port(impl_->options.host, port)) {
    return ioError("cannot bind " + impl_->options.host + ":" +
                   std::to_string(port) + " (in use, or not allowed)");
  }
  if (onReady)
    onReady(port);
  if (!impl_->http.listen_after_bind())
    return ioError("the server stopped with an error");
  return Status::ok();
}

void InferenceServer::stop() { impl_->http.stop(); }
