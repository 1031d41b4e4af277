//===- KernelsTensor.cpp - data movement, and the op registry -------------===//
//
// Reshape-like ops copy bytes (any dtype); concat, transpose, slice, pad and
// resize are strided loops. Shapes follow the same rules as the dialect's
// inference (dialects/tl/lib/IR/TLShapeInference.cpp), on concrete dims.
//
//===----------------------------------------------------------------------===//

#include "Kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unistd.h>

using namespace tlc::runtime;

int64_t tlc::runtime::numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

//===----------------------------------------------------------------------===//
// Attrs and BuildContext
//===----------------------------------------------------------------------===//

const fb::Attribute *Attrs::find(const char *name) {
  const fb::Attribute *a =
      kernel_.attributes() ? kernel_.attributes()->LookupByKey(name) : nullptr;
  if (!a && status_)
    status_ = invalidArgument("kernel '" + printable(kernel_.op()) +
                              "' lacks attribute '" + name + "'");
  return a;
}

int64_t Attrs::i(const char *name) {
  const fb::Attribute *a = find(name);
  if (!a)
    return 0;
  if (!a->ints() || a->ints()->size() != 1) {
    if (status_)
      status_ = invalidArgument(std::string("attribute '") + name +
                                "' is not an integer");
    return 0;
  }
  return a->ints()->Get(0);
}

std::vector<int64_t> Attrs::ints(const char *name) {
  const fb::Attribute *a = find(name);
  if (!a || !a->ints())
    return {};
  return std::vector<int64_t>(a->ints()->begin(), a->ints()->end());
}

float Attrs::f(const char *name) {
  const fb::Attribute *a = find(name);
  if (!a)
    return 0.f;
  if (!a->floats() || a->floats()->size() != 1) {
    if (status_)
      status_ = invalidArgument(std::string("attribute '") + name +
                                "' is not a float");
    return 0.f;
  }
  return a->floats()->Get(0);
}

std::vector<float> Attrs::floats(const char *name) {
  const fb::Attribute *a = find(name);
  if (!a || !a->floats())
    return {};
  return std::vector<float>(a->floats()->begin(), a->floats()->end());
}

Status BuildContext::expectRank(size_t i, size_t minRank,
                                size_t maxRank) const {
  if (i >= shapes.size() || !present[i])
    return invalidArgument("input " + std::to_string(i) + " is missing");
  if (shapes[i].size() < minRank || shapes[i].size() > maxRank)
    return invalidArgument("input " + std::to_string(i) + " has shape " +
                           shapeToString(shapes[i]) + ", expected rank " +
                           std::to_string(minRank) + " to " +
                           std::to_string(maxRank));
  return Status::ok();
}

Status BuildContext::checkOutput(size_t o, const Shape &shape) const {
  if (o < declared.size()) {
    const Shape &want = declared[o];
    bool ok = want.size() == shape.size();
    for (size_t d = 0; ok && d < shape.size(); ++d)
      ok = want[d] == -1 || want[d] == shape[d];
    if (!ok)
      return invalidArgument("computes " + shapeToString(shape) +
                             ", but the artifact declares " +
                             shapeToString(want));
  }
  static const uint64_t memoryBytes =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
      static_cast<uint64_t>(sysconf(_SC_PAGE_SIZE));
  uint64_t bytes = sizeof(float);
  for (int64_t d : shape) {
    if (d < 0)
      return invalidArgument("output shape " + shapeToString(shape) +
                             " has a negative dim");
    if (d != 0 && bytes > memoryBytes / static_cast<uint64_t>(d))
      return invalidArgument("output shape " + shapeToString(shape) +
                             " does not fit in this machine's memory");
    bytes *= static_cast<uint64_t>(d);
  }
  return Status::ok();
}

Status BuildContext::expectF32() const {
  for (size_t i = 0; i < dtypes.size(); ++i)
    if (present[i] && dtypes[i] != DType::kF32)
      return Status(StatusCode::kUnimplemented,
                    "input " + std::to_string(i) + " is " +
                        dtypeName(dtypes[i]) +
                        "; the CPU executor computes in float32");
  return Status::ok();
}

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

StatusOr<Built> copyTo(BuildContext &ctx, Shape y) {
  if (numElements(y) != numElements(ctx.shapes[0]))
    return invalidArgument("cannot view " + shapeToString(ctx.shapes[0]) +
                           " as " + shapeToString(y));
  return Built{{y}, {ctx.dtypes[0]}, makeCopyKernel()};
}

StatusOr<Built> buildIdentity(BuildContext &ctx) {
  return copyTo(ctx, ctx.shapes[0]);
}

StatusOr<Built> buildFlatten(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0];
  int64_t axis = ctx.attrs.i("axis"), rank = x.size();
  if (Status s = ctx.attrs.status(); !s)
    return s;
  if (axis < -rank || axis > rank)
    return invalidArgument("flatten: axis out of range");
  if (axis < 0)
    axis += rank;
  return copyTo(ctx, {numElements(Shape(x.begin(), x.begin() + axis)),
                      numElements(Shape(x.begin() + axis, x.end()))});
}

StatusOr<Built> buildReshape(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0];
  auto target = ctx.attrs.ints("shape");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  Shape y;
  int inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0) {
      if (i >= x.size())
        return invalidArgument("reshape: 0 copies a dim the input lacks");
      d = x[i];
    } else if (d == -1) {
      if (inferred >= 0)
        return invalidArgument("reshape: more than one -1");
      inferred = static_cast<int>(i);
      y.push_back(1);
      continue;
    } else if (d < -1) {
      return invalidArgument("reshape: invalid dim " + std::to_string(d));
    }
    y.push_back(d);
    known *= d;
  }
  if (inferred >= 0) {
    if (known == 0 || numElements(x) % known != 0)
      return invalidArgument("reshape: cannot reshape " + shapeToString(x));
    y[inferred] = numElements(x) / known;
  }
  return copyTo(ctx, y);
}

StatusOr<Built> buildSqueeze(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0];
  auto axes = ctx.attrs.ints("axes");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  int64_t rank = x.size();
  std::vector<bool> drop(rank, false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank || x[a < 0 ? a + rank : a] != 1)
      return invalidArgument("squeeze: cannot squeeze axis " +
                             std::to_string(a) + " of " + shapeToString(x));
    drop[a < 0 ? a + rank : a] = true;
  }
  Shape y;
  for (int64_t i = 0; i < rank; ++i)
    if (!drop[i])
      y.push_back(x[i]);
  return copyTo(ctx, y);
}

StatusOr<Built> buildUnsqueeze(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0];
  auto axes = ctx.attrs.ints("axes");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  int64_t rank = x.size() + axes.size();
  std::vector<bool> insert(rank, false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank || insert[a < 0 ? a + rank : a])
      return invalidArgument("unsqueeze: invalid axes");
    insert[a < 0 ? a + rank : a] = true;
  }
  Shape y;
  for (int64_t i = 0, next = 0; i < rank; ++i)
    y.push_back(insert[i] ? 1 : x[next++]);
  return copyTo(ctx, y);
}

struct ConcatKernel : Kernel {
  std::vector<int64_t> chunk; // bytes per outer step, per input
  int64_t outer;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    uint8_t *dst = out[0].data;
    for (int64_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < in.size(); ++i) {
        std::memcpy(dst, in[i].data + o * chunk[i], chunk[i]);
        dst += chunk[i];
      }
  }
};

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
  const Shape &x = ctx.shapes[0];
  auto perm = ctx.attrs.ints("perm");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  if (perm.size() != x.size())
    return invalidArgument("transpose: perm does not match the rank");
  auto st = stridesOf(x);
  auto k = std::make_unique<StridedCopyKernel>();
  std::vector<bool> seen(x.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(x.size()) || seen[p])
      return invalidArgument("transpose: perm is not a permutation");
    seen[p] = true;
    k->y.push_back(x[p]);
    k->srcStrides.push_back(st[p]);
  }
  k->size = dtypeSize(ctx.dtypes[0]);
  Shape y = k->y;
  return Built{{y}, {ctx.dtypes[0]}, std::move(k)};
}

StatusOr<Built> buildSlice(BuildContext &ctx) {
  const Shape &x = ctx.shapes[0];
  auto starts = ctx.attrs.ints("starts"), ends = ctx.attrs.ints("ends"),
       axes = ctx.attrs.ints("axes"), steps = ctx.attrs.ints("steps");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  if (starts.size() != axes.size() || ends.size() != axes.size() ||
      steps.size() != axes.size())
    return invalidArgument("slice: attribute lengths differ");
  auto st = stridesOf(x);
  auto k = std::make_unique<StridedCopyKernel>();
  k->y = x;
  k->srcStrides = st;
  int64_t rank = x.size();
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (a < 0 || a >= rank || steps[i] == 0)
      return invalidArgument("slice: invalid axis or step");
    int64_t dim = x[a], step = steps[i];
    auto clampIndex = [dim](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v = v < -dim ? -dim - 1 : v + dim;
      return std::clamp(v, lo, hi);
    };
    int64_t b = step > 0 ? clampIndex(starts[i], 0, dim)
                         : clampIndex(starts[i], 0, dim - 1);
    int64_t e = step > 0 ? clampIndex(ends[i], 0, dim)
                         : clampIndex(ends[i], -1, dim - 1);
    int64_t n =
        step > 0 ? (e - b + step - 1) / step : (b - e - step - 1) / -step;
    k->y[a] = std::max<int64_t>(n, 0);
    k->srcOffset += b * st[a];
    k->srcStrides[a] = st[a] * step;
  }
  k->size = dtypeSize(ctx.dtypes[0]);
  Shape y = k->y;
  return Built{{y}, {ctx.dtypes[0]}, std::move(k)};
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
  if (Status s = ctx.expectF32(); !s)
    return s;
  const Shape &x = ctx.shapes[0];
  auto pads = ctx.attrs.ints("pads");
  auto k = std::make_unique<PadKernel>();
  k->mode = ctx.attrs.i("mode");
  k->value = ctx.attrs.f("value");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  size_t rank = x.size();
  if (pads.size() != 2 * rank || k->mode < 0 || k->mode > 2)
    return invalidArgument("pad: invalid pads or mode");
  k->x = x;
  for (size_t d = 0; d < rank; ++d) {
    int64_t n = x[d] + pads[d] + pads[d + rank];
    if (n < 0 || pads[d] < 0 || pads[d + rank] < 0)
      return Status(StatusCode::kUnimplemented, "pad: negative pads");
    if (k->mode != 0 && x[d] == 0 && n > 0)
      return invalidArgument("pad: cannot reflect or extend an empty dim");
    k->y.push_back(n);
    k->begins.push_back(pads[d]);
  }
  Shape y = k->y;
  return Built{{y}, {DType::kF32}, std::move(k)};
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
float resizeCoord(int64_t coord, int64_t o, int64_t in, int64_t out,
                  float scale) {
  switch (coord) {
  case 0: // half_pixel
    return (o + 0.5f) / scale - 0.5f;
  case 1: // pytorch_half_pixel
    return out > 1 ? (o + 0.5f) / scale - 0.5f : 0.f;
  case 2: // align_corners
    return out > 1 ? o * float(in - 1) / float(out - 1) : 0.f;
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
  if (Status s = ctx.expectF32(); !s)
    return s;
  const Shape &x = ctx.shapes[0];
  auto k = std::make_unique<ResizeKernel>();
  int64_t mode = ctx.attrs.i("mode");
  int64_t coord = ctx.attrs.i("coordinate_mode");
  int64_t nearest = ctx.attrs.i("nearest_mode");
  float cubicA =
      ctx.attrs.has("cubic_coeff_a") ? ctx.attrs.f("cubic_coeff_a") : -0.75f;
  if (Status s = ctx.attrs.status(); !s)
    return s;
  if (mode < 0 || mode > 2)
    return invalidArgument("resize: unknown mode " + std::to_string(mode));
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  if (ctx.attrs.has("scales"))
    scales = ctx.attrs.floats("scales");
  else
    sizes = ctx.attrs.ints("sizes");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  k->x = x;
  auto strides = stridesOf(x);
  for (size_t d = 0; d < x.size(); ++d) {
    if (!scales.empty()) {
      if (scales.size() != x.size() || !(scales[d] > 0))
        return invalidArgument("resize: invalid scales");
      k->y.push_back(static_cast<int64_t>(std::floor(x[d] * scales[d])));
    } else {
      if (sizes.size() != x.size() || sizes[d] <= 0)
        return invalidArgument("resize: needs scales or sizes");
      k->y.push_back(sizes[d]);
    }
    if (x[d] <= 0 && k->y[d] > 0)
      return invalidArgument("resize: cannot resize an empty dim");
  }
  Shape y = k->y;
  if (Status s = ctx.checkOutput(0, y); !s)
    return invalidArgument("resize: " + s.message());
  for (size_t d = 0; d < x.size(); ++d) {
    // ONNX maps coordinates with the given scale, or out/in for sizes.
    float scale = scales.empty() ? float(y[d]) / float(x[d]) : scales[d];
    std::vector<std::vector<ResizeKernel::Tap>> dim;
    for (int64_t o = 0; o < y[d]; ++o)
      dim.push_back(resizeTaps(mode, nearest,
                               resizeCoord(coord, o, x[d], y[d], scale), x[d],
                               strides[d], cubicA));
    k->taps.push_back(std::move(dim));
  }
  return Built{{y}, {DType::kF32}, std::move(k)};
}

} // namespace

StatusOr<Built> tlc::runtime::buildConcatBytes(BuildContext &ctx) {
  int64_t axis = ctx.attrs.i("axis");
  if (Status s = ctx.attrs.status(); !s)
    return s;
  if (ctx.shapes.empty())
    return invalidArgument("concat: no inputs");
  Shape y = ctx.shapes[0];
  int64_t rank = y.size();
  if (axis < -rank || axis >= rank)
    return invalidArgument("concat: axis out of range");
  if (axis < 0)
    axis += rank;
  auto k = std::make_unique<ConcatKernel>();
  size_t size = dtypeSize(ctx.dtypes[0]);
  k->outer = numElements(Shape(y.begin(), y.begin() + axis));
  y[axis] = 0;
  for (size_t i = 0; i < ctx.shapes.size(); ++i) {
    const Shape &s = ctx.shapes[i];
    for (int64_t d = 0; d < rank; ++d)
      if (s.size() != y.size() || (d != axis && s[d] != y[d]) ||
          ctx.dtypes[i] != ctx.dtypes[0])
        return invalidArgument("concat: input " + std::to_string(i) + " " +
                               shapeToString(s) + " does not match");
    y[axis] += s[axis];
    k->chunk.push_back(numElements(Shape(s.begin() + axis, s.end())) * size);
  }
  return Built{{y}, {ctx.dtypes[0]}, std::move(k)};
}

std::unique_ptr<Kernel> tlc::runtime::makeCopyKernel() {
  return std::make_unique<CopyKernel>();
}

void tlc::runtime::appendTensorOps(std::vector<OpDef> &ops) {
  using namespace samples;
  ops.insert(ops.end(),
             {
                 {"identity", buildIdentity, nullptr, perSample},
                 {"dropout", buildIdentity, nullptr, perSample},
                 {"flatten", buildFlatten, nullptr, fromAxis},
                 {"reshape", buildReshape, nullptr, samples::reshape},
                 {"squeeze", buildSqueeze, nullptr, axesSkip0},
                 {"unsqueeze", buildUnsqueeze, nullptr, samples::unsqueeze},
                 {"transpose", buildTranspose, nullptr, samples::transpose},
                 {"slice", buildSlice, nullptr, axesSkip0},
                 {"pad", buildPad, nullptr, samples::pad},
                 {"resize", buildResize, nullptr, samples::resize},
             });
}

const OpDef *tlc::runtime::findOp(const std::string &name) {
  static const std::vector<OpDef> ops = [] {
    std::vector<OpDef> all;
    appendDnnlOps(all);
    appendTensorOps(all);
    return all;
  }();
  for (const OpDef &op : ops)
    if (name == op.name)
      return &op;
  return nullptr;
}
