//===- ReadFile.h - reading a user's file, whatever it turns out to be -*- C++
//-*-===//
//
// Every file tlc reads for a user (images, .npy/.npz, datasets, label files)
// comes through here: only a regular file is read. A directory, a device, a
// FIFO or a socket is refused before a byte is read (it is opened
// non-blocking, so a FIFO with no writer never hangs), and a file larger
// than the caller's budget is refused before anything is allocated.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_READFILE_H
#define TLC_RUNTIME_READFILE_H

#include "tlc/runtime/Status.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tlc::runtime {

/// The largest file read whole into memory by default (16 GiB).
inline constexpr uint64_t kMaxReadBytes = uint64_t(1) << 34;

/// Opens `path` for reading if it is a regular file (links are followed);
/// returns the descriptor and, in `size`, its length. The caller closes it.
StatusOr<int> openRegularFile(const std::string &path, uint64_t *size);

/// The whole of the regular file `path`, of at most `maxBytes` bytes.
StatusOr<std::vector<uint8_t>>
readRegularFile(const std::string &path, uint64_t maxBytes = kMaxReadBytes);

/// The bytes of `path` after gzip inflation (a file that is not gzip'd is
/// read as it is), of at most `maxBytes`: a small file that would inflate
/// beyond that is refused after `maxBytes` of output, not inflated in full.
StatusOr<std::vector<uint8_t>> readInflated(const std::string &path,
                                            uint64_t maxBytes = kMaxReadBytes);

/// As above, with the budget set by the data's own header: once `prefix`
/// bytes are inflated, `budgetOf(those bytes)` says how many bytes the whole
/// may have (or why the header is bad). Inflation stops there.
StatusOr<std::vector<uint8_t>> readInflated(
    const std::string &path, size_t prefix,
    const std::function<StatusOr<uint64_t>(const std::vector<uint8_t> &)>
        &budgetOf);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_READFILE_H
