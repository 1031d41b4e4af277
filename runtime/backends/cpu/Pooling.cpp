//===- Pooling.cpp - pools and reductions ---------------------------------===//
//
// Windowed pools on oneDNN in any layout; global pools of nhwc and
// channel-blocked maps as one pass over each image's pixels (oneDNN 2.6 has
// only a slow reference kernel for them); other reductions on oneDNN over
// plain sources.
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include "ShapeFunctions.h"

#include <algorithm>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

namespace {

/// Global pools of an nhwc s8 or u8 tensor: per image, per channel, the
/// integer sum (or max) of its pixels, times `scale` (and / pixels).
template <typename T>
void poolInt8(const T *x, int64_t images, int64_t pixels, int64_t channels,
              bool isMax, float scale, float *y) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < images; ++b) {
    std::vector<int32_t> acc(channels, isMax ? -128 : 0);
    const T *image = x + b * pixels * channels;
    for (int64_t p = 0; p < pixels; ++p) {
      const T *row = image + p * channels;
      if (isMax)
        for (int64_t c = 0; c < channels; ++c)
          acc[c] = std::max<int32_t>(acc[c], row[c]);
      else
        for (int64_t c = 0; c < channels; ++c)
          acc[c] += row[c];
    }
    float factor = isMax ? scale : scale / static_cast<float>(pixels);
    for (int64_t c = 0; c < channels; ++c)
      y[b * channels + c] = static_cast<float>(acc[c]) * factor;
  }
}

} // namespace

void NhwcGlobalPoolKernel::run(ExecEnv &, const std::vector<TensorRef> &in,
                               const std::vector<TensorRef> &out) {
  if (type == dt::u8)
    return poolInt8(in[0].data, n, hw, c, isMax, scale, out[0].f32());
  if (type == dt::s8)
    return poolInt8(reinterpret_cast<const int8_t *>(in[0].data), n, hw, c,
                    isMax, scale, out[0].f32());
  // A blocked map pools as n * blocks images of `block` channels, whose
  // padded lanes are dropped after.
  int64_t blocks = (c + block - 1) / block;
  std::vector<float> padded(block == c ? 0 : n * blocks * block);
  float *pooled = block == c ? out[0].f32() : padded.data();
  // With no activation the source is only read.
  if (type == dt::bf16)
    applyEpilogueAndPool(Epilogue::kNone,
                         reinterpret_cast<uint16_t *>(in[0].data), n * blocks,
                         hw, block, isMax, pooled);
  else
    applyEpilogueAndPool(Epilogue::kNone, in[0].f32(), n * blocks, hw, block,
                         isMax, pooled);
  if (block != c)
    for (int64_t b = 0; b < n; ++b)
      std::copy_n(padded.data() + b * blocks * block, c, out[0].f32() + b * c);
}

namespace {

StatusOr<Built> buildPool(BuildContext &ctx, bool isMax) {
  const Shape &x = ctx.shapes[0], &y = ctx.outShapes[0];
  size_t spatial = x.size() - 2;
  auto w = shapes::PoolWindow::read(ctx.attrs, isMax, spatial);
  const auto &kernel = w.kernel, &strides = w.strides, &pads = w.pads,
             &dilations = w.dilations;
  bool includePad = w.countIncludePad;
  memory::dims padL, padR, dil;
  for (size_t i = 0; i < spatial; ++i) {
    padL.push_back(pads[i]);
    // oneDNN wants the right padding that makes the last window fit (with
    // ceil mode, more than the artifact's).
    int64_t need = (y[i + 2] - 1) * strides[i] +
                   dilations[i] * (kernel[i] - 1) + 1 - x[i + 2] - pads[i];
    padR.push_back(std::max<int64_t>(need, 0));
    dil.push_back(dilations[i] - 1);
  }
  return guarded("pool", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ChainKernel>();
    k->src = ctx.layouts[0];
    memory::desc anyDst(dims(y), storedType(k->src), tag::any);
    auto alg = isMax        ? dnnl::algorithm::pooling_max
               : includePad ? dnnl::algorithm::pooling_avg_include_padding
                            : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_v2_forward::desc d(
        dnnl::prop_kind::forward_inference, alg, k->src, anyDst,
        dims(Shape(strides.begin(), strides.end())),
        dims(Shape(kernel.begin(), kernel.end())), dil, padL, padR);
    dnnl::pooling_v2_forward::primitive_desc pd(d, ctx.env.engine);
    k->dst = pd.dst_desc();
    k->prims.push_back(dnnl::pooling_v2_forward(pd));
    memory::desc layout = k->dst;
    return Built{std::move(k), {layout}};
  });
}

StatusOr<Built> buildMaxPool(BuildContext &ctx) { return buildPool(ctx, true); }
StatusOr<Built> buildAvgPool(BuildContext &ctx) {
  return buildPool(ctx, false);
}

/// How a tl reduction maps onto oneDNN's: the reduction, its p for the
/// norms, an eltwise on the result (a post-op) and one on the input (exp,
/// into a scratch buffer first), and what the op is when it reduces nothing.
struct ReductionSpec {
  dnnl::algorithm alg;
  float p = 0.f;
  std::optional<dnnl::algorithm> after, before;
  /// When every reduced dim has extent 1 (oneDNN refuses that): copy, or
  /// this eltwise of each element.
  std::optional<dnnl::algorithm> single;
};

/// exp() of the input into a scratch buffer, then the reduction.
struct ExpThenReduceKernel : Kernel {
  dnnl::primitive exp, reduce;
  memory::desc src, dst;
  memory scratch;
  BoundMemory srcMem, dstMem;
  std::string implementation() const override {
    return implementationOf(reduce);
  }
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const memory &s = srcMem.at(src, env.engine, in[0].data);
    memory &d = dstMem.at(dst, env.engine, out[0].data);
    exp.execute(env.stream, {{DNNL_ARG_SRC, s}, {DNNL_ARG_DST, scratch}});
    reduce.execute(env.stream, {{DNNL_ARG_SRC, scratch}, {DNNL_ARG_DST, d}});
    env.stream.wait();
  }
};

/// Reductions over a set of dims (global pools, reduce_*): `kept` is the
/// input's shape with the reduced dims set to 1.
StatusOr<Built> buildReduction(BuildContext &ctx, const ReductionSpec &spec,
                               const Shape &kept) {
  const Shape &x = ctx.shapes[0];
  using A = dnnl::algorithm;
  return guarded("reduction", [&]() -> StatusOr<Built> {
    // Plain only: oneDNN 2.6 reduces blocked sources with its slow
    // reference kernel, so the planner reorders them first.
    memory::desc src = plainLayout(x), dst = plainLayout(kept);
    if (kept == x) {
      if (!spec.single)
        return Built{makeCopyKernel()};
      auto k = std::make_unique<ChainKernel>();
      k->src = k->dst = src;
      float alpha = *spec.single == A::eltwise_pow ? 1.f : 0.f; // x^2
      float beta = *spec.single == A::eltwise_pow ? 2.f : 0.f;
      dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference,
                                    *spec.single, src, alpha, beta);
      k->prims.push_back(dnnl::eltwise_forward(
          dnnl::eltwise_forward::primitive_desc(d, ctx.env.engine)));
      return Built{std::move(k)};
    }
    dnnl::primitive_attr attr;
    if (spec.after) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.f, *spec.after, 0.f, 0.f);
      attr.set_post_ops(ops);
    }
    dnnl::reduction::desc d(spec.alg, src, dst, spec.p, 0.f);
    dnnl::reduction reduce(
        dnnl::reduction::primitive_desc(d, attr, ctx.env.engine));
    if (!spec.before) {
      auto k = std::make_unique<ChainKernel>();
      k->src = src;
      k->dst = dst;
      k->prims.push_back(reduce);
      return Built{std::move(k)};
    }
    auto k = std::make_unique<ExpThenReduceKernel>();
    k->src = src;
    k->dst = dst;
    dnnl::eltwise_forward::desc e(dnnl::prop_kind::forward_inference,
                                  *spec.before, src, 0.f, 0.f);
    k->exp = dnnl::eltwise_forward(
        dnnl::eltwise_forward::primitive_desc(e, ctx.env.engine));
    k->reduce = reduce;
    k->scratch = memory(src, ctx.env.engine);
    return Built{std::move(k)};
  });
}

StatusOr<Built> buildGlobalPool(BuildContext &ctx, dnnl::algorithm alg) {
  const Shape &x = ctx.shapes[0];
  std::optional<ChannelBlocks> blocks = channelBlocks(ctx.layouts[0], x);
  bool blocked = blocks && blocks->block >= 8 && blocks->format != tag::acdb;
  if (isChannelsLast(ctx.layouts[0], x) || blocked) {
    auto k = std::make_unique<NhwcGlobalPoolKernel>();
    k->block = blocked ? blocks->block : x[1];
    k->type = storedType(ctx.layouts[0]);
    k->scale = ctx.scales[0] > 0 ? ctx.scales[0] : 1.f;
    k->n = x[0];
    k->c = x[1];
    k->hw = x[2] * x[3];
    k->isMax = alg == dnnl::algorithm::reduction_max;
    // The [N, C, 1, 1] result is the same bytes in nhwc and nchw.
    return Built{std::move(k)};
  }
  return buildReduction(ctx, {alg}, ctx.outShapes[0]);
}

StatusOr<Built> buildGlobalAvgPool(BuildContext &ctx) {
  return buildGlobalPool(ctx, dnnl::algorithm::reduction_mean);
}
StatusOr<Built> buildGlobalMaxPool(BuildContext &ctx) {
  return buildGlobalPool(ctx, dnnl::algorithm::reduction_max);
}

template <const ReductionSpec &Spec>
StatusOr<Built> buildReduce(BuildContext &ctx) {
  auto axes = ctx.attrs.ints("axes");
  Shape kept = ctx.shapes[0];
  int64_t rank = kept.size();
  for (size_t d = 0; d < kept.size(); ++d)
    if (axes.empty())
      kept[d] = 1;
  for (int64_t a : axes)
    kept[a < 0 ? a + rank : a] = 1;
  return buildReduction(ctx, Spec, kept);
}

using A = dnnl::algorithm;
const ReductionSpec kMean{A::reduction_mean};
const ReductionSpec kSum{A::reduction_sum};
const ReductionSpec kMax{A::reduction_max};
const ReductionSpec kMin{A::reduction_min};
const ReductionSpec kProd{A::reduction_mul};
const ReductionSpec kL1{A::reduction_norm_lp_sum, 1.f, {}, {}, A::eltwise_abs};
const ReductionSpec kL2{A::reduction_norm_lp_sum, 2.f, {}, {}, A::eltwise_abs};
const ReductionSpec kSumSquare{
    A::reduction_norm_lp_power_p_sum, 2.f, {}, {}, A::eltwise_pow};
const ReductionSpec kLogSum{
    A::reduction_sum, 0.f, A::eltwise_log, {}, A::eltwise_log};
// log(exp(x)) of one element is x.
const ReductionSpec kLogSumExp{A::reduction_sum, 0.f, A::eltwise_log,
                               A::eltwise_exp};

/// Plain f32, channels-last of any element type (f32, bf16, s8, u8), or
/// nChw8c/nChw16c of f32 or bf16: other inputs are reordered (and
/// dequantized) to plain f32 first.
bool globalPoolLayouts(const BuildContext &ctx) {
  std::optional<ChannelBlocks> blocks =
      channelBlocks(ctx.layouts[0], ctx.shapes[0]);
  return ctx.layouts[0] == plainLayout(ctx.shapes[0]) ||
         isChannelsLast(ctx.layouts[0], ctx.shapes[0]) ||
         (blocks && blocks->block >= 8 && blocks->format != tag::acdb);
}

} // namespace

void cpu::appendPoolingOps(std::vector<OpDef> &ops) {
  ops.insert(ops.end(),
             {
                 // Pools keep an int8 input's type and scale; global pools
                 // of one make f32 results.
                 {"max_pool", buildMaxPool, anyLayout, Computes::kF32, -1,
                  /*readsInt8=*/true},
                 {"avg_pool", buildAvgPool, anyLayout, Computes::kF32, -1,
                  /*readsInt8=*/true},
                 {"global_avg_pool", buildGlobalAvgPool, globalPoolLayouts,
                  Computes::kF32, -1, /*readsInt8=*/true},
                 {"global_max_pool", buildGlobalMaxPool, globalPoolLayouts,
                  Computes::kF32, -1, /*readsInt8=*/true},
                 {"reduce_mean", buildReduce<kMean>},
                 {"reduce_sum", buildReduce<kSum>},
                 {"reduce_max", buildReduce<kMax>},
                 {"reduce_min", buildReduce<kMin>},
                 {"reduce_prod", buildReduce<kProd>},
                 {"reduce_l1", buildReduce<kL1>},
                 {"reduce_l2", buildReduce<kL2>},
                 {"reduce_sum_square", buildReduce<kSumSquare>},
                 {"reduce_log_sum", buildReduce<kLogSum>},
                 {"reduce_log_sum_exp", buildReduce<kLogSumExp>},
             });
}
