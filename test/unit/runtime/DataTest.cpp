//===- DataTest.cpp - datasets, image decoding and preprocessing ----------===//
//
// Images are written by the tests as binary PPM (stb decodes PNM), so the
// expected pixels are known exactly.
//
//===----------------------------------------------------------------------===//

#include "tlc/runtime/Data.h"
#include "tlc/runtime/ReadFile.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <stb_image_resize.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

using namespace tlc::runtime;
namespace fs = std::filesystem;

namespace {

/// A fresh directory under the test's temp dir, removed at the end.
class TempDir {
public:
  TempDir() {
    path =
        fs::temp_directory_path() /
        ("tlc-data-test-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

/// A binary PPM of `w` x `h` pixels, every pixel (r, g, b).
std::string ppm(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  std::string out =
      "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  for (int i = 0; i < w * h; ++i)
    out += {char(r), char(g), char(b)};
  return out;
}

void writeFile(const fs::path &path, const std::string &bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

/// IDX files as the MNIST family ships them (uncompressed).
void writeIdx(const fs::path &prefix, int count, int side, bool cutShort) {
  auto be32 = [](std::string &s, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      s += char((v >> shift) & 0xff);
  };
  std::string images, labels;
  be32(images, 0x00000803);
  be32(images, count);
  be32(images, side);
  be32(images, side);
  for (int i = 0; i < count * side * side; ++i)
    images += char(i % 256);
  if (cutShort)
    images.resize(images.size() - 1);
  be32(labels, 0x00000801);
  be32(labels, count);
  for (int i = 0; i < count; ++i)
    labels += char(i % 10);
  writeFile(prefix.string() + "-images-idx3-ubyte", images);
  writeFile(prefix.string() + "-labels-idx1-ubyte", labels);
}

TEST(Image, DecodesPnmExactly) {
  std::string bytes = ppm(3, 2, 10, 20, 30);
  auto image = decodeImage(reinterpret_cast<const uint8_t *>(bytes.data()),
                           bytes.size(), "mem");
  ASSERT_TRUE(image) << image.status().message();
  EXPECT_EQ(image->width, 3);
  EXPECT_EQ(image->height, 2);
  EXPECT_EQ(image->channels, 3);
  ASSERT_EQ(image->pixels.size(), 18u);
  EXPECT_EQ(image->pixels[0], 10);
  EXPECT_EQ(image->pixels[17], 30);
}

TEST(Image, GarbageAndTruncationAreErrorsNamingTheSource) {
  std::string garbage = "this is not an image at all";
  auto bad = decodeImage(reinterpret_cast<const uint8_t *>(garbage.data()),
                         garbage.size(), "upload.jpg");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("upload.jpg"), std::string::npos);
  std::string cut = ppm(16, 16, 1, 2, 3);
  for (size_t length : {size_t(0), size_t(5), cut.size() / 2}) {
    auto r = decodeImage(reinterpret_cast<const uint8_t *>(cut.data()), length,
                         "cut.ppm");
    EXPECT_FALSE(r) << "length " << length;
  }
  auto missing = decodeImage("/nonexistent/x.png");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.status().message().find("/nonexistent/x.png"),
            std::string::npos);
}

TEST(Preprocess, UniformImageNormalizesPerChannel) {
  Image image{40, 60, 3, {}};
  for (int i = 0; i < 40 * 60; ++i)
    image.pixels.insert(image.pixels.end(), {51, 102, 204});
  Preprocessing p;
  p.resize = 32;
  p.crop = 28;
  std::vector<float> out(3 * 28 * 28);
  ASSERT_TRUE(preprocess(image, p, out.data()));
  const float values[3] = {51, 102, 204};
  for (int c = 0; c < 3; ++c) {
    float want = (values[c] / 255.f - p.mean[c]) / p.std[c];
    for (int i = 0; i < 28 * 28; ++i)
      ASSERT_NEAR(out[c * 784 + i], want, 1e-5) << "channel " << c;
  }
  // BGR order: channel 0 comes from blue.
  p.bgr = true;
  ASSERT_TRUE(preprocess(image, p, out.data()));
  EXPECT_NEAR(out[0], (204 / 255.f - p.mean[0]) / p.std[0], 1e-5);
  EXPECT_NEAR(out[2 * 784], (51 / 255.f - p.mean[2]) / p.std[2], 1e-5);
}

TEST(Preprocess, ResamplingTheCropEqualsResizingTheWholeImage) {
  // preprocess resamples only the centered crop; it must match resizing
  // the whole image (shorter side to `resize`) and cutting the crop out.
  std::mt19937 rng(7);
  for (auto [h, w, resize, crop] : {std::array<int, 4>{37, 53, 32, 28},
                                    {300, 200, 64, 56},
                                    {20, 90, 256, 224},
                                    {64, 64, 64, 64}}) {
    Image image{h, w, 3, std::vector<uint8_t>(size_t(h) * w * 3)};
    for (uint8_t &v : image.pixels)
      v = uint8_t(rng());
    Preprocessing p;
    p.resize = resize;
    p.crop = crop;
    p.mean = {0, 0, 0};
    p.std = {1, 1, 1};
    std::vector<float> out(3 * size_t(crop) * crop);
    ASSERT_TRUE(preprocess(image, p, out.data()));
    double scale = double(resize) / std::min(h, w);
    int rh = std::max<int>(crop, int(std::lround(h * scale)));
    int rw = std::max<int>(crop, int(std::lround(w * scale)));
    std::vector<uint8_t> whole(size_t(rh) * rw * 3);
    ASSERT_TRUE(stbir_resize_uint8(image.pixels.data(), w, h, 0, whole.data(),
                                   rw, rh, 0, 3));
    int top = (rh - crop) / 2, left = (rw - crop) / 2, worst = 0;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < crop; ++y)
        for (int x = 0; x < crop; ++x) {
          int want = whole[((top + y) * rw + left + x) * 3 + c];
          int got = int(std::lround(out[(c * crop + y) * crop + x] * 255));
          worst = std::max(worst, std::abs(want - got));
        }
    EXPECT_LE(worst, 1) << h << "x" << w << " -> " << resize << "/" << crop;
  }
}

TEST(Preprocess, ExtremeAspectRatiosCostOnlyTheCrop) {
  // 4,000,000x1: resizing the shorter side to 256 first would make 256 rows
  // of a billion pixels (once an out-of-memory abort in tlc predict).
  Image image{1, 4000000, 1, std::vector<uint8_t>(4000000, 128)};
  Preprocessing p;
  std::vector<float> out(3 * 224 * 224);
  ASSERT_TRUE(preprocess(image, p, out.data()));
  EXPECT_NEAR(out[0], (128 / 255.f - p.mean[0]) / p.std[0], 1e-2);
}

TEST(ReadFile, OnlyRegularFilesWithinTheBudget) {
  auto dir = std::filesystem::temp_directory_path() /
             ("tlc-readfile-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto folder = readRegularFile(dir.string());
  ASSERT_FALSE(folder);
  EXPECT_NE(folder.status().message().find("is a directory"),
            std::string::npos);
  auto device = readRegularFile("/dev/zero");
  ASSERT_FALSE(device);
  EXPECT_NE(device.status().message().find("is a device"), std::string::npos);
  std::string fifo = (dir / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto pipe = readRegularFile(fifo); // never blocks waiting for a writer
  ASSERT_FALSE(pipe);
  EXPECT_NE(pipe.status().message().find("is a FIFO"), std::string::npos);
  std::string file = (dir / "ten").string();
  { std::ofstream(file) << "0123456789"; }
  EXPECT_TRUE(readRegularFile(file, 10));
  auto over = readRegularFile(file, 9);
  ASSERT_FALSE(over);
  EXPECT_NE(over.status().message().find("10 bytes, more than the 9 bytes"),
            std::string::npos);
  // A gzip stream is inflated only up to the budget.
  std::string gz = (dir / "zeros.gz").string();
  {
    gzFile f = gzopen(gz.c_str(), "wb9");
    std::vector<char> zeros(1 << 20, 0);
    for (int i = 0; i < 64; ++i)
      gzwrite(f, zeros.data(), unsigned(zeros.size()));
    gzclose(f);
  }
  EXPECT_LT(std::filesystem::file_size(gz), size_t(1) << 20);
  auto bomb = readInflated(gz, uint64_t(1) << 20);
  ASSERT_FALSE(bomb);
  EXPECT_NE(bomb.status().message().find("inflates to more than the 1 MiB"),
            std::string::npos);
  auto whole = readInflated(gz, uint64_t(64) << 20);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->size(), size_t(64) << 20);
  std::filesystem::remove_all(dir);
}

TEST(Preprocess, GreyImagesFeedAllThreeChannels) {
  Image image{8, 8, 1, std::vector<uint8_t>(64, 255)};
  Preprocessing p;
  p.resize = 8;
  p.crop = 8;
  std::vector<float> out(3 * 64);
  ASSERT_TRUE(preprocess(image, p, out.data()));
  for (int c = 0; c < 3; ++c)
    EXPECT_NEAR(out[c * 64], (1.f - p.mean[c]) / p.std[c], 1e-5);
  Image twoChannels{8, 8, 2, std::vector<uint8_t>(128, 0)};
  EXPECT_FALSE(preprocess(twoChannels, p, out.data()));
}

TEST(Preprocess, MetadataIsValidated) {
  auto p = Preprocessing::fromMetadata({{"tl.preprocess.resize", "160"},
                                        {"tl.preprocess.crop", "128"},
                                        {"tl.preprocess.mean", "0.5,0.5,0.5"},
                                        {"tl.preprocess.std", "0.25,0.25,0.25"},
                                        {"tl.preprocess.channels", "bgr"}});
  ASSERT_TRUE(p) << p.status().message();
  EXPECT_EQ(p->resize, 160);
  EXPECT_EQ(p->crop, 128);
  EXPECT_TRUE(p->bgr);
  EXPECT_FLOAT_EQ(p->std[1], 0.25f);
  EXPECT_EQ(p->describe(), Preprocessing(*p).describe());
  EXPECT_NE(p->describe(), Preprocessing().describe());
  // Defaults when absent: ImageNet's.
  auto defaults = Preprocessing::fromMetadata({});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->crop, 224);
  for (auto bad : std::vector<std::map<std::string, std::string>>{
           {{"tl.preprocess.crop", "many"}},
           {{"tl.preprocess.crop", "300"}}, // larger than the resize
           {{"tl.preprocess.std", "1,0,1"}},
           {{"tl.preprocess.mean", "1,2"}}})
    EXPECT_FALSE(Preprocessing::fromMetadata(bad)) << bad.begin()->first;
}

TEST(Dataset, ImageFolderSortsClassesAndLabelsSamples) {
  TempDir dir;
  writeFile(dir.path / "dog" / "a.ppm", ppm(4, 4, 200, 0, 0));
  writeFile(dir.path / "cat" / "b.ppm", ppm(4, 4, 0, 200, 0));
  writeFile(dir.path / "cat" / "c.ppm", ppm(4, 4, 0, 0, 200));
  auto data = openDataset(dir.path.string());
  ASSERT_TRUE(data) << data.status().message();
  EXPECT_EQ((*data)->classNames(), (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ((*data)->size(), 3u);
  int dogs = 0;
  for (size_t i = 0; i < 3; ++i) {
    auto image = (*data)->image(i);
    ASSERT_TRUE(image) << (*data)->where(i);
    bool isDog = (*data)->label(i) == 1;
    dogs += isDog;
    EXPECT_EQ(image->pixels[0] == 200, isDog) << (*data)->where(i);
  }
  EXPECT_EQ(dogs, 1);
  // A subset keeps the classes and reorders the samples.
  std::shared_ptr<Dataset> shared = std::move(*data);
  auto sub = subset(shared, {2, 0});
  EXPECT_EQ(sub->size(), 2u);
  EXPECT_EQ(sub->label(0), shared->label(2));
  EXPECT_EQ(sub->where(1), shared->where(0));
  EXPECT_EQ(sub->classNames(), shared->classNames());
}

TEST(Dataset, CsvManifestResolvesPathsAndRejectsBadLines) {
  TempDir dir;
  writeFile(dir.path / "img" / "1.ppm", ppm(4, 4, 1, 1, 1));
  writeFile(dir.path / "img" / "2.ppm", ppm(4, 4, 2, 2, 2));
  writeFile(dir.path / "list.csv",
            "path,label\nimg/1.ppm,zebra\r\nimg/2.ppm,ant\n");
  auto data = openDataset((dir.path / "list.csv").string());
  ASSERT_TRUE(data) << data.status().message();
  EXPECT_EQ((*data)->classNames(), (std::vector<std::string>{"ant", "zebra"}));
  EXPECT_EQ((*data)->label(0), 1);
  EXPECT_TRUE((*data)->image(1));

  writeFile(dir.path / "bad.csv", "img/1.ppm,zebra\nno-comma-here\n");
  auto bad = openDataset((dir.path / "bad.csv").string());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find(":2:"), std::string::npos)
      << bad.status().message();
  writeFile(dir.path / "empty.csv", "path,label\n");
  EXPECT_FALSE(openDataset((dir.path / "empty.csv").string()));
  // A manifest naming a missing image opens; reading it is the error.
  writeFile(dir.path / "missing.csv", "img/none.ppm,x\n");
  auto missing = openDataset((dir.path / "missing.csv").string());
  ASSERT_TRUE(missing);
  EXPECT_FALSE((*missing)->image(0));
}

TEST(Dataset, IdxFilesAndTheirDamage) {
  TempDir dir;
  writeIdx(dir.path / "train", 12, 5, /*cutShort=*/false);
  auto data = openDataset((dir.path / "train").string());
  ASSERT_TRUE(data) << data.status().message();
  ASSERT_EQ((*data)->size(), 12u);
  EXPECT_EQ((*data)->label(11), 1);
  auto image = (*data)->image(1);
  ASSERT_TRUE(image);
  EXPECT_EQ(image->width, 5);
  EXPECT_EQ(image->channels, 1);
  EXPECT_EQ(image->pixels[0], 25); // sample 1 starts at byte 25
  EXPECT_NE((*data)->fingerprint(0).value(), (*data)->fingerprint(1).value());

  writeIdx(dir.path / "cut", 12, 5, /*cutShort=*/true);
  EXPECT_FALSE(openDataset((dir.path / "cut").string()));
  EXPECT_FALSE(openDataset((dir.path / "nothing-here").string()));
}

} // namespace
