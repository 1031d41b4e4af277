//===- DatasetFuzzer.cpp - untrusted IDX files and CSV manifests ----------===//
//
// libFuzzer target: the first byte picks the format, the rest is the file:
//   0: an IDX pair, gzip'd or not (byte 1 bit 0), split at bytes 2-3 into
//      DIR/d-images-idx3-ubyte and DIR/d-labels-idx1-ubyte;
//   1: a CSV manifest DIR/d.csv (its rows name files that mostly do not
//      exist, or DIR itself, a folder).
// The dataset is opened as `tlc train --data` does and every sample is
// read. Inflation is bounded by the header (a small gzip that inflates to
// gigabytes is refused, not inflated); every failure must be a Status.
//
//===----------------------------------------------------------------------===//

#include "tlc/runtime/Data.h"

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace tlc::runtime;
namespace fs = std::filesystem;

namespace {

const std::string &folder() {
  static const std::string dir = [] {
    std::string d = (fs::temp_directory_path() /
                     ("tlc-fuzz-dataset-" + std::to_string(::getpid())))
                        .string();
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

void write(const std::string &path, const uint8_t *data, size_t size,
           bool gzip) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb1");
    if (size)
      gzwrite(f, data, unsigned(size));
    gzclose(f);
    return;
  }
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(data), std::streamsize(size));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4)
    return 0;
  const std::string &dir = folder();
  for (const auto &entry : fs::directory_iterator(dir))
    fs::remove_all(entry.path());
  std::string spec;
  if (data[0] % 2 == 0) {
    bool gzip = data[1] & 1;
    size_t split = std::min<size_t>(size - 4, size_t(data[2]) << 8 | data[3]);
    std::string ext = gzip ? ".gz" : "";
    write(dir + "/d-images-idx3-ubyte" + ext, data + 4, split, gzip);
    write(dir + "/d-labels-idx1-ubyte" + ext, data + 4 + split,
          size - 4 - split, gzip);
    spec = dir + "/d";
  } else {
    write(dir + "/d.csv", data + 1, size - 1, false);
    spec = dir + "/d.csv";
  }
  auto dataset = openDataset(spec);
  if (!dataset)
    return 0;
  const Dataset &ds = **dataset;
  if (ds.classNames().empty())
    std::abort();
  for (size_t i = 0; i < ds.size() && i < 64; ++i) {
    if (ds.label(i) < 0 || size_t(ds.label(i)) >= ds.classNames().size())
      std::abort();
    (void)ds.image(i);
    (void)ds.where(i);
  }
  return 0;
}
