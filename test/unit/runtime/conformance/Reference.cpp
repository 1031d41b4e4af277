//===- Reference.cpp - plain C++ references of the tl ops -----------------===//

#include "Reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace tlc::test::ref;

int64_t tlc::test::ref::count(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s)
    n *= d;
  return n;
}

Array::Array(Shape s) : shape(std::move(s)), data(count(shape), 0.f) {}

namespace {

int64_t flatIndex(const Shape &shape, const std::vector<int64_t> &index) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + index[d];
  return flat;
}

/// Index of `index` (of the broadcast result's rank) into `s`, which
/// broadcasts to it.
int64_t broadcastIndex(const Shape &s, const std::vector<int64_t> &index) {
  size_t offset = index.size() - s.size();
  int64_t flat = 0;
  for (size_t d = 0; d < s.size(); ++d)
    flat = flat * s[d] + (s[d] == 1 ? 0 : index[d + offset]);
  return flat;
}

} // namespace

float &Array::at(const std::vector<int64_t> &index) {
  return data[flatIndex(shape, index)];
}
float Array::at(const std::vector<int64_t> &index) const {
  return data[flatIndex(shape, index)];
}

void tlc::test::ref::forEach(
    const Shape &s,
    const std::function<void(int64_t, const std::vector<int64_t> &)> &fn) {
  int64_t n = count(s);
  std::vector<int64_t> index(s.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    fn(i, index);
    for (int d = static_cast<int>(s.size()) - 1; d >= 0; --d) {
      if (++index[d] < s[d])
        break;
      index[d] = 0;
    }
  }
}

float tlc::test::ref::activate(int kind, float alpha, float beta, float x) {
  switch (kind) {
  case 0:
    return x;
  case 1: // relu
    return std::max(x, 0.f);
  case 2: // clip
    return std::min(std::max(x, alpha), beta);
  case 3: // sigmoid
    return 1.f / (1.f + std::exp(-x));
  case 4:
    return std::tanh(x);
  case 5: // hard_sigmoid
    return std::max(0.f, std::min(1.f, alpha * x + beta));
  case 6: // hard_swish
    return x * std::min(std::max(x + 3.f, 0.f), 6.f) / 6.f;
  case 7: // silu
    return x / (1.f + std::exp(-x));
  case 8: // gelu (erf)
    return 0.5f * x * (1.f + std::erf(x / std::sqrt(2.f)));
  case 9: // leaky_relu
    return x >= 0 ? x : alpha * x;
  }
  return std::numeric_limits<float>::quiet_NaN();
}

Array tlc::test::ref::conv(const Array &x, const Array &w, const Array *bias,
                           const Array *residual, const ConvParams &p) {
  size_t spatial = x.shape.size() - 2;
  Shape y = {x.shape[0], w.shape[0]};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t span = p.dilations[i] * (w.shape[i + 2] - 1) + 1;
    y.push_back((x.shape[i + 2] + p.pads[i] + p.pads[i + spatial] - span) /
                    p.strides[i] +
                1);
  }
  Array out(y);
  int64_t inPerGroup = x.shape[1] / p.groups;
  int64_t outPerGroup = w.shape[0] / p.groups;
  Shape window(w.shape.begin() + 2, w.shape.end());
  forEach(y, [&](int64_t flat, const std::vector<int64_t> &o) {
    int64_t g = o[1] / outPerGroup;
    double acc = bias ? bias->data[o[1]] : 0.0;
    for (int64_t ci = 0; ci < inPerGroup; ++ci)
      forEach(window, [&](int64_t, const std::vector<int64_t> &k) {
        std::vector<int64_t> xi = {o[0], g * inPerGroup + ci};
        for (size_t i = 0; i < spatial; ++i) {
          int64_t pos =
              o[i + 2] * p.strides[i] - p.pads[i] + k[i] * p.dilations[i];
          if (pos < 0 || pos >= x.shape[i + 2])
            return;
          xi.push_back(pos);
        }
        std::vector<int64_t> wi = {o[1], ci};
        wi.insert(wi.end(), k.begin(), k.end());
        acc += double(x.at(xi)) * w.at(wi);
      });
    if (residual)
      acc += residual->data[flat];
    out.data[flat] = activate(p.activation, p.alpha, p.beta, float(acc));
  });
  return out;
}

Array tlc::test::ref::convTranspose(const Array &x, const Array &w,
                                    const Array *bias, const ConvParams &p,
                                    const std::vector<int64_t> &outputPadding) {
  size_t spatial = x.shape.size() - 2;
  int64_t outPerGroup = w.shape[1], inPerGroup = x.shape[1] / p.groups;
  Shape y = {x.shape[0], outPerGroup * p.groups};
  for (size_t i = 0; i < spatial; ++i)
    y.push_back((x.shape[i + 2] - 1) * p.strides[i] + outputPadding[i] +
                p.dilations[i] * (w.shape[i + 2] - 1) + 1 - p.pads[i] -
                p.pads[i + spatial]);
  std::vector<double> acc(count(y), 0.0);
  Shape window(w.shape.begin() + 2, w.shape.end());
  forEach(x.shape, [&](int64_t flat, const std::vector<int64_t> &xi) {
    int64_t g = xi[1] / inPerGroup;
    for (int64_t co = 0; co < outPerGroup; ++co)
      forEach(window, [&](int64_t, const std::vector<int64_t> &k) {
        std::vector<int64_t> yi = {xi[0], g * outPerGroup + co};
        for (size_t i = 0; i < spatial; ++i) {
          int64_t pos =
              xi[i + 2] * p.strides[i] - p.pads[i] + k[i] * p.dilations[i];
          if (pos < 0 || pos >= y[i + 2])
            return;
          yi.push_back(pos);
        }
        std::vector<int64_t> wi = {xi[1], co};
        wi.insert(wi.end(), k.begin(), k.end());
        acc[flatIndex(y, yi)] += double(x.data[flat]) * w.at(wi);
      });
  });
  Array out(y);
  forEach(y, [&](int64_t flat, const std::vector<int64_t> &o) {
    out.data[flat] = float(acc[flat] + (bias ? bias->data[o[1]] : 0.0));
  });
  return out;
}

Array tlc::test::ref::fc(const Array &x, const Array &w, const Array *bias,
                         int activation) {
  Array out({x.shape[0], w.shape[0]});
  for (int64_t n = 0; n < x.shape[0]; ++n)
    for (int64_t m = 0; m < w.shape[0]; ++m) {
      double acc = bias ? bias->data[m] : 0.0;
      for (int64_t k = 0; k < x.shape[1]; ++k)
        acc += double(x.data[n * x.shape[1] + k]) * w.data[m * w.shape[1] + k];
      out.data[n * w.shape[0] + m] = activate(activation, 0, 0, float(acc));
    }
  return out;
}

Array tlc::test::ref::matmul(const Array &a, const Array &b) {
  // Both of rank >= 2 here; batch dims broadcast.
  size_t rank = std::max(a.shape.size(), b.shape.size());
  Shape pa(rank - a.shape.size(), 1), pb(rank - b.shape.size(), 1);
  pa.insert(pa.end(), a.shape.begin(), a.shape.end());
  pb.insert(pb.end(), b.shape.begin(), b.shape.end());
  Shape y;
  for (size_t d = 0; d + 2 < rank; ++d)
    y.push_back(std::max(pa[d], pb[d]));
  int64_t m = pa[rank - 2], k = pa[rank - 1], n = pb[rank - 1];
  y.push_back(m);
  y.push_back(n);
  Array out(y);
  Shape batch(y.begin(), y.end() - 2);
  Shape ba(pa.begin(), pa.end() - 2), bb(pb.begin(), pb.end() - 2);
  forEach(batch, [&](int64_t flat, const std::vector<int64_t> &bi) {
    int64_t offA = broadcastIndex(ba, bi) * m * k;
    int64_t offB = broadcastIndex(bb, bi) * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t q = 0; q < k; ++q)
          acc += double(a.data[offA + i * k + q]) * b.data[offB + q * n + j];
        out.data[flat * m * n + i * n + j] = float(acc);
      }
  });
  return out;
}

Array tlc::test::ref::pool(const Array &x, const PoolParams &p, bool isMax,
                           const Shape &) {
  size_t spatial = x.shape.size() - 2;
  Shape y = {x.shape[0], x.shape[1]};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = x.shape[i + 2], s = p.strides[i];
    int64_t room = in + p.pads[i] + p.pads[i + spatial] -
                   (p.dilations[i] * (p.kernel[i] - 1) + 1);
    int64_t out = (p.ceil ? (room + s - 1) / s : room / s) + 1;
    if (p.ceil && (out - 1) * s >= in + p.pads[i])
      --out;
    y.push_back(out);
  }
  Array out(y);
  forEach(y, [&](int64_t flat, const std::vector<int64_t> &o) {
    double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
    int64_t valid = 0, padded = 0;
    forEach(Shape(p.kernel.begin(), p.kernel.end()),
            [&](int64_t, const std::vector<int64_t> &k) {
              std::vector<int64_t> xi = {o[0], o[1]};
              bool inside = true, inPadded = true;
              for (size_t i = 0; i < spatial; ++i) {
                int64_t pos =
                    o[i + 2] * p.strides[i] - p.pads[i] + k[i] * p.dilations[i];
                inside = inside && pos >= 0 && pos < x.shape[i + 2];
                inPadded =
                    inPadded && pos < x.shape[i + 2] + p.pads[i + spatial];
                xi.push_back(pos);
              }
              padded += inPadded;
              if (!inside)
                return;
              ++valid;
              float v = x.at(xi);
              acc = isMax ? std::max(acc, double(v)) : acc + v;
            });
    out.data[flat] =
        float(isMax ? acc : acc / double(p.countIncludePad ? padded : valid));
  });
  return out;
}

Array tlc::test::ref::globalPool(const Array &x, bool isMax) {
  Shape y = x.shape;
  std::fill(y.begin() + 2, y.end(), 1);
  int64_t inner = count(x.shape) / (x.shape[0] * x.shape[1]);
  Array out(y);
  for (int64_t i = 0; i < x.shape[0] * x.shape[1]; ++i) {
    double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
    for (int64_t j = 0; j < inner; ++j) {
      float v = x.data[i * inner + j];
      acc = isMax ? std::max(acc, double(v)) : acc + v;
    }
    out.data[i] = float(isMax ? acc : acc / inner);
  }
  return out;
}

Array tlc::test::ref::reduce(const Array &x, const std::string &kind,
                             std::vector<int64_t> axes, bool keepdims) {
  int64_t rank = x.shape.size();
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes)
    reduced[a < 0 ? a + rank : a] = true;
  Shape kept = x.shape;
  for (int64_t d = 0; d < rank; ++d)
    if (reduced[d])
      kept[d] = 1;
  bool isMax = kind == "max", isMin = kind == "min", isProd = kind == "prod";
  double init = isMax ? -INFINITY : isMin ? INFINITY : isProd ? 1 : 0;
  Array out(kept);
  std::vector<double> acc(out.size(), init);
  std::vector<int64_t> counts(acc.size(), 0);
  forEach(x.shape, [&](int64_t flat, const std::vector<int64_t> &i) {
    int64_t o = broadcastIndex(kept, i);
    double v = x.data[flat];
    double &r = acc[o];
    if (isMax)
      r = std::max(r, v);
    else if (isMin)
      r = std::min(r, v);
    else if (isProd)
      r *= v;
    else if (kind == "l1")
      r += std::fabs(v);
    else if (kind == "l2" || kind == "sum_square")
      r += v * v;
    else if (kind == "log_sum_exp")
      r += std::exp(v);
    else // mean, sum, log_sum
      r += v;
    ++counts[o];
  });
  for (size_t i = 0; i < acc.size(); ++i) {
    double r = acc[i];
    if (kind == "mean")
      r /= counts[i];
    else if (kind == "l2")
      r = std::sqrt(r);
    else if (kind == "log_sum" || kind == "log_sum_exp")
      r = std::log(r);
    out.data[i] = float(r);
  }
  if (!keepdims) {
    Shape y;
    for (int64_t d = 0; d < rank; ++d)
      if (!reduced[d])
        y.push_back(kept[d]);
    out.shape = y;
  }
  return out;
}

Array tlc::test::ref::broadcast(const Array &a, const Array &b,
                                const std::function<float(float, float)> &fn) {
  size_t rank = std::max(a.shape.size(), b.shape.size());
  Shape pa(rank - a.shape.size(), 1), pb(rank - b.shape.size(), 1);
  pa.insert(pa.end(), a.shape.begin(), a.shape.end());
  pb.insert(pb.end(), b.shape.begin(), b.shape.end());
  Shape y(rank);
  for (size_t d = 0; d < rank; ++d)
    y[d] = pa[d] == 1 ? pb[d] : pa[d];
  Array out(y);
  forEach(y, [&](int64_t flat, const std::vector<int64_t> &i) {
    out.data[flat] =
        fn(a.data[broadcastIndex(pa, i)], b.data[broadcastIndex(pb, i)]);
  });
  return out;
}

Array tlc::test::ref::map(const Array &x,
                          const std::function<float(float)> &fn) {
  Array out(x.shape);
  for (int64_t i = 0; i < x.size(); ++i)
    out.data[i] = fn(x.data[i]);
  return out;
}

Array tlc::test::ref::batchNorm(const Array &x, const Array &scale,
                                const Array &bias, const Array &mean,
                                const Array &var, float eps) {
  Array out(x.shape);
  forEach(x.shape, [&](int64_t flat, const std::vector<int64_t> &i) {
    int64_t c = i[1];
    out.data[flat] =
        float((x.data[flat] - mean.data[c]) /
                  std::sqrt(double(var.data[c]) + eps) * scale.data[c] +
              bias.data[c]);
  });
  return out;
}

Array tlc::test::ref::layerNorm(const Array &x, const Array &scale,
                                const Array *bias, int64_t axis, float eps) {
  int64_t rank = x.shape.size();
  if (axis < 0)
    axis += rank;
  Shape inner(x.shape.begin() + axis, x.shape.end());
  int64_t n = count(inner), outer = x.size() / n;
  Array out(x.shape);
  for (int64_t o = 0; o < outer; ++o) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < n; ++j)
      mean += x.data[o * n + j];
    mean /= n;
    for (int64_t j = 0; j < n; ++j)
      var += (x.data[o * n + j] - mean) * (x.data[o * n + j] - mean);
    var /= n;
    forEach(inner, [&](int64_t j, const std::vector<int64_t> &i) {
      double v = (x.data[o * n + j] - mean) / std::sqrt(var + eps);
      v *= scale.data[broadcastIndex(scale.shape, i)];
      if (bias)
        v += bias->data[broadcastIndex(bias->shape, i)];
      out.data[o * n + j] = float(v);
    });
  }
  return out;
}

Array tlc::test::ref::softmax(const Array &x, int64_t axis) {
  int64_t rank = x.shape.size();
  if (axis < 0)
    axis += rank;
  int64_t dim = x.shape[axis];
  int64_t inner = count(Shape(x.shape.begin() + axis + 1, x.shape.end()));
  int64_t outer = x.size() / (dim * inner);
  Array out(x.shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return (o * dim + k) * inner + i; };
      double top = -std::numeric_limits<double>::infinity(), sum = 0;
      for (int64_t k = 0; k < dim; ++k)
        top = std::max(top, double(x.data[at(k)]));
      for (int64_t k = 0; k < dim; ++k)
        sum += std::exp(x.data[at(k)] - top);
      for (int64_t k = 0; k < dim; ++k)
        out.data[at(k)] = float(std::exp(x.data[at(k)] - top) / sum);
    }
  return out;
}

Array tlc::test::ref::lrn(const Array &x, int64_t size, float alpha, float beta,
                          float bias) {
  Array out(x.shape);
  int64_t channels = x.shape[1];
  forEach(x.shape, [&](int64_t flat, const std::vector<int64_t> &i) {
    double sum = 0;
    std::vector<int64_t> j = i;
    for (int64_t c = i[1] - (size - 1) / 2; c <= i[1] + size / 2; ++c) {
      if (c < 0 || c >= channels)
        continue;
      j[1] = c;
      double v = x.at(j);
      sum += v * v;
    }
    out.data[flat] =
        float(x.data[flat] / std::pow(bias + alpha / size * sum, beta));
  });
  return out;
}

Array tlc::test::ref::concat(const std::vector<Array> &xs, int64_t axis) {
  Shape y = xs[0].shape;
  int64_t rank = y.size();
  if (axis < 0)
    axis += rank;
  y[axis] = 0;
  for (const Array &x : xs)
    y[axis] += x.shape[axis];
  Array out(y);
  int64_t offset = 0;
  for (const Array &x : xs) {
    forEach(x.shape, [&](int64_t flat, const std::vector<int64_t> &i) {
      std::vector<int64_t> o = i;
      o[axis] += offset;
      out.at(o) = x.data[flat];
    });
    offset += x.shape[axis];
  }
  return out;
}

Array tlc::test::ref::transpose(const Array &x,
                                const std::vector<int64_t> &perm) {
  Shape y;
  for (int64_t p : perm)
    y.push_back(x.shape[p]);
  Array out(y);
  forEach(y, [&](int64_t flat, const std::vector<int64_t> &o) {
    std::vector<int64_t> i(o.size());
    for (size_t d = 0; d < perm.size(); ++d)
      i[perm[d]] = o[d];
    out.data[flat] = x.at(i);
  });
  return out;
}

Array tlc::test::ref::slice(const Array &x, const std::vector<int64_t> &starts,
                            const std::vector<int64_t> &ends,
                            const std::vector<int64_t> &axes,
                            const std::vector<int64_t> &steps) {
  int64_t rank = x.shape.size();
  // Per dim, the input coordinates it keeps, in order.
  std::vector<std::vector<int64_t>> keep(rank);
  for (int64_t d = 0; d < rank; ++d)
    for (int64_t i = 0; i < x.shape[d]; ++i)
      keep[d].push_back(i);
  for (size_t a = 0; a < axes.size(); ++a) {
    int64_t d = axes[a] < 0 ? axes[a] + rank : axes[a], dim = x.shape[d];
    auto clampTo = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v += dim;
      return std::min(std::max(v, lo), hi);
    };
    keep[d].clear();
    if (steps[a] > 0)
      for (int64_t i = clampTo(starts[a], 0, dim); i < clampTo(ends[a], 0, dim);
           i += steps[a])
        keep[d].push_back(i);
    else
      for (int64_t i = clampTo(starts[a], 0, dim - 1);
           i > clampTo(ends[a], -1, dim - 1); i += steps[a])
        keep[d].push_back(i);
  }
  Shape y;
  for (auto &k : keep)
    y.push_back(static_cast<int64_t>(k.size()));
  Array out(y);
  forEach(y, [&](int64_t flat, const std::vector<int64_t> &o) {
    std::vector<int64_t> i(rank);
    for (int64_t d = 0; d < rank; ++d)
      i[d] = keep[d][o[d]];
    out.data[flat] = x.at(i);
  });
  return out;
}

Array tlc::test::ref::pad(const Array &x, const std::vector<int64_t> &pads,
                          int mode, float value) {
  size_t rank = x.shape.size();
  Shape y;
  for (size_t d = 0; d < rank; ++d)
    y.push_back(x.shape[d] + pads[d] + pads[d + rank]);
  Array out(y);
  forEach(y, [&](int64_t flat, const std::vector<int64_t> &o) {
    std::vector<int64_t> i(rank);
    for (size_t d = 0; d < rank; ++d) {
      int64_t p = o[d] - pads[d], n = x.shape[d];
      if (p < 0 || p >= n) {
        if (mode == 0) {
          out.data[flat] = value;
          return;
        }
        if (mode == 2)
          p = std::min(std::max<int64_t>(p, 0), n - 1);
        else
          while (p < 0 || p >= n) // reflect without repeating the edge
            p = p < 0 ? -p : 2 * (n - 1) - p;
      }
      i[d] = p;
    }
    out.data[flat] = x.at(i);
  });
  return out;
}

Array tlc::test::ref::resize(const Array &x, const Shape &y, bool linear) {
  size_t rank = x.shape.size();
  Array out(y);
  forEach(y, [&](int64_t flat, const std::vector<int64_t> &o) {
    // Per dim: up to two taps (coordinate, weight).
    std::vector<std::vector<std::pair<int64_t, double>>> taps(rank);
    for (size_t d = 0; d < rank; ++d) {
      double scale = double(y[d]) / double(x.shape[d]);
      int64_t in = x.shape[d];
      if (!linear) {
        int64_t c = static_cast<int64_t>(std::floor(o[d] / scale));
        taps[d] = {{std::min<int64_t>(c, in - 1), 1.0}};
      } else {
        double c = (o[d] + 0.5) / scale - 0.5;
        c = std::min(std::max(c, 0.0), double(in - 1));
        int64_t lo = static_cast<int64_t>(std::floor(c));
        double w = c - lo;
        taps[d] = {{lo, 1.0 - w}, {std::min<int64_t>(lo + 1, in - 1), w}};
      }
    }
    double acc = 0;
    std::vector<int64_t> pick(rank, 0), i(rank);
    while (true) {
      double w = 1;
      for (size_t d = 0; d < rank; ++d) {
        i[d] = taps[d][pick[d]].first;
        w *= taps[d][pick[d]].second;
      }
      acc += w * x.at(i);
      size_t d = 0;
      while (d < rank && ++pick[d] == taps[d].size())
        pick[d++] = 0;
      if (d == rank)
        break;
    }
    out.data[flat] = float(acc);
  });
  return out;
}
