//===- ImageFuzzer.cpp - untrusted encoded images -------------------------===//
//
// libFuzzer target: the bytes are an image file (JPEG, PNG, BMP, GIF, TGA,
// PNM) as /classify and `tlc predict` receive it. Decoding checks the
// header's dimensions against a pixel budget before decoding; a decoded
// image is preprocessed (resize, center crop, normalize) as the server does.
// Every failure must be a Status.
//
// JPEG and PNG go to libjpeg-turbo and libpng (fuzzed upstream). stb, which
// reads BMP, GIF, TGA and PNM, is compiled into this target from its header
// (Debian's libstb is built without coverage or sanitizers): the
// executable's definitions take precedence over the shared library's, so
// the runtime's calls reach the instrumented decoder.
//
//===----------------------------------------------------------------------===//

#include "tlc/runtime/Data.h"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_resize.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace tlc::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A budget small enough that a valid image never takes long to decode.
  auto image = decodeImage(data, size, "fuzz", int64_t(1) << 16);
  if (!image)
    return 0;
  if (image->height <= 0 || image->width <= 0 ||
      image->pixels.size() !=
          size_t(image->height * image->width * image->channels))
    std::abort();
  Preprocessing p;
  p.resize = 40;
  p.crop = 32;
  std::vector<float> out(3 * 32 * 32);
  if (preprocess(*image, p, out.data()))
    for (float v : out)
      if (!std::isfinite(v))
        std::abort();
  return 0;
}
