//===- ArtifactBuilder.h - small artifacts for runtime tests ----*- C++ -*-===//
//
// Builds .tlb models with the schema's object API, the way the compiler's
// writer lays them out: a value per tensor, weights 64-byte aligned in
// weight_data, every attribute explicit.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_TEST_UNIT_RUNTIME_ARTIFACTBUILDER_H
#define TLC_TEST_UNIT_RUNTIME_ARTIFACTBUILDER_H

#include "tlc/runtime/ArtifactFormat.h"
#include "tlc/runtime/DType.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <unistd.h>
#include <utility>
#include <variant>
#include <vector>

namespace tlc::test {

namespace fb = tlc::schema;

/// An attribute value: integers or floats, or read at run time from a
/// graph input (Attribute.from_value).
struct AttrValue {
  std::vector<int64_t> ints;
  std::vector<float> floats;
  int32_t fromValue = -1;
  static AttrValue i(std::vector<int64_t> v) { return {std::move(v), {}}; }
  static AttrValue f(std::vector<float> v) { return {{}, std::move(v)}; }
  static AttrValue from(int32_t value) { return {{}, {}, value}; }
};
using AttrList = std::vector<std::pair<std::string, AttrValue>>;

class ArtifactBuilder {
public:
  ArtifactBuilder() { model_.schema_version = tlc::kArtifactSchemaVersion; }

  /// A value of this shape (-1: dynamic).
  int32_t value(std::vector<int64_t> shape, fb::DType dtype = fb::DType::F32) {
    auto v = std::make_unique<fb::ValueT>();
    v->name = "v" + std::to_string(model_.values.size());
    v->dtype = dtype;
    v->shape = std::move(shape);
    model_.values.push_back(std::move(v));
    return static_cast<int32_t>(model_.values.size() - 1);
  }
  int32_t input(const std::string &name, std::vector<int64_t> shape,
                fb::DType dtype = fb::DType::F32) {
    int32_t v = value(std::move(shape), dtype);
    port(model_.inputs, name, v);
    return v;
  }
  void output(const std::string &name, int32_t v) {
    port(model_.outputs, name, v);
  }
  /// A float32 weight holding `data`.
  int32_t weight(std::vector<int64_t> shape, const std::vector<float> &data) {
    int32_t v = value(std::move(shape));
    auto w = std::make_unique<fb::WeightT>();
    w->value = v;
    size_t offset = (model_.weight_data.size() + tlc::kWeightAlignment - 1) /
                    tlc::kWeightAlignment * tlc::kWeightAlignment;
    model_.weight_data.resize(offset + data.size() * sizeof(float));
    std::memcpy(model_.weight_data.data() + offset, data.data(),
                data.size() * sizeof(float));
    w->offset = offset;
    w->size = data.size() * sizeof(float);
    model_.weights.push_back(std::move(w));
    return v;
  }
  /// A kernel writing one new value of `shape`; returns it.
  int32_t op(const std::string &name, std::vector<int32_t> inputs,
             std::vector<int64_t> shape, AttrList attrs = {}) {
    int32_t out = value(std::move(shape));
    auto k = std::make_unique<fb::KernelT>();
    k->op = name;
    k->name = name + "_" + std::to_string(model_.kernels.size());
    k->inputs = std::move(inputs);
    k->outputs = {static_cast<uint32_t>(out)};
    std::sort(attrs.begin(), attrs.end(),
              [](auto &a, auto &b) { return a.first < b.first; });
    for (auto &[key, v] : attrs) {
      auto a = std::make_unique<fb::AttributeT>();
      a->name = key;
      a->ints = v.ints;
      a->floats = v.floats;
      a->from_value = v.fromValue;
      k->attributes.push_back(std::move(a));
    }
    model_.kernels.push_back(std::move(k));
    return out;
  }
  fb::ModelT &model() { return model_; }

  /// The serialized artifact. The object API leaves empty vectors out,
  /// and the runtime wants every section the compiler writes: a model
  /// without weights gets an unused one.
  std::vector<uint8_t> bytes() const {
    ArtifactBuilder copy;
    const fb::ModelT *model = &model_;
    if (model_.weights.empty()) {
      flatbuffers::FlatBufferBuilder tmp;
      tmp.Finish(fb::Model::Pack(tmp, &model_));
      fb::GetModel(tmp.GetBufferPointer())->UnPackTo(&copy.model_);
      copy.weight({1}, {0.f});
      model = &copy.model_;
    }
    flatbuffers::FlatBufferBuilder fbb;
    fb::FinishModelBuffer(fbb, fb::Model::Pack(fbb, model));
    return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
  }
  /// The artifact as `tlc compile --precision bf16` makes it
  /// (tl-reduce-precision): the weights that only conv and fc read, as their
  /// weight, stored in bf16, and the precision recorded.
  std::vector<uint8_t> bytesInBf16() const {
    ArtifactBuilder copy = clone();
    fb::ModelT &m = copy.model_;
    for (auto &w : m.weights) {
      fb::ValueT &v = *m.values[w->value];
      if (!onlyLayerWeight(m, w->value) || v.dtype != fb::DType::F32)
        continue;
      size_t n = w->size / sizeof(float);
      std::vector<uint16_t> narrow(n);
      for (size_t i = 0; i < n; ++i) {
        float f;
        std::memcpy(&f, m.weight_data.data() + w->offset + i * sizeof(float),
                    sizeof(f));
        narrow[i] = runtime::floatToBf16(f);
      }
      std::memcpy(m.weight_data.data() + w->offset, narrow.data(),
                  n * sizeof(uint16_t));
      w->size = n * sizeof(uint16_t);
      v.dtype = fb::DType::BF16;
    }
    m.precision = fb::Precision::BF16;
    return copy.bytes();
  }
  /// The artifact with every value that is neither a weight nor already an
  /// output as an extra output "v<id>", for calibrating it.
  std::vector<uint8_t> bytesObservingAll() const {
    ArtifactBuilder copy = clone();
    fb::ModelT &m = copy.model_;
    std::vector<bool> skip(m.values.size(), false);
    for (const auto &w : m.weights)
      skip[w->value] = true;
    for (const auto &o : m.outputs)
      skip[o->value] = true;
    for (size_t v = 0; v < m.values.size(); ++v)
      if (!skip[v])
        copy.output("v" + std::to_string(v), static_cast<int32_t>(v));
    return copy.bytes();
  }
  /// The artifact as `tlc compile --precision int8 --calibrate` makes it
  /// (tl-reduce-precision): the weights that only conv and fc read, as their
  /// weight, quantized to i8 with one scale per output channel, `ranges`
  /// (value id, min, max) recorded, and the precision.
  std::vector<uint8_t> bytesInInt8(
      const std::vector<std::tuple<int32_t, float, float>> &ranges) const {
    ArtifactBuilder copy = clone();
    fb::ModelT &m = copy.model_;
    for (const auto &[v, lo, hi] : ranges)
      m.values[v]->range = std::make_unique<fb::Range>(lo, hi);
    for (auto &w : m.weights) {
      fb::ValueT &v = *m.values[w->value];
      if (!onlyLayerWeight(m, w->value) || v.dtype != fb::DType::F32 ||
          v.shape.size() < 2)
        continue;
      size_t n = w->size / sizeof(float);
      int64_t channels = v.shape[0], per = channels ? n / channels : 0;
      std::vector<float> f(n);
      std::memcpy(f.data(), m.weight_data.data() + w->offset, w->size);
      auto q = std::make_unique<fb::QuantizationT>();
      q->axis = 0;
      for (int64_t c = 0; c < channels; ++c) {
        float amax = 0.f;
        for (int64_t i = 0; i < per; ++i)
          amax = std::max(amax, std::fabs(f[c * per + i]));
        float scale = amax > 0.f ? amax / 127.f : 1.f;
        q->scale.push_back(scale);
        for (int64_t i = 0; i < per; ++i)
          m.weight_data[w->offset + c * per + i] = static_cast<uint8_t>(
              static_cast<int8_t>(std::nearbyint(f[c * per + i] / scale)));
      }
      w->size = n;
      w->quantization = std::move(q);
      v.dtype = fb::DType::I8;
    }
    m.precision = fb::Precision::Int8;
    return copy.bytes();
  }
  /// Writes the artifact to a fresh file in the temp directory, named after
  /// `name`, the process and a counter: tests run in parallel processes,
  /// and a session maps its file (rewriting it under a mapping faults).
  std::string write(const std::string &name) const {
    static int count = 0;
    std::string path = (std::filesystem::temp_directory_path() /
                        (name + "." + std::to_string(::getpid()) + "." +
                         std::to_string(count++) + ".tlb"))
                           .string();
    std::vector<uint8_t> data = bytes();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char *>(data.data()), data.size());
    // Removed when the test program exits (sessions map them until then).
    static struct Written {
      std::vector<std::string> paths;
      ~Written() {
        for (const std::string &p : paths)
          std::filesystem::remove(p);
      }
    } written;
    written.paths.push_back(path);
    return path;
  }

private:
  ArtifactBuilder clone() const {
    flatbuffers::FlatBufferBuilder tmp;
    tmp.Finish(fb::Model::Pack(tmp, &model_));
    ArtifactBuilder copy;
    fb::GetModel(tmp.GetBufferPointer())->UnPackTo(&copy.model_);
    return copy;
  }
  /// Whether value `v` is read, and only as the weight of conv and fc.
  static bool onlyLayerWeight(const fb::ModelT &m, uint32_t v) {
    bool layerWeight = false, other = false;
    for (const auto &k : m.kernels)
      for (size_t i = 0; i < k->inputs.size(); ++i)
        if (k->inputs[i] == static_cast<int32_t>(v)) {
          bool weightOperand = (k->op == "conv" || k->op == "fc") && i == 1;
          (weightOperand ? layerWeight : other) = true;
        }
    return layerWeight && !other;
  }
  void port(std::vector<std::unique_ptr<fb::PortT>> &ports,
            const std::string &name, int32_t v) {
    auto p = std::make_unique<fb::PortT>();
    p->name = name;
    p->value = static_cast<uint32_t>(v);
    ports.push_back(std::move(p));
  }
  fb::ModelT model_;
};

} // namespace tlc::test

#endif // TLC_TEST_UNIT_RUNTIME_ARTIFACTBUILDER_H
