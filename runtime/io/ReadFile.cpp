//===- ReadFile.cpp - reading a user's file, whatever it turns out to be --===//

#include "tlc/runtime/ReadFile.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

using namespace tlc::runtime;

namespace {

std::string kindOf(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "a device";
  return "not a regular file";
}

std::string bytesText(uint64_t n) {
  if (n >= (uint64_t(1) << 30) && n % (uint64_t(1) << 30) == 0)
    return std::to_string(n >> 30) + " GiB";
  if (n >= (uint64_t(1) << 20) && n % (uint64_t(1) << 20) == 0)
    return std::to_string(n >> 20) + " MiB";
  return std::to_string(n) + " bytes";
}

} // namespace

StatusOr<int> tlc::runtime::openRegularFile(const std::string &path,
                                            uint64_t *size) {
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      return notFound(path + ": no such file");
    return ioError(path + ": cannot open: " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return invalidArgument(path + ": is " + kindOf(st.st_mode) +
                           ", expected a file");
  }
  // Reads of a regular file never block; clear the flag all the same.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  if (size)
    *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

StatusOr<std::vector<uint8_t>>
tlc::runtime::readRegularFile(const std::string &path, uint64_t maxBytes) {
  uint64_t size = 0;
  auto fd = openRegularFile(path, &size);
  if (!fd)
    return fd.status();
  if (size > maxBytes) {
    ::close(*fd);
    return invalidArgument(path + ": " + std::to_string(size) +
                           " bytes, more than the " + bytesText(maxBytes) +
                           " this file may have");
  }
  std::vector<uint8_t> bytes(size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(*fd, bytes.data() + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = errno;
      ::close(*fd);
      return n == 0 ? ioError(path + ": the file shrank while being read")
                    : ioError(path + ": read failed: " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  ::close(*fd);
  return bytes;
}

StatusOr<std::vector<uint8_t>>
tlc::runtime::readInflated(const std::string &path, uint64_t maxBytes) {
  return readInflated(path, 0, [&](const std::vector<uint8_t> &) {
    return StatusOr<uint64_t>(maxBytes);
  });
}

StatusOr<std::vector<uint8_t>> tlc::runtime::readInflated(
    const std::string &path, size_t prefix,
    const std::function<StatusOr<uint64_t>(const std::vector<uint8_t> &)>
        &budgetOf) {
  auto fd = openRegularFile(path, nullptr);
  if (!fd)
    return fd.status();
  // gzread reads a file that is not gzip'd as it is.
  gzFile f = gzdopen(*fd, "rb");
  if (!f) {
    ::close(*fd);
    return ioError(path + ": cannot open");
  }
  std::vector<uint8_t> bytes;
  std::optional<uint64_t> budget;
  auto setBudget = [&]() -> Status {
    auto b = budgetOf(bytes);
    if (!b)
      return b.status();
    budget = std::min<uint64_t>(*b, kMaxReadBytes);
    return Status::ok();
  };
  if (Status s = prefix == 0 ? setBudget() : Status::ok(); !s) {
    gzclose(f);
    return s;
  }
  uint8_t chunk[1 << 16];
  int n = 0;
  // Grow with the data actually inflated, never with what a header claims.
  for (;;) {
    size_t want = sizeof(chunk);
    if (!budget && bytes.size() < prefix)
      want = prefix - bytes.size();
    n = gzread(f, chunk, unsigned(want));
    if (n <= 0)
      break;
    if (budget && bytes.size() + size_t(n) > *budget) {
      gzclose(f);
      return invalidArgument(
          path + ": inflates to more than the " + bytesText(*budget) +
          (prefix ? " its header declares" : " it may hold"));
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
    if (!budget && bytes.size() == prefix) {
      if (Status s = setBudget(); !s) {
        gzclose(f);
        return s;
      }
    }
  }
  int err = 0;
  std::string message = gzerror(f, &err);
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
    return invalidArgument(path + ": corrupt gzip data (" + message + ")");
  if (!budget) // shorter than the prefix: the header is the judge
    if (Status s = setBudget(); !s)
      return s;
  return bytes;
}
