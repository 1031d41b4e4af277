//===- UnaryMath.h - elementwise math defined once --------------*- C++ -*-===//
//
// The scalar definition of the tl ops that map one float to one float with
// up to two float attributes (elu, selu, softplus, the trigonometric
// functions, rounding, ...). Three users read the same table: the
// compiler's constant folding, the CPU backend where oneDNN has no
// primitive, and the conformance suite as its reference. Header-only, no
// dependencies: the compiler includes it without linking the runtime.
//
// The formulas follow the ONNX operator definitions; each is written to
// stay finite where the definition is (softplus and mish do not overflow
// for large x).
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_UNARYMATH_H
#define TLC_RUNTIME_UNARYMATH_H

#include <array>
#include <cmath>
#include <string_view>

namespace tlc {

struct UnaryMath {
  /// The tl op's mnemonic, also its name in artifacts.
  std::string_view op;
  /// Its float attributes, in the order `fn` takes them; empty if unused.
  std::string_view attrA, attrB;
  float (*fn)(float x, float a, float b);
};

namespace unary_math {

inline float softplus(float x) {
  // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
  return std::fmax(x, 0.f) + std::log1p(std::exp(-std::fabs(x)));
}

inline constexpr std::array<UnaryMath, 23> kTable = {{
    {"elu", "alpha", "",
     [](float x, float a, float) { return x > 0 ? x : a * std::expm1(x); }},
    {"selu", "alpha", "gamma",
     [](float x, float a, float g) {
       return x > 0 ? g * x : g * a * std::expm1(x);
     }},
    {"celu", "alpha", "",
     [](float x, float a, float) { return x > 0 ? x : a * std::expm1(x / a); }},
    {"thresholded_relu", "alpha", "",
     [](float x, float a, float) { return x > a ? x : 0.f; }},
    {"shrink", "bias", "lambd",
     [](float x, float bias, float lambd) {
       return x < -lambd ? x + bias : x > lambd ? x - bias : 0.f;
     }},
    {"softplus", "", "", [](float x, float, float) { return softplus(x); }},
    {"softsign", "", "",
     [](float x, float, float) { return x / (1.f + std::fabs(x)); }},
    {"mish", "", "",
     [](float x, float, float) { return x * std::tanh(softplus(x)); }},
    {"sign", "", "",
     [](float x, float, float) {
       return x > 0 ? 1.f : x < 0 ? -1.f : x; // 0 and NaN stay
     }},
    // Halves to even, as ONNX's Round (the default rounding mode).
    {"round", "", "", [](float x, float, float) { return std::nearbyint(x); }},
    {"floor", "", "", [](float x, float, float) { return std::floor(x); }},
    {"ceil", "", "", [](float x, float, float) { return std::ceil(x); }},
    {"sin", "", "", [](float x, float, float) { return std::sin(x); }},
    {"cos", "", "", [](float x, float, float) { return std::cos(x); }},
    {"tan", "", "", [](float x, float, float) { return std::tan(x); }},
    {"asin", "", "", [](float x, float, float) { return std::asin(x); }},
    {"acos", "", "", [](float x, float, float) { return std::acos(x); }},
    {"atan", "", "", [](float x, float, float) { return std::atan(x); }},
    {"sinh", "", "", [](float x, float, float) { return std::sinh(x); }},
    {"cosh", "", "", [](float x, float, float) { return std::cosh(x); }},
    {"asinh", "", "", [](float x, float, float) { return std::asinh(x); }},
    {"acosh", "", "", [](float x, float, float) { return std::acosh(x); }},
    {"atanh", "", "", [](float x, float, float) { return std::atanh(x); }},
}};

} // namespace unary_math

/// The table's entry for `op`, or null.
inline const UnaryMath *findUnaryMath(std::string_view op) {
  for (const UnaryMath &m : unary_math::kTable)
    if (m.op == op)
      return &m;
  return nullptr;
}

} // namespace tlc

#endif // TLC_RUNTIME_UNARYMATH_H
