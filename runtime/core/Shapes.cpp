//===- Shapes.cpp - shape arithmetic that cannot overflow -----------------===//

#include "Shapes.h"

#include <algorithm>

using namespace tlc::runtime;

int64_t tlc::runtime::numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t CheckedArith::add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    overflow_ = true;
    return 0;
  }
  return r;
}

int64_t CheckedArith::sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) {
    overflow_ = true;
    return 0;
  }
  return r;
}

int64_t CheckedArith::mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) {
    overflow_ = true;
    return 0;
  }
  return r;
}

int64_t CheckedArith::floorDiv(int64_t a, int64_t b) {
  if (b <= 0) {
    overflow_ = true;
    return 0;
  }
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

int64_t CheckedArith::ceilDiv(int64_t a, int64_t b) {
  if (b <= 0) {
    overflow_ = true;
    return 0;
  }
  int64_t q = a / b;
  return (a % b != 0 && a > 0) ? q + 1 : q;
}

int64_t CheckedArith::elements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      overflow_ = true;
      return 0;
    }
    n = mul(n, d);
  }
  return n;
}

bool tlc::runtime::broadcastShapes(const Shape &a, const Shape &b, Shape &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

Shape tlc::runtime::padRank(const Shape &s, size_t rank) {
  Shape out(rank > s.size() ? rank - s.size() : 0, 1);
  out.insert(out.end(), s.begin(), s.end());
  return out;
}
