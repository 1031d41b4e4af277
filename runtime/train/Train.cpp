//===- Train.cpp - training the head of a compiled artifact ---------------===//

#include "tlc/runtime/Train.h"

#include "Artifact.h"
#include "Attrs.h"
#include "Shapes.h"
#include "tlc/runtime/Npy.h"

#include <lbfgs.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>
#include <sstream>

using namespace tlc::runtime;

namespace {

// The activations a head may have, by their schema values.
constexpr int64_t kNone = static_cast<int64_t>(fb::Activation::None);
constexpr int64_t kRelu = static_cast<int64_t>(fb::Activation::Relu);
constexpr int64_t kSigmoid = static_cast<int64_t>(fb::Activation::Sigmoid);
constexpr int64_t kTanh = static_cast<int64_t>(fb::Activation::Tanh);
constexpr int64_t kSilu = static_cast<int64_t>(fb::Activation::Silu);
constexpr int64_t kGelu = static_cast<int64_t>(fb::Activation::Gelu);

int64_t activationOfOp(const std::string &op) {
  if (op == "relu")
    return kRelu;
  if (op == "sigmoid")
    return kSigmoid;
  if (op == "tanh")
    return kTanh;
  if (op == "silu")
    return kSilu;
  if (op == "gelu")
    return kGelu;
  return -1;
}

bool supportedActivation(int64_t a) {
  return a == kNone || a == kRelu || a == kSigmoid || a == kTanh ||
         a == kSilu || a == kGelu;
}

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

float activate(int64_t a, float z) {
  switch (a) {
  case kRelu:
    return z > 0 ? z : 0;
  case kSigmoid:
    return sigmoid(z);
  case kTanh:
    return std::tanh(z);
  case kSilu:
    return z * sigmoid(z);
  case kGelu:
    return 0.5f * z * (1.f + std::erf(z * float(M_SQRT1_2)));
  default:
    return z;
  }
}

/// d activate(z) / dz.
float activationSlope(int64_t a, float z) {
  switch (a) {
  case kRelu:
    return z > 0 ? 1.f : 0.f;
  case kSigmoid: {
    float s = sigmoid(z);
    return s * (1 - s);
  }
  case kTanh: {
    float t = std::tanh(z);
    return 1 - t * t;
  }
  case kSilu: {
    float s = sigmoid(z);
    return s * (1 + z * (1 - s));
  }
  case kGelu: {
    float cdf = 0.5f * (1.f + std::erf(z * float(M_SQRT1_2)));
    float pdf = std::exp(-0.5f * z * z) * 0.3989422804f;
    return cdf + z * pdf;
  }
  default:
    return 1.f;
  }
}

/// Row-major C[M,N] = alpha * op(A) op(B) + beta * C.
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha,
          const float *a, const float *b, float beta, float *c) {
  dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, ta ? m : k, b,
             tb ? k : n, beta, c, n);
}

/// SplitMix64: seeded, portable.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double unit() { return double(next() >> 11) * 0x1.0p-53; }
  template <typename T> void shuffle(std::vector<T> &v) {
    for (size_t i = v.size(); i > 1; --i)
      std::swap(v[i - 1], v[next() % i]);
  }

private:
  uint64_t state;
};

/// 128-bit FNV-1a, as two independent 64-bit lanes.
class Hasher {
public:
  void add(const void *data, size_t size) {
    auto *p = static_cast<const uint8_t *>(data);
    for (size_t i = 0; i < size; ++i) {
      a = (a ^ p[i]) * 0x100000001b3ULL;
      b = (b ^ p[i]) * 0x100000001b3ULL;
    }
  }
  void add(const std::string &s) {
    uint64_t n = s.size();
    add(&n, sizeof(n));
    add(s.data(), s.size());
  }
  std::string hex() const {
    char out[33];
    std::snprintf(out, sizeof(out), "%016llx%016llx", (unsigned long long)a,
                  (unsigned long long)b);
    return out;
  }

private:
  uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
};

const fb::Port *findPort(const fb::Model &m, const char *name) {
  for (const fb::Port *p : *m.outputs())
    if (p->name() && p->name()->str() == name)
      return p;
  return nullptr;
}

std::vector<float> readFloats(const Artifact &a, uint32_t weight) {
  const fb::Weight *w = a.model().weights()->Get(weight);
  std::vector<float> out(w->size() / sizeof(float));
  std::memcpy(out.data(), a.weightData(weight), out.size() * sizeof(float));
  return out;
}

int64_t argmax(const float *v, int64_t n) {
  return std::max_element(v, v + n) - v;
}

/// Activations kept by a forward pass, for the backward one.
struct Trace {
  const float *first = nullptr;           ///< the first layer's input
  std::vector<std::vector<float>> inputs; ///< per later layer: its input
  std::vector<std::vector<float>> pre;    ///< per layer: before activation
  std::vector<std::vector<float>> masks;  ///< per layer: dropout scale
};

std::vector<float> forward(const Head &head, const float *x, int64_t n,
                           Trace *trace, Random *rng) {
  // The first layer reads `x` where it is: a full batch of features is
  // not copied (the trace keeps the pointer).
  std::vector<float> cur;
  const float *in = x;
  if (trace)
    trace->first = x;
  for (size_t l = 0; l < head.layers.size(); ++l) {
    const HeadLayer &layer = head.layers[l];
    std::vector<float> z(n * layer.out);
    gemm(false, true, n, layer.out, layer.in, 1.f, in, layer.weight.data(), 0.f,
         z.data());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t o = 0; o < layer.out; ++o)
        z[i * layer.out + o] += layer.bias[o];
    std::vector<float> y(z.size());
    for (size_t i = 0; i < z.size(); ++i)
      y[i] = activate(layer.activation, z[i]);
    std::vector<float> mask;
    if (trace && rng && layer.dropout > 0) {
      mask.resize(y.size());
      float keep = 1.f - layer.dropout;
      for (size_t i = 0; i < y.size(); ++i) {
        mask[i] = rng->unit() < keep ? 1.f / keep : 0.f;
        y[i] *= mask[i];
      }
    }
    if (trace) {
      if (l > 0)
        trace->inputs.push_back(std::move(cur));
      trace->pre.push_back(std::move(z));
      trace->masks.push_back(std::move(mask));
    }
    cur = std::move(y);
    in = cur.data();
  }
  return cur;
}

/// Loss of `logits` [n, c] and its gradient (mean over the weights).
double lossAndGrad(Loss kind, const float *logits, const int64_t *labels,
                   int64_t n, int64_t c, const std::vector<float> &classWeight,
                   std::vector<float> *grad) {
  double total = 0, weightSum = 0;
  if (grad)
    grad->assign(n * c, 0.f);
  std::vector<float> p(c);
  for (int64_t i = 0; i < n; ++i) {
    const float *z = logits + i * c;
    int64_t y = labels[i];
    float w = classWeight.empty() ? 1.f : classWeight[y];
    weightSum += w;
    float *g = grad ? grad->data() + i * c : nullptr;
    switch (kind) {
    case Loss::kCrossEntropy: {
      float mx = *std::max_element(z, z + c);
      double sum = 0;
      for (int64_t j = 0; j < c; ++j)
        sum += p[j] = std::exp(z[j] - mx);
      total += w * (std::log(sum) - (z[y] - mx));
      if (g)
        for (int64_t j = 0; j < c; ++j)
          g[j] = w * (p[j] / float(sum) - (j == y ? 1.f : 0.f));
      break;
    }
    case Loss::kMse:
      for (int64_t j = 0; j < c; ++j) {
        float d = z[j] - (j == y ? 1.f : 0.f);
        total += w * 0.5 * d * d;
        if (g)
          g[j] = w * d;
      }
      break;
    case Loss::kHinge:
      for (int64_t j = 0; j < c; ++j) {
        if (j == y)
          continue;
        float margin = 1.f + z[j] - z[y];
        if (margin > 0) {
          total += w * margin;
          if (g) {
            g[j] += w;
            g[y] -= w;
          }
        }
      }
      break;
    }
  }
  if (grad && weightSum > 0)
    for (float &v : *grad)
      v /= float(weightSum);
  return weightSum > 0 ? total / weightSum : 0;
}

} // namespace

//===----------------------------------------------------------------------===//
// The head
//===----------------------------------------------------------------------===//

StatusOr<Head> Head::load(const std::string &path) {
  auto artifact = Artifact::open(path);
  if (!artifact)
    return artifact.status();
  const Artifact &a = **artifact;
  const fb::Model &m = a.model();
  const fb::Port *features = findPort(m, tlc::outputs::kFeatures);
  const fb::Port *logits = findPort(m, tlc::outputs::kLogits);
  if (!features || !logits)
    return invalidArgument(path + ": no trainable head (the artifact has no "
                                  "`features` and `logits` outputs; compile "
                                  "with --head linear:CLASSES)");
  Head head;
  if (const auto *entries = m.metadata())
    for (const fb::KeyValue *kv : *entries)
      if (kv->key() && kv->value())
        head.metadata[kv->key()->str()] = kv->value()->str();
  std::vector<bool> inHead(m.values()->size(), false);
  inHead[features->value()] = true;
  auto trainableWeight = [&](int32_t v) -> int32_t {
    if (v < 0 || static_cast<size_t>(v) >= a.weightOfValue().size())
      return -1;
    int32_t w = a.weightOfValue()[v];
    return w >= 0 && m.weights()->Get(w)->trainable() ? w : -1;
  };
  for (const fb::Kernel *k : *m.kernels()) {
    bool reads = false;
    for (int32_t in : *k->inputs())
      reads |= in >= 0 && inHead[in];
    if (!reads)
      continue;
    std::string op = k->op()->str();
    Attrs attrs(*k);
    auto intAttr = [&](const char *name, int64_t fallback) {
      return attrs.has(name) ? attrs.i(name) : fallback;
    };
    auto floatAttr = [&](const char *name, float fallback) {
      return attrs.has(name) ? attrs.f(name) : fallback;
    };
    if (op == "fc") {
      int32_t w =
          k->inputs()->size() > 1 ? trainableWeight(k->inputs()->Get(1)) : -1;
      int32_t b =
          k->inputs()->size() > 2 ? trainableWeight(k->inputs()->Get(2)) : -1;
      if (w < 0 || b < 0 || !inHead[k->inputs()->Get(0)] ||
          (k->inputs()->size() > 3 && k->inputs()->Get(3) >= 0))
        return invalidArgument(path + ": the head's fc '" +
                               printable(k->name()) +
                               "' is not a trainable fc with a bias");
      HeadLayer layer;
      auto shape = declaredShape(*m.values()->Get(k->inputs()->Get(1)));
      auto biasShape = declaredShape(*m.values()->Get(k->inputs()->Get(2)));
      if (shape.size() != 2 || biasShape != std::vector<int64_t>{shape[0]} ||
          m.weights()->Get(w)->value() != uint32_t(k->inputs()->Get(1)) ||
          fromSchema(m.values()->Get(k->inputs()->Get(1))->dtype()) !=
              DType::kF32 ||
          fromSchema(m.values()->Get(k->inputs()->Get(2))->dtype()) !=
              DType::kF32)
        return invalidArgument(path + ": the head's fc '" +
                               printable(k->name()) +
                               "' has no float32 [out, in] weight and [out] "
                               "bias");
      layer.out = shape[0];
      layer.in = shape[1];
      layer.weight = readFloats(a, w);
      layer.bias = readFloats(a, b);
      layer.weightIndex = w;
      layer.biasIndex = b;
      layer.activation = intAttr("activation", kNone);
      if (!supportedActivation(layer.activation) ||
          (layer.activation == kGelu && floatAttr("act_alpha", 0) != 0))
        return invalidArgument(path + ": the head's activation (" +
                               std::to_string(layer.activation) +
                               ") cannot be trained");
      if (!head.layers.empty() && head.layers.back().out != layer.in)
        return invalidArgument(path + ": the head's layers do not chain");
      head.layers.push_back(std::move(layer));
    } else if (op == "dropout" && !head.layers.empty()) {
      head.layers.back().dropout = floatAttr("ratio", 0.f);
    } else if (int64_t act = activationOfOp(op);
               act >= 0 && !head.layers.empty() &&
               head.layers.back().activation == kNone) {
      head.layers.back().activation = act;
    } else {
      return invalidArgument(path + ": the head contains '" + op +
                             "', which tlc cannot train");
    }
    for (uint32_t out : *k->outputs())
      inHead[out] = true;
  }
  if (head.layers.empty() || !inHead[logits->value()])
    return invalidArgument(path + ": no trainable layers lead from "
                                  "`features` to `logits`");
  if (auto it = head.metadata.find(tlc::metadata::kClasses);
      it != head.metadata.end()) {
    std::string names = it->second;
    size_t start = 0;
    while (start <= names.size()) {
      size_t end = names.find('\n', start);
      if (end == std::string::npos)
        end = names.size();
      head.classNames.push_back(names.substr(start, end - start));
      start = end + 1;
    }
    if (int64_t(head.classNames.size()) != head.classes())
      head.classNames.clear();
  }
  return head;
}

std::vector<float> Head::logits(const float *x, int64_t count) const {
  return forward(*this, x, count, nullptr, nullptr);
}

//===----------------------------------------------------------------------===//
// Features
//===----------------------------------------------------------------------===//

StatusOr<FeatureSet> tlc::runtime::extractFeatures(
    Session &session, const Dataset &data, const Preprocessing &pre,
    const ExtractOptions &options, std::vector<std::string> &skipped) {
  if (session.inputs().size() != 1)
    return invalidArgument("the backbone must have exactly one input");
  const std::string inputName = session.inputs()[0].name;
  std::vector<std::string> wanted = options.outputs;
  if (wanted.empty())
    wanted.push_back(tlc::outputs::kFeatures);
  std::vector<size_t> indices;
  for (const std::string &name : wanted) {
    size_t index = session.outputs().size();
    for (size_t i = 0; i < session.outputs().size(); ++i)
      if (session.outputs()[i].name == name)
        index = i;
    if (index == session.outputs().size())
      return invalidArgument(
          name == tlc::outputs::kFeatures
              ? std::string("the artifact has no `features` output (compile "
                            "it with --cut and --head)")
              : "the artifact has no output '" + name + "'");
    indices.push_back(index);
  }
  FeatureSet out;
  int64_t plane = 3 * pre.crop * pre.crop;
  int64_t batch = std::max<int64_t>(1, options.batch);
  // A model exported with a fixed batch takes batches of that size.
  if (const std::vector<int64_t> &shape = session.inputs()[0].shape;
      !shape.empty() && shape[0] > 0)
    batch = shape[0];
  for (size_t start = 0; start < data.size(); start += batch) {
    size_t end = std::min(data.size(), start + size_t(batch));
    Tensor input(DType::kF32, {int64_t(end - start), 3, pre.crop, pre.crop});
    std::vector<int64_t> labels;
    int64_t filled = 0;
    for (size_t i = start; i < end; ++i) {
      auto image = data.image(i);
      Status s = image ? preprocess(*image, pre,
                                    input.dataAs<float>() + filled * plane)
                       : image.status();
      if (!s) {
        // Decoding errors name the file already.
        std::string what = s.message().rfind(data.where(i), 0) == 0
                               ? s.message()
                               : data.where(i) + ": " + s.message();
        if (!options.skipBad)
          return Status(s.code(), what + " (use --skip-bad-images to skip it)");
        skipped.push_back(what);
        continue;
      }
      labels.push_back(data.label(i));
      ++filled;
    }
    if (filled > 0) {
      if (filled < int64_t(end - start)) {
        Tensor shrunk(DType::kF32, {filled, 3, pre.crop, pre.crop});
        std::memcpy(shrunk.data(), input.data(), shrunk.byteSize());
        input = std::move(shrunk);
      }
      auto results = session.run({{inputName, std::move(input)}});
      if (!results)
        return results.status();
      // Each sample's row: the outputs' values side by side.
      int64_t width = 0;
      for (size_t index : indices)
        width += (*results)[index].second.numElements() / filled;
      if (out.width == 0)
        out.width = width;
      if (width != out.width)
        return invalidArgument("the features changed size between batches");
      size_t row = out.values.size();
      out.values.resize(row + size_t(filled * width));
      int64_t column = 0;
      for (size_t index : indices) {
        const Tensor &f = (*results)[index].second;
        int64_t w = f.numElements() / filled;
        const float *p = f.dataAs<float>();
        for (int64_t i = 0; i < filled; ++i)
          std::memcpy(&out.values[row + i * width + column], p + i * w,
                      w * sizeof(float));
        column += w;
      }
      out.labels.insert(out.labels.end(), labels.begin(), labels.end());
      out.count += filled;
    }
    if (options.progress)
      options.progress(end, data.size());
  }
  if (out.count == 0)
    return invalidArgument("no readable samples");
  return out;
}

StatusOr<std::string>
tlc::runtime::featureCacheKey(const std::string &artifactPath,
                              const Dataset &data, const Preprocessing &pre,
                              const std::vector<std::string> &outputs) {
  auto artifact = Artifact::open(artifactPath);
  if (!artifact)
    return artifact.status();
  const fb::Model &m = (*artifact)->model();
  Hasher h;
  h.add("tlc-features-v1");
  for (const fb::Port *p : *m.outputs())
    h.add(printable(p->name()));
  h.add("read");
  for (const std::string &name : outputs)
    h.add(name);
  for (const fb::Kernel *k : *m.kernels())
    h.add(k->op()->str());
  for (uint32_t w = 0; w < m.weights()->size(); ++w)
    if (!m.weights()->Get(w)->trainable())
      h.add((*artifact)->weightData(w), m.weights()->Get(w)->size());
  h.add(pre.describe());
  for (size_t i = 0; i < data.size(); ++i) {
    auto fp = data.fingerprint(i);
    if (!fp)
      return fp.status();
    h.add(*fp);
    int64_t label = data.label(i);
    h.add(&label, sizeof(label));
  }
  return h.hex();
}

StatusOr<FeatureSet>
tlc::runtime::featuresFromNpy(const NpyArray &values, const NpyArray &labels,
                              const std::string &valuesSource,
                              const std::string &labelsSource) {
  if (values.dtype != DType::kF32 || values.shape.size() != 2)
    return invalidArgument(
        valuesSource + ": expected float32 features [N, F], got " +
        dtypeName(values.dtype) + " " + shapeToString(values.shape));
  if (labels.shape.size() != 1 || labels.shape[0] != values.shape[0])
    return invalidArgument(labelsSource + ": expected " +
                           std::to_string(values.shape[0]) + " labels, got " +
                           shapeToString(labels.shape));
  FeatureSet f;
  f.count = values.shape[0];
  f.width = values.shape[1];
  f.values.resize(f.count * f.width);
  std::memcpy(f.values.data(), values.data.data(), values.data.size());
  for (int64_t i = 0; i < f.count; ++i) {
    const uint8_t *p = labels.data.data() + i * dtypeSize(labels.dtype);
    switch (labels.dtype) {
    case DType::kI64:
      f.labels.push_back(*reinterpret_cast<const int64_t *>(p));
      break;
    case DType::kI32:
      f.labels.push_back(*reinterpret_cast<const int32_t *>(p));
      break;
    case DType::kU8:
      f.labels.push_back(*p);
      break;
    default:
      return invalidArgument(labelsSource +
                             ": labels must be int64, int32 or uint8");
    }
    if (f.labels.back() < 0)
      return invalidArgument(labelsSource + ": label " +
                             std::to_string(f.labels.back()) + " of sample " +
                             std::to_string(i) + " is negative");
  }
  return f;
}

Status tlc::runtime::writeFeatures(const std::string &prefix,
                                   const FeatureSet &f) {
  NpyArray values{DType::kF32, {f.count, f.width}, {}};
  values.data.resize(f.values.size() * sizeof(float));
  std::memcpy(values.data.data(), f.values.data(), values.data.size());
  NpyArray labels{DType::kI64, {f.count}, {}};
  labels.data.resize(f.labels.size() * sizeof(int64_t));
  std::memcpy(labels.data.data(), f.labels.data(), labels.data.size());
  if (Status s = writeNpy(prefix + ".features.npy", values); !s)
    return s;
  return writeNpy(prefix + ".labels.npy", labels);
}

FeatureSet tlc::runtime::selectRows(const FeatureSet &f,
                                    const std::vector<size_t> &rows) {
  FeatureSet out;
  out.width = f.width;
  out.count = rows.size();
  out.values.reserve(rows.size() * f.width);
  for (size_t r : rows) {
    const float *row = &f.values[r * f.width];
    out.values.insert(out.values.end(), row, row + f.width);
    out.labels.push_back(f.labels[r]);
  }
  return out;
}

std::vector<size_t> tlc::runtime::seededPermutation(size_t n, uint64_t seed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Random(seed ^ 0x5eed5eed5eedULL).shuffle(order);
  return order;
}

StatusOr<FeatureSet> tlc::runtime::loadCachedFeatures(const std::string &dir,
                                                      const std::string &key) {
  std::string base = dir + "/" + key;
  auto values = readNpy(base + ".features.npy");
  if (!values)
    return values.status();
  auto labels = readNpy(base + ".labels.npy");
  if (!labels)
    return labels.status();
  // tlc writes int64 labels; anything else is not its cache entry.
  if (labels->dtype != DType::kI64)
    return invalidArgument(base + ": a damaged cache entry");
  auto f = featuresFromNpy(*values, *labels, base + ".features.npy",
                           base + ".labels.npy");
  if (!f)
    return invalidArgument(base + ": a damaged cache entry");
  return f;
}

Status tlc::runtime::storeCachedFeatures(const std::string &dir,
                                         const std::string &key,
                                         const FeatureSet &f) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return ioError(dir + ": cannot create: " + ec.message());
  return writeFeatures(dir + "/" + key, f);
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

const char *tlc::runtime::solverName(Solver solver) {
  switch (solver) {
  case Solver::kAuto:
    return "auto";
  case Solver::kLbfgs:
    return "lbfgs";
  case Solver::kAdam:
    return "adam";
  case Solver::kSgd:
    return "sgd";
  }
  return "?";
}

std::vector<double> TrainOptions::defaultL2Grid() {
  std::vector<double> grid;
  for (int k = 0; k <= 28; ++k)
    grid.push_back(std::pow(10.0, 1.0 - 0.25 * k));
  return grid;
}

Status tlc::runtime::validate(const TrainOptions &o) {
  auto within = [](double v, double lo, double hi) {
    return std::isfinite(v) && v >= lo && v <= hi;
  };
  auto bad = [](const std::string &option, double v, const std::string &range) {
    std::ostringstream os;
    os << option << " " << v << " is outside " << range;
    return invalidArgument(os.str());
  };
  if (!within(o.learningRate, 0, 10) || o.learningRate == 0)
    return bad("--lr", o.learningRate, "(0, 10]");
  if (!within(o.momentum, 0, 1) || o.momentum == 1)
    return bad("--momentum", o.momentum, "[0, 1)");
  if (!within(o.l2, 0, 1000))
    return bad("--l2", o.l2, "[0, 1000]");
  if (o.l2Auto && o.l2Grid.empty())
    return invalidArgument("--l2 auto needs a grid of penalties");
  for (double v : o.l2Grid)
    if (!within(v, 0, 1000))
      return bad("an --l2 grid value", v, "[0, 1000]");
  if (o.epochs < 1 || o.epochs > 1000000)
    return bad("--epochs", double(o.epochs), "[1, 1000000]");
  if (o.batch < 1 || o.batch > (int64_t(1) << 20))
    return bad("--batch-size", double(o.batch), "[1, 1048576]");
  if (o.stepEpochs < 1)
    return bad("--lr-step", double(o.stepEpochs), "[1, --epochs]");
  if (o.patience < 0)
    return bad("--patience", double(o.patience), "[0, --epochs]");
  if (!within(o.tolerance, 0, 1) || o.tolerance == 0 || o.tolerance == 1)
    return bad("--tol", o.tolerance, "(0, 1)");
  if (o.maxIterations < 1 || o.maxIterations > 1000000)
    return bad("--max-iter", double(o.maxIterations), "[1, 1000000]");
  for (float w : o.classWeights)
    if (!within(w, 0, 1e6))
      return bad("a class weight", w, "[0, 1e6]");
  return Status::ok();
}

StatusOr<Solver> tlc::runtime::chooseSolver(const Head &head,
                                            const TrainOptions &options) {
  bool dropout = std::any_of(head.layers.begin(), head.layers.end(),
                             [](const HeadLayer &l) { return l.dropout > 0; });
  bool smooth = options.loss != Loss::kHinge;
  if (options.solver == Solver::kAuto)
    return dropout || !smooth || head.layers.size() > 1 ? Solver::kAdam
                                                        : Solver::kLbfgs;
  if (options.solver == Solver::kLbfgs && dropout)
    return invalidArgument("--solver lbfgs fits the whole set at once and "
                           "cannot train dropout; use --solver adam");
  if (options.solver == Solver::kLbfgs && !smooth)
    return invalidArgument("--solver lbfgs needs a smooth loss (ce or mse), "
                           "not hinge; use --solver adam or sgd");
  return options.solver;
}

namespace {

/// The parameter tensors of a head, in order: each layer's weight, bias.
std::vector<std::vector<float> *> parameters(Head &head) {
  std::vector<std::vector<float> *> out;
  for (HeadLayer &l : head.layers) {
    out.push_back(&l.weight);
    out.push_back(&l.bias);
  }
  return out;
}

/// Per-feature mean and scale of the training features; the head trains on
/// (x - mean) / scale, and `fold` rewrites its first layer to take x.
struct Standardization {
  std::vector<double> mean, scale;

  static Standardization of(const FeatureSet &f) {
    Standardization s;
    s.mean.assign(f.width, 0.0);
    s.scale.assign(f.width, 0.0);
    for (int64_t i = 0; i < f.count; ++i)
      for (int64_t d = 0; d < f.width; ++d)
        s.mean[d] += f.values[i * f.width + d];
    for (double &m : s.mean)
      m /= double(f.count);
    for (int64_t i = 0; i < f.count; ++i)
      for (int64_t d = 0; d < f.width; ++d) {
        double v = f.values[i * f.width + d] - s.mean[d];
        s.scale[d] += v * v;
      }
    // A constant feature keeps its scale (as scikit-learn's StandardScaler).
    for (double &v : s.scale) {
      v = std::sqrt(v / double(f.count));
      if (!(v > 1e-7) || !std::isfinite(v))
        v = 1.0;
    }
    return s;
  }

  FeatureSet apply(const FeatureSet &f) const {
    FeatureSet out = f;
    for (int64_t i = 0; i < f.count; ++i)
      for (int64_t d = 0; d < f.width; ++d) {
        float &v = out.values[i * f.width + d];
        v = float((v - mean[d]) / scale[d]);
      }
    return out;
  }

  /// W' = W / scale, b' = b - W' mean: the same outputs on raw features.
  void fold(HeadLayer &l) const {
    for (int64_t o = 0; o < l.out; ++o) {
      double shift = 0;
      for (int64_t i = 0; i < l.in; ++i) {
        double w = l.weight[o * l.in + i] / scale[i];
        l.weight[o * l.in + i] = float(w);
        shift += w * mean[i];
      }
      l.bias[o] = float(l.bias[o] - shift);
    }
  }
  /// The inverse of fold (up to rounding).
  void unfold(HeadLayer &l) const {
    for (int64_t o = 0; o < l.out; ++o) {
      double shift = 0;
      for (int64_t i = 0; i < l.in; ++i) {
        shift += double(l.weight[o * l.in + i]) * mean[i];
        l.weight[o * l.in + i] = float(l.weight[o * l.in + i] * scale[i]);
      }
      l.bias[o] = float(l.bias[o] + shift);
    }
  }
};

/// The problem every solver minimizes: the training set (standardized when
/// asked), the loss and its class weights.
struct Problem {
  const FeatureSet &train, &val;
  Loss loss;
  std::vector<float> classWeight;
  int64_t classes;
};

/// Mean loss over `n` samples and, when `grads` is given, its gradient with
/// respect to every parameter tensor (in `parameters` order). Dropout masks
/// come from `rng` when it is given (training), none otherwise.
double lossAndGradients(const Head &head, const Problem &p, const float *x,
                        const int64_t *y, int64_t n, Random *rng,
                        std::vector<std::vector<float>> *grads,
                        int64_t *correct) {
  Trace trace;
  std::vector<float> out = forward(head, x, n, &trace, rng);
  std::vector<float> grad;
  double loss = lossAndGrad(p.loss, out.data(), y, n, p.classes, p.classWeight,
                            grads ? &grad : nullptr);
  if (correct)
    for (int64_t i = 0; i < n; ++i)
      *correct += argmax(&out[i * p.classes], p.classes) == y[i];
  if (!grads)
    return loss;
  grads->resize(2 * head.layers.size());
  // Backward, last layer first; `grad` is d loss / d layer output.
  for (size_t l = head.layers.size(); l-- > 0;) {
    const HeadLayer &layer = head.layers[l];
    std::vector<float> &z = trace.pre[l];
    const std::vector<float> &mask = trace.masks[l];
    for (size_t i = 0; i < z.size(); ++i)
      z[i] = grad[i] * (mask.empty() ? 1.f : mask[i]) *
             activationSlope(layer.activation, z[i]);
    std::vector<float> &dw = (*grads)[2 * l], &db = (*grads)[2 * l + 1];
    dw.assign(layer.weight.size(), 0.f);
    db.assign(layer.out, 0.f);
    gemm(true, false, layer.out, layer.in, n, 1.f, z.data(),
         l ? trace.inputs[l - 1].data() : trace.first, 0.f, dw.data());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t o = 0; o < layer.out; ++o)
        db[o] += z[i * layer.out + o];
    if (l > 0) {
      grad.assign(n * layer.in, 0.f);
      gemm(false, false, n, layer.in, layer.out, 1.f, z.data(),
           layer.weight.data(), 0.f, grad.data());
    }
  }
  return loss;
}

/// The statistics of the head as it is after an epoch or iteration.
void measure(const Head &head, const Problem &p, EpochStats &stats,
             double &monitored) {
  monitored = stats.trainLoss;
  if (p.val.count > 0) {
    Evaluation e = evaluateHead(head, p.val);
    stats.valLoss = e.loss;
    stats.valAccuracy = e.accuracy;
    monitored = e.loss;
  }
}

Status diverged(const EpochStats &stats, const Problem &p, const char *what) {
  if (std::isfinite(stats.trainLoss) &&
      (p.val.count == 0 || std::isfinite(stats.valLoss)))
    return Status::ok();
  return invalidArgument("training diverged at " + std::string(what) + " " +
                         std::to_string(stats.epoch) +
                         " (loss is not finite); lower the learning rate");
}

/// One fit with Adam or SGD: mini-batch epochs, early stopping on the
/// validation loss, the best epoch kept.
Status fitEpochs(
    Head &head, const Problem &p, const TrainOptions &options, double l2,
    TrainResult &result,
    const std::function<void(const EpochStats &, const Head &)> &onEpoch) {
  const FeatureSet &train = p.train;
  std::vector<std::vector<float> *> params = parameters(head);
  std::vector<std::vector<float>> m(params.size()), v(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    m[i].assign(params[i]->size(), 0.f);
    v[i].assign(params[i]->size(), 0.f);
  }
  int64_t step = 0;
  if (options.state && !options.state->first.empty()) {
    const OptimizerState &s = *options.state;
    bool same = s.first.size() == m.size() && s.second.size() == m.size();
    for (size_t i = 0; same && i < m.size(); ++i)
      same =
          s.first[i].size() == m[i].size() && s.second[i].size() == v[i].size();
    if (!same)
      return invalidArgument("the optimizer state does not match the head");
    m = s.first;
    v = s.second;
    step = s.step;
  }
  Head best = head;
  double bestLoss = INFINITY;
  int64_t sinceBest = 0;
  std::vector<size_t> order(train.count);
  std::vector<float> xb;
  std::vector<int64_t> yb;
  std::vector<std::vector<float>> grads;
  for (int64_t epoch = std::max<int64_t>(1, options.startEpoch);
       epoch <= options.epochs; ++epoch) {
    // Each epoch's randomness depends on (seed, epoch) alone.
    Random rng(options.seed * 0x9e3779b97f4a7c15ULL + uint64_t(epoch));
    std::iota(order.begin(), order.end(), 0);
    auto started = std::chrono::steady_clock::now();
    double lr = options.learningRate;
    if (options.schedule == Schedule::kStep)
      lr *= std::pow(
          0.1, double((epoch - 1) / std::max<int64_t>(1, options.stepEpochs)));
    else if (options.schedule == Schedule::kCosine)
      lr *= 0.5 * (1 + std::cos(M_PI * double(epoch - 1) / options.epochs));
    rng.shuffle(order);
    double lossSum = 0;
    int64_t correct = 0;
    for (int64_t start = 0; start < train.count; start += options.batch) {
      int64_t n = std::min(options.batch, train.count - start);
      xb.resize(n * train.width);
      yb.resize(n);
      for (int64_t i = 0; i < n; ++i) {
        size_t s = order[start + i];
        std::memcpy(&xb[i * train.width], &train.values[s * train.width],
                    train.width * sizeof(float));
        yb[i] = train.labels[s];
      }
      lossSum += n * lossAndGradients(head, p, xb.data(), yb.data(), n, &rng,
                                      &grads, &correct);
      ++step;
      for (size_t t = 0; t < params.size(); ++t) {
        std::vector<float> &param = *params[t];
        const std::vector<float> &g = grads[t];
        bool weight = t % 2 == 0; // biases are not penalized
        for (size_t i = 0; i < param.size(); ++i) {
          float gi = g[i] + (weight ? float(l2) * param[i] : 0.f);
          if (options.solver == Solver::kSgd) {
            m[t][i] = float(options.momentum) * m[t][i] + gi;
            param[i] -= float(lr) * m[t][i];
          } else {
            const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
            m[t][i] = b1 * m[t][i] + (1 - b1) * gi;
            v[t][i] = b2 * v[t][i] + (1 - b2) * gi * gi;
            float mh = m[t][i] / (1 - std::pow(b1, float(step)));
            float vh = v[t][i] / (1 - std::pow(b2, float(step)));
            param[i] -= float(lr) * mh / (std::sqrt(vh) + eps);
          }
        }
      }
    }
    EpochStats stats;
    stats.epoch = epoch;
    stats.learningRate = lr;
    stats.trainLoss = lossSum / train.count;
    stats.trainAccuracy = double(correct) / train.count;
    double monitored;
    measure(head, p, stats, monitored);
    stats.seconds = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    result.epochs.push_back(stats);
    if (options.state) {
      options.state->step = step;
      options.state->first = m;
      options.state->second = v;
      options.state->params.clear();
      for (const std::vector<float> *t : params)
        options.state->params.push_back(*t);
    }
    // Before the callback: the epoch that diverged is never checkpointed,
    // so --resume starts from the last good one.
    if (Status s = diverged(stats, p, "epoch"); !s)
      return s;
    if (onEpoch)
      onEpoch(stats, head);
    if (monitored < bestLoss) {
      bestLoss = monitored;
      best = head;
      result.bestEpoch = epoch;
      sinceBest = 0;
    } else if (options.patience > 0 && ++sinceBest >= options.patience) {
      break;
    }
  }
  if (result.epochs.empty())
    return invalidArgument("no epochs left to run (epoch " +
                           std::to_string(options.startEpoch) + " of " +
                           std::to_string(options.epochs) + ")");
  // With validation data, keep the epoch that did best on it.
  if (p.val.count > 0)
    head = std::move(best);
  else
    result.bestEpoch = result.epochs.back().epoch;
  return Status::ok();
}

/// What liblbfgs calls back with.
struct LbfgsFit {
  Head &head;
  const Problem &p;
  double l2;
  std::vector<std::vector<float>> grads;
  int64_t correct = 0;
  double dataLoss = 0;
  double gradient = 0; ///< relative, at the last point evaluated
  double norm = 0;     ///< |x| there
  TrainResult &result;
  std::chrono::steady_clock::time_point started;

  /// Copies the solver's point into the head.
  void load(const lbfgsfloatval_t *x) {
    size_t pos = 0;
    for (std::vector<float> *t : parameters(head))
      for (float &v : *t)
        v = float(x[pos++]);
  }

  static lbfgsfloatval_t evaluate(void *self, const lbfgsfloatval_t *x,
                                  lbfgsfloatval_t *g, const int,
                                  const lbfgsfloatval_t) {
    auto &f = *static_cast<LbfgsFit *>(self);
    f.load(x);
    f.correct = 0;
    f.dataLoss = lossAndGradients(f.head, f.p, f.p.train.values.data(),
                                  f.p.train.labels.data(), f.p.train.count,
                                  nullptr, &f.grads, &f.correct);
    double objective = f.dataLoss, gradient = 0, norm = 0;
    size_t pos = 0;
    for (size_t t = 0; t < f.grads.size(); ++t) {
      bool weight = t % 2 == 0;
      for (float gi : f.grads[t]) {
        double w = x[pos];
        g[pos] = gi + (weight ? f.l2 * w : 0.0);
        gradient += g[pos] * g[pos];
        norm += w * w;
        ++pos;
        if (weight)
          objective += 0.5 * f.l2 * w * w;
      }
    }
    // liblbfgs's convergence test: |g| / max(1, |x|).
    f.norm = std::sqrt(norm);
    f.gradient = std::sqrt(gradient) / std::max(1.0, f.norm);
    return objective;
  }

  static int progress(void *self, const lbfgsfloatval_t *x,
                      const lbfgsfloatval_t *, const lbfgsfloatval_t,
                      const lbfgsfloatval_t, const lbfgsfloatval_t,
                      const lbfgsfloatval_t step, int, int k, int) {
    auto &f = *static_cast<LbfgsFit *>(self);
    // The line search's last evaluation was at the accepted point.
    f.load(x);
    EpochStats stats;
    stats.epoch = k;
    stats.learningRate = step;
    stats.trainLoss = f.dataLoss;
    stats.trainAccuracy = double(f.correct) / double(f.p.train.count);
    double monitored;
    measure(f.head, f.p, stats, monitored);
    auto now = std::chrono::steady_clock::now();
    stats.seconds = std::chrono::duration<double>(now - f.started).count();
    f.started = now;
    f.result.epochs.push_back(stats);
    return diverged(stats, f.p, "iteration") ? 0 : 1;
  }
};

/// One full-batch L-BFGS fit (liblbfgs, More-Thuente line search) from the
/// head's current weights, to the gradient tolerance.
Status fitLbfgs(Head &head, const Problem &p, const TrainOptions &options,
                double l2, TrainResult &result) {
  size_t n = 0;
  for (std::vector<float> *t : parameters(head))
    n += t->size();
  if (n > size_t(INT_MAX))
    return invalidArgument("the head is too large for --solver lbfgs");
  lbfgsfloatval_t *x = lbfgs_malloc(int(n));
  if (!x)
    return invalidArgument("cannot allocate the L-BFGS state");
  std::unique_ptr<lbfgsfloatval_t, void (*)(lbfgsfloatval_t *)> owned(
      x, lbfgs_free);
  size_t pos = 0;
  for (std::vector<float> *t : parameters(head))
    for (float v : *t)
      x[pos++] = v;
  lbfgs_parameter_t param;
  lbfgs_parameter_init(&param);
  param.epsilon = options.tolerance;
  param.max_iterations = int(options.maxIterations);
  LbfgsFit fit{head, p, l2, {},     0,
               0,    0, 0,  result, std::chrono::steady_clock::now()};
  lbfgsfloatval_t objective = 0;
  int rc = lbfgs(int(n), x, &objective, &LbfgsFit::evaluate,
                 &LbfgsFit::progress, &fit, &param);
  if (rc == LBFGSERR_OUTOFMEMORY)
    return invalidArgument("out of memory in L-BFGS");
  if (rc == LBFGSERR_CANCELED && !result.epochs.empty())
    if (Status s = diverged(result.epochs.back(), p, "iteration"); !s)
      return s;
  fit.load(x);
  // Converged; or the line search could make no more progress, which on
  // float gradients happens a little before the tolerance. That is the
  // optimum to the data's precision when the gradient is within 100x of
  // the tolerance, or when what is left to gain is below the objective's
  // float resolution: with the penalty's curvature l2 on the weights,
  // f - f* <= |g|^2 / (2 l2).
  double absolute = fit.gradient * std::max(1.0, fit.norm);
  // liblbfgs's line search errors follow LBFGSERR_OUTOFINTERVAL.
  bool lineSearchStop = rc >= LBFGSERR_OUTOFINTERVAL && rc < 0 &&
                        rc != LBFGSERR_MAXIMUMITERATION &&
                        rc != LBFGSERR_INVALIDPARAMETERS;
  result.gradient = fit.gradient;
  result.converged =
      rc == LBFGS_SUCCESS || rc == LBFGS_ALREADY_MINIMIZED ||
      rc == LBFGS_STOP ||
      (lineSearchStop &&
       (fit.gradient <= 100 * options.tolerance ||
        (l2 > 0 && absolute * absolute / (2 * l2) <=
                       1e-7 * std::max(1.0, std::fabs(objective)))));
  if (!result.converged) {
    char achieved[64];
    std::snprintf(achieved, sizeof(achieved), "%.1e", fit.gradient);
    result.stopReason = (rc == LBFGSERR_MAXIMUMITERATION
                             ? std::string("reached --max-iter")
                             : "the line search stopped (liblbfgs code " +
                                   std::to_string(rc) + ")") +
                        " at a relative gradient of " + achieved;
  }
  if (result.epochs.empty()) { // already optimal: no iteration ran
    EpochStats stats;
    stats.trainLoss = fit.dataLoss;
    stats.trainAccuracy = double(fit.correct) / double(p.train.count);
    double monitored;
    measure(head, p, stats, monitored);
    result.epochs.push_back(stats);
  }
  result.bestEpoch = result.epochs.back().epoch;
  return Status::ok();
}

} // namespace

StatusOr<TrainResult> tlc::runtime::trainHead(
    Head &head, const FeatureSet &train, const FeatureSet &val,
    const TrainOptions &options,
    const std::function<void(const EpochStats &, const Head &)> &onEpoch) {
  if (train.count == 0)
    return invalidArgument("no training samples");
  if (train.width != head.inputSize())
    return invalidArgument("features have " + std::to_string(train.width) +
                           " values, the head takes " +
                           std::to_string(head.inputSize()));
  int64_t classes = head.classes();
  for (int64_t y : train.labels)
    if (y < 0 || y >= classes)
      return invalidArgument("label " + std::to_string(y) + " is outside the " +
                             std::to_string(classes) + " classes of the head");
  for (int64_t y : val.labels)
    if (y < 0 || y >= classes)
      return invalidArgument("validation label " + std::to_string(y) +
                             " is outside the head's classes");
  if (Status s = validate(options); !s)
    return s;
  auto solver = chooseSolver(head, options);
  if (!solver)
    return solver.status();
  if (options.l2Auto && val.count == 0)
    return invalidArgument("--l2 auto picks the penalty on validation data: "
                           "give --val or --val-split");
  bool resuming = options.startEpoch > 1 ||
                  (options.state && !options.state->first.empty());
  if (resuming && (*solver == Solver::kLbfgs || options.l2Auto))
    return invalidArgument("only Adam and SGD runs with one --l2 resume; "
                           "an L-BFGS fit or an --l2 auto grid starts over");

  std::vector<float> classWeight = options.classWeights;
  if (!classWeight.empty() &&
      (int64_t(classWeight.size()) != classes ||
       std::any_of(classWeight.begin(), classWeight.end(),
                   [](float w) { return !(w >= 0); })))
    return invalidArgument("give one non-negative class weight per class (" +
                           std::to_string(classes) + ")");
  if (options.balanceClasses) {
    std::vector<int64_t> counts(classes, 0);
    for (int64_t y : train.labels)
      ++counts[y];
    classWeight.resize(classes);
    for (int64_t c = 0; c < classes; ++c)
      classWeight[c] =
          counts[c] ? float(train.count) / float(classes * counts[c]) : 0.f;
  }

  // The head trains in standardized coordinates. A fresh head's
  // initialization is meant for unit-scale inputs and is used as it is; a
  // resumed one continues from the state's exact parameters.
  std::optional<Standardization> standard;
  FeatureSet scaledTrain, scaledVal;
  if (options.standardize) {
    standard = Standardization::of(train);
    scaledTrain = standard->apply(train);
    scaledVal = standard->apply(val);
  }
  Head work = head;
  if (resuming && options.state && !options.state->params.empty()) {
    std::vector<std::vector<float> *> params = parameters(work);
    if (options.state->params.size() != params.size())
      return invalidArgument("the optimizer state does not match the head");
    for (size_t i = 0; i < params.size(); ++i) {
      if (options.state->params[i].size() != params[i]->size())
        return invalidArgument("the optimizer state does not match the head");
      *params[i] = options.state->params[i];
    }
  } else if (resuming && standard) {
    standard->unfold(work.layers.front());
  }
  auto folded = [&](const Head &h) {
    Head out = h;
    if (standard)
      standard->fold(out.layers.front());
    return out;
  };
  Problem problem{standard ? scaledTrain : train, standard ? scaledVal : val,
                  options.loss, classWeight, classes};
  TrainOptions fitOptions = options;
  fitOptions.solver = *solver;
  if (options.l2Auto) // the fits of a grid neither resume nor keep a state
    fitOptions.state = nullptr;
  auto fit = [&](Head &h, double l2, TrainResult &r,
                 const std::function<void(const EpochStats &, const Head &)>
                     &callback) {
    r.solver = *solver;
    r.l2 = l2;
    return *solver == Solver::kLbfgs
               ? fitLbfgs(h, problem, fitOptions, l2, r)
               : fitEpochs(h, problem, fitOptions, l2, r, callback);
  };
  auto started = std::chrono::steady_clock::now();
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
        .count();
  };
  TrainResult result;
  if (!options.l2Auto) {
    auto callback = [&](const EpochStats &e, const Head &h) {
      onEpoch(e, folded(h));
    };
    if (Status s = fit(
            work, options.l2, result,
            onEpoch ? callback
                    : std::function<void(const EpochStats &, const Head &)>());
        !s)
      return s;
  } else {
    // From the strongest penalty down, each fit warm-started from the last:
    // the path of optima is smooth in l2, so each fit is short.
    std::vector<double> grid = options.l2Grid;
    std::sort(grid.rbegin(), grid.rend());
    std::vector<L2Score> scores;
    Head best = work;
    double bestAccuracy = -1, bestLoss = INFINITY;
    for (double l2 : grid) {
      auto t = std::chrono::steady_clock::now();
      TrainResult r;
      if (Status s = fit(work, l2, r, nullptr); !s)
        return s;
      Evaluation e = evaluateHead(work, problem.val);
      L2Score score{l2,
                    int64_t(r.epochs.size()),
                    r.epochs.back().trainAccuracy,
                    e.loss,
                    e.accuracy,
                    since(t)};
      scores.push_back(score);
      if (e.accuracy > bestAccuracy ||
          (e.accuracy == bestAccuracy && e.loss < bestLoss)) {
        bestAccuracy = e.accuracy;
        bestLoss = e.loss;
        best = work;
        result = std::move(r);
      }
    }
    work = std::move(best);
    result.grid = std::move(scores);
  }
  result.seconds = since(started);
  head = folded(work);
  return result;
}

Evaluation tlc::runtime::evaluateHead(const Head &head,
                                      const FeatureSet &data) {
  Evaluation e;
  int64_t c = head.classes();
  e.count = data.count;
  e.confusion.assign(c, std::vector<int64_t>(c, 0));
  if (data.count == 0)
    return e;
  std::vector<float> out = head.logits(data.values.data(), data.count);
  e.loss = lossAndGrad(Loss::kCrossEntropy, out.data(), data.labels.data(),
                       data.count, c, {}, nullptr);
  int64_t correct = 0, top5 = 0;
  for (int64_t i = 0; i < data.count; ++i) {
    const float *z = &out[i * c];
    int64_t y = data.labels[i];
    int64_t pred = argmax(z, c);
    correct += pred == y;
    int64_t higher = 0;
    for (int64_t j = 0; j < c; ++j)
      higher += z[j] > z[y];
    top5 += higher < 5;
    if (y >= 0 && y < c)
      ++e.confusion[y][pred];
  }
  e.accuracy = double(correct) / data.count;
  e.top5 = double(top5) / data.count;
  for (int64_t k = 0; k < c; ++k) {
    int64_t tp = e.confusion[k][k], predicted = 0, actual = 0;
    for (int64_t j = 0; j < c; ++j) {
      predicted += e.confusion[j][k];
      actual += e.confusion[k][j];
    }
    e.precision.push_back(predicted ? double(tp) / predicted : 0.0);
    e.recall.push_back(actual ? double(tp) / actual : 0.0);
  }
  return e;
}

Status tlc::runtime::writeTrainedArtifact(
    const std::string &from, const std::string &to, const Head &head,
    const std::vector<std::string> &classNames,
    const std::map<std::string, std::string> &metadata) {
  auto artifact = Artifact::open(from);
  if (!artifact)
    return artifact.status();
  std::unique_ptr<fb::ModelT> model((*artifact)->model().UnPack());
  for (const HeadLayer &layer : head.layers) {
    for (auto [index, values] : {std::pair{layer.weightIndex, &layer.weight},
                                 std::pair{layer.biasIndex, &layer.bias}}) {
      const auto &w = model->weights.at(index);
      if (!w->trainable || w->size != values->size() * sizeof(float) ||
          w->offset + w->size > model->weight_data.size())
        return invalidArgument(from + ": the head does not match the artifact");
      std::memcpy(model->weight_data.data() + w->offset, values->data(),
                  w->size);
    }
  }
  std::map<std::string, std::string> entries;
  for (const auto &kv : model->metadata)
    entries[kv->key] = kv->value;
  for (const auto &[k, v] : metadata)
    entries[k] = v;
  std::string names;
  for (size_t i = 0; i < classNames.size(); ++i)
    names += (i ? "\n" : "") + classNames[i];
  entries[tlc::metadata::kClasses] = names;
  model->metadata.clear();
  for (const auto &[k, v] : entries) { // sorted, as the schema's key wants
    auto kv = std::make_unique<fb::KeyValueT>();
    kv->key = k;
    kv->value = v;
    model->metadata.push_back(std::move(kv));
  }
  flatbuffers::FlatBufferBuilder fbb;
  fb::FinishModelBuffer(fbb, fb::Model::Pack(fbb, model.get()));
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(),
                             fbb.GetBufferPointer() + fbb.GetSize());
  return writeFileAtomic(to, bytes);
}

std::vector<std::pair<int64_t, double>>
tlc::runtime::topClasses(const float *z, int64_t classes, int64_t k) {
  k = std::clamp<int64_t>(k, 0, classes);
  float mx = *std::max_element(z, z + classes);
  std::vector<double> p(classes);
  double sum = 0;
  for (int64_t i = 0; i < classes; ++i)
    sum += p[i] = std::exp(double(z[i] - mx));
  std::vector<int64_t> order(classes);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int64_t a, int64_t b) { return p[a] > p[b]; });
  std::vector<std::pair<int64_t, double>> top;
  for (int64_t i = 0; i < k; ++i)
    top.emplace_back(order[i], p[order[i]] / sum);
  return top;
}
