//===- Plot.cpp - training curves as a PNG --------------------------------===//
//
// Two panels, loss and accuracy per epoch (or, for a probe, per cut), train
// (blue) and validation (orange), drawn into an RGB buffer; text by
// stb_easy_font; encoded by stb_image_write.
//
//===----------------------------------------------------------------------===//

#include "tlc/runtime/Npy.h"
#include "tlc/runtime/Probe.h"
#include "tlc/runtime/Train.h"

#include <stb_easy_font.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace tlc::runtime;

namespace {

struct Canvas {
  int width, height;
  std::vector<uint8_t> rgb;
  Canvas(int w, int h) : width(w), height(h), rgb(size_t(w) * h * 3, 255) {}

  void dot(int x, int y, const uint8_t *c) {
    if (x < 0 || y < 0 || x >= width || y >= height)
      return;
    std::copy(c, c + 3, &rgb[(size_t(y) * width + x) * 3]);
  }
  void rect(int x0, int y0, int x1, int y1, const uint8_t *c) {
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x)
        dot(x, y, c);
  }
  void line(double x0, double y0, double x1, double y1, const uint8_t *c,
            int thick = 1) {
    int steps = int(std::max(std::fabs(x1 - x0), std::fabs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
      double t = double(i) / steps;
      int x = int(std::lround(x0 + t * (x1 - x0)));
      int y = int(std::lround(y0 + t * (y1 - y0)));
      rect(x - thick / 2, y - thick / 2, x + thick / 2, y + thick / 2, c);
    }
  }
  /// Text with its top-left at (x, y), stb_easy_font's quads filled.
  void text(int x, int y, const std::string &s, const uint8_t *c) {
    static char buffer[60000];
    int quads = stb_easy_font_print(0, 0, const_cast<char *>(s.c_str()),
                                    nullptr, buffer, sizeof(buffer));
    const float *v = reinterpret_cast<const float *>(buffer);
    for (int q = 0; q < quads; ++q, v += 16) // 4 vertices of x,y,z,color
      rect(x + int(v[0]), y + int(v[1]), x + int(v[8]) - 1, y + int(v[9]) - 1,
           c);
  }
};

const uint8_t kBlack[3] = {0, 0, 0}, kGrid[3] = {225, 225, 225},
              kTrain[3] = {31, 119, 180}, kVal[3] = {255, 127, 14};

std::string number(double v) {
  char out[32];
  std::snprintf(out, sizeof(out), "%.3g", v);
  return out;
}

void panel(Canvas &c, int left, int top, int w, int h, const std::string &title,
           const std::vector<EpochStats> &epochs,
           double EpochStats::*trainField, double EpochStats::*valField,
           const char *xLabel = "epoch") {
  double lo = INFINITY, hi = -INFINITY;
  for (const EpochStats &e : epochs)
    for (double v : {e.*trainField, e.*valField})
      if (v >= 0 && std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  if (!std::isfinite(lo))
    lo = 0, hi = 1;
  if (hi - lo < 1e-9)
    hi = lo + 1;
  int64_t n = std::max<int64_t>(2, epochs.size());
  auto px = [&](double epoch) {
    return left + (epoch - 1) * w / double(n - 1);
  };
  auto py = [&](double v) { return top + h - (v - lo) * h / (hi - lo); };
  for (int g = 0; g <= 4; ++g) {
    double v = lo + (hi - lo) * g / 4;
    c.line(left, py(v), left + w, py(v), kGrid);
    c.text(left - 40, int(py(v)) - 3, number(v), kBlack);
  }
  c.line(left, top, left, top + h, kBlack);
  c.line(left, top + h, left + w, top + h, kBlack);
  c.text(left + w / 2 - 3 * int(title.size()), top - 16, title, kBlack);
  c.text(left + w / 2 - 12, top + h + 8, xLabel, kBlack);
  c.text(left + w - 8, top + h + 8, std::to_string(epochs.size()), kBlack);
  for (auto [field, color] :
       {std::pair{trainField, kTrain}, std::pair{valField, kVal}})
    for (size_t i = 1; i < epochs.size(); ++i) {
      double a = epochs[i - 1].*field, b = epochs[i].*field;
      if (a >= 0 && b >= 0 && std::isfinite(a) && std::isfinite(b))
        c.line(px(i), py(a), px(i + 1), py(b), color, 2);
    }
  c.rect(left + 10, top + 8, left + 24, top + 10, kTrain);
  c.text(left + 30, top + 4, "train", kBlack);
  c.rect(left + 10, top + 22, left + 24, top + 24, kVal);
  c.text(left + 30, top + 18, "validation", kBlack);
}

void appendBytes(void *context, void *data, int size) {
  auto *out = static_cast<std::vector<uint8_t> *>(context);
  auto *p = static_cast<uint8_t *>(data);
  out->insert(out->end(), p, p + size);
}

Status writePng(const Canvas &c, const std::string &path) {
  std::vector<uint8_t> png;
  if (!stbi_write_png_to_func(appendBytes, &png, c.width, c.height, 3,
                              c.rgb.data(), c.width * 3))
    return invalidArgument("cannot encode the plot");
  return writeFileAtomic(path, png);
}

} // namespace

Status tlc::runtime::plotCurves(const std::vector<EpochStats> &epochs,
                                const std::string &path) {
  if (epochs.empty())
    return invalidArgument("no epochs to plot");
  Canvas c(900, 360);
  panel(c, 60, 40, 360, 270, "loss", epochs, &EpochStats::trainLoss,
        &EpochStats::valLoss);
  panel(c, 510, 40, 360, 270, "accuracy", epochs, &EpochStats::trainAccuracy,
        &EpochStats::valAccuracy);
  return writePng(c, path);
}

Status tlc::runtime::plotProbe(const std::vector<ProbeFit> &fits,
                               const std::string &path) {
  if (fits.empty())
    return invalidArgument("no cuts to plot");
  // One point per cut, shallow to deep, on the curves' axes.
  std::vector<EpochStats> points;
  for (size_t i = 0; i < fits.size(); ++i) {
    EpochStats p;
    p.epoch = int64_t(i) + 1;
    p.trainAccuracy = fits[i].trainAccuracy;
    p.valAccuracy = fits[i].valAccuracy;
    p.trainLoss = fits[i].result.epochs.back().trainLoss;
    p.valLoss = fits[i].valLoss;
    points.push_back(p);
  }
  const ProbeFit &best = fits[bestProbeFit(fits)];
  Canvas c(900, 360);
  panel(c, 60, 40, 360, 270, "loss by cut", points, &EpochStats::trainLoss,
        &EpochStats::valLoss, "cut, shallow to deep");
  panel(c, 510, 40, 360, 270, "accuracy; best: " + best.cut.name, points,
        &EpochStats::trainAccuracy, &EpochStats::valAccuracy,
        "cut, shallow to deep");
  return writePng(c, path);
}
