//===- KernelsDnnl.cpp - tl ops on oneDNN primitives ----------------------===//
//
// Conv, fc and matmul with fused post-ops, pooling, normalization, softmax,
// LRN, reductions and elementwise math. Primitives are created for the
// concrete shapes of one execution plan; constant weights are reordered to
// the layout oneDNN prefers once, at build time.
//
//===----------------------------------------------------------------------===//

#include "Kernel.h"

#include "Activations.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include <omp.h>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

using namespace tlc::runtime;
using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

memory::dims dims(const Shape &s) { return memory::dims(s.begin(), s.end()); }

memory::desc plain(const Shape &s) { return plainLayout(s); }

std::string str(const Shape &s) { return shapeToString(s); }

/// Whether `layout` is channels-last (nhwc) for a 4-D `shape`.
bool isNhwc(const memory::desc &layout, const Shape &shape) {
  return shape.size() == 4 &&
         layout == memory::desc(dims(shape), dt::f32, tag::acdb);
}

/// oneDNN reports invalid configurations with exceptions; they never leave
/// this file.
template <typename Fn> StatusOr<Built> guarded(const char *op, Fn &&fn) {
  try {
    return fn();
  } catch (const dnnl::error &e) {
    return Status(StatusCode::kUnimplemented,
                  std::string(op) + ": oneDNN cannot run this configuration (" +
                      e.what() + ")");
  }
}

/// Strides and dilations must be positive and pads non-negative; a window
/// of `span` elements must fit in the padded input. Checked before oneDNN
/// sees them: a zero stride divides by zero, a negative pad reads outside.
Status checkWindow(const char *op, const Shape &x,
                   const std::vector<int64_t> &strides,
                   const std::vector<int64_t> &dilations,
                   const std::vector<int64_t> &pads) {
  size_t spatial = x.size() - 2;
  if (strides.size() != spatial || dilations.size() != spatial ||
      pads.size() != 2 * spatial)
    return invalidArgument(std::string(op) + ": strides, dilations and pads " +
                           "do not match the rank of input " + str(x));
  for (size_t i = 0; i < spatial; ++i)
    if (strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 ||
        pads[i + spatial] < 0)
      return invalidArgument(std::string(op) +
                             ": strides and dilations must be positive and "
                             "pads non-negative");
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Activations: tl's enum as oneDNN eltwise steps
//===----------------------------------------------------------------------===//

enum Activation {
  kNone = 0,
  kRelu,
  kClip,
  kSigmoid,
  kTanh,
  kHardSigmoid,
  kHardSwish,
  kSilu,
  kGelu,
  kLeakyRelu
};

struct EltStep {
  dnnl::algorithm alg;
  float alpha, beta;
};

StatusOr<std::vector<EltStep>> activationSteps(int64_t kind, float alpha,
                                               float beta) {
  using A = dnnl::algorithm;
  switch (kind) {
  case kNone:
    return std::vector<EltStep>{};
  case kRelu:
    return std::vector<EltStep>{{A::eltwise_relu, 0.f, 0.f}};
  case kClip:
    return std::vector<EltStep>{{A::eltwise_clip_v2, alpha, beta}};
  case kSigmoid:
    return std::vector<EltStep>{{A::eltwise_logistic, 0.f, 0.f}};
  case kTanh:
    return std::vector<EltStep>{{A::eltwise_tanh, 0.f, 0.f}};
  case kHardSigmoid: // max(0, min(1, alpha * x + beta))
    return std::vector<EltStep>{{A::eltwise_linear, alpha, beta},
                                {A::eltwise_clip_v2, 0.f, 1.f}};
  case kHardSwish:
    return std::vector<EltStep>{{A::eltwise_hardswish, 0.f, 0.f}};
  case kSilu:
    return std::vector<EltStep>{{A::eltwise_swish, 1.f, 0.f}};
  case kGelu:
    return std::vector<EltStep>{
        {alpha != 0.f ? A::eltwise_gelu_tanh : A::eltwise_gelu_erf, 0.f, 0.f}};
  case kLeakyRelu:
    return std::vector<EltStep>{{A::eltwise_relu, alpha, 0.f}};
  }
  return invalidArgument("unknown activation " + std::to_string(kind));
}

/// Post-ops of conv/fc: residual sum, then the activation. With `deferred`,
/// a SiLU or sigmoid activation is left out and named there instead, for
/// the kernel to apply after the primitive (Activations.h says why).
StatusOr<dnnl::primitive_attr> postOps(Attrs &attrs, bool residual,
                                       Epilogue *deferred = nullptr) {
  int64_t kind = attrs.i("activation");
  auto steps = activationSteps(kind, attrs.f("act_alpha"), attrs.f("act_beta"));
  if (!steps)
    return steps.status();
  if (deferred) {
    *deferred = kind == kSilu      ? Epilogue::kSilu
                : kind == kSigmoid ? Epilogue::kSigmoid
                                   : Epilogue::kNone;
    if (*deferred != Epilogue::kNone)
      steps->clear();
  }
  dnnl::post_ops po;
  if (residual)
    po.append_sum(1.f);
  for (const EltStep &s : *steps)
    po.append_eltwise(1.f, s.alg, s.alpha, s.beta);
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  return attr;
}

/// A weight in the layout a primitive wants: reordered once at build time
/// when constant, per run otherwise.
struct PreparedWeight {
  memory::desc user, wanted;
  memory reordered; // valid when constant and reordered
  bool needsReorder = false;

  void prepare(ExecEnv &env, const memory::desc &userMd,
               const memory::desc &wantedMd, const uint8_t *constant) {
    user = userMd;
    wanted = wantedMd;
    needsReorder = user != wanted;
    if (constant && needsReorder) {
      memory src(user, env.engine, const_cast<uint8_t *>(constant));
      reordered = memory(wanted, env.engine);
      dnnl::reorder(src, reordered).execute(env.stream, src, reordered);
      env.stream.wait();
    }
  }
  memory get(ExecEnv &env, uint8_t *data) {
    if (reordered)
      return reordered;
    memory src(user, env.engine, data);
    if (!needsReorder)
      return src;
    memory dst(wanted, env.engine);
    dnnl::reorder(src, dst).execute(env.stream, src, dst);
    return dst;
  }
};

//===----------------------------------------------------------------------===//
// Conv and fc
//===----------------------------------------------------------------------===//

struct ConvLikeKernel : Kernel {
  dnnl::primitive prim;
  memory::desc input, src, dst, bias, residual;
  PreparedWeight weight;
  bool hasBias = false, hasResidual = false;
  Epilogue epilogue = Epilogue::kNone; // applied to dst after the primitive
  memory srcScratch; // the input reordered to `src`, when they differ
  /// Set for a strided 1x1 conv run with stride 1 (see buildConv): every
  /// stride-th pixel of the nhwc input [n, c, h, w] goes to srcScratch.
  struct Gather {
    int64_t n = 0, c, h, w, strideH, strideW, outH, outW;
  } gather;

  void gatherPixels(const float *x, float *y) const {
    const Gather &g = gather;
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t b = 0; b < g.n; ++b)
      for (int64_t oh = 0; oh < g.outH; ++oh) {
        const float *row = x + ((b * g.h + oh * g.strideH) * g.w) * g.c;
        float *dst = y + ((b * g.outH + oh) * g.outW) * g.c;
        for (int64_t ow = 0; ow < g.outW; ++ow)
          std::memcpy(dst + ow * g.c, row + ow * g.strideW * g.c,
                      g.c * sizeof(float));
      }
  }

  BoundMemory inputMem, dstMem, biasMem, residualMem;
  dnnl::reorder toSrc, residualToDst; // made on first use
  std::unordered_map<int, memory> args;
  /// Set when this kernel took on the global average pool of its nhwc
  /// output (absorb): output 1 gets the [images, channels] means.
  struct Mean {
    int64_t images = 0, pixels, channels;
  } mean;

  bool absorb(Kernel &next) override;

  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    memory s = inputMem.at(input, env.engine, in[0].data);
    if (gather.n) {
      gatherPixels(in[0].f32(),
                   static_cast<float *>(srcScratch.get_data_handle()));
      s = srcScratch;
    } else if (srcScratch) {
      if (!toSrc)
        toSrc = dnnl::reorder(s, srcScratch);
      toSrc.execute(env.stream, s, srcScratch);
      s = srcScratch;
    }
    memory &d = dstMem.at(dst, env.engine, out[0].data);
    // The sum post-op adds to what dst holds; when the planner gave dst the
    // residual's buffer, it already holds it.
    if (hasResidual && in[3].data != out[0].data) {
      if (residual == dst) {
        std::memcpy(out[0].data, in[3].data, dst.get_size());
      } else {
        memory &r = residualMem.at(residual, env.engine, in[3].data);
        if (!residualToDst)
          residualToDst = dnnl::reorder(r, d);
        residualToDst.execute(env.stream, r, d);
      }
    }
    args[DNNL_ARG_SRC] = s;
    args[DNNL_ARG_WEIGHTS] = weight.get(env, in[1].data);
    args[DNNL_ARG_DST] = d;
    if (hasBias)
      args[DNNL_ARG_BIAS] = biasMem.at(bias, env.engine, in[2].data);
    prim.execute(env.stream, args);
    env.stream.wait();
    if (mean.images)
      applyEpilogueAndPool(epilogue, out[0].f32(), mean.images, mean.pixels,
                           mean.channels, false, out[1].f32());
    else
      applyEpilogue(epilogue, out[0].f32(),
                    static_cast<int64_t>(dst.get_size() / sizeof(float)));
  }
};

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

StatusOr<Built> buildConv(BuildContext &ctx) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  if (Status s = ctx.expectRank(0, 3, 5); !s)
    return s;
  const Shape &x = ctx.shapes[0], &w = ctx.shapes[1];
  size_t spatial = x.size() - 2;
  auto strides = ctx.attrs.ints("strides");
  auto pads = ctx.attrs.ints("pads");
  auto dilations = ctx.attrs.ints("dilations");
  int64_t groups = ctx.attrs.i("groups");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  if (Status s = checkWindow("conv", x, strides, dilations, pads); !s)
    return s;
  if (w.size() != x.size() || groups <= 0 || w[1] * groups != x[1] ||
      w[0] % groups != 0)
    return invalidArgument("conv: input " + str(x) + " and weight " + str(w) +
                           " do not match the attributes");
  Shape y = {x[0], w[0]};
  memory::dims padL, padR, dil;
  for (size_t i = 0; i < spatial; ++i) {
    int64_t span = dilations[i] * (w[i + 2] - 1) + 1;
    int64_t room = x[i + 2] + pads[i] + pads[i + spatial] - span;
    if (room < 0)
      return invalidArgument("conv: the kernel does not fit input " + str(x));
    y.push_back(room / strides[i] + 1);
    padL.push_back(pads[i]);
    padR.push_back(pads[i + spatial]);
    dil.push_back(dilations[i] - 1);
  }
  if (Status s = ctx.checkOutput(0, y); !s)
    return invalidArgument("conv: " + s.message());
  bool hasBias = ctx.present.size() > 2 && ctx.present[2];
  bool hasResidual = ctx.present.size() > 3 && ctx.present[3];
  if (hasResidual && ctx.shapes[3] != y)
    return invalidArgument("conv: residual " + str(ctx.shapes[3]) +
                           " does not match the output " + str(y));
  // oneDNN 2.6 runs a strided 1x1 conv on channels-last data one output
  // row at a time, about 3x slower than the stride-1 case, which is one
  // GEMM over all pixels. Without padding, it equals the stride-1 conv of
  // every stride-th pixel: those are gathered first (ConvLikeKernel::
  // Gather, a small fraction of the conv's time), then it runs with
  // stride 1. (ResNets' downsampling convs.)
  Shape xConv = x;
  bool gather =
      spatial == 2 && groups == 1 && w[2] == 1 && w[3] == 1 &&
      (strides[0] > 1 || strides[1] > 1) && isNhwc(ctx.layouts[0], x) &&
      std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
  if (gather)
    xConv = {x[0], x[1], y[2], y[3]};
  auto convStrides = gather ? std::vector<int64_t>(2, 1) : strides;
  return guarded("conv", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ConvLikeKernel>();
    // oneDNN picks the activation layouts (blocked, e.g. nChw16c); the
    // input is reordered only when its layout differs from the pick.
    k->input = ctx.layouts[0];
    memory::desc anySrc(dims(xConv), dt::f32, gather ? tag::acdb : tag::any);
    memory::desc anyDst(dims(y), dt::f32, tag::any);
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
    memory::desc userW = plain(wg);
    memory::desc anyW(dims(wg), dt::f32, tag::any);
    k->bias = memory::desc({w[0]}, dt::f32, tag::a);
    auto attr = postOps(ctx.attrs, hasResidual, &k->epilogue);
    if (!attr)
      return attr.status();
    dnnl::convolution_forward::desc d(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        anySrc, anyW, hasBias ? k->bias : memory::desc(), anyDst,
        dims(Shape(convStrides.begin(), convStrides.end())), dil, padL, padR);
    dnnl::convolution_forward::primitive_desc pd(d, *attr, ctx.env.engine);
    // The deferred activation runs over all of dst, so dst must hold no
    // padding (a blocked layout's padded channels must stay zero).
    if (k->epilogue != Epilogue::kNone &&
        pd.dst_desc().get_size() != numElements(y) * sizeof(float)) {
      attr = postOps(ctx.attrs, hasResidual);
      k->epilogue = Epilogue::kNone;
      pd = dnnl::convolution_forward::primitive_desc(d, *attr, ctx.env.engine);
    }
    // A 3x3 depthwise conv of stride 1 on one image: oneDNN 2.6 lists
    // brdgmm_dw first, but its jit_dw runs these 20-35 % faster on
    // channels-last data (32x112x112 and 144x56x56: 29 vs 37 us, 31 vs
    // 42 us, 2 threads). 5x5 and strided ones are even, and in passes of
    // two images MobileNetV2 was 3 % slower with jit_dw.
    if (x[0] == 1 && groups > 1 && groups == x[1] && w[0] == groups &&
        spatial == 2 && w[2] == 3 && w[3] == 3 && strides[0] == 1 &&
        strides[1] == 1)
      preferImpl(pd, "jit_dw:", [&] {
        return dnnl::convolution_forward::primitive_desc(d, *attr,
                                                         ctx.env.engine);
      });
    k->src = pd.src_desc();
    k->dst = pd.dst_desc();
    if (gather)
      k->gather = {x[0], x[1], x[2], x[3], strides[0], strides[1], y[2], y[3]};
    if (gather || k->src != k->input)
      k->srcScratch = memory(k->src, ctx.env.engine);
    k->weight.prepare(ctx.env, userW, pd.weights_desc(), ctx.weights[1]);
    k->prim = dnnl::convolution_forward(pd);
    memory::desc outLayout = k->dst;
    int inPlace = hasResidual && k->residual == k->dst ? 3 : -1;
    return Built{{y}, {DType::kF32}, std::move(k), {outLayout}, inPlace};
  });
}

StatusOr<Built> buildFc(BuildContext &ctx) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  const Shape &x = ctx.shapes[0], &w = ctx.shapes[1];
  if (x.size() != 2 || w.size() != 2 || x[1] != w[1])
    return invalidArgument("fc: input " + str(x) + " and weight " + str(w) +
                           " do not match");
  Shape y = {x[0], w[0]};
  bool hasBias = ctx.present.size() > 2 && ctx.present[2];
  bool hasResidual = ctx.present.size() > 3 && ctx.present[3];
  if (hasResidual && ctx.shapes[3] != y)
    return invalidArgument("fc: residual does not match the output");
  return guarded("fc", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ConvLikeKernel>();
    k->input = k->src = plain(x);
    k->dst = plain(y);
    k->hasBias = hasBias;
    k->hasResidual = hasResidual;
    k->residual = k->dst;
    k->bias = memory::desc({w[0]}, dt::f32, tag::a);
    auto attr = postOps(ctx.attrs, hasResidual, &k->epilogue);
    if (!attr)
      return attr.status();
    dnnl::inner_product_forward::desc d(
        dnnl::prop_kind::forward_inference, k->src,
        memory::desc(dims(w), dt::f32, tag::any),
        hasBias ? k->bias : memory::desc(), k->dst);
    dnnl::inner_product_forward::primitive_desc pd(d, *attr, ctx.env.engine);
    k->weight.prepare(ctx.env, plain(w), pd.weights_desc(), ctx.weights[1]);
    k->prim = dnnl::inner_product_forward(pd);
    return Built{{y}, {DType::kF32}, std::move(k)};
  });
}

//===----------------------------------------------------------------------===//
// Primitives with one source and one destination
//===----------------------------------------------------------------------===//

/// Runs a chain of single-source primitives, the first out of place.
struct ChainKernel : Kernel {
  std::vector<dnnl::primitive> prims;
  memory::desc src, dst;
  BoundMemory srcMem, dstMem;
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const memory &s = srcMem.at(src, env.engine, in[0].data);
    memory &d = dstMem.at(dst, env.engine, out[0].data);
    for (size_t i = 0; i < prims.size(); ++i)
      prims[i].execute(env.stream,
                       {{DNNL_ARG_SRC, i == 0 ? s : d}, {DNNL_ARG_DST, d}});
    env.stream.wait();
  }
};

StatusOr<Built> buildEltwiseSteps(BuildContext &ctx,
                                  StatusOr<std::vector<EltStep>> steps) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  if (!steps)
    return steps.status();
  const Shape &x = ctx.shapes[0];
  return guarded("eltwise", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ChainKernel>();
    k->src = k->dst = ctx.layouts[0]; // elementwise: any layout, kept
    if (steps->empty())
      steps->push_back({dnnl::algorithm::eltwise_linear, 1.f, 0.f});
    for (const EltStep &s : *steps) {
      dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, s.alg,
                                    k->src, s.alpha, s.beta);
      k->prims.push_back(dnnl::eltwise_forward(
          dnnl::eltwise_forward::primitive_desc(d, ctx.env.engine)));
    }
    memory::desc layout = k->dst;
    return Built{{x}, {DType::kF32}, std::move(k), {layout}};
  });
}

template <dnnl::algorithm Alg, int Alpha10 = 0, int Beta10 = 0>
StatusOr<Built> buildEltwise(BuildContext &ctx) {
  return buildEltwiseSteps(
      ctx, std::vector<EltStep>{{Alg, Alpha10 / 10.f, Beta10 / 10.f}});
}

StatusOr<Built> buildClip(BuildContext &ctx) {
  float lo = ctx.attrs.f("min"), hi = ctx.attrs.f("max");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  return buildEltwiseSteps(
      ctx, std::vector<EltStep>{{dnnl::algorithm::eltwise_clip_v2, lo, hi}});
}

StatusOr<Built> buildHardSigmoid(BuildContext &ctx) {
  float a = ctx.attrs.f("alpha"), b = ctx.attrs.f("beta");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  return buildEltwiseSteps(ctx, activationSteps(kHardSigmoid, a, b));
}

StatusOr<Built> buildLeakyRelu(BuildContext &ctx) {
  float a = ctx.attrs.f("alpha");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  return buildEltwiseSteps(ctx, activationSteps(kLeakyRelu, a, 0.f));
}

StatusOr<Built> buildGelu(BuildContext &ctx) {
  bool approximate = ctx.attrs.i("approximate") != 0;
  if (Status s = ctx.attrs.status(); !s)
    return s;
  return buildEltwiseSteps(ctx, activationSteps(kGelu, approximate, 0.f));
}

/// Pool output extent, with PyTorch's ceil-mode rule.
int64_t pooledDim(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb,
                  int64_t pe, bool ceil) {
  int64_t room = in + pb + pe - (d * (k - 1) + 1);
  int64_t out = (ceil ? (room + s - 1) / s : room / s) + 1;
  if (ceil && (out - 1) * s >= in + pb)
    --out;
  return out;
}

StatusOr<Built> buildPool(BuildContext &ctx, bool isMax) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  if (Status s = ctx.expectRank(0, 3, 5); !s)
    return s;
  const Shape &x = ctx.shapes[0];
  size_t spatial = x.size() - 2;
  auto kernel = ctx.attrs.ints("kernel_shape");
  auto strides = ctx.attrs.ints("strides");
  auto pads = ctx.attrs.ints("pads");
  auto dilations =
      isMax ? ctx.attrs.ints("dilations") : std::vector<int64_t>(spatial, 1);
  bool ceil = ctx.attrs.i("ceil_mode") != 0;
  bool includePad = !isMax && ctx.attrs.i("count_include_pad") != 0;
  if (Status s = ctx.attrs.status(); !s)
    return s;
  if (Status s = checkWindow("pool", x, strides, dilations, pads); !s)
    return s;
  if (kernel.size() != spatial || std::any_of(kernel.begin(), kernel.end(),
                                              [](int64_t k) { return k < 1; }))
    return invalidArgument("pool: kernel_shape does not match input " + str(x));
  Shape y = {x[0], x[1]};
  memory::dims padL, padR, dil;
  for (size_t i = 0; i < spatial; ++i) {
    if (x[i + 2] + pads[i] + pads[i + spatial] <
        dilations[i] * (kernel[i] - 1) + 1)
      return invalidArgument("pool: the window does not fit input " + str(x));
    int64_t o = pooledDim(x[i + 2], kernel[i], strides[i], dilations[i],
                          pads[i], pads[i + spatial], ceil);
    y.push_back(o);
    padL.push_back(pads[i]);
    // oneDNN wants the right padding that makes the last window fit.
    int64_t need = (o - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 -
                   x[i + 2] - pads[i];
    padR.push_back(std::max<int64_t>(need, 0));
    dil.push_back(dilations[i] - 1);
  }
  if (Status s = ctx.checkOutput(0, y); !s)
    return invalidArgument("pool: " + s.message());
  return guarded("pool", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ChainKernel>();
    k->src = ctx.layouts[0];
    memory::desc anyDst(dims(y), dt::f32, tag::any);
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
    return Built{{y}, {DType::kF32}, std::move(k), {layout}};
  });
}

StatusOr<Built> buildMaxPool(BuildContext &ctx) { return buildPool(ctx, true); }
StatusOr<Built> buildAvgPool(BuildContext &ctx) {
  return buildPool(ctx, false);
}

/// Reductions over a set of dims (global pools, reduce_mean).
StatusOr<Built> buildReduction(BuildContext &ctx, dnnl::algorithm alg,
                               const std::vector<bool> &reduced,
                               bool keepdims) {
  const Shape &x = ctx.shapes[0];
  Shape kept = x, y;
  for (size_t i = 0; i < x.size(); ++i) {
    if (reduced[i])
      kept[i] = 1;
    if (!reduced[i] || keepdims)
      y.push_back(kept[i]);
  }
  return guarded("reduction", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ChainKernel>();
    // Plain only: oneDNN 2.6 reduces blocked sources with its slow
    // reference kernel, so the planner reorders them first.
    k->src = plain(x);
    k->dst = plain(kept);
    dnnl::reduction::desc d(alg, k->src, k->dst, 0.f, 0.f);
    k->prims.push_back(
        dnnl::reduction(dnnl::reduction::primitive_desc(d, ctx.env.engine)));
    return Built{{y}, {DType::kF32}, std::move(k)};
  });
}

/// Global pooling of an nhwc tensor: per image, a pass over H*W rows of C
/// contiguous channels. oneDNN 2.6 only has a slow reference kernel for
/// this, and reordering the whole map to plain first costs more than the
/// pooling; the [N, C, 1, 1] result is the same bytes in nhwc and nchw.
struct NhwcGlobalPoolKernel : Kernel {
  int64_t n, c, hw;
  bool isMax;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    // With no activation the source is only read.
    applyEpilogueAndPool(Epilogue::kNone, in[0].f32(), n, hw, c, isMax,
                         out[0].f32());
  }
};

/// A conv whose nhwc output is average-pooled right after computes
/// the means in the pass that applies its activation, while each block is
/// in cache: EfficientNet's squeeze-and-excitation pools the SiLU output of
/// every depthwise conv.
bool ConvLikeKernel::absorb(Kernel &next) {
  auto *pool = dynamic_cast<NhwcGlobalPoolKernel *>(&next);
  memory::dims d = dst.dims();
  if (!pool || pool->isMax || mean.images || d.size() != 4 ||
      dst != memory::desc(d, dt::f32, tag::acdb) || d[0] != pool->n ||
      d[1] != pool->c || d[2] * d[3] != pool->hw)
    return false;
  mean = {pool->n, pool->hw, pool->c};
  return true;
}

StatusOr<Built> buildGlobalPool(BuildContext &ctx, dnnl::algorithm alg) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  if (Status s = ctx.expectRank(0, 3); !s)
    return s;
  const Shape &x = ctx.shapes[0];
  if (isNhwc(ctx.layouts[0], x) && x[2] * x[3] > 0) {
    auto k = std::make_unique<NhwcGlobalPoolKernel>();
    k->n = x[0];
    k->c = x[1];
    k->hw = x[2] * x[3];
    k->isMax = alg == dnnl::algorithm::reduction_max;
    return Built{{{x[0], x[1], 1, 1}}, {DType::kF32}, std::move(k)};
  }
  std::vector<bool> reduced(ctx.shapes[0].size(), true);
  reduced[0] = reduced[1] = false;
  return buildReduction(ctx, alg, reduced, true);
}

StatusOr<Built> buildGlobalAvgPool(BuildContext &ctx) {
  return buildGlobalPool(ctx, dnnl::algorithm::reduction_mean);
}
StatusOr<Built> buildGlobalMaxPool(BuildContext &ctx) {
  return buildGlobalPool(ctx, dnnl::algorithm::reduction_max);
}

StatusOr<Built> buildReduceMean(BuildContext &ctx) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  auto axes = ctx.attrs.ints("axes");
  bool keepdims = ctx.attrs.i("keepdims") != 0;
  if (Status s = ctx.attrs.status(); !s)
    return s;
  int64_t rank = ctx.shapes[0].size();
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      return invalidArgument("reduce_mean: axis out of range");
    reduced[a < 0 ? a + rank : a] = true;
  }
  return buildReduction(ctx, dnnl::algorithm::reduction_mean, reduced,
                        keepdims);
}

StatusOr<Built> buildSoftmax(BuildContext &ctx) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  int64_t axis = ctx.attrs.i("axis");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  const Shape &x = ctx.shapes[0];
  int64_t rank = x.size();
  if (axis < -rank || axis >= rank)
    return invalidArgument("softmax: axis out of range");
  return guarded("softmax", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ChainKernel>();
    k->src = k->dst = plain(x);
    dnnl::softmax_forward::desc d(
        dnnl::prop_kind::forward_inference, k->src,
        static_cast<int>(axis < 0 ? axis + rank : axis));
    k->prims.push_back(dnnl::softmax_forward(
        dnnl::softmax_forward::primitive_desc(d, ctx.env.engine)));
    return Built{{x}, {DType::kF32}, std::move(k)};
  });
}

StatusOr<Built> buildLrn(BuildContext &ctx) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  if (Status s = ctx.expectRank(0, 3, 5); !s)
    return s;
  int64_t size = ctx.attrs.i("size");
  float alpha = ctx.attrs.f("alpha"), beta = ctx.attrs.f("beta"),
        bias = ctx.attrs.f("bias");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  const Shape &x = ctx.shapes[0];
  return guarded("lrn", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ChainKernel>();
    k->src = k->dst = plain(x);
    dnnl::lrn_forward::desc d(dnnl::prop_kind::forward_inference,
                              dnnl::algorithm::lrn_across_channels, k->src,
                              size, alpha, beta, bias);
    k->prims.push_back(dnnl::lrn_forward(
        dnnl::lrn_forward::primitive_desc(d, ctx.env.engine)));
    return Built{{x}, {DType::kF32}, std::move(k)};
  });
}

//===----------------------------------------------------------------------===//
// Binary ops and matmul
//===----------------------------------------------------------------------===//

/// Numpy broadcasting of two shapes; false if incompatible.
bool broadcastShapes(const Shape &a, const Shape &b, Shape &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

Shape padRank(const Shape &s, size_t rank) {
  Shape out(rank - s.size(), 1);
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

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
  if (Status s = ctx.expectF32(); !s)
    return s;
  Shape y;
  if (!broadcastShapes(ctx.shapes[0], ctx.shapes[1], y))
    return invalidArgument("shapes " + str(ctx.shapes[0]) + " and " +
                           str(ctx.shapes[1]) + " do not broadcast");
  Shape a = padRank(ctx.shapes[0], y.size()),
        b = padRank(ctx.shapes[1], y.size());
  bool swap = a != y && b == y && commutative;
  // Operands in a blocked layout: the same layout and shape, or a plain
  // operand broadcast over a blocked one (squeeze-excite's x * s[N,C,1,1],
  // in either order for commutative ops).
  if (ctx.layouts[0] != plain(ctx.shapes[0]) ||
      ctx.layouts[1] != plain(ctx.shapes[1])) {
    bool same =
        ctx.shapes[0] == ctx.shapes[1] && ctx.layouts[0] == ctx.layouts[1];
    // The operand with the result's shape; the blocked one if both have it.
    int big =
        same || (a == y && (b != y || ctx.layouts[0] != plain(ctx.shapes[0])))
            ? 0
            : 1;
    const Shape &small = big == 0 ? b : a;
    bool perChannel = !same && (big == 0 || commutative) &&
                      small.size() == y.size() &&
                      ctx.layouts[1 - big] == plain(ctx.shapes[1 - big]);
    if (!alg || !(same || perChannel))
      return Status(StatusCode::kInternal,
                    "binary op given non-plain operands it cannot combine");
    memory::desc layout = ctx.layouts[big];
    // In place when the nhwc operand dies here: one stream over memory
    // rather than two.
    if (perChannel && isNhwc(layout, y))
      if (auto k = nhwcChannelBinary(*alg, y, small, big == 1))
        return Built{{y}, {DType::kF32}, std::move(k), {layout}, big};
    return guarded("binary", [&]() -> StatusOr<Built> {
      auto k = std::make_unique<BinaryKernel>();
      k->swapped = big == 1;
      k->a = k->y = layout;
      k->b = same ? layout : plain(small);
      dnnl::binary::desc d(*alg, k->a, k->b, k->y);
      k->prim = dnnl::binary(dnnl::binary::primitive_desc(d, ctx.env.engine));
      return Built{{y}, {DType::kF32}, std::move(k), {layout}};
    });
  }
  if (alg && (a == y || swap) && !y.empty()) {
    return guarded("binary", [&]() -> StatusOr<Built> {
      auto k = std::make_unique<BinaryKernel>();
      k->swapped = swap;
      k->a = plain(swap ? b : a);
      k->b = plain(swap ? a : b);
      k->y = plain(y);
      dnnl::binary::desc d(*alg, k->a, k->b, k->y);
      k->prim = dnnl::binary(dnnl::binary::primitive_desc(d, ctx.env.engine));
      return Built{{y}, {DType::kF32}, std::move(k)};
    });
  }
  auto k = std::make_unique<BroadcastKernel>();
  k->a = a;
  k->b = b;
  k->y = y;
  k->fn = fn;
  return Built{{y}, {DType::kF32}, std::move(k)};
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
  auto built = buildBinary(c, std::nullopt, false, [](float x, float s) {
    return x >= 0.f ? x : s * x;
  });
  if (built && built->outShapes[0] != c.shapes[0])
    return invalidArgument("prelu: the slope does not broadcast to the input");
  return built;
}

struct MatMulKernel : Kernel {
  dnnl::matmul prim;
  memory::desc a, b, y;
  BoundMemory aMem, bMem, yMem;
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    prim.execute(env.stream,
                 {{DNNL_ARG_SRC, aMem.at(a, env.engine, in[0].data)},
                  {DNNL_ARG_WEIGHTS, bMem.at(b, env.engine, in[1].data)},
                  {DNNL_ARG_DST, yMem.at(y, env.engine, out[0].data)}});
    env.stream.wait();
  }
};

StatusOr<Built> buildMatMul(BuildContext &ctx) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  Shape a = ctx.shapes[0], b = ctx.shapes[1];
  if (a.empty() || b.empty())
    return invalidArgument("matmul: operands must have rank >= 1");
  bool vecA = a.size() == 1, vecB = b.size() == 1;
  if (vecA)
    a.insert(a.begin(), 1);
  if (vecB)
    b.push_back(1);
  if (a.back() != b[b.size() - 2])
    return invalidArgument("matmul: " + str(ctx.shapes[0]) + " x " +
                           str(ctx.shapes[1]) + " do not contract");
  Shape batch;
  if (!broadcastShapes(Shape(a.begin(), a.end() - 2),
                       Shape(b.begin(), b.end() - 2), batch))
    return invalidArgument("matmul: batch dims do not broadcast");
  size_t rank = batch.size() + 2;
  a = padRank(a, rank);
  b = padRank(b, rank);
  Shape y = batch;
  y.push_back(a[rank - 2]);
  y.push_back(b[rank - 1]);
  Shape result = batch;
  if (!vecA)
    result.push_back(a[rank - 2]);
  if (!vecB)
    result.push_back(b[rank - 1]);
  return guarded("matmul", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<MatMulKernel>();
    k->a = plain(a);
    k->b = plain(b);
    k->y = plain(y);
    dnnl::matmul::desc d(k->a, k->b, k->y);
    k->prim = dnnl::matmul(dnnl::matmul::primitive_desc(d, ctx.env.engine));
    return Built{{result}, {DType::kF32}, std::move(k)};
  });
}

//===----------------------------------------------------------------------===//
// Normalization and math oneDNN lacks, in plain C++
//===----------------------------------------------------------------------===//

/// Inference batch norm as a per-channel affine map.
struct BatchNormKernel : Kernel {
  Shape x;
  float epsilon;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    int64_t n = x[0], c = x[1],
            inner = numElements(x) / std::max<int64_t>(n * c, 1);
    const float *scale = in[1].f32(), *bias = in[2].f32(), *mean = in[3].f32(),
                *var = in[4].f32();
    const float *src = in[0].f32();
    float *dst = out[0].f32();
    for (int64_t ch = 0; ch < c; ++ch) {
      float a = scale[ch] / std::sqrt(var[ch] + epsilon);
      float b = bias[ch] - mean[ch] * a;
      for (int64_t i = 0; i < n; ++i) {
        const float *s = src + (i * c + ch) * inner;
        float *d = dst + (i * c + ch) * inner;
        for (int64_t j = 0; j < inner; ++j)
          d[j] = s[j] * a + b;
      }
    }
  }
};

StatusOr<Built> buildBatchNorm(BuildContext &ctx) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  if (Status s = ctx.expectRank(0, 2); !s)
    return s;
  auto k = std::make_unique<BatchNormKernel>();
  k->x = ctx.shapes[0];
  k->epsilon = ctx.attrs.f("epsilon");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  for (size_t i = 1; i < 5; ++i)
    if (ctx.shapes[i] != Shape{k->x[1]})
      return invalidArgument("batch_norm: statistics must have " +
                             std::to_string(k->x[1]) + " elements");
  Shape x = k->x;
  return Built{{x}, {DType::kF32}, std::move(k)};
}

struct LayerNormKernel : Kernel {
  int64_t outer, inner;
  Shape scaleShape, biasShape, normShape;
  bool hasBias;
  float epsilon;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const float *src = in[0].f32(), *scale = in[1].f32();
    const float *bias = hasBias ? in[2].f32() : nullptr;
    int64_t ns = numElements(scaleShape),
            nb = hasBias ? numElements(biasShape) : 1;
    for (int64_t o = 0; o < outer; ++o) {
      const float *s = src + o * inner;
      float *d = out[0].f32() + o * inner;
      double mean = 0, var = 0;
      for (int64_t j = 0; j < inner; ++j)
        mean += s[j];
      mean /= inner;
      for (int64_t j = 0; j < inner; ++j)
        var += (s[j] - mean) * (s[j] - mean);
      float inv = 1.f / std::sqrt(static_cast<float>(var / inner) + epsilon);
      // Scale and bias broadcast over the normalized dims (trailing).
      for (int64_t j = 0; j < inner; ++j) {
        float v = (s[j] - static_cast<float>(mean)) * inv * scale[j % ns];
        d[j] = bias ? v + bias[j % nb] : v;
      }
    }
  }
};

StatusOr<Built> buildLayerNorm(BuildContext &ctx) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  const Shape &x = ctx.shapes[0];
  int64_t axis = ctx.attrs.i("axis");
  float eps = ctx.attrs.f("epsilon");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  int64_t rank = x.size();
  if (axis < -rank || axis >= rank)
    return invalidArgument("layer_norm: axis out of range");
  if (axis < 0)
    axis += rank;
  auto k = std::make_unique<LayerNormKernel>();
  k->outer = numElements(Shape(x.begin(), x.begin() + axis));
  k->inner = numElements(Shape(x.begin() + axis, x.end()));
  k->scaleShape = ctx.shapes[1];
  k->hasBias = ctx.present.size() > 2 && ctx.present[2];
  if (k->hasBias)
    k->biasShape = ctx.shapes[2];
  // Only trailing broadcasting ([..., C] scales) maps to j % size.
  Shape normalized(x.begin() + axis, x.end());
  for (const Shape *s : {&k->scaleShape, &k->biasShape}) {
    if (s->empty() && s == &k->biasShape)
      continue;
    Shape merged;
    if (!broadcastShapes(normalized, *s, merged) || merged != normalized ||
        (numElements(*s) != k->inner &&
         numElements(*s) != (normalized.empty() ? 1 : normalized.back())))
      return Status(StatusCode::kUnimplemented,
                    "layer_norm: scale/bias of shape " + str(*s) + " over " +
                        str(normalized) + " is not supported");
  }
  k->epsilon = eps;
  return Built{{x}, {DType::kF32}, std::move(k)};
}

/// Math oneDNN 2.6 has no eltwise for.
struct MapKernel : Kernel {
  float (*fn)(float);
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    int64_t n = numElements(in[0].shape);
    const float *s = in[0].f32();
    float *d = out[0].f32();
    for (int64_t i = 0; i < n; ++i)
      d[i] = fn(s[i]);
  }
};

StatusOr<Built> buildErf(BuildContext &ctx) {
  if (Status s = ctx.expectF32(); !s)
    return s;
  auto k = std::make_unique<MapKernel>();
  k->fn = [](float x) { return std::erf(x); };
  return Built{{ctx.shapes[0]}, {DType::kF32}, std::move(k)};
}

/// Copies n floats; with `stream`, by streaming stores (then n is a
/// multiple of 4 and dst 16-byte aligned; the caller fences).
inline void copyFloats(float *dst, const float *src, int64_t n, bool stream) {
#if defined(__SSE2__)
  if (stream) {
    for (int64_t c = 0; c < n; c += 4)
      _mm_stream_ps(dst + c, _mm_loadu_ps(src + c));
    return;
  }
#endif
  (void)stream;
  // Inline rather than memcpy: runs here are a pixel's channels, a few
  // hundred bytes, where a call costs as much as the copy (SqueezeNet's
  // [1, 128, 55, 55] concat: 74-132 us with memcpy).
#pragma omp simd
  for (int64_t c = 0; c < n; ++c)
    dst[c] = src[c];
}

/// Channel concat of nhwc tensors: per pixel, each input's channels are
/// one contiguous run, so the output stays nhwc with no reorders.
struct NhwcConcatKernel : Kernel {
  int64_t pixels;
  std::vector<int64_t> channels;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    int64_t total = 0;
    for (int64_t c : channels)
      total += c;
    float *dst = out[0].f32();
    size_t bytes = pixels * total * sizeof(float);
    // A memory-bound copy: threads only pay off past a few hundred KiB.
    bool parallel = bytes >= (256 << 10);
    // An output larger than the caches is written with streaming stores,
    // which skip reading each destination line before writing it (a third
    // of the traffic); they need 16-byte aligned runs of 4 floats.
    bool stream = false;
#if defined(__SSE2__)
    stream = bytes >= (8 << 20) && reinterpret_cast<uintptr_t>(dst) % 16 == 0 &&
             std::all_of(channels.begin(), channels.end(),
                         [](int64_t c) { return c % 4 == 0; });
#endif
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t p = 0; p < pixels; ++p) {
      float *row = dst + p * total;
      for (size_t i = 0; i < in.size(); ++i) {
        copyFloats(row, in[i].f32() + p * channels[i], channels[i], stream);
        row += channels[i];
      }
    }
#if defined(__SSE2__)
    if (stream)
      _mm_sfence();
#endif
  }
};

/// Concat along channels when every input is nhwc; otherwise the planner
/// makes them plain for the generic byte concat (KernelsTensor.cpp).
bool nhwcChannelConcat(const BuildContext &ctx) {
  for (size_t i = 0; i < ctx.shapes.size(); ++i)
    if (!isNhwc(ctx.layouts[i], ctx.shapes[i]))
      return false;
  return !ctx.shapes.empty();
}

StatusOr<Built> buildConcat(BuildContext &ctx) {
  int64_t axis = ctx.attrs.i("axis");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  if (!nhwcChannelConcat(ctx))
    return buildConcatBytes(ctx);
  if (axis != 1 && axis != -3)
    return Status(StatusCode::kInternal, "nhwc concat along a non-channel "
                                         "axis");
  Shape y = ctx.shapes[0];
  y[1] = 0;
  auto k = std::make_unique<NhwcConcatKernel>();
  for (const Shape &s : ctx.shapes) {
    if (s[0] != y[0] || s[2] != y[2] || s[3] != y[3])
      return invalidArgument("concat: input " + str(s) +
                             " does not match outside the axis");
    k->channels.push_back(s[1]);
    y[1] += s[1];
  }
  k->pixels = y[0] * y[2] * y[3];
  memory::desc layout(dims(y), dt::f32, tag::acdb);
  return Built{{y}, {DType::kF32}, std::move(k), {layout}};
}

/// Channel concat (axis 1) of nhwc tensors runs without reorders.
bool concatLayouts(const BuildContext &ctx) {
  if (!nhwcChannelConcat(ctx) || !ctx.attrs.has("axis"))
    return false;
  int64_t axis = ctx.attrs.i("axis");
  return axis == 1 || axis == -3;
}

bool anyLayout(const BuildContext &) { return true; }

bool plainOrNhwc(const BuildContext &ctx) {
  return ctx.layouts[0] == plain(ctx.shapes[0]) ||
         isNhwc(ctx.layouts[0], ctx.shapes[0]);
}

/// Binary ops keep a blocked layout when both operands share it, or when
/// the second is a plain operand broadcast over the first.
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
    if (ctx.layouts[small] == plainLayout(ctx.shapes[small]) &&
        broadcastsInto(ctx.shapes[small], ctx.shapes[big]))
      return true;
  }
  return false;
}

struct ReorderKernel : Kernel {
  memory::desc from, to;
  dnnl::reorder prim;
  BoundMemory fromMem, toMem;
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    prim.execute(env.stream, fromMem.at(from, env.engine, in[0].data),
                 toMem.at(to, env.engine, out[0].data));
    env.stream.wait();
  }
};

} // namespace

std::unique_ptr<Kernel>
tlc::runtime::makeReorderKernel(const memory::desc &from,
                                const memory::desc &to, ExecEnv &env) {
  auto k = std::make_unique<ReorderKernel>();
  k->from = from;
  k->to = to;
  k->prim = dnnl::reorder(
      dnnl::reorder::primitive_desc(env.engine, from, env.engine, to));
  return k;
}

memory::desc tlc::runtime::plainLayout(const Shape &s) {
  // A zero descriptor stands for what oneDNN cannot describe (scalars,
  // dynamic or empty dims, ranks past DNNL_MAX_NDIMS); such values are
  // plain by construction.
  if (s.empty() || s.size() > DNNL_MAX_NDIMS ||
      std::any_of(s.begin(), s.end(), [](int64_t d) { return d <= 0; }))
    return memory::desc();
  memory::dims strides(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * s[i + 1];
  try {
    return memory::desc(dims(s), dt::f32, strides);
  } catch (const dnnl::error &) {
    return memory::desc();
  }
}

void tlc::runtime::appendDnnlOps(std::vector<OpDef> &ops) {
  using A = dnnl::algorithm;
  using namespace samples;
  ops.insert(
      ops.end(),
      {
          {"conv", buildConv, anyLayout, layer},
          {"concat", buildConcat, concatLayouts, samples::concat},
          {"fc", buildFc, nullptr, layer},
          {"matmul", buildMatMul, nullptr, samples::matmul},
          {"batch_norm", buildBatchNorm, nullptr, perSample},
          {"layer_norm", buildLayerNorm, nullptr, fromAxis},
          {"relu", buildEltwise<A::eltwise_relu>, anyLayout, perSample},
          {"sigmoid", buildEltwise<A::eltwise_logistic>, anyLayout, perSample},
          {"tanh", buildEltwise<A::eltwise_tanh>, anyLayout, perSample},
          {"hard_swish", buildEltwise<A::eltwise_hardswish>, anyLayout,
           perSample},
          {"silu", buildEltwise<A::eltwise_swish, 10>, anyLayout, perSample},
          {"sqrt", buildEltwise<A::eltwise_sqrt>, anyLayout, perSample},
          {"exp", buildEltwise<A::eltwise_exp>, anyLayout, perSample},
          {"log", buildEltwise<A::eltwise_log>, anyLayout, perSample},
          {"abs", buildEltwise<A::eltwise_abs>, anyLayout, perSample},
          {"neg", buildEltwise<A::eltwise_linear, -10, 0>, anyLayout,
           perSample},
          {"reciprocal", buildEltwise<A::eltwise_pow, 10, -10>, anyLayout,
           perSample},
          {"erf", buildErf, nullptr, perSample},
          {"clip", buildClip, anyLayout, perSample},
          {"hard_sigmoid", buildHardSigmoid, anyLayout, perSample},
          {"leaky_relu", buildLeakyRelu, anyLayout, perSample},
          {"gelu", buildGelu, anyLayout, perSample},
          {"add", buildAdd, binaryLayouts<true>, broadcasting},
          {"sub", buildSub, binaryLayouts<false>, broadcasting},
          {"mul", buildMul, binaryLayouts<true>, broadcasting},
          {"div", buildDiv, binaryLayouts<false>, broadcasting},
          {"max", buildMax, binaryLayouts<true>, broadcasting},
          {"min", buildMin, binaryLayouts<true>, broadcasting},
          {"pow", buildPow, nullptr, broadcasting},
          {"prelu", buildPRelu, nullptr, broadcasting},
          {"max_pool", buildMaxPool, anyLayout, perSample},
          {"avg_pool", buildAvgPool, anyLayout, perSample},
          {"global_avg_pool", buildGlobalAvgPool, plainOrNhwc, perSample},
          {"global_max_pool", buildGlobalMaxPool, plainOrNhwc, perSample},
          {"reduce_mean", buildReduceMean, nullptr, axesSkip0},
          {"softmax", buildSoftmax, nullptr, fromAxis},
          {"lrn", buildLrn, nullptr, perSample},
      });
}
