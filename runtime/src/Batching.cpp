//===- Batching.cpp - whether a model treats samples independently --------===//
//
// A forward scan that marks each value "batched" (its dim 0 is the sample
// index) or not (weights and what is computed from them alone), and checks
// every kernel that reads a batched value against its op's rule.
//
//===----------------------------------------------------------------------===//

#include "Batching.h"

#include "Kernel.h"

#include <algorithm>
#include <set>

using namespace tlc::runtime;

namespace {

/// Ops that compute each sample of output 0 from the same sample of input
/// 0; their other inputs are parameters (weights, scales, statistics).
const std::set<std::string> kPerSample = {"relu",
                                          "sigmoid",
                                          "tanh",
                                          "hard_swish",
                                          "silu",
                                          "sqrt",
                                          "exp",
                                          "log",
                                          "abs",
                                          "neg",
                                          "reciprocal",
                                          "erf",
                                          "clip",
                                          "hard_sigmoid",
                                          "leaky_relu",
                                          "gelu",
                                          "identity",
                                          "dropout",
                                          "batch_norm",
                                          "lrn",
                                          "max_pool",
                                          "avg_pool",
                                          "global_avg_pool",
                                          "global_max_pool"};

/// Elementwise with numpy broadcasting.
const std::set<std::string> kBroadcasting = {"add", "sub", "mul", "div",
                                             "max", "min", "pow", "prelu"};

int64_t normalized(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

bool touchesAxis0(const std::vector<int64_t> &axes, int64_t rank) {
  return std::any_of(axes.begin(), axes.end(),
                     [&](int64_t a) { return normalized(a, rank) == 0; });
}

} // namespace

bool tlc::runtime::samplesAreIndependent(const fb::Model &m, std::string *why) {
  auto fail = [&](const std::string &reason) {
    if (why)
      *why = reason;
    return false;
  };
  size_t numValues = m.values()->size();
  auto rankOf = [&](uint32_t v) {
    return static_cast<int64_t>(m.values()->Get(v)->shape()->size());
  };
  auto dim0 = [&](uint32_t v) {
    auto *shape = m.values()->Get(v)->shape();
    return shape->size() ? shape->Get(0) : int64_t(1);
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
    std::vector<int64_t> inputs(kernel.inputs()->begin(),
                                kernel.inputs()->end());
    auto isBatched = [&](size_t i) {
      return i < inputs.size() && inputs[i] >= 0 && batched[inputs[i]];
    };
    bool any = false;
    for (size_t i = 0; i < inputs.size(); ++i)
      any = any || isBatched(i);
    if (!any)
      continue; // parameters only: outputs are not batched
    auto reject = [&](const std::string &reason) {
      return fail("kernel " + std::to_string(k) + " '" + op + "'" +
                  (kernel.name() && kernel.name()->size()
                       ? " (" + printable(kernel.name()) + ")"
                       : "") +
                  ": " + reason);
    };
    // Input 0 is batched, the others are parameters; except a residual
    // (conv and fc), which is batched where present.
    auto onlyFirst = [&](size_t residual) {
      if (!isBatched(0))
        return false;
      for (size_t i = 1; i < inputs.size(); ++i) {
        bool present = inputs[i] >= 0;
        if (i == residual ? present && !isBatched(i) : isBatched(i))
          return false;
      }
      return true;
    };
    int64_t rank0 = inputs.empty() || inputs[0] < 0 ? 0 : rankOf(inputs[0]);
    Attrs attrs(kernel);
    bool ok = false;
    if (kPerSample.count(op)) {
      ok = onlyFirst(SIZE_MAX);
    } else if (op == "conv" || op == "fc") {
      ok = onlyFirst(3);
    } else if (kBroadcasting.count(op)) {
      // Each batched operand must align its dim 0 with the output's; the
      // others must broadcast over it (lower rank, or dim 0 of 1).
      int64_t rank = 0;
      for (int64_t in : inputs)
        if (in >= 0)
          rank = std::max(rank, rankOf(in));
      ok = true;
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i] < 0)
          continue;
        int64_t r = rankOf(inputs[i]);
        ok =
            ok && (isBatched(i) ? r == rank : r < rank || dim0(inputs[i]) == 1);
      }
    } else if (op == "concat") {
      int64_t axis = attrs.i("axis");
      ok = normalized(axis, rank0) != 0;
      for (size_t i = 0; i < inputs.size(); ++i)
        ok = ok && isBatched(i);
    } else if (op == "softmax" || op == "layer_norm" || op == "flatten") {
      ok = onlyFirst(SIZE_MAX) && normalized(attrs.i("axis"), rank0) >= 1;
    } else if (op == "reduce_mean" || op == "squeeze" || op == "slice") {
      ok = onlyFirst(SIZE_MAX) && !touchesAxis0(attrs.ints("axes"), rank0);
    } else if (op == "unsqueeze") {
      int64_t rank = rank0 + static_cast<int64_t>(attrs.ints("axes").size());
      ok = onlyFirst(SIZE_MAX) && !touchesAxis0(attrs.ints("axes"), rank);
    } else if (op == "transpose") {
      auto perm = attrs.ints("perm");
      ok = onlyFirst(SIZE_MAX) && !perm.empty() && perm[0] == 0;
    } else if (op == "reshape") {
      // Dim 0 copied (0), or the only inferred one (-1).
      auto shape = attrs.ints("shape");
      ok = onlyFirst(SIZE_MAX) && !shape.empty() &&
           (shape[0] == 0 ||
            (shape[0] == -1 &&
             std::count(shape.begin(), shape.end(), int64_t(-1)) == 1));
    } else if (op == "pad") {
      auto pads = attrs.ints("pads");
      ok = onlyFirst(SIZE_MAX) &&
           pads.size() == static_cast<size_t>(2 * rank0) && rank0 > 0 &&
           pads[0] == 0 && pads[rank0] == 0;
    } else if (op == "resize") {
      auto scales =
          attrs.has("scales") ? attrs.floats("scales") : std::vector<float>();
      ok = onlyFirst(SIZE_MAX) && !scales.empty() && scales[0] == 1.f;
    } else if (op == "matmul") {
      // Rows (and leading dims) of A against a shared B.
      ok = onlyFirst(SIZE_MAX) && rank0 >= 2;
    } else {
      return reject("not known to keep samples apart");
    }
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
