//===- Backend.h - the interface every device backend implements -*- C++
//-*-===//
//
// The core (artifact, op metadata, shapes, liveness, Session) is device
// neutral; a backend turns a verified, shaped graph into something that
// runs on its device. One Backend object serves one Session:
//
//   1. supports(op, dtype, layout): whether it has a kernel; the Session
//      asks for every kernel of the artifact when it loads, so a missing
//      kernel is an error at load, not at the first request.
//   2. attach(artifact): once per session. Weights prepared for the device
//      (reordered, converted, uploaded) are held by the backend from here
//      on and shared by every plan.
//   3. lower(graph): for one set of concrete shapes, the steps it will run,
//      the bytes every value needs in its layout, and an Executable. The
//      core then places the values in one arena (Plan.h), checks that every
//      buffer lies inside it, and has the backend allocate it.
//   4. Executable::run(addresses): one pass over the steps.
//
// Backends may rely on what the core verified: every kernel has the operand
// count, attributes and shapes its OpSchema says, and every shape fits the
// limits of Limits.h. Layouts are the backend's own: the core only sees
// their byte sizes.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_CORE_BACKEND_H
#define TLC_RUNTIME_CORE_BACKEND_H

#include "Artifact.h"
#include "OpSchema.h"
#include "Shapes.h"
#include "tlc/runtime/Session.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tlc::runtime {

/// A backend's name for a memory layout. 0 is plain row-major in every
/// backend; other values mean what the backend that made them says.
using LayoutToken = uint32_t;
inline constexpr LayoutToken kPlainLayout = 0;

/// One kernel of the artifact, ready for a backend.
struct GraphNode {
  const fb::Kernel *kernel;
  const OpSchema *schema;
  std::vector<int64_t> inputs; ///< value ids; -1: absent optional operand
  std::vector<int64_t> outputs;
  /// The values of the kernel's run-time attributes for this plan: read
  /// every attribute through Attrs(*kernel, &bound).
  BoundAttrs bound;
};

/// The artifact's graph with every value's concrete shape for one set of
/// input shapes: the core's shape functions ran on every kernel, and each
/// result matched what the artifact declares.
struct ShapedGraph {
  const Artifact *artifact;
  std::vector<Shape> shapes; ///< per artifact value
  std::vector<DType> dtypes;
  std::vector<GraphNode> nodes;
  std::vector<int64_t> inputValues;  ///< per graph input
  std::vector<int64_t> outputValues; ///< per graph output
  /// For each value, the index of the weight defining it, or -1.
  const std::vector<int32_t> *weightOf;
};

/// One unit of work a backend runs, as liveness sees it: which values it
/// reads and writes. Value ids past the graph's are the backend's own
/// temporaries (layout conversions, say).
struct BufferStep {
  std::vector<int64_t> inputs; ///< -1: absent operand
  std::vector<int64_t> outputs;
  /// An input whose buffer output 0 may take over when that input dies here
  /// (same byte size); the step then sees equal addresses. -1: none.
  int inPlaceInput = -1;
};

/// Runs one lowered plan.
class Executable {
public:
  virtual ~Executable() = default;
  /// One pass over the steps. `addresses` has one entry per value of the
  /// lowering: graph inputs (the caller's memory), weights (the artifact's),
  /// arena offsets; null for values no step touches.
  virtual Status run(const std::vector<uint8_t *> &addresses) = 0;
  /// Per step, the time spent so far (SessionOptions::profile).
  virtual std::vector<KernelProfile> profile() const { return {}; }
  virtual void resetProfile() {}
};

/// What lower() makes of a shaped graph.
struct Lowering {
  /// Bytes per value in the layout the backend keeps it in (blocked layouts
  /// may pad): the graph's values, then the backend's temporaries. Graph
  /// inputs and weights are not placed in the arena.
  std::vector<uint64_t> valueBytes;
  std::vector<BufferStep> steps;
  /// Per graph output, the value that holds it plainly at the end.
  std::vector<int64_t> outputValues;
  /// Per value, its plain row-major shape and dtype (temporaries included):
  /// what the core copies results out of.
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  std::unique_ptr<Executable> executable;
};

/// The core places every value of a plan at a multiple of this in the
/// arena; a backend's allocate() returns memory aligned to it.
inline constexpr uint64_t kArenaAlignment = 64;

/// Device memory a backend hands out, freed by its deleter.
using DeviceBuffer = std::unique_ptr<uint8_t, std::function<void(uint8_t *)>>;

struct BackendOptions {
  int threads = 0;             ///< see SessionOptions::threads
  bool profile = false;        ///< time every step
  bool adaptiveThreads = true; ///< see SessionOptions::adaptiveThreads
};

class Backend {
public:
  virtual ~Backend() = default;
  virtual const char *name() const = 0;
  /// Whether the backend has a kernel for `op` on operands of `dtype` in
  /// `layout`.
  virtual bool supports(const OpSchema &op, DType dtype,
                        LayoutToken layout) const = 0;
  /// Called once, when the session loads.
  virtual Status attach(std::shared_ptr<const Artifact> artifact) = 0;
  virtual StatusOr<Lowering> lower(const ShapedGraph &graph) = 0;
  virtual StatusOr<DeviceBuffer> allocate(uint64_t bytes) = 0;
  /// The most intermediate bytes one pass of a micro-batched run should
  /// need (the CPU: half its last-level cache); 0: always the whole batch.
  virtual int64_t passBudgetBytes() const { return 0; }
  /// Bytes the backend holds for the session beyond plans (prepared
  /// weights), for the plan cache's report.
  virtual uint64_t sessionBytes() const { return 0; }
  /// How this backend runs the artifact's precision (Session::
  /// computePrecision); empty: as compiled.
  virtual std::string computePrecision() const { return {}; }
  /// The device's memory: the default limit on one plan's intermediates
  /// (SessionOptions::maxPlanBytes); 0: unknown.
  virtual uint64_t memoryBytes() const { return 0; }
};

using BackendFactory =
    std::function<StatusOr<std::unique_ptr<Backend>>(const BackendOptions &)>;

/// Makes `name` available to SessionOptions::device. Backends register
/// from a static initializer in their own library.
void registerBackend(const std::string &name, BackendFactory factory);
/// The backend registered as `name`, or an error listing those that are.
StatusOr<std::unique_ptr<Backend>> createBackend(const std::string &name,
                                                 const BackendOptions &options);
std::vector<std::string> registeredBackends();

} // namespace tlc::runtime

#endif // TLC_RUNTIME_CORE_BACKEND_H
