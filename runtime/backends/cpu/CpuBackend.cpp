//===- CpuBackend.cpp - the oneDNN backend behind Backend.h ---------------===//
//
// The CPU's policies live here: how many threads a kernel runs on, which
// layouts flow between kernels (oneDNN's pick, with reorders inserted
// where a kernel cannot read its input's), which kernels absorb the next
// one, and how large a pass of a micro-batched run may be (half the
// last-level cache).
//
//===----------------------------------------------------------------------===//

#include "Backend.h"
#include "Plan.h"
#include "Primitives.h"
#include "ThreadPolicy.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

namespace {

/// The size of the largest cache the first CPU sees, from sysfs ("32768K"),
/// or 16 MiB where it does not say. (sysconf's L3 size is the whole
/// package's on AMD, not the slice one core shares.)
int64_t cacheBytes() {
  static const int64_t bytes = [] {
    int64_t best = 0;
    for (int i = 0; i < 8; ++i) {
      std::string dir =
          "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i);
      std::ifstream type(dir + "/type"), size(dir + "/size");
      std::string kind, text;
      if (!(type >> kind) || !(size >> text) || kind == "Instruction")
        continue;
      char *unit = nullptr;
      long long n = std::strtoll(text.c_str(), &unit, 10);
      int64_t scale = *unit == 'K' ? 1 << 10 : *unit == 'M' ? 1 << 20 : 1;
      best = std::max<int64_t>(best, n * scale);
    }
    return best > 0 ? best : int64_t(16) << 20;
  }();
  return bytes;
}

/// Whether this CPU computes bf16 natively (AVX512-BF16 or AMX), as
/// oneDNN sees it (ONEDNN_MAX_CPU_ISA may lower it).
bool hasNativeBf16() {
  auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
}

/// Whether this CPU computes int8 convolutions natively (AVX512-VNNI,
/// AVX-VNNI or AMX), as oneDNN sees it. Without VNNI, oneDNN's u8 x s8
/// products go through 16-bit sums that can saturate.
bool hasNativeInt8() {
  auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  auto has = [&](unsigned bits) { return (isa & bits) == bits; };
  return has(dnnl_cpu_isa_avx512_core_vnni) || has(dnnl_cpu_isa_avx2_vnni);
}

/// Whether oneDNN has int8 convolutions for this CPU at all (AVX2 and up:
/// with 7-bit weights where VNNI is missing).
bool hasInt8() {
  auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  return (isa & dnnl_cpu_isa_avx2) == dnnl_cpu_isa_avx2;
}

uint64_t physicalMemory() {
  static const uint64_t bytes = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                                static_cast<uint64_t>(sysconf(_SC_PAGE_SIZE));
  return bytes;
}

/// Whether a kernel does too little work to pay for waking other threads:
/// a parallel region costs about 3 us here (a chain of 200 tiny eltwise
/// kernels: 4.2 us each on 2 threads, 1.3 us on one). Work is the
/// elements of output 0 times the multiply-adds per element for conv and
/// fc; for other ops, the larger of input 0 and output 0 (a global pool
/// reads far more than it writes).
bool isSmall(const std::string &op, const BuildContext &ctx) {
  if (ctx.outShapes.empty())
    return true;
  int64_t work = numElements(ctx.outShapes[0]);
  if ((op == "conv" || op == "fc") && ctx.shapes.size() > 1) {
    const Shape &w = ctx.shapes[1];
    work *= numElements(Shape(w.begin() + 1, w.end()));
    return work < (128 << 10);
  }
  if (!ctx.shapes.empty())
    work = std::max(work, numElements(ctx.shapes[0]));
  return work < (16 << 10);
}

/// One kernel of a plan: an artifact kernel, or a reorder the planner
/// inserted.
struct Step {
  std::unique_ptr<Kernel> kernel;
  std::vector<int64_t> inputs; // -1: absent optional input
  std::vector<int64_t> outputs;
  int inPlaceInput = -1;     // see Built::inPlaceInput
  bool singleThread = false; // built and run on one thread (see isSmall)
  std::string op, name;      // for profiles
  double seconds = 0;        // profiled time, summed over runs
  int64_t runs = 0;
  /// The kernel's arguments: shapes and layouts set when the plan is made,
  /// data pointers on every run (building them per run cost 1.5 us a
  /// kernel, 4 % of EfficientNet-B0 at batch 1).
  std::vector<TensorRef> in = {}, out = {};
};

/// Involuntary context switches of this process so far: how often the
/// kernel took a core from one of our threads for another runnable task.
long involuntarySwitches() {
  rusage usage;
  return getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_nivcsw : 0;
}

class CpuExecutable : public Executable {
public:
  CpuExecutable(ExecEnv &env, int threads, bool profile)
      : env_(env), threads_(threads), profile_(profile) {}

  std::vector<Step> steps;
  std::vector<Shape> shapes; // per value, for profiles
  /// The same plan on one thread fewer, made when first needed; null when
  /// it does not come out with the same buffers. Set for plans of more
  /// than one thread (BackendOptions::adaptiveThreads).
  std::function<std::unique_ptr<CpuExecutable>()> makeReduced;

  Status run(const std::vector<uint8_t *> &addresses) override {
    return makeReduced || reduced_ ? runAdaptively(addresses)
                                   : runSteps(addresses);
  }

  std::vector<KernelProfile> profile() const override {
    return policy_.onFewer() ? reduced_->profiledSteps() : profiledSteps();
  }

  void resetProfile() override {
    resetSteps();
    if (reduced_)
      reduced_->resetSteps();
  }

  Status runSteps(const std::vector<uint8_t *> &addresses) {
    auto bind = [&](const std::vector<int64_t> &values,
                    std::vector<TensorRef> &refs) {
      for (size_t i = 0; i < values.size(); ++i)
        refs[i].data = values[i] >= 0 ? addresses[values[i]] : nullptr;
    };
    // OpenMP's thread count is per calling thread: set it for this one.
    omp_set_num_threads(threads_);
    try {
      for (Step &step : steps) {
        bind(step.inputs, step.in);
        bind(step.outputs, step.out);
        auto start = profile_ ? std::chrono::steady_clock::now()
                              : std::chrono::steady_clock::time_point();
        if (step.singleThread) {
          omp_set_num_threads(1);
          step.kernel->run(env_, step.in, step.out);
          omp_set_num_threads(threads_);
        } else {
          step.kernel->run(env_, step.in, step.out);
        }
        if (profile_) {
          step.seconds += std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - start)
                              .count();
          ++step.runs;
        }
      }
    } catch (const dnnl::error &e) {
      return Status(StatusCode::kInternal,
                    std::string("oneDNN failed during execution: ") + e.what());
    }
    return Status::ok();
  }

  std::vector<KernelProfile> profiledSteps() const {
    std::vector<KernelProfile> result;
    for (const Step &step : steps) {
      if (!step.runs)
        continue;
      std::string shape =
          step.outputs.empty() ? "" : shapeToString(shapes[step.outputs[0]]);
      result.push_back({step.op, step.name, shape, step.seconds, step.runs,
                        step.kernel->implementation()});
    }
    return result;
  }

  void resetSteps() {
    for (Step &step : steps) {
      step.seconds = 0;
      step.runs = 0;
    }
  }

private:
  /// Runs on all threads or on the plan's twin for one thread fewer, as
  /// the policy says (ThreadPolicy.h); the twin is made when first needed.
  Status runAdaptively(const std::vector<uint8_t *> &addresses) {
    auto now = ThreadPolicy::Clock::now();
    ThreadPolicy::Threads threads = policy_.next(now);
    if (threads == ThreadPolicy::Threads::kFewer && !reduced_) {
      if (makeReduced)
        reduced_ = makeReduced();
      makeReduced = nullptr; // made, or refused, once
      if (!reduced_) {
        policy_.refuseFewer();
        threads = ThreadPolicy::Threads::kAll;
      }
    }
    CpuExecutable &plan =
        threads == ThreadPolicy::Threads::kFewer ? *reduced_ : *this;
    long before = involuntarySwitches();
    Status s = plan.runSteps(addresses);
    auto end = ThreadPolicy::Clock::now();
    policy_.report(threads, std::chrono::duration<double>(end - now).count(),
                   involuntarySwitches() - before, end);
    return s;
  }

  ThreadPolicy policy_;
  std::unique_ptr<CpuExecutable> reduced_;

  ExecEnv &env_;
  int threads_;
  bool profile_;
};

/// The values of a plan being lowered: the graph's, then temporaries.
struct Values {
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  std::vector<dnnl::memory::desc> layouts;
  /// Of values stored as s8 or u8: real = scale * stored; else 0.
  std::vector<float> scales;
  /// The calibrated range of the graph value each one holds, or null.
  std::vector<const fb::Range *> ranges;

  int64_t add(Shape shape, DType dtype, dnnl::memory::desc layout,
              float scale = 0.f, const fb::Range *range = nullptr) {
    shapes.push_back(std::move(shape));
    dtypes.push_back(dtype);
    layouts.push_back(layout);
    scales.push_back(scale);
    ranges.push_back(range);
    return static_cast<int64_t>(shapes.size()) - 1;
  }
  void resize(size_t n) {
    shapes.resize(n);
    dtypes.resize(n);
    layouts.resize(n);
    scales.resize(n);
    ranges.resize(n);
  }
  uint64_t bytes(size_t v) const {
    uint64_t dense = numElements(shapes[v]) * dtypeSize(dtypes[v]);
    // Blocked layouts may pad (e.g. 3 channels stored as 16); a bf16 one
    // of an f32 value takes half.
    return dtypes[v] == DType::kF32 && !layouts[v].is_zero() &&
                   layouts[v] != plainLayout(shapes[v])
               ? layouts[v].get_size()
               : dense;
  }
};

class CpuBackend : public Backend {
public:
  explicit CpuBackend(const BackendOptions &options) : options_(options) {
    // OpenMP's default (OMP_NUM_THREADS, else all cores), read before any
    // session changes this thread's count.
    static const int defaultThreads = omp_get_max_threads();
    threads_ = options.threads > 0 ? options.threads : defaultThreads;
  }

  const char *name() const override { return "cpu"; }

  bool supports(const OpSchema &op, DType dtype,
                LayoutToken layout) const override {
    const OpDef *def = findOp(op.name);
    return def && layout == kPlainLayout &&
           (def->computes == Computes::kAnyType || dtype == DType::kF32 ||
            (def->computes == Computes::kF32OrInteger &&
             isIntegerDType(dtype)));
  }

  Status attach(std::shared_ptr<const Artifact> artifact) override {
    artifact_ = std::move(artifact);
    // A bf16 backbone computes in bf16 where the CPU does so natively;
    // elsewhere its bf16 weights are widened and it computes in f32 (the
    // same numbers up to f32 rounding, at f32 speed).
    bf16_ = artifact_->model().precision() == fb::Precision::BF16 &&
            hasNativeBf16();
    // An int8 backbone computes in int8 with VNNI, and with 7-bit weights
    // on AVX2 or AVX-512 without it; below AVX2 in f32 from dequantized
    // weights.
    int8_ = artifact_->model().precision() == fb::Precision::Int8 && hasInt8();
    sevenBit_ = int8_ && !hasNativeInt8();
    return Status::ok();
  }

  StatusOr<Lowering> lower(const ShapedGraph &graph) override;
  /// lower() for kernels made for `threads` threads.
  StatusOr<Lowering> lowerFor(const ShapedGraph &graph, int threads);

  StatusOr<DeviceBuffer> allocate(uint64_t bytes) override {
    if (bytes > physicalMemory())
      return invalidArgument("the plan needs " + std::to_string(bytes) +
                             " bytes of intermediate tensors, more than this "
                             "machine's memory");
    uint64_t rounded =
        (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
    void *p = std::aligned_alloc(kArenaAlignment, rounded);
    if (!p)
      return Status(StatusCode::kInternal,
                    "cannot allocate " + std::to_string(bytes) +
                        " bytes for intermediate tensors");
    return DeviceBuffer(static_cast<uint8_t *>(p),
                        [](uint8_t *q) { std::free(q); });
  }

  std::string computePrecision() const override {
    switch (artifact_->model().precision()) {
    case fb::Precision::BF16:
      return bf16_ ? "bf16 (AVX512-BF16, f32 accumulation)"
                   : "f32: this CPU lacks AVX512-BF16, so the bf16 weights "
                     "are widened to f32";
    case fb::Precision::Int8:
      return !int8_ ? "f32: this CPU lacks AVX2, so the int8 weights are "
                      "dequantized to f32"
             : sevenBit_
                 ? "int8 (u8/s8 with s32 accumulation; 7-bit weights, as "
                   "this CPU lacks VNNI)"
                 : "int8 (u8/s8 with s32 accumulation, VNNI)";
    default:
      return {};
    }
  }

  int64_t passBudgetBytes() const override { return cacheBytes() / 2; }
  uint64_t sessionBytes() const override { return weights_.bytes(); }
  uint64_t memoryBytes() const override { return physicalMemory(); }

private:
  BackendOptions options_;
  int threads_ = 1;
  bool bf16_ = false, int8_ = false, sevenBit_ = false;
  ExecEnv env_;
  WeightCache weights_;
  std::shared_ptr<const Artifact> artifact_;
};

StatusOr<Lowering> CpuBackend::lower(const ShapedGraph &graph) {
  auto lowering = lowerFor(graph, threads_);
  if (!lowering || threads_ <= 1 || !options_.adaptiveThreads)
    return lowering;
  // The plan for one thread fewer (CpuExecutable::runAdaptively), when it
  // has the same steps and buffers: the core placed this one's values.
  auto *exec = static_cast<CpuExecutable *>(lowering->executable.get());
  exec->makeReduced =
      [this, graph, bytes = lowering->valueBytes,
       steps = lowering->steps]() -> std::unique_ptr<CpuExecutable> {
    auto reduced = lowerFor(graph, threads_ - 1);
    if (!reduced || reduced->valueBytes != bytes ||
        reduced->steps.size() != steps.size())
      return nullptr;
    for (size_t i = 0; i < steps.size(); ++i)
      if (reduced->steps[i].inputs != steps[i].inputs ||
          reduced->steps[i].outputs != steps[i].outputs ||
          reduced->steps[i].inPlaceInput != steps[i].inPlaceInput)
        return nullptr;
    return std::unique_ptr<CpuExecutable>(
        static_cast<CpuExecutable *>(reduced->executable.release()));
  };
  return lowering;
}

StatusOr<Lowering> CpuBackend::lowerFor(const ShapedGraph &graph, int threads) {
  auto exec = std::make_unique<CpuExecutable>(env_, threads, options_.profile);
  std::vector<Step> &steps = exec->steps;
  const fb::Model &model = graph.artifact->model();
  Values values;
  for (size_t v = 0; v < graph.shapes.size(); ++v)
    values.add(graph.shapes[v], graph.dtypes[v], plainLayout(graph.shapes[v]),
               0.f, model.values()->Get(v)->range());
  const std::vector<int32_t> &weightOf = *graph.weightOf;
  size_t numValues = graph.shapes.size();
  // The quantization of weight `v` when this backend runs it: i8, one
  // scale per index of dim 0 (per output channel), no zero point.
  auto quantizationOf = [&](int64_t v) -> const fb::Quantization * {
    if (v < 0 || static_cast<size_t>(v) >= numValues || weightOf[v] < 0 ||
        graph.dtypes[v] != DType::kI8 || graph.shapes[v].empty())
      return nullptr;
    const fb::Quantization *q =
        model.weights()->Get(weightOf[v])->quantization();
    bool symmetric =
        !q || !q->zero_point() ||
        std::all_of(q->zero_point()->begin(), q->zero_point()->end(),
                    [](int64_t z) { return z == 0; });
    return q && q->axis() == 0 && q->scale() &&
                   static_cast<int64_t>(q->scale()->size()) ==
                       graph.shapes[v][0] &&
                   symmetric
               ? q
               : nullptr;
  };

  // Whether `node` reads its operand `i` stored as int8 (OpDef::readsInt8):
  // pools their input, and convs their input and residual when they run on
  // int8 (a quantized weight, a constant bias: planInt8).
  auto readsInt8 = [&](const GraphNode &node, const OpDef *op, size_t i) {
    if (!op || !op->readsInt8)
      return false;
    if (op->narrowWeight < 0)
      return i == 0;
    int64_t w = node.inputs[op->narrowWeight];
    int64_t bias = node.inputs.size() > 2 ? node.inputs[2] : -1;
    return int8_ && (i == 0 || i == 3) && quantizationOf(w) &&
           values.ranges[node.inputs[0]] && (bias < 0 || weightOf[bias] >= 0) &&
           int8Applies(graph.shapes[node.outputs[0]]);
  };
  // A result may be stored as int8 when it is calibrated and every kernel
  // that reads it reads int8; graph outputs stay f32.
  std::vector<bool> int8Result(numValues, false);
  if (int8_) {
    std::vector<bool> everyReaderInt8(numValues, true);
    for (const GraphNode &node : graph.nodes) {
      const OpDef *op = findOp(node.schema->name);
      for (size_t i = 0; i < node.inputs.size(); ++i)
        if (node.inputs[i] >= 0) {
          int8Result[node.inputs[i]] = true; // read at all
          if (!readsInt8(node, op, i))
            everyReaderInt8[node.inputs[i]] = false;
        }
    }
    for (size_t v = 0; v < numValues; ++v)
      int8Result[v] = int8Result[v] && everyReaderInt8[v] && values.ranges[v];
    for (int64_t out : graph.outputValues)
      int8Result[out] = false;
  }

  auto reorder = [&](int64_t v, dnnl::memory::desc to) {
    float scale = values.scales[v] > 0 ? values.scales[v] : 1.f;
    int64_t t = values.add(values.shapes[v], values.dtypes[v], to, 0.f,
                           values.ranges[v]);
    steps.push_back(Step{makeReorderKernel(values.layouts[v], to, env_, scale),
                         {v},
                         {t},
                         -1,
                         false,
                         isInt8(values.layouts[v]) ? "dequantize" : "reorder",
                         ""});
    return t;
  };
  // A value in plain layout (f32 for f32 values, whatever layout and
  // element type kernels kept it in): `v` itself, or a reorder of it.
  auto toPlain = [&](int64_t v) {
    dnnl::memory::desc plain = plainLayout(values.shapes[v]);
    if (values.dtypes[v] != DType::kF32 || values.layouts[v] == plain)
      return v;
    return reorder(v, plain);
  };

  try {
    for (uint32_t k = 0; k < graph.nodes.size(); ++k) {
      const GraphNode &node = graph.nodes[k];
      const fb::Kernel &kernel = *node.kernel;
      std::string where = describeKernel(k, kernel);
      const OpDef *op = findOp(node.schema->name);
      if (!op)
        return Status(StatusCode::kUnimplemented,
                      where + ": the cpu backend has no kernel for this op");
      Attrs attrs(kernel, &node.bound);
      BuildContext ctx{attrs, env_, weights_, {}, {}, {}, {}, {}, {}, {}};
      ctx.bf16 = bf16_;
      ctx.int8 = int8_;
      ctx.int8SevenBitWeights = sevenBit_;
      for (int64_t v : node.outputs) {
        ctx.outShapes.push_back(graph.shapes[v]);
        ctx.int8Outputs.push_back(int8Result[v] ? values.ranges[v] : nullptr);
      }
      std::vector<int64_t> inputs = node.inputs;
      auto describe = [&] {
        ctx.present.clear();
        ctx.shapes.clear();
        ctx.dtypes.clear();
        ctx.values.clear();
        ctx.weights.clear();
        ctx.layouts.clear();
        ctx.scales.clear();
        ctx.ranges.clear();
        ctx.quantizations.clear();
        for (int64_t in : inputs) {
          bool present = in >= 0;
          ctx.present.push_back(present);
          ctx.shapes.push_back(present ? values.shapes[in] : Shape());
          ctx.dtypes.push_back(present ? values.dtypes[in] : DType::kF32);
          ctx.values.push_back(in);
          ctx.layouts.push_back(present ? values.layouts[in]
                                        : dnnl::memory::desc());
          ctx.scales.push_back(present ? values.scales[in] : 0.f);
          ctx.ranges.push_back(present ? values.ranges[in] : nullptr);
          ctx.quantizations.push_back(quantizationOf(in));
          bool weight = present && static_cast<size_t>(in) < numValues &&
                        weightOf[in] >= 0;
          ctx.weights.push_back(
              weight ? graph.artifact->weightData(weightOf[in]) : nullptr);
        }
      };
      // Inputs stored as int8 that this kernel does not read so are
      // dequantized, in their layout.
      for (size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i] >= 0 && values.scales[inputs[i]] > 0 &&
            !readsInt8(node, op, i))
          inputs[i] =
              reorder(inputs[i], retyped(values.layouts[inputs[i]], dt::f32));
      describe();
      for (size_t i = 0; i < ctx.dtypes.size(); ++i)
        if (ctx.present[i] && op->computes != Computes::kAnyType &&
            ctx.dtypes[i] != DType::kF32 &&
            !(op->computes == Computes::kF32OrInteger &&
              isIntegerDType(ctx.dtypes[i])) &&
            !(static_cast<int>(i) == op->narrowWeight &&
              (ctx.dtypes[i] == DType::kBF16 ||
               (ctx.dtypes[i] == DType::kI8 && ctx.quantizations[i]))))
          return Status(StatusCode::kUnimplemented,
                        where + ": operand " + std::to_string(i) + " is " +
                            dtypeName(ctx.dtypes[i]) +
                            (ctx.dtypes[i] == DType::kI8
                                 ? "; the cpu backend takes int8 weights "
                                   "quantized with one scale per output "
                                   "channel and no zero point"
                                 : "; the cpu backend computes it in "
                                   "float32"));
      // Kernels that cannot read these layouts get plain copies first: of
      // the smaller inputs only if that suffices (a broadcast operand),
      // else of all.
      auto accepted = [&] {
        return op->acceptsLayouts && op->acceptsLayouts(ctx);
      };
      if (!accepted()) {
        std::vector<int64_t> original = inputs;
        size_t numSteps = steps.size(), numNow = values.shapes.size();
        int64_t largest = 0;
        for (size_t i = 0; i < inputs.size(); ++i)
          if (inputs[i] >= 0)
            largest = std::max(largest, numElements(ctx.shapes[i]));
        for (size_t i = 0; i < inputs.size(); ++i)
          if (inputs[i] >= 0 && numElements(ctx.shapes[i]) < largest)
            inputs[i] = toPlain(inputs[i]);
        describe();
        if (!accepted()) {
          inputs = original; // drop the partial attempt's reorders
          steps.resize(numSteps);
          values.resize(numNow);
          for (int64_t &in : inputs)
            if (in >= 0)
              in = toPlain(in);
          describe();
        }
      }
      // Primitives partition their work for the thread count they are
      // created with; a small kernel is created (and later run) on one.
      bool single = threads > 1 && isSmall(node.schema->name, ctx);
      omp_set_num_threads(single ? 1 : threads);
      StatusOr<Built> built = op->build(ctx);
      omp_set_num_threads(threads);
      if (!built)
        return Status(built.status().code(),
                      where + ": " + built.status().message());
      for (size_t o = 0; o < node.outputs.size(); ++o) {
        int64_t v = node.outputs[o];
        values.layouts[v] = built->outLayouts.empty()
                                ? plainLayout(ctx.outShapes[o])
                                : built->outLayouts[o];
        if (isInt8(values.layouts[v]))
          values.scales[v] = o < built->outScales.size() ? built->outScales[o]
                             : !ctx.scales.empty()       ? ctx.scales[0]
                                                         : 0.f;
        if (isInt8(values.layouts[v]) && !(values.scales[v] > 0))
          return Status(StatusCode::kInternal,
                        where + ": an int8 result without a scale");
      }
      // A kernel that reads only the previous one's single output may be
      // computed by it (Kernel::absorb).
      if (!steps.empty()) {
        Step &last = steps.back();
        if (last.outputs.size() == 1 && inputs.size() == 1 &&
            inputs[0] == last.outputs[0] &&
            last.kernel->absorb(*built->kernel)) {
          last.outputs.push_back(node.outputs[0]);
          continue;
        }
      }
      steps.push_back(Step{std::move(built->kernel), std::move(inputs),
                           node.outputs, built->inPlaceInput, single,
                           node.schema->name, printable(kernel.name())});
    }
  } catch (const dnnl::error &e) {
    return Status(StatusCode::kUnimplemented,
                  std::string("oneDNN cannot plan this model: ") + e.what());
  }

  Lowering lowering;
  for (int64_t out : graph.outputValues)
    lowering.outputValues.push_back(toPlain(out));
  auto refs = [&](const std::vector<int64_t> &ids) {
    std::vector<TensorRef> r;
    for (int64_t v : ids)
      r.push_back(v >= 0 ? TensorRef{nullptr, values.shapes[v],
                                     values.dtypes[v], values.layouts[v]}
                         : TensorRef{});
    return r;
  };
  for (Step &step : steps) {
    step.in = refs(step.inputs);
    step.out = refs(step.outputs);
    lowering.steps.push_back({step.inputs, step.outputs, step.inPlaceInput});
  }
  for (size_t v = 0; v < values.shapes.size(); ++v)
    lowering.valueBytes.push_back(values.bytes(v));
  exec->shapes = values.shapes;
  lowering.shapes = std::move(values.shapes);
  lowering.dtypes = std::move(values.dtypes);
  lowering.executable = std::move(exec);
  return lowering;
}

const bool registered = [] {
  registerBackend(
      "cpu",
      [](const BackendOptions &options) -> StatusOr<std::unique_ptr<Backend>> {
        return std::unique_ptr<Backend>(std::make_unique<CpuBackend>(options));
      });
  return true;
}();

} // namespace

const OpDef *cpu::findOp(std::string_view name) {
  static const std::vector<OpDef> ops = [] {
    std::vector<OpDef> all;
    appendConvOps(all);
    appendGemmOps(all);
    appendEltwiseOps(all);
    appendBinaryOps(all);
    appendPoolingOps(all);
    appendNormalizationOps(all);
    appendConcatOps(all);
    appendDataMovementOps(all);
    appendLogicOps(all);
    return all;
  }();
  for (const OpDef &op : ops)
    if (name == op.name)
      return &op;
  return nullptr;
}
