//===- Relu6ToRelu.cpp - an example tlc pass plugin -----------------------===//
//
// Replaces ReLU6 (tl.clip with min 0 and max 6) by ReLU, everywhere or in
// the layers named by `layers=` (ONNX node or tensor names). Quantization
// and some accelerators prefer one over the other; for a frozen backbone it
// changes the features only where activations exceed 6.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLOps.h"
#include "tlc/Plugin/PassPlugin.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/STLExtras.h"

namespace {

struct Relu6ToReluPass
    : mlir::PassWrapper<Relu6ToReluPass,
                        mlir::OperationPass<mlir::func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(Relu6ToReluPass)

  Relu6ToReluPass() = default;
  Relu6ToReluPass(const Relu6ToReluPass &other) : PassWrapper(other) {}

  llvm::StringRef getArgument() const final { return "relu6-to-relu"; }
  llvm::StringRef getDescription() const final {
    return "Replace ReLU6 (clip 0..6) by ReLU, in all or the named layers";
  }

  ListOption<std::string> layers{
      *this, "layers",
      llvm::cl::desc(
          "Only the clips of these nodes or tensors (default: all)")};

  /// Whether the user asked for the layer at `loc`.
  bool selected(mlir::Location loc) const {
    if (layers.empty())
      return true;
    return llvm::any_of(mlir::tl::locationNames(loc), [&](const auto &name) {
      return llvm::is_contained(layers, name);
    });
  }

  void runOnOperation() override {
    unsigned replaced = 0;
    getOperation().walk([&](mlir::tl::ClipOp clip) {
      if (!clip.getMin().isZero() || clip.getMax().convertToFloat() != 6.0f ||
          !selected(clip.getLoc()))
        return;
      mlir::OpBuilder builder(clip);
      auto relu =
          builder.create<mlir::tl::ReluOp>(clip.getLoc(), clip.getInput());
      clip.replaceAllUsesWith(relu.getResult());
      clip.erase();
      ++replaced;
    });
    if (!layers.empty() && replaced == 0) {
      getOperation().emitError("relu6-to-relu: no ReLU6 in the layers named");
      signalPassFailure();
    }
  }
};

} // namespace

TLC_PASS_PLUGIN("relu6-to-relu",
                [] { mlir::PassRegistration<Relu6ToReluPass>(); })
