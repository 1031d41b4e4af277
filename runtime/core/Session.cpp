//===- Session.cpp - plans, the plan cache and execution ------------------===//
//
// For each distinct set of input shapes, a plan: the core's shapes for every
// value (Plan.h), the backend's lowering of them, and an arena the backend
// allocated in which every intermediate value has an offset. Plans live in
// a cache bounded in bytes and count, least recently used out first.
//
//===----------------------------------------------------------------------===//

#include "tlc/runtime/Session.h"

#include "Artifact.h"
#include "Backend.h"
#include "Batching.h"
#include "Plan.h"

#include <algorithm>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <string>

using namespace tlc::runtime;

namespace {

/// At most this many plans are cached, whatever their size: each also
/// holds backend objects (primitives, descriptors) the budget does not
/// count.
constexpr size_t kMaxCachedPlans = 64;
constexpr int kMaxThreads = 1024;

struct Plan {
  Lowering lowering;
  ArenaLayout layout;
  DeviceBuffer arena;
  /// Per value: its address in the arena or the artifact's weights; graph
  /// inputs are filled in per run.
  std::vector<uint8_t *> addresses;
};

} // namespace

struct Session::Impl {
  std::shared_ptr<Artifact> artifact;
  std::unique_ptr<Backend> backend;
  SessionOptions options;
  std::vector<PortInfo> inputs, outputs;
  mutable std::mutex mutex; // one run at a time per session

  /// A plan is made for a set of input shapes and the bytes of the
  /// parameter inputs (Artifact::parameterInputs), concatenated.
  using Key = std::pair<std::vector<Shape>, std::string>;
  /// Most recently used first.
  std::list<std::pair<Key, std::unique_ptr<Plan>>> plans;
  std::map<Key, decltype(plans)::iterator> index;
  /// Guards `stats` alone, so that /metrics never waits for a run.
  mutable std::mutex statsMutex;
  PlanCacheStats stats;
  Plan *lastRun = nullptr;   // whose profile profile() reports
  uint64_t maxPlanBytes = 0; // resolved SessionOptions::maxPlanBytes

  const fb::Model &model() const { return artifact->model(); }
  /// Why a batch must run in one pass (Batching.h); empty when samples
  /// are independent and it may run in several.
  std::string onePassReason;
  /// The plan for inputs of these shapes and this data (port order); only
  /// the parameter inputs' data is read.
  StatusOr<Plan *> plan(const std::vector<Shape> &inputShapes,
                        const std::vector<const void *> &data);
  StatusOr<std::unique_ptr<Plan>> build(const std::vector<Shape> &shapes,
                                        const std::vector<const void *> &data);
  void evict();
  /// Samples per pass for a batch of these inputs.
  int64_t chunkFor(const std::vector<Shape> &shapes,
                   const std::vector<const void *> &data);
  /// One pass over samples [first, first + n) of a batch: checked inputs
  /// of these shapes, row-major, in port order. Writes the outputs' slice
  /// into `results`, which the first pass creates. A model without a batch
  /// runs as one pass of n = batch = 1.
  Status execute(const std::vector<Shape> &shapes,
                 const std::vector<const void *> &data,
                 std::vector<NamedTensor> &results, int64_t first, int64_t n,
                 int64_t batch);
};

StatusOr<std::unique_ptr<Plan>>
Session::Impl::build(const std::vector<Shape> &inputShapes,
                     const std::vector<const void *> &data) {
  auto graph = shapeGraph(*artifact, inputShapes, data, maxPlanBytes);
  if (!graph)
    return graph.status();
  auto lowered = backend->lower(*graph);
  if (!lowered)
    return lowered.status();
  auto p = std::make_unique<Plan>();
  p->lowering = std::move(*lowered);
  size_t numValues = p->lowering.valueBytes.size();
  if (numValues < graph->shapes.size() ||
      p->lowering.shapes.size() != numValues ||
      p->lowering.dtypes.size() != numValues ||
      p->lowering.outputValues.size() != outputs.size() ||
      !p->lowering.executable)
    return Status(StatusCode::kInternal,
                  std::string("the ") + backend->name() +
                      " backend returned an inconsistent plan");
  const auto &weightOf = artifact->weightOfValue();
  std::vector<bool> external(numValues, false);
  for (int64_t v : graph->inputValues)
    external[v] = true;
  for (size_t v = 0; v < weightOf.size(); ++v)
    external[v] = external[v] || weightOf[v] >= 0;
  auto layout = placeValues(p->lowering, external);
  if (!layout)
    return layout.status();
  p->layout = std::move(*layout);
  if (maxPlanBytes && p->layout.bytes > maxPlanBytes)
    return invalidArgument("these input shapes need " +
                           std::to_string(p->layout.bytes) +
                           " bytes of intermediate tensors, more than the "
                           "session's limit of " +
                           std::to_string(maxPlanBytes));
  auto arena = backend->allocate(std::max<uint64_t>(p->layout.bytes, 1));
  if (!arena)
    return arena.status();
  p->arena = std::move(*arena);
  p->addresses.assign(numValues, nullptr);
  for (size_t v = 0; v < numValues; ++v) {
    if (v < weightOf.size() && weightOf[v] >= 0)
      p->addresses[v] =
          const_cast<uint8_t *>(artifact->weightData(weightOf[v]));
    else if (p->layout.offsets[v] >= 0)
      p->addresses[v] = p->arena.get() + p->layout.offsets[v];
  }
  return p;
}

StatusOr<Plan *> Session::Impl::plan(const std::vector<Shape> &inputShapes,
                                     const std::vector<const void *> &data) {
  Key key{inputShapes, {}};
  const std::vector<bool> &parameters = artifact->parameterInputs();
  for (size_t i = 0; i < parameters.size() && i < data.size(); ++i)
    if (parameters[i] && data[i])
      key.second.append(static_cast<const char *>(data[i]),
                        numElements(inputShapes[i]) *
                            dtypeSize(inputs[i].dtype));
  auto found = index.find(key);
  if (found != index.end()) {
    std::lock_guard<std::mutex> lock(statsMutex);
    ++stats.hits;
    plans.splice(plans.begin(), plans, found->second);
    return plans.front().second.get();
  }
  auto built = build(inputShapes, data);
  if (!built)
    return built.status();
  std::lock_guard<std::mutex> lock(statsMutex);
  ++stats.misses;
  stats.bytes += (*built)->layout.bytes;
  plans.emplace_front(key, std::move(*built));
  index[key] = plans.begin();
  evict();
  return plans.front().second.get();
}

void Session::Impl::evict() {
  // Called with statsMutex held. The plan just made or used (the front)
  // stays, whatever its size.
  while (plans.size() > 1 && (stats.bytes > options.planCacheBytes ||
                              plans.size() > kMaxCachedPlans)) {
    auto &[key, victim] = plans.back();
    if (lastRun == victim.get())
      lastRun = nullptr;
    stats.bytes -= victim->layout.bytes;
    ++stats.evictions;
    index.erase(key);
    plans.pop_back();
  }
  stats.plans = static_cast<int64_t>(plans.size());
}

//===----------------------------------------------------------------------===//
// Session
//===----------------------------------------------------------------------===//

std::vector<std::string> tlc::runtime::availableDevices() {
  return registeredBackends();
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::Session(Session &&) noexcept = default;
Session &Session::operator=(Session &&) noexcept = default;
Session::~Session() = default;

namespace {

Status checkOptions(const SessionOptions &options) {
  if (options.threads < 0 || options.threads > kMaxThreads)
    return invalidArgument("threads must be between 0 and " +
                           std::to_string(kMaxThreads) + ", got " +
                           std::to_string(options.threads));
  if (options.microBatch < 0)
    return invalidArgument("microBatch must not be negative");
  return Status::ok();
}

} // namespace

StatusOr<Session> Session::load(const std::string &path,
                                const SessionOptions &options) {
  if (Status s = checkOptions(options); !s)
    return s;
  auto artifact = Artifact::open(path, options.copyArtifact);
  if (!artifact)
    return artifact.status();
  return fromArtifact(std::move(*artifact), options, path);
}

StatusOr<Session> Session::loadFromMemory(const uint8_t *data, size_t size,
                                          const SessionOptions &options,
                                          const std::string &name) {
  if (Status s = checkOptions(options); !s)
    return s;
  auto artifact = Artifact::copyOf(data, size, name);
  if (!artifact)
    return artifact.status();
  return fromArtifact(std::move(*artifact), options, name);
}

StatusOr<Session> Session::fromArtifact(std::shared_ptr<Artifact> artifact,
                                        const SessionOptions &options,
                                        const std::string &path) {
  auto backend =
      createBackend(options.device, {options.threads, options.profile,
                                     options.adaptiveThreads});
  if (!backend)
    return backend.status();
  auto impl = std::make_unique<Impl>();
  impl->artifact = std::move(artifact);
  impl->backend = std::move(*backend);
  impl->options = options;
  impl->maxPlanBytes = options.maxPlanBytes ? options.maxPlanBytes
                                            : impl->backend->memoryBytes();
  impl->stats.budget = options.planCacheBytes;
  const fb::Model &m = impl->model();
  auto port = [&](const fb::Port *p) {
    const fb::Value *v = m.values()->Get(p->value());
    return PortInfo{printable(p->name()), fromSchema(v->dtype()),
                    declaredShape(*v)};
  };
  for (const fb::Port *p : *m.inputs())
    impl->inputs.push_back(port(p));
  for (const fb::Port *p : *m.outputs())
    impl->outputs.push_back(port(p));
  // Kernels the backend lacks are reported at load, not at the first run.
  Backend &b = *impl->backend;
  for (uint32_t k = 0; k < m.kernels()->size(); ++k) {
    const fb::Kernel &kernel = *m.kernels()->Get(k);
    const OpSchema &op = *findOpSchema(kernel.op()->string_view());
    int32_t first = kernel.inputs()->size() ? kernel.inputs()->Get(0) : -1;
    DType dtype =
        first >= 0 ? fromSchema(m.values()->Get(first)->dtype()) : DType::kF32;
    if (!b.supports(op, dtype, kPlainLayout))
      return Status(StatusCode::kUnimplemented,
                    path + ": " + describeKernel(k, kernel) + ": the " +
                        b.name() + " backend has no kernel for it on " +
                        dtypeName(dtype));
  }
  if (Status s = b.attach(impl->artifact); !s)
    return s;
  if (!samplesAreIndependent(m, &impl->onePassReason) &&
      impl->onePassReason.empty())
    impl->onePassReason = "samples are not independent";
  return Session(std::move(impl));
}

const std::vector<PortInfo> &Session::inputs() const { return impl_->inputs; }
const std::vector<PortInfo> &Session::outputs() const { return impl_->outputs; }

std::string Session::metadata(const std::string &key) const {
  const auto *entries = impl_->model().metadata();
  if (!entries)
    return "";
  const fb::KeyValue *kv = entries->LookupByKey(key.c_str());
  return kv && kv->value() ? kv->value()->str() : "";
}

StatusOr<std::vector<NamedTensor>>
Session::run(const std::vector<NamedTensor> &inputs) {
  std::vector<NamedView> views;
  views.reserve(inputs.size());
  for (const auto &[name, t] : inputs)
    views.emplace_back(name, TensorView{t.dtype(), t.shape(), t.data()});
  return run(views);
}

StatusOr<std::vector<NamedTensor>>
Session::run(const std::vector<NamedView> &inputs) {
  Impl &impl = *impl_;
  std::lock_guard<std::mutex> lock(impl.mutex);

  // Match and check the inputs.
  std::vector<const TensorView *> given(impl.inputs.size(), nullptr);
  for (const auto &[name, tensor] : inputs) {
    size_t i = 0;
    while (i < impl.inputs.size() && impl.inputs[i].name != name)
      ++i;
    if (i == impl.inputs.size())
      return invalidArgument("the model has no input named '" + name + "'");
    given[i] = &tensor;
  }
  std::vector<Shape> shapes;
  for (size_t i = 0; i < given.size(); ++i) {
    const PortInfo &port = impl.inputs[i];
    if (!given[i])
      return invalidArgument("input '" + port.name + "' is missing");
    const TensorView &t = *given[i];
    if (t.dtype != port.dtype)
      return invalidArgument("input '" + port.name + "' is " +
                             dtypeName(t.dtype) + ", the model expects " +
                             dtypeName(port.dtype));
    if (Status s = checkInputShape(port.name, port.shape, t.shape); !s)
      return s;
    if (!t.data)
      return invalidArgument("input '" + port.name + "' has no data");
    shapes.push_back(t.shape);
  }
  std::vector<const void *> data;
  for (const TensorView *t : given)
    data.push_back(t->data);

  // A large batch of independent samples runs in passes of `chunk`, each
  // writing its slice of the outputs.
  bool batched = !shapes.empty() && !shapes[0].empty() && shapes[0][0] > 0;
  int64_t batch = batched ? shapes[0][0] : 1;
  int64_t chunk = batched ? impl.chunkFor(shapes, data) : batch;
  std::vector<size_t> inSample; // bytes per sample
  for (size_t i = 0; i < given.size(); ++i)
    inSample.push_back(numElements(shapes[i]) / batch *
                       dtypeSize(given[i]->dtype));
  std::vector<NamedTensor> results;
  for (int64_t first = 0; first < batch; first += chunk) {
    int64_t n = std::min(chunk, batch - first);
    std::vector<Shape> part = shapes;
    std::vector<const void *> partData;
    for (size_t i = 0; i < part.size(); ++i) {
      if (chunk < batch)
        part[i][0] = n;
      partData.push_back(static_cast<const uint8_t *>(data[i]) +
                         first * inSample[i]);
    }
    if (Status s = impl.execute(part, partData, results, first, n, batch); !s)
      return s;
  }
  return results;
}

int64_t Session::Impl::chunkFor(const std::vector<Shape> &shapes,
                                const std::vector<const void *> &data) {
  int64_t batch = shapes[0][0];
  if (!onePassReason.empty() || batch <= 1)
    return batch;
  for (const Shape &s : shapes)
    if (s.empty() || s[0] != batch)
      return batch;
  if (options.microBatch > 0)
    return std::min<int64_t>(options.microBatch, batch);
  int64_t budget = backend->passBudgetBytes();
  if (budget <= 0)
    return batch;
  // Passes whose intermediates fit the backend's budget, in powers of two.
  // Measured on the CPU with 2 threads and a 32 MiB L3 against whole
  // batches of 32: SqueezeNet 1.18x, MobileNetV2 1.2-1.5x,
  // EfficientNet-B0 1.17x, ResNets unchanged.
  std::vector<Shape> one = shapes;
  for (Shape &s : one)
    s[0] = 1;
  auto single = plan(one, data);
  if (!single)
    return batch; // the whole batch reports the error
  int64_t perSample =
      std::max<int64_t>(static_cast<int64_t>((*single)->layout.bytes), 1);
  int64_t c = 1;
  if (batch <= budget / perSample)
    return batch;
  while (c * 2 <= batch && c * 2 * perSample <= budget)
    c *= 2;
  return c;
}

Status Session::Impl::execute(const std::vector<Shape> &shapes,
                              const std::vector<const void *> &data,
                              std::vector<NamedTensor> &results, int64_t first,
                              int64_t n, int64_t batch) {
  const fb::Model &m = model();
  auto planned = plan(shapes, data);
  if (!planned)
    return planned.status();
  Plan &p = **planned;
  for (size_t i = 0; i < data.size(); ++i)
    p.addresses[m.inputs()->Get(i)->value()] =
        static_cast<uint8_t *>(const_cast<void *>(data[i]));
  lastRun = &p;
  if (Status s = p.lowering.executable->run(p.addresses); !s)
    return s;

  // A pass over the whole batch (or a model without one) keeps the plan's
  // output shapes; passes over part of it fill whole-batch outputs, which
  // the first creates.
  bool onePass = n == batch;
  for (size_t i = 0; i < outputs.size(); ++i) {
    int64_t v = p.lowering.outputValues[i];
    const Shape &got = p.lowering.shapes[v];
    DType dtype = p.lowering.dtypes[v];
    if (!onePass && (got.empty() || got[0] != n))
      return Status(StatusCode::kInternal,
                    "output '" + outputs[i].name +
                        "' lost the batch dim in a partial batch");
    if (first == 0) {
      Shape whole = got;
      if (!onePass)
        whole[0] = batch;
      results.emplace_back(outputs[i].name, Tensor(dtype, whole));
    }
    size_t bytes = numElements(got) * dtypeSize(dtype);
    if (bytes)
      std::memcpy(results[i].second.data() + first * (bytes / n),
                  p.addresses[v], bytes);
  }
  return Status::ok();
}

std::vector<KernelProfile> Session::profile() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->lastRun)
    return {};
  return impl_->lastRun->lowering.executable->profile();
}

int64_t Session::samplesPerPass(const std::vector<Shape> &inputShapes) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (inputShapes.empty() || inputShapes[0].empty() ||
      inputShapes.size() != impl_->inputs.size())
    return 1;
  return impl_->chunkFor(inputShapes, {}); // a model with parameter inputs
                                           // runs in one pass
}

std::string Session::onePassReason() const { return impl_->onePassReason; }

std::string Session::precision() const {
  switch (impl_->model().precision()) {
  case fb::Precision::F32:
    return "f32";
  case fb::Precision::TF32:
    return "tf32";
  case fb::Precision::F16:
    return "f16";
  case fb::Precision::BF16:
    return "bf16";
  case fb::Precision::Int8:
    return "int8";
  }
  return "unknown"; // the verifier refuses other values
}

std::string Session::computePrecision() const {
  std::string how = impl_->backend->computePrecision();
  return how.empty() ? precision() : how;
}

void Session::resetProfile() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  for (auto &[shapes, plan] : impl_->plans)
    plan->lowering.executable->resetProfile();
}

PlanCacheStats Session::planCacheStats() const {
  std::lock_guard<std::mutex> lock(impl_->statsMutex);
  PlanCacheStats stats = impl_->stats;
  stats.weightBytes = impl_->backend->sessionBytes();
  return stats;
}
