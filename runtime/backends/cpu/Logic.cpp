//===- Logic.cpp - comparisons, logic, where, arg_max, cast ---------------===//
//
// The ops on tensors that are not float32: comparisons of two tensors of
// any one element type into bool, logic on bool, where() choosing between
// two tensors by a bool condition, the index of the maximum or minimum
// along an axis (int64), cast between any two element types, and binary
// arithmetic on integers (shape arithmetic, counters). oneDNN has
// none of them for every type, so they are loops over plain row-major tensors
// with numpy broadcasting; none sits on a CNN's hot path.
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include "Artifact.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

using namespace tlc::runtime;
using namespace tlc::runtime::cpu;

namespace {

/// Visits every element of `out` with the offset of the element each
/// operand broadcasts to it (numpy rules: shapes right-aligned, dims of 1
/// repeat).
template <size_t N, typename Fn>
void forEachBroadcast(const Shape &out, const std::array<const Shape *, N> &in,
                      Fn fn) {
  size_t rank = out.size();
  std::array<std::vector<int64_t>, N> strides;
  for (size_t k = 0; k < N; ++k) {
    const Shape &s = *in[k];
    strides[k].assign(rank, 0);
    int64_t stride = 1;
    for (size_t d = 0; d < s.size(); ++d) {
      size_t i = s.size() - 1 - d, o = rank - 1 - d;
      strides[k][o] = s[i] == 1 ? 0 : stride;
      stride *= s[i];
    }
  }
  int64_t total = numElements(out);
  std::vector<int64_t> index(rank, 0);
  std::array<int64_t, N> offset{};
  for (int64_t e = 0; e < total; ++e) {
    fn(e, offset);
    // The next index, odometer style, with the operands' offsets.
    for (size_t d = rank; d-- > 0;) {
      ++index[d];
      for (size_t k = 0; k < N; ++k)
        offset[k] += strides[k][d];
      if (index[d] < out[d])
        break;
      for (size_t k = 0; k < N; ++k)
        offset[k] -= strides[k][d] * index[d];
      index[d] = 0;
    }
  }
}

enum class Cmp { kEq, kGt, kGe, kLt, kLe };

template <typename T, Cmp C> struct CompareKernel : Kernel {
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const T *a = reinterpret_cast<const T *>(in[0].data);
    const T *b = reinterpret_cast<const T *>(in[1].data);
    uint8_t *y = out[0].data;
    forEachBroadcast<2>(out[0].shape, {&in[0].shape, &in[1].shape},
                        [&](int64_t e, const std::array<int64_t, 2> &o) {
                          T l = a[o[0]], r = b[o[1]];
                          bool v = C == Cmp::kEq   ? l == r
                                   : C == Cmp::kGt ? l > r
                                   : C == Cmp::kGe ? l >= r
                                   : C == Cmp::kLt ? l < r
                                                   : l <= r;
                          y[e] = v;
                        });
  }
};

template <Cmp C> StatusOr<Built> buildCompare(BuildContext &ctx) {
  std::unique_ptr<Kernel> k;
  switch (ctx.dtypes[0]) {
  case DType::kF32:
    k = std::make_unique<CompareKernel<float, C>>();
    break;
  case DType::kF64:
    k = std::make_unique<CompareKernel<double, C>>();
    break;
  case DType::kI8:
    k = std::make_unique<CompareKernel<int8_t, C>>();
    break;
  case DType::kI16:
    k = std::make_unique<CompareKernel<int16_t, C>>();
    break;
  case DType::kI32:
    k = std::make_unique<CompareKernel<int32_t, C>>();
    break;
  case DType::kI64:
    k = std::make_unique<CompareKernel<int64_t, C>>();
    break;
  case DType::kU8:
  case DType::kBool:
    k = std::make_unique<CompareKernel<uint8_t, C>>();
    break;
  default:
    return Status(StatusCode::kUnimplemented, std::string("comparisons of ") +
                                                  dtypeName(ctx.dtypes[0]) +
                                                  " are not supported");
  }
  return Built{std::move(k)};
}

/// One integer operation, defined for every input: arithmetic in the
/// unsigned type wraps instead of overflowing (undefined in C++), and the
/// divisions that would trap (by 0, INT_MIN / -1) have defined results.
template <typename T> T integerOp(IntArith op, T a, T b) {
  using U = std::make_unsigned_t<T>;
  constexpr bool kSigned = std::is_signed_v<T>;
  switch (op) {
  case IntArith::kAdd:
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  case IntArith::kSub:
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  case IntArith::kMul:
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  case IntArith::kMax:
    return a > b ? a : b;
  case IntArith::kMin:
    return a < b ? a : b;
  case IntArith::kPow: {
    if (kSigned && b < 0) // 1/a^|b| truncates to 0 unless |a| == 1
      return a == 1 ? 1 : a == T(-1) ? ((b & 1) ? T(-1) : T(1)) : 0;
    U result = 1, base = static_cast<U>(a);
    for (U e = static_cast<U>(b); e != 0; e >>= 1) {
      if (e & 1)
        result *= base;
      base *= base;
    }
    return static_cast<T>(result);
  }
  case IntArith::kDiv:
  case IntArith::kMod:
  case IntArith::kFmod: {
    if (b == 0)
      return 0;
    if (kSigned && b == T(-1)) // a / -1 = -a (wrapping); a % -1 = 0
      return op == IntArith::kDiv ? static_cast<T>(U(0) - static_cast<U>(a))
                                  : T(0);
    if (op == IntArith::kDiv)
      return static_cast<T>(a / b);
    T r = static_cast<T>(a % b); // the sign of a, as C's fmod
    if (op == IntArith::kMod && r != 0 && ((r < 0) != (b < 0)))
      r = static_cast<T>(r + b); // the sign of b, as Python's %
    return r;
  }
  }
  return 0;
}

template <typename T> struct IntegerKernel : Kernel {
  IntArith op;
  explicit IntegerKernel(IntArith op) : op(op) {}
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const T *a = reinterpret_cast<const T *>(in[0].data);
    const T *b = reinterpret_cast<const T *>(in[1].data);
    T *y = reinterpret_cast<T *>(out[0].data);
    forEachBroadcast<2>(out[0].shape, {&in[0].shape, &in[1].shape},
                        [&](int64_t e, const std::array<int64_t, 2> &o) {
                          y[e] = integerOp<T>(op, a[o[0]], b[o[1]]);
                        });
  }
};

enum class Logic { kAnd, kOr, kXor, kNot };

template <Logic L> struct LogicKernel : Kernel {
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const uint8_t *a = in[0].data;
    uint8_t *y = out[0].data;
    if constexpr (L == Logic::kNot) {
      int64_t n = numElements(out[0].shape);
      for (int64_t e = 0; e < n; ++e)
        y[e] = a[e] == 0;
    } else {
      const uint8_t *b = in[1].data;
      forEachBroadcast<2>(out[0].shape, {&in[0].shape, &in[1].shape},
                          [&](int64_t e, const std::array<int64_t, 2> &o) {
                            bool l = a[o[0]] != 0, r = b[o[1]] != 0;
                            y[e] = L == Logic::kAnd  ? l && r
                                   : L == Logic::kOr ? l || r
                                                     : l != r;
                          });
    }
  }
};

template <Logic L> StatusOr<Built> buildLogic(BuildContext &) {
  return Built{std::make_unique<LogicKernel<L>>()};
}

/// where(cond, x, y): elements of x where cond, of y elsewhere; only their
/// size matters.
struct WhereKernel : Kernel {
  size_t bytes = 4;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const uint8_t *cond = in[0].data, *x = in[1].data, *y = in[2].data;
    uint8_t *r = out[0].data;
    forEachBroadcast<3>(out[0].shape,
                        {&in[0].shape, &in[1].shape, &in[2].shape},
                        [&](int64_t e, const std::array<int64_t, 3> &o) {
                          const uint8_t *from =
                              cond[o[0]] ? x + o[1] * bytes : y + o[2] * bytes;
                          std::memcpy(r + e * bytes, from, bytes);
                        });
  }
};

StatusOr<Built> buildWhere(BuildContext &ctx) {
  auto k = std::make_unique<WhereKernel>();
  k->bytes = dtypeSize(ctx.dtypes[1]);
  return Built{std::move(k)};
}

/// The index of the first (or, with select_last_index, the last) maximum
/// or minimum along `axis`, as int64. A NaN wins, as in numpy.
template <bool IsMax> struct ArgKernel : Kernel {
  int64_t axis = 0;
  bool last = false;
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    const Shape &x = in[0].shape;
    int64_t outer = 1, inner = 1, n = x[axis];
    for (int64_t d = 0; d < axis; ++d)
      outer *= x[d];
    for (size_t d = axis + 1; d < x.size(); ++d)
      inner *= x[d];
    const float *s = in[0].f32();
    auto *y = reinterpret_cast<int64_t *>(out[0].data);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const float *row = s + o * n * inner + i;
        int64_t best = 0;
        float v = row[0];
        for (int64_t j = 1; j < n && !std::isnan(v); ++j) {
          float c = row[j * inner];
          bool better =
              std::isnan(c) || (IsMax ? c > v : c < v) || (last && c == v);
          if (better) {
            best = j;
            v = c;
          }
        }
        y[o * inner + i] = best;
      }
  }
};

template <bool IsMax> StatusOr<Built> buildArg(BuildContext &ctx) {
  auto k = std::make_unique<ArgKernel<IsMax>>();
  int64_t rank = ctx.shapes[0].size();
  int64_t axis = ctx.attrs.i("axis");
  k->axis = axis < 0 ? axis + rank : axis;
  k->last = ctx.attrs.i("select_last_index") != 0;
  return Built{std::move(k)};
}

/// Half and bfloat16 values, for the conversions below.
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

template <typename T> double toDouble(T v) { return static_cast<double>(v); }
double toDouble(Half v) { return halfToFloat(v.bits); }
double toDouble(BFloat16 v) { return bf16ToFloat(v.bits); }

/// One element converted as tl.cast defines it (TLOps.td).
template <typename To, typename From> To convert(From x) {
  if constexpr (std::is_same_v<To, Half>) {
    return Half{floatToHalf(static_cast<float>(toDouble(x)))};
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return BFloat16{floatToBf16(static_cast<float>(toDouble(x)))};
  } else if constexpr (std::is_same_v<To, bool>) {
    return toDouble(x) != 0;
  } else if constexpr (std::is_integral_v<To> &&
                       (std::is_floating_point_v<From> ||
                        std::is_same_v<From, Half> ||
                        std::is_same_v<From, BFloat16>)) {
    // Saturating, NaN to 0: the C++ conversion is undefined out of range.
    double d = toDouble(x);
    if (std::isnan(d))
      return 0;
    if (d <= static_cast<double>(std::numeric_limits<To>::min()))
      return std::numeric_limits<To>::min();
    if (d >= static_cast<double>(std::numeric_limits<To>::max()))
      return std::numeric_limits<To>::max();
    return static_cast<To>(d);
  } else if constexpr (std::is_integral_v<From>) {
    if constexpr (std::is_integral_v<To>)
      return static_cast<To>(static_cast<std::make_unsigned_t<To>>(x)); // wrap
    else
      return static_cast<To>(x);
  } else {
    return static_cast<To>(toDouble(x)); // floats: round to nearest
  }
}

template <typename From, typename To> struct CastKernel : Kernel {
  void run(ExecEnv &, const std::vector<TensorRef> &in,
           const std::vector<TensorRef> &out) override {
    int64_t n = numElements(out[0].shape);
    const uint8_t *s = in[0].data;
    uint8_t *d = out[0].data;
    for (int64_t i = 0; i < n; ++i) {
      From x;
      std::memcpy(&x, s + i * sizeof(From), sizeof(From));
      To y = convert<To>(x);
      std::memcpy(d + i * sizeof(To), &y, sizeof(To));
    }
  }
};

/// Calls fn with a value of the C++ type of `dtype`.
template <typename Fn> auto withType(DType dtype, Fn fn) {
  switch (dtype) {
  case DType::kF32:
    return fn(float{});
  case DType::kF64:
    return fn(double{});
  case DType::kF16:
    return fn(Half{});
  case DType::kBF16:
    return fn(BFloat16{});
  case DType::kI8:
    return fn(int8_t{});
  case DType::kI16:
    return fn(int16_t{});
  case DType::kI32:
    return fn(int32_t{});
  case DType::kI64:
    return fn(int64_t{});
  case DType::kU8:
    return fn(uint8_t{});
  case DType::kBool:
    return fn(bool{});
  }
  return fn(float{});
}

StatusOr<Built> buildCast(BuildContext &ctx) {
  DType to = fromSchema(static_cast<fb::DType>(ctx.attrs.i("to")));
  std::unique_ptr<Kernel> k = withType(ctx.dtypes[0], [&](auto from) {
    return withType(to, [&](auto target) -> std::unique_ptr<Kernel> {
      return std::make_unique<CastKernel<decltype(from), decltype(target)>>();
    });
  });
  return Built{std::move(k)};
}

} // namespace

bool cpu::isIntegerDType(DType dtype) {
  switch (dtype) {
  case DType::kI8:
  case DType::kI16:
  case DType::kI32:
  case DType::kI64:
  case DType::kU8:
    return true;
  default:
    return false;
  }
}

StatusOr<Built> cpu::buildIntegerArithmetic(BuildContext &ctx, IntArith op) {
  std::unique_ptr<Kernel> k;
  switch (ctx.dtypes[0]) {
  case DType::kI8:
    k = std::make_unique<IntegerKernel<int8_t>>(op);
    break;
  case DType::kI16:
    k = std::make_unique<IntegerKernel<int16_t>>(op);
    break;
  case DType::kI32:
    k = std::make_unique<IntegerKernel<int32_t>>(op);
    break;
  case DType::kI64:
    k = std::make_unique<IntegerKernel<int64_t>>(op);
    break;
  case DType::kU8:
    k = std::make_unique<IntegerKernel<uint8_t>>(op);
    break;
  default:
    return Status(StatusCode::kUnimplemented,
                  std::string("integer arithmetic on ") +
                      dtypeName(ctx.dtypes[0]));
  }
  return Built{std::move(k)};
}

void cpu::appendLogicOps(std::vector<OpDef> &ops) {
  const Computes any = Computes::kAnyType;
  ops.insert(ops.end(),
             {
                 {"equal", buildCompare<Cmp::kEq>, nullptr, any},
                 {"greater", buildCompare<Cmp::kGt>, nullptr, any},
                 {"greater_equal", buildCompare<Cmp::kGe>, nullptr, any},
                 {"less", buildCompare<Cmp::kLt>, nullptr, any},
                 {"less_equal", buildCompare<Cmp::kLe>, nullptr, any},
                 {"and", buildLogic<Logic::kAnd>, nullptr, any},
                 {"or", buildLogic<Logic::kOr>, nullptr, any},
                 {"xor", buildLogic<Logic::kXor>, nullptr, any},
                 {"not", buildLogic<Logic::kNot>, nullptr, any},
                 {"where", buildWhere, nullptr, any},
                 {"cast", buildCast, nullptr, any},
                 {"arg_max", buildArg<true>},
                 {"arg_min", buildArg<false>},
             });
}
