//===- BenchCommand.cpp - tlc bench ---------------------------------------===//
//
//   tlc bench MODEL.tlb [--input-shape NAME=SHAPE]... [--iterations N]
//                       [--warmup N] [--threads N] [--json]
//
// Times Session::run on random inputs (the plan is built during warm-up)
// and reports the median latency and images per second. Runtime only.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "tlc/runtime/Session.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <random>

namespace cl = llvm::cl;
using namespace tlc::runtime;
using tlc::tool::fail;

namespace {

cl::SubCommand benchCmd("bench", "Time a .tlb artifact on random inputs");
cl::opt<std::string> model(cl::Positional, cl::desc("MODEL.tlb"),
                           cl::sub(benchCmd));
cl::list<std::string> shapes("input-shape",
                             cl::desc("Concrete shape of a dynamic input, "
                                      "e.g. input=32x3x224x224"),
                             cl::value_desc("NAME=SHAPE"), cl::sub(benchCmd));
cl::opt<int> iterations("iterations", cl::desc("Timed runs"), cl::init(10),
                        cl::sub(benchCmd));
cl::opt<int> warmup("warmup", cl::desc("Untimed runs first"), cl::init(2),
                    cl::sub(benchCmd));
cl::opt<int> threads("threads", cl::desc("Threads (default: all cores)"),
                     cl::init(0), cl::sub(benchCmd));
cl::opt<bool> json("json", cl::desc("Print one JSON object"),
                   cl::sub(benchCmd));
cl::opt<int> microBatch(
    "micro-batch",
    cl::desc("Samples per pass over the network (default 0: from the cache "
             "size)"),
    cl::init(0), cl::sub(benchCmd));
cl::opt<bool> profile("profile",
                      cl::desc("Time every kernel: print the slowest and the "
                               "time per op"),
                      cl::sub(benchCmd));
cl::opt<int> profileTop("profile-top",
                        cl::desc("Kernels listed by --profile (default 20)"),
                        cl::init(20), cl::sub(benchCmd));

/// Parses 32x3x224x224.
bool parseDims(const std::string &text, std::vector<int64_t> &dims) {
  dims.clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('x', start);
    std::string part = text.substr(start, end - start);
    char *rest = nullptr;
    long long d = std::strtoll(part.c_str(), &rest, 10);
    if (part.empty() || *rest || d <= 0)
      return false;
    dims.push_back(d);
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return true;
}

/// The slowest kernels, then the time per op; per run, in ms.
/// The kernels' time per run of the session (`runs` of them, each maybe in
/// several passes), against `meanRun`, the mean time of a whole run: the
/// difference is the runtime's own overhead.
void printProfile(const std::vector<KernelProfile> &kernels, int top, int runs,
                  double meanRun) {
  double total = 0;
  std::map<std::string, std::pair<double, int>> perOp;
  for (const KernelProfile &k : kernels) {
    double perRun = k.seconds / runs;
    total += perRun;
    perOp[k.op].first += perRun;
    ++perOp[k.op].second;
  }
  if (total <= 0)
    return;
  std::vector<const KernelProfile *> order;
  for (const KernelProfile &k : kernels)
    order.push_back(&k);
  std::stable_sort(order.begin(), order.end(),
                   [](auto *a, auto *b) { return a->seconds > b->seconds; });
  auto &os = llvm::outs();
  os << llvm::format("\nkernels: %.2f ms of the %.2f ms a run takes on "
                     "average, in %zu kernels; the %d slowest:\n",
                     total * 1e3, meanRun * 1e3, kernels.size(),
                     std::min<int>(top, order.size()));
  os << "   ms/run  share  op               output                 "
        "implementation           node\n";
  for (int i = 0; i < top && i < static_cast<int>(order.size()); ++i) {
    const KernelProfile &k = *order[i];
    double perRun = k.seconds / runs;
    os << llvm::format("%9.3f %5.1f%%  %-16s %-22s %-24s %s\n", perRun * 1e3,
                       100 * perRun / total, k.op.c_str(), k.shape.c_str(),
                       k.implementation.empty() ? "-"
                                                : k.implementation.c_str(),
                       k.name.c_str());
  }
  std::vector<std::pair<std::string, std::pair<double, int>>> ops(perOp.begin(),
                                                                  perOp.end());
  std::stable_sort(ops.begin(), ops.end(), [](auto &a, auto &b) {
    return a.second.first > b.second.first;
  });
  os << "\nper op:\n";
  os << "   ms/run  share  op               kernels\n";
  for (auto &[op, time] : ops)
    os << llvm::format("%9.3f %5.1f%%  %-16s %d\n", time.first * 1e3,
                       100 * time.first / total, op.c_str(), time.second);
}

} // namespace

std::optional<int> tlc::tool::runBenchCommand() {
  if (!benchCmd)
    return std::nullopt;
  if (model.empty() || iterations <= 0 || warmup < 0) {
    llvm::errs() << "tlc: error: usage: tlc bench MODEL.tlb [--input-shape "
                    "NAME=SHAPE]... [--iterations N]\n";
    return kUsage;
  }
  SessionOptions options;
  options.threads = threads;
  options.profile = profile;
  options.microBatch = microBatch;
  auto session = Session::load(model, options);
  if (!session)
    return fail(session.status().message());

  std::vector<NamedTensor> feeds;
  std::mt19937 rng(0);
  std::normal_distribution<float> normal;
  int64_t batch = 1;
  for (const PortInfo &port : session->inputs()) {
    std::vector<int64_t> dims = port.shape;
    for (const std::string &spec : shapes)
      if (spec.rfind(port.name + "=", 0) == 0 &&
          !parseDims(spec.substr(port.name.size() + 1), dims)) {
        llvm::errs() << "tlc: error: invalid --input-shape '" << spec << "'\n";
        return kUsage;
      }
    if (std::any_of(dims.begin(), dims.end(), [](int64_t d) { return d < 0; }))
      return fail("input '" + port.name + "' has dynamic dims " +
                  shapeToString(dims) + "; give them with --input-shape");
    if (port.dtype != DType::kF32)
      return fail("tlc bench feeds float32 inputs only");
    Tensor t(port.dtype, dims);
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.dataAs<float>()[i] = normal(rng);
    if (feeds.empty() && !dims.empty())
      batch = dims[0];
    feeds.emplace_back(port.name, std::move(t));
  }

  std::vector<double> times;
  for (int i = 0; i < warmup + iterations; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto results = session->run(feeds);
    auto end = std::chrono::steady_clock::now();
    if (!results)
      return fail(results.status().message());
    if (i >= warmup)
      times.push_back(std::chrono::duration<double>(end - start).count());
    if (i + 1 == warmup)
      session->resetProfile();
  }
  std::sort(times.begin(), times.end());
  // Nearest-rank percentiles: with few iterations p99 is the slowest run.
  auto percentile = [&](double p) {
    size_t rank = size_t(std::ceil(p / 100 * double(times.size())));
    return times[std::clamp<size_t>(rank, 1, times.size()) - 1];
  };
  double median = times[times.size() / 2];
  double mean = std::accumulate(times.begin(), times.end(), 0.0) /
                static_cast<double>(times.size());
  std::vector<std::vector<int64_t>> fed;
  for (const auto &[name, tensor] : feeds)
    fed.push_back(tensor.shape());
  int64_t perPass = session->samplesPerPass(fed);
  double imagesPerSecond = batch / median;
  if (json)
    llvm::outs() << "{\"median_ms\": " << median * 1e3
                 << ", \"p90_ms\": " << percentile(90) * 1e3
                 << ", \"p99_ms\": " << percentile(99) * 1e3
                 << ", \"images_per_s\": " << imagesPerSecond
                 << ", \"batch\": " << batch
                 << ", \"samples_per_pass\": " << perPass
                 << ", \"precision\": \"" << session->precision() << "\""
                 << ", \"compute_precision\": \"" << session->computePrecision()
                 << "\"}\n";
  else
    llvm::outs() << llvm::format(
        "median %.2f ms (p90 %.2f, p99 %.2f), %.1f images/s (batch %lld)\n",
        median * 1e3, percentile(90) * 1e3, percentile(99) * 1e3,
        imagesPerSecond, static_cast<long long>(batch));
  if (!json) {
    if (perPass < batch)
      llvm::outs() << "in passes of " << perPass << " samples\n";
    else if (batch > 1 && !session->onePassReason().empty())
      llvm::outs() << "in one pass: " << session->onePassReason() << "\n";
    llvm::outs() << "precision: " << session->computePrecision() << "\n";
  }
  if (profile) {
    printProfile(session->profile(), profileTop, iterations, mean);
    PlanCacheStats cache = session->planCacheStats();
    llvm::outs() << llvm::format(
        "plan cache: %lld plans, %.1f MiB of buffers (budget %.0f MiB), "
        "%lld built, %lld evicted; prepared weights %.1f MiB\n",
        static_cast<long long>(cache.plans), cache.bytes / 1048576.0,
        cache.budget / 1048576.0, static_cast<long long>(cache.misses),
        static_cast<long long>(cache.evictions), cache.weightBytes / 1048576.0);
  }
  return kOk;
}
