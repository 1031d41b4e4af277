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

/// The element type a conv or fc computes in: bf16 when its weight (input
/// `weight` of `ctx`) is stored in bf16 and the CPU computes bf16 natively.
inline dt computeType(const BuildContext &ctx, size_t weight) {
  return ctx.bf16 && ctx.dtypes[weight] == DType::kBF16 ? dt::bf16 : dt::f32;
}

/// The element type a weight is stored in, as oneDNN names it.
inline dt weightType(const BuildContext &ctx, size_t weight) {
  return ctx.dtypes[weight] == DType::kBF16 ? dt::bf16 : dt::f32;
}

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
/// the kernel to apply after the primitive (Activations.h says why).
StatusOr<dnnl::primitive_attr> postOps(Attrs &attrs, bool residual,
                                       Epilogue *deferred = nullptr);

/// A weight in the layout a primitive wants: from the session's cache when
/// constant, reordered per run otherwise.
struct PreparedWeight {
  memory::desc user, wanted;
  memory reordered; // valid when constant
  bool needsReorder = false;

  /// For input `i` of `ctx`, in plain layout `userMd`.
  void prepare(BuildContext &ctx, size_t i, const memory::desc &userMd,
               const memory::desc &wantedMd);
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
struct NhwcGlobalPoolKernel : Kernel {
  int64_t n, c, hw;
  bool isMax;
  bool bf16 = false; // of a bf16 tensor (into f32 results)
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override;
};

/// Conv and fc: one oneDNN primitive with fused post-ops (Conv.cpp).
struct ConvLikeKernel : Kernel {
  dnnl::primitive prim;
  memory::desc input, src, dst, bias, residual;
  PreparedWeight weight;
  bool hasBias = false, hasResidual = false;
  Epilogue epilogue = Epilogue::kNone; // applied to dst after the primitive
  memory srcScratch; // the input reordered to `src`, when they differ
  /// Set for a strided 1x1 conv run with stride 1 (see buildConv): every
  /// stride-th pixel of the nhwc input [n, c, h, w] goes to srcScratch.
  struct Gather {
    int64_t n = 0, c, h, w, strideH, strideW, outH, outW;
    size_t elementBytes = sizeof(float);
  } gather;
  BoundMemory inputMem, dstMem, biasMem, residualMem;
  dnnl::reorder toSrc, residualToDst; // made on first use
  std::unordered_map<int, memory> args;
  /// Set when this kernel took on the global average pool of its nhwc
  /// output (absorb): output 1 gets the [images, channels] means.
  struct Mean {
    int64_t images = 0, pixels, channels;
  } mean;

  void gatherPixels(const uint8_t *x, uint8_t *y) const;
  bool absorb(Kernel &next) override;
  std::string implementation() const override { return implementationOf(prim); }
  void run(ExecEnv &env, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override;
};

/// A kernel that copies its input's bytes to its output (reshape-like
/// views, and reductions over dims of extent 1).
std::unique_ptr<Kernel> makeCopyKernel();

/// Accepts any input layout (elementwise ops keep it).
bool anyLayout(const BuildContext &);

} // namespace tlc::runtime::cpu

#endif // TLC_RUNTIME_BACKENDS_CPU_PRIMITIVES_H
