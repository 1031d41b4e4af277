//===- NpyTest.cpp - the strict .npy reader and the atomic writer ---------===//

#include "tlc/runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace tlc::runtime;

namespace {

NpyArray floats(std::vector<int64_t> shape) {
  NpyArray a;
  a.dtype = DType::kF32;
  a.shape = std::move(shape);
  a.data.resize(a.numElements() * 4);
  for (int64_t i = 0; i < a.numElements(); ++i) {
    float v = static_cast<float>(i) * 0.5f;
    std::memcpy(&a.data[i * 4], &v, 4);
  }
  return a;
}

/// A version 1.0 .npy file laid out as numpy writes it: `dictText` padded
/// to 64 bytes, then `payloadBytes` zero bytes.
std::vector<uint8_t> numpyBytes(const std::string &dictText,
                                size_t payloadBytes) {
  std::string header = dictText;
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.push_back(header.size() & 0xff);
  out.push_back(header.size() >> 8);
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + payloadBytes, 0);
  return out;
}

TEST(Npy, RoundTripsEveryShapeKind) {
  for (auto shape : std::vector<std::vector<int64_t>>{
           {}, {4}, {2, 3}, {1, 3, 5, 7}, {0, 3}}) {
    NpyArray in = floats(shape);
    std::vector<uint8_t> bytes = encodeNpy(in);
    auto out = parseNpy(bytes.data(), bytes.size(), "mem");
    ASSERT_TRUE(out.isOk()) << out.status().toString();
    EXPECT_EQ(out->shape, in.shape);
    EXPECT_EQ(out->dtype, DType::kF32);
    EXPECT_EQ(out->data, in.data);
    // numpy aligns the payload to 64 bytes.
    EXPECT_EQ((bytes.size() - in.data.size()) % 64, 0u);
  }
}

TEST(Npy, ReadsWhatNumpyWrites) {
  auto bytes = numpyBytes(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24);
  auto a = parseNpy(bytes.data(), bytes.size(), "np");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  auto ints = numpyBytes(
      "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", 40);
  auto c = parseNpy(ints.data(), ints.size(), "np");
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->dtype, DType::kI64);
  EXPECT_EQ(c->shape, (std::vector<int64_t>{5}));
}

TEST(Npy, ReadsTwoByteVoidAsBfloat16) {
  // numpy's .view("V2") writes '|V2'; tlc and ml_dtypes write '<V2'.
  for (const char *descr : {"|V2", "<V2"}) {
    auto bytes = numpyBytes(std::string("{'descr': '") + descr +
                                "', 'fortran_order': False, 'shape': (3,), }",
                            6);
    auto a = parseNpy(bytes.data(), bytes.size(), "v.npy");
    ASSERT_TRUE(a.isOk()) << descr << ": " << a.status().toString();
    EXPECT_EQ(a->dtype, DType::kBF16);
    EXPECT_EQ(a->shape, (std::vector<int64_t>{3}));
  }
  NpyArray bf16;
  bf16.dtype = DType::kBF16;
  bf16.shape = {2};
  bf16.data = {0x80, 0x3f, 0x00, 0x40}; // 1.0, 2.0
  std::vector<uint8_t> bytes = encodeNpy(bf16);
  auto back = parseNpy(bytes.data(), bytes.size(), "rt.npy");
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->dtype, DType::kBF16);
  EXPECT_EQ(back->data, bf16.data);
}

TEST(Npy, RejectsFortranOrder) {
  auto bytes = numpyBytes(
      "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24);
  auto a = parseNpy(bytes.data(), bytes.size(), "f.npy");
  ASSERT_FALSE(a.isOk());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("Fortran"), std::string::npos);
  EXPECT_NE(a.status().message().find("f.npy"), std::string::npos);
}

TEST(Npy, RejectsBigEndianAndUnknownDtypes) {
  for (const char *descr : {">f4", "<c8", "<U4", "O", "|V4", ">V2"}) {
    auto bytes = numpyBytes(std::string("{'descr': '") + descr +
                                "', 'fortran_order': False, 'shape': (2,), }",
                            8);
    auto a = parseNpy(bytes.data(), bytes.size(), "d.npy");
    ASSERT_FALSE(a.isOk()) << descr;
    EXPECT_NE(a.status().message().find("dtype"), std::string::npos);
  }
}

TEST(Npy, RejectsTruncationAtEveryLength) {
  std::vector<uint8_t> bytes = encodeNpy(floats({2, 3}));
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto a = parseNpy(bytes.data(), n, "t.npy");
    EXPECT_FALSE(a.isOk()) << "accepted a file cut to " << n << " bytes";
  }
}

TEST(Npy, RejectsPayloadLongerThanShape) {
  std::vector<uint8_t> bytes = encodeNpy(floats({2, 3}));
  bytes.push_back(0);
  auto a = parseNpy(bytes.data(), bytes.size(), "x.npy");
  ASSERT_FALSE(a.isOk());
  EXPECT_EQ(a.status().code(), StatusCode::kDataLoss);
}

TEST(Npy, RejectsMalformedHeaders) {
  for (const char *dict :
       {"{'descr': '<f4', 'shape': (2,), }", // no order
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", // no }
        "['descr', '<f4']",
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }"}) {
    auto bytes = numpyBytes(dict, 8);
    auto a = parseNpy(bytes.data(), bytes.size(), "h.npy");
    EXPECT_FALSE(a.isOk()) << dict;
  }
  std::vector<uint8_t> notNpy = {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(parseNpy(notNpy.data(), notNpy.size(), "z").isOk());
}

TEST(Npy, WritesAtomicallyAndReadsBack) {
  auto dir = std::filesystem::temp_directory_path() /
             ("tlc-npy-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "a.npy").string();
  NpyArray in = floats({3, 2});
  ASSERT_TRUE(writeNpy(path, in).isOk());
  auto out = readNpy(path);
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  EXPECT_EQ(out->data, in.data);
  // No temporary file is left beside it.
  size_t files = 0;
  for (auto &entry : std::filesystem::directory_iterator(dir))
    files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);
  // A write into a missing directory fails cleanly.
  Status s = writeNpy((dir / "missing" / "b.npy").string(), in);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_FALSE(readNpy((dir / "none.npy").string()).isOk());
  std::filesystem::remove_all(dir);
}

TEST(Status, FormatsCodeAndMessage) {
  EXPECT_EQ(Status::ok().toString(), "OK");
  EXPECT_EQ(invalidArgument("bad shape").toString(),
            "INVALID_ARGUMENT: bad shape");
  StatusOr<int> v = 3;
  EXPECT_TRUE(v.isOk());
  StatusOr<int> e = dataLoss("cut");
  EXPECT_FALSE(e.isOk());
  EXPECT_EQ(e.status().code(), StatusCode::kDataLoss);
}

} // namespace
