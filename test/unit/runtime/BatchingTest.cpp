//===- BatchingTest.cpp - which models may run a batch in passes ----------===//
//
// Models are built with the schema's object API: a value per tensor, the
// kernels in order. samplesAreIndependent must accept what keeps samples
// apart and reject, naming the kernel, what mixes them.
//
//===----------------------------------------------------------------------===//

#include "Batching.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace tlc::runtime;

namespace {

using Ints = std::vector<int64_t>;

class Graph {
public:
  /// A value of this shape (-1: dynamic).
  uint32_t value(Ints shape) {
    auto v = std::make_unique<fb::ValueT>();
    v->name = "v" + std::to_string(model_.values.size());
    v->shape = std::move(shape);
    model_.values.push_back(std::move(v));
    return static_cast<uint32_t>(model_.values.size() - 1);
  }
  uint32_t input(Ints shape) {
    uint32_t v = value(std::move(shape));
    port(model_.inputs, v);
    return v;
  }
  /// A weight's value: defined by no kernel.
  uint32_t param(Ints shape) { return value(std::move(shape)); }
  void output(uint32_t v) { port(model_.outputs, v); }
  /// Adds a kernel; returns its output, a new value of `shape`.
  uint32_t op(const std::string &name, std::vector<int32_t> inputs, Ints shape,
              std::vector<std::pair<std::string, Ints>> attrs = {}) {
    uint32_t out = value(std::move(shape));
    auto k = std::make_unique<fb::KernelT>();
    k->op = name;
    k->name = name + "_" + std::to_string(model_.kernels.size());
    k->inputs = std::move(inputs);
    k->outputs = {out};
    std::sort(attrs.begin(), attrs.end()); // the schema keys them by name
    for (auto &[key, ints] : attrs) {
      auto a = std::make_unique<fb::AttributeT>();
      a->name = key;
      a->ints = ints;
      k->attributes.push_back(std::move(a));
    }
    model_.kernels.push_back(std::move(k));
    return out;
  }

  /// samplesAreIndependent of the model so far; `why` gets the reason.
  bool independent(std::string *why = nullptr) {
    flatbuffers::FlatBufferBuilder builder;
    builder.Finish(fb::Model::Pack(builder, &model_));
    bytes_.assign(builder.GetBufferPointer(),
                  builder.GetBufferPointer() + builder.GetSize());
    std::string reason;
    bool ok = samplesAreIndependent(*fb::GetModel(bytes_.data()), &reason);
    if (why)
      *why = reason;
    return ok;
  }

private:
  void port(std::vector<std::unique_ptr<fb::PortT>> &ports, uint32_t v) {
    auto p = std::make_unique<fb::PortT>();
    p->name = "p" + std::to_string(v);
    p->value = v;
    ports.push_back(std::move(p));
  }
  fb::ModelT model_;
  std::vector<uint8_t> bytes_;
};

/// conv -> relu -> pool -> global pool -> flatten -> fc, batch dynamic.
Graph convNet(int64_t batch = -1) {
  Graph g;
  uint32_t x = g.input({batch, 3, 8, 8});
  uint32_t c =
      g.op("conv",
           {int32_t(x), int32_t(g.param({4, 3, 3, 3})), int32_t(g.param({4}))},
           {batch, 4, 8, 8});
  uint32_t r = g.op("relu", {int32_t(c)}, {batch, 4, 8, 8});
  uint32_t p = g.op("max_pool", {int32_t(r)}, {batch, 4, 4, 4});
  uint32_t gp = g.op("global_avg_pool", {int32_t(p)}, {batch, 4, 1, 1});
  uint32_t f = g.op("flatten", {int32_t(gp)}, {batch, 4}, {{"axis", {1}}});
  uint32_t y = g.op("fc", {int32_t(f), int32_t(g.param({2, 4}))}, {batch, 2});
  g.output(y);
  return g;
}

TEST(Batching, ConvNetWithDynamicBatchKeepsSamplesApart) {
  Graph g = convNet();
  std::string why;
  EXPECT_TRUE(g.independent(&why)) << why;
}

TEST(Batching, StaticBatchRunsInOnePass) {
  Graph g = convNet(4);
  std::string why;
  EXPECT_FALSE(g.independent(&why));
  EXPECT_NE(why.find("no dynamic batch dim"), std::string::npos) << why;
}

TEST(Batching, ReshapeKeepsSamplesOnlyWhenDim0IsCopiedOrInferred) {
  for (auto [shape, ok] : std::vector<std::pair<Ints, bool>>{
           {{0, -1}, true},   // torch's view(x.size(0), -1)
           {{-1, 12}, true},  // the only inferred dim is the batch
           {{1, -1}, false},  // a fixed batch
           {{-1, -1}, false}, // invalid anyway
           {{0, 3, 2, 2}, true}}) {
    Graph g;
    uint32_t x = g.input({-1, 3, 2, 2});
    g.output(g.op("reshape", {int32_t(x)}, {-1, 12}, {{"shape", shape}}));
    std::string why;
    EXPECT_EQ(g.independent(&why), ok)
        << "shape[0] = " << shape[0] << ": " << why;
  }
}

TEST(Batching, AxisAttributesMustSpareDim0) {
  struct Case {
    std::string op;
    std::string attr;
    Ints value;
    bool ok;
  };
  for (const Case &c :
       std::vector<Case>{{"softmax", "axis", {1}, true},
                         {"softmax", "axis", {0}, false},
                         {"softmax", "axis", {-4}, false}, // rank 4: dim 0
                         {"reduce_mean", "axes", {2, 3}, true},
                         {"reduce_mean", "axes", {0}, false},
                         {"transpose", "perm", {0, 2, 3, 1}, true},
                         {"transpose", "perm", {1, 0, 2, 3}, false},
                         {"slice", "axes", {1}, true},
                         {"slice", "axes", {0}, false},
                         {"pad", "pads", {0, 1, 1, 1, 0, 1, 1, 1}, true},
                         {"pad", "pads", {1, 0, 0, 0, 0, 0, 0, 0}, false}}) {
    Graph g;
    uint32_t x = g.input({-1, 3, 4, 4});
    std::vector<std::pair<std::string, Ints>> attrs = {{c.attr, c.value}};
    if (c.op == "reduce_mean")
      attrs.push_back({"keepdims", {1}});
    g.output(g.op(c.op, {int32_t(x)}, {-1, 3, 4, 4}, attrs));
    std::string why;
    EXPECT_EQ(g.independent(&why), c.ok)
        << c.op << " " << c.attr << ": " << why;
  }
}

TEST(Batching, ConcatAlongChannelsOfBatchedInputsOnly) {
  for (auto [axis, ok] : std::vector<std::pair<int64_t, bool>>{
           {1, true}, {-3, true}, {0, false}, {-4, false}}) {
    Graph g;
    uint32_t x = g.input({-1, 3, 4, 4});
    uint32_t r = g.op("relu", {int32_t(x)}, {-1, 3, 4, 4});
    g.output(g.op("concat", {int32_t(x), int32_t(r)}, {-1, 6, 4, 4},
                  {{"axis", {axis}}}));
    EXPECT_EQ(g.independent(), ok) << "axis " << axis;
  }
  // A constant joined to a batched value along channels would need the
  // whole batch's dim 0.
  Graph g;
  uint32_t x = g.input({-1, 3, 4, 4});
  g.output(g.op("concat", {int32_t(x), int32_t(g.param({8, 1, 4, 4}))},
                {-1, 4, 4, 4}, {{"axis", {1}}}));
  EXPECT_FALSE(g.independent());
}

TEST(Batching, BroadcastOperandsMustNotCarryABatch) {
  auto check = [](Ints paramShape, bool ok) {
    Graph g;
    uint32_t x = g.input({-1, 3, 4, 4});
    g.output(
        g.op("add", {int32_t(x), int32_t(g.param(paramShape))}, {-1, 3, 4, 4}));
    std::string why;
    EXPECT_EQ(g.independent(&why), ok) << why;
  };
  check({3, 1, 1}, true);     // per channel
  check({1, 3, 4, 4}, true);  // broadcast over the batch
  check({8, 3, 4, 4}, false); // one operand per sample of a fixed batch
  // Two batched operands of different rank do not align their dim 0.
  Graph g;
  uint32_t x = g.input({-1, 3, 4, 4});
  uint32_t f = g.op("flatten", {int32_t(x)}, {-1, 48}, {{"axis", {1}}});
  g.output(g.op("mul", {int32_t(x), int32_t(f)}, {-1, 3, 4, 48}));
  EXPECT_FALSE(g.independent());
}

TEST(Batching, UnknownOpsAndBatchFreeOutputsAreRefusedByName) {
  Graph g;
  uint32_t x = g.input({-1, 3});
  g.output(g.op("top_k", {int32_t(x)}, {-1, 1}));
  std::string why;
  EXPECT_FALSE(g.independent(&why));
  EXPECT_NE(why.find("kernel 0 'top_k' (top_k_0)"), std::string::npos) << why;

  Graph h;
  uint32_t y = h.input({-1, 3});
  h.output(h.op("relu", {int32_t(y)}, {-1, 3}));
  h.output(h.op("exp", {int32_t(h.param({3}))}, {3})); // weights only
  EXPECT_FALSE(h.independent(&why));
  EXPECT_NE(why.find("does not depend on the batch"), std::string::npos) << why;
}

} // namespace
