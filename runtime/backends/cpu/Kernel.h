//===- Kernel.h - kernels of the CPU backend --------------------*- C++ -*-===//
//
// Each tl op has one OpDef: `build` creates a Kernel specialized to one
// kernel instance's shapes (oneDNN primitives, weights in the layout they
// want). The core verified the kernel first (runtime/core/OpSchema.h): its
// operands, attributes and output shapes are known good, and build only
// refuses what this backend cannot run. Everything that can fail, fails in
// build; Kernel::run never does.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_BACKENDS_CPU_KERNEL_H
#define TLC_RUNTIME_BACKENDS_CPU_KERNEL_H

#include "Artifact.h"
#include "Attrs.h"
#include "Shapes.h"
#include "tlc/runtime/DType.h"
#include "tlc/runtime/Tensor.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tlc::runtime::cpu {

struct ExecEnv {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

/// A oneDNN memory object made on a kernel's first run and pointed at each
/// later run's buffer: making one costs about 0.26 us, repointing it
/// 0.01 us, and a network runs a few hundred of them.
class BoundMemory {
public:
  dnnl::memory &at(const dnnl::memory::desc &desc, const dnnl::engine &engine,
                   void *data) {
    if (!memory_)
      memory_ = dnnl::memory(desc, engine, data);
    else
      memory_.set_data_handle(data);
    return memory_;
  }

private:
  dnnl::memory memory_;
};

/// Constant weights in the layouts primitives asked for, made once per
/// session and shared by every plan: a conv built for batch 1 and for
/// batch 32 usually wants the same blocked weight layout.
class WeightCache {
public:
  /// The weight `value` (whose plain bytes are `data`, described by
  /// `plain`) in layout `wanted`; reordered on first request.
  /// A quantized weight wanted in f32 is dequantized by `scales` along
  /// `mask` (oneDNN's output-scale mask).
  dnnl::memory get(int64_t value, const uint8_t *data,
                   const dnnl::memory::desc &plain,
                   const dnnl::memory::desc &wanted, ExecEnv &env,
                   const std::vector<float> &scales = {}, int mask = 0);
  uint64_t bytes() const;

private:
  mutable std::mutex mutex_;
  std::map<int64_t, std::vector<dnnl::memory>> prepared_;
  uint64_t bytes_ = 0;
};

/// A tensor during execution: a pointer into the arena, an input, or a
/// weight.
struct TensorRef {
  uint8_t *data = nullptr;
  Shape shape;
  DType dtype = DType::kF32;
  dnnl::memory::desc layout; ///< where non-plain (blocked), how
  float *f32() const { return reinterpret_cast<float *>(data); }
};

class Kernel {
public:
  virtual ~Kernel() = default;
  virtual void run(ExecEnv &env, const std::vector<TensorRef> &inputs,
                   const std::vector<TensorRef> &outputs) = 0;
  /// Offered `next`, the kernel that runs right after this one and reads
  /// only this one's output 0: returns true if this kernel takes on
  /// computing next's output as a by-product (a global average pool of its
  /// own output, while that is in cache). The planner then drops `next`,
  /// and this kernel's run gets next's output as an extra output.
  virtual bool absorb(Kernel &next) {
    (void)next;
    return false;
  }
  /// The implementation that runs, for profiles: oneDNN's name for its
  /// primitive (e.g. "brg:avx512_core_bf16"), or empty for our own loops.
  virtual std::string implementation() const { return {}; }
};

/// What build() sees of one kernel instance.
struct BuildContext {
  Attrs &attrs;
  ExecEnv &env;
  WeightCache &weightCache;
  std::vector<Shape> shapes;            ///< per input; empty if absent
  std::vector<bool> present;            ///< optional inputs may be absent
  std::vector<DType> dtypes;            ///< per input
  std::vector<int64_t> values;          ///< per input: its value id, or -1
  std::vector<const uint8_t *> weights; ///< per input: data if a weight
  /// Per input: its memory layout. Plain row-major unless the op's OpDef
  /// accepts other layouts (see OpDef::acceptsLayouts).
  std::vector<dnnl::memory::desc> layouts;
  /// Per output: its shape, computed by the core (OpSchema.h).
  std::vector<Shape> outShapes;
  /// Whether a conv or fc whose weight is stored in bf16 computes in bf16
  /// (the artifact asks for it and this CPU has AVX512-BF16); otherwise it
  /// widens the weight and computes in f32.
  bool bf16 = false;
  /// Whether a conv or fc whose weight is quantized to i8 computes on int8
  /// data (an int8 artifact on a CPU with VNNI, AMX or AVX2); otherwise it
  /// dequantizes the weight and computes in f32.
  bool int8 = false;
  /// Whether that int8 lacks VNNI (AVX2, AVX-512 without VNNI): oneDNN then
  /// sums u8 x s8 products in pairs into 16 bits (vpmaddubsw), which
  /// saturate unless the weights take 7 bits (halveInt8Weights).
  bool int8SevenBitWeights = false;
  /// Per input: the scale of its int8 data (real = scale * stored) when
  /// its layout stores s8 or u8; 0 otherwise.
  std::vector<float> scales = {};
  /// Per input: the range calibration recorded for it, if any.
  std::vector<const fb::Range *> ranges = {};
  /// Per input: the quantization of a weight quantized as this backend
  /// runs it (i8, one scale per output channel, no zero point), else null.
  std::vector<const fb::Quantization *> quantizations = {};
  /// Per output: its calibrated range when every kernel that reads it
  /// reads int8 (OpDef::readsInt8), so that it may be stored quantized;
  /// null otherwise.
  std::vector<const fb::Range *> int8Outputs = {};

  bool has(size_t i) const { return i < present.size() && present[i]; }
};

struct Built {
  std::unique_ptr<Kernel> kernel;
  /// Layouts of the outputs; empty means plain row-major.
  std::vector<dnnl::memory::desc> outLayouts = {};
  /// An input whose buffer output 0 may reuse when that input dies here
  /// (same bytes and layout); the kernel then sees equal pointers. -1: none.
  int inPlaceInput = -1;
  /// Per output stored as s8 or u8: its scale. Empty: an int8 output has
  /// the scale of input 0 (pools keep their input's).
  std::vector<float> outScales = {};
};

/// The row-major descriptor of a shape (f32 unless `type` says otherwise);
/// a zero descriptor for what oneDNN cannot describe (scalars, empty dims,
/// very high ranks).
dnnl::memory::desc
plainLayout(const Shape &shape,
            dnnl::memory::data_type type = dnnl::memory::data_type::f32);

using BuildFn = StatusOr<Built> (*)(BuildContext &ctx);

/// Which element types an op's kernel computes on.
enum class Computes {
  kF32,
  kF32OrInteger, ///< f32, or the integer types (buildIntegerArithmetic)
  kAnyType,
};

struct OpDef {
  const char *name;
  BuildFn build;
  /// Whether build() takes these input layouts as they are. Null: plain
  /// inputs only; the planner reorders blocked inputs to plain first.
  bool (*acceptsLayouts)(const BuildContext &ctx) = nullptr;
  Computes computes = Computes::kF32;
  /// An operand that may be stored in bf16 or quantized i8 though the op
  /// computes f32: the weight of a conv or fc the compiler narrowed
  /// (tl-reduce-precision).
  int narrowWeight = -1;
  /// Whether build() takes inputs stored as int8 (BuildContext::scales);
  /// the planner dequantizes them for the other ops.
  bool readsInt8 = false;
};

/// Binary arithmetic on integer tensors (Logic.cpp), with numpy
/// broadcasting; integers wrap, x / 0 and x % 0 are 0 (see TL_BinaryOp).
enum class IntArith { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin, kMod, kFmod };
/// Whether the cpu backend computes IntArith on `dtype`.
bool isIntegerDType(DType dtype);
StatusOr<Built> buildIntegerArithmetic(BuildContext &ctx, IntArith op);

/// The OpDef for a tl mnemonic, or null.
const OpDef *findOp(std::string_view name);

// Registration, one call per op family (the files of this folder).
void appendConvOps(std::vector<OpDef> &ops);
void appendGemmOps(std::vector<OpDef> &ops);
void appendEltwiseOps(std::vector<OpDef> &ops);
void appendBinaryOps(std::vector<OpDef> &ops);
void appendPoolingOps(std::vector<OpDef> &ops);
void appendNormalizationOps(std::vector<OpDef> &ops);
void appendConcatOps(std::vector<OpDef> &ops);
void appendDataMovementOps(std::vector<OpDef> &ops);
void appendLogicOps(std::vector<OpDef> &ops);

/// A kernel that converts one tensor between layouts and element types
/// (f32, bf16, s8, u8), multiplying by `scale` on the way (dequantizing).
std::unique_ptr<Kernel> makeReorderKernel(const dnnl::memory::desc &from,
                                          const dnnl::memory::desc &to,
                                          ExecEnv &env, float scale = 1.f);

} // namespace tlc::runtime::cpu

#endif // TLC_RUNTIME_BACKENDS_CPU_KERNEL_H
