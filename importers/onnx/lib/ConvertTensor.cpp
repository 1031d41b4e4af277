//===- ConvertTensor.cpp - constants, shape computations, data movement ---===//
//
// Shape computations (Shape, Gather, Unsqueeze, Squeeze, Concat, Slice on
// small integer tensors) are evaluated at import time as SymbolicInts; the
// Reshape they feed gets a static target where dims are known, and ONNX's
// 0 (copy) or -1 (infer) where they are dynamic.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"
#include "ModelLoader.h"

#include "tlc/runtime/Limits.h"

using namespace mlir;
using namespace tlc::onnx_importer;

namespace {

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// Decodes a tensor-valued attribute (external data is not allowed here).
FailureOr<HostTensor> tensorAttr(NodeContext &nc,
                                 const onnx::AttributeProto &attr) {
  onnx::TensorProto proto = attr.t();
  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    return nc.fail("attribute '" + attr.name() +
                   "' with external data is not supported");
  auto tensor = decodeTensor(proto, /*baseDir=*/"");
  if (!tensor)
    return nc.fail(llvm::toString(tensor.takeError()));
  return std::move(*tensor);
}

LogicalResult convertConstant(NodeContext &nc) {
  if (const onnx::AttributeProto *a = nc.getAttr("value")) {
    auto t = tensorAttr(nc, *a);
    if (failed(t))
      return failure();
    nc.setOutputConstant(0, std::move(*t));
    return success();
  }
  if (const onnx::AttributeProto *a = nc.getAttr("value_float")) {
    nc.setOutputConstant(0, HostTensor::fromFloats({a->f()}, {}));
    return success();
  }
  if (const onnx::AttributeProto *a = nc.getAttr("value_floats")) {
    SmallVector<float> v(a->floats().begin(), a->floats().end());
    nc.setOutputConstant(0, HostTensor::fromFloats(v, {(int64_t)v.size()}));
    return success();
  }
  if (const onnx::AttributeProto *a = nc.getAttr("value_int")) {
    nc.setOutputConstant(0, HostTensor::fromInts({a->i()}, {}));
    return success();
  }
  if (const onnx::AttributeProto *a = nc.getAttr("value_ints")) {
    SmallVector<int64_t> v(a->ints().begin(), a->ints().end());
    nc.setOutputConstant(0, HostTensor::fromInts(v, {(int64_t)v.size()}));
    return success();
  }
  return nc.fail("needs a value, value_float(s) or value_int(s) attribute "
                 "(sparse and string constants are not supported)");
}

LogicalResult convertConstantOfShape(NodeContext &nc) {
  auto shape = nc.intsInput(0, "shape");
  if (failed(shape))
    return failure();
  HostTensor fill = HostTensor::fromFloats({0.0f}, {1});
  if (const onnx::AttributeProto *a = nc.getAttr("value")) {
    auto t = tensorAttr(nc, *a);
    if (failed(t))
      return failure();
    if (t->numElements() != 1)
      return nc.fail("value must hold exactly one element");
    fill = std::move(*t);
  }
  HostTensor out;
  out.elemType = fill.elemType;
  out.dims = *shape;
  int64_t n = out.numElements();
  if (llvm::any_of(*shape, [](int64_t d) { return d < 0; }) ||
      n > (int64_t(1) << 28))
    return nc.fail("shape with " + Twine(n) + " elements is implausible");
  out.bytes.reserve(n * fill.bytes.size());
  for (int64_t i = 0; i < n; ++i)
    out.bytes += fill.bytes;
  nc.setOutputConstant(0, std::move(out));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape computations
//===----------------------------------------------------------------------===//

LogicalResult convertShape(NodeContext &nc) {
  SmallVector<SymInt> dims;
  Value source;
  if (const HostTensor *t = nc.constantInput(0)) {
    for (int64_t d : t->dims)
      dims.push_back(SymInt::of(d));
  } else {
    auto x = nc.input(0);
    if (failed(x))
      return failure();
    source = *x;
    auto type = cast<RankedTensorType>(x->getType());
    for (int64_t i = 0; i < type.getRank(); ++i)
      dims.push_back(type.isDynamicDim(i) ? SymInt::dimOf(*x, i)
                                          : SymInt::of(type.getDimSize(i)));
  }
  int64_t rank = dims.size();
  int64_t start = nc.getInt("start", 0), end = nc.getInt("end", rank);
  auto clampIndex = [rank](int64_t v) {
    return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank);
  };
  start = clampIndex(start);
  end = clampIndex(end);
  SymbolicInts out;
  for (int64_t i = start; i < end; ++i)
    out.elems.push_back(dims[i]);
  out.dims = {static_cast<int64_t>(out.elems.size())};
  nc.setOutputSymbolic(0, std::move(out));
  return success();
}

/// Size: the element count as a 0-D import-time integer; opaque when a dim
/// is only known at run time (nothing downstream can fold it then).
LogicalResult convertSize(NodeContext &nc) {
  SmallVector<int64_t> dims;
  if (const HostTensor *t = nc.constantInput(0)) {
    dims.assign(t->dims.begin(), t->dims.end());
  } else {
    auto type = nc.inputType(0);
    if (failed(type))
      return failure();
    dims.assign(type->getShape().begin(), type->getShape().end());
  }
  SymInt count = SymInt::of(1);
  for (int64_t d : dims) {
    if (ShapedType::isDynamic(d)) {
      count = SymInt::opaque();
      break;
    }
    if (__builtin_mul_overflow(count.value, d, &count.value))
      return nc.fail("the element count overflows int64");
  }
  SymbolicInts out;
  out.elems.push_back(count);
  nc.setOutputSymbolic(0, std::move(out));
  return success();
}

/// Trilu: the upper (j - i >= k) or lower (j - i <= k) triangle of the last
/// two dims, the rest zero, as tl.where over a mask; the two dims must be
/// known at import time. With k known the mask is a constant; with k
/// computed at run time (or a graph input) it is the constant j - i
/// compared with k.
LogicalResult convertTrilu(NodeContext &nc) {
  bool upper = nc.getInt("upper", 1) != 0;
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  if (type.getRank() < 2)
    return nc.fail("the input must have at least 2 dims");
  int64_t rows = type.getDimSize(type.getRank() - 2);
  int64_t cols = type.getDimSize(type.getRank() - 1);
  if (ShapedType::isDynamic(rows) || ShapedType::isDynamic(cols))
    return nc.fail("the last two dims must be known at import time");
  std::optional<int64_t> k = 0;
  if (nc.hasInput(1)) {
    const HostTensor *given = nc.constantInput(1);
    auto ints = given ? given->toInts() : std::nullopt;
    if (ints && ints->size() != 1)
      return nc.fail("k must be a scalar");
    k = ints ? std::optional((*ints)[0]) : std::nullopt;
  }
  SmallVector<int64_t> offsets;
  offsets.reserve(rows * cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      if (!k)
        offsets.push_back(j - i);
      else
        offsets.push_back((upper ? j - i >= *k : j - i <= *k) ? 1 : 0);
    }
  FailureOr<Value> cond;
  if (k) {
    cond = nc.constant(HostTensor::fromInts(offsets, {rows, cols},
                                            onnx::TensorProto_DataType_BOOL));
  } else {
    auto kType = nc.inputType(1);
    if (failed(kType))
      return failure();
    if (kType->getNumElements() != 1)
      return nc.fail("k must be a scalar");
    auto kValue = nc.input(1);
    auto diagonal = nc.constant(HostTensor::fromInts(offsets, {rows, cols}));
    if (failed(kValue) || failed(diagonal))
      return failure();
    cond = upper ? nc.create<tl::GreaterEqualOp>({*diagonal, *kValue})
                 : nc.create<tl::LessEqualOp>({*diagonal, *kValue});
  }
  if (failed(cond))
    return failure();
  return nc.emit<tl::WhereOp>(
      {*cond, *x, nc.scalar(0.0, type.getElementType())});
}

/// Normalizes `index` into [0, dim); fails when out of range.
FailureOr<int64_t> normalizeIndex(NodeContext &nc, int64_t index, int64_t dim) {
  if (ShapedType::isDynamic(dim)) {
    if (index < 0)
      return nc.fail("negative index " + Twine(index) + " into a dynamic dim");
    return index;
  }
  if (index < -dim || index >= dim)
    return nc.fail("index " + Twine(index) + " is out of range for a dim of " +
                   Twine(dim));
  return index < 0 ? index + dim : index;
}

LogicalResult convertGather(NodeContext &nc) {
  int64_t axis = nc.getInt("axis", 0);
  auto indices = nc.intsInput(1, "indices");
  if (failed(indices))
    return failure();
  const HostTensor *indexTensor = nc.constantInput(1);
  bool scalarIndex = indexTensor->dims.empty();
  if (indexTensor->dims.size() > 1)
    return nc.fail("indices of rank " + Twine(indexTensor->dims.size()) +
                   " are not supported (scalar or 1-D only)");

  // Shape arithmetic: gather from an import-time 1-D integer tensor.
  if (const SymbolicInts *data = nc.symbolicInput(0)) {
    if (data->dims.size() != 1 || (axis != 0 && axis != -1))
      return nc.fail("gathering from a 0-D integer tensor");
    SymbolicInts out;
    out.elemType = data->elemType;
    for (int64_t i : *indices) {
      auto n = normalizeIndex(nc, i, data->elems.size());
      if (failed(n))
        return failure();
      out.elems.push_back(data->elems[*n]);
    }
    if (!scalarIndex)
      out.dims = {static_cast<int64_t>(out.elems.size())};
    nc.setOutputSymbolic(0, std::move(out));
    return success();
  }

  // Run-time data: one slice per index, concatenated, squeezed for scalars.
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  auto normalized = nc.normalizeAxis(axis, type.getRank());
  if (failed(normalized))
    return failure();
  axis = *normalized;
  if (indices->empty())
    return nc.fail("empty indices are not supported");
  SmallVector<Value> slices;
  for (int64_t i : *indices) {
    auto n = normalizeIndex(nc, i, type.getDimSize(axis));
    if (failed(n))
      return failure();
    auto slice = nc.create<tl::SliceOp>(
        {*x}, {nc.i64s("starts", {*n}), nc.i64s("ends", {*n + 1}),
               nc.i64s("axes", {axis}), nc.i64s("steps", {1})});
    if (failed(slice))
      return failure();
    slices.push_back(*slice);
  }
  FailureOr<Value> y = slices.front();
  if (scalarIndex)
    y = nc.create<tl::SqueezeOp>({*y}, {nc.i64s("axes", {axis})});
  else if (slices.size() > 1)
    y = nc.create<tl::ConcatOp>(slices, {nc.i64("axis", axis)});
  if (failed(y))
    return failure();
  nc.setOutput(0, *y);
  return success();
}

/// OpT over input 0 with `names` read at run time from `params`.
template <typename OpT>
LogicalResult emitWithParams(NodeContext &nc, ArrayRef<Value> params,
                             ArrayRef<StringRef> names,
                             SmallVector<NamedAttribute> attrs = {}) {
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  SmallVector<Value> operands = {*x};
  llvm::append_range(operands, params);
  attrs.push_back(nc.paramAttrs(names));
  return nc.emit<OpT>(operands, attrs);
}

/// Squeeze/Unsqueeze axes: an attribute before opset 13, an input after.
FailureOr<SmallVector<int64_t>> axesOperand(NodeContext &nc, bool required) {
  if (nc.opset < 13) {
    auto axes = nc.getInts("axes");
    if (required && axes.empty())
      return nc.fail("attribute 'axes' is required");
    return axes;
  }
  if (!nc.hasInput(1)) {
    if (required)
      return nc.fail("input 'axes' is required");
    return SmallVector<int64_t>();
  }
  return nc.intsInput(1, "axes");
}

LogicalResult convertUnsqueeze(NodeContext &nc) {
  if (nc.opset >= 13)
    if (Value axes = nc.runtimeParam(1, /*integers=*/true))
      return emitWithParams<tl::UnsqueezeOp>(nc, axes, {"axes"});
  auto axes = axesOperand(nc, /*required=*/true);
  if (failed(axes))
    return failure();
  const SymbolicInts *s = nc.symbolicInput(0);
  if (s && s->dims.empty() && axes->size() == 1 &&
      ((*axes)[0] == 0 || (*axes)[0] == -1)) {
    SymbolicInts out = *s;
    out.dims = {1};
    nc.setOutputSymbolic(0, std::move(out));
    return success();
  }
  return nc.emitUnary<tl::UnsqueezeOp>({nc.i64s("axes", *axes)});
}

LogicalResult convertSqueeze(NodeContext &nc) {
  if (nc.opset >= 13)
    if (Value axes = nc.runtimeParam(1, /*integers=*/true))
      return emitWithParams<tl::SqueezeOp>(nc, axes, {"axes"});
  auto axes = axesOperand(nc, /*required=*/false);
  if (failed(axes))
    return failure();
  const SymbolicInts *s = nc.symbolicInput(0);
  if (s && s->dims.size() == 1 && s->elems.size() == 1) {
    SymbolicInts out = *s;
    out.dims = {};
    nc.setOutputSymbolic(0, std::move(out));
    return success();
  }
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  if (axes->empty()) {
    // Without axes every size-1 dim goes, which must be knowable.
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (type.isDynamicDim(i))
        return nc.fail("Squeeze without axes needs static dims; dim " +
                       Twine(i) + " is dynamic");
      if (type.getDimSize(i) == 1)
        axes->push_back(i);
    }
  }
  return nc.emit<tl::SqueezeOp>({*x}, {nc.i64s("axes", *axes)});
}

LogicalResult convertConcat(NodeContext &nc) {
  int64_t axis = nc.getInt("axis", 0);
  bool symbolic = axis == 0 || axis == -1;
  for (size_t i = 0; i < nc.numInputs() && symbolic; ++i) {
    const SymbolicInts *s = nc.symbolicInput(i);
    symbolic = s && s->dims.size() == 1;
  }
  if (symbolic && nc.numInputs() > 0) {
    SymbolicInts out;
    out.elemType = nc.symbolicInput(0)->elemType;
    for (size_t i = 0; i < nc.numInputs(); ++i)
      llvm::append_range(out.elems, nc.symbolicInput(i)->elems);
    out.dims = {static_cast<int64_t>(out.elems.size())};
    nc.setOutputSymbolic(0, std::move(out));
    return success();
  }
  SmallVector<Value> inputs;
  for (size_t i = 0; i < nc.numInputs(); ++i) {
    auto v = nc.input(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  return nc.emit<tl::ConcatOp>(inputs, {nc.i64("axis", axis)});
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

/// Follows dim `dim` of `value` back through ops that provably pass it
/// through unchanged, to the earliest value carrying the same extent. Two
/// dynamic dims that trace to the same (value, dim) are equal at run time.
std::pair<Value, int64_t> traceDim(Value value, int64_t dim) {
  while (Operation *op = value.getDefiningOp()) {
    Value next;
    int64_t nextDim = dim;
    if (op->hasTrait<OpTrait::SameOperandsAndResultType>() ||
        isa<tl::BatchNormOp, tl::LayerNormOp, tl::PReluOp>(op)) {
      next = op->getOperand(0);
    } else if (isa<tl::ConvOp, tl::MaxPoolOp, tl::AvgPoolOp,
                   tl::GlobalAvgPoolOp, tl::GlobalMaxPoolOp,
                   tl::FullyConnectedOp>(op)) {
      if (dim == 0)
        next = op->getOperand(0);
    } else if (auto t = dyn_cast<tl::TransposeOp>(op)) {
      next = t.getInput();
      nextDim = t.getPerm()[dim];
    } else if (auto r = dyn_cast<tl::ReshapeOp>(op)) {
      if (r.getShape() && (*r.getShape())[dim] == 0)
        next = r.getInput();
    } else if (auto f = dyn_cast<tl::FlattenOp>(op)) {
      if (dim == 0 && f.getAxis() == 1)
        next = f.getInput();
    } else if (auto c = dyn_cast<tl::ConcatOp>(op)) {
      int64_t rank = cast<RankedTensorType>(c.getType()).getRank();
      int64_t axis = static_cast<int64_t>(c.getAxis());
      if (dim != (axis < 0 ? axis + rank : axis))
        next = c.getInputs().front();
    } else if (auto pad = dyn_cast<tl::PadOp>(op); pad && pad.getPads()) {
      ArrayRef<int64_t> pads = *pad.getPads();
      int64_t rank = pads.size() / 2;
      if (dim < rank && pads[dim] == 0 && pads[dim + rank] == 0)
        next = pad.getInput();
    } else if (auto sl = dyn_cast<tl::SliceOp>(op); sl && sl.getAxes()) {
      int64_t rank = cast<RankedTensorType>(sl.getType()).getRank();
      if (llvm::none_of(*sl.getAxes(), [&](int64_t a) {
            return (a < 0 ? a + rank : a) == dim;
          }))
        next = sl.getInput();
    } else if (op->getNumOperands() == 2 &&
               isa<tl::AddOp, tl::SubOp, tl::MulOp, tl::DivOp, tl::PowOp,
                   tl::MaxOp, tl::MinOp>(op)) {
      // A dynamic result dim comes from an operand of full rank whose dim
      // is dynamic too (the other operand's is then 1 or equal).
      auto rank = cast<RankedTensorType>(op->getResult(0).getType()).getRank();
      for (Value operand : op->getOperands()) {
        auto type = cast<RankedTensorType>(operand.getType());
        if (type.getRank() == rank && type.isDynamicDim(dim)) {
          next = operand;
          break;
        }
      }
    }
    if (!next)
      break;
    value = next;
    dim = nextDim;
  }
  return {value, dim};
}

LogicalResult convertReshape(NodeContext &nc) {
  bool allowZero = nc.getInt("allowzero", 0) != 0;
  const SymbolicInts *target = nc.symbolicInput(1);
  if (Value shape = nc.runtimeParam(1, /*integers=*/true); shape && !target) {
    // tl's 0 copies the input dim; with allowzero a 0 is an empty dim.
    if (allowZero)
      return nc.fail("allowzero=1 needs the shape at import time" +
                     nc.bindHint(1));
    return emitWithParams<tl::ReshapeOp>(nc, shape, {"shape"});
  }
  if (!target || target->dims.size() != 1)
    return nc.fail("the target shape must be a 1-D integer tensor computable "
                   "at import time" +
                   nc.bindHint(1));
  // Reshaping an import-time integer tensor keeps it so (PyTorch's pad
  // export reshapes its pads to [N, 2] and back).
  if (const SymbolicInts *data = nc.symbolicInput(0)) {
    if (target->allKnown()) {
      int64_t count = data->elems.size(), known = 1, inferred = -1;
      SmallVector<int64_t> dims;
      for (auto [i, t] : llvm::enumerate(target->elems)) {
        int64_t d = t.value;
        if (d == 0 && !allowZero && i < data->dims.size())
          d = data->dims[i];
        if (d == -1)
          inferred = i;
        else if (d < 0 || __builtin_mul_overflow(known, d, &known))
          return nc.fail("cannot reshape " + Twine(count) +
                         " import-time values to the target shape");
        dims.push_back(d);
      }
      if (inferred >= 0 && known > 0 && count % known == 0)
        dims[inferred] = count / known;
      int64_t total = 1;
      bool overflow = false;
      for (int64_t d : dims)
        overflow |= __builtin_mul_overflow(total, d, &total);
      if (overflow || total != count ||
          llvm::any_of(dims, [](int64_t d) { return d < 0; }))
        return nc.fail("cannot reshape " + Twine(count) +
                       " import-time values to the target shape");
      SymbolicInts out = *data;
      out.dims = dims;
      nc.setOutputSymbolic(0, std::move(out));
      return success();
    }
  }
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto xType = cast<RankedTensorType>(x->getType());
  SmallVector<int64_t> shape;
  bool hasInferred = llvm::any_of(target->elems, [](const SymInt &s) {
    return s.isKnown() && s.value == -1;
  });
  for (auto [i, s] : llvm::enumerate(target->elems)) {
    if (s.isKnown()) {
      if (s.value == 0 && allowZero)
        return nc.fail("allowzero=1 with a 0 in the shape is not supported");
      shape.push_back(s.value);
    } else if (s.kind == SymInt::DimOf &&
               static_cast<int64_t>(i) < xType.getRank() &&
               xType.isDynamicDim(i) &&
               traceDim(s.source, s.dim) == traceDim(*x, i)) {
      shape.push_back(0); // provably the input's own dim, in place
    } else if (!hasInferred) {
      shape.push_back(-1);
      hasInferred = true;
    } else {
      return nc.fail("the target shape depends on more than one dynamic dim; "
                     "fix the input shape with --input-shape");
    }
  }
  return nc.emit<tl::ReshapeOp>({*x}, {nc.i64s("shape", shape)});
}

LogicalResult convertFlatten(NodeContext &nc) {
  int64_t axis = nc.getInt("axis", 1);
  return nc.emitUnary<tl::FlattenOp>({nc.i64("axis", axis)});
}

/// The import-time tensor of shape `dims` whose element at each
/// multi-index is `in`'s element at flat index `source(index)`.
SymbolicInts gatherElems(const SymbolicInts &in, SmallVector<int64_t> dims,
                         function_ref<int64_t(ArrayRef<int64_t>)> source) {
  SymbolicInts out;
  out.elemType = in.elemType;
  int64_t total = 1;
  for (int64_t d : dims)
    total *= d;
  SmallVector<int64_t> index(dims.size(), 0);
  for (int64_t n = 0; n < total; ++n) {
    out.elems.push_back(in.elems[source(index)]);
    for (int64_t d = dims.size() - 1; d >= 0; --d) {
      if (++index[d] < dims[d])
        break;
      index[d] = 0;
    }
  }
  out.dims = std::move(dims);
  return out;
}

LogicalResult convertTranspose(NodeContext &nc) {
  if (const SymbolicInts *data = nc.symbolicInput(0)) {
    int64_t rank = data->dims.size();
    SmallVector<int64_t> reversed;
    for (int64_t i = rank - 1; i >= 0; --i)
      reversed.push_back(i);
    SmallVector<int64_t> perm = nc.getInts("perm", reversed);
    if (static_cast<int64_t>(perm.size()) != rank)
      return nc.fail("perm has " + Twine(perm.size()) + " entries for rank " +
                     Twine(rank));
    SmallVector<int64_t> dims;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank)
        return nc.fail("perm entry " + Twine(p) + " is out of range");
      dims.push_back(data->dims[p]);
    }
    SmallVector<int64_t> inStrides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      inStrides[d] = inStrides[d + 1] * data->dims[d + 1];
    SymbolicInts out = gatherElems(*data, dims, [&](ArrayRef<int64_t> index) {
      int64_t src = 0;
      for (int64_t d = 0; d < rank; ++d)
        src += index[d] * inStrides[perm[d]];
      return src;
    });
    nc.setOutputSymbolic(0, std::move(out));
    return success();
  }
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  int64_t rank = cast<RankedTensorType>(x->getType()).getRank();
  SmallVector<int64_t> reversed;
  for (int64_t i = rank - 1; i >= 0; --i)
    reversed.push_back(i);
  return nc.emit<tl::TransposeOp>(
      {*x}, {nc.i64s("perm", nc.getInts("perm", reversed))});
}

LogicalResult emitSlice(NodeContext &nc, ArrayRef<int64_t> starts,
                        ArrayRef<int64_t> ends, SmallVector<int64_t> axes,
                        SmallVector<int64_t> steps) {
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  // Shape arithmetic: slicing an import-time integer tensor (1-D shapes,
  // or PyTorch's [N, 2] pads reversed with step -1).
  const SymbolicInts *s = nc.symbolicInput(0);
  if (s && !s->dims.empty()) {
    int64_t rank = s->dims.size();
    // Per dim: the indices it keeps, all by default.
    SmallVector<SmallVector<int64_t>> keep(rank);
    for (int64_t d = 0; d < rank; ++d)
      for (int64_t i = 0; i < s->dims[d]; ++i)
        keep[d].push_back(i);
    for (size_t k = 0; k < axes.size(); ++k) {
      int64_t axis = axes[k] < 0 ? axes[k] + rank : axes[k];
      if (axis < 0 || axis >= rank)
        return nc.fail("axis " + Twine(axes[k]) + " is out of range");
      int64_t n = s->dims[axis], step = steps[k];
      if (step == 0)
        return nc.fail("step must not be 0");
      auto clampIndex = [n](int64_t v, int64_t lo, int64_t hi) {
        if (v < 0)
          v = v < -n ? -n - 1 : v + n;
        return std::clamp(v, lo, hi);
      };
      int64_t b = step > 0 ? clampIndex(starts[k], 0, n)
                           : clampIndex(starts[k], 0, n - 1);
      int64_t e =
          step > 0 ? clampIndex(ends[k], 0, n) : clampIndex(ends[k], -1, n - 1);
      keep[axis].clear();
      for (int64_t i = b; step > 0 ? i < e : i > e; i += step)
        keep[axis].push_back(i);
    }
    SmallVector<int64_t> strides(rank, 1), dims;
    for (int64_t d = rank - 2; d >= 0; --d)
      strides[d] = strides[d + 1] * s->dims[d + 1];
    for (int64_t d = 0; d < rank; ++d)
      dims.push_back(keep[d].size());
    SymbolicInts out = gatherElems(*s, dims, [&](ArrayRef<int64_t> index) {
      int64_t src = 0;
      for (int64_t d = 0; d < rank; ++d)
        src += keep[d][index[d]] * strides[d];
      return src;
    });
    nc.setOutputSymbolic(0, std::move(out));
    return success();
  }
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  return nc.emit<tl::SliceOp>({*x},
                              {nc.i64s("starts", starts), nc.i64s("ends", ends),
                               nc.i64s("axes", axes), nc.i64s("steps", steps)});
}

LogicalResult convertSlice1(NodeContext &nc) {
  return emitSlice(nc, nc.getInts("starts"), nc.getInts("ends"),
                   nc.getInts("axes"), {});
}

/// Slice-10+ with some of starts, ends, axes and steps given as graph
/// inputs (run-time parameters); the others known at import time. Absent
/// axes and steps default to [0, n) and ones.
LogicalResult emitRuntimeSlice(NodeContext &nc) {
  static constexpr StringRef names[] = {"starts", "ends", "axes", "steps"};
  SmallVector<Value> params;
  SmallVector<StringRef> paramNames;
  SmallVector<NamedAttribute> attrs;
  std::optional<int64_t> count;
  SmallVector<std::optional<SmallVector<int64_t>>> known(4);
  for (size_t k = 0; k < 4; ++k) {
    size_t i = k + 1;
    if (!nc.hasInput(i))
      continue;
    if (Value p = nc.runtimeParam(i, /*integers=*/true)) {
      params.push_back(p);
      paramNames.push_back(names[k]);
      count = tl::runtimeParamCount(p);
      continue;
    }
    auto v = nc.intsInput(i, names[k]);
    if (failed(v))
      return failure();
    known[k] = *v;
  }
  if (!count)
    return nc.fail("no slice parameter is read at run time");
  if (!known[2] && !nc.hasInput(3)) {
    known[2].emplace();
    for (int64_t a = 0; a < *count; ++a)
      known[2]->push_back(a);
  }
  if (!known[3] && !nc.hasInput(4))
    known[3] = SmallVector<int64_t>(*count, 1);
  for (size_t k = 0; k < 4; ++k)
    if (known[k])
      attrs.push_back(nc.i64s(names[k], *known[k]));
  return emitWithParams<tl::SliceOp>(nc, params, paramNames, attrs);
}

LogicalResult convertSlice10(NodeContext &nc) {
  for (size_t i = 1; i <= 4; ++i)
    if (nc.runtimeParam(i, /*integers=*/true))
      return emitRuntimeSlice(nc);
  auto starts = nc.intsInput(1, "starts");
  auto ends = nc.intsInput(2, "ends");
  if (failed(starts) || failed(ends))
    return failure();
  SmallVector<int64_t> axes, steps;
  if (nc.hasInput(3)) {
    auto a = nc.intsInput(3, "axes");
    if (failed(a))
      return failure();
    axes = *a;
  }
  if (nc.hasInput(4)) {
    auto s = nc.intsInput(4, "steps");
    if (failed(s))
      return failure();
    steps = *s;
  }
  return emitSlice(nc, *starts, *ends, axes, steps);
}

/// Split: one slice per output along `axis`.
LogicalResult convertSplit(NodeContext &nc) {
  int64_t axis = nc.getInt("axis", 0);
  SmallVector<int64_t> sizes;
  if (nc.opset < 13) {
    sizes = nc.getInts("split");
  } else if (nc.hasInput(1)) {
    auto given = nc.intsInput(1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  }
  int64_t numOutputs = nc.opset >= 18 ? nc.getInt("num_outputs", 0) : 0;
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  auto normalized = nc.normalizeAxis(axis, type.getRank());
  if (failed(normalized))
    return failure();
  axis = *normalized;
  int64_t dim = type.getDimSize(axis);
  // Sizes come from the model: each within the runtime's dim limit, so
  // that their running sum cannot overflow.
  for (int64_t size : sizes)
    if (size < 0 || size > tlc::kMaxDim)
      return nc.fail("split size " + Twine(size) + " is outside [0, " +
                     Twine(tlc::kMaxDim) + "]");
  if (sizes.empty()) {
    int64_t parts = numOutputs ? numOutputs : nc.numOutputs();
    if (parts < 1 || parts > tlc::kMaxOperands)
      return nc.fail("num_outputs " + Twine(parts) + " is outside [1, " +
                     Twine(tlc::kMaxOperands) + "]");
    if (ShapedType::isDynamic(dim))
      return nc.fail("splitting a dynamic dim into equal parts needs a "
                     "static shape");
    int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t p = 0, left = dim; p < parts; ++p, left -= chunk)
      sizes.push_back(std::min(chunk, left));
  }
  if (static_cast<int64_t>(sizes.size()) != (int64_t)nc.numOutputs())
    return nc.fail(Twine(sizes.size()) + " split sizes for " +
                   Twine(nc.numOutputs()) + " outputs");
  int64_t start = 0;
  for (auto [i, size] : llvm::enumerate(sizes)) {
    auto y = nc.create<tl::SliceOp>(
        {*x}, {nc.i64s("starts", {start}), nc.i64s("ends", {start + size}),
               nc.i64s("axes", {axis}), nc.i64s("steps", {1})});
    if (failed(y))
      return failure();
    nc.setOutput(i, *y);
    start += size;
  }
  if (!ShapedType::isDynamic(dim) && start != dim)
    return nc.fail("split sizes add up to " + Twine(start) + ", the dim is " +
                   Twine(dim));
  return success();
}

FailureOr<tl::PadMode> padMode(NodeContext &nc) {
  std::string mode = nc.getString("mode", "constant");
  if (mode == "constant")
    return tl::PadMode::constant;
  if (mode == "reflect")
    return tl::PadMode::reflect;
  if (mode == "edge")
    return tl::PadMode::edge;
  return nc.fail("unsupported pad mode '" + mode + "'");
}

LogicalResult emitPad(NodeContext &nc, ArrayRef<int64_t> pads, float value) {
  auto mode = padMode(nc);
  auto x = nc.input(0);
  if (failed(mode) || failed(x))
    return failure();
  return nc.emit<tl::PadOp>(
      {*x}, {nc.i64s("pads", pads),
             nc.named("mode", tl::PadModeAttr::get(nc.ctx(), *mode)),
             nc.f32("value", value)});
}

LogicalResult convertPad2(NodeContext &nc) {
  return emitPad(nc, nc.getInts("pads"), nc.getFloat("value", 0.0f));
}

/// Pad-11+: pads, constant_value and (18+) axes are inputs.
LogicalResult convertPad11(NodeContext &nc) {
  Value padsParam = nc.runtimeParam(1, /*integers=*/true);
  Value valueParam = nc.runtimeParam(2, /*integers=*/false);
  if ((padsParam || valueParam) && !nc.hasInput(3)) {
    auto mode = padMode(nc);
    if (failed(mode))
      return failure();
    SmallVector<Value> params;
    SmallVector<StringRef> names;
    SmallVector<NamedAttribute> attrs = {
        nc.named("mode", tl::PadModeAttr::get(nc.ctx(), *mode))};
    if (padsParam) {
      params.push_back(padsParam);
      names.push_back("pads");
    } else {
      auto pads = nc.intsInput(1, "pads");
      if (failed(pads))
        return failure();
      attrs.push_back(nc.i64s("pads", *pads));
    }
    if (valueParam) {
      params.push_back(valueParam);
      names.push_back("value");
    } else if (nc.hasInput(2)) {
      auto v = nc.doublesInput(2, "constant_value");
      if (failed(v))
        return failure();
      attrs.push_back(
          nc.f32("value", v->empty() ? 0.0f : static_cast<float>((*v)[0])));
    }
    return emitWithParams<tl::PadOp>(nc, params, names, attrs);
  }
  auto pads = nc.intsInput(1, "pads");
  if (failed(pads))
    return failure();
  float value = 0.0f;
  if (nc.hasInput(2)) {
    auto v = nc.doublesInput(2, "constant_value");
    if (failed(v))
      return failure();
    value = v->empty() ? 0.0f : static_cast<float>((*v)[0]);
  }
  if (nc.hasInput(3)) {
    auto axes = nc.intsInput(3, "axes");
    auto type = nc.inputType(0);
    if (failed(axes) || failed(type))
      return failure();
    int64_t rank = type->getRank();
    if (pads->size() != 2 * axes->size())
      return nc.fail("pads must have two entries per axis");
    SmallVector<int64_t> full(2 * rank, 0);
    for (auto [i, axis] : llvm::enumerate(*axes)) {
      auto a = nc.normalizeAxis(axis, rank);
      if (failed(a))
        return failure();
      full[*a] = (*pads)[i];
      full[*a + rank] = (*pads)[i + axes->size()];
    }
    *pads = full;
  }
  return emitPad(nc, *pads, value);
}

//===----------------------------------------------------------------------===//
// Resize and Upsample
//===----------------------------------------------------------------------===//

struct ResizeAttrs {
  tl::ResizeMode mode = tl::ResizeMode::nearest;
  tl::CoordinateMode coord = tl::CoordinateMode::half_pixel;
  tl::NearestMode nearest = tl::NearestMode::round_prefer_floor;
  float cubicA = -0.75f;
};

FailureOr<tl::ResizeMode> resizeMode(NodeContext &nc) {
  std::string mode = nc.getString("mode", "nearest");
  if (mode == "nearest")
    return tl::ResizeMode::nearest;
  if (mode == "linear" || mode == "bilinear")
    return tl::ResizeMode::linear;
  if (mode == "cubic")
    return tl::ResizeMode::cubic;
  return nc.fail("unsupported mode '" + mode + "'");
}

SmallVector<NamedAttribute> resizeAttrs(NodeContext &nc,
                                        const ResizeAttrs &attrs) {
  return {nc.named("mode", tl::ResizeModeAttr::get(nc.ctx(), attrs.mode)),
          nc.named("coordinate_mode",
                   tl::CoordinateModeAttr::get(nc.ctx(), attrs.coord)),
          nc.named("nearest_mode",
                   tl::NearestModeAttr::get(nc.ctx(), attrs.nearest)),
          nc.f32("cubic_coeff_a", attrs.cubicA)};
}

LogicalResult emitResize(NodeContext &nc, const ResizeAttrs &attrs,
                         std::optional<SmallVector<float>> scales,
                         std::optional<SmallVector<int64_t>> sizes) {
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  SmallVector<NamedAttribute> named = resizeAttrs(nc, attrs);
  if (scales)
    named.push_back(nc.f32s("scales", *scales));
  if (sizes)
    named.push_back(nc.i64s("sizes", *sizes));
  return nc.emit<tl::ResizeOp>({*x}, named);
}

FailureOr<SmallVector<float>> floatsInput(NodeContext &nc, size_t i,
                                          StringRef what) {
  auto values = nc.doublesInput(i, what);
  if (failed(values))
    return failure();
  return SmallVector<float>(values->begin(), values->end());
}

/// Upsample-9 and Resize-10: scales input, asymmetric coordinates, floor.
LogicalResult convertUpsample(NodeContext &nc) {
  auto mode = resizeMode(nc);
  if (failed(mode))
    return failure();
  ResizeAttrs attrs;
  attrs.mode = *mode;
  attrs.coord = tl::CoordinateMode::asymmetric;
  attrs.nearest = tl::NearestMode::floor;
  if (Value p = nc.runtimeParam(1, /*integers=*/false))
    return emitWithParams<tl::ResizeOp>(nc, p, {"scales"},
                                        resizeAttrs(nc, attrs));
  auto scales = floatsInput(nc, 1, "scales");
  if (failed(scales))
    return failure();
  return emitResize(nc, attrs, *scales, std::nullopt);
}

/// Resize-11/13/18: roi, scales, sizes inputs.
LogicalResult convertResize11(NodeContext &nc) {
  ResizeAttrs attrs;
  auto mode = resizeMode(nc);
  if (failed(mode))
    return failure();
  attrs.mode = *mode;
  attrs.cubicA = nc.getFloat("cubic_coeff_a", -0.75f);
  if (nc.getInt("exclude_outside", 0) != 0)
    return nc.fail("exclude_outside=1 is not supported");
  nc.ignoreAttrs({"extrapolation_value"}); // only for tf_crop_and_resize
  if (nc.getInt("antialias", 0) != 0)
    return nc.fail("antialias=1 is not supported");
  if (nc.getString("keep_aspect_ratio_policy", "stretch") != "stretch")
    return nc.fail("only keep_aspect_ratio_policy=stretch is supported");
  if (!nc.getInts("axes").empty())
    return nc.fail("the axes attribute is not supported");
  std::string coord =
      nc.getString("coordinate_transformation_mode", "half_pixel");
  if (coord == "half_pixel")
    attrs.coord = tl::CoordinateMode::half_pixel;
  else if (coord == "pytorch_half_pixel")
    attrs.coord = tl::CoordinateMode::pytorch_half_pixel;
  else if (coord == "align_corners")
    attrs.coord = tl::CoordinateMode::align_corners;
  else if (coord == "asymmetric")
    attrs.coord = tl::CoordinateMode::asymmetric;
  else
    return nc.fail("unsupported coordinate_transformation_mode '" + coord +
                   "'");
  std::string nearest = nc.getString("nearest_mode", "round_prefer_floor");
  if (nearest == "round_prefer_floor")
    attrs.nearest = tl::NearestMode::round_prefer_floor;
  else if (nearest == "round_prefer_ceil")
    attrs.nearest = tl::NearestMode::round_prefer_ceil;
  else if (nearest == "floor")
    attrs.nearest = tl::NearestMode::floor;
  else if (nearest == "ceil")
    attrs.nearest = tl::NearestMode::ceil;
  else
    return nc.fail("unsupported nearest_mode '" + nearest + "'");

  if (Value p = nc.runtimeParam(3, /*integers=*/true))
    return emitWithParams<tl::ResizeOp>(nc, p, {"sizes"},
                                        resizeAttrs(nc, attrs));
  if (Value p = nc.runtimeParam(2, /*integers=*/false);
      p && !nc.hasInput(3) && tl::runtimeParamCount(p) > 0)
    return emitWithParams<tl::ResizeOp>(nc, p, {"scales"},
                                        resizeAttrs(nc, attrs));
  const HostTensor *scales = nc.constantInput(2);
  if (nc.hasInput(3)) {
    auto sizes = nc.intsInput(3, "sizes");
    if (failed(sizes))
      return failure();
    if (!sizes->empty())
      return emitResize(nc, attrs, std::nullopt, *sizes);
  }
  if (!nc.hasInput(2) || !scales || scales->numElements() == 0)
    return nc.fail("needs scales or sizes known at import time");
  auto values = floatsInput(nc, 2, "scales");
  if (failed(values))
    return failure();
  return emitResize(nc, attrs, *values, std::nullopt);
}

} // namespace

/// Reshape to `split`, transpose by `perm`, reshape to `out`: how
/// DepthToSpace and SpaceToDepth move blocks between channels and pixels.
LogicalResult emitBlockShuffle(NodeContext &nc, Value x,
                               ArrayRef<int64_t> split, ArrayRef<int64_t> perm,
                               ArrayRef<int64_t> out) {
  auto a = nc.create<tl::ReshapeOp>({x}, {nc.i64s("shape", split)});
  if (failed(a))
    return failure();
  auto b = nc.create<tl::TransposeOp>({*a}, {nc.i64s("perm", perm)});
  if (failed(b))
    return failure();
  auto y = nc.create<tl::ReshapeOp>({*b}, {nc.i64s("shape", out)});
  if (failed(y))
    return failure();
  nc.setOutput(0, *y);
  return success();
}

/// The [N, C, H, W] input with static C, H, W (N may be dynamic: -1 in
/// the reshapes) and a positive blocksize.
FailureOr<std::pair<Value, SmallVector<int64_t>>> blockInput(NodeContext &nc,
                                                             int64_t &bs) {
  bs = nc.getInt("blocksize", 0);
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  if (type.getRank() != 4)
    return nc.fail("needs a 4-D [N, C, H, W] input");
  if (bs < 1 || bs > (int64_t(1) << 20))
    return nc.fail("blocksize " + Twine(bs) + " is not positive");
  SmallVector<int64_t> dims(type.getShape());
  for (int d = 1; d < 4; ++d)
    if (ShapedType::isDynamic(dims[d]))
      return nc.fail("needs static channels, height and width; fix them with "
                     "--input-shape");
  if (ShapedType::isDynamic(dims[0]))
    dims[0] = -1;
  return std::make_pair(*x, dims);
}

/// DepthToSpace: DCR (depth-column-row) or CRD.
LogicalResult convertDepthToSpace(NodeContext &nc) {
  int64_t bs;
  std::string mode = nc.getString("mode", "DCR");
  auto in = blockInput(nc, bs);
  if (failed(in))
    return failure();
  auto [x, d] = *in;
  int64_t n = d[0], c = d[1], h = d[2], w = d[3];
  if (c % (bs * bs) != 0)
    return nc.fail(Twine(c) + " channels do not split into blocks of " +
                   Twine(bs) + "x" + Twine(bs));
  int64_t oc = c / (bs * bs);
  if (mode == "DCR")
    return emitBlockShuffle(nc, x, {n, bs, bs, oc, h, w}, {0, 3, 4, 1, 5, 2},
                            {n, oc, h * bs, w * bs});
  if (mode == "CRD")
    return emitBlockShuffle(nc, x, {n, oc, bs, bs, h, w}, {0, 1, 4, 2, 5, 3},
                            {n, oc, h * bs, w * bs});
  return nc.fail("unsupported mode '" + mode + "'");
}

LogicalResult convertSpaceToDepth(NodeContext &nc) {
  int64_t bs;
  auto in = blockInput(nc, bs);
  if (failed(in))
    return failure();
  auto [x, d] = *in;
  int64_t n = d[0], c = d[1], h = d[2], w = d[3];
  if (h % bs != 0 || w % bs != 0)
    return nc.fail("a " + Twine(h) + "x" + Twine(w) +
                   " image does not split into blocks of " + Twine(bs) + "x" +
                   Twine(bs));
  return emitBlockShuffle(nc, x, {n, c, h / bs, bs, w / bs, bs},
                          {0, 3, 5, 1, 2, 4}, {n, c * bs * bs, h / bs, w / bs});
}

/// Tile: copies concatenated along each axis (repeats known at import
/// time; at most 1024 copies in all, beyond which a model is not a CNN).
LogicalResult convertTile(NodeContext &nc) {
  auto x = nc.input(0);
  if (failed(x))
    return failure();
  auto repeats = nc.intsInput(1, "repeats");
  if (failed(repeats))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  if (static_cast<int64_t>(repeats->size()) != type.getRank())
    return nc.fail("repeats has " + Twine(repeats->size()) +
                   " entries for rank " + Twine(type.getRank()));
  int64_t copies = 1;
  for (int64_t r : *repeats) {
    if (r < 0)
      return nc.fail("repeats must not be negative, got " + Twine(r));
    if (r == 0)
      return nc.fail("repeats of 0 (an empty result) are not supported");
    if (r > 1024 || (copies *= r) > 1024)
      return nc.fail("more than 1024 copies are not supported");
  }
  Value y = *x;
  for (auto [axis, r] : llvm::enumerate(*repeats)) {
    if (r == 1)
      continue;
    SmallVector<Value> parts(r, y);
    auto cat = nc.create<tl::ConcatOp>(
        parts, {nc.i64("axis", static_cast<int64_t>(axis))});
    if (failed(cat))
      return failure();
    y = *cat;
  }
  if (y == *x) {
    auto id = nc.create<tl::IdentityOp>({y});
    if (failed(id))
      return failure();
    y = *id;
  }
  nc.setOutput(0, y);
  return success();
}

void tlc::onnx_importer::registerTensorConverters(ConverterTable &t) {
  t.add("Constant", 9, convertConstant);
  t.add("ConstantOfShape", 9, convertConstantOfShape);
  t.add("Shape", 1, convertShape);
  t.add("Size", 1, convertSize);
  t.add("Gather", 1, convertGather);
  t.add("Unsqueeze", 1, convertUnsqueeze);
  t.add("Squeeze", 1, convertSqueeze);
  t.add("Concat", 4, convertConcat);
  t.add("Reshape", 5, convertReshape);
  t.add("Flatten", 9, convertFlatten);
  t.add("Transpose", 1, convertTranspose);
  t.add("DepthToSpace", 1, convertDepthToSpace);
  t.add("SpaceToDepth", 1, convertSpaceToDepth);
  t.add("Tile", 6, convertTile);
  t.add("Trilu", 14, convertTrilu);
  t.add("Slice", 1, convertSlice1);
  t.add("Slice", 10, convertSlice10);
  t.add("Split", 2, convertSplit);
  t.add("Pad", 2, convertPad2);
  t.add("Pad", 11, convertPad11);
  t.add("Upsample", 9, convertUpsample);
  t.add("Resize", 10, convertUpsample);
  t.add("Resize", 11, convertResize11);
}
