//===- Reference.h - plain C++ references of the tl ops ---------*- C++ -*-===//
//
// The slowest, most obvious code for each op: loops over output elements,
// double accumulators, no layouts. The conformance suite checks every
// backend's kernels against these on random shapes.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_TEST_CONFORMANCE_REFERENCE_H
#define TLC_TEST_CONFORMANCE_REFERENCE_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tlc::test::ref {

using Shape = std::vector<int64_t>;

/// A dense row-major float tensor.
struct Array {
  Shape shape;
  std::vector<float> data;

  Array() = default;
  explicit Array(Shape s);
  Array(Shape s, std::vector<float> d)
      : shape(std::move(s)), data(std::move(d)) {}
  int64_t size() const { return static_cast<int64_t>(data.size()); }
  float &at(const std::vector<int64_t> &index);
  float at(const std::vector<int64_t> &index) const;
};

int64_t count(const Shape &s);
/// Calls fn(flat, index) over every index of `s` in row-major order.
void forEach(
    const Shape &s,
    const std::function<void(int64_t, const std::vector<int64_t> &)> &fn);

/// fb::Activation values with their parameters.
float activate(int kind, float alpha, float beta, float x);

struct ConvParams {
  std::vector<int64_t> strides, pads, dilations; // pads: begins, then ends
  int64_t groups = 1;
  int activation = 0;
  float alpha = 0, beta = 0;
};
Array conv(const Array &x, const Array &w, const Array *bias,
           const Array *residual, const ConvParams &p);
/// The transposed conv in its scatter form: every input element adds
/// weight * value into the output window it reaches. `w` is
/// [C_in, C_out / G, k...]; `outputPadding` extends the output's end.
Array convTranspose(const Array &x, const Array &w, const Array *bias,
                    const ConvParams &p,
                    const std::vector<int64_t> &outputPadding);
Array fc(const Array &x, const Array &w, const Array *bias, int activation);
Array matmul(const Array &a, const Array &b);

struct PoolParams {
  std::vector<int64_t> kernel, strides, pads, dilations;
  bool ceil = false, countIncludePad = false;
};
Array pool(const Array &x, const PoolParams &p, bool isMax, const Shape &y);
Array globalPool(const Array &x, bool isMax);
/// tl's reduce_<kind> (mean, sum, max, min, prod, l1, l2, sum_square,
/// log_sum, log_sum_exp), accumulated in double.
Array reduce(const Array &x, const std::string &kind, std::vector<int64_t> axes,
             bool keepdims);

Array broadcast(const Array &a, const Array &b,
                const std::function<float(float, float)> &fn);
Array map(const Array &x, const std::function<float(float)> &fn);

Array batchNorm(const Array &x, const Array &scale, const Array &bias,
                const Array &mean, const Array &var, float eps);
Array layerNorm(const Array &x, const Array &scale, const Array *bias,
                int64_t axis, float eps);
Array softmax(const Array &x, int64_t axis);
Array lrn(const Array &x, int64_t size, float alpha, float beta, float bias);

Array concat(const std::vector<Array> &xs, int64_t axis);
Array transpose(const Array &x, const std::vector<int64_t> &perm);
Array slice(const Array &x, const std::vector<int64_t> &starts,
            const std::vector<int64_t> &ends, const std::vector<int64_t> &axes,
            const std::vector<int64_t> &steps);
/// mode: 0 constant, 1 reflect, 2 edge.
Array pad(const Array &x, const std::vector<int64_t> &pads, int mode,
          float value);
/// Nearest (floor of the asymmetric coordinate) or linear (half-pixel,
/// clamped), to `y`.
Array resize(const Array &x, const Shape &y, bool linear);

} // namespace tlc::test::ref

#endif // TLC_TEST_CONFORMANCE_REFERENCE_H
