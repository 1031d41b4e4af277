//===- Constants.cpp - reading and making tl.constant weights -------------===//

#include "tlc/Transforms/Constants.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cassert>
#include <cstring>

using namespace mlir;
using namespace mlir::tl;

namespace {
/// Tensors with more elements than this become resource blobs, as in the
/// importer: small ones stay readable in the printed IR.
constexpr int64_t kMaxInlineElements = 16;
} // namespace

std::optional<FloatTensor> mlir::tl::getFrozenFloats(Value v) {
  auto constant = v.getDefiningOp<ConstantOp>();
  if (!constant || constant.getTrainable())
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(constant.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
    return std::nullopt;
  FloatTensor t;
  t.shape.assign(type.getShape().begin(), type.getShape().end());
  ElementsAttr value = constant.getValue();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> raw = blob->getData();
    if (static_cast<int64_t>(raw.size()) !=
        type.getNumElements() * static_cast<int64_t>(sizeof(float)))
      return std::nullopt;
    t.data.resize(type.getNumElements());
    std::memcpy(t.data.data(), raw.data(), raw.size());
    return t;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    auto values = dense.getValues<float>();
    t.data.assign(values.begin(), values.end());
    return t;
  }
  return std::nullopt;
}

ConstantOp mlir::tl::createFloatConstant(OpBuilder &builder, Location loc,
                                         const FloatTensor &t, StringRef name,
                                         bool trainable) {
  auto type = RankedTensorType::get(t.shape, builder.getF32Type());
  ElementsAttr value;
  if (t.numElements() <= kMaxInlineElements) {
    value = DenseElementsAttr::get(type, ArrayRef<float>(t.data));
  } else {
    ArrayRef<char> raw(reinterpret_cast<const char *>(t.data.data()),
                       t.data.size() * sizeof(float));
    value = DenseResourceElementsAttr::get(
        type, resourceKey(name),
        HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, alignof(uint64_t)));
  }
  return builder.create<ConstantOp>(loc, type, value, trainable);
}

std::optional<std::vector<float>>
mlir::tl::perChannelValues(const FloatTensor &c, int64_t rank,
                           int64_t channels) {
  if (c.numElements() == 1)
    return std::vector<float>(channels, c.data[0]);
  int64_t cRank = c.shape.size();
  if (cRank > rank || rank < 2)
    return std::nullopt;
  for (int64_t i = 0; i < cRank; ++i) {
    int64_t axis = rank - cRank + i; // right-aligned
    if (c.shape[i] != 1 && !(axis == 1 && c.shape[i] == channels))
      return std::nullopt;
  }
  if (c.numElements() != channels)
    return std::nullopt;
  return c.data;
}

std::string mlir::tl::parameterKey(Operation *op, StringRef suffix) {
  std::string name = locationName(op->getLoc());
  if (name.empty())
    name = op->getName().stripDialect().str();
  return name + suffix.str();
}

Operation *mlir::tl::rebuildLayer(OpBuilder &builder, Operation *layer,
                                  Location loc, const FloatTensor &weightData,
                                  const FloatTensor &biasData) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(layer);
  Value weight = createFloatConstant(builder, layer->getLoc(), weightData,
                                     parameterKey(layer, ".w"));
  Value bias = createFloatConstant(builder, layer->getLoc(), biasData,
                                   parameterKey(layer, ".b"));
  assert((isa<ConvOp, FullyConnectedOp>(layer)) && "not a conv or fc");
  Value residual = isa<ConvOp>(layer)
                       ? cast<ConvOp>(layer).getResidual()
                       : cast<FullyConnectedOp>(layer).getResidual();
  SmallVector<Value> operands = {layer->getOperand(0), weight};
  if (bias)
    operands.push_back(bias);
  if (residual)
    operands.push_back(residual);
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute attr : layer->getAttrs())
    if (attr.getName() != "operandSegmentSizes")
      attrs.push_back(attr);
  attrs.push_back(builder.getNamedAttr(
      "operandSegmentSizes",
      builder.getDenseI32ArrayAttr({1, 1, bias ? 1 : 0, residual ? 1 : 0})));
  OperationState state(loc, layer->getName());
  state.addOperands(operands);
  state.addAttributes(attrs);
  state.addTypes(layer->getResultTypes());
  return builder.create(state);
}
