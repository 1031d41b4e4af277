//===- AtomicFile.h - replacing a file all at once --------------*- C++ -*-===//
//
// Every file tlc writes for a user (artifacts, checkpoints, features,
// plots) goes through writeFileAtomic: the bytes go to a temporary file
// created exclusively (O_EXCL, a random name, never following a link) in
// the destination's folder, are flushed to disk, and the temporary file is
// renamed over the destination. A crash, a full disk or a planted link
// never leaves a half-written file or writes anywhere but `path`; on any
// error the destination is as it was.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_ATOMICFILE_H
#define TLC_RUNTIME_ATOMICFILE_H

#include "tlc/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tlc::runtime {

Status writeFileAtomic(const std::string &path, const uint8_t *data,
                       size_t size);

/// Whether writeFileAtomic(path, ...) could succeed: `path` is not a
/// folder and its folder exists and is writable. Commands check their
/// outputs with it before any work starts, not after hours of it.
Status checkWritable(const std::string &path);
inline Status writeFileAtomic(const std::string &path,
                              const std::vector<uint8_t> &bytes) {
  return writeFileAtomic(path, bytes.data(), bytes.size());
}

} // namespace tlc::runtime

#endif // TLC_RUNTIME_ATOMICFILE_H
