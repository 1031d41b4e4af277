//===- Normalization.cpp - batch/layer norm, softmax, LRN -----------------===//

#include "Primitives.h"

#include <cmath>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

namespace {

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
  auto k = std::make_unique<BatchNormKernel>();
  k->x = ctx.shapes[0];
  k->epsilon = ctx.attrs.f("epsilon");
  return Built{std::move(k)};
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
  const Shape &x = ctx.shapes[0];
  int64_t axis = ctx.attrs.i("axis");
  float eps = ctx.attrs.f("epsilon");
  int64_t rank = x.size();
  if (axis < 0)
    axis += rank;
  auto k = std::make_unique<LayerNormKernel>();
  k->outer = numElements(Shape(x.begin(), x.begin() + axis));
  k->inner = numElements(Shape(x.begin() + axis, x.end()));
  k->scaleShape = ctx.shapes[1];
  k->hasBias = ctx.has(2);
  if (k->hasBias)
    k->biasShape = ctx.shapes[2];
  // Only trailing broadcasting ([..., C] scales) maps to j % size; the
  // core checked that scale and bias broadcast to the normalized dims.
  Shape normalized(x.begin() + axis, x.end());
  for (const Shape *s : {&k->scaleShape, &k->biasShape}) {
    if (s == &k->biasShape && !k->hasBias)
      continue;
    if (numElements(*s) != k->inner &&
        numElements(*s) != (normalized.empty() ? 1 : normalized.back()))
      return Status(StatusCode::kUnimplemented,
                    "layer_norm: scale/bias of shape " + str(*s) + " over " +
                        str(normalized) + " is not supported");
  }
  k->epsilon = eps;
  return Built{std::move(k)};
}

template <typename Primitive> StatusOr<Built> buildSoftmax(BuildContext &ctx) {
  int64_t axis = ctx.attrs.i("axis");
  const Shape &x = ctx.shapes[0];
  int64_t rank = x.size();
  return guarded("softmax", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ChainKernel>();
    k->src = k->dst = plainLayout(x);
    typename Primitive::desc d(dnnl::prop_kind::forward_inference, k->src,
                               static_cast<int>(axis < 0 ? axis + rank : axis));
    k->prims.push_back(
        Primitive(typename Primitive::primitive_desc(d, ctx.env.engine)));
    return Built{std::move(k)};
  });
}

StatusOr<Built> buildLrn(BuildContext &ctx) {
  int64_t size = ctx.attrs.i("size");
  float alpha = ctx.attrs.f("alpha"), beta = ctx.attrs.f("beta"),
        bias = ctx.attrs.f("bias");
  const Shape &x = ctx.shapes[0];
  return guarded("lrn", [&]() -> StatusOr<Built> {
    auto k = std::make_unique<ChainKernel>();
    k->src = k->dst = plainLayout(x);
    dnnl::lrn_forward::desc d(dnnl::prop_kind::forward_inference,
                              dnnl::algorithm::lrn_across_channels, k->src,
                              size, alpha, beta, bias);
    k->prims.push_back(dnnl::lrn_forward(
        dnnl::lrn_forward::primitive_desc(d, ctx.env.engine)));
    return Built{std::move(k)};
  });
}

} // namespace

void cpu::appendNormalizationOps(std::vector<OpDef> &ops) {
  ops.insert(ops.end(),
             {
                 {"batch_norm", buildBatchNorm},
                 {"layer_norm", buildLayerNorm},
                 {"softmax", buildSoftmax<dnnl::softmax_forward>},
                 {"log_softmax", buildSoftmax<dnnl::logsoftmax_forward>},
                 {"lrn", buildLrn},
             });
}
