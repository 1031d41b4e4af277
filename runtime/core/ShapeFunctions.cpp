//===- ShapeFunctions.cpp - output shapes of the tl ops -------------------===//
//
// Each function checks that its operands fit together (ranks, matching
// dims, attribute lengths against the rank) and computes the result shapes
// with CheckedArith. Attribute kinds and value ranges were checked already
// (verifyKernel), so getters here cannot fail.
//
//===----------------------------------------------------------------------===//

#include "ShapeFunctions.h"

#include "tlc/runtime/Limits.h"
#include "tlc/runtime/Tensor.h"

#include <algorithm>
#include <cmath>

using namespace tlc::runtime;
using tlc::kMaxDim;
using tlc::kMaxRank;

namespace {

std::string str(const Shape &s) { return shapeToString(s); }

Status expectRank(const ShapeContext &c, size_t i, int64_t lo, int64_t hi,
                  const char *what) {
  int64_t rank = static_cast<int64_t>(c.in(i).size());
  if (rank < lo || rank > hi)
    return invalidArgument(std::string(what) + " has shape " + str(c.in(i)) +
                           ", expected rank " + std::to_string(lo) +
                           (lo == hi ? "" : " to " + std::to_string(hi)));
  return Status::ok();
}

/// Convs, fcs, pools and normalizations compute on non-empty tensors.
Status expectNonEmpty(const ShapeContext &c, size_t i, const char *what) {
  for (int64_t d : c.in(i))
    if (d < 1)
      return invalidArgument(std::string(what) + " " + str(c.in(i)) +
                             " has an empty dim");
  return Status::ok();
}

/// An axis in [-rank, rank + extra) as an index in [0, rank + extra);
/// negative axes count from the end of the rank (flatten's axis may also
/// be rank itself: extra = 1).
bool normalizeAxis(int64_t &axis, int64_t rank, int64_t extra = 0) {
  if (axis < -rank || axis >= rank + extra)
    return false;
  if (axis < 0)
    axis += rank;
  return true;
}

Status axisError(const char *op, int64_t axis, const Shape &x) {
  return invalidArgument(std::string(op) + ": axis " + std::to_string(axis) +
                         " is out of range for " + str(x));
}

/// Strides and dilations of `spatial` entries, pads of 2 * spatial.
Status checkWindowLengths(const char *op, size_t spatial,
                          const std::vector<int64_t> &strides,
                          const std::vector<int64_t> &dilations,
                          const std::vector<int64_t> &pads, const Shape &x) {
  if (strides.size() != spatial || dilations.size() != spatial ||
      pads.size() != 2 * spatial)
    return invalidArgument(std::string(op) +
                           ": strides, dilations and pads do not match the "
                           "rank of input " +
                           str(x));
  return Status::ok();
}

/// Bias [O] and residual of the output's shape, for conv and fc.
Status checkBiasResidual(const ShapeContext &c, const char *op, int64_t outC,
                         const Shape &y) {
  if (c.present(2) && c.in(2) != Shape{outC})
    return invalidArgument(std::string(op) + ": bias " + str(c.in(2)) +
                           " must have " + std::to_string(outC) + " elements");
  if (c.present(3) && c.in(3) != y)
    return invalidArgument(std::string(op) + ": residual " + str(c.in(3)) +
                           " does not match the output " + str(y));
  return Status::ok();
}

Status pool(ShapeContext &c, std::vector<Shape> &out, bool isMax) {
  const char *op = isMax ? "max_pool" : "avg_pool";
  if (Status s = expectRank(c, 0, 3, 5, op); !s)
    return s;
  if (Status s = expectNonEmpty(c, 0, op); !s)
    return s;
  const Shape &x = c.in(0);
  size_t spatial = x.size() - 2;
  auto w = shapes::PoolWindow::read(c.attrs, isMax, spatial);
  const auto &kernel = w.kernel, &strides = w.strides, &pads = w.pads,
             &dilations = w.dilations;
  bool ceil = w.ceil;
  if (Status s = checkWindowLengths(op, spatial, strides, dilations, pads, x);
      !s)
    return s;
  if (kernel.size() != spatial)
    return invalidArgument(std::string(op) +
                           ": kernel_shape does not match input " + str(x));
  Shape y = {x[0], x[1]};
  CheckedArith &a = c.arith;
  for (size_t i = 0; i < spatial; ++i) {
    int64_t span = a.add(a.mul(dilations[i], kernel[i] - 1), 1);
    int64_t padded = a.add(a.add(x[i + 2], pads[i]), pads[i + spatial]);
    if (padded < span)
      return invalidArgument(std::string(op) +
                             ": the window does not fit input " + str(x));
    y.push_back(shapes::pooledDim(a, x[i + 2], kernel[i], strides[i],
                                  dilations[i], pads[i], pads[i + spatial],
                                  ceil));
  }
  out = {y};
  return Status::ok();
}

} // namespace

shapes::PoolWindow shapes::PoolWindow::read(Attrs &attrs, bool isMax,
                                            size_t spatial) {
  PoolWindow w;
  w.kernel = attrs.ints("kernel_shape");
  w.strides = attrs.ints("strides");
  w.pads = attrs.ints("pads");
  w.dilations =
      isMax ? attrs.ints("dilations") : std::vector<int64_t>(spatial, 1);
  w.ceil = attrs.i("ceil_mode") != 0;
  w.countIncludePad = !isMax && attrs.i("count_include_pad") != 0;
  return w;
}

int64_t shapes::pooledDim(CheckedArith &a, int64_t in, int64_t k, int64_t s,
                          int64_t d, int64_t pb, int64_t pe, bool ceil) {
  int64_t room = a.sub(a.add(a.add(in, pb), pe), a.add(a.mul(d, k - 1), 1));
  int64_t out = a.add(ceil ? a.ceilDiv(room, s) : a.floorDiv(room, s), 1);
  if (ceil && a.mul(out - 1, s) >= a.add(in, pb))
    --out;
  return out;
}

shapes::SliceAxis shapes::sliceAxis(int64_t dim, int64_t start, int64_t end,
                                    int64_t step) {
  if (dim <= 0 || step == 0)
    return {0, 1, 0};
  auto clampIndex = [dim](int64_t v, int64_t lo, int64_t hi) {
    if (v < 0)
      v = v < -dim ? -dim - 1 : v + dim;
    return std::clamp(v, lo, hi);
  };
  // A step longer than the dim takes one element, as a step of dim does;
  // clamping it keeps strides (step times the dim's stride) in range.
  step = std::clamp<int64_t>(step, -dim, dim);
  int64_t b =
      step > 0 ? clampIndex(start, 0, dim) : clampIndex(start, 0, dim - 1);
  int64_t e = step > 0 ? clampIndex(end, 0, dim) : clampIndex(end, -1, dim - 1);
  int64_t n = step > 0 ? (e - b + step - 1) / step : (b - e - step - 1) / -step;
  return {b, step, std::max<int64_t>(n, 0)};
}

Status shapes::conv(ShapeContext &c, std::vector<Shape> &out) {
  if (Status s = expectRank(c, 0, 3, 5, "conv: input"); !s)
    return s;
  if (Status s = expectNonEmpty(c, 0, "conv: input"); !s)
    return s;
  if (Status s = expectNonEmpty(c, 1, "conv: weight"); !s)
    return s;
  const Shape &x = c.in(0), &w = c.in(1);
  size_t spatial = x.size() - 2;
  auto strides = c.attrs.ints("strides");
  auto pads = c.attrs.ints("pads");
  auto dilations = c.attrs.ints("dilations");
  int64_t groups = c.attrs.i("groups");
  if (Status s =
          checkWindowLengths("conv", spatial, strides, dilations, pads, x);
      !s)
    return s;
  CheckedArith &a = c.arith;
  if (w.size() != x.size() || a.mul(w[1], groups) != x[1] || w[0] % groups != 0)
    return invalidArgument("conv: input " + str(x) + " and weight " + str(w) +
                           " do not match groups = " + std::to_string(groups));
  Shape y = {x[0], w[0]};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t span = a.add(a.mul(dilations[i], w[i + 2] - 1), 1);
    int64_t room =
        a.sub(a.add(a.add(x[i + 2], pads[i]), pads[i + spatial]), span);
    if (room < 0)
      return invalidArgument("conv: the kernel " + str(w) +
                             " does not fit input " + str(x));
    y.push_back(a.add(a.floorDiv(room, strides[i]), 1));
  }
  if (Status s = checkBiasResidual(c, "conv", w[0], y); !s)
    return s;
  out = {y};
  return Status::ok();
}

Status shapes::convTranspose(ShapeContext &c, std::vector<Shape> &out) {
  const char *op = "conv_transpose";
  if (Status s = expectRank(c, 0, 3, 5, "conv_transpose: input"); !s)
    return s;
  if (Status s = expectNonEmpty(c, 0, "conv_transpose: input"); !s)
    return s;
  if (Status s = expectNonEmpty(c, 1, "conv_transpose: weight"); !s)
    return s;
  const Shape &x = c.in(0), &w = c.in(1);
  size_t spatial = x.size() - 2;
  auto strides = c.attrs.ints("strides");
  auto pads = c.attrs.ints("pads");
  auto dilations = c.attrs.ints("dilations");
  auto outPad = c.attrs.ints("output_padding");
  int64_t groups = c.attrs.i("groups");
  if (Status s = checkWindowLengths(op, spatial, strides, dilations, pads, x);
      !s)
    return s;
  if (outPad.size() != spatial)
    return invalidArgument("conv_transpose: output_padding does not match "
                           "the rank of input " +
                           str(x));
  CheckedArith &a = c.arith;
  // Weight [C_in, C_out / groups, kernel...].
  if (w.size() != x.size() || w[0] != x[1] || x[1] % groups != 0)
    return invalidArgument("conv_transpose: input " + str(x) + " and weight " +
                           str(w) +
                           " do not match groups = " + std::to_string(groups));
  Shape y = {x[0], a.mul(w[1], groups)};
  for (size_t i = 0; i < spatial; ++i) {
    if (outPad[i] >= strides[i] && outPad[i] >= dilations[i])
      return invalidArgument("conv_transpose: output_padding must be smaller "
                             "than the stride or the dilation");
    int64_t span = a.add(a.mul(dilations[i], w[i + 2] - 1), 1);
    int64_t full =
        a.add(a.add(a.mul(x[i + 2] - 1, strides[i]), outPad[i]), span);
    int64_t dim = a.sub(a.sub(full, pads[i]), pads[i + spatial]);
    if (dim <= 0)
      return invalidArgument("conv_transpose: the pads leave no output of "
                             "input " +
                             str(x));
    y.push_back(dim);
  }
  if (Status s = checkBiasResidual(c, op, y[1], y); !s)
    return s;
  out = {y};
  return Status::ok();
}

Status shapes::fc(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0), &w = c.in(1);
  if (x.size() != 2 || w.size() != 2 || x[1] != w[1])
    return invalidArgument("fc: input " + str(x) + " and weight " + str(w) +
                           " do not match");
  if (Status s = expectNonEmpty(c, 0, "fc: input"); !s)
    return s;
  if (Status s = expectNonEmpty(c, 1, "fc: weight"); !s)
    return s;
  Shape y = {x[0], w[0]};
  if (Status s = checkBiasResidual(c, "fc", w[0], y); !s)
    return s;
  out = {y};
  return Status::ok();
}

Status shapes::matmul(ShapeContext &c, std::vector<Shape> &out) {
  Shape a = c.in(0), b = c.in(1);
  if (a.empty() || b.empty())
    return invalidArgument("matmul: operands must have rank >= 1");
  if (Status s = expectNonEmpty(c, 0, "matmul: lhs"); !s)
    return s;
  if (Status s = expectNonEmpty(c, 1, "matmul: rhs"); !s)
    return s;
  bool vecA = a.size() == 1, vecB = b.size() == 1;
  if (vecA)
    a.insert(a.begin(), 1);
  if (vecB)
    b.push_back(1);
  if (a.back() != b[b.size() - 2])
    return invalidArgument("matmul: " + str(c.in(0)) + " x " + str(c.in(1)) +
                           " do not contract");
  Shape batch;
  if (!broadcastShapes(Shape(a.begin(), a.end() - 2),
                       Shape(b.begin(), b.end() - 2), batch))
    return invalidArgument("matmul: batch dims of " + str(c.in(0)) + " and " +
                           str(c.in(1)) + " do not broadcast");
  Shape y = batch;
  if (!vecA)
    y.push_back(a[a.size() - 2]);
  if (!vecB)
    y.push_back(b.back());
  out = {y};
  return Status::ok();
}

Status shapes::batchNorm(ShapeContext &c, std::vector<Shape> &out) {
  if (Status s = expectRank(c, 0, 2, kMaxRank, "batch_norm: input"); !s)
    return s;
  const Shape &x = c.in(0);
  for (size_t i = 1; i < 5; ++i)
    if (c.in(i) != Shape{x[1]})
      return invalidArgument("batch_norm: statistics " + str(c.in(i)) +
                             " must have " + std::to_string(x[1]) +
                             " elements");
  out = {x};
  return Status::ok();
}

Status shapes::layerNorm(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  int64_t axis = c.attrs.i("axis");
  if (!normalizeAxis(axis, x.size()))
    return axisError("layer_norm", axis, x);
  Shape normalized(x.begin() + axis, x.end());
  for (size_t i = 1; i < 3; ++i) {
    if (!c.present(i))
      continue;
    Shape merged;
    if (!broadcastShapes(normalized, c.in(i), merged) || merged != normalized)
      return invalidArgument(
          "layer_norm: " + std::string(i == 1 ? "scale " : "bias ") +
          str(c.in(i)) + " does not broadcast to " + str(normalized));
  }
  out = {x};
  return Status::ok();
}

Status shapes::sameAsInput(ShapeContext &c, std::vector<Shape> &out) {
  out = {c.in(0)};
  return Status::ok();
}

Status shapes::lrn(ShapeContext &c, std::vector<Shape> &out) {
  if (Status s = expectRank(c, 0, 3, 5, "lrn: input"); !s)
    return s;
  out = {c.in(0)};
  return Status::ok();
}

Status shapes::broadcast(ShapeContext &c, std::vector<Shape> &out) {
  Shape y;
  if (!broadcastShapes(c.in(0), c.in(1), y))
    return invalidArgument("shapes " + str(c.in(0)) + " and " + str(c.in(1)) +
                           " do not broadcast");
  out = {y};
  return Status::ok();
}

Status shapes::compare(ShapeContext &c, std::vector<Shape> &out) {
  if (c.dtypes[0] != c.dtypes[1])
    return invalidArgument(
        std::string("its operands are ") + dtypeName(c.dtypes[0]) + " and " +
        dtypeName(c.dtypes[1]) + "; they must have one element type");
  return broadcast(c, out);
}

Status shapes::where(ShapeContext &c, std::vector<Shape> &out) {
  if (c.dtypes[0] != DType::kBool)
    return invalidArgument(std::string("where: the condition is ") +
                           dtypeName(c.dtypes[0]) + ", not bool");
  if (c.dtypes[1] != c.dtypes[2])
    return invalidArgument(std::string("where: chooses between ") +
                           dtypeName(c.dtypes[1]) + " and " +
                           dtypeName(c.dtypes[2]));
  Shape xy, y;
  if (!broadcastShapes(c.in(1), c.in(2), xy) ||
      !broadcastShapes(c.in(0), xy, y))
    return invalidArgument("where: shapes " + str(c.in(0)) + ", " +
                           str(c.in(1)) + " and " + str(c.in(2)) +
                           " do not broadcast");
  out = {y};
  return Status::ok();
}

Status shapes::prelu(ShapeContext &c, std::vector<Shape> &out) {
  Shape y;
  if (!broadcastShapes(c.in(0), c.in(1), y) || y != c.in(0))
    return invalidArgument("prelu: the slope " + str(c.in(1)) +
                           " does not broadcast to the input " + str(c.in(0)));
  out = {y};
  return Status::ok();
}

Status shapes::maxPool(ShapeContext &c, std::vector<Shape> &out) {
  return pool(c, out, true);
}

Status shapes::avgPool(ShapeContext &c, std::vector<Shape> &out) {
  return pool(c, out, false);
}

Status shapes::globalPool(ShapeContext &c, std::vector<Shape> &out) {
  if (Status s = expectRank(c, 0, 3, kMaxRank, "global pool: input"); !s)
    return s;
  if (Status s = expectNonEmpty(c, 0, "global pool: input"); !s)
    return s;
  Shape y = c.in(0);
  std::fill(y.begin() + 2, y.end(), 1);
  out = {y};
  return Status::ok();
}

Status shapes::reduce(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  auto axes = c.attrs.ints("axes");
  bool keepdims = c.attrs.i("keepdims") != 0;
  int64_t rank = x.size();
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t axis : axes) {
    int64_t a = axis;
    if (!normalizeAxis(a, rank))
      return axisError("reduction", axis, x);
    reduced[a] = true;
  }
  Shape y;
  for (int64_t i = 0; i < rank; ++i) {
    if (reduced[i] && x[i] < 1)
      return invalidArgument("reduction: cannot reduce the empty dim " +
                             std::to_string(i) + " of " + str(x));
    if (!reduced[i])
      y.push_back(x[i]);
    else if (keepdims)
      y.push_back(1);
  }
  out = {y};
  return Status::ok();
}

Status shapes::argReduce(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  int64_t axis = c.attrs.i("axis");
  if (!normalizeAxis(axis, x.size()))
    return axisError("arg_max/arg_min", c.attrs.i("axis"), x);
  if (x[axis] < 1)
    return invalidArgument("arg_max/arg_min: the dim " + std::to_string(axis) +
                           " of " + str(x) + " is empty");
  Shape y;
  for (int64_t d = 0; d < static_cast<int64_t>(x.size()); ++d)
    if (d != axis)
      y.push_back(x[d]);
    else if (c.attrs.i("keepdims") != 0)
      y.push_back(1);
  out = {y};
  return Status::ok();
}

Status shapes::softmax(ShapeContext &c, std::vector<Shape> &out) {
  int64_t axis = c.attrs.i("axis");
  if (!normalizeAxis(axis, c.in(0).size()))
    return axisError("softmax", c.attrs.i("axis"), c.in(0));
  out = {c.in(0)};
  return Status::ok();
}

Status shapes::concat(ShapeContext &c, std::vector<Shape> &out) {
  Shape y = c.in(0);
  int64_t axis = c.attrs.i("axis");
  if (!normalizeAxis(axis, y.size()))
    return axisError("concat", c.attrs.i("axis"), y);
  y[axis] = 0;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const Shape &s = c.in(i);
    bool match = s.size() == y.size() && c.dtypes[i] == c.dtypes[0];
    for (size_t d = 0; match && d < s.size(); ++d)
      match = static_cast<int64_t>(d) == axis || s[d] == y[d];
    if (!match)
      return invalidArgument("concat: input " + std::to_string(i) + " " +
                             str(s) + " does not match input 0 " +
                             str(c.in(0)) + " outside axis " +
                             std::to_string(axis));
    y[axis] = c.arith.add(y[axis], s[axis]);
  }
  out = {y};
  return Status::ok();
}

Status shapes::flatten(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  int64_t axis = c.attrs.i("axis");
  if (!normalizeAxis(axis, x.size(), 1))
    return axisError("flatten", c.attrs.i("axis"), x);
  out = {{c.arith.elements(Shape(x.begin(), x.begin() + axis)),
          c.arith.elements(Shape(x.begin() + axis, x.end()))}};
  return Status::ok();
}

Status shapes::reshape(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  auto target = c.attrs.ints("shape");
  if (target.size() > static_cast<size_t>(kMaxRank))
    return invalidArgument("reshape: the target has rank " +
                           std::to_string(target.size()));
  CheckedArith &a = c.arith;
  Shape y;
  int inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0) {
      if (i >= x.size())
        return invalidArgument("reshape: 0 copies dim " + std::to_string(i) +
                               ", which " + str(x) + " lacks");
      d = x[i];
    } else if (d == -1) {
      if (inferred >= 0)
        return invalidArgument("reshape: more than one -1");
      inferred = static_cast<int>(i);
      y.push_back(1);
      continue;
    }
    y.push_back(d);
    known = a.mul(known, d);
  }
  int64_t total = a.elements(x);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return invalidArgument("reshape: cannot reshape " + str(x) + " to " +
                             str(target));
    y[inferred] = total / known;
  }
  if (a.elements(y) != total)
    return invalidArgument("reshape: cannot view " + str(x) + " as " + str(y));
  out = {y};
  return Status::ok();
}

Status shapes::squeeze(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  int64_t rank = x.size();
  std::vector<bool> drop(rank, false);
  for (int64_t axis : c.attrs.ints("axes")) {
    int64_t a = axis;
    if (!normalizeAxis(a, rank) || x[a] != 1)
      return invalidArgument("squeeze: cannot squeeze axis " +
                             std::to_string(axis) + " of " + str(x));
    drop[a] = true;
  }
  Shape y;
  for (int64_t i = 0; i < rank; ++i)
    if (!drop[i])
      y.push_back(x[i]);
  out = {y};
  return Status::ok();
}

Status shapes::unsqueeze(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  auto axes = c.attrs.ints("axes");
  int64_t rank = x.size() + axes.size();
  if (rank > kMaxRank)
    return invalidArgument("unsqueeze: the result would have rank " +
                           std::to_string(rank));
  std::vector<bool> insert(rank, false);
  for (int64_t axis : axes) {
    int64_t a = axis;
    if (!normalizeAxis(a, rank) || insert[a])
      return invalidArgument("unsqueeze: invalid axis " + std::to_string(axis) +
                             " for " + str(x));
    insert[a] = true;
  }
  Shape y;
  for (int64_t i = 0, next = 0; i < rank; ++i)
    y.push_back(insert[i] ? 1 : x[next++]);
  out = {y};
  return Status::ok();
}

Status shapes::transpose(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  auto perm = c.attrs.ints("perm");
  if (perm.size() != x.size())
    return invalidArgument("transpose: perm has " +
                           std::to_string(perm.size()) + " entries for " +
                           str(x));
  std::vector<bool> seen(x.size(), false);
  Shape y;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(x.size()) || seen[p])
      return invalidArgument("transpose: perm is not a permutation");
    seen[p] = true;
    y.push_back(x[p]);
  }
  out = {y};
  return Status::ok();
}

Status shapes::slice(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  auto starts = c.attrs.ints("starts"), ends = c.attrs.ints("ends"),
       axes = c.attrs.ints("axes"), steps = c.attrs.ints("steps");
  if (starts.size() != axes.size() || ends.size() != axes.size() ||
      steps.size() != axes.size())
    return invalidArgument("slice: starts, ends, axes and steps differ in "
                           "length");
  int64_t rank = x.size();
  std::vector<bool> seen(rank, false);
  Shape y = x;
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = axes[i];
    if (!normalizeAxis(a, rank) || seen[a])
      return invalidArgument("slice: invalid or repeated axis " +
                             std::to_string(axes[i]) + " for " + str(x));
    if (steps[i] == 0)
      return invalidArgument("slice: a step of 0");
    seen[a] = true;
    y[a] = sliceAxis(x[a], starts[i], ends[i], steps[i]).extent;
  }
  out = {y};
  return Status::ok();
}

Status shapes::pad(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  auto pads = c.attrs.ints("pads");
  int64_t mode = c.attrs.i("mode");
  size_t rank = x.size();
  if (pads.size() != 2 * rank)
    return invalidArgument("pad: " + std::to_string(pads.size()) +
                           " pads for " + str(x));
  Shape y;
  for (size_t d = 0; d < rank; ++d) {
    int64_t n = c.arith.add(c.arith.add(x[d], pads[d]), pads[d + rank]);
    if (mode != 0 && x[d] == 0 && n > 0)
      return invalidArgument("pad: cannot reflect or extend the empty dim " +
                             std::to_string(d) + " of " + str(x));
    y.push_back(n);
  }
  out = {y};
  return Status::ok();
}

Status shapes::resize(ShapeContext &c, std::vector<Shape> &out) {
  const Shape &x = c.in(0);
  bool byScales = c.attrs.has("scales");
  if (byScales == c.attrs.has("sizes"))
    return invalidArgument("resize: needs exactly one of scales and sizes");
  auto scales = byScales ? c.attrs.floats("scales") : std::vector<float>();
  auto sizes = byScales ? std::vector<int64_t>() : c.attrs.ints("sizes");
  if ((byScales ? scales.size() : sizes.size()) != x.size())
    return invalidArgument(
        "resize: " + std::string(byScales ? "scales" : "sizes") +
        " do not match the rank of " + str(x));
  Shape y;
  for (size_t d = 0; d < x.size(); ++d) {
    int64_t n = sizes.empty() ? 0 : sizes[d];
    if (byScales) {
      if (!(scales[d] > 0.f))
        return invalidArgument("resize: scales must be positive");
      double extent = std::floor(double(x[d]) * double(scales[d]));
      if (!(extent <= double(kMaxDim)))
        return invalidArgument("resize: scaling " + str(x) +
                               " gives a dim beyond 2^40");
      n = static_cast<int64_t>(extent);
    }
    if (x[d] <= 0 && n > 0)
      return invalidArgument("resize: cannot resize the empty dim " +
                             std::to_string(d) + " of " + str(x));
    y.push_back(n);
  }
  out = {y};
  return Status::ok();
}
