//===- ImportContext.h - state shared by the ONNX converters ----*- C++ -*-===//
//
// A name in the ONNX graph stands for one of three things while importing:
//  * a runtime tensor (an mlir::Value of tensor type),
//  * a constant known on the host (an initializer, a Constant node, a folded
//    computation), materialized as a tl.constant the first time a runtime
//    op needs it,
//  * a small integer tensor computed from shapes whose elements are known
//    integers or dims of runtime tensors (the Shape -> Gather -> Unsqueeze ->
//    Concat -> Reshape chains of exporters), evaluated at import time.
//
// Converters see a NodeContext: typed access to inputs and attributes (every
// attribute a converter reads is marked as understood; any other attribute
// on the node is an error), builders that infer result types and report
// failures as diagnostics, and setters for the node's outputs.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_IMPORTERS_ONNX_IMPORTCONTEXT_H
#define TLC_IMPORTERS_ONNX_IMPORTCONTEXT_H

#include "HostTensor.h"

#include "tl/IR/TLOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <memory>

namespace tlc::onnx_importer {

using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::Value;

/// One element of an integer tensor computed at import time.
struct SymInt {
  enum Kind { Known, DimOf, Opaque } kind = Known;
  int64_t value = 0;  ///< Known: the value.
  mlir::Value source; ///< DimOf: dim `dim` of this runtime tensor.
  int64_t dim = 0;

  static SymInt of(int64_t v) { return {Known, v, {}, 0}; }
  static SymInt dimOf(mlir::Value v, int64_t d) { return {DimOf, 0, v, d}; }
  static SymInt opaque() { return {Opaque, 0, {}, 0}; }
  bool isKnown() const { return kind == Known; }
};

/// A 0-D or 1-D integer tensor of SymInts.
struct SymbolicInts {
  llvm::SmallVector<int64_t> dims; ///< {} or {n}.
  llvm::SmallVector<SymInt> elems;
  int32_t elemType = onnx::TensorProto_DataType_INT64;

  bool allKnown() const {
    return llvm::all_of(elems, [](const SymInt &s) { return s.isKnown(); });
  }
  HostTensor toHost() const; ///< Only when allKnown().
};

/// What a graph name stands for; see the file comment.
struct ImportedValue {
  mlir::Value value;
  std::shared_ptr<HostTensor> constant;
  std::shared_ptr<SymbolicInts> symbolic;
};

class GraphImporter;

class NodeContext {
public:
  NodeContext(GraphImporter &importer, const onnx::NodeProto &node,
              int64_t opset, mlir::Location loc);

  const onnx::NodeProto &node;
  const int64_t opset;
  const mlir::Location loc;

  mlir::OpBuilder &builder();
  mlir::MLIRContext *ctx();
  mlir::InFlightDiagnostic emitError() { return mlir::emitError(loc); }
  /// "; it is the graph input 'X': freeze it with --bind ..." when input
  /// `i`, which must be known at import time, is a graph input; else "".
  std::string bindHint(size_t i);
  LogicalResult fail(const llvm::Twine &message) {
    return emitError() << message;
  }

  //===--- Inputs ----------------------------------------------------===//

  size_t numInputs() const { return node.input_size(); }
  /// An input that is present (optional inputs may be missing or "").
  bool hasInput(size_t i) const {
    return static_cast<int>(i) < node.input_size() && !node.input(i).empty();
  }
  /// The input as a runtime tensor, materializing constants.
  FailureOr<Value> input(size_t i);
  /// The input's host value, when it is known at import time.
  const HostTensor *constantInput(size_t i);
  /// The input as import-time integers (known or symbolic), if it is one.
  const SymbolicInts *symbolicInput(size_t i);
  /// The input as known integers; an error naming `what` otherwise.
  FailureOr<llvm::SmallVector<int64_t>> intsInput(size_t i,
                                                  llvm::StringRef what);
  /// The input as known numbers; an error naming `what` otherwise.
  FailureOr<llvm::SmallVector<double>> doublesInput(size_t i,
                                                    llvm::StringRef what);
  /// Input `i` as a run-time parameter (TL_RuntimeParams in TLOps.td): a
  /// graph input, not bound, of a static 0-D or 1-D shape with i64 or i32
  /// elements (`integers`) or f32 ones. Null otherwise.
  Value runtimeParam(size_t i, bool integers);
  /// The ranked type of input i (materializing it).
  FailureOr<mlir::RankedTensorType> inputType(size_t i);
  /// Appends input i to `operands` when present (optional inputs).
  LogicalResult appendIfPresent(size_t i,
                                llvm::SmallVectorImpl<Value> &operands);
  /// `axis` in [-rank, rank) as [0, rank); an error naming both otherwise.
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

  //===--- Attributes --------------------------------------------------===//

  bool hasAttr(llvm::StringRef name);
  int64_t getInt(llvm::StringRef name, int64_t def);
  float getFloat(llvm::StringRef name, float def);
  std::string getString(llvm::StringRef name, llvm::StringRef def);
  llvm::SmallVector<int64_t> getInts(llvm::StringRef name,
                                     llvm::ArrayRef<int64_t> def = {});
  llvm::SmallVector<float> getFloats(llvm::StringRef name);
  /// The raw attribute, or null; marks it as understood.
  const onnx::AttributeProto *getAttr(llvm::StringRef name);
  /// Marks attributes the converter accepts but ignores, e.g. BatchNorm's
  /// training momentum.
  void ignoreAttrs(std::initializer_list<llvm::StringRef> names);
  /// Fails on attributes no getter asked for, or read with the wrong type.
  LogicalResult checkAttributes();

  //===--- Outputs -----------------------------------------------------===//

  size_t numOutputs() const { return node.output_size(); }
  bool hasOutput(size_t i) const {
    return static_cast<int>(i) < node.output_size() && !node.output(i).empty();
  }
  void setOutput(size_t i, Value value);
  void setOutputConstant(size_t i, HostTensor tensor);
  void setOutputSymbolic(size_t i, SymbolicInts ints);
  /// Output `out` is the constant input `in` (shared, not copied).
  void forwardConstant(size_t out, size_t in);

  //===--- Building ----------------------------------------------------===//

  /// Builds OpT with the inferred result type; a failed inference is a
  /// diagnostic at the node.
  template <typename OpT>
  FailureOr<Value> create(mlir::ValueRange operands,
                          llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    llvm::SmallVector<mlir::Type> types;
    auto dict = mlir::DictionaryAttr::get(ctx(), attrs);
    if (mlir::failed(OpT::inferReturnTypes(ctx(), loc, operands, dict,
                                           mlir::OpaqueProperties(nullptr),
                                           /*regions=*/{}, types)))
      return mlir::failure();
    OpT op = builder().create<OpT>(loc, types, operands, attrs);
    // Operand constraints (e.g. float element types) are checked here so the
    // error names this node rather than surfacing at the end of the import.
    if (mlir::failed(mlir::verify(op, /*verifyRecursively=*/false))) {
      op->erase();
      return mlir::failure();
    }
    return op->getResult(0);
  }

  /// A 0-D tl.constant of `elemType` (float or integer) holding `v`.
  Value scalar(double v, mlir::Type elemType);
  /// A tl.constant holding `t`, named after the node's output 0.
  FailureOr<Value> constant(const HostTensor &t);

  /// Builds OpT (see create) and makes it the node's output 0.
  template <typename OpT>
  LogicalResult emit(mlir::ValueRange operands,
                     llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    auto y = create<OpT>(operands, attrs);
    if (mlir::failed(y))
      return mlir::failure();
    setOutput(0, *y);
    return mlir::success();
  }

  /// Builds OpT over input 0 and makes it the node's output 0.
  template <typename OpT>
  LogicalResult emitUnary(llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    auto x = input(0);
    if (mlir::failed(x))
      return mlir::failure();
    return emit<OpT>({*x}, attrs);
  }

  mlir::NamedAttribute i64(llvm::StringRef name, int64_t v);
  mlir::NamedAttribute f32(llvm::StringRef name, float v);
  mlir::NamedAttribute flag(llvm::StringRef name, bool v);
  mlir::NamedAttribute i64s(llvm::StringRef name, llvm::ArrayRef<int64_t> v);
  /// `param_attrs`: the attributes an op's run-time parameters give.
  mlir::NamedAttribute paramAttrs(llvm::ArrayRef<llvm::StringRef> names);
  mlir::NamedAttribute f32s(llvm::StringRef name, llvm::ArrayRef<float> v);
  mlir::NamedAttribute named(llvm::StringRef name, mlir::Attribute a);
  /// The operandSegmentSizes of ops with optional operands.
  mlir::NamedAttribute segments(llvm::ArrayRef<int32_t> sizes);

private:
  GraphImporter &importer;
  llvm::StringSet<> understood;
  std::string attrTypeError;
  const onnx::AttributeProto *find(llvm::StringRef name);
  const onnx::AttributeProto *typed(llvm::StringRef name,
                                    onnx::AttributeProto_AttributeType type);
};

using ConvertFn = LogicalResult (*)(NodeContext &);

/// Converters keyed by (op type, the opset that introduced the version).
class ConverterTable {
public:
  void add(llvm::StringRef opType, int64_t sinceVersion, ConvertFn fn);
  /// The converter for the newest version <= opset; null if none.
  ConvertFn lookup(llvm::StringRef opType, int64_t opset) const;
  /// The smallest opset with a converter for opType; 0 if none.
  int64_t firstVersion(llvm::StringRef opType) const;
  llvm::SmallVector<std::string> opTypes(int64_t opset) const;

  static const ConverterTable &get();

private:
  llvm::StringMap<llvm::SmallVector<std::pair<int64_t, ConvertFn>>> table;
};

void registerElementwiseConverters(ConverterTable &table);
void registerNNConverters(ConverterTable &table);
void registerTensorConverters(ConverterTable &table);

} // namespace tlc::onnx_importer

#endif // TLC_IMPORTERS_ONNX_IMPORTCONTEXT_H
