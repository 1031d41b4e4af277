//===- Binary.cpp - elementwise binary ops with broadcasting --------------===//
//
// oneDNN's binary primitive where it applies (it broadcasts only its second
// source), a per-channel loop for nhwc maps scaled by [N, C, 1, 1]
// (squeeze-and-excitation), and a plain broadcasting loop for the rest and
// for ops oneDNN lacks (pow, prelu).
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

namespace {

/// Elementwise with broadcasting in plain C++: for ops oneDNN lacks (pow,
/// prelu) and for shapes it cannot broadcast (src0 smaller than dst).
struct BroadcastKernel : Kernel {
  Shape a, b, y; // a and b padded to y's rank
  float (*fn)(float, float);
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    size_t rank = y.size();
    std::vector<int64_t> sa(rank), sb(rank), idx(rank, 0);
    for (int64_t i = rank - 1, pa = 1, pb = 1; i >= 0; --i) {
      sa[i] = a[i] == 1 ? 0 : pa;
      sb[i] = b[i] == 1 ? 0 : pb;
      pa *= a[i];
      pb *= b[i];
    }
    const float *pa = in[0].f32(), *pb = in[1].f32();
    float *py = out[0].f32();
    int64_t n = numElements(y), inner = rank ? y[rank - 1] : 1;
    int64_t ia = 0, ib = 0;
    for (int64_t done = 0; done < n; done += inner) {
      int64_t ea = rank ? sa[rank - 1] : 0, eb = rank ? sb[rank - 1] : 0;
      for (int64_t j = 0; j < inner; ++j)
        py[done + j] = fn(pa[ia + j * ea], pb[ib + j * eb]);
      // Advance the multi-index over the outer dims.
      for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
        ia += sa[d];
        ib += sb[d];
        if (++idx[d] < y[d])
          break;
        ia -= sa[d] * y[d];
        ib -= sb[d] * y[d];
        idx[d] = 0;
      }
    }
  }
};

struct BinaryKernel : Kernel {
  dnnl::binary prim;
  memory::desc a, b, y;
  bool swapped = false;
  BoundMemory aMem, bMem, yMem;
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    uint8_t *p0 = in[swapped ? 1 : 0].data, *p1 = in[swapped ? 0 : 1].data;
    prim.execute(env.stream,
                 {{DNNL_ARG_SRC_0, aMem.at(a, env.engine, p0)},
                  {DNNL_ARG_SRC_1, bMem.at(b, env.engine, p1)},
                  {DNNL_ARG_DST, yMem.at(y, env.engine, out[0].data)}});
    env.stream.wait();
  }
};

/// `big op s[c]` for every pixel of an nhwc tensor, with s per channel
/// (and per image, or shared by all): squeeze-and-excitation's scaling.
/// oneDNN 2.6's binary primitive is slow on it when C is small: on a
/// [1, 32, 112, 112] map, 87 us against 20-35 us for this loop.
template <typename Op>
void channelBinary(const float *x, const float *s, float *y, int64_t c,
                   int64_t pixels) {
  for (int64_t p = 0; p < pixels; ++p)
#pragma omp simd
    for (int64_t k = 0; k < c; ++k)
      y[p * c + k] = Op()(x[p * c + k], s[k]);
}

struct NhwcChannelBinaryKernel : Kernel {
  int64_t n, c, hw;
  bool perImage; // s is [N, C, 1, 1] rather than [1, C, 1, 1]
  bool swapped;  // the nhwc operand is the second input
  void (*apply)(const float *, const float *, float *, int64_t, int64_t);
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const float *x = in[swapped ? 1 : 0].f32(), *s = in[swapped ? 0 : 1].f32();
    float *y = out[0].f32();
    // Runs of whole pixels of about 16K floats.
    int64_t run = std::max<int64_t>(1, (16 << 10) / c);
    int64_t runs = (hw + run - 1) / run;
#pragma omp parallel for schedule(static) if (n * runs > 1)
    for (int64_t task = 0; task < n * runs; ++task) {
      int64_t b = task / runs, first = task % runs * run;
      int64_t count = std::min(run, hw - first);
      int64_t offset = (b * hw + first) * c;
      apply(x + offset, s + (perImage ? b * c : 0), y + offset, c, count);
    }
  }
};

/// The kernel above for `alg`, when it applies: `big` nhwc and `small` of
/// shape [N or 1, C, 1, 1], plain.
std::unique_ptr<Kernel> nhwcChannelBinary(dnnl::algorithm alg, const Shape &big,
                                          const Shape &small, bool swapped) {
  using A = dnnl::algorithm;
  auto k = std::make_unique<NhwcChannelBinaryKernel>();
  switch (alg) {
  case A::binary_add:
    k->apply = channelBinary<std::plus<float>>;
    break;
  case A::binary_sub:
    k->apply = channelBinary<std::minus<float>>;
    break;
  case A::binary_mul:
    k->apply = channelBinary<std::multiplies<float>>;
    break;
  case A::binary_div:
    k->apply = channelBinary<std::divides<float>>;
    break;
  default:
    return nullptr;
  }
  if (small.size() != 4 || small[1] != big[1] || small[2] != 1 ||
      small[3] != 1 || (small[0] != 1 && small[0] != big[0]))
    return nullptr;
  k->n = big[0];
  k->c = big[1];
  k->hw = big[2] * big[3];
  k->perImage = small[0] != 1;
  k->swapped = swapped;
  return k;
}

StatusOr<Built> buildBinary(BuildContext &ctx,
                            std::optional<dnnl::algorithm> alg,
                            bool commutative, float (*fn)(float, float)) {
  const Shape &y = ctx.outShapes[0];
  Shape a = padRank(ctx.shapes[0], y.size()),
        b = padRank(ctx.shapes[1], y.size());
  bool swap = a != y && b == y && commutative;
  // Operands in a blocked layout: the same layout and shape, or a plain
  // operand broadcast over a blocked one (squeeze-excite's x * s[N,C,1,1],
  // in either order for commutative ops).
  if (ctx.layouts[0] != plainLayout(ctx.shapes[0]) ||
      ctx.layouts[1] != plainLayout(ctx.shapes[1])) {
    // (A bf16 backbone's tensors are bf16 in any layout, plain included.)
    bool same =
        ctx.shapes[0] == ctx.shapes[1] && ctx.layouts[0] == ctx.layouts[1];
    // The operand with the result's shape; the blocked one if both have it.
    int big = same || (a == y &&
                       (b != y || ctx.layouts[0] != plainLayout(ctx.shapes[0])))
                  ? 0
                  : 1;
    const Shape &small = big == 0 ? b : a;
    bool perChannel = !same && (big == 0 || commutative) &&
                      small.size() == y.size() &&
                      isPlain(ctx.layouts[1 - big], ctx.shapes[1 - big]);
    if (!alg || !(same || perChannel))
      return Status(StatusCode::kInternal,
                    "binary op given non-plain operands it cannot combine");
    memory::desc layout = ctx.layouts[big];
    // In place when the nhwc operand dies here: one stream over memory
    // rather than two.
    if (perChannel && isNhwc(layout, y) &&
        storedType(ctx.layouts[1 - big]) == dt::f32)
      if (auto k = nhwcChannelBinary(*alg, y, small, big == 1))
        return Built{std::move(k), {layout}, big};
    return guarded("binary", [&]() -> StatusOr<Built> {
      auto k = std::make_unique<BinaryKernel>();
      k->swapped = big == 1;
      k->a = k->y = layout;
      k->b =
          same ? layout : plainLayout(small, storedType(ctx.layouts[1 - big]));
      dnnl::binary::desc d(*alg, k->a, k->b, k->y);
      k->prim = dnnl::binary(dnnl::binary::primitive_desc(d, ctx.env.engine));
      return Built{std::move(k), {layout}};
    });
  }
  if (alg && (a == y || swap) && !y.empty()) {
    return guarded("binary", [&]() -> StatusOr<Built> {
      auto k = std::make_unique<BinaryKernel>();
      k->swapped = swap;
      k->a = plainLayout(swap ? b : a);
      k->b = plainLayout(swap ? a : b);
      k->y = plainLayout(y);
      dnnl::binary::desc d(*alg, k->a, k->b, k->y);
      k->prim = dnnl::binary(dnnl::binary::primitive_desc(d, ctx.env.engine));
      return Built{std::move(k)};
    });
  }
  auto k = std::make_unique<BroadcastKernel>();
  k->a = a;
  k->b = b;
  k->y = y;
  k->fn = fn;
  return Built{std::move(k)};
}

StatusOr<Built> buildAdd(BuildContext &c) {
  return buildBinary(c, dnnl::algorithm::binary_add, true,
                     [](float a, float b) { return a + b; });
}
StatusOr<Built> buildSub(BuildContext &c) {
  return buildBinary(c, dnnl::algorithm::binary_sub, false,
                     [](float a, float b) { return a - b; });
}
StatusOr<Built> buildMul(BuildContext &c) {
  return buildBinary(c, dnnl::algorithm::binary_mul, true,
                     [](float a, float b) { return a * b; });
}
StatusOr<Built> buildDiv(BuildContext &c) {
  return buildBinary(c, dnnl::algorithm::binary_div, false,
                     [](float a, float b) { return a / b; });
}
StatusOr<Built> buildMax(BuildContext &c) {
  return buildBinary(c, dnnl::algorithm::binary_max, true,
                     [](float a, float b) { return std::max(a, b); });
}
StatusOr<Built> buildMin(BuildContext &c) {
  return buildBinary(c, dnnl::algorithm::binary_min, true,
                     [](float a, float b) { return std::min(a, b); });
}
StatusOr<Built> buildPow(BuildContext &c) {
  return buildBinary(c, std::nullopt, false,
                     [](float a, float b) { return std::pow(a, b); });
}

StatusOr<Built> buildPRelu(BuildContext &c) {
  return buildBinary(c, std::nullopt, false,
                     [](float x, float s) { return x >= 0.f ? x : s * x; });
}

/// Whether `s` broadcasts into `x` without changing x (same rank).
bool broadcastsInto(const Shape &s, const Shape &x) {
  if (s.size() != x.size())
    return false;
  for (size_t d = 0; d < x.size(); ++d)
    if (s[d] != x[d] && s[d] != 1)
      return false;
  return true;
}

/// Binary ops keep a blocked layout when both operands share it and their
/// shape, or when a plain operand broadcasts over the blocked one: as the
/// second operand, or either one if `Commutative`.
template <bool Commutative> bool binaryLayouts(const BuildContext &ctx) {
  if (ctx.shapes.size() != 2)
    return false;
  if (ctx.shapes[0] == ctx.shapes[1] && ctx.layouts[0] == ctx.layouts[1])
    return true;
  for (int big = 0; big < (Commutative ? 2 : 1); ++big) {
    int small = 1 - big;
    if (isPlain(ctx.layouts[small], ctx.shapes[small]) &&
        broadcastsInto(ctx.shapes[small], ctx.shapes[big]))
      return true;
  }
  return false;
}

} // namespace

void cpu::appendBinaryOps(std::vector<OpDef> &ops) {
  ops.insert(ops.end(), {
                            {"add", buildAdd, binaryLayouts<true>},
                            {"sub", buildSub, binaryLayouts<false>},
                            {"mul", buildMul, binaryLayouts<true>},
                            {"div", buildDiv, binaryLayouts<false>},
                            {"max", buildMax, binaryLayouts<true>},
                            {"min", buildMin, binaryLayouts<true>},
                            {"pow", buildPow},
                            {"prelu", buildPRelu},
                        });
}
