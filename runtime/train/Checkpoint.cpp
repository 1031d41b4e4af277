//===- Checkpoint.cpp - resumable training --------------------------------===//

#include "tlc/runtime/Checkpoint.h"

#include "tlc/runtime/ArtifactFormat.h"
#include "tlc/runtime/Npy.h"

#include <cmath>
#include <cstring>

using namespace tlc::runtime;

Status tlc::runtime::writeOptimizerState(const std::string &path,
                                         const OptimizerState &st) {
  std::vector<double> flat = {double(st.step), double(st.first.size())};
  for (const auto &v : st.first)
    flat.push_back(double(v.size()));
  for (const auto *set : {&st.first, &st.second})
    for (const auto &v : *set)
      flat.insert(flat.end(), v.begin(), v.end());
  // The parameters, when kept, have the moments' sizes.
  if (st.params.size() == st.first.size())
    for (const auto &v : st.params)
      flat.insert(flat.end(), v.begin(), v.end());
  NpyArray a{DType::kF64, {int64_t(flat.size())}, {}};
  a.data.resize(flat.size() * sizeof(double));
  std::memcpy(a.data.data(), flat.data(), a.data.size());
  return writeNpy(path, a);
}

StatusOr<OptimizerState>
tlc::runtime::readOptimizerState(const std::string &path) {
  auto a = readNpy(path);
  if (!a)
    return a.status();
  if (a->dtype != DType::kF64 || a->shape.size() != 1 || a->shape[0] < 2)
    return invalidArgument(path + ": not a tlc optimizer state");
  const double *p = reinterpret_cast<const double *>(a->data.data());
  size_t n = a->shape[0];
  // Counts are stored as doubles: check them before using them as sizes.
  auto count = [&](double v) {
    return std::isfinite(v) && v >= 0 && v <= double(n) ? size_t(v) : n + 1;
  };
  size_t tensors = count(p[1]);
  if (tensors > n - 2 || !std::isfinite(p[0]) || p[0] < 0)
    return invalidArgument(path + ": damaged optimizer state");
  size_t pos = 2 + tensors;
  OptimizerState st;
  st.step = int64_t(p[0]);
  size_t sizes = 0;
  for (size_t t = 0; t < tensors; ++t)
    sizes += std::min(count(p[2 + t]), n + 1);
  // Moments, and the parameters when the file holds them (older ones do
  // not).
  bool params = pos + 3 * sizes == n;
  for (auto *set : {&st.first, &st.second, &st.params})
    for (size_t t = 0; t < tensors && (set != &st.params || params); ++t) {
      size_t size = count(p[2 + t]);
      if (size > n || pos + size > n)
        return invalidArgument(path + ": damaged optimizer state");
      set->emplace_back(p + pos, p + pos + size);
      pos += size;
    }
  if (pos != n)
    return invalidArgument(path + ": damaged optimizer state");
  return st;
}

Checkpoint::Checkpoint(std::string model, const std::string &output)
    : model_(std::move(model)), artifact_(output + ".ckpt"),
      state_(output + ".ckpt.state.npy") {}

Status Checkpoint::save(const Head &head,
                        const std::vector<std::string> &classNames,
                        const OptimizerState &state, int64_t epoch) const {
  std::map<std::string, std::string> meta = {
      {tlc::metadata::kTrainEpoch, std::to_string(epoch)}};
  if (Status s =
          writeTrainedArtifact(model_, artifact_, head, classNames, meta);
      !s)
    return s;
  return writeOptimizerState(state_, state);
}

StatusOr<int64_t> Checkpoint::restore(Head &head, OptimizerState &state) const {
  auto saved = Head::load(artifact_);
  if (!saved)
    return saved.status();
  auto savedState = readOptimizerState(state_);
  if (!savedState)
    return savedState.status();
  bool same = saved->layers.size() == head.layers.size();
  for (size_t l = 0; same && l < head.layers.size(); ++l)
    same = saved->layers[l].weight.size() == head.layers[l].weight.size() &&
           saved->layers[l].bias.size() == head.layers[l].bias.size();
  if (!same)
    return invalidArgument(artifact_ + " has another head than " + model_);
  for (size_t l = 0; l < head.layers.size(); ++l) {
    head.layers[l].weight = saved->layers[l].weight;
    head.layers[l].bias = saved->layers[l].bias;
  }
  state = std::move(*savedState);
  auto it = saved->metadata.find(tlc::metadata::kTrainEpoch);
  int64_t epoch =
      it == saved->metadata.end() ? 0 : std::atoll(it->second.c_str());
  return epoch + 1;
}
