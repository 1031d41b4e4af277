//===- OpSchema.h - what every backend may assume of a kernel ---*- C++ -*-===//
//
// One entry per tl op, shared by every backend: how many operands and
// results it has and which operands may be absent, the attributes it reads
// (kind, and the range of each value), what element types its operands may
// have, its output-shape function and its micro-batching sample rule.
//
// The core checks every kernel against its entry when an artifact loads
// (verifyKernel) and computes every output shape with overflow-checked
// arithmetic when it plans a new input shape (inferKernelShapes). A backend
// sees a kernel only after both succeeded: its operand count, attributes and
// shapes are then what this file says, and it never recomputes a shape.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_CORE_OPSCHEMA_H
#define TLC_RUNTIME_CORE_OPSCHEMA_H

#include "Attrs.h"
#include "Batching.h"
#include "Shapes.h"
#include "tlc/runtime/DType.h"

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace tlc::runtime {

enum class AttrKind { kInt, kInts, kFloat, kFloats };

/// One attribute an op reads. Integers (each element of a list) must lie in
/// [lo, hi]; floats must not be NaN, and with `finite` not infinite either.
struct AttrSpec {
  const char *name;
  AttrKind kind;
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();
  bool required = true;
  bool finite = false;
};

/// What a shape function sees of one kernel: its attributes (verified) and
/// the concrete shapes of its operands (null where an optional one is
/// absent).
struct ShapeContext {
  Attrs &attrs;
  std::vector<const Shape *> inputs;
  std::vector<DType> dtypes;
  CheckedArith arith;

  bool present(size_t i) const { return i < inputs.size() && inputs[i]; }
  const Shape &in(size_t i) const { return *inputs[i]; }
};

/// Computes a kernel's output shapes into `outputs`, or says why its
/// operands do not fit together. Arithmetic goes through ctx.arith.
using ShapeFn = Status (*)(ShapeContext &ctx, std::vector<Shape> &outputs);

enum class OperandTypes {
  kFloating, ///< every operand is f32, f64, f16 or bf16
  /// Floating, but operand 1 (the weight of conv and fc) may also be i8:
  /// a quantized weight (the artifact verified its Weight.quantization).
  kFloatingOrQuantizedWeight,
  kNumeric, ///< floats or integers, not bool (arithmetic), one type for all
  kAny,     ///< any element type (data movement; shape functions may check)
  kBoolean, ///< every operand is bool (logic)
};

/// The element type of an op's results.
enum class ResultType {
  kFirstOperand,  ///< that of operand 0 (most ops)
  kSecondOperand, ///< that of operand 1 (where: operand 0 is the condition)
  kI64,           ///< indices (arg_max, arg_min)
  kBool,          ///< comparisons and logic
  kAttrTo,        ///< the DType in attribute `to` (cast)
};

struct OpSchema {
  const char *name;
  /// Operand slots: `required` ones, then `optional` ones (absent: -1 in the
  /// artifact). With `variadic`, one or more operands, all present.
  int required;
  int optional;
  bool variadic;
  int results;
  OperandTypes types;
  std::vector<AttrSpec> attrs;
  ShapeFn shapes;
  /// Whether the op keeps samples apart (Batching.h); null: unknown, and a
  /// model using it runs every batch in one pass.
  SampleRule keepsSamples;
  ResultType result = ResultType::kFirstOperand;
};

/// The element type of a verified kernel's results for its operands'
/// types.
DType resultDType(const fb::Kernel &kernel, const OpSchema &schema,
                  const std::vector<DType> &operands);

/// The entry for a tl mnemonic, or null.
const OpSchema *findOpSchema(std::string_view name);
/// Every entry, for tools and tests.
const std::vector<OpSchema> &allOpSchemas();

/// Checks a kernel against its entry: operand and result counts, absent
/// operands only in optional slots, every declared attribute present, of its
/// kind and in range. Shapes are checked by inferKernelShapes.
Status verifyKernel(const fb::Kernel &kernel, const OpSchema &schema);

/// Whether the attribute is read from a graph input when a plan is made
/// (Attribute.from_value).
bool isRuntimeAttr(const fb::Attribute &attr);

/// Checks the values a plan read for a verified kernel's run-time
/// attributes against their specs, as verifyKernel checks stored ones.
Status checkBoundAttrs(const fb::Kernel &kernel, const OpSchema &schema,
                       const BoundAttrs &bound);

/// The output shapes of a verified kernel for concrete operand shapes (and
/// the values of its run-time attributes), or why they do not fit together.
/// Every dim of every result lies in [0, kMaxDim], every result has at most
/// kMaxElements elements and rank at most kMaxRank.
StatusOr<std::vector<Shape>>
inferKernelShapes(const fb::Kernel &kernel, const OpSchema &schema,
                  const std::vector<const Shape *> &inputs,
                  const std::vector<DType> &dtypes,
                  const BoundAttrs *bound = nullptr);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_CORE_OPSCHEMA_H
