//===- DataMovement.cpp - reshapes, transpose, slice, pad, resize ---------===//
//
// Reshape-like ops copy bytes (any dtype); transpose and slice are strided
// copies (any dtype); pad and resize are loops over the output.
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include "ShapeFunctions.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

namespace {

std::vector<int64_t> stridesOf(const Shape &s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i)
    st[i] = st[i + 1] * s[i + 1];
  return st;
}

/// Calls fn(outIndex, multiIndex) for every element of `shape`.
template <typename Fn> void forEachIndex(const Shape &shape, Fn &&fn) {
  int64_t n = numElements(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    fn(i, idx);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
}

struct CopyKernel : Kernel {
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    if (in[0].data != out[0].data)
      std::memcpy(out[0].data, in[0].data,
                  numElements(in[0].shape) * dtypeSize(in[0].dtype));
  }
};

/// Reshape-like ops: the bytes stay, only the shape changes.
StatusOr<Built> buildCopy(BuildContext &) { return Built{makeCopyKernel()}; }

/// Gathers output elements from strided input positions (transpose, slice).
struct StridedCopyKernel : Kernel {
  Shape y;
  std::vector<int64_t> srcStrides; // in elements, per output dim
  int64_t srcOffset = 0;
  size_t size;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const uint8_t *src = in[0].data;
    uint8_t *dst = out[0].data;
    forEachIndex(y, [&](int64_t i, const std::vector<int64_t> &idx) {
      int64_t s = srcOffset;
      for (size_t d = 0; d < idx.size(); ++d)
        s += idx[d] * srcStrides[d];
      std::memcpy(dst + i * size, src + s * size, size);
    });
  }
};

StatusOr<Built> buildTranspose(BuildContext &ctx) {
  auto st = stridesOf(ctx.shapes[0]);
  auto k = std::make_unique<StridedCopyKernel>();
  k->y = ctx.outShapes[0];
  for (int64_t p : ctx.attrs.ints("perm"))
    k->srcStrides.push_back(st[p]);
  k->size = dtypeSize(ctx.dtypes[0]);
  return Built{std::move(k)};
}

StatusOr<Built> buildSlice(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0];
  auto starts = ctx.attrs.ints("starts"), ends = ctx.attrs.ints("ends"),
       axes = ctx.attrs.ints("axes"), steps = ctx.attrs.ints("steps");
  auto st = stridesOf(x);
  auto k = std::make_unique<StridedCopyKernel>();
  k->y = ctx.outShapes[0];
  k->srcStrides = st;
  int64_t rank = x.size();
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    shapes::SliceAxis s = shapes::sliceAxis(x[a], starts[i], ends[i], steps[i]);
    k->srcOffset += s.begin * st[a];
    k->srcStrides[a] = st[a] * s.step;
  }
  k->size = dtypeSize(ctx.dtypes[0]);
  return Built{std::move(k)};
}

struct PadKernel : Kernel {
  Shape x, y;
  std::vector<int64_t> begins;
  int64_t mode; // 0 constant, 1 reflect, 2 edge
  float value;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    auto st = stridesOf(x);
    const float *src = in[0].f32();
    float *dst = out[0].f32();
    forEachIndex(y, [&](int64_t i, const std::vector<int64_t> &idx) {
      int64_t s = 0;
      for (size_t d = 0; d < idx.size(); ++d) {
        int64_t p = idx[d] - begins[d], n = x[d];
        if (p < 0 || p >= n) {
          if (mode == 0) {
            dst[i] = value;
            return;
          }
          if (mode == 2) {
            p = std::clamp<int64_t>(p, 0, n - 1);
          } else { // reflect, without repeating the edge
            int64_t period = 2 * (n - 1);
            p = period == 0 ? 0 : ((p % period) + period) % period;
            if (p >= n)
              p = period - p;
          }
        }
        s += p * st[d];
      }
      dst[i] = src[s];
    });
  }
};

StatusOr<Built> buildPad(BuildContext &ctx) {
  auto pads = ctx.attrs.ints("pads");
  auto k = std::make_unique<PadKernel>();
  k->mode = ctx.attrs.i("mode");
  k->value = ctx.attrs.f("value");
  k->x = ctx.shapes[0];
  k->y = ctx.outShapes[0];
  k->begins.assign(pads.begin(), pads.begin() + k->x.size());
  return Built{std::move(k)};
}

/// ONNX Resize (nearest, linear, cubic), separably over every dim: each
/// output coordinate of a dim reads a few input coordinates ("taps") with
/// weights, computed once at build; an output element sums the products
/// of its dims' taps.
struct ResizeKernel : Kernel {
  struct Tap {
    int64_t offset; // the input coordinate times the dim's stride
    float weight;
  };
  Shape x, y;
  /// Per dim, per output coordinate: its taps.
  std::vector<std::vector<std::vector<Tap>>> taps;

  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const float *src = in[0].f32();
    float *dst = out[0].f32();
    size_t rank = x.size();
    std::vector<size_t> pick(rank); // odometer over the taps of every dim
    forEachIndex(y, [&](int64_t i, const std::vector<int64_t> &idx) {
      std::fill(pick.begin(), pick.end(), 0);
      float acc = 0.f;
      while (true) {
        float weight = 1.f;
        int64_t offset = 0;
        for (size_t d = 0; d < rank; ++d) {
          const Tap &t = taps[d][idx[d]][pick[d]];
          weight *= t.weight;
          offset += t.offset;
        }
        acc += weight * src[offset];
        size_t d = 0;
        while (d < rank && ++pick[d] == taps[d][idx[d]].size())
          pick[d++] = 0;
        if (d == rank)
          break;
      }
      dst[i] = acc;
    });
  }
};

/// The input coordinate that output coordinate `o` of a dim maps to.
/// `length` is ONNX's length_resized: `out`, or in * scale unrounded when
/// the model gave scales.
float resizeCoord(int64_t coord, int64_t o, int64_t in, int64_t out,
                  float scale, float length) {
  switch (coord) {
  case 0: // half_pixel
    return (o + 0.5f) / scale - 0.5f;
  case 1: // pytorch_half_pixel
    return out > 1 ? (o + 0.5f) / scale - 0.5f : 0.f;
  case 2: // align_corners
    return out > 1 ? o * float(in - 1) / (length - 1.f) : 0.f;
  default: // asymmetric
    return o / scale;
  }
}

/// ONNX's cubic convolution kernel with coefficient `a`, at distance t.
float cubicWeight(float t, float a) {
  t = std::fabs(t);
  if (t <= 1.f)
    return ((a + 2.f) * t - (a + 3.f)) * t * t + 1.f;
  if (t < 2.f)
    return ((a * t - 5.f * a) * t + 8.f * a) * t - 4.f * a;
  return 0.f;
}

/// The taps of output coordinate `o` of a dim of `in` input coordinates
/// (stride `stride`). Coordinates past either edge read the edge.
std::vector<ResizeKernel::Tap> resizeTaps(int64_t mode, int64_t nearest,
                                          float c, int64_t in, int64_t stride,
                                          float cubicA) {
  auto clampIndex = [&](int64_t i) {
    return std::clamp<int64_t>(i, 0, in - 1);
  };
  std::vector<ResizeKernel::Tap> taps;
  if (mode == 0) { // nearest
    float r;
    switch (nearest) {
    case 0: // round_prefer_floor
      r = (c - std::floor(c) == 0.5f) ? std::floor(c) : std::round(c);
      break;
    case 1: // round_prefer_ceil
      r = std::round(c);
      break;
    case 2:
      r = std::floor(c);
      break;
    default:
      r = std::ceil(c);
    }
    taps.push_back({clampIndex(static_cast<int64_t>(r)) * stride, 1.f});
  } else if (mode == 1) { // linear, on the clamped coordinate
    c = std::clamp(c, 0.f, float(in - 1));
    int64_t lo = static_cast<int64_t>(std::floor(c));
    float w = c - lo;
    taps.push_back({lo * stride, 1.f - w});
    if (w != 0.f)
      taps.push_back({clampIndex(lo + 1) * stride, w});
  } else { // cubic: four taps around floor(c)
    int64_t lo = static_cast<int64_t>(std::floor(c));
    float r = c - lo;
    for (int64_t k = -1; k <= 2; ++k) {
      float w = cubicWeight(r - k, cubicA);
      if (w != 0.f)
        taps.push_back({clampIndex(lo + k) * stride, w});
    }
  }
  return taps;
}

StatusOr<Built> buildResize(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0];
  auto k = std::make_unique<ResizeKernel>();
  int64_t mode = ctx.attrs.i("mode");
  int64_t coord = ctx.attrs.i("coordinate_mode");
  int64_t nearest = ctx.attrs.i("nearest_mode");
  float cubicA = ctx.attrs.f("cubic_coeff_a");
  std::vector<float> scales;
  if (ctx.attrs.has("scales"))
    scales = ctx.attrs.floats("scales");
  k->x = x;
  k->y = ctx.outShapes[0];
  const Shape &y = k->y;
  auto strides = stridesOf(x);
  for (size_t d = 0; d < x.size(); ++d) {
    // ONNX maps coordinates with the given scale, or out/in for sizes.
    float scale = scales.empty() ? float(y[d]) / float(x[d]) : scales[d];
    float length = scales.empty() ? float(y[d]) : float(x[d]) * scales[d];
    std::vector<std::vector<ResizeKernel::Tap>> dim;
    for (int64_t o = 0; o < y[d]; ++o)
      dim.push_back(resizeTaps(mode, nearest,
                               resizeCoord(coord, o, x[d], y[d], scale, length),
                               x[d], strides[d], cubicA));
    k->taps.push_back(std::move(dim));
  }
  return Built{std::move(k)};
}

} // namespace

std::unique_ptr<Kernel> cpu::makeCopyKernel() {
  return std::make_unique<CopyKernel>();
}

void cpu::appendDataMovementOps(std::vector<OpDef> &ops) {
  constexpr Computes any = Computes::kAnyType;
  ops.insert(ops.end(), {
                            {"identity", buildCopy, nullptr, any},
                            {"dropout", buildCopy, nullptr, any},
                            {"flatten", buildCopy, nullptr, any},
                            {"reshape", buildCopy, nullptr, any},
                            {"squeeze", buildCopy, nullptr, any},
                            {"unsqueeze", buildCopy, nullptr, any},
                            {"transpose", buildTranspose, nullptr, any},
                            {"slice", buildSlice, nullptr, any},
                            {"pad", buildPad},
                            {"resize", buildResize},
                        });
}
