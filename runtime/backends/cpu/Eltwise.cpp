//===- Eltwise.cpp - activations and elementwise math ---------------------===//
//
// oneDNN eltwise primitives in any layout (the output keeps the input's),
// chained where one tl op is several steps (hard_sigmoid); math oneDNN 2.6
// lacks (erf) as a plain loop.
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include <cmath>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

namespace {

StatusOr<Built> buildEltwiseSteps(BuildContext &ctx,
                                  StatusOr<std::vector<EltStep>> steps) {
  if (!steps)
    return steps.status();
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
    return Built{std::move(k), {layout}};
  });
}

template <dnnl::algorithm Alg, int Alpha10 = 0, int Beta10 = 0>
StatusOr<Built> buildEltwise(BuildContext &ctx) {
  return buildEltwiseSteps(
      ctx, std::vector<EltStep>{{Alg, Alpha10 / 10.f, Beta10 / 10.f}});
}

/// A tl op that is one of conv's fused activations, with its attributes.
template <fb::Activation Act>
StatusOr<Built> buildActivation(BuildContext &ctx) {
  float alpha = 0.f, beta = 0.f;
  switch (Act) {
  case fb::Activation::Clip:
    alpha = ctx.attrs.f("min");
    beta = ctx.attrs.f("max");
    break;
  case fb::Activation::HardSigmoid:
    alpha = ctx.attrs.f("alpha");
    beta = ctx.attrs.f("beta");
    break;
  case fb::Activation::LeakyRelu:
    alpha = ctx.attrs.f("alpha");
    break;
  case fb::Activation::Gelu:
    alpha = ctx.attrs.i("approximate") != 0;
    break;
  default:
    break;
  }
  return buildEltwiseSteps(ctx, activationSteps(Act, alpha, beta));
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

StatusOr<Built> buildErf(BuildContext &) {
  auto k = std::make_unique<MapKernel>();
  k->fn = [](float x) { return std::erf(x); };
  return Built{std::move(k)};
}

} // namespace

void cpu::appendEltwiseOps(std::vector<OpDef> &ops) {
  using A = dnnl::algorithm;
  using Act = fb::Activation;
  ops.insert(
      ops.end(),
      {
          {"relu", buildEltwise<A::eltwise_relu>, anyLayout},
          {"sigmoid", buildEltwise<A::eltwise_logistic>, anyLayout},
          {"tanh", buildEltwise<A::eltwise_tanh>, anyLayout},
          {"hard_swish", buildEltwise<A::eltwise_hardswish>, anyLayout},
          {"silu", buildEltwise<A::eltwise_swish, 10>, anyLayout},
          {"sqrt", buildEltwise<A::eltwise_sqrt>, anyLayout},
          {"exp", buildEltwise<A::eltwise_exp>, anyLayout},
          {"log", buildEltwise<A::eltwise_log>, anyLayout},
          {"abs", buildEltwise<A::eltwise_abs>, anyLayout},
          {"neg", buildEltwise<A::eltwise_linear, -10, 0>, anyLayout},
          {"reciprocal", buildEltwise<A::eltwise_pow, 10, -10>, anyLayout},
          {"erf", buildErf},
          {"clip", buildActivation<Act::Clip>, anyLayout},
          {"hard_sigmoid", buildActivation<Act::HardSigmoid>, anyLayout},
          {"leaky_relu", buildActivation<Act::LeakyRelu>, anyLayout},
          {"gelu", buildActivation<Act::Gelu>, anyLayout},
      });
}
