//===- WorkerPool.h - a bounded worker pool for cpp-httplib -----*- C++ -*-===//
//
// cpp-httplib's default task queue is unbounded: under load it would hold
// every accepted connection in memory. This one blocks the accept loop
// when `limit` connections wait for a worker.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_SERVER_WORKERPOOL_H
#define TLC_SERVER_WORKERPOOL_H

#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tlc::server {

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

} // namespace tlc::server

#endif // TLC_SERVER_WORKERPOOL_H
