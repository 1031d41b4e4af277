//===- AtomicFile.cpp - replacing a file all at once ----------------------===//

#include "tlc/runtime/AtomicFile.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tlc::runtime;

namespace {

std::string errorText(int err) { return std::strerror(err); }

/// The folder `path` is in ("." for a bare name).
std::string folderOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

Status tlc::runtime::checkWritable(const std::string &path) {
  if (path.empty())
    return invalidArgument("an empty output path");
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return invalidArgument(path + ": is a directory");
  std::string folder = folderOf(path);
  if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return ioError(path + ": the folder '" + folder + "' does not exist");
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    return ioError(path + ": the folder '" + folder +
                   "' is not writable: " + errorText(errno));
  return Status::ok();
}

Status tlc::runtime::writeFileAtomic(const std::string &path,
                                     const uint8_t *data, size_t size) {
  if (Status s = checkWritable(path); !s)
    return s;
  std::string folder = folderOf(path);
  // mkostemp creates the file exclusively (O_CREAT | O_EXCL) under a random
  // name: nothing planted there can redirect the write.
  std::string tmp = path;
  size_t slash = tmp.find_last_of('/');
  tmp.insert(slash == std::string::npos ? 0 : slash + 1, ".");
  tmp += ".tmp.XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0)
    return ioError(path + ": cannot create a file in '" + folder +
                   "': " + errorText(errno));
  auto fail = [&](const std::string &what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return ioError(path + ": " + what + ": " + errorText(err));
  };
  // mkostemp makes it 0600; give it the mode a new file would have.
  mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0)
    return fail("cannot set the file's mode", errno);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail("write failed", n < 0 ? errno : ENOSPC);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0)
    return fail("cannot flush", errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ioError(path + ": cannot flush: " + errorText(err));
  }
  // rename replaces `path` itself, also when it is a link: what the link
  // pointed to is untouched.
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ioError(path + ": cannot rename into place: " + errorText(err));
  }
  // The rename itself reaches the disk with the folder.
  int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::ok();
}
