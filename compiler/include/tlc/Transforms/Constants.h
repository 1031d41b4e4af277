//===- Constants.h - reading and making tl.constant weights -----*- C++ -*-===//
//
// The transfer passes rewrite frozen weights (BatchNorm folded into a conv,
// an FC reshaped into a conv kernel, a head initialized). They read and
// write f32 data through these helpers, which hide whether a weight is a
// dense attribute or a `dense_resource` blob.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_TRANSFORMS_CONSTANTS_H
#define TLC_TRANSFORMS_CONSTANTS_H

#include "tl/IR/TLOps.h"

#include "mlir/IR/Builders.h"

#include <optional>
#include <vector>

namespace mlir::tl {

/// A float32 tensor on the host, row-major.
struct FloatTensor {
  SmallVector<int64_t> shape;
  std::vector<float> data;

  int64_t numElements() const { return static_cast<int64_t>(data.size()); }
};

/// The data of `v` if it is a frozen (not trainable) f32 tl.constant with a
/// static shape whose bytes are present; splats are expanded.
std::optional<FloatTensor> getFrozenFloats(Value v);

/// A tl.constant holding `t`. Tensors larger than a few elements become
/// `dense_resource` blobs keyed after `name` (made unique by MLIR).
ConstantOp createFloatConstant(OpBuilder &builder, Location loc,
                               const FloatTensor &t, StringRef name,
                               bool trainable = false);

/// The per-channel values of a constant `c` that is broadcast against a
/// tensor of `rank` dims whose dim 1 has `channels` entries: a scalar, or
/// ones everywhere but (right-aligned) dim 1. Empty if `c` is anything
/// else or does not have `channels` (or 1) entries there.
std::optional<std::vector<float>>
perChannelValues(const FloatTensor &c, int64_t rank, int64_t channels);

/// The resource key for a parameter of `op`: its location's name (or its
/// op name) and `suffix`, e.g. "conv1.w".
std::string parameterKey(Operation *op, StringRef suffix);

/// A conv or fc like `layer`, built before it at `loc`, with frozen
/// `weight` and `bias` data in place of its own; attributes and residual
/// are kept.
Operation *rebuildLayer(OpBuilder &builder, Operation *layer, Location loc,
                        const FloatTensor &weight, const FloatTensor &bias);

} // namespace mlir::tl

#endif // TLC_TRANSFORMS_CONSTANTS_H
