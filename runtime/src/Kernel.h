//===- Kernel.h - CPU kernels of the tl ops ---------------------*- C++ -*-===//
//
// Each tl op has one OpDef: `build` checks the kernel's attributes and input
// shapes, computes its output shapes, and creates a Kernel specialized to
// those shapes (oneDNN primitives, reordered weights). Everything that can
// fail, fails in build; Kernel::run never does.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_KERNEL_H
#define TLC_RUNTIME_KERNEL_H

#include "Artifact.h"
#include "Batching.h"
#include "tlc/runtime/Tensor.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tlc::runtime {

using Shape = std::vector<int64_t>;

int64_t numElements(const Shape &shape);

/// Attributes of one kernel. Getters record the first problem (missing or
/// of the wrong kind) and return a neutral value; status() reports it.
class Attrs {
public:
  Attrs(const fb::Kernel &kernel) : kernel_(kernel) {}
  int64_t i(const char *name);
  std::vector<int64_t> ints(const char *name);
  float f(const char *name);
  std::vector<float> floats(const char *name);
  /// Whether the attribute exists; records nothing.
  bool has(const char *name) const {
    return kernel_.attributes() &&
           kernel_.attributes()->LookupByKey(name) != nullptr;
  }
  Status status() const { return status_; }

private:
  const fb::Attribute *find(const char *name);
  const fb::Kernel &kernel_;
  Status status_;
};

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
};

/// What build() sees of one kernel instance.
struct BuildContext {
  Attrs &attrs;
  ExecEnv &env;
  std::vector<Shape> shapes;            ///< per input; empty if absent
  std::vector<bool> present;            ///< optional inputs may be absent
  std::vector<DType> dtypes;            ///< per input
  std::vector<const uint8_t *> weights; ///< per input: data if a weight
  /// Per input: its memory layout. Plain row-major unless the op's OpDef
  /// accepts other layouts (see OpDef::acceptsLayouts).
  std::vector<dnnl::memory::desc> layouts;

  /// Fails unless input `i` is present and of rank in [minRank, maxRank].
  Status expectRank(size_t i, size_t minRank, size_t maxRank = 64) const;
  /// Per output: the shape the artifact declares (-1 where dynamic).
  std::vector<Shape> declared;

  /// Fails unless every present input is float32.
  Status expectF32() const;
  /// Fails unless output `o` may have `shape`: the artifact's declaration
  /// allows it and its bytes fit in this machine's memory. Kernels call it
  /// before creating primitives, so a corrupt attribute (a pad of 2^24) is
  /// an error rather than minutes inside a primitive constructor; the
  /// planner calls it on every output.
  Status checkOutput(size_t o, const Shape &shape) const;
};

struct Built {
  std::vector<Shape> outShapes;
  std::vector<DType> outTypes;
  std::unique_ptr<Kernel> kernel;
  /// Layouts of the outputs; empty means plain row-major.
  std::vector<dnnl::memory::desc> outLayouts = {};
  /// An input whose buffer output 0 may reuse when that input dies here
  /// (same bytes and layout); the kernel then sees equal pointers. -1: none.
  int inPlaceInput = -1;
};

/// The row-major f32 descriptor of a shape.
dnnl::memory::desc plainLayout(const Shape &shape);

using BuildFn = StatusOr<Built> (*)(BuildContext &ctx);

struct OpDef {
  const char *name;
  BuildFn build;
  /// Whether build() takes these input layouts as they are. Null: plain
  /// inputs only; the planner reorders blocked inputs to plain first.
  bool (*acceptsLayouts)(const BuildContext &ctx) = nullptr;
  /// Whether the op keeps samples apart, given its attributes (see
  /// Batching.h). Null: unknown, and a model using it runs in one pass.
  SampleRule keepsSamples = nullptr;
};

/// The OpDef for a tl mnemonic, or null.
const OpDef *findOp(const std::string &name);

// Registration, one call per file of kernels.
void appendDnnlOps(std::vector<OpDef> &ops);
void appendTensorOps(std::vector<OpDef> &ops);

/// Kernels that need no code: the output aliases nothing, the bytes are
/// copied (reshape-like views).
std::unique_ptr<Kernel> makeCopyKernel();

/// Concat as byte copies, for any dtype in plain layout.
StatusOr<Built> buildConcatBytes(BuildContext &ctx);

/// A kernel that converts one f32 tensor between layouts.
std::unique_ptr<Kernel> makeReorderKernel(const dnnl::memory::desc &from,
                                          const dnnl::memory::desc &to,
                                          ExecEnv &env);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_KERNEL_H
