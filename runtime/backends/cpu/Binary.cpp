//===- Binary.cpp - elementwise binary ops with broadcasting --------------===//
//
// oneDNN's binary primitive where it applies (it broadcasts only its second
// source), a per-channel loop for maps scaled by [N, C, 1, 1]
// (squeeze-and-excitation) in any layout that keeps channels together, and a
// plain broadcasting loop for the rest and for ops oneDNN lacks (pow, prelu).
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

inline float load(float v) { return v; }
inline float load(uint16_t v) { return bf16ToFloat(v); }
inline void store(float v, float *y) { *y = v; }
inline void store(float v, uint16_t *y) { *y = floatToBf16(v); }

/// `x op s[k]` over `pixels` pixels of `stride` channels each, of which the
/// first `lanes` are real (the rest pad a channel block and are copied, so
/// that they stay zero). T: the map's storage, S: the scales'.
template <typename Op, typename T, typename S>
void channelBinary(const void *xp, const void *sp, void *yp, int64_t lanes,
                   int64_t stride, int64_t pixels) {
  const T *x = static_cast<const T *>(xp);
  const S *s = static_cast<const S *>(sp);
  T *y = static_cast<T *>(yp);
  if (stride == 1) { // one channel: a run of pixels times one scale
    float k = load(s[0]);
#pragma omp simd
    for (int64_t p = 0; p < pixels; ++p)
      store(Op()(load(x[p]), k), y + p);
    return;
  }
  for (int64_t p = 0; p < pixels; ++p) {
    const T *xr = x + p * stride;
    T *yr = y + p * stride;
#pragma omp simd
    for (int64_t k = 0; k < lanes; ++k)
      store(Op()(load(xr[k]), load(s[k])), yr + k);
  }
  if (lanes < stride && x != y)
    for (int64_t p = 0; p < pixels; ++p)
      std::copy(x + p * stride + lanes, x + (p + 1) * stride,
                y + p * stride + lanes);
}

using ChannelFn = void (*)(const void *, const void *, void *, int64_t, int64_t,
                           int64_t);

template <typename Op> ChannelFn channelFn(dt map, dt scales) {
  if (map == dt::f32)
    return scales == dt::f32 ? channelBinary<Op, float, float>
                             : channelBinary<Op, float, uint16_t>;
  return scales == dt::f32 ? channelBinary<Op, uint16_t, float>
                           : channelBinary<Op, uint16_t, uint16_t>;
}

/// `big op s[c]` for every pixel of a 4-D map, with s per channel (and per
/// image, or shared by all): squeeze-and-excitation's scaling, in the map's
/// layout (channels-last, channel-blocked or plain) and type (f32, bf16).
/// oneDNN 2.6's binary primitive has no jit for a [N, C, 1, 1] operand: its
/// reference kernel took 71 ms on a [2, 32, 112, 112] nChw8c map with AVX2
/// (0.3 ms here); with channels-last and a small C it was slow as well.
struct ChannelBinaryKernel : Kernel {
  int64_t n, c, hw, block;
  size_t mapBytes, scaleBytes; // per element
  bool perImage;               // s is [N, C, 1, 1] rather than [1, C, 1, 1]
  bool swapped;                // the map is the second input
  ChannelFn apply;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const uint8_t *x = in[swapped ? 1 : 0].data, *s = in[swapped ? 0 : 1].data;
    uint8_t *y = out[0].data;
    int64_t blocks = (c + block - 1) / block;
    // Runs of whole pixels of about 16K elements.
    int64_t run = std::max<int64_t>(1, (16 << 10) / block);
    int64_t runs = (hw + run - 1) / run;
    int64_t tasks = n * blocks * runs;
#pragma omp parallel for schedule(static) if (tasks > 1)
    for (int64_t task = 0; task < tasks; ++task) {
      int64_t image = task / (blocks * runs), cb = task / runs % blocks;
      int64_t first = task % runs * run, count = std::min(run, hw - first);
      int64_t offset = ((image * blocks + cb) * hw + first) * block;
      int64_t channel = (perImage ? image * c : 0) + cb * block;
      apply(x + offset * mapBytes, s + channel * scaleBytes,
            y + offset * mapBytes, std::min(block, c - cb * block), block,
            count);
    }
  }
};

/// The kernel above for `alg`, when it applies: operand `big` (the result's
/// shape) in a layout channelBlocks() knows, the other plain f32 or bf16 of
/// shape [N or 1, C, 1, 1].
std::unique_ptr<Kernel> channelBinaryKernel(dnnl::algorithm alg,
                                            const BuildContext &ctx, int big) {
  const Shape &y = ctx.outShapes[0], &map = ctx.shapes[big],
              &small = ctx.shapes[1 - big];
  std::optional<ChannelBlocks> blocks = channelBlocks(ctx.layouts[big], y);
  dt scales = storedType(ctx.layouts[1 - big]);
  if (map != y || !blocks || small.size() != 4 || small[1] != y[1] ||
      small[2] != 1 || small[3] != 1 || (small[0] != 1 && small[0] != y[0]) ||
      (scales != dt::f32 && scales != dt::bf16) ||
      !isPlain(ctx.layouts[1 - big], small))
    return nullptr;
  using A = dnnl::algorithm;
  auto k = std::make_unique<ChannelBinaryKernel>();
  switch (alg) {
  case A::binary_add:
    k->apply = channelFn<std::plus<float>>(blocks->type, scales);
    break;
  case A::binary_sub:
    k->apply = channelFn<std::minus<float>>(blocks->type, scales);
    break;
  case A::binary_mul:
    k->apply = channelFn<std::multiplies<float>>(blocks->type, scales);
    break;
  case A::binary_div:
    k->apply = channelFn<std::divides<float>>(blocks->type, scales);
    break;
  default:
    return nullptr;
  }
  k->n = y[0];
  k->c = y[1];
  k->hw = y[2] * y[3];
  k->block = blocks->block;
  k->mapBytes = blocks->type == dt::f32 ? 4 : 2;
  k->scaleBytes = scales == dt::f32 ? 4 : 2;
  k->perImage = small[0] != 1;
  k->swapped = big == 1;
  return k;
}

StatusOr<Built> buildBinary(BuildContext &ctx,
                            std::optional<dnnl::algorithm> alg,
                            bool commutative, float (*fn)(float, float)) {
  const Shape &y = ctx.outShapes[0];
  Shape a = padRank(ctx.shapes[0], y.size()),
        b = padRank(ctx.shapes[1], y.size());
  bool swap = a != y && b == y && commutative;
  // A map scaled per channel, in its layout; in place when the map dies
  // here: one stream over memory rather than two.
  for (int big = 0; alg && big < (commutative ? 2 : 1); ++big)
    if (auto k = channelBinaryKernel(*alg, ctx, big))
      return Built{std::move(k), {ctx.layouts[big]}, big};
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

/// The f32 kernel of buildBinary, or the integer one for integer operands.
StatusOr<Built> buildArithmetic(BuildContext &c, IntArith intOp,
                                std::optional<dnnl::algorithm> alg,
                                bool commutative, float (*fn)(float, float)) {
  if (isIntegerDType(c.dtypes[0]))
    return buildIntegerArithmetic(c, intOp);
  return buildBinary(c, alg, commutative, fn);
}

StatusOr<Built> buildAdd(BuildContext &c) {
  return buildArithmetic(c, IntArith::kAdd, dnnl::algorithm::binary_add, true,
                         [](float a, float b) { return a + b; });
}
StatusOr<Built> buildSub(BuildContext &c) {
  return buildArithmetic(c, IntArith::kSub, dnnl::algorithm::binary_sub, false,
                         [](float a, float b) { return a - b; });
}
StatusOr<Built> buildMul(BuildContext &c) {
  return buildArithmetic(c, IntArith::kMul, dnnl::algorithm::binary_mul, true,
                         [](float a, float b) { return a * b; });
}
StatusOr<Built> buildDiv(BuildContext &c) {
  return buildArithmetic(c, IntArith::kDiv, dnnl::algorithm::binary_div, false,
                         [](float a, float b) { return a / b; });
}
StatusOr<Built> buildMax(BuildContext &c) {
  return buildArithmetic(c, IntArith::kMax, dnnl::algorithm::binary_max, true,
                         [](float a, float b) { return std::max(a, b); });
}
StatusOr<Built> buildMin(BuildContext &c) {
  return buildArithmetic(c, IntArith::kMin, dnnl::algorithm::binary_min, true,
                         [](float a, float b) { return std::min(a, b); });
}
StatusOr<Built> buildPow(BuildContext &c) {
  return buildArithmetic(c, IntArith::kPow, std::nullopt, false,
                         [](float a, float b) { return std::pow(a, b); });
}
/// mod: C's fmod (the sign of a) with `fmod`, else Python's % (the sign
/// of b).
StatusOr<Built> buildMod(BuildContext &c) {
  bool fmod = c.attrs.i("fmod") != 0;
  if (fmod)
    return buildArithmetic(c, IntArith::kFmod, std::nullopt, false,
                           [](float a, float b) { return std::fmod(a, b); });
  return buildArithmetic(c, IntArith::kMod, std::nullopt, false,
                         [](float a, float b) {
                           float r = std::fmod(a, b);
                           return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
                         });
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
  const Computes ints = Computes::kF32OrInteger;
  ops.insert(ops.end(), {
                            {"add", buildAdd, binaryLayouts<true>, ints},
                            {"sub", buildSub, binaryLayouts<false>, ints},
                            {"mul", buildMul, binaryLayouts<true>, ints},
                            {"div", buildDiv, binaryLayouts<false>, ints},
                            {"max", buildMax, binaryLayouts<true>, ints},
                            {"min", buildMin, binaryLayouts<true>, ints},
                            {"pow", buildPow, nullptr, ints},
                            {"mod", buildMod, nullptr, ints},
                            {"prelu", buildPRelu},
                        });
}
