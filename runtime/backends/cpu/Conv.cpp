//===- Conv.cpp - convolution with fused post-ops on oneDNN ---------------===//
//
// oneDNN picks the activation layouts (blocked, e.g. nChw16c, or nhwc); the
// input is reordered only when its layout differs from the pick, and the
// weights are reordered once per session (WeightCache). Bias, residual sum
// and activation are post-ops of the one primitive.
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include <algorithm>
#include <cstring>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

void ConvLikeKernel::gatherPixels(const uint8_t *x, uint8_t *y) const {
  const Gather &g = gather;
  const int64_t pixel = g.c * static_cast<int64_t>(g.elementBytes);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t oh = 0; oh < g.outH; ++oh) {
      const uint8_t *row = x + ((b * g.h + oh * g.strideH) * g.w) * pixel;
      uint8_t *dst = y + ((b * g.outH + oh) * g.outW) * pixel;
      for (int64_t ow = 0; ow < g.outW; ++ow)
        std::memcpy(dst + ow * pixel, row + ow * g.strideW * pixel, pixel);
    }
}

void ConvLikeKernel::run(ExecEnv &env, const std::vector<TensorRef> &in,
                         const std::vector<TensorRef> &out) {
  memory s = inputMem.at(input, env.engine, in[0].data);
  if (gather.n) {
    gatherPixels(in[0].data,
                 static_cast<uint8_t *>(srcScratch.get_data_handle()));
    s = srcScratch;
  } else if (srcScratch) {
    toSrc.execute(env.stream, s, srcScratch);
    s = srcScratch;
  }
  memory &d = dstMem.at(dst, env.engine, out[0].data);
  // The sum post-op adds to what dst holds; when the planner gave dst the
  // residual's buffer, it already holds it.
  if (hasResidual && in[3].data != out[0].data) {
    if (!residualToDst)
      std::memcpy(out[0].data, in[3].data, dst.get_size());
    else
      residualToDst.execute(
          env.stream, residualMem.at(residual, env.engine, in[3].data), d);
  }
  args[DNNL_ARG_SRC] = s;
  args[DNNL_ARG_WEIGHTS] = weight.get(env, in[1].data);
  args[DNNL_ARG_DST] = d;
  if (hasBias)
    args[DNNL_ARG_BIAS] =
        biasMem.at(bias, env.engine,
                   scaledBias.empty() ? static_cast<void *>(in[2].data)
                                      : scaledBias.data());
  prim.execute(env.stream, args);
  env.stream.wait();
  if (epilogue == Epilogue::kNone && !mean.images)
    return;
  if (dst.data_type() == dt::bf16) {
    auto *y = reinterpret_cast<uint16_t *>(out[0].data);
    if (mean.images)
      applyEpilogueAndPool(epilogue, y, mean.images, mean.pixels, mean.channels,
                           false, out[1].f32());
    else
      applyEpilogue(epilogue, y,
                    static_cast<int64_t>(dst.get_size() / sizeof(uint16_t)));
  } else if (mean.images) {
    applyEpilogueAndPool(epilogue, out[0].f32(), mean.images, mean.pixels,
                         mean.channels, false, out[1].f32());
  } else {
    applyEpilogue(epilogue, out[0].f32(),
                  static_cast<int64_t>(dst.get_size() / sizeof(float)));
  }
}

/// A conv whose nhwc output is average-pooled right after computes
/// the means in the pass that applies its activation, while each block is
/// in cache: EfficientNet's squeeze-and-excitation pools the SiLU output of
/// every depthwise conv.
bool ConvLikeKernel::absorb(Kernel &next) {
  auto *pool = dynamic_cast<NhwcGlobalPoolKernel *>(&next);
  memory::dims d = dst.dims();
  if (!pool || pool->isMax || mean.images || d.size() != 4 ||
      (pool->type != dt::f32 && pool->type != dt::bf16) ||
      dst != memory::desc(d, pool->type, tag::acdb) || d[0] != pool->n ||
      d[1] != pool->c || d[2] * d[3] != pool->hw)
    return false;
  mean = {pool->n, pool->hw, pool->c};
  return true;
}

namespace {

/// Replaces `pd` by the first implementation whose name starts with
/// `prefix` and that keeps its activation layouts; leaves it if none.
/// `make` creates a fresh descriptor to iterate (a copy would share, and
/// next_impl() would move, pd's own).
template <typename PrimitiveDesc, typename Make>
void preferImpl(PrimitiveDesc &pd, const std::string &prefix, Make &&make) {
  PrimitiveDesc candidate = make();
  do {
    if (std::string(candidate.impl_info_str()).rfind(prefix, 0) == 0) {
      if (candidate.src_desc() == pd.src_desc() &&
          candidate.dst_desc() == pd.dst_desc())
        pd = candidate;
      return;
    }
  } while (candidate.next_impl());
}

/// Moves `pd` past the implementations whose name starts with `prefix`,
/// unless none other is left.
template <typename PrimitiveDesc>
void skipImpl(PrimitiveDesc &pd, const std::string &prefix) {
  PrimitiveDesc first = pd;
  while (std::string(pd.impl_info_str()).rfind(prefix, 0) == 0)
    if (!pd.next_impl()) {
      pd = first;
      return;
    }
}

StatusOr<Built> buildConv(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0], &w = ctx.shapes[1], &y = ctx.outShapes[0];
  size_t spatial = x.size() - 2;
  auto strides = ctx.attrs.ints("strides");
  auto pads = ctx.attrs.ints("pads");
  auto dilations = ctx.attrs.ints("dilations");
  int64_t groups = ctx.attrs.i("groups");
  memory::dims padL, padR, dil;
  for (size_t i = 0; i < spatial; ++i) {
    padL.push_back(pads[i]);
    padR.push_back(pads[i + spatial]);
    dil.push_back(dilations[i] - 1);
  }
  bool hasBias = ctx.has(2), hasResidual = ctx.has(3);
  // oneDNN 2.6 runs a strided 1x1 conv on channels-last data one output
  // row at a time, about 3x slower than the stride-1 case, which is one
  // GEMM over all pixels. Without padding, it equals the stride-1 conv of
  // every stride-th pixel: those are gathered first (ConvLikeKernel::
  // Gather, a small fraction of the conv's time), then it runs with
  // stride 1. (ResNets' downsampling convs.)
  Shape xConv = x;
  // int8: a quantized weight on int8 data (planInt8); bf16: where the
  // weight is stored so and the CPU computes it natively.
  bool depthwise = groups > 1 && groups == x[1] && w[0] == groups;
  std::optional<Int8Plan> int8 = planInt8(ctx);
  dt type = int8 ? int8->srcType : computeType(ctx, 1);
  dt dstType = int8 ? int8->dstType : type;
  dt weightCompute = int8 ? dt::s8 : type;
  bool gather =
      spatial == 2 && groups == 1 && w[2] == 1 && w[3] == 1 &&
      (strides[0] > 1 || strides[1] > 1) && isChannelsLast(ctx.layouts[0], x) &&
      storedType(ctx.layouts[0]) == type &&
      std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
  if (gather)
    xConv = {x[0], x[1], y[2], y[3]};
  auto convStrides = gather ? std::vector<int64_t>(2, 1) : strides;
  return guarded("conv", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ConvLikeKernel>();
    k->input = ctx.layouts[0];
    memory::desc anySrc(dims(xConv), type, gather ? tag::acdb : tag::any);
    // A result of one pixel (squeeze-and-excitation's convs) is plain: the
    // same bytes as any layout, and the op it feeds broadcasts it as such.
    bool onePixel =
        std::all_of(y.begin() + 2, y.end(), [](int64_t d) { return d == 1; });
    memory::desc anyDst = onePixel ? plainLayout(y, dstType)
                                   : memory::desc(dims(y), dstType, tag::any);
    k->hasBias = hasBias;
    k->hasResidual = hasResidual;
    if (hasResidual)
      k->residual = ctx.layouts[3];
    // Grouped weights are [G, O/G, I/G, ...]: the same bytes as OIHW.
    Shape wg = w;
    if (groups > 1) {
      wg[0] = w[0] / groups;
      wg.insert(wg.begin(), groups);
    }
    memory::desc userW = plainLayout(wg, weightType(ctx, 1));
    memory::desc anyW(dims(wg), weightCompute, tag::any);
    k->bias = memory::desc({w[0]}, dt::f32, tag::a);
    if (int8)
      k->scaledBias = int8->bias;
    // An int8 plan's sum post-op reads the residual as it is stored, when
    // dst's layout has its bytes; else it is reordered into dst first.
    Summand summand;
    if (int8 && hasResidual)
      summand = {ctx.scales[3] > 0 ? ctx.scales[3] : 1.f,
                 storedType(ctx.layouts[3])};
    Epilogue *deferred = &k->epilogue;
    dnnl::convolution_forward::desc d(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        anySrc, anyW, hasBias ? k->bias : memory::desc(), anyDst,
        dims(Shape(convStrides.begin(), convStrides.end())), dil, padL, padR);
    // The activation is known good once postOps accepted it.
    if (auto checked = postOps(ctx.attrs, hasResidual); !checked)
      return checked.status();
    auto describe = [&] {
      auto attr = postOps(ctx.attrs, hasResidual, deferred,
                          int8 ? &*int8 : nullptr, summand);
      return dnnl::convolution_forward::primitive_desc(d, *attr,
                                                       ctx.env.engine);
    };
    dnnl::convolution_forward::primitive_desc pd = describe();
    if (int8 && halveInt8Weights(ctx, *int8, pd.weights_desc(), depthwise)) {
      k->scaledBias = int8->bias;
      pd = describe();
    }
    // The deferred activation runs over all of dst, so dst must hold no
    // padding (a blocked layout's padded channels must stay zero).
    if (k->epilogue != Epilogue::kNone &&
        pd.dst_desc().get_size() !=
            numElements(y) * memory::data_type_size(dstType)) {
      deferred = nullptr;
      k->epilogue = Epilogue::kNone;
      pd = describe();
    }
    float residualScale = 1.f;
    if (int8 && hasResidual && !sameBytes(k->residual, pd.dst_desc())) {
      // Reordered into dst's type: real = dst's scale (1 for f32) * stored.
      float into = int8->dstScale > 0 ? int8->dstScale : 1.f;
      residualScale = summand.scale / into;
      summand = {into, dt::undef};
      pd = describe();
    }
    // A 3x3 depthwise conv of stride 1 on one image: oneDNN 2.6 lists
    // brdgmm_dw first, but its jit_dw runs these 20-35 % faster on
    // channels-last data (32x112x112 and 144x56x56: 29 vs 37 us, 31 vs
    // 42 us, 2 threads). 5x5 and strided ones are even, and in passes of
    // two images MobileNetV2 was 3 % slower with jit_dw.
    if (type == dt::f32 && x[0] == 1 && groups > 1 && groups == x[1] &&
        w[0] == groups && spatial == 2 && w[2] == 3 && w[3] == 3 &&
        strides[0] == 1 && strides[1] == 1)
      preferImpl(pd, "jit_dw:", [&] { return describe(); });
    // oneDNN 2.6's brgconv faults (SIGSEGV in its JIT code) when a sum
    // post-op meets output rows whose window lies wholly in the padding (a
    // pad of at least the dilated kernel extent; found by the conformance
    // suite): such convs take the next implementation.
    bool padOnlyWindows = false;
    for (size_t i = 0; i < spatial; ++i) {
      int64_t span = dilations[i] * (w[i + 2] - 1) + 1;
      padOnlyWindows =
          padOnlyWindows || pads[i] >= span || pads[i + spatial] >= span;
    }
    if (hasResidual && padOnlyWindows)
      skipImpl(pd, "brg");
    k->src = pd.src_desc();
    k->dst = pd.dst_desc();
    if (gather)
      k->gather = {x[0], x[1],       x[2],
                   x[3], strides[0], strides[1],
                   y[2], y[3],       memory::data_type_size(type)};
    if (gather || k->src != k->input)
      k->srcScratch = memory(k->src, ctx.env.engine);
    k->weight.prepare(ctx, 1, userW, pd.weights_desc(), groups > 1,
                      int8 ? &*int8 : nullptr);
    k->prim = dnnl::convolution_forward(pd);
    // Quantizing the input: stored = real / scale.
    float srcScale = int8 && ctx.scales[0] == 0 ? 1.f / int8->srcScale : 1.f;
    int inPlace = k->prepareMoves(ctx.env, srcScale, residualScale) ? 3 : -1;
    memory::desc outLayout = k->dst;
    std::vector<float> outScales;
    if (int8 && int8->dstScale > 0)
      outScales = {int8->dstScale};
    return Built{std::move(k), {outLayout}, inPlace, outScales};
  });
}

/// conv_transpose: oneDNN's deconvolution on plain f32 tensors. The weight
/// [C_in, C_out / G, k...] is described as it is stored (oneDNN's "io"
/// weight tags) and reordered once into the layout the primitive picks.
///
/// oneDNN 2.6 refuses a dilated deconvolution with a negative right padding
/// (output padding past the end padding). Output rows past the full
/// deconvolution receive no contribution, so the kernel then runs the
/// primitive with that padding at 0 into a scratch tensor (`inner`) and
/// extends it to the output with bias-only rows.
struct DeconvKernel : Kernel {
  dnnl::primitive prim;
  memory::desc src, dst, bias;
  PreparedWeight weight;
  bool hasBias = false;
  BoundMemory srcMem, dstMem, biasMem;
  Shape outer, inner; // inner is empty unless the primitive runs narrower
  memory scratch;
  std::unordered_map<int, memory> args;
  std::string implementation() const override { return implementationOf(prim); }
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    args[DNNL_ARG_SRC] = srcMem.at(src, env.engine, in[0].data);
    args[DNNL_ARG_WEIGHTS] = weight.get(env, in[1].data);
    args[DNNL_ARG_DST] =
        inner.empty() ? dstMem.at(dst, env.engine, out[0].data) : scratch;
    if (hasBias)
      args[DNNL_ARG_BIAS] = biasMem.at(bias, env.engine, in[2].data);
    prim.execute(env.stream, args);
    env.stream.wait();
    if (!inner.empty())
      extend(static_cast<const float *>(scratch.get_data_handle()),
             hasBias ? in[2].f32() : nullptr, out[0].f32());
  }
  void extend(const float *from, const float *b, float *y) const {
    const int64_t planes = outer[0] * outer[1];
    const int64_t area = numElements(outer) / planes;
    const int64_t innerArea = numElements(inner) / planes;
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      const float fill = b ? b[p % outer[1]] : 0.f;
      for (int64_t i = 0; i < area; ++i) {
        // Row-major index of i in `outer`'s spatial dims, and in `inner`'s.
        int64_t rest = i, at = 0, scale = 1;
        bool inside = true;
        for (size_t d = outer.size(); d-- > 2;) {
          int64_t idx = rest % outer[d];
          rest /= outer[d];
          inside = inside && idx < inner[d];
          at += idx * scale;
          scale *= inner[d];
        }
        y[p * area + i] = inside ? from[p * innerArea + at] : fill;
      }
    }
  }
};

StatusOr<Built> buildConvTranspose(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0], &w = ctx.shapes[1], &y = ctx.outShapes[0];
  size_t spatial = x.size() - 2;
  auto strides = ctx.attrs.ints("strides");
  auto pads = ctx.attrs.ints("pads");
  auto dilations = ctx.attrs.ints("dilations");
  auto outPad = ctx.attrs.ints("output_padding");
  int64_t groups = ctx.attrs.i("groups");
  // Output padding extends the end of the output: oneDNN takes it as a
  // negative right padding.
  memory::dims padL, padR, dil;
  bool dilated = false, negative = false;
  for (size_t i = 0; i < spatial; ++i) {
    padL.push_back(pads[i]);
    padR.push_back(pads[i + spatial] - outPad[i]);
    dil.push_back(dilations[i] - 1);
    dilated = dilated || dilations[i] > 1;
    negative = negative || padR.back() < 0;
  }
  // See DeconvKernel: the primitive then writes `inner`, the output less the
  // rows past the full deconvolution.
  Shape inner;
  if (dilated && negative) {
    inner = y;
    for (size_t i = 0; i < spatial; ++i)
      if (padR[i] < 0) {
        inner[i + 2] += padR[i];
        padR[i] = 0;
      }
  }
  // oneDNN's dims are [(G,) O, I, k...]; the bytes are [(G,) I, O, k...]:
  // tags with the first two (after G) swapped (iohw, giohw, ...).
  memory::dims wd;
  if (groups > 1)
    wd.push_back(groups);
  wd.push_back(w[1]);
  wd.push_back(w[0] / groups);
  wd.insert(wd.end(), w.begin() + 2, w.end());
  static constexpr tag kIo[] = {tag::bac, tag::bacd, tag::bacde};
  static constexpr tag kGio[] = {tag::acbd, tag::acbde, tag::acbdef};
  tag weightTag = groups > 1 ? kGio[spatial - 1] : kIo[spatial - 1];
  return guarded("conv_transpose", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<DeconvKernel>();
    k->src = plainLayout(x);
    k->dst = plainLayout(inner.empty() ? y : inner);
    k->outer = y;
    k->inner = inner;
    k->hasBias = ctx.has(2);
    k->bias = memory::desc({y[1]}, dt::f32, tag::a);
    memory::desc userW(wd, dt::f32, weightTag);
    memory::desc anyW(wd, dt::f32, tag::any);
    dnnl::deconvolution_forward::desc d(
        dnnl::prop_kind::forward_inference,
        dnnl::algorithm::deconvolution_direct, k->src, anyW,
        k->hasBias ? k->bias : memory::desc(), k->dst,
        dims(Shape(strides.begin(), strides.end())), dil, padL, padR);
    dnnl::deconvolution_forward::primitive_desc pd(d, ctx.env.engine);
    k->weight.prepare(ctx, 1, userW, pd.weights_desc(), groups > 1);
    k->prim = dnnl::deconvolution_forward(pd);
    if (!inner.empty())
      k->scratch = memory(k->dst, ctx.env.engine);
    return Built{std::move(k)};
  });
}

} // namespace

void cpu::appendConvOps(std::vector<OpDef> &ops) {
  ops.push_back({"conv", buildConv, anyLayout, Computes::kF32,
                 /*narrowWeight=*/1, /*readsInt8=*/true});
  ops.push_back({"conv_transpose", buildConvTranspose});
}
