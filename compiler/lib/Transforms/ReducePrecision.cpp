//===- ReducePrecision.cpp - the frozen backbone's weights in bf16 --------===//
//
// A frozen backbone never changes, so the precision it runs in is the
// compiler's choice. This pass makes the choice visible in the IR: the
// weights of convs and fcs become bf16 constants (the dialect lets a conv or
// fc widen a bf16 weight to its f32 input), and the function records the
// precision for the artifact. Activations stay f32 tensors in the IR; how
// they are stored between kernels is the runtime's business.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLOps.h"
#include "tlc/Transforms/Constants.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/runtime/DType.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

namespace mlir::tl {
#define GEN_PASS_DEF_REDUCEPRECISIONPASS
#include "tlc/Transforms/Passes.h.inc"
} // namespace mlir::tl

using namespace mlir;
using namespace mlir::tl;

namespace {

/// Whether every use of `v` is as the weight operand of a conv or fc.
bool onlyLayerWeight(Value v) {
  if (v.use_empty())
    return false;
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (auto conv = dyn_cast<ConvOp>(user)) {
      if (conv.getWeight() != v || conv.getInput() == v)
        return false;
    } else if (auto fc = dyn_cast<FullyConnectedOp>(user)) {
      if (fc.getWeight() != v || fc.getInput() == v)
        return false;
    } else {
      return false;
    }
  }
  return true;
}

struct ReducePrecisionPass
    : tl::impl::ReducePrecisionPassBase<ReducePrecisionPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (precision != "f32" && precision != "bf16") {
      func.emitError("tl-reduce-precision: precision must be f32 or bf16, "
                     "not '")
          << precision << "'";
      return signalPassFailure();
    }
    if (func.isExternal() || precision == "f32")
      return;
    Builder b(func.getContext());
    bool failedToRead = false;
    func.walk([&](ConstantOp constant) {
      auto type = dyn_cast<RankedTensorType>(constant.getType());
      if (constant.getTrainable() || !type || !type.hasStaticShape() ||
          !type.getElementType().isF32() ||
          !onlyLayerWeight(constant.getResult()))
        return;
      std::optional<FloatTensor> data = getFrozenFloats(constant.getResult());
      if (!data) {
        constant.emitOpError("tl-reduce-precision: the weight's data is not "
                             "available (was it printed with elided "
                             "weights?)");
        failedToRead = true;
        return;
      }
      std::vector<uint16_t> narrow(data->data.size());
      for (size_t i = 0; i < narrow.size(); ++i)
        narrow[i] = tlc::runtime::floatToBf16(data->data[i]);
      auto bf16Type = type.clone(b.getBF16Type());
      ArrayRef<char> raw(reinterpret_cast<const char *>(narrow.data()),
                         narrow.size() * sizeof(uint16_t));
      // A resource blob even for small weights: DenseElementsAttr of bf16
      // would round-trip through APFloat for no gain.
      ElementsAttr value = DenseResourceElementsAttr::get(
          bf16Type, resourceKey(parameterKey(constant, ".bf16")),
          HeapAsmResourceBlob::allocateAndCopyWithAlign(raw,
                                                        alignof(uint64_t)));
      constant.setValueAttr(value);
      constant.getResult().setType(bf16Type);
    });
    if (failedToRead)
      return signalPassFailure();
    func->setAttr(kPrecisionAttr, b.getStringAttr(precision));
  }
};

} // namespace
