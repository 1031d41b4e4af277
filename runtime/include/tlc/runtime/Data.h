//===- Data.h - labeled images for training, evaluation and predict -*- C++
//-*-===//
//
// Where `tlc train/eval/predict` get their samples: an image folder (one
// subfolder per class, ImageFolder's convention), a CSV manifest
// (path,label), or IDX files (the MNIST family). Images are decoded by stb
// (JPEG, PNG, BMP, ...) and preprocessed as the artifact's metadata says:
// shorter side resized, center crop, [0, 1] scaling, mean/std, channel
// order, grayscale replicated to three channels.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_DATA_H
#define TLC_RUNTIME_DATA_H

#include "tlc/runtime/Status.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tlc::runtime {

/// 8-bit pixels, rows of `width * channels` bytes (1 or 3 channels).
struct Image {
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

/// The most bytes an encoded image file may have (2 GiB).
inline constexpr uint64_t kMaxImageFileBytes = (uint64_t(1) << 31) - 1;
/// The most pixels an image may have by default (2^28: 16384x16384).
inline constexpr int64_t kMaxImagePixels = int64_t(1) << 28;

/// Decodes an image file (JPEG, PNG, BMP, GIF, TGA, PNM). Its dimensions
/// are read from its header and checked against `maxPixels` before any
/// pixel is decoded.
StatusOr<Image> decodeImage(const std::string &path,
                            int64_t maxPixels = kMaxImagePixels);
StatusOr<Image> decodeImage(const uint8_t *bytes, size_t size,
                            const std::string &source,
                            int64_t maxPixels = kMaxImagePixels);

/// How images become network inputs; from the artifact's metadata.
struct Preprocessing {
  int64_t resize = 256; ///< shorter side, before the crop
  int64_t crop = 224;
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
  bool bgr = false;

  /// Reads the tl.preprocess.* keys; missing keys keep the defaults.
  static StatusOr<Preprocessing>
  fromMetadata(const std::map<std::string, std::string> &metadata);
  /// A stable text of every field, for cache keys.
  std::string describe() const;
};

/// Writes `image`, preprocessed, as 3 x crop x crop floats (CHW) to `out`.
Status preprocess(const Image &image, const Preprocessing &p, float *out);

/// A labeled collection. Images load lazily, one at a time.
class Dataset {
public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  /// The class of sample `i`, an index into classNames().
  virtual int64_t label(size_t i) const = 0;
  virtual StatusOr<Image> image(size_t i) const = 0;
  /// Where sample `i` comes from, for messages ("dir/cat/1.jpg", "idx #12").
  virtual std::string where(size_t i) const = 0;
  /// Bytes that identify sample `i`'s content, for the feature cache.
  virtual StatusOr<std::string> fingerprint(size_t i) const = 0;
  const std::vector<std::string> &classNames() const { return classes_; }
  /// Renames the classes (IDX files only number them); same count.
  Status setClassNames(std::vector<std::string> names);
  /// Whether the classes have names (folders, CSV labels) rather than only
  /// numbers (IDX files, until renamed): named classes are matched to a
  /// head's by name, numbered ones by number.
  bool namedClasses() const { return named_; }

protected:
  std::vector<std::string> classes_;
  bool named_ = true;
};

/// Opens `spec`: a directory of class subfolders, a .csv manifest, or the
/// prefix of IDX files (PREFIX-images-idx3-ubyte[.gz] and
/// PREFIX-labels-idx1-ubyte[.gz], e.g. .../fashion-mnist/train).
StatusOr<std::unique_ptr<Dataset>> openDataset(const std::string &spec);

/// The samples `indices` of `base`, in that order.
std::unique_ptr<Dataset> subset(std::shared_ptr<Dataset> base,
                                std::vector<size_t> indices);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_DATA_H
