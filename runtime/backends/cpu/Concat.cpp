//===- Concat.cpp - concatenation -----------------------------------------===//
//
// Channel concat of nhwc maps as a per-pixel copy that keeps nhwc, and of
// channel-blocked maps as a copy per image that keeps the blocks (no
// reorders around either); anything else as byte copies in plain layout,
// for any dtype.
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

namespace {

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

StatusOr<Built> buildConcatBytes(BuildContext &ctx) {
  const Shape &y = ctx.outShapes[0];
  int64_t rank = y.size(), axis = ctx.attrs.i("axis");
  if (axis < 0)
    axis += rank;
  auto k = std::make_unique<ConcatKernel>();
  size_t size = dtypeSize(ctx.dtypes[0]);
  k->outer = numElements(Shape(y.begin(), y.begin() + axis));
  for (const Shape &s : ctx.shapes)
    k->chunk.push_back(numElements(Shape(s.begin() + axis, s.end())) * size);
  return Built{std::move(k)};
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
  bool bf16 = false; // a bf16 backbone's maps: runs of 2-byte values
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    int64_t total = 0;
    for (int64_t c : channels)
      total += c;
    if (bf16) {
      auto *dst = reinterpret_cast<uint16_t *>(out[0].data);
#pragma omp parallel for schedule(static) if (pixels * total >= (128 << 10))
      for (int64_t p = 0; p < pixels; ++p) {
        uint16_t *row = dst + p * total;
        for (size_t i = 0; i < in.size(); ++i) {
          const auto *src =
              reinterpret_cast<const uint16_t *>(in[i].data) + p * channels[i];
#pragma omp simd
          for (int64_t c = 0; c < channels[i]; ++c)
            row[c] = src[c];
          row += channels[i];
        }
      }
      return;
    }
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

/// Concat along channels when every input is nhwc, of one element type
/// (f32, or bf16 in a bf16 backbone); otherwise the planner makes them
/// plain for the generic byte concat.
bool nhwcChannelConcat(const BuildContext &ctx) {
  for (size_t i = 0; i < ctx.shapes.size(); ++i)
    if (!isChannelsLast(ctx.layouts[i], ctx.shapes[i]) ||
        storedType(ctx.layouts[i]) != storedType(ctx.layouts[0]) ||
        (storedType(ctx.layouts[i]) != dt::f32 &&
         storedType(ctx.layouts[i]) != dt::bf16))
      return false;
  return !ctx.shapes.empty();
}

/// The channel blocks of a concat along channels whose inputs are all
/// channel-blocked alike (nChw8c or nChw16c, one element type) with whole
/// blocks: per image each input is one contiguous run, and the runs side
/// by side are the result in that layout (convs on AVX2 choose nChw8c;
/// SqueezeNet's fire modules concat 64 + 64 channels).
std::optional<ChannelBlocks> blockedChannelConcat(const BuildContext &ctx) {
  std::optional<ChannelBlocks> first =
      ctx.shapes.empty() ? std::nullopt
                         : channelBlocks(ctx.layouts[0], ctx.shapes[0]);
  if (!first || first->block < 8 || first->format == tag::acdb)
    return std::nullopt;
  for (size_t i = 0; i < ctx.shapes.size(); ++i) {
    std::optional<ChannelBlocks> b =
        channelBlocks(ctx.layouts[i], ctx.shapes[i]);
    if (!b || b->format != first->format || b->type != first->type ||
        ctx.shapes[i][1] % b->block != 0)
      return std::nullopt;
  }
  return first;
}

bool channelAxis(const BuildContext &ctx) {
  int64_t axis = ctx.attrs.i("axis");
  return axis == 1 || axis == -3;
}

StatusOr<Built> buildConcat(BuildContext &ctx) {
  // Along any other axis the planner made the inputs plain (concatLayouts);
  // they may still look nhwc, as a [N, 1, H, W] tensor is both.
  const Shape &y = ctx.outShapes[0];
  std::optional<ChannelBlocks> blocks =
      channelAxis(ctx) ? blockedChannelConcat(ctx) : std::nullopt;
  if (blocks) {
    auto k = std::make_unique<ConcatKernel>();
    k->outer = y[0];
    size_t size = blocks->type == dt::f32 ? 4 : 2;
    for (const Shape &s : ctx.shapes)
      k->chunk.push_back(s[1] * s[2] * s[3] * size);
    return Built{std::move(k),
                 {memory::desc(dims(y), blocks->type, blocks->format)}};
  }
  if (!nhwcChannelConcat(ctx) || !channelAxis(ctx))
    return buildConcatBytes(ctx);
  auto k = std::make_unique<NhwcConcatKernel>();
  for (const Shape &s : ctx.shapes)
    k->channels.push_back(s[1]);
  k->pixels = y[0] * y[2] * y[3];
  dt type = storedType(ctx.layouts[0]);
  k->bf16 = type == dt::bf16;
  memory::desc layout(dims(y), type, tag::acdb);
  return Built{std::move(k), {layout}};
}

/// Channel concat (axis 1) of nhwc tensors, or of channel-blocked ones
/// with whole blocks, runs without reorders.
bool concatLayouts(const BuildContext &ctx) {
  return channelAxis(ctx) &&
         (nhwcChannelConcat(ctx) || blockedChannelConcat(ctx));
}

} // namespace

void cpu::appendConcatOps(std::vector<OpDef> &ops) {
  ops.push_back({"concat", buildConcat, concatLayouts, Computes::kAnyType});
}
