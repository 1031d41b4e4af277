//===- ThreadPolicyTest.cpp - fewer threads while others take our cores ---===//
//
// Replays run times and preemption counts through the policy: an idle
// machine with the occasional preemption stays on all threads; a busy
// neighbour moves the plan to fewer threads, and its leaving moves it back
// at the next probe; fewer threads that do not help are given up for 30 s.
//
//===----------------------------------------------------------------------===//

#include "ThreadPolicy.h"

#include <gtest/gtest.h>

using namespace tlc::runtime::cpu;
using Threads = ThreadPolicy::Threads;
using namespace std::chrono_literals;

namespace {

/// A clock the test advances by each run's time.
struct Replay {
  ThreadPolicy policy;
  ThreadPolicy::Clock::time_point now{};

  /// One run: `all` and `fewer` say what it takes on each (seconds, and
  /// preemptions during it). Returns what the policy chose.
  Threads run(double all, long allSwitches, double fewer = 0,
              long fewerSwitches = 0) {
    Threads t = policy.next(now);
    bool onAll = t == Threads::kAll;
    double seconds = onAll ? all : fewer;
    now += std::chrono::duration_cast<ThreadPolicy::Clock::duration>(
        std::chrono::duration<double>(seconds));
    policy.report(t, seconds, onAll ? allSwitches : fewerSwitches, now);
    return t;
  }

  /// A fast clean run, then three runs on all threads that take
  /// `seconds` with `switches` preemptions each: enough to move to fewer
  /// threads.
  void contend(double seconds, long switches) {
    run(0.003, 0);
    for (int i = 0; i < 3; ++i)
      run(seconds, switches);
  }
};

TEST(ThreadPolicy, IdleMachineKeepsAllThreads) {
  Replay r;
  for (int i = 0; i < 1000; ++i)
    // 3 ms runs, a preemption every fifth, none of them slow.
    EXPECT_EQ(r.run(i % 7 ? 0.0030 : 0.0034, i % 5 == 0), Threads::kAll);
}

TEST(ThreadPolicy, SlowRunsWithoutPreemptionAreNotContention) {
  Replay r;
  r.run(0.003, 0);
  for (int i = 0; i < 100; ++i) // another input size, say: slow, clean
    EXPECT_EQ(r.run(0.030, 0), Threads::kAll);
}

TEST(ThreadPolicy, BusyNeighbourMovesToFewerThreadsAndBack) {
  Replay r;
  for (int i = 0; i < 20; ++i)
    r.run(0.003, 0);
  // A neighbour takes a core: runs on all threads take 10-30x as long.
  EXPECT_EQ(r.run(0.030, 3), Threads::kAll);
  EXPECT_EQ(r.run(0.090, 8), Threads::kAll);
  EXPECT_EQ(r.run(0.060, 5), Threads::kAll);
  EXPECT_TRUE(r.policy.onFewer());
  // On fewer threads: 5.5 ms. Once a second, one probe on all threads,
  // still contended, changes nothing.
  int probes = 0;
  for (int i = 0; i < 400; ++i)
    if (r.run(0.050, 6, 0.0055, 0) == Threads::kAll)
      ++probes;
  EXPECT_TRUE(r.policy.onFewer());
  EXPECT_GE(probes, 1);
  EXPECT_LE(probes, 3); // 400 runs of 5.5 ms: about two seconds
  // The neighbour leaves: the next probe is fast and clean.
  Threads t = Threads::kFewer;
  for (int i = 0; i < 400 && t == Threads::kFewer; ++i)
    t = r.run(0.003, 0, 0.0055, 0);
  EXPECT_EQ(t, Threads::kAll);
  EXPECT_FALSE(r.policy.onFewer());
  EXPECT_EQ(r.run(0.003, 0), Threads::kAll);
}

TEST(ThreadPolicy, BusyFromTheStart) {
  // No fast run is ever seen; frequent preemptions tell (1 s batches,
  // preempted every 10 ms).
  Replay r;
  for (int i = 0; i < 3; ++i)
    r.run(1.0, 100);
  EXPECT_TRUE(r.policy.onFewer());
  // Long idle runs, preempted at idle rates, do not.
  Replay idle;
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(idle.run(1.0, 25), Threads::kAll);
}

TEST(ThreadPolicy, AlternatingRunsStillCount) {
  // Under contention some runs are fast; a clean run cancels one
  // contended run rather than all of them.
  Replay r;
  r.run(0.003, 0);
  for (int i = 0; i < 5 && !r.policy.onFewer(); ++i) {
    r.run(0.050, 4);
    r.run(0.040, 3);
    r.run(0.0035, 0);
  }
  EXPECT_TRUE(r.policy.onFewer());
}

TEST(ThreadPolicy, FewerThreadsThatDoNotHelpAreGivenUp) {
  Replay r;
  r.contend(0.010, 2);
  ASSERT_TRUE(r.policy.onFewer());
  for (int i = 0; i < 8; ++i) // slower than the contended runs were
    r.run(0.010, 2, 0.020, 0);
  EXPECT_FALSE(r.policy.onFewer());
  // Held on all threads for 30 s, contended or not.
  for (int i = 0; i < 2000; ++i)
    EXPECT_EQ(r.run(0.010, 2), Threads::kAll); // 20 s
  for (int i = 0; i < 1500 && !r.policy.onFewer(); ++i)
    r.run(0.010, 2);
  EXPECT_TRUE(r.policy.onFewer());
}

TEST(ThreadPolicy, RefusedTwinKeepsAllThreads) {
  Replay r;
  r.contend(0.030, 3);
  ASSERT_TRUE(r.policy.onFewer());
  r.policy.refuseFewer();
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(r.run(0.030, 3), Threads::kAll);
}

} // namespace
