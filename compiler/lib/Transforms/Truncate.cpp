//===- Truncate.cpp - cut the network at named layers ---------------------===//
//
// Transfer learning keeps the generic early layers of a network and drops
// the task-specific end. This pass picks the values to keep as results, by
// name, by counting layers from the end, or automatically (the penultimate
// features), and removes everything no result needs.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLOps.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/Transforms/ShapeUtils.h"
#include "tlc/runtime/ArtifactFormat.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::tl {
#define GEN_PASS_DEF_TRUNCATEPASS
#include "tlc/Transforms/Passes.h.inc"
} // namespace mlir::tl

using namespace mlir;
using namespace mlir::tl;

namespace {

/// The sole user of `v`, if it has exactly one.
Operation *soleUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

struct TruncatePass : tl::impl::TruncatePassBase<TruncatePass> {
  using Base::Base;

  /// Extends a cut at a layer through its batch_norm and, when asked, the
  /// activation that follows.
  Value extend(Value v) {
    Operation *def = v.getDefiningOp();
    if (def && isa<ConvOp, FullyConnectedOp>(def))
      if (auto bn = dyn_cast_or_null<BatchNormOp>(soleUser(v)))
        v = bn.getResult();
    if (keepActivation)
      if (Value activated = activationOf(v))
        v = activated;
    return v;
  }

  /// The values computed by the node or tensor called `name`.
  FailureOr<SmallVector<Value>> resolve(func::FuncOp func, StringRef name) {
    SmallVector<Operation *> matches, tensors;
    llvm::StringSet<> known;
    func.walk([&](Operation *op) {
      if (isa<ConstantOp, func::ReturnOp, func::FuncOp>(op))
        return;
      SmallVector<std::string> names = locationNames(op->getLoc());
      for (const std::string &n : names)
        known.insert(n);
      if (!llvm::is_contained(names, name))
        return;
      matches.push_back(op);
      // The importer nests the output tensor's name in the node's: such an
      // op computes one of the node's outputs, not a helper value.
      if (auto loc = dyn_cast<NameLoc>(op->getLoc());
          loc && isa<NameLoc>(loc.getChildLoc()))
        tensors.push_back(op);
    });
    if (matches.empty()) {
      auto diag = func.emitError("tl-truncate: no node or tensor named '")
                  << name << "'";
      std::string best;
      unsigned bestDistance = 4;
      for (const auto &entry : known) {
        unsigned d = StringRef(entry.getKey()).edit_distance(name);
        if (d < bestDistance) {
          bestDistance = d;
          best = entry.getKey().str();
        }
      }
      if (!best.empty())
        diag << "; did you mean '" << best << "'?";
      return failure();
    }
    SmallVector<Value> values;
    for (Operation *op :
         tensors.empty() ? ArrayRef(matches.back()) : ArrayRef(tensors))
      llvm::append_range(values, op->getResults());
    return values;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    int ways = !cuts.empty() + (dropLast > 0) + automatic;
    if (ways != 1) {
      func.emitError("tl-truncate: give exactly one of cut=NAME,..., "
                     "drop-last=N or auto");
      return signalPassFailure();
    }
    SmallVector<Value> results;
    SmallVector<std::string> names;
    if (!cuts.empty()) {
      for (const std::string &name : cuts) {
        auto values = resolve(func, name);
        if (failed(values))
          return signalPassFailure();
        for (Value v : *values) {
          results.push_back(extend(v));
          names.push_back(values->size() == 1
                              ? name
                              : name + ":" + std::to_string(names.size()));
        }
      }
    } else {
      int64_t n = automatic ? 1 : static_cast<int64_t>(dropLast);
      SmallVector<Operation *> layers;
      func.walk([&](Operation *op) {
        if (isParametricLayer(op))
          layers.push_back(op);
      });
      if (n >= static_cast<int64_t>(layers.size())) {
        func.emitError("tl-truncate: cannot drop ")
            << n << " layer(s): the network has " << layers.size()
            << " parametric layer(s), and at least one must remain";
        return signalPassFailure();
      }
      Operation *first = layers[layers.size() - n];
      Value features = first->getOperand(0);
      if (automatic) {
        auto type = cast<RankedTensorType>(features.getType());
        if (type.getRank() > 2) {
          OpBuilder b(first);
          Location loc = NameLoc::get(b.getStringAttr(tlc::outputs::kFeatures));
          features = b.create<FlattenOp>(
              loc, b.create<GlobalAvgPoolOp>(loc, features), 1);
        }
      }
      results.push_back(features);
      names.push_back(tlc::outputs::kFeatures);
    }

    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    OpBuilder b(ret);
    b.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    eraseDeadOps(func); // everything no result needs

    syncFunctionType(func);
    SmallVector<DictionaryAttr> attrs;
    for (const std::string &name : names)
      attrs.push_back(b.getDictionaryAttr(
          b.getNamedAttr(kNameAttr, b.getStringAttr(name))));
    func.setAllResultAttrs(attrs);
  }
};

} // namespace
