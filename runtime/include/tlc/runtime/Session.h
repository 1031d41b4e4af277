//===- Session.h - loading and running a compiled artifact ------*- C++ -*-===//
//
//   auto session = tlc::runtime::Session::load("model.tlb");
//   if (!session) { report(session.status()); }
//   auto outputs = session->run({{"input", image}});
//
// A Session holds one verified artifact and one backend (SessionOptions::
// device). run() accepts any input shape the artifact allows (dynamic batch
// and spatial dims); the execution plan for each distinct set of input
// shapes (the backend's kernels, the buffer plan) is built once and kept in
// a cache bounded by SessionOptions::planCacheBytes, least recently used
// first out. Weights the backend prepares are held once per session and
// shared by every plan. Every failure is a Status; no exception crosses
// this API and no input makes it abort.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_SESSION_H
#define TLC_RUNTIME_SESSION_H

#include "tlc/runtime/Status.h"
#include "tlc/runtime/Tensor.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tlc::runtime {

struct SessionOptions {
  /// The backend that runs the model: "cpu" (oneDNN), or another one built
  /// into this runtime (see availableDevices()).
  std::string device = "cpu";
  /// Worker threads for kernels; 0: the backend's default (on the CPU,
  /// OMP_NUM_THREADS, else all cores). At most 1024.
  int threads = 0;
  /// Run on fewer threads while other processes take cores, and on all
  /// again when they are free (the CPU backend watches how often the
  /// kernel preempts its threads; docs/runtime.md). Off: always `threads`.
  bool adaptiveThreads = true;
  /// Read the artifact into memory instead of mapping it: a server must
  /// survive the file being overwritten in place (a mapped file that is
  /// truncated under it faults).
  bool copyArtifact = false;
  /// Time every kernel (see Session::profile); costs a clock read per
  /// kernel.
  bool profile = false;
  /// Samples per pass over the network when a model treats samples
  /// independently (convs, pools, ...): a batch of 32 then runs as passes
  /// of `microBatch`, whose activations stay in the CPU's caches. 0 picks
  /// it from the cache size; results are the same either way.
  int microBatch = 0;
  /// The most bytes the cached plans (their arenas) may hold together; the
  /// least recently used plans are dropped past it, and past 64 plans. A
  /// server with dynamic batching makes a plan per batch size.
  uint64_t planCacheBytes = uint64_t(2) << 30;
  /// The most bytes of intermediate tensors one plan may need (0: the
  /// device's memory). A larger input shape is an error before anything
  /// is allocated.
  uint64_t maxPlanBytes = 0;
};

/// The plan cache's state (SessionOptions::planCacheBytes).
struct PlanCacheStats {
  int64_t plans = 0;        ///< cached now
  uint64_t bytes = 0;       ///< their arenas together
  uint64_t budget = 0;      ///< planCacheBytes
  int64_t hits = 0;         ///< runs (or passes) that found their plan
  int64_t misses = 0;       ///< plans built
  int64_t evictions = 0;    ///< plans dropped to stay within the budget
  uint64_t weightBytes = 0; ///< weights the backend prepared, shared by all
};

/// The devices this runtime can run on (SessionOptions::device).
std::vector<std::string> availableDevices();

/// One kernel's share of the runs of a plan (SessionOptions::profile).
struct KernelProfile {
  std::string op;     ///< the tl op; "reorder" for layout conversions
  std::string name;   ///< the ONNX node it came from, if known
  std::string shape;  ///< of its first output, e.g. [32, 64, 55, 55]
  double seconds = 0; ///< summed over runs
  int64_t runs = 0;   ///< times it ran: once per pass of a micro-batched run
  /// The backend's implementation, e.g. oneDNN's "brg:avx512_core_bf16".
  std::string implementation;
};

/// A graph input or output as declared by the artifact (-1: dynamic dim).
struct PortInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
};

using NamedTensor = std::pair<std::string, Tensor>;

/// An input the caller owns; run() reads it in place, without a copy. The
/// data must hold shape's elements of dtype, row-major.
struct TensorView {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const void *data = nullptr;
};
using NamedView = std::pair<std::string, TensorView>;

class Session {
public:
  static StatusOr<Session> load(const std::string &path,
                                const SessionOptions &options = {});
  /// The same for an artifact in memory (copied; `name` stands for its
  /// path in messages).
  static StatusOr<Session> loadFromMemory(const uint8_t *data, size_t size,
                                          const SessionOptions &options = {},
                                          const std::string &name = "<memory>");
  Session(Session &&) noexcept;
  Session &operator=(Session &&) noexcept;
  ~Session();

  const std::vector<PortInfo> &inputs() const;
  const std::vector<PortInfo> &outputs() const;
  /// Metadata recorded by the compiler (preprocessing, labels, provenance).
  std::string metadata(const std::string &key) const;
  /// The precision the frozen backbone was compiled for: "f32", "bf16", ...
  std::string precision() const;
  /// How the backend runs it here, e.g. "bf16 (AVX512-BF16)", or "f32: this
  /// CPU lacks AVX512-BF16, the bf16 weights are widened".
  std::string computePrecision() const;

  /// Runs the model; inputs are matched by name, outputs come in the
  /// artifact's order.
  StatusOr<std::vector<NamedTensor>>
  run(const std::vector<NamedTensor> &inputs);
  /// The same, reading caller-owned buffers in place.
  StatusOr<std::vector<NamedTensor>> run(const std::vector<NamedView> &inputs);

  /// Samples per pass over the network for a batch of these input shapes
  /// (SessionOptions::microBatch); the whole batch when the model mixes
  /// samples or the shapes are invalid. May build a plan.
  int64_t samplesPerPass(const std::vector<std::vector<int64_t>> &inputShapes);
  /// Why every batch runs in one pass, whatever microBatch says; "" when
  /// the model keeps samples apart.
  std::string onePassReason() const;

  /// With SessionOptions::profile: per kernel, in execution order, the time
  /// spent in the runs of the most recently run plan (input shapes) since
  /// it was built or resetProfile() was called. Empty otherwise.
  std::vector<KernelProfile> profile() const;
  void resetProfile();

  PlanCacheStats planCacheStats() const;

  struct Impl;

private:
  explicit Session(std::unique_ptr<Impl> impl);
  static StatusOr<Session>
  fromArtifact(std::shared_ptr<class Artifact> artifact,
               const SessionOptions &options, const std::string &path);
  std::unique_ptr<Impl> impl_;
};

} // namespace tlc::runtime

#endif // TLC_RUNTIME_SESSION_H
