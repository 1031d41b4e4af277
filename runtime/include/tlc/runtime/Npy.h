//===- Npy.h - strict reading and atomic writing of .npy files --*- C++ -*-===//
//
// The NumPy .npy format (versions 1.0, 2.0 and 3.0), little-endian, C order.
// The reader is strict: a bad magic, a malformed header, Fortran order, a
// big-endian or unsupported dtype, or a payload that does not match the
// header's shape is an error naming the file and the problem. Writes go to a
// temporary file renamed into place, so a crash never leaves a partial file.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_NPY_H
#define TLC_RUNTIME_NPY_H

#include "tlc/runtime/AtomicFile.h"
#include "tlc/runtime/DType.h"
#include "tlc/runtime/Status.h"
#include "tlc/runtime/Tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tlc::runtime {

/// The numpy descr, e.g. "<f4"; bfloat16, which numpy lacks, is "<V2"
/// (raw 2-byte values, as ml_dtypes writes it).
const char *dtypeDescr(DType dtype);

/// A dense, C-ordered array as stored in a .npy file.
struct NpyArray {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  int64_t numElements() const;
};

/// The array as a tensor, and back (the bytes are moved or copied as is).
Tensor toTensor(NpyArray array);
NpyArray toNpy(const Tensor &tensor);

/// Parses .npy bytes; `source` names them in error messages.
StatusOr<NpyArray> parseNpy(const uint8_t *bytes, size_t size,
                            const std::string &source);
StatusOr<NpyArray> readNpy(const std::string &path);

/// The arrays of a .npz (numpy.savez / savez_compressed), by name without
/// the .npy suffix. Stored and deflated entries; not ZIP64 (arrays over
/// 4 GiB).
StatusOr<std::map<std::string, NpyArray>> readNpz(const std::string &path);
StatusOr<std::map<std::string, NpyArray>>
parseNpz(const uint8_t *bytes, size_t size, const std::string &source);

/// The .npy encoding (version 1.0, or 2.0 when the header needs it).
std::vector<uint8_t> encodeNpy(const NpyArray &array);
/// Writes atomically: a temporary file in the same directory, then rename.
Status writeNpy(const std::string &path, const NpyArray &array);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_NPY_H
