//===- ReducePrecision.cpp - the frozen backbone's weights in bf16 or int8 ===//
//
// A frozen backbone never changes, so the precision it runs in is the
// compiler's choice. This pass makes the choice visible in the IR: the
// weights of convs and fcs become bf16 constants, or per-channel quantized
// i8 ones (the dialect lets a conv or fc widen either to its f32 input),
// and the function records the precision for the artifact. Activations stay
// f32 tensors in the IR; how they are stored between kernels is the
// runtime's business (int8: quantized to the ranges calibration recorded).
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

#include <algorithm>
#include <cmath>
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

/// Whether every conv and fc that reads `weight` has a calibrated input.
bool readersCalibrated(Value weight) {
  for (Operation *user : weight.getUsers()) {
    Value input = isa<ConvOp>(user) ? cast<ConvOp>(user).getInput()
                                    : cast<FullyConnectedOp>(user).getInput();
    if (!calibratedRange(input))
      return false;
  }
  return true;
}

/// `data` as i8 with one symmetric scale per index of dim 0 (max |w| / 127;
/// 1 for an all-zero channel), rounded to nearest even.
std::pair<std::vector<int8_t>, SmallVector<double>>
quantizePerChannel(const FloatTensor &data) {
  int64_t channels = data.shape[0];
  int64_t perChannel = channels ? data.numElements() / channels : 0;
  std::vector<int8_t> q(data.data.size());
  SmallVector<double> scales;
  for (int64_t c = 0; c < channels; ++c) {
    const float *w = data.data.data() + c * perChannel;
    float amax = 0.f;
    for (int64_t i = 0; i < perChannel; ++i)
      amax = std::max(amax, std::fabs(w[i]));
    float scale = amax > 0.f ? amax / 127.f : 1.f;
    for (int64_t i = 0; i < perChannel; ++i)
      q[c * perChannel + i] = static_cast<int8_t>(
          std::clamp(std::nearbyint(w[i] / scale), -127.f, 127.f));
    scales.push_back(scale); // exactly the float the runtime will read
  }
  return {std::move(q), std::move(scales)};
}

struct ReducePrecisionPass
    : tl::impl::ReducePrecisionPassBase<ReducePrecisionPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (precision != "f32" && precision != "bf16" && precision != "int8") {
      func.emitError("tl-reduce-precision: precision must be f32, bf16 or "
                     "int8, not '")
          << precision << "'";
      return signalPassFailure();
    }
    if (func.isExternal() || precision == "f32")
      return;
    Builder b(func.getContext());
    bool failedToRead = false;
    int64_t quantized = 0;
    func.walk([&](ConstantOp constant) {
      auto type = dyn_cast<RankedTensorType>(constant.getType());
      if (constant.getTrainable() || !type || !type.hasStaticShape() ||
          !type.getElementType().isF32() ||
          !onlyLayerWeight(constant.getResult()))
        return;
      bool int8 = precision == "int8";
      // int8 needs the ranges of the inputs; other weights stay f32.
      if (int8 &&
          (type.getRank() < 2 || !readersCalibrated(constant.getResult())))
        return;
      std::optional<FloatTensor> data = getFrozenFloats(constant.getResult());
      if (!data) {
        constant.emitOpError("tl-reduce-precision: the weight's data is not "
                             "available (was it printed with elided "
                             "weights?)");
        failedToRead = true;
        return;
      }
      RankedTensorType narrowType;
      std::vector<char> raw;
      if (int8) {
        auto [q, scales] = quantizePerChannel(*data);
        SmallVector<int64_t> zeroPoints(scales.size(), 0);
        auto element = quant::UniformQuantizedPerAxisType::get(
            quant::QuantizationFlags::Signed, b.getIntegerType(8),
            b.getF32Type(), scales, zeroPoints, /*quantizedDimension=*/0,
            /*storageTypeMin=*/-127, /*storageTypeMax=*/127);
        narrowType = type.clone(element);
        raw.assign(reinterpret_cast<const char *>(q.data()),
                   reinterpret_cast<const char *>(q.data() + q.size()));
        ++quantized;
      } else {
        std::vector<uint16_t> narrow(data->data.size());
        for (size_t i = 0; i < narrow.size(); ++i)
          narrow[i] = tlc::runtime::floatToBf16(data->data[i]);
        narrowType = type.clone(b.getBF16Type());
        raw.assign(
            reinterpret_cast<const char *>(narrow.data()),
            reinterpret_cast<const char *>(narrow.data() + narrow.size()));
      }
      // A resource blob even for small weights: DenseElementsAttr of bf16
      // would round-trip through APFloat for no gain, and has no form for
      // quantized elements.
      ElementsAttr value = DenseResourceElementsAttr::get(
          narrowType,
          resourceKey(parameterKey(constant, int8 ? ".int8" : ".bf16")),
          HeapAsmResourceBlob::allocateAndCopyWithAlign(raw,
                                                        alignof(uint64_t)));
      constant.setValueAttr(value);
      constant.getResult().setType(narrowType);
    });
    if (failedToRead)
      return signalPassFailure();
    if (precision == "int8" && quantized == 0) {
      func.emitError("tl-reduce-precision: precision=int8 needs the "
                     "calibrated ranges of conv and fc inputs (")
          << kRangeAttr
          << ", from `tlc compile --calibrate DATA`); none has one";
      return signalPassFailure();
    }
    func->setAttr(kPrecisionAttr, b.getStringAttr(precision));
  }
};

} // namespace
