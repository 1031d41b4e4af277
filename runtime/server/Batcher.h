//===- Batcher.h - a model's queue, with dynamic batching -------*- C++ -*-===//
//
// One Model per served artifact: its session, and a worker thread that
// takes requests from a bounded queue, joins those that arrive within the
// batch timeout into one run (up to maxBatch samples, in powers of two so
// that a few plans serve every load) and splits the outputs back.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_SERVER_BATCHER_H
#define TLC_SERVER_BATCHER_H

#include "Metrics.h"
#include "Protocol.h"
#include "Server.h"

#include "tlc/runtime/Data.h"
#include "tlc/runtime/Session.h"
#include "tlc/runtime/Train.h"

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <optional>
#include <thread>

namespace tlc::server {

using runtime::Head;
using runtime::NamedTensor;
using runtime::Preprocessing;
using runtime::Session;
using runtime::Status;
using runtime::StatusCode;
using runtime::StatusOr;
using runtime::Tensor;

/// The model runs the server may have in flight at once, across models:
/// each run takes the session's kernel threads, so as many as the cores
/// hold (at least one); the others wait for a slot.
class RunSlots {
public:
  explicit RunSlots(int slots) : free(std::max(1, slots)) {}
  /// Holds a slot while alive.
  class Held {
  public:
    explicit Held(RunSlots &s) : slots(s) {
      std::unique_lock<std::mutex> lock(slots.mutex);
      slots.available.wait(lock, [&] { return slots.free > 0; });
      --slots.free;
    }
    ~Held() {
      {
        std::lock_guard<std::mutex> lock(slots.mutex);
        ++slots.free;
      }
      slots.available.notify_one();
    }

  private:
    RunSlots &slots;
  };

private:
  std::mutex mutex;
  std::condition_variable available;
  int free;
};

struct Request {
  std::vector<NamedTensor> inputs;
  int64_t batch = 1;
  std::promise<StatusOr<std::vector<NamedTensor>>> done;
  std::chrono::steady_clock::time_point queued =
      std::chrono::steady_clock::now();
  std::atomic<bool> abandoned{false}; ///< the client timed out; skip it
};

inline uint64_t microsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now() - t)
      .count();
}

class Model {
public:
  Model(std::string name, Session session, const ServerOptions &options,
        std::shared_ptr<RunSlots> slots)
      : name(std::move(name)), session(std::move(session)),
        slots(std::move(slots)),
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
    RunSlots::Held slot(*slots);
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

  std::shared_ptr<RunSlots> slots;
  int64_t maxBatch, timeout, maxQueue, requestTimeoutMs;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Request>> queue;
  bool stopping = false;
  std::thread worker;
};

} // namespace tlc::server

#endif // TLC_SERVER_BATCHER_H
