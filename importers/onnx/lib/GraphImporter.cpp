//===- GraphImporter.cpp - ONNX graphs into tl functions ------------------===//

#include "ImportContext.h"
#include "ModelLoader.h"

#include "tlc/Importers/Onnx/OnnxImporter.h"
#include "tlc/runtime/Limits.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstdio>
#include <map>

using namespace mlir;
using namespace tlc::onnx_importer;

namespace tlc::onnx_importer {

/// The argument/result attribute naming graph inputs and outputs.
static constexpr llvm::StringLiteral kNameAttr = "tl.name";

class GraphImporter {
public:
  GraphImporter(MLIRContext &ctx, onnx::ModelProto &model, StringRef baseDir,
                const ImportOptions &options)
      : ctx(ctx), builder(&ctx), model(model), baseDir(baseDir.str()),
        options(options) {}

  OwningOpRef<ModuleOp> run();

  MLIRContext &ctx;
  OpBuilder builder;
  llvm::StringMap<ImportedValue> env;

  FailureOr<Value> materialize(StringRef name, Location loc);

private:
  onnx::ModelProto &model;
  std::string baseDir;
  /// Outputs of nodes that failed to convert: their users are skipped
  /// quietly so one unsupported node gives one error, not a cascade.
  llvm::StringSet<> poisoned;
  const ImportOptions &options;
  int64_t opset = 0;

  LogicalResult readOpset();
  LogicalResult checkGraph();
  FailureOr<RankedTensorType> graphValueType(const onnx::ValueInfoProto &info,
                                             bool isInput);
  LogicalResult importNode(const onnx::NodeProto &node, size_t index);
  /// The constant a --bind makes of graph input `info`.
  FailureOr<HostTensor> boundValue(const onnx::ValueInfoProto &info,
                                   const BoundInput &bound);
};

} // namespace tlc::onnx_importer

//===----------------------------------------------------------------------===//
// SymbolicInts
//===----------------------------------------------------------------------===//

HostTensor SymbolicInts::toHost() const {
  SmallVector<int64_t> values;
  for (const SymInt &s : elems)
    values.push_back(s.value);
  return HostTensor::fromInts(values, dims, elemType);
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

NodeContext::NodeContext(GraphImporter &importer, const onnx::NodeProto &node,
                         int64_t opset, Location loc)
    : node(node), opset(opset), loc(loc), importer(importer) {}

OpBuilder &NodeContext::builder() { return importer.builder; }
MLIRContext *NodeContext::ctx() { return &importer.ctx; }

FailureOr<Value> NodeContext::input(size_t i) {
  if (!hasInput(i))
    return fail("input " + Twine(i) + " is required but missing");
  return importer.materialize(node.input(i), loc);
}

FailureOr<RankedTensorType> NodeContext::inputType(size_t i) {
  auto value = input(i);
  if (failed(value))
    return failure();
  return cast<RankedTensorType>(value->getType());
}

LogicalResult NodeContext::appendIfPresent(size_t i,
                                           SmallVectorImpl<Value> &operands) {
  if (!hasInput(i))
    return success();
  auto value = input(i);
  if (failed(value))
    return failure();
  operands.push_back(*value);
  return success();
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return fail("axis " + Twine(axis) + " is out of range for rank " +
                Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

const HostTensor *NodeContext::constantInput(size_t i) {
  if (!hasInput(i))
    return nullptr;
  auto it = importer.env.find(node.input(i));
  if (it == importer.env.end())
    return nullptr;
  ImportedValue &v = it->second;
  if (!v.constant && v.symbolic && v.symbolic->allKnown())
    v.constant = std::make_shared<HostTensor>(v.symbolic->toHost());
  return v.constant.get();
}

const SymbolicInts *NodeContext::symbolicInput(size_t i) {
  if (!hasInput(i))
    return nullptr;
  auto it = importer.env.find(node.input(i));
  if (it == importer.env.end())
    return nullptr;
  ImportedValue &v = it->second;
  if (!v.symbolic && v.constant && v.constant->isInteger() &&
      v.constant->dims.size() <= 1) {
    // The ints live in a named optional: a range-for over `*toInts()`
    // iterated a temporary destroyed before the loop (found by the fuzzer).
    std::optional<SmallVector<int64_t>> ints = v.constant->toInts();
    if (!ints)
      return nullptr;
    auto sym = std::make_shared<SymbolicInts>();
    sym->dims = v.constant->dims;
    sym->elemType = v.constant->elemType;
    for (int64_t x : *ints)
      sym->elems.push_back(SymInt::of(x));
    v.symbolic = std::move(sym);
  }
  return v.symbolic.get();
}

/// For an input that must be known at import time: the option that makes
/// it so when it is a graph input.
std::string NodeContext::bindHint(size_t i) {
  if (i >= static_cast<size_t>(node.input_size()))
    return "";
  auto it = importer.env.find(node.input(i));
  if (it == importer.env.end() || !it->second.value ||
      !isa<BlockArgument>(it->second.value))
    return "";
  return "; it is the graph input '" + node.input(i) +
         "': freeze it with --bind " + node.input(i) + "=FILE.npy|VALUES";
}

Value NodeContext::runtimeParam(size_t i, bool integers) {
  if (!hasInput(i) || constantInput(i))
    return nullptr;
  auto it = importer.env.find(node.input(i));
  if (it == importer.env.end() || !it->second.value ||
      !isa<BlockArgument>(it->second.value))
    return nullptr;
  auto type = dyn_cast<RankedTensorType>(it->second.value.getType());
  if (!type || !type.hasStaticShape() || type.getRank() > 1 ||
      type.getNumElements() > tlc::kMaxOperands)
    return nullptr;
  Type e = type.getElementType();
  bool ok = integers ? e.isInteger(64) || e.isInteger(32) : e.isF32();
  return ok ? it->second.value : nullptr;
}

NamedAttribute NodeContext::paramAttrs(ArrayRef<StringRef> names) {
  return named("param_attrs", builder().getStrArrayAttr(names));
}

FailureOr<SmallVector<int64_t>> NodeContext::intsInput(size_t i,
                                                       StringRef what) {
  if (const HostTensor *t = constantInput(i))
    if (auto ints = t->toInts())
      return *ints;
  return fail(what + " (input " + Twine(i) +
              ") must be an integer tensor known at import time" + bindHint(i));
}

FailureOr<SmallVector<double>> NodeContext::doublesInput(size_t i,
                                                         StringRef what) {
  if (const HostTensor *t = constantInput(i))
    if (auto values = t->toDoubles())
      return *values;
  return fail(what + " (input " + Twine(i) +
              ") must be a constant known at import time" + bindHint(i));
}

const onnx::AttributeProto *NodeContext::find(StringRef name) {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

const onnx::AttributeProto *
NodeContext::typed(StringRef name, onnx::AttributeProto_AttributeType type) {
  understood.insert(name);
  const onnx::AttributeProto *attr = find(name);
  if (!attr)
    return nullptr;
  // Old exporters leave `type` unset; trust the populated field then.
  if (attr->type() != onnx::AttributeProto_AttributeType_UNDEFINED &&
      attr->type() != type) {
    attrTypeError = "attribute '" + name.str() + "' has type " +
                    onnx::AttributeProto_AttributeType_Name(attr->type()) +
                    ", expected " +
                    onnx::AttributeProto_AttributeType_Name(type);
    return nullptr;
  }
  return attr;
}

bool NodeContext::hasAttr(StringRef name) { return find(name) != nullptr; }

const onnx::AttributeProto *NodeContext::getAttr(StringRef name) {
  understood.insert(name);
  return find(name);
}

void NodeContext::ignoreAttrs(std::initializer_list<StringRef> names) {
  for (StringRef name : names)
    understood.insert(name);
}

int64_t NodeContext::getInt(StringRef name, int64_t def) {
  auto *a = typed(name, onnx::AttributeProto_AttributeType_INT);
  return a ? a->i() : def;
}

float NodeContext::getFloat(StringRef name, float def) {
  auto *a = typed(name, onnx::AttributeProto_AttributeType_FLOAT);
  return a ? a->f() : def;
}

std::string NodeContext::getString(StringRef name, StringRef def) {
  auto *a = typed(name, onnx::AttributeProto_AttributeType_STRING);
  return a ? a->s() : def.str();
}

SmallVector<int64_t> NodeContext::getInts(StringRef name,
                                          ArrayRef<int64_t> def) {
  auto *a = typed(name, onnx::AttributeProto_AttributeType_INTS);
  if (!a)
    return SmallVector<int64_t>(def.begin(), def.end());
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

SmallVector<float> NodeContext::getFloats(StringRef name) {
  auto *a = typed(name, onnx::AttributeProto_AttributeType_FLOATS);
  if (!a)
    return {};
  return SmallVector<float>(a->floats().begin(), a->floats().end());
}

LogicalResult NodeContext::checkAttributes() {
  if (!attrTypeError.empty())
    return fail(attrTypeError);
  for (const auto &attr : node.attribute())
    if (!understood.contains(attr.name()))
      return fail("unsupported attribute '" + attr.name() + "'");
  return success();
}

void NodeContext::setOutput(size_t i, Value value) {
  if (hasOutput(i))
    importer.env[node.output(i)] = ImportedValue{value, nullptr, nullptr};
}

void NodeContext::setOutputConstant(size_t i, HostTensor tensor) {
  if (hasOutput(i))
    importer.env[node.output(i)] = ImportedValue{
        {}, std::make_shared<HostTensor>(std::move(tensor)), nullptr};
}

void NodeContext::forwardConstant(size_t out, size_t in) {
  if (hasOutput(out) && constantInput(in))
    importer.env[node.output(out)] = importer.env[node.input(in)];
}

void NodeContext::setOutputSymbolic(size_t i, SymbolicInts ints) {
  if (!hasOutput(i))
    return;
  auto sym = std::make_shared<SymbolicInts>(std::move(ints));
  std::shared_ptr<HostTensor> host;
  if (sym->allKnown())
    host = std::make_shared<HostTensor>(sym->toHost());
  importer.env[node.output(i)] = ImportedValue{{}, host, sym};
}

Value NodeContext::scalar(double v, Type elemType) {
  auto type = RankedTensorType::get({}, elemType);
  Attribute element = isa<FloatType>(elemType)
                          ? Attribute(builder().getFloatAttr(elemType, v))
                          : Attribute(builder().getIntegerAttr(
                                elemType, static_cast<int64_t>(v)));
  auto attr = DenseElementsAttr::get(type, element);
  return builder()
      .create<tl::ConstantOp>(loc, type, attr, /*trainable=*/false)
      .getResult();
}

FailureOr<Value> NodeContext::constant(const HostTensor &t) {
  if (!toMlirElementType(ctx(), t.elemType))
    return fail("an import-time constant of element type " +
                elemTypeName(t.elemType) + " is not supported");
  ElementsAttr attr = t.toAttr(ctx(), node.output_size() ? node.output(0) : "");
  return builder()
      .create<tl::ConstantOp>(loc, attr.getType(), attr, /*trainable=*/false)
      .getResult();
}

NamedAttribute NodeContext::named(StringRef name, Attribute a) {
  return builder().getNamedAttr(name, a);
}
NamedAttribute NodeContext::i64(StringRef name, int64_t v) {
  return named(name, builder().getI64IntegerAttr(v));
}
NamedAttribute NodeContext::f32(StringRef name, float v) {
  return named(name, builder().getF32FloatAttr(v));
}
NamedAttribute NodeContext::flag(StringRef name, bool v) {
  return named(name, builder().getBoolAttr(v));
}
NamedAttribute NodeContext::i64s(StringRef name, ArrayRef<int64_t> v) {
  return named(name, builder().getDenseI64ArrayAttr(v));
}
NamedAttribute NodeContext::f32s(StringRef name, ArrayRef<float> v) {
  return named(name, builder().getDenseF32ArrayAttr(v));
}
NamedAttribute NodeContext::segments(ArrayRef<int32_t> sizes) {
  return named("operandSegmentSizes", builder().getDenseI32ArrayAttr(sizes));
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

FailureOr<Value> GraphImporter::materialize(StringRef name, Location loc) {
  auto it = env.find(name);
  if (it == env.end())
    return emitError(loc) << "input '" << name
                          << "' is not defined before its use (a graph "
                             "input, an initializer or an earlier node's "
                             "output)";
  ImportedValue &v = it->second;
  if (v.value)
    return v.value;
  if (!v.constant && v.symbolic) {
    if (!v.symbolic->allKnown())
      return emitError(loc)
             << "'" << name
             << "' is computed from dynamic dims at run time, which tl "
                "cannot express; fix the input shape (--input-shape)";
    v.constant = std::make_shared<HostTensor>(v.symbolic->toHost());
  }
  if (!v.constant)
    return emitError(loc) << "'" << name << "' has no value";
  if (!toMlirElementType(&ctx, v.constant->elemType))
    return emitError(loc) << "'" << name << "' has element type "
                          << elemTypeName(v.constant->elemType)
                          << ", which tl does not support";
  // Constants go to the top of the function so every later use sees them.
  OpBuilder::InsertionGuard guard(builder);
  Block *entry = builder.getInsertionBlock();
  builder.setInsertionPoint(entry, entry->begin());
  while (builder.getInsertionPoint() != entry->end() &&
         isa<tl::ConstantOp>(&*builder.getInsertionPoint()))
    builder.setInsertionPointAfter(&*builder.getInsertionPoint());
  ElementsAttr attr = v.constant->toAttr(&ctx, name);
  v.value =
      builder
          .create<tl::ConstantOp>(NameLoc::get(builder.getStringAttr(name)),
                                  attr.getType(), attr,
                                  /*trainable=*/false)
          .getResult();
  return v.value;
}

LogicalResult GraphImporter::readOpset() {
  for (const auto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  if (opset == 0)
    return emitError(UnknownLoc::get(&ctx))
           << "the model imports no default-domain (ai.onnx) opset";
  if (opset >= 1 && opset < kMinOpset) {
    if (auto err = upgradeOpset(model, kMinOpset))
      return emitError(UnknownLoc::get(&ctx))
             << "the model uses opset " << opset << "; tlc imports opsets "
             << kMinOpset << " to " << kMaxOpset
             << " and upgrades older ones with ONNX's version converter, "
                "which failed: "
             << llvm::toString(std::move(err));
    emitWarning(UnknownLoc::get(&ctx))
        << "the model uses opset " << opset
        << "; ONNX's version converter upgraded it to opset " << kMinOpset
        << " before import";
    opset = kMinOpset;
  }
  if (opset < kMinOpset || opset > kMaxOpset)
    return emitError(UnknownLoc::get(&ctx))
           << "the model uses opset " << opset << "; tlc imports opsets "
           << kMinOpset << " to " << kMaxOpset
           << " (re-export it, or convert it with onnx.version_converter)";
  return success();
}

FailureOr<RankedTensorType>
GraphImporter::graphValueType(const onnx::ValueInfoProto &info, bool isInput) {
  auto loc = UnknownLoc::get(&ctx);
  StringRef what = isInput ? "graph input" : "graph output";
  if (!info.type().has_tensor_type())
    return emitError(loc) << what << " '" << info.name() << "' is not a tensor";
  const auto &tensorType = info.type().tensor_type();
  Type elem = toMlirElementType(&ctx, tensorType.elem_type());
  if (!elem)
    return emitError(loc) << what << " '" << info.name()
                          << "' has element type "
                          << elemTypeName(tensorType.elem_type())
                          << ", which tl does not support";
  SmallVector<int64_t> dims;
  if (!tensorType.has_shape()) {
    if (!isInput)
      return RankedTensorType(); // outputs: taken from the graph
    auto it = options.inputShapes.find(info.name());
    if (it == options.inputShapes.end())
      return emitError(loc) << "graph input '" << info.name()
                            << "' has no shape; give one with --input-shape "
                            << info.name() << "=1x3x224x224";
    return RankedTensorType::get(it->second, elem);
  }
  for (const auto &dim : tensorType.shape().dim())
    dims.push_back(dim.has_dim_value() && dim.dim_value() > 0
                       ? dim.dim_value()
                       : ShapedType::kDynamic);
  if (dims.size() > size_t(tlc::kMaxRank) ||
      llvm::any_of(dims, [](int64_t d) { return d > tlc::kMaxDim; }))
    return emitError(loc) << what << " '" << info.name() << "' has more than "
                          << tlc::kMaxRank << " dims or a dim above "
                          << tlc::kMaxDim;
  if (isInput) {
    auto it = options.inputShapes.find(info.name());
    if (it != options.inputShapes.end()) {
      if (failed(verifyCompatibleShape(dims, it->second)))
        return emitError(loc)
               << "--input-shape for '" << info.name()
               << "' has rank or dims that differ from the model's "
               << RankedTensorType::get(dims, elem);
      dims.assign(it->second.begin(), it->second.end());
    } else if (options.freeSpatialDims && dims.size() == 4) {
      dims[2] = dims[3] = ShapedType::kDynamic;
    }
  }
  return RankedTensorType::get(dims, elem);
}

FailureOr<HostTensor>
GraphImporter::boundValue(const onnx::ValueInfoProto &info,
                          const BoundInput &bound) {
  auto fail = [&](const Twine &why) {
    return emitError(UnknownLoc::get(&ctx))
           << "--bind " << info.name() << ": " << why;
  };
  if (!info.type().has_tensor_type())
    return fail("the input is not a tensor");
  const auto &tensorType = info.type().tensor_type();
  int32_t declared = tensorType.elem_type();
  SmallVector<int64_t> dims; // -1: not known
  bool ranked = tensorType.has_shape();
  for (const auto &dim : tensorType.shape().dim())
    dims.push_back(dim.has_dim_value() && dim.dim_value() >= 0 ? dim.dim_value()
                                                               : -1);
  std::string declaredStr = "[";
  for (auto [i, d] : llvm::enumerate(dims))
    declaredStr +=
        (i ? ", " : "") + (d < 0 ? std::string("?") : std::to_string(d));
  declaredStr += "]";
  HostTensor t;
  t.elemType = declared;
  if (bound.elemType != 0) {
    if (bound.elemType != declared)
      return fail("the file holds " + elemTypeName(bound.elemType) +
                  ", the input is " + elemTypeName(declared));
    bool fits = !ranked || bound.dims.size() == dims.size();
    for (size_t d = 0; fits && ranked && d < dims.size(); ++d)
      fits = dims[d] < 0 || dims[d] == bound.dims[d];
    if (!fits)
      return fail("the file's shape does not fit the input's " + declaredStr);
    t.dims.assign(bound.dims.begin(), bound.dims.end());
    t.bytes = bound.bytes;
    if (t.numElements() * elementByteSize(declared) != t.bytes.size())
      return fail("the file's bytes do not match its shape");
    return t;
  }
  int64_t count = bound.numbers.size();
  bool known = ranked && llvm::all_of(dims, [](int64_t d) { return d >= 0; });
  int64_t declaredCount = 1;
  for (int64_t d : dims)
    declaredCount = d < 0 ? -1 : declaredCount * d;
  if (known ? declaredCount != count : ranked && dims.size() != 1)
    return fail(Twine(count) + " values do not fill the input's shape " +
                declaredStr);
  if (known)
    t.dims = dims;
  else
    t.dims = {count}; // a vector of unknown length
  switch (declared) {
  case onnx::TensorProto_DataType_FLOAT: {
    SmallVector<float> values(bound.numbers.begin(), bound.numbers.end());
    t = HostTensor::fromFloats(values, t.dims);
    return t;
  }
  case onnx::TensorProto_DataType_INT64:
  case onnx::TensorProto_DataType_INT32:
  case onnx::TensorProto_DataType_INT16:
  case onnx::TensorProto_DataType_INT8:
  case onnx::TensorProto_DataType_UINT8:
  case onnx::TensorProto_DataType_BOOL: {
    // The range of the type (int64: what a double holds exactly).
    double lo = -9.0e15, hi = 9.0e15;
    if (declared == onnx::TensorProto_DataType_INT32)
      lo = INT32_MIN, hi = INT32_MAX;
    else if (declared == onnx::TensorProto_DataType_INT16)
      lo = INT16_MIN, hi = INT16_MAX;
    else if (declared == onnx::TensorProto_DataType_INT8)
      lo = INT8_MIN, hi = INT8_MAX;
    else if (declared == onnx::TensorProto_DataType_UINT8)
      lo = 0, hi = UINT8_MAX;
    else if (declared == onnx::TensorProto_DataType_BOOL)
      lo = 0, hi = 1;
    SmallVector<int64_t> values;
    for (double v : bound.numbers) {
      if (v != std::trunc(v) || v < lo || v > hi) {
        char text[32];
        std::snprintf(text, sizeof(text), "%g", v);
        return fail("the input is " + elemTypeName(declared) + "; " + text +
                    " is not one of its values");
      }
      values.push_back(static_cast<int64_t>(v));
    }
    return HostTensor::fromInts(values, t.dims, declared);
  }
  default:
    return fail("values on the command line for an input of " +
                elemTypeName(declared) + " are not supported; give a .npy");
  }
}

/// The name a node goes by in messages.
static std::string nodeName(const onnx::NodeProto &node, size_t index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                             : node.name();
}

LogicalResult GraphImporter::checkGraph() {
  const onnx::GraphProto &graph = model.graph();
  auto loc = UnknownLoc::get(&ctx);
  // Each tensor is defined once: by an initializer, a graph input (which an
  // initializer may also name, before IR 4) or one node's output.
  llvm::StringMap<std::string> definedBy;
  for (const auto &init : graph.initializer())
    if (!definedBy.try_emplace(init.name(), "an initializer").second)
      return emitError(loc)
             << "initializer '" << init.name() << "' is given twice";
  llvm::StringSet<> inputs;
  for (const auto &in : graph.input()) {
    if (!inputs.insert(in.name()).second)
      return emitError(loc) << "graph input '" << in.name()
                            << "' is declared twice (it could not be fed)";
    definedBy.try_emplace(in.name(), "a graph input");
  }
  // Every op the model uses that tlc does not convert, in one error.
  struct Unsupported {
    size_t count = 0;
    SmallVector<std::string> nodes;
    std::string note;
  };
  std::map<std::string, Unsupported> unsupported;
  const ConverterTable &table = ConverterTable::get();
  for (const auto &[i, node] : llvm::enumerate(graph.node())) {
    std::string name = nodeName(node, i);
    for (const std::string &out : node.output()) {
      if (out.empty())
        continue;
      auto [it, fresh] = definedBy.try_emplace(out, "node '" + name + "'");
      if (!fresh)
        return emitError(loc)
               << "tensor '" << out << "' is produced by " << it->second
               << " and again by node '" << name << "' (" << node.op_type()
               << "): an ONNX graph defines each tensor once";
    }
    std::string key, note;
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      key = node.domain() + "::" + node.op_type();
      note = "domain '" + node.domain() + "' is not supported";
    } else if (!table.lookup(node.op_type(), opset)) {
      key = node.op_type();
      if (int64_t first = table.firstVersion(node.op_type()))
        note = "tlc converts it from opset " + std::to_string(first);
    } else {
      continue;
    }
    Unsupported &u = unsupported[key];
    if (u.count++ < 3)
      u.nodes.push_back("'" + name + "'");
    u.note = note;
  }
  if (unsupported.empty())
    return success();
  auto diag = emitError(loc);
  diag << "the model uses " << unsupported.size()
       << (unsupported.size() == 1 ? " op" : " ops")
       << " tlc does not convert at opset " << opset << ":";
  for (const auto &[op, u] : unsupported) {
    diag << "\n  " << op << " x" << u.count << " (" << llvm::join(u.nodes, ", ")
         << (u.count > u.nodes.size() ? ", ..." : "") << ")";
    if (!u.note.empty())
      diag << ": " << u.note;
  }
  return diag;
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        size_t index) {
  if (llvm::any_of(node.input(), [&](const std::string &in) {
        return poisoned.contains(in);
      })) {
    for (const std::string &out : node.output())
      poisoned.insert(out);
    return failure();
  }
  std::string name = nodeName(node, index);
  Location loc = NameLoc::get(builder.getStringAttr(name));
  std::string prefix = "node '" + name + "' (" + node.op_type() + ", opset " +
                       std::to_string(opset) + "): ";
  // checkGraph already listed, in one error, every node of another domain
  // or without a converter: none reaches here.
  ConvertFn convert = ConverterTable::get().lookup(node.op_type(), opset);
  if (!convert || (!node.domain().empty() && node.domain() != "ai.onnx"))
    return emitError(loc) << prefix << "unsupported op";

  // Converters emit plain messages; every error gets the node's prefix.
  SmallVector<std::string> errors;
  LogicalResult result = failure();
  {
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
      if (diag.getSeverity() != DiagnosticSeverity::Error)
        return failure();
      errors.push_back(diag.str());
      return success();
    });
    NodeContext nc(*this, node, opset, loc);
    Block *block = builder.getInsertionBlock();
    Operation *last = block->empty() ? nullptr : &block->back();
    result = convert(nc);
    // The ops the converter built are verified here, so that a type the
    // dialect refuses is reported as this node's error, with its name, op
    // and opset, not as raw verifier text about a tl op.
    if (succeeded(result))
      for (Operation &op : llvm::make_early_inc_range(
               last ? llvm::make_range(std::next(last->getIterator()),
                                       block->end())
                    : llvm::make_range(block->begin(), block->end())))
        if (failed(verify(&op))) {
          result = failure();
          break;
        }
    if (succeeded(result))
      result = nc.checkAttributes();
    if (succeeded(result))
      for (int i = 0; i < node.output_size(); ++i)
        if (!node.output(i).empty() && !env.count(node.output(i)))
          result = nc.fail("output " + Twine(i) + " ('" + node.output(i) +
                           "') is not supported");
  }
  if (succeeded(result) && errors.empty()) {
    // The op computing each output also carries the tensor's name, so that
    // a cut can name a tensor as well as a node.
    for (const std::string &out : node.output()) {
      auto it = env.find(out);
      if (out.empty() || it == env.end() || !it->second.value)
        continue;
      Operation *def = it->second.value.getDefiningOp();
      if (def && def->getLoc() == loc)
        def->setLoc(NameLoc::get(builder.getStringAttr(name),
                                 NameLoc::get(builder.getStringAttr(out))));
    }
    return success();
  }
  for (const std::string &out : node.output())
    poisoned.insert(out);
  if (errors.empty())
    errors.push_back("conversion failed");
  for (const std::string &message : errors)
    emitError(loc) << prefix << message;
  return failure();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  ctx.loadDialect<tl::TLDialect, func::FuncDialect>();
  if (failed(readOpset()))
    return nullptr;
  if (failed(checkGraph()))
    return nullptr;
  onnx::GraphProto &graph = *model.mutable_graph();
  auto unknown = UnknownLoc::get(&ctx);
  if (graph.sparse_initializer_size() > 0)
    return emitError(unknown) << "sparse initializers are not supported",
           nullptr;

  for (auto &init : *graph.mutable_initializer()) {
    auto tensor = decodeTensor(init, baseDir);
    if (!tensor) {
      emitError(unknown) << llvm::toString(tensor.takeError());
      return nullptr;
    }
    env[init.name()] = ImportedValue{
        {}, std::make_shared<HostTensor>(std::move(*tensor)), nullptr};
  }
  for (const auto &[name, shape] : options.inputShapes) {
    bool found = llvm::any_of(graph.input(), [&, &name = name](auto &in) {
      return in.name() == name && !env.count(in.name());
    });
    if (!found)
      return emitError(unknown) << "--input-shape names '" << name
                                << "', which is not a graph input",
             nullptr;
  }

  for (const auto &[name, bound] : options.bindings) {
    const onnx::ValueInfoProto *info = nullptr;
    for (const auto &in : graph.input())
      if (in.name() == name && !env.count(in.name()))
        info = &in;
    if (!info)
      return emitError(unknown)
                 << "--bind names '" << name << "', which is not a graph input",
             nullptr;
    if (options.inputShapes.count(name))
      return emitError(unknown)
                 << "--bind and --input-shape both name '" << name << "'",
             nullptr;
    auto value = boundValue(*info, bound);
    if (failed(value))
      return nullptr;
    env[name] = ImportedValue{
        {}, std::make_shared<HostTensor>(std::move(*value)), nullptr};
  }

  // Graph inputs that are also initializers (IR < 4) are constants.
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &in : graph.input()) {
    if (env.count(in.name()))
      continue;
    auto type = graphValueType(in, /*isInput=*/true);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    argNames.push_back(in.name());
  }

  auto module = ModuleOp::create(unknown);
  builder.setInsertionPointToEnd(module.getBody());
  auto func = builder.create<func::FuncOp>(
      unknown, options.functionName, builder.getFunctionType(argTypes, {}));
  OwningOpRef<ModuleOp> owned(module);
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    env[name] = ImportedValue{entry->getArgument(i), nullptr, nullptr};
    func.setArgAttr(i, kNameAttr, builder.getStringAttr(name));
  }
  builder.setInsertionPointToEnd(entry);

  bool ok = true;
  for (auto [i, node] : llvm::enumerate(graph.node()))
    ok &= succeeded(importNode(node, i));
  if (!ok)
    return nullptr;

  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    auto value = materialize(out.name(), unknown);
    if (failed(value))
      return nullptr;
    auto declared = graphValueType(out, /*isInput=*/false);
    if (failed(declared))
      return nullptr;
    if (*declared &&
        failed(verifyCompatibleShape(*declared, value->getType()))) {
      emitError(value->getLoc())
          << "graph output '" << out.name() << "' is " << value->getType()
          << " after import, but the model declares " << *declared;
      return nullptr;
    }
    results.push_back(*value);
  }
  builder.create<func::ReturnOp>(unknown, results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, kNameAttr, builder.getStringAttr(out.name()));

  if (failed(verify(module)))
    return nullptr;
  return owned;
}

OwningOpRef<ModuleOp>
tlc::onnx_importer::importOnnxFile(MLIRContext &context, StringRef path,
                                   const ImportOptions &options) {
  onnx::ModelProto model;
  if (auto err = loadModel(path, model)) {
    emitError(UnknownLoc::get(&context)) << llvm::toString(std::move(err));
    return nullptr;
  }
  SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  return GraphImporter(context, model, dir, options).run();
}

OwningOpRef<ModuleOp>
tlc::onnx_importer::importOnnxBytes(MLIRContext &context, StringRef bytes,
                                    StringRef baseDir,
                                    const ImportOptions &options) {
  onnx::ModelProto model;
  if (auto err = parseModel(reinterpret_cast<const uint8_t *>(bytes.data()),
                            bytes.size(), "the model", model)) {
    emitError(UnknownLoc::get(&context)) << llvm::toString(std::move(err));
    return nullptr;
  }
  return GraphImporter(context, model, baseDir, options).run();
}
