//===- Primitives.cpp - oneDNN helpers the op families share --------------===//

#include "Primitives.h"

#include <algorithm>
#include <cmath>
#include <tuple>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

StatusOr<std::vector<EltStep>> cpu::activationSteps(fb::Activation kind,
                                                    float alpha, float beta) {
  using A = dnnl::algorithm;
  using Act = fb::Activation;
  switch (kind) {
  case Act::None:
    return std::vector<EltStep>{};
  case Act::Relu:
    return std::vector<EltStep>{{A::eltwise_relu, 0.f, 0.f}};
  case Act::Clip:
    return std::vector<EltStep>{{A::eltwise_clip_v2, alpha, beta}};
  case Act::Sigmoid:
    return std::vector<EltStep>{{A::eltwise_logistic, 0.f, 0.f}};
  case Act::Tanh:
    return std::vector<EltStep>{{A::eltwise_tanh, 0.f, 0.f}};
  case Act::HardSigmoid: // max(0, min(1, alpha * x + beta))
    return std::vector<EltStep>{{A::eltwise_linear, alpha, beta},
                                {A::eltwise_clip_v2, 0.f, 1.f}};
  case Act::HardSwish:
    return std::vector<EltStep>{{A::eltwise_hardswish, 0.f, 0.f}};
  case Act::Silu:
    return std::vector<EltStep>{{A::eltwise_swish, 1.f, 0.f}};
  case Act::Gelu:
    return std::vector<EltStep>{
        {alpha != 0.f ? A::eltwise_gelu_tanh : A::eltwise_gelu_erf, 0.f, 0.f}};
  case Act::LeakyRelu:
    return std::vector<EltStep>{{A::eltwise_relu, alpha, 0.f}};
  }
  return invalidArgument("unknown activation " +
                         std::to_string(static_cast<int>(kind)));
}

StatusOr<dnnl::primitive_attr> cpu::postOps(Attrs &attrs, bool residual,
                                            Epilogue *deferred,
                                            const Int8Plan *int8,
                                            Summand summand) {
  using Act = fb::Activation;
  auto kind = static_cast<Act>(attrs.i("activation"));
  auto steps = activationSteps(kind, attrs.f("act_alpha"), attrs.f("act_beta"));
  if (!steps)
    return steps.status();
  bool int8Result = int8 && int8->dstScale > 0;
  if (deferred) {
    *deferred = int8Result || !epiloguesBeatPostOps() ? Epilogue::kNone
                : kind == Act::Silu                   ? Epilogue::kSilu
                : kind == Act::Sigmoid                ? Epilogue::kSigmoid
                                                      : Epilogue::kNone;
    if (*deferred != Epilogue::kNone)
      steps->clear();
  }
  // An int8 result: activations that commute with scaling (relu, leaky
  // relu, clip with its bounds scaled) run on the requantized values, so
  // the output scales divide by the result's scale; others run on real
  // values and a last linear step requantizes.
  bool homogeneous = kind == Act::None || kind == Act::Relu ||
                     kind == Act::LeakyRelu || kind == Act::Clip;
  float units = int8Result && homogeneous ? int8->dstScale : 1.f;
  dnnl::post_ops po;
  if (residual)
    po.append_sum(summand.scale / units, 0, summand.type);
  for (const EltStep &s : *steps)
    if (s.alg == dnnl::algorithm::eltwise_clip_v2 && units != 1.f)
      po.append_eltwise(1.f, s.alg, s.alpha / units, s.beta / units);
    else
      po.append_eltwise(1.f, s.alg, s.alpha, s.beta);
  if (int8Result && !homogeneous)
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear,
                      1.f / int8->dstScale, 0.f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  if (int8) {
    std::vector<float> scales(int8->weightScales.size());
    for (size_t c = 0; c < scales.size(); ++c)
      scales[c] = int8->srcScale * int8->weightScales[c] / units;
    // Per output channel: dim 1 of the result.
    attr.set_output_scales(1 << 1, scales);
  }
  return attr;
}

std::pair<dt, float> cpu::quantizationOf(const fb::Range &range) {
  bool unsignedRange = range.min() >= 0.f;
  float largest = std::max(std::fabs(range.min()), std::fabs(range.max()));
  float scale = largest / (unsignedRange ? 255.f : 127.f);
  return {unsignedRange ? dt::u8 : dt::s8,
          scale > 0.f && std::isfinite(scale) ? scale : 1.f};
}

std::optional<Int8Plan> cpu::planInt8(const BuildContext &ctx) {
  // The planner sets quantizations only for weights quantized as it runs
  // them (i8, one scale per output channel, no zero point).
  const fb::Quantization *q = ctx.quantizations[1];
  if (!ctx.int8 || !q || (ctx.has(2) && !ctx.weights[2]) ||
      !int8Applies(ctx.outShapes[0]))
    return std::nullopt;
  Int8Plan plan;
  if (ctx.scales[0] > 0) {
    plan.srcType = storedType(ctx.layouts[0]);
    plan.srcScale = ctx.scales[0];
  } else if (ctx.ranges[0]) {
    std::tie(plan.srcType, plan.srcScale) = quantizationOf(*ctx.ranges[0]);
  } else {
    return std::nullopt;
  }
  if (ctx.int8Outputs[0])
    std::tie(plan.dstType, plan.dstScale) = quantizationOf(*ctx.int8Outputs[0]);
  plan.weightScales.assign(q->scale()->begin(), q->scale()->end());
  if (ctx.has(2)) {
    const auto *bias = reinterpret_cast<const float *>(ctx.weights[2]);
    for (size_t c = 0; c < plan.weightScales.size(); ++c)
      plan.bias.push_back(bias[c] / (plan.srcScale * plan.weightScales[c]));
  }
  return plan;
}

std::optional<ChannelBlocks> cpu::channelBlocks(const memory::desc &layout,
                                                const Shape &shape) {
  dt type = storedType(layout);
  if (shape.size() != 4 || (type != dt::f32 && type != dt::bf16))
    return std::nullopt;
  auto is = [&](tag t) { return layout == memory::desc(dims(shape), type, t); };
  if (is(tag::acdb))
    return ChannelBlocks{shape[1], type, tag::acdb};
  if (is(tag::aBcd8b))
    return ChannelBlocks{8, type, tag::aBcd8b};
  if (is(tag::aBcd16b))
    return ChannelBlocks{16, type, tag::aBcd16b};
  if (is(tag::abcd))
    return ChannelBlocks{1, type, tag::abcd};
  return std::nullopt;
}

bool cpu::halveInt8Weights(const BuildContext &ctx, Int8Plan &plan,
                           const memory::desc &weights, bool depthwise) {
  bool adjusted =
      weights.data.extra.flags & dnnl_memory_extra_flag_scale_adjust;
  if (!ctx.int8SevenBitWeights || depthwise || adjusted || plan.sevenBitWeights)
    return false;
  plan.sevenBitWeights = true;
  for (size_t c = 0; c < plan.weightScales.size(); ++c) {
    plan.weightScales[c] *= 2.f;
    if (c < plan.bias.size())
      plan.bias[c] *= 0.5f;
  }
  return true;
}

memory::desc cpu::retyped(const memory::desc &layout, dt type) {
  memory::desc result = layout;
  if (!layout.is_zero())
    result.data.data_type = static_cast<dnnl_data_type_t>(type);
  return result;
}

bool cpu::sameBytes(const memory::desc &a, const memory::desc &b) {
  if (a.is_zero() || b.is_zero() ||
      memory::data_type_size(a.data_type()) !=
          memory::data_type_size(b.data_type()))
    return a == b;
  return retyped(a, b.data_type()) == b;
}

dnnl::reorder cpu::makeReorder(const memory::desc &from, const memory::desc &to,
                               ExecEnv &env, const std::vector<float> &scales,
                               int mask) {
  dnnl::primitive_attr attr;
  if (!scales.empty())
    attr.set_output_scales(mask, scales);
  return dnnl::reorder(
      dnnl::reorder::primitive_desc(env.engine, from, env.engine, to, attr));
}

dnnl::reorder cpu::makeReorder(const memory::desc &from, const memory::desc &to,
                               ExecEnv &env, float scale) {
  return makeReorder(
      from, to, env,
      scale != 1.f ? std::vector<float>{scale} : std::vector<float>{}, 0);
}

bool ConvLikeKernel::prepareMoves(ExecEnv &env, float srcScale,
                                  float residualScale) {
  if (srcScratch && !gather.n)
    toSrc = makeReorder(input, src, env, srcScale);
  bool copies =
      !hasResidual || (sameBytes(residual, dst) && residualScale == 1.f);
  if (!copies)
    residualToDst = makeReorder(residual, dst, env, residualScale);
  return hasResidual && copies;
}

void PreparedWeight::prepare(BuildContext &ctx, size_t i,
                             const memory::desc &userMd,
                             const memory::desc &wantedMd, bool grouped,
                             const Int8Plan *int8) {
  user = userMd;
  wanted = wantedMd;
  needsReorder = user != wanted;
  const fb::Quantization *q = ctx.quantizations[i];
  if (q && q->scale() && storedType(wanted) == dt::f32) {
    scales.assign(q->scale()->begin(), q->scale()->end());
    scaleMask = grouped ? (1 << 0) | (1 << 1) : 1 << 0;
  } else if (int8 && int8->sevenBitWeights) {
    // [-127, 127] to [-64, 64], rounded to nearest even by the reorder.
    scales = {0.5f};
    scaleMask = 0;
    needsReorder = true;
  }
  if (ctx.weights[i])
    reordered = needsReorder
                    ? ctx.weightCache.get(ctx.values[i], ctx.weights[i], user,
                                          wanted, ctx.env, scales, scaleMask)
                    : memory();
}

memory PreparedWeight::get(ExecEnv &env, uint8_t *data) {
  if (reordered)
    return reordered;
  memory src(user, env.engine, data);
  if (!needsReorder)
    return src;
  memory dst(wanted, env.engine);
  makeReorder(user, wanted, env, scales, scaleMask)
      .execute(env.stream, src, dst);
  return dst;
}

dnnl::memory WeightCache::get(int64_t value, const uint8_t *data,
                              const memory::desc &plain,
                              const memory::desc &wanted, ExecEnv &env,
                              const std::vector<float> &scales, int mask) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<memory> &forms = prepared_[value];
  for (const memory &m : forms)
    if (m.get_desc() == wanted)
      return m;
  memory src(plain, env.engine, const_cast<uint8_t *>(data));
  memory dst(wanted, env.engine);
  makeReorder(plain, wanted, env, scales, mask).execute(env.stream, src, dst);
  env.stream.wait();
  forms.push_back(dst);
  bytes_ += wanted.get_size();
  return dst;
}

uint64_t WeightCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

void ChainKernel::run(ExecEnv &env, const std::vector<TensorRef> &in,
                      const std::vector<TensorRef> &out) {
  const memory &s = srcMem.at(src, env.engine, in[0].data);
  memory &d = dstMem.at(dst, env.engine, out[0].data);
  for (size_t i = 0; i < prims.size(); ++i)
    prims[i].execute(env.stream,
                     {{DNNL_ARG_SRC, i == 0 ? s : d}, {DNNL_ARG_DST, d}});
  env.stream.wait();
}

bool cpu::anyLayout(const BuildContext &) { return true; }

/// The oneDNN implementation name of a primitive.
std::string cpu::implementationOf(const dnnl::primitive &prim) {
  const_dnnl_primitive_desc_t pd = nullptr;
  if (!prim ||
      dnnl_primitive_get_primitive_desc(prim.get(), &pd) != dnnl_success)
    return {};
  const char *name = nullptr;
  if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) !=
          dnnl_success ||
      !name)
    return {};
  return name;
}

namespace {

struct ReorderKernel : Kernel {
  memory::desc from, to;
  dnnl::reorder prim;
  std::string implementation() const override { return implementationOf(prim); }
  BoundMemory fromMem, toMem;
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    prim.execute(env.stream, fromMem.at(from, env.engine, in[0].data),
                 toMem.at(to, env.engine, out[0].data));
    env.stream.wait();
  }
};

} // namespace

std::unique_ptr<Kernel> cpu::makeReorderKernel(const memory::desc &from,
                                               const memory::desc &to,
                                               ExecEnv &env, float scale) {
  auto k = std::make_unique<ReorderKernel>();
  k->from = from;
  k->to = to;
  k->prim = makeReorder(from, to, env, scale);
  return k;
}

memory::desc cpu::plainLayout(const Shape &s, dt type) {
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
    return memory::desc(dims(s), type, strides);
  } catch (const dnnl::error &) {
    return memory::desc();
  }
}
