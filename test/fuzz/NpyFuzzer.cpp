//===- NpyFuzzer.cpp - untrusted .npy and .npz bytes ----------------------===//
//
// libFuzzer target: the bytes are a .npy file, and (the same bytes) a .npz.
// Parsing must fail with a Status or yield an array whose data matches its
// shape and dtype; an array that parses encodes and parses back to itself.
//
//===----------------------------------------------------------------------===//

#include "tlc/runtime/Npy.h"

#include <cstdint>
#include <cstdlib>

using namespace tlc::runtime;

namespace {

void check(bool ok) {
  if (!ok)
    std::abort();
}

void checkArray(const NpyArray &a) {
  check(a.data.size() ==
        static_cast<size_t>(a.numElements()) * dtypeSize(a.dtype));
  std::vector<uint8_t> encoded = encodeNpy(a);
  auto back = parseNpy(encoded.data(), encoded.size(), "re-encoded");
  check(back && back->shape == a.shape && back->dtype == a.dtype &&
        back->data == a.data);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (auto array = parseNpy(data, size, "fuzz.npy"))
    checkArray(*array);
  if (auto arrays = parseNpz(data, size, "fuzz.npz"))
    for (const auto &[name, array] : *arrays)
      checkArray(array);
  return 0;
}
