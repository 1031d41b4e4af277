//===- Batching.cpp - whether a model treats samples independently --------===//
//
// A forward scan that marks each value "batched" (its dim 0 is the sample
// index) or not (weights and what is computed from them alone), and checks
// every kernel that reads a batched value against its op's rule.
//
//===----------------------------------------------------------------------===//

#include "Batching.h"

#include "Attrs.h"
#include "OpSchema.h"

#include <algorithm>

using namespace tlc::runtime;

namespace {

int64_t normalized(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

bool touchesAxis0(const std::vector<int64_t> &axes, int64_t rank) {
  return std::any_of(axes.begin(), axes.end(),
                     [&](int64_t a) { return normalized(a, rank) == 0; });
}

int64_t rank0(const SampleContext &c) {
  return c.ranks.empty() ? 0 : c.ranks[0];
}

} // namespace

bool SampleContext::onlyFirst(size_t residual) const {
  if (!isBatched(0))
    return false;
  for (size_t i = 1; i < inputs.size(); ++i)
    if (i == residual ? present(i) && !isBatched(i) : isBatched(i))
      return false;
  return true;
}

bool samples::perSample(const SampleContext &c) { return c.onlyFirst(); }

bool samples::layer(const SampleContext &c) { return c.onlyFirst(3); }

bool samples::broadcasting(const SampleContext &c) {
  int64_t rank = 0;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    if (c.present(i))
      rank = std::max(rank, c.ranks[i]);
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (!c.present(i))
      continue;
    bool ok = c.isBatched(i) ? c.ranks[i] == rank
                             : c.ranks[i] < rank || c.dim0s[i] == 1;
    if (!ok)
      return false;
  }
  return true;
}

bool samples::concat(const SampleContext &c) {
  if (normalized(c.attrs.i("axis"), rank0(c)) == 0)
    return false;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    if (!c.isBatched(i))
      return false;
  return true;
}

bool samples::fromAxis(const SampleContext &c) {
  return c.onlyFirst() && normalized(c.attrs.i("axis"), rank0(c)) >= 1;
}

bool samples::axesSkip0(const SampleContext &c) {
  return c.onlyFirst() && !touchesAxis0(c.attrs.ints("axes"), rank0(c));
}

bool samples::unsqueeze(const SampleContext &c) {
  auto axes = c.attrs.ints("axes");
  int64_t rank = rank0(c) + static_cast<int64_t>(axes.size());
  return c.onlyFirst() && !touchesAxis0(axes, rank);
}

bool samples::transpose(const SampleContext &c) {
  auto perm = c.attrs.ints("perm");
  return c.onlyFirst() && !perm.empty() && perm[0] == 0;
}

bool samples::reshape(const SampleContext &c) {
  auto shape = c.attrs.ints("shape");
  return c.onlyFirst() && !shape.empty() &&
         (shape[0] == 0 ||
          (shape[0] == -1 &&
           std::count(shape.begin(), shape.end(), int64_t(-1)) == 1));
}

bool samples::pad(const SampleContext &c) {
  auto pads = c.attrs.ints("pads");
  int64_t rank = rank0(c);
  return c.onlyFirst() && rank > 0 &&
         pads.size() == static_cast<size_t>(2 * rank) && pads[0] == 0 &&
         pads[rank] == 0;
}

bool samples::resize(const SampleContext &c) {
  auto scales =
      c.attrs.has("scales") ? c.attrs.floats("scales") : std::vector<float>();
  return c.onlyFirst() && !scales.empty() && scales[0] == 1.f;
}

bool samples::matmul(const SampleContext &c) {
  return c.onlyFirst() && rank0(c) >= 2;
}

bool tlc::runtime::samplesAreIndependent(const fb::Model &m, std::string *why) {
  auto fail = [&](const std::string &reason) {
    if (why)
      *why = reason;
    return false;
  };
  size_t numValues = m.values()->size();
  auto rankOf = [&](uint32_t v) {
    return static_cast<int64_t>(declaredShape(*m.values()->Get(v)).size());
  };
  auto dim0 = [&](uint32_t v) {
    std::vector<int64_t> shape = declaredShape(*m.values()->Get(v));
    return shape.empty() ? int64_t(1) : shape[0];
  };
  std::vector<bool> batched(numValues, false);
  if (m.inputs()->size() == 0)
    return fail("the model has no inputs");
  for (const fb::Port *in : *m.inputs()) {
    if (rankOf(in->value()) == 0 || dim0(in->value()) != -1)
      return fail("input '" + printable(in->name()) +
                  "' has no dynamic batch dim");
    batched[in->value()] = true;
  }

  for (uint32_t k = 0; k < m.kernels()->size(); ++k) {
    const fb::Kernel &kernel = *m.kernels()->Get(k);
    std::string op = kernel.op()->str();
    Attrs attrs(kernel);
    SampleContext c{{}, {}, {}, {}, attrs};
    for (int64_t v : *kernel.inputs()) {
      bool present = v >= 0;
      c.inputs.push_back(v);
      c.batched.push_back(present && batched[v]);
      c.ranks.push_back(present ? rankOf(v) : 0);
      c.dim0s.push_back(present ? dim0(v) : 1);
    }
    if (std::none_of(c.batched.begin(), c.batched.end(),
                     [](bool b) { return b; }))
      continue; // parameters only: outputs are not batched
    auto reject = [&](const std::string &reason) {
      return fail("kernel " + std::to_string(k) + " '" + op + "'" +
                  (kernel.name() && kernel.name()->size()
                       ? " (" + printable(kernel.name()) + ")"
                       : "") +
                  ": " + reason);
    };
    const OpSchema *def = findOpSchema(op);
    if (!def || !def->keepsSamples)
      return reject("not known to keep samples apart");
    bool ok = def->keepsSamples(c);
    if (!attrs.status())
      return reject(attrs.status().message());
    if (!ok)
      return reject("mixes samples (or its batch dim is not dim 0)");
    for (uint32_t v : *kernel.outputs()) {
      if (rankOf(v) == 0)
        return reject("has a scalar output");
      batched[v] = true;
    }
  }
  for (const fb::Port *out : *m.outputs())
    if (!batched[out->value()])
      return fail("output '" + printable(out->name()) +
                  "' does not depend on the batch");
  return true;
}
