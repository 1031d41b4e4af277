//===- Primitives.h - oneDNN helpers the op families share ------*- C++ -*-===//
//
// Descriptors, the guard that turns oneDNN's exceptions into statuses, the
// fused post-ops of conv and fc, weights prepared once per session, and the
// kernel classes more than one op family builds or recognizes.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_BACKENDS_CPU_PRIMITIVES_H
#define TLC_RUNTIME_BACKENDS_CPU_PRIMITIVES_H

#include "Activations.h"
#include "Kernel.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace tlc::runtime::cpu {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

inline memory::dims dims(const Shape &s) {
  return memory::dims(s.begin(), s.end());
}

inline std::string str(const Shape &s) { return shapeToString(s); }

/// Whether `layout` is channels-last (nhwc) f32 for a 4-D `shape`.
inline bool isNhwc(const memory::desc &layout, const Shape &shape) {
  return shape.size() == 4 &&
         layout == memory::desc(dims(shape), dt::f32, tag::acdb);
}

/// The element type a layout stores (f32 for the zero descriptor of what
/// oneDNN cannot describe, which is always plain f32).
inline dt storedType(const memory::desc &layout) {
  return layout.is_zero() ? dt::f32 : layout.data_type();
}

/// Whether `layout` is row-major for `shape`, of any element type.
inline bool isPlain(const memory::desc &layout, const Shape &shape) {
  return layout == plainLayout(shape, storedType(layout));
}

/// Whether `layout` is channels-last (nhwc) for a 4-D `shape`, of any
/// element type.
inline bool isChannelsLast(const memory::desc &layout, const Shape &shape) {
  return shape.size() == 4 &&
         layout == memory::desc(dims(shape), storedType(layout), tag::acdb);
}

/// How a 4-D map stores its channels, when it keeps channels together:
/// `block` channels per pixel (all C for channels-last, 8 or 16 for
/// nChw8c/nChw16c with C padded to whole blocks, 1 for plain nchw), in
/// f32 or bf16, as `format`. nullopt for other layouts.
struct ChannelBlocks {
  int64_t block;
  dt type;
  tag format;
};
std::optional<ChannelBlocks> channelBlocks(const memory::desc &layout,
                                           const Shape &shape);

/// The element type a conv or fc computes in: bf16 when its weight (input
/// `weight` of `ctx`) is stored in bf16 and the CPU computes bf16 natively.
inline dt computeType(const BuildContext &ctx, size_t weight) {
  return ctx.bf16 && ctx.dtypes[weight] == DType::kBF16 ? dt::bf16 : dt::f32;
}

/// The element type a weight is stored in, as oneDNN names it.
inline dt weightType(const BuildContext &ctx, size_t weight) {
  return ctx.dtypes[weight] == DType::kBF16 ? dt::bf16
         : ctx.dtypes[weight] == DType::kI8 ? dt::s8
                                            : dt::f32;
}

/// Whether a layout stores s8 or u8.
inline bool isInt8(const memory::desc &layout) {
  dt t = storedType(layout);
  return t == dt::s8 || t == dt::u8;
}

/// The storage a calibrated range quantizes to: u8 when it has no
/// negatives, else s8; the scale maps its largest magnitude to the type's
/// largest value (1 for a range of zeros).
std::pair<dt, float> quantizationOf(const fb::Range &range);

/// How a conv or fc runs on int8 data (BuildContext::int8 and a quantized
/// weight): the input as u8/s8 (stored so already, or quantized by a
/// reorder before the primitive), s32 accumulation, per-channel output
/// scales, and a result requantized to its own range when every reader
/// reads int8, else f32.
struct Int8Plan {
  dt srcType;
  float srcScale;
  dt dstType = dt::f32;
  float dstScale = 0; // 0: the result is f32
  std::vector<float> weightScales;
  /// Whether the weights are halved into 7 bits when prepared
  /// (BuildContext::int8SevenBitWeights; weightScales are doubled).
  bool sevenBitWeights = false;
  /// The bias divided by srcScale * weightScales (oneDNN 2.6 adds the bias
  /// to the s32 accumulator, before the output scales).
  std::vector<float> bias;
};

/// The int8 plan for the conv or fc of `ctx` (input 0, weight 1, bias 2);
/// nullopt when it computes in float (no quantized weight, no int8 on
/// this CPU, an input without a scale, a bias that is not a weight).
std::optional<Int8Plan> planInt8(const BuildContext &ctx);

/// Whether a conv or fc with result shape `y` may run on int8 at all: not
/// a conv of one pixel per image (squeeze-and-excitation's), whose int8
/// primitive is oneDNN's reference kernel on AVX2 (0.36 ms against 0.02 in
/// f32 for 48 -> 1152 channels) and whose work is too small to gain from
/// int8 anywhere. The planner asks it too, before it stores an input int8.
inline bool int8Applies(const Shape &y) {
  return y.size() < 3 ||
         !std::all_of(y.begin() + 2, y.end(), [](int64_t d) { return d == 1; });
}

/// Halves `plan`'s weights into 7 bits (doubling their scales, halving the
/// bias in their units) when the CPU lacks VNNI and the primitive's
/// `weights` descriptor does not already carry oneDNN's own scale
/// adjustment (its direct int8 convs on AVX2 halve the weights themselves;
/// its gemm-based convs and inner products do not, and saturate).
/// Depthwise convs widen to 32 bits and keep 8. True if it halved them: the
/// primitive is then described again with the new scales.
bool halveInt8Weights(const BuildContext &ctx, Int8Plan &plan,
                      const memory::desc &weights, bool depthwise = false);

/// The residual a conv or fc with an int8 plan adds: its scale (real =
/// scale * stored; 1 for floats) as `sumScale`, read as `sumType`.
struct Summand {
  float scale = 1.f;
  dt type = dt::undef;
};

/// oneDNN's name for the implementation a primitive runs, e.g.
/// "brg:avx512_core_bf16"; empty when it does not say.
std::string implementationOf(const dnnl::primitive &prim);

/// oneDNN reports invalid configurations with exceptions; they never leave
/// the backend.
template <typename Fn> StatusOr<Built> guarded(const char *op, Fn &&fn) {
  try {
    return fn();
  } catch (const dnnl::error &e) {
    return Status(StatusCode::kUnimplemented,
                  std::string(op) + ": oneDNN cannot run this configuration (" +
                      e.what() + ")");
  }
}

/// One oneDNN eltwise step.
struct EltStep {
  dnnl::algorithm alg;
  float alpha, beta;
};

/// The eltwise steps of a tl activation (fb::Activation) with its
/// parameters.
StatusOr<std::vector<EltStep>> activationSteps(fb::Activation kind, float alpha,
                                               float beta);

/// Post-ops of conv/fc: residual sum, then the activation. With `deferred`,
/// a SiLU or sigmoid activation is left out and named there instead, for
/// the kernel to apply after the primitive (Activations.h says why). With
/// `int8`, the output scales and the requantization of an int8 result
/// too, and `summand` says how the residual is stored.
StatusOr<dnnl::primitive_attr> postOps(Attrs &attrs, bool residual,
                                       Epilogue *deferred = nullptr,
                                       const Int8Plan *int8 = nullptr,
                                       Summand summand = {});

/// A weight in the layout a primitive wants: from the session's cache when
/// constant, reordered per run otherwise.
struct PreparedWeight {
  memory::desc user, wanted;
  memory reordered; // valid when constant
  bool needsReorder = false;

  /// Per output channel (dim 0), the scales a quantized weight is
  /// dequantized with into an f32 `wanted`; empty: none.
  std::vector<float> scales;
  int scaleMask = 0;

  /// For input `i` of `ctx`, in plain layout `userMd`. A quantized weight
  /// wanted in f32 is dequantized (the CPU computes it in f32); one wanted
  /// in s8 is halved into 7 bits with `int8` (Int8Plan::sevenBitWeights);
  /// `grouped` weights have their output channels in dims 0 and 1.
  void prepare(BuildContext &ctx, size_t i, const memory::desc &userMd,
               const memory::desc &wantedMd, bool grouped = false,
               const Int8Plan *int8 = nullptr);
  memory get(ExecEnv &env, uint8_t *data);
};

/// Runs a chain of single-source primitives, the first out of place.
struct ChainKernel : Kernel {
  std::vector<dnnl::primitive> prims;
  memory::desc src, dst;
  BoundMemory srcMem, dstMem;
  std::string implementation() const override {
    return prims.empty() ? std::string() : implementationOf(prims[0]);
  }
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override;
};

/// Global pooling of an nhwc tensor (f32 or bf16) into f32: per image, a
/// pass over H*W rows of C contiguous channels (Pooling.cpp).
/// Global pools of a map whose channels are stored together per pixel:
/// channels-last (block = c), or nChw8c/nChw16c of f32 or bf16 (block 8 or
/// 16, c padded to whole blocks).
struct NhwcGlobalPoolKernel : Kernel {
  int64_t n, c, hw, block;
  bool isMax;
  dt type = dt::f32; // of the tensor pooled (into f32 results)
  float scale = 1.f; // of an s8 or u8 tensor
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override;
};

/// Conv and fc: one oneDNN primitive with fused post-ops (Conv.cpp).
struct ConvLikeKernel : Kernel {
  dnnl::primitive prim;
  memory::desc input, src, dst, bias, residual;
  PreparedWeight weight;
  bool hasBias = false, hasResidual = false;
  std::vector<float> scaledBias; // an int8 plan's (bound instead of input 2)
  Epilogue epilogue = Epilogue::kNone; // applied to dst after the primitive
  memory srcScratch; // the input reordered to `src`, when they differ
  /// Set for a strided 1x1 conv run with stride 1 (see buildConv): every
  /// stride-th pixel of the nhwc input [n, c, h, w] goes to srcScratch.
  struct Gather {
    int64_t n = 0, c, h, w, strideH, strideW, outH, outW;
    size_t elementBytes = sizeof(float);
  } gather;
  BoundMemory inputMem, dstMem, biasMem, residualMem;
  /// The input to srcScratch (quantizing it for an int8 plan), and the
  /// residual into dst where it is not already in dst's layout and type.
  dnnl::reorder toSrc, residualToDst;
  std::unordered_map<int, memory> args;
  /// Set when this kernel took on the global average pool of its nhwc
  /// output (absorb): output 1 gets the [images, channels] means.
  struct Mean {
    int64_t images = 0, pixels, channels;
  } mean;

  void gatherPixels(const uint8_t *x, uint8_t *y) const;
  /// Makes the reorders run() needs once src, dst and residual are known:
  /// the input into srcScratch (multiplied by `srcScale`: quantized for an
  /// int8 plan), and the residual into dst (multiplied by `residualScale`)
  /// unless it has dst's bytes already (residualCopies). Returns whether
  /// dst may take over the residual's buffer.
  bool prepareMoves(ExecEnv &env, float srcScale, float residualScale);
  bool absorb(Kernel &next) override;
  std::string implementation() const override { return implementationOf(prim); }
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override;
};

/// `layout` with elements of `type` in the same order (strides in
/// elements, blocking and padding unchanged).
memory::desc retyped(const memory::desc &layout, dt type);

/// Whether `a` and `b` lay out the same elements at the same offsets (equal
/// but for an element type of the same size: s8 and u8).
bool sameBytes(const memory::desc &a, const memory::desc &b);

/// A reorder from `from` to `to` that multiplies by `scales` along `mask`
/// (oneDNN's output-scale mask; none when empty), or by one `scale`.
dnnl::reorder makeReorder(const memory::desc &from, const memory::desc &to,
                          ExecEnv &env, const std::vector<float> &scales,
                          int mask);
dnnl::reorder makeReorder(const memory::desc &from, const memory::desc &to,
                          ExecEnv &env, float scale = 1.f);

/// A kernel that copies its input's bytes to its output (reshape-like
/// views, and reductions over dims of extent 1).
std::unique_ptr<Kernel> makeCopyKernel();

/// Accepts any input layout (elementwise ops keep it).
bool anyLayout(const BuildContext &);

} // namespace tlc::runtime::cpu

#endif // TLC_RUNTIME_BACKENDS_CPU_PRIMITIVES_H
