//===- Eltwise.cpp - activations and elementwise math ---------------------===//
//
// oneDNN eltwise primitives in any layout (the output keeps the input's),
// chained where one tl op is several steps (hard_sigmoid, selu, celu); math
// oneDNN 2.6 lacks (erf, softsign, the trigonometric functions, ...) as a
// plain loop over the scalar definition of tlc/runtime/UnaryMath.h.
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include "tlc/runtime/UnaryMath.h"

#include <cmath>
#include <utility>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;
using tlc::UnaryMath;
namespace unary_math = tlc::unary_math;

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

/// Math oneDNN 2.6 has no eltwise for: the scalar definition, element by
/// element, on plain layouts.
struct MapKernel : Kernel {
  float (*fn)(float, float, float) = nullptr;
  float a = 0.f, b = 0.f;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    int64_t n = numElements(in[0].shape);
    const float *s = in[0].f32();
    float *d = out[0].f32();
    for (int64_t i = 0; i < n; ++i)
      d[i] = fn(s[i], a, b);
  }
};

StatusOr<Built> buildErf(BuildContext &) {
  auto k = std::make_unique<MapKernel>();
  k->fn = [](float x, float, float) { return std::erf(x); };
  return Built{std::move(k)};
}

/// An op of tlc/runtime/UnaryMath.h: oneDNN eltwise steps where oneDNN
/// computes it, the scalar definition otherwise.
StatusOr<Built> buildMath(BuildContext &ctx, const UnaryMath &math) {
  float a = math.attrA.empty() ? 0.f : ctx.attrs.f(math.attrA.data());
  float b = math.attrB.empty() ? 0.f : ctx.attrs.f(math.attrB.data());
  using A = dnnl::algorithm;
  std::string_view op = math.op;
  std::vector<EltStep> steps;
  if (op == "elu") {
    steps = {{A::eltwise_elu, a, 0.f}};
  } else if (op == "selu") {
    steps = {{A::eltwise_elu, a, 0.f}, {A::eltwise_linear, b, 0.f}};
  } else if (op == "celu") { // alpha * elu(x / alpha, 1)
    if (a == 0.f)
      return Status(StatusCode::kInvalidArgument, "celu: alpha is 0");
    steps = {{A::eltwise_linear, 1.f / a, 0.f},
             {A::eltwise_elu, 1.f, 0.f},
             {A::eltwise_linear, a, 0.f}};
  } else if (op == "softplus") {
    steps = {{A::eltwise_soft_relu, 0.f, 0.f}};
  } else if (op == "mish") {
    steps = {{A::eltwise_mish, 0.f, 0.f}};
  } else if (op == "round") {
    steps = {{A::eltwise_round, 0.f, 0.f}};
  } else {
    // No acceptsLayouts: the planner hands the loop plain inputs.
    auto k = std::make_unique<MapKernel>();
    k->fn = math.fn;
    k->a = a;
    k->b = b;
    return Built{std::move(k)};
  }
  return buildEltwiseSteps(ctx, std::move(steps));
}

template <size_t I> StatusOr<Built> buildMathAt(BuildContext &ctx) {
  return buildMath(ctx, unary_math::kTable[I]);
}

/// Whether oneDNN computes the op (any layout) or our loop (plain only).
constexpr bool onOneDnn(std::string_view op) {
  return op == "elu" || op == "selu" || op == "celu" || op == "softplus" ||
         op == "mish" || op == "round";
}

template <size_t... I>
void appendMathOps(std::vector<OpDef> &ops, std::index_sequence<I...>) {
  (ops.push_back({unary_math::kTable[I].op.data(), buildMathAt<I>,
                  onOneDnn(unary_math::kTable[I].op) ? anyLayout : nullptr}),
   ...);
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
  appendMathOps(ops, std::make_index_sequence<unary_math::kTable.size()>());
}
