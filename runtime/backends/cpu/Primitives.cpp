//===- Primitives.cpp - oneDNN helpers the op families share --------------===//

#include "Primitives.h"

#include <algorithm>

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
                                            Epilogue *deferred) {
  auto kind = static_cast<fb::Activation>(attrs.i("activation"));
  auto steps = activationSteps(kind, attrs.f("act_alpha"), attrs.f("act_beta"));
  if (!steps)
    return steps.status();
  if (deferred) {
    *deferred = kind == fb::Activation::Silu      ? Epilogue::kSilu
                : kind == fb::Activation::Sigmoid ? Epilogue::kSigmoid
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

void PreparedWeight::prepare(BuildContext &ctx, size_t i,
                             const memory::desc &userMd,
                             const memory::desc &wantedMd) {
  user = userMd;
  wanted = wantedMd;
  needsReorder = user != wanted;
  if (ctx.weights[i])
    reordered = needsReorder
                    ? ctx.weightCache.get(ctx.values[i], ctx.weights[i], user,
                                          wanted, ctx.env)
                    : memory();
}

memory PreparedWeight::get(ExecEnv &env, uint8_t *data) {
  if (reordered)
    return reordered;
  memory src(user, env.engine, data);
  if (!needsReorder)
    return src;
  memory dst(wanted, env.engine);
  dnnl::reorder(src, dst).execute(env.stream, src, dst);
  return dst;
}

dnnl::memory WeightCache::get(int64_t value, const uint8_t *data,
                              const memory::desc &plain,
                              const memory::desc &wanted, ExecEnv &env) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<memory> &forms = prepared_[value];
  for (const memory &m : forms)
    if (m.get_desc() == wanted)
      return m;
  memory src(plain, env.engine, const_cast<uint8_t *>(data));
  memory dst(wanted, env.engine);
  dnnl::reorder(src, dst).execute(env.stream, src, dst);
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
                                               ExecEnv &env) {
  auto k = std::make_unique<ReorderKernel>();
  k->from = from;
  k->to = to;
  k->prim = dnnl::reorder(
      dnnl::reorder::primitive_desc(env.engine, from, env.engine, to));
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
