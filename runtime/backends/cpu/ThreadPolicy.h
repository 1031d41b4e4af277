//===- ThreadPolicy.h - fewer threads while others take our cores -*- C++
//-*-===//
//
// Other processes taking our cores (a busy neighbour, a container's CPU
// quota) stall every kernel: oneDNN splits each one evenly over the threads
// it was made for, and every thread waits at its end for the one that lost
// its core (ResNet-50 at batch 1 on 2 cores, one other busy process: 0.6x
// ONNX Runtime, whose threads share work dynamically; MobileNetV2 0.27x).
// A plan then does better on one thread fewer. This decides, run by run,
// which of the two a plan runs on, from what each run took:
//
//  - A run on all threads counts as contended when the kernel took a core
//    from one of our threads during it (an involuntary context switch) and
//    it took over 1.5 times the fastest run so far, or when it was
//    preempted at least 3 times and once per 15 ms. Preemptions alone
//    happen on an idle machine too (here about one per 40 ms of running);
//    under a busy neighbour, runs take 2 to 40 times as long, and are
//    preempted every 10 ms or so (the second rule catches a neighbour that
//    was there from the first run, when no fast run is known). A clean run
//    cancels a contended one; at three, the plan moves to one thread fewer.
//  - About once a second (after 16 runs at the least) one run tries all
//    threads again; the plan goes back to them when that run was clean
//    and faster than 0.8 times the recent runs on fewer threads.
//  - If fewer threads turn out slower than the contended runs on all of
//    them (after 8 runs), all threads are kept for 30 seconds.
//
// No clock is read here: the caller passes times in, so that tests can
// replay any sequence.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_BACKENDS_CPU_THREADPOLICY_H
#define TLC_RUNTIME_BACKENDS_CPU_THREADPOLICY_H

#include <algorithm>
#include <chrono>

namespace tlc::runtime::cpu {

class ThreadPolicy {
public:
  using Clock = std::chrono::steady_clock;
  enum class Threads { kAll, kFewer };

  /// What the next run, starting at `now`, should use.
  Threads next(Clock::time_point now) {
    if (!fewer_)
      return Threads::kAll;
    if (fewerRuns_ >= 16 && now - lastProbe_ >= std::chrono::seconds(1)) {
      lastProbe_ = now;
      return Threads::kAll; // a probe
    }
    return Threads::kFewer;
  }

  /// The run that `next` chose took `seconds`, during which our threads
  /// were preempted `switches` times.
  void report(Threads ran, double seconds, long switches,
              Clock::time_point now) {
    if (ran == Threads::kAll) {
      bool contended =
          (switches >= 1 && fastest_ > 0 && seconds > 1.5 * fastest_) ||
          (switches >= 3 && switches * 0.015 >= seconds);
      fastest_ = fastest_ > 0 ? std::min(fastest_, seconds) : seconds;
      if (fewer_) { // a probe
        if (!contended && seconds < 0.8 * fewerTime_) {
          fewer_ = false;
          contendedRuns_ = 0;
        }
        return;
      }
      if (!contended) {
        contendedRuns_ = std::max(0, contendedRuns_ - 1);
        return;
      }
      average(contendedTime_, seconds);
      if (++contendedRuns_ >= 3 && now >= holdUntil_ && !refused_) {
        fewer_ = true;
        fewerRuns_ = 0;
        fewerTime_ = 0;
        lastProbe_ = now;
      }
      return;
    }
    average(fewerTime_, seconds);
    if (++fewerRuns_ == 8 && fewerTime_ > contendedTime_) {
      fewer_ = false; // fewer threads did not help: keep all for a while
      contendedRuns_ = 0;
      holdUntil_ = now + std::chrono::seconds(30);
    }
  }

  /// The plan cannot run on fewer threads (its twin came out different).
  void refuseFewer() {
    refused_ = true;
    fewer_ = false;
  }

  bool onFewer() const { return fewer_; }

private:
  static void average(double &ema, double x) {
    ema = ema > 0 ? 0.75 * ema + 0.25 * x : x;
  }

  bool fewer_ = false, refused_ = false;
  int contendedRuns_ = 0;
  long fewerRuns_ = 0;
  double fastest_ = 0;       // the fastest run on all threads
  double contendedTime_ = 0; // recent contended runs on all threads
  double fewerTime_ = 0;     // recent runs on fewer threads
  Clock::time_point lastProbe_, holdUntil_;
};

} // namespace tlc::runtime::cpu

#endif // TLC_RUNTIME_BACKENDS_CPU_THREADPOLICY_H
