//===- Plan.cpp - shapes, liveness and the arena for one input shape ------===//

#include "Plan.h"

#include "tlc/runtime/Limits.h"
#include "tlc/runtime/Tensor.h"

#include <algorithm>
#include <cstring>
#include <map>

using namespace tlc::runtime;

namespace {

uint64_t alignUp(uint64_t n) {
  return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

/// The values of `kernel`'s run-time attributes, read from the graph
/// inputs they name (the artifact verified that each names a graph input of
/// a static shape and a type that suits the attribute).
Status bindAttrs(const Artifact &artifact, const fb::Kernel &kernel,
                 const std::vector<const void *> &inputData,
                 BoundAttrs &bound) {
  if (!kernel.attributes())
    return Status::ok();
  const fb::Model &m = artifact.model();
  for (const fb::Attribute *a : *kernel.attributes()) {
    if (!isRuntimeAttr(*a))
      continue;
    size_t port = 0;
    while (port < m.inputs()->size() &&
           m.inputs()->Get(port)->value() !=
               static_cast<uint32_t>(a->from_value()))
      ++port;
    if (port == m.inputs()->size())
      return Status(StatusCode::kInternal,
                    "a run-time attribute lost its input");
    std::string input = printable(m.inputs()->Get(port)->name());
    if (port >= inputData.size() || !inputData[port])
      return invalidArgument("attribute '" + printable(a->name()) +
                             "' needs the values of graph input '" + input +
                             "'");
    const fb::Value *value = m.values()->Get(a->from_value());
    int64_t count = numElements(declaredShape(*value));
    BoundAttr b{a->name()->str(), {}, {}};
    // The caller's memory need not be aligned for the element type.
    const void *data = inputData[port];
    auto read = [&](auto element, auto &out) {
      std::vector<decltype(element)> elements(count);
      std::memcpy(elements.data(), data, count * sizeof(element));
      out.assign(elements.begin(), elements.end());
    };
    if (value->dtype() == fb::DType::I64)
      read(int64_t(), b.ints);
    else if (value->dtype() == fb::DType::I32)
      read(int32_t(), b.ints);
    else if (value->dtype() == fb::DType::F32)
      read(float(), b.floats);
    else
      return Status(StatusCode::kInternal, "a run-time attribute's type");
    bound.push_back(std::move(b));
  }
  return Status::ok();
}

} // namespace

std::string tlc::runtime::describeKernel(uint32_t index,
                                         const fb::Kernel &kernel) {
  return "kernel " + std::to_string(index) + " '" + printable(kernel.op()) +
         "'" +
         (kernel.name() && kernel.name()->size()
              ? " (" + printable(kernel.name()) + ")"
              : "");
}

Status tlc::runtime::checkInputShape(const std::string &name,
                                     const Shape &declared, const Shape &got) {
  bool ok = declared.size() == got.size();
  for (size_t d = 0; ok && d < got.size(); ++d)
    ok = (declared[d] == -1 && got[d] > 0 && got[d] <= tlc::kMaxDim) ||
         declared[d] == got[d];
  if (!ok)
    return invalidArgument("input '" + name + "' has shape " +
                           shapeToString(got) + ", the model expects " +
                           shapeToString(declared));
  CheckedArith count;
  if (count.elements(got) > tlc::kMaxElements || count.overflowed())
    return invalidArgument("input '" + name + "' has shape " +
                           shapeToString(got) + ", more than 2^40 elements");
  return Status::ok();
}

StatusOr<ShapedGraph> tlc::runtime::shapeGraph(
    const Artifact &artifact, const std::vector<Shape> &inputShapes,
    const std::vector<const void *> &inputData, uint64_t maxBytes) {
  uint64_t intermediateBytes = 0;
  const fb::Model &m = artifact.model();
  ShapedGraph g;
  g.artifact = &artifact;
  g.weightOf = &artifact.weightOfValue();
  size_t numValues = m.values()->size();
  for (size_t v = 0; v < numValues; ++v) {
    const fb::Value *value = m.values()->Get(v);
    g.shapes.push_back(declaredShape(*value));
    g.dtypes.push_back(fromSchema(value->dtype()));
  }
  if (inputShapes.size() != m.inputs()->size())
    return invalidArgument("expected " + std::to_string(m.inputs()->size()) +
                           " input shapes, got " +
                           std::to_string(inputShapes.size()));
  for (size_t i = 0; i < inputShapes.size(); ++i) {
    int64_t v = m.inputs()->Get(i)->value();
    if (Status s = checkInputShape(printable(m.inputs()->Get(i)->name()),
                                   g.shapes[v], inputShapes[i]);
        !s)
      return s;
    g.shapes[v] = inputShapes[i];
    g.inputValues.push_back(v);
  }
  for (uint32_t k = 0; k < m.kernels()->size(); ++k) {
    const fb::Kernel &kernel = *m.kernels()->Get(k);
    GraphNode node{
        &kernel, findOpSchema(kernel.op()->string_view()), {}, {}, {}};
    auto where = [&] { return describeKernel(k, kernel) + ": "; };
    if (Status s = bindAttrs(artifact, kernel, inputData, node.bound); !s)
      return Status(s.code(), where() + s.message());
    if (!node.bound.empty())
      if (Status s = checkBoundAttrs(kernel, *node.schema, node.bound); !s)
        return Status(s.code(), where() + s.message());
    std::vector<const Shape *> shapes;
    std::vector<DType> dtypes;
    for (int32_t in : *kernel.inputs()) {
      node.inputs.push_back(in);
      shapes.push_back(in >= 0 ? &g.shapes[in] : nullptr);
      dtypes.push_back(in >= 0 ? g.dtypes[in] : DType::kF32);
    }
    auto results =
        inferKernelShapes(kernel, *node.schema, shapes, dtypes, &node.bound);
    if (!results)
      return Status(results.status().code(),
                    where() + results.status().message());
    for (size_t o = 0; o < results->size(); ++o) {
      int64_t v = kernel.outputs()->Get(o);
      const Shape &got = (*results)[o];
      const Shape &want = g.shapes[v]; // still the declaration
      bool ok = want.size() == got.size();
      for (size_t d = 0; ok && d < got.size(); ++d)
        ok = want[d] == -1 || want[d] == got[d];
      if (!ok)
        return invalidArgument(where() + "computes " + shapeToString(got) +
                               ", but the artifact declares " +
                               shapeToString(want));
      // The op decides its results' element type (OpSchema::result).
      DType computed = resultDType(kernel, *node.schema, dtypes);
      if (g.dtypes[v] != computed)
        return invalidArgument(where() + "computes " + dtypeName(computed) +
                               ", but the artifact declares " +
                               dtypeName(g.dtypes[v]));
      g.shapes[v] = got;
      node.outputs.push_back(v);
      // Each result has at most 2^40 elements of at most 8 bytes.
      uint64_t bytes =
          static_cast<uint64_t>(numElements(got)) * dtypeSize(g.dtypes[v]);
      bool over =
          __builtin_add_overflow(intermediateBytes, bytes, &intermediateBytes);
      if (maxBytes && (over || intermediateBytes > maxBytes))
        return invalidArgument(
            where() + "the intermediate tensors of these input shapes pass " +
            std::to_string(maxBytes) + " bytes, the session's limit");
    }
    g.nodes.push_back(std::move(node));
  }
  for (const fb::Port *out : *m.outputs())
    g.outputValues.push_back(out->value());
  return g;
}

StatusOr<ArenaLayout>
tlc::runtime::placeValues(const Lowering &lowering,
                          const std::vector<bool> &external) {
  size_t numValues = lowering.valueBytes.size();
  size_t numSteps = lowering.steps.size();
  auto bad = [](const std::string &what) {
    return Status(StatusCode::kInternal, "the backend's plan " + what);
  };
  ArenaLayout layout;
  layout.offsets.assign(numValues, -1);
  std::vector<bool> defined(numValues, false);
  for (size_t v = 0; v < external.size() && v < numValues; ++v)
    defined[v] = external[v];
  std::vector<size_t> lastUse(numValues, 0);
  for (size_t k = 0; k < numSteps; ++k) {
    const BufferStep &step = lowering.steps[k];
    for (int64_t in : step.inputs) {
      if (in < -1 || in >= static_cast<int64_t>(numValues))
        return bad("reads value " + std::to_string(in));
      if (in >= 0)
        lastUse[in] = k;
    }
    for (int64_t out : step.outputs)
      if (out < 0 || out >= static_cast<int64_t>(numValues) ||
          (out < static_cast<int64_t>(external.size()) && external[out]))
        return bad("writes value " + std::to_string(out));
  }
  for (int64_t v : lowering.outputValues) {
    if (v < 0 || v >= static_cast<int64_t>(numValues))
      return bad("returns value " + std::to_string(v));
    lastUse[v] = numSteps; // live to the end
  }

  // First-fit over the blocks live at each step.
  std::map<uint64_t, uint64_t> live; // offset -> size
  std::vector<std::vector<int64_t>> dies(numSteps + 1);
  uint64_t arenaSize = 0;
  for (size_t k = 0; k < numSteps; ++k) {
    const BufferStep &step = lowering.steps[k];
    for (int64_t in : step.inputs)
      if (in >= 0 && !defined[in])
        return bad("reads value " + std::to_string(in) +
                   " before any step writes it");
    // Output 0 takes over an input's buffer when the step allows it and the
    // input dies here (an arena value of the same size).
    if (step.inPlaceInput >= 0 &&
        static_cast<size_t>(step.inPlaceInput) < step.inputs.size() &&
        !step.outputs.empty()) {
      int64_t in = step.inputs[step.inPlaceInput], out = step.outputs[0];
      auto &dying = dies[k];
      auto it = std::find(dying.begin(), dying.end(), in);
      if (in >= 0 && layout.offsets[in] >= 0 && it != dying.end() &&
          lowering.valueBytes[in] == lowering.valueBytes[out] &&
          std::count(step.inputs.begin(), step.inputs.end(), in) == 1) {
        dying.erase(it);
        layout.offsets[out] = layout.offsets[in];
        dies[std::max(lastUse[out], k)].push_back(out);
      }
    }
    for (int64_t v : step.outputs) {
      defined[v] = true;
      if (layout.offsets[v] >= 0)
        continue; // placed in place above
      uint64_t size = alignUp(std::max<uint64_t>(lowering.valueBytes[v], 1));
      uint64_t offset = 0;
      for (auto [o, s] : live) {
        if (o >= offset && o - offset >= size)
          break;
        offset = std::max(offset, o + s);
      }
      live[offset] = size;
      layout.offsets[v] = static_cast<int64_t>(offset);
      arenaSize = std::max(arenaSize, offset + size);
      dies[std::max(lastUse[v], k)].push_back(v);
    }
    for (int64_t v : dies[k])
      live.erase(layout.offsets[v]);
  }
  for (int64_t v : lowering.outputValues)
    if (!defined[v])
      return bad("returns value " + std::to_string(v) + " that no step writes");
  // Every buffer inside the arena (a check on the placement above).
  for (size_t v = 0; v < numValues; ++v)
    if (layout.offsets[v] >= 0 &&
        static_cast<uint64_t>(layout.offsets[v]) + lowering.valueBytes[v] >
            arenaSize)
      return bad("places value " + std::to_string(v) + " outside the arena");
  layout.bytes = arenaSize;
  return layout;
}
