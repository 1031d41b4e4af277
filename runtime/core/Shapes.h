//===- Shapes.h - shape arithmetic that cannot overflow ---------*- C++ -*-===//
//
// Every output shape the runtime computes goes through these helpers: a sum,
// difference or product that would leave int64 records an overflow instead
// of wrapping, and the caller turns it into an error naming the kernel.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_CORE_SHAPES_H
#define TLC_RUNTIME_CORE_SHAPES_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tlc::runtime {

using Shape = std::vector<int64_t>;

/// The element count of a shape whose product is known to fit (every shape
/// the core has verified).
int64_t numElements(const Shape &shape);

/// int64 arithmetic that remembers whether any step overflowed; an
/// overflowing step returns 0.
class CheckedArith {
public:
  int64_t add(int64_t a, int64_t b);
  int64_t sub(int64_t a, int64_t b);
  int64_t mul(int64_t a, int64_t b);
  /// Floor of a / b for b > 0 (and 0 with an overflow for b <= 0).
  int64_t floorDiv(int64_t a, int64_t b);
  /// Ceiling of a / b for b > 0.
  int64_t ceilDiv(int64_t a, int64_t b);
  /// The product of the dims of `shape` (dims must be >= 0).
  int64_t elements(const Shape &shape);
  bool overflowed() const { return overflow_; }

private:
  bool overflow_ = false;
};

/// Numpy broadcasting of two shapes; false if they do not broadcast.
bool broadcastShapes(const Shape &a, const Shape &b, Shape &out);

/// `s` with leading 1s up to `rank`.
Shape padRank(const Shape &s, size_t rank);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_CORE_SHAPES_H
