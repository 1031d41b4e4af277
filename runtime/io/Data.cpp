//===- Data.cpp - labeled images for training, evaluation and predict -----===//

#include "tlc/runtime/Data.h"

#include "tlc/runtime/ArtifactFormat.h"
#include "tlc/runtime/ReadFile.h"

#include <stb_image_resize.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

using namespace tlc::runtime;
namespace fs = std::filesystem;

namespace {

/// The most bytes a CSV manifest may have.
constexpr uint64_t kMaxCsvBytes = uint64_t(1) << 30;

/// What image folders take: every format decodeImage reads.
constexpr const char *kImageExtensions[] = {
    ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tga", ".ppm", ".pgm", ".pnm"};

bool isImageFile(const fs::path &p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  for (const char *known : kImageExtensions)
    if (ext == known)
      return true;
  return false;
}

/// Images in files, with labels.
class FileDataset : public Dataset {
public:
  FileDataset(std::vector<std::string> paths, std::vector<int64_t> labels,
              std::vector<std::string> classes)
      : paths(std::move(paths)), labels(std::move(labels)) {
    classes_ = std::move(classes);
  }
  size_t size() const override { return paths.size(); }
  int64_t label(size_t i) const override { return labels[i]; }
  StatusOr<Image> image(size_t i) const override {
    return decodeImage(paths[i]);
  }
  std::string where(size_t i) const override { return paths[i]; }
  StatusOr<std::string> fingerprint(size_t i) const override {
    auto bytes = readRegularFile(paths[i], kMaxImageFileBytes);
    if (!bytes)
      return bytes.status();
    return std::string(bytes->begin(), bytes->end());
  }

private:
  std::vector<std::string> paths;
  std::vector<int64_t> labels;
};

/// IDX: big-endian magic (0, 0, type 0x08 = ubyte, rank), dims, data.
/// The dims of the header at the start of `b`, checked against the sizes
/// a dataset may have.
StatusOr<std::vector<int64_t>> idxDims(const std::vector<uint8_t> &b,
                                       const std::string &path, size_t rank) {
  if (b.size() < 4 + 4 * rank || b[0] != 0 || b[1] != 0 || b[2] != 0x08 ||
      b[3] != rank)
    return invalidArgument(path + ": not an IDX file of unsigned bytes with " +
                           std::to_string(rank) + " dims");
  std::vector<int64_t> dims;
  uint64_t total = 1;
  for (size_t d = 0; d < rank; ++d) {
    const uint8_t *p = &b[4 + 4 * d];
    uint64_t v = (uint64_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    if (v == 0)
      return invalidArgument(
          path + ": the header declares " +
          (d == 0 ? std::string("no samples") : "a dim of 0"));
    total *= v; // at most 2^32 per dim, and checked after each step
    if (total > kMaxReadBytes)
      return invalidArgument(path + ": the header declares more than " +
                             std::to_string(kMaxReadBytes) + " bytes");
    dims.push_back(int64_t(v));
  }
  return dims;
}

/// An IDX file, gzip'd or not, inflated only as far as its header says.
StatusOr<std::vector<uint8_t>> readIdx(const std::string &path, size_t rank,
                                       std::vector<int64_t> &dims) {
  size_t header = 4 + 4 * rank;
  uint64_t expected = 0; // header and data, as the header declares them
  auto bytes = readInflated(
      path, header, [&](const std::vector<uint8_t> &b) -> StatusOr<uint64_t> {
        auto d = idxDims(b, path, rank);
        if (!d)
          return d.status();
        dims = *d;
        uint64_t data = 1; // idxDims bounded the product
        for (int64_t v : dims)
          data *= uint64_t(v);
        expected = header + data;
        return expected;
      });
  if (!bytes)
    return bytes.status();
  if (bytes->size() != expected)
    return invalidArgument(path + ": " + std::to_string(bytes->size()) +
                           " bytes, the header needs " +
                           std::to_string(expected));
  return bytes;
}

class IdxDataset : public Dataset {
public:
  size_t size() const override { return labels.size(); }
  int64_t label(size_t i) const override { return labels[i]; }
  StatusOr<Image> image(size_t i) const override {
    Image img{rows, cols, 1, {}};
    const uint8_t *p = &images[16 + i * rows * cols];
    img.pixels.assign(p, p + rows * cols);
    return img;
  }
  std::string where(size_t i) const override {
    return prefix + " #" + std::to_string(i);
  }
  StatusOr<std::string> fingerprint(size_t i) const override {
    const char *p =
        reinterpret_cast<const char *>(&images[16 + i * rows * cols]);
    return std::string(p, rows * cols);
  }

  static StatusOr<std::unique_ptr<Dataset>> open(const std::string &prefix) {
    auto find = [&](const std::string &stem) -> std::string {
      for (const char *ext : {"", ".gz"})
        if (std::error_code ec; fs::exists(prefix + stem + ext, ec))
          return prefix + stem + ext;
      return "";
    };
    std::string imagesPath = find("-images-idx3-ubyte");
    std::string labelsPath = find("-labels-idx1-ubyte");
    if (imagesPath.empty() || labelsPath.empty())
      return invalidArgument(prefix + ": no " + prefix +
                             "-images-idx3-ubyte[.gz] and -labels-idx1-ubyte"
                             "[.gz]");
    auto ds = std::make_unique<IdxDataset>();
    ds->prefix = prefix;
    std::vector<int64_t> dims, ldims;
    auto images = readIdx(imagesPath, 3, dims);
    if (!images)
      return images.status();
    auto labelBytes = readIdx(labelsPath, 1, ldims);
    if (!labelBytes)
      return labelBytes.status();
    if (ldims[0] != dims[0])
      return invalidArgument(labelsPath + ": " + std::to_string(ldims[0]) +
                             " labels for " + std::to_string(dims[0]) +
                             " images");
    ds->rows = dims[1];
    ds->cols = dims[2];
    ds->images = std::move(*images);
    int64_t maxLabel = 0;
    for (size_t i = 0; i < static_cast<size_t>(ldims[0]); ++i) {
      ds->labels.push_back((*labelBytes)[8 + i]);
      maxLabel = std::max(maxLabel, ds->labels.back());
    }
    for (int64_t c = 0; c <= maxLabel; ++c)
      ds->classes_.push_back(std::to_string(c));
    ds->named_ = false;
    return std::unique_ptr<Dataset>(std::move(ds));
  }

private:
  std::string prefix;
  int64_t rows = 0, cols = 0;
  std::vector<uint8_t> images; ///< the whole file, header included
  std::vector<int64_t> labels;
};

StatusOr<std::unique_ptr<Dataset>> openImageFolder(const fs::path &dir) {
  // The error_code forms throughout: an unreadable folder is a Status, not
  // an uncaught filesystem_error.
  std::error_code ec;
  auto unreadable = [&](const fs::path &p) {
    return ioError(p.string() + ": cannot list: " + ec.message());
  };
  std::vector<std::string> classes;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec))
    if (it->is_directory(ec))
      classes.push_back(it->path().filename().string());
  if (ec)
    return unreadable(dir);
  std::sort(classes.begin(), classes.end());
  if (classes.empty())
    return invalidArgument(dir.string() +
                           ": no class subfolders (expected DIR/CLASS/IMAGE)");
  std::vector<std::string> paths;
  std::vector<int64_t> labels;
  for (size_t c = 0; c < classes.size(); ++c) {
    std::vector<std::string> files;
    for (fs::recursive_directory_iterator it(dir / classes[c], ec), end;
         !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec) && isImageFile(it->path()))
        files.push_back(it->path().string());
    if (ec)
      return unreadable(dir / classes[c]);
    std::sort(files.begin(), files.end());
    for (std::string &f : files) {
      paths.push_back(std::move(f));
      labels.push_back(c);
    }
  }
  if (paths.empty()) {
    std::string known;
    for (const char *ext : kImageExtensions)
      known += (known.empty() ? "" : " ") + std::string(ext);
    return invalidArgument(dir.string() + ": no images (" + known + ")");
  }
  return std::unique_ptr<Dataset>(std::make_unique<FileDataset>(
      std::move(paths), std::move(labels), std::move(classes)));
}

StatusOr<std::unique_ptr<Dataset>> openCsv(const fs::path &file) {
  auto bytes = readRegularFile(file.string(), kMaxCsvBytes);
  if (!bytes)
    return bytes.status();
  std::istringstream in(std::string(bytes->begin(), bytes->end()));
  std::vector<std::pair<std::string, std::string>> rows;
  std::string line;
  size_t lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    // Spreadsheets save UTF-8 with a byte-order mark.
    if (lineNo == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0)
      line.erase(0, 3);
    if (line.empty() || (lineNo == 1 && line == "path,label"))
      continue;
    size_t comma = line.rfind(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == line.size())
      return invalidArgument(file.string() + ":" + std::to_string(lineNo) +
                             ": expected PATH,LABEL");
    fs::path p = line.substr(0, comma);
    if (p.is_relative())
      p = file.parent_path() / p;
    rows.emplace_back(p.string(), line.substr(comma + 1));
  }
  if (rows.empty())
    return invalidArgument(file.string() + ": no samples");
  std::set<std::string> unique;
  for (auto &row : rows)
    unique.insert(row.second);
  std::vector<std::string> classes(unique.begin(), unique.end());
  std::vector<std::string> paths;
  std::vector<int64_t> labels;
  for (auto &[path, label] : rows) {
    paths.push_back(path);
    labels.push_back(std::lower_bound(classes.begin(), classes.end(), label) -
                     classes.begin());
  }
  return std::unique_ptr<Dataset>(std::make_unique<FileDataset>(
      std::move(paths), std::move(labels), std::move(classes)));
}

class SubsetDataset : public Dataset {
public:
  SubsetDataset(std::shared_ptr<Dataset> base, std::vector<size_t> indices)
      : base(std::move(base)), indices(std::move(indices)) {
    classes_ = this->base->classNames();
    named_ = this->base->namedClasses();
  }
  size_t size() const override { return indices.size(); }
  int64_t label(size_t i) const override { return base->label(indices[i]); }
  StatusOr<Image> image(size_t i) const override {
    return base->image(indices[i]);
  }
  std::string where(size_t i) const override { return base->where(indices[i]); }
  StatusOr<std::string> fingerprint(size_t i) const override {
    return base->fingerprint(indices[i]);
  }

private:
  std::shared_ptr<Dataset> base;
  std::vector<size_t> indices;
};

bool parseFloats(const std::string &text, std::array<float, 3> &out) {
  std::stringstream ss(text);
  std::string part;
  size_t n = 0;
  while (std::getline(ss, part, ',')) {
    if (n == 3)
      return false;
    try {
      size_t used;
      out[n++] = std::stof(part, &used);
      if (used != part.size())
        return false;
    } catch (...) {
      return false;
    }
  }
  return n == 3;
}

} // namespace

Status Dataset::setClassNames(std::vector<std::string> names) {
  if (names.size() != classes_.size())
    return invalidArgument("the data has " + std::to_string(classes_.size()) +
                           " classes, " + std::to_string(names.size()) +
                           " names were given");
  classes_ = std::move(names);
  named_ = true;
  return Status::ok();
}

StatusOr<Preprocessing> Preprocessing::fromMetadata(
    const std::map<std::string, std::string> &metadata) {
  Preprocessing p;
  auto get = [&](const char *key) -> const std::string * {
    auto it = metadata.find(key);
    return it == metadata.end() || it->second.empty() ? nullptr : &it->second;
  };
  try {
    if (auto *v = get(tlc::metadata::kPreprocessResize))
      p.resize = std::stoll(*v);
    if (auto *v = get(tlc::metadata::kPreprocessCrop))
      p.crop = std::stoll(*v);
  } catch (...) {
    return invalidArgument(
        "the artifact's preprocessing sizes are not numbers");
  }
  if (auto *v = get(tlc::metadata::kPreprocessMean);
      v && !parseFloats(*v, p.mean))
    return invalidArgument("tl.preprocess.mean: expected three numbers");
  if (auto *v = get(tlc::metadata::kPreprocessStd);
      v && !parseFloats(*v, p.std))
    return invalidArgument("tl.preprocess.std: expected three numbers");
  if (auto *v = get(tlc::metadata::kPreprocessChannels))
    p.bgr = *v == "bgr";
  if (p.crop <= 0 || p.crop > 8192 || p.resize < p.crop || p.resize > 16384 ||
      std::any_of(p.std.begin(), p.std.end(), [](float s) { return s <= 0; }))
    return invalidArgument("the artifact's preprocessing is inconsistent "
                           "(crop " +
                           std::to_string(p.crop) + ", resize " +
                           std::to_string(p.resize) + ")");
  return p;
}

std::string Preprocessing::describe() const {
  std::ostringstream os;
  os << "resize=" << resize << " crop=" << crop << " mean=" << mean[0] << ","
     << mean[1] << "," << mean[2] << " std=" << std[0] << "," << std[1] << ","
     << std[2] << " channels=" << (bgr ? "bgr" : "rgb");
  return os.str();
}

Status tlc::runtime::preprocess(const Image &image, const Preprocessing &p,
                                float *out) {
  if (image.height <= 0 || image.width <= 0 ||
      (image.channels != 1 && image.channels != 3))
    return invalidArgument("an image of " + std::to_string(image.channels) +
                           " channels cannot be preprocessed");
  // Shorter side to `resize`, keeping the aspect ratio, then the centered
  // crop. Only the crop is resampled (the same filter taps as resizing the
  // whole image and cutting it): a 4,000,000x1 image is never blown up to
  // 256 rows of a billion pixels.
  double scale = double(p.resize) / std::min(image.height, image.width);
  int64_t h = std::max<int64_t>(p.crop, std::lround(image.height * scale));
  int64_t w = std::max<int64_t>(p.crop, std::lround(image.width * scale));
  int64_t top = (h - p.crop) / 2, left = (w - p.crop) / 2;
  std::vector<uint8_t> resized(size_t(p.crop) * p.crop * image.channels);
  if (!stbir_resize_subpixel(
          image.pixels.data(), int(image.width), int(image.height), 0,
          resized.data(), int(p.crop), int(p.crop), 0, STBIR_TYPE_UINT8,
          int(image.channels), STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP,
          STBIR_EDGE_CLAMP, STBIR_FILTER_DEFAULT, STBIR_FILTER_DEFAULT,
          STBIR_COLORSPACE_LINEAR, nullptr, float(double(w) / image.width),
          float(double(h) / image.height), float(left), float(top)))
    return invalidArgument("cannot resize the image");
  int64_t plane = p.crop * p.crop;
  for (int64_t c = 0; c < 3; ++c) {
    int64_t src = image.channels == 1 ? 0 : (p.bgr ? 2 - c : c);
    float m = p.mean[c], s = p.std[c];
    for (int64_t y = 0; y < p.crop; ++y)
      for (int64_t x = 0; x < p.crop; ++x) {
        uint8_t v = resized[(y * p.crop + x) * image.channels + src];
        out[c * plane + y * p.crop + x] = (v / 255.f - m) / s;
      }
  }
  return Status::ok();
}

StatusOr<std::unique_ptr<Dataset>>
tlc::runtime::openDataset(const std::string &spec) {
  fs::path path(spec);
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return openImageFolder(path);
  if (path.extension() == ".csv")
    return openCsv(path);
  if (fs::exists(spec + "-images-idx3-ubyte", ec) ||
      fs::exists(spec + "-images-idx3-ubyte.gz", ec))
    return IdxDataset::open(spec);
  return invalidArgument(spec + ": not a directory of class folders, a .csv "
                                "manifest, or the prefix of IDX files");
}

std::unique_ptr<Dataset> tlc::runtime::subset(std::shared_ptr<Dataset> base,
                                              std::vector<size_t> indices) {
  return std::make_unique<SubsetDataset>(std::move(base), std::move(indices));
}
