//===- Image.cpp - decoding untrusted image files -------------------------===//
//
// JPEG through libjpeg-turbo, PNG through libpng (both fuzzed upstream, both
// what PIL and torchvision decode with); BMP, GIF, TGA and binary PNM
// through stb, behind checks of the bugs of Debian's stb 2.27 that the fuzz
// target `image` found. Formats stb would also read but nobody trains on
// (PSD, HDR, PIC) are refused by their magic, so their decoders are never
// reached by a client's bytes. Every decoder gets the image's dimensions
// checked against a pixel budget before it decodes a pixel.
//
//===----------------------------------------------------------------------===//

#include "tlc/runtime/Data.h"

#include "tlc/runtime/ReadFile.h"

#include <png.h>
#include <stb_image.h>
#include <turbojpeg.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

using namespace tlc::runtime;

namespace {

/// stb's limit on either side of an image (STBI_MAX_DIMENSIONS).
constexpr int64_t kMaxImageSide = int64_t(1) << 24;

constexpr uint8_t kPngSignature[8] = {0x89, 'P',  'N',  'G',
                                      '\r', '\n', 0x1a, '\n'};

bool isPng(const uint8_t *bytes, size_t size) {
  return size >= 8 && std::memcmp(bytes, kPngSignature, 8) == 0;
}

/// The sides a PNG or BMP header declares ({0, 0} for other formats).
std::pair<int64_t, int64_t> headerDims(const uint8_t *b, size_t size) {
  auto be32 = [&](size_t i) {
    return int64_t(b[i]) << 24 | int64_t(b[i + 1]) << 16 |
           int64_t(b[i + 2]) << 8 | int64_t(b[i + 3]);
  };
  auto le32 = [&](size_t i) {
    return int64_t(int32_t(uint32_t(b[i]) | uint32_t(b[i + 1]) << 8 |
                           uint32_t(b[i + 2]) << 16 |
                           uint32_t(b[i + 3]) << 24));
  };
  if (size >= 24 && isPng(b, size) && std::memcmp(b + 12, "IHDR", 4) == 0)
    return {be32(16), be32(20)};
  if (size >= 26 && b[0] == 'B' && b[1] == 'M')
    return {std::abs(le32(18)), std::abs(le32(22))};
  return {0, 0};
}

/// For binary PNM (P5/P6) files: the header's numbers within what stb reads
/// safely (it parses them into an int unchecked), and the pixels it promises
/// present (stb reads missing PNM pixels as zeros instead of failing).
Status checkPnmHeader(const uint8_t *bytes, size_t size,
                      const std::string &source) {
  if (size < 2 || bytes[0] != 'P' || (bytes[1] != '5' && bytes[1] != '6'))
    return Status::ok();
  size_t i = 2;
  uint64_t fields[3] = {0, 0, 0}; // width, height, maxval
  for (uint64_t &field : fields) {
    for (;;) { // whitespace and comments
      while (i < size && std::isspace(bytes[i]))
        ++i;
      if (i < size && bytes[i] == '#') { // to the line's end, as stb reads
        while (i < size && bytes[i] != '\n' && bytes[i] != '\r')
          ++i;
        continue;
      }
      break;
    }
    if (i >= size || !std::isdigit(bytes[i]))
      return invalidArgument(source + ": the image is cut short");
    // stb reads these into an int without an overflow check: more than 9
    // digits is refused here, before it.
    size_t digits = 0;
    while (i < size && std::isdigit(bytes[i]) && digits++ < 10)
      field = field * 10 + (bytes[i++] - '0');
    if (digits > 9 || (&field != &fields[2] && field > kMaxImageSide) ||
        (&field == &fields[2] && (field == 0 || field > 65535)))
      return invalidArgument(source + ": the PNM header's sizes are beyond "
                                      "what the decoder reads");
  }
  ++i; // the single whitespace after maxval
  uint64_t sample = fields[2] > 255 ? 2 : 1, channels = bytes[1] == '6' ? 3 : 1;
  // Both sides are at most 2^24: the product fits.
  if (i + fields[0] * fields[1] * channels * sample > size)
    return invalidArgument(source + ": the image is cut short");
  return Status::ok();
}

Status checkBudget(int64_t w, int64_t h, int64_t maxPixels,
                   const std::string &source) {
  if (w <= 0 || h <= 0)
    return invalidArgument(source + ": an image of no pixels");
  if (w > kMaxImageSide || h > kMaxImageSide)
    return invalidArgument(source + ": " + std::to_string(w) + "x" +
                           std::to_string(h) +
                           " pixels, more than the decoder's limit of " +
                           std::to_string(kMaxImageSide) + " per side");
  if (w * h > maxPixels)
    return invalidArgument(source + ": " + std::to_string(w) + "x" +
                           std::to_string(h) + " pixels, more than the " +
                           std::to_string(maxPixels) + " an image may have");
  return Status::ok();
}

StatusOr<Image> decodeJpeg(const uint8_t *bytes, size_t size,
                           const std::string &source, int64_t maxPixels) {
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
  if (!tj)
    return Status(StatusCode::kInternal,
                  "libjpeg-turbo: cannot start a decompressor");
  auto fail = [&](const char *what) {
    return invalidArgument(source + ": " + what + " (" +
                           tjGetErrorStr2(tj.get()) + ")");
  };
  int w = 0, h = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.get(), bytes, static_cast<unsigned long>(size), &w,
                          &h, &subsampling, &colorspace) != 0)
    return fail("not a readable JPEG");
  if (Status s = checkBudget(w, h, maxPixels, source); !s)
    return s;
  bool grey = colorspace == TJCS_GRAY;
  Image img{h, w, grey ? 1 : 3, {}};
  img.pixels.resize(size_t(w) * h * img.channels);
  // TJFLAG_LIMITSCANS: a progressive JPEG of thousands of scans (a CPU
  // bomb) is an error, not minutes of decoding.
  if (tjDecompress2(tj.get(), bytes, static_cast<unsigned long>(size),
                    img.pixels.data(), w, 0, h, grey ? TJPF_GRAY : TJPF_RGB,
                    TJFLAG_LIMITSCANS | TJFLAG_STOPONWARNING) != 0)
    return fail("cannot decode the JPEG");
  return img;
}

StatusOr<Image> decodePng(const uint8_t *bytes, size_t size,
                          const std::string &source, int64_t maxPixels) {
  // libpng refuses sides over PNG_USER_WIDTH/HEIGHT_MAX as "Invalid IHDR
  // data": say what it is.
  if (auto [w, h] = headerDims(bytes, size);
      w > PNG_USER_WIDTH_MAX || h > PNG_USER_HEIGHT_MAX)
    return invalidArgument(source + ": " + std::to_string(w) + "x" +
                           std::to_string(h) +
                           " pixels, more than the PNG decoder's limit of " +
                           std::to_string(PNG_USER_WIDTH_MAX) + " per side");
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  std::unique_ptr<png_image, void (*)(png_imagep)> cleanup(&png,
                                                           png_image_free);
  if (!png_image_begin_read_from_memory(&png, bytes, size))
    return invalidArgument(source + ": not a readable PNG (" + png.message +
                           ")");
  if (Status s = checkBudget(png.width, png.height, maxPixels, source); !s)
    return s;
  // Alpha is read and dropped (as stb did and PIL's convert("RGB") does):
  // the colors stay as stored, never composited onto a background.
  bool color = png.format & PNG_FORMAT_FLAG_COLOR;
  png.format = color ? PNG_FORMAT_RGBA : PNG_FORMAT_GA;
  size_t stored = color ? 4 : 2, kept = color ? 3 : 1;
  std::vector<uint8_t> withAlpha(size_t(png.width) * png.height * stored);
  if (!png_image_finish_read(&png, nullptr, withAlpha.data(), 0, nullptr))
    return invalidArgument(source + ": cannot decode the PNG (" + png.message +
                           ")");
  Image img{int64_t(png.height), int64_t(png.width), int64_t(kept), {}};
  img.pixels.resize(size_t(png.width) * png.height * kept);
  for (size_t i = 0, n = size_t(png.width) * png.height; i < n; ++i)
    std::memcpy(&img.pixels[i * kept], &withAlpha[i * stored], kept);
  return img;
}

StatusOr<Image> decodeWithStb(const uint8_t *bytes, size_t size,
                              const std::string &source, int64_t maxPixels) {
  auto starts = [&](const char *magic) {
    size_t n = std::strlen(magic);
    return size >= n && std::memcmp(bytes, magic, n) == 0;
  };
  if (starts("8BPS") || starts("#?RADIANCE") || starts("#?RGBE") ||
      starts("\x53\x80\xF6\x34"))
    return invalidArgument(source + ": PSD, HDR and PIC images are not read "
                                    "(JPEG, PNG, BMP, GIF, TGA, PNM are)");
  if (Status s = checkPnmHeader(bytes, size, source); !s)
    return s;
  int w = 0, h = 0, c = 0;
  if (!stbi_info_from_memory(bytes, static_cast<int>(size), &w, &h, &c)) {
    // stb tries every format and reports the last one's complaint
    // ("unknown image type"); say what is wrong with a BMP whose sides are
    // beyond the decoder's limit.
    if (auto [hw, hh] = headerDims(bytes, size);
        hw > kMaxImageSide || hh > kMaxImageSide)
      return checkBudget(hw, hh, maxPixels, source);
    return invalidArgument(source + ": not a readable image (" +
                           stbi_failure_reason() + ")");
  }
  if (Status s = checkBudget(w, h, maxPixels, source); !s)
    return s;
  int want = c <= 2 ? 1 : 3; // grey (+alpha) stays grey; alpha is dropped
  std::unique_ptr<uint8_t, void (*)(void *)> data(
      stbi_load_from_memory(bytes, static_cast<int>(size), &w, &h, &c, want),
      stbi_image_free);
  if (!data)
    return invalidArgument(source + ": cannot decode (" +
                           stbi_failure_reason() + ")");
  Image img{h, w, want, {}};
  img.pixels.assign(data.get(), data.get() + size_t(w) * h * want);
  return img;
}

} // namespace

StatusOr<Image> tlc::runtime::decodeImage(const uint8_t *bytes, size_t size,
                                          const std::string &source,
                                          int64_t maxPixels) {
  if (size > size_t(std::numeric_limits<int>::max()))
    return invalidArgument(source + ": larger than 2 GiB");
  if (isPng(bytes, size))
    return decodePng(bytes, size, source, maxPixels);
  // A leading 0xFF: stb would read it as a JPEG (after any fill bytes).
  if (size >= 1 && bytes[0] == 0xFF)
    return decodeJpeg(bytes, size, source, maxPixels);
  return decodeWithStb(bytes, size, source, maxPixels);
}

StatusOr<Image> tlc::runtime::decodeImage(const std::string &path,
                                          int64_t maxPixels) {
  auto bytes = readRegularFile(path, kMaxImageFileBytes);
  if (!bytes)
    return bytes.status();
  return decodeImage(bytes->data(), bytes->size(), path, maxPixels);
}
