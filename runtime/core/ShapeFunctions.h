//===- ShapeFunctions.h - output shapes of the tl ops -----------*- C++ -*-===//
//
// The one implementation of the tl ops' shape rules on concrete dims (the
// dialect's TLShapeInference.cpp states the same rules on static or dynamic
// dims at compile time). Referenced by the op table (OpSchema.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_CORE_SHAPEFUNCTIONS_H
#define TLC_RUNTIME_CORE_SHAPEFUNCTIONS_H

#include "OpSchema.h"

namespace tlc::runtime::shapes {

Status conv(ShapeContext &c, std::vector<Shape> &out);
Status convTranspose(ShapeContext &c, std::vector<Shape> &out);
Status fc(ShapeContext &c, std::vector<Shape> &out);
Status matmul(ShapeContext &c, std::vector<Shape> &out);
Status batchNorm(ShapeContext &c, std::vector<Shape> &out);
Status layerNorm(ShapeContext &c, std::vector<Shape> &out);
/// The result has the shape of operand 0 (elementwise, softmax, ...).
Status sameAsInput(ShapeContext &c, std::vector<Shape> &out);
/// lrn: operand 0's shape, rank 3 to 5.
Status lrn(ShapeContext &c, std::vector<Shape> &out);
Status broadcast(ShapeContext &c, std::vector<Shape> &out);
Status prelu(ShapeContext &c, std::vector<Shape> &out);
Status maxPool(ShapeContext &c, std::vector<Shape> &out);
Status avgPool(ShapeContext &c, std::vector<Shape> &out);
Status globalPool(ShapeContext &c, std::vector<Shape> &out);
Status reduce(ShapeContext &c, std::vector<Shape> &out);
Status softmax(ShapeContext &c, std::vector<Shape> &out);
/// arg_max, arg_min: one axis, kept or dropped.
Status argReduce(ShapeContext &c, std::vector<Shape> &out);
/// Comparisons: two operands of one element type, broadcast.
Status compare(ShapeContext &c, std::vector<Shape> &out);
/// where(cond, x, y): a bool condition, x and y of one type, all broadcast.
Status where(ShapeContext &c, std::vector<Shape> &out);
Status concat(ShapeContext &c, std::vector<Shape> &out);
Status flatten(ShapeContext &c, std::vector<Shape> &out);
Status reshape(ShapeContext &c, std::vector<Shape> &out);
Status squeeze(ShapeContext &c, std::vector<Shape> &out);
Status unsqueeze(ShapeContext &c, std::vector<Shape> &out);
Status transpose(ShapeContext &c, std::vector<Shape> &out);
Status slice(ShapeContext &c, std::vector<Shape> &out);
Status pad(ShapeContext &c, std::vector<Shape> &out);
Status resize(ShapeContext &c, std::vector<Shape> &out);

/// A pool's window, read from its attributes (max_pool has dilations,
/// avg_pool count_include_pad); the shape function and every backend's
/// kernel read it the same way.
struct PoolWindow {
  std::vector<int64_t> kernel, strides, pads, dilations;
  bool ceil = false, countIncludePad = false;
  static PoolWindow read(Attrs &attrs, bool isMax, size_t spatial);
};

/// Pool output extent with PyTorch's ceil-mode rule (the last window must
/// start inside the input or its left padding).
int64_t pooledDim(CheckedArith &a, int64_t in, int64_t k, int64_t s, int64_t d,
                  int64_t pb, int64_t pe, bool ceil);

/// One slice axis after ONNX's clamping: first index, step and extent.
struct SliceAxis {
  int64_t begin, step, extent;
};
SliceAxis sliceAxis(int64_t dim, int64_t start, int64_t end, int64_t step);

} // namespace tlc::runtime::shapes

#endif // TLC_RUNTIME_CORE_SHAPEFUNCTIONS_H
