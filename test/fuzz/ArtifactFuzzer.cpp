//===- ArtifactFuzzer.cpp - load, plan and run untrusted artifacts --------===//
//
// libFuzzer target: the bytes are an artifact. A session loads it (the
// flatbuffers verifier, the core's checks of every kernel), plans it for
// its declared input shapes with dynamic dims set to 1 and then 2 (the
// core's shape functions, the CPU backend's kernels) and runs it on zeros.
// Every failure must be a Status; a crash, a hang, a sanitizer report or
// an allocation past the limits below is a finding.
//
// The harness skips running graphs whose estimated work would take long
// (the artifact is still loaded and planned): a valid artifact may ask for
// a large convolution, and that is slow, not wrong.
//
//===----------------------------------------------------------------------===//

#include "Artifact.h"
#include "Plan.h"
#include "tlc/runtime/Session.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace tlc::runtime;

namespace {

constexpr uint64_t kMaxPlanBytes = 16 << 20;
constexpr double kMaxWork = 2e7; // multiply-adds, about 20 ms

/// Multiply-adds (or element visits) of one run of the graph.
double estimateWork(const ShapedGraph &g) {
  double work = 0;
  for (const GraphNode &node : g.nodes) {
    const std::string op = node.schema->name;
    double out = 0;
    for (int64_t v : node.outputs)
      out += static_cast<double>(numElements(g.shapes[v]));
    double in = 0;
    for (int64_t v : node.inputs)
      if (v >= 0)
        in += static_cast<double>(numElements(g.shapes[v]));
    double perOut = 1;
    if ((op == "conv" || op == "fc") && node.inputs.size() > 1) {
      const Shape &w = g.shapes[node.inputs[1]];
      perOut = static_cast<double>(numElements(w)) /
               static_cast<double>(std::max<int64_t>(w.empty() ? 1 : w[0], 1));
    } else if (op == "matmul") {
      const Shape &a = g.shapes[node.inputs[0]];
      perOut = a.empty() ? 1 : static_cast<double>(a.back());
    } else if (op == "max_pool" || op == "avg_pool" || op == "lrn" ||
               op == "resize") {
      perOut = 64; // windows, sizes and taps are bounded only loosely
    }
    work += out * perOut + in;
  }
  return work;
}

/// With TLC_FUZZ_VERBOSE set, says how far an input got (for a finding's
/// replay: tlc-fuzz-replay-artifact FILE).
void note(const std::string &what) {
  static const bool verbose = std::getenv("TLC_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "%s\n", what.c_str());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  SessionOptions options;
  options.threads = 1;
  options.maxPlanBytes = kMaxPlanBytes;
  options.planCacheBytes = 4 * kMaxPlanBytes;
  auto session = Session::loadFromMemory(data, size, options, "fuzz");
  if (!session) {
    note("load: " + session.status().toString());
    return 0;
  }
  auto artifact = Artifact::copyOf(data, size, "fuzz");
  if (!artifact)
    __builtin_trap(); // the session loaded it
  for (int64_t dynamic : {1, 2}) {
    std::vector<Shape> shapes;
    for (const PortInfo &port : session->inputs()) {
      Shape s = port.shape;
      for (int64_t &d : s)
        if (d == -1)
          d = dynamic;
      shapes.push_back(s);
    }
    // Inputs are the caller's memory: a port may declare any static size.
    CheckedArith a;
    int64_t inputBytes = 0;
    for (size_t i = 0; i < shapes.size(); ++i)
      inputBytes =
          a.add(inputBytes, a.mul(a.elements(shapes[i]),
                                  dtypeSize(session->inputs()[i].dtype)));
    if (a.overflowed() || inputBytes > static_cast<int64_t>(kMaxPlanBytes)) {
      note("skipped: inputs too large");
      return 0;
    }
    std::vector<NamedTensor> inputs;
    std::vector<const void *> data;
    inputs.reserve(shapes.size());
    for (size_t i = 0; i < shapes.size(); ++i) {
      inputs.emplace_back(session->inputs()[i].name,
                          Tensor(session->inputs()[i].dtype, shapes[i]));
      data.push_back(inputs.back().second.data());
    }
    auto graph = shapeGraph(**artifact, shapes, data, kMaxPlanBytes);
    if (!graph) {
      note("plan: " + graph.status().toString());
      return 0;
    }
    if (estimateWork(*graph) > kMaxWork) {
      note("skipped: too much work");
      return 0;
    }
    auto outputs = session->run(inputs);
    note(outputs ? "ran" : "run: " + outputs.status().toString());
    if (!outputs)
      return 0;
  }
  return 0;
}
