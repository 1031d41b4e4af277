//===- Gemm.cpp - fully connected layers and matmul on oneDNN -------------===//

#include "Primitives.h"

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

namespace {

StatusOr<Built> buildFc(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0], &w = ctx.shapes[1], &y = ctx.outShapes[0];
  bool hasBias = ctx.has(2), hasResidual = ctx.has(3);
  return guarded("fc", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ConvLikeKernel>();
    // bf16 weights (natively computed) take a bf16 copy of the input, and
    // quantized ones (int8) a u8 or s8 one; the result stays f32, as the
    // kernels after an fc read it plainly.
    std::optional<Int8Plan> int8 = planInt8(ctx);
    if (int8) { // an f32 result
      int8->dstType = dt::f32;
      int8->dstScale = 0;
    }
    dt type = int8 ? int8->srcType : computeType(ctx, 1);
    k->input = plainLayout(x);
    k->src = plainLayout(x, type);
    if (k->src != k->input)
      k->srcScratch = memory(k->src, ctx.env.engine);
    k->dst = plainLayout(y);
    k->hasBias = hasBias;
    k->hasResidual = hasResidual;
    k->residual = k->dst;
    k->bias = memory::desc({w[0]}, dt::f32, tag::a);
    if (int8)
      k->scaledBias = int8->bias;
    dnnl::inner_product_forward::desc d(
        dnnl::prop_kind::forward_inference, k->src,
        memory::desc(dims(w), int8 ? dt::s8 : type, tag::any),
        hasBias ? k->bias : memory::desc(), k->dst);
    auto attr =
        postOps(ctx.attrs, hasResidual, &k->epilogue, int8 ? &*int8 : nullptr);
    if (!attr)
      return attr.status();
    dnnl::inner_product_forward::primitive_desc pd(d, *attr, ctx.env.engine);
    if (int8 && halveInt8Weights(ctx, *int8, pd.weights_desc())) {
      k->scaledBias = int8->bias;
      attr = postOps(ctx.attrs, hasResidual, &k->epilogue, &*int8);
      pd =
          dnnl::inner_product_forward::primitive_desc(d, *attr, ctx.env.engine);
    }
    k->weight.prepare(ctx, 1, plainLayout(w, weightType(ctx, 1)),
                      pd.weights_desc(), false, int8 ? &*int8 : nullptr);
    k->prim = dnnl::inner_product_forward(pd);
    k->prepareMoves(ctx.env, int8 ? 1.f / int8->srcScale : 1.f, 1.f);
    return Built{std::move(k)};
  });
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
  // oneDNN's matmul wants both operands as matrices of one rank: vectors
  // become [1, K] and [K, 1], batch dims are padded with 1s.
  Shape a = ctx.shapes[0], b = ctx.shapes[1];
  if (a.size() == 1)
    a.insert(a.begin(), 1);
  if (b.size() == 1)
    b.push_back(1);
  size_t rank = std::max(a.size(), b.size());
  a = padRank(a, rank);
  b = padRank(b, rank);
  Shape y;
  broadcastShapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2),
                  y);
  y.push_back(a[rank - 2]);
  y.push_back(b[rank - 1]);
  return guarded("matmul", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<MatMulKernel>();
    k->a = plainLayout(a);
    k->b = plainLayout(b);
    k->y = plainLayout(y);
    dnnl::matmul::desc d(k->a, k->b, k->y);
    k->prim = dnnl::matmul(dnnl::matmul::primitive_desc(d, ctx.env.engine));
    return Built{std::move(k)};
  });
}

} // namespace

void cpu::appendGemmOps(std::vector<OpDef> &ops) {
  ops.push_back({"fc", buildFc, nullptr, Computes::kF32, /*narrowWeight=*/1});
  ops.push_back({"matmul", buildMatMul});
}
