//===- ModelLoader.cpp - reading ONNX files and tensors -------------------===//

#include "ModelLoader.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

using namespace tlc::onnx_importer;
using llvm::createStringError;
using llvm::inconvertibleErrorCode;

namespace {

llvm::Error error(const llvm::Twine &message) {
  return createStringError(inconvertibleErrorCode(), message.str());
}

/// Copies repeated numeric proto fields into little-endian bytes of `T`.
template <typename T, typename Repeated>
void appendAs(const Repeated &values, std::string &bytes) {
  bytes.resize(values.size() * sizeof(T));
  char *out = bytes.data();
  for (auto v : values) {
    T t = static_cast<T>(v);
    std::memcpy(out, &t, sizeof(T));
    out += sizeof(T);
  }
}

llvm::Error readExternalData(const onnx::TensorProto &proto,
                             llvm::StringRef baseDir, size_t expectedBytes,
                             std::string &bytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : proto.external_data()) {
    llvm::StringRef value = entry.value();
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset") {
      if (value.getAsInteger(10, offset) || offset < 0)
        return error("tensor '" + proto.name() +
                     "': invalid external data offset '" + value + "'");
    } else if (entry.key() == "length") {
      if (value.getAsInteger(10, length) || length < 0)
        return error("tensor '" + proto.name() +
                     "': invalid external data length '" + value + "'");
    }
  }
  if (location.empty())
    return error("tensor '" + proto.name() +
                 "' has external data without a location");
  // Like onnx.checker: external files must stay inside the model directory,
  // and that is checked on the real path, after links are resolved, not on
  // the string: a link in the model's folder may point anywhere.
  auto refuse = [&](const llvm::Twine &why) {
    return error("tensor '" + proto.name() + "': external data '" + location +
                 "' " + why);
  };
  if (llvm::sys::path::is_absolute(location) ||
      llvm::StringRef(location).contains(".."))
    return refuse("must be a relative path inside the model directory");
  llvm::SmallString<256> path(baseDir.empty() ? "." : baseDir);
  llvm::sys::path::append(path, location);
  llvm::SmallString<256> realBase, realPath;
  if (llvm::sys::fs::real_path(baseDir.empty() ? "." : baseDir, realBase))
    return refuse("cannot be resolved: the model's folder is unreadable");
  if (std::error_code ec = llvm::sys::fs::real_path(path, realPath))
    return refuse("cannot be read: " + ec.message());
  llvm::StringRef inside = realPath;
  if (realBase != "/" &&
      (!inside.consume_front(realBase) || !inside.starts_with("/")))
    return refuse("resolves to '" + realPath +
                  "', outside the model's folder '" + realBase + "'");
  // A regular file only, opened without blocking (a FIFO would hang) and
  // read only in the range asked for (a link to /dev/zero is not a file).
  int fd = ::open(realPath.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return refuse("cannot be opened: " + llvm::Twine(std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return refuse("is not a regular file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (length < 0)
    length = static_cast<int64_t>(size) - offset;
  if (static_cast<uint64_t>(offset) > size ||
      static_cast<uint64_t>(length) > size - offset) {
    ::close(fd);
    return error("tensor '" + proto.name() + "': external data range [" +
                 llvm::Twine(offset) + ", " + llvm::Twine(offset + length) +
                 ") lies outside '" + path + "' (" + llvm::Twine(size) +
                 " bytes)");
  }
  if (static_cast<size_t>(length) != expectedBytes) {
    ::close(fd);
    return error("tensor '" + proto.name() + "': external data has " +
                 llvm::Twine(length) + " bytes, its shape needs " +
                 llvm::Twine(expectedBytes));
  }
  bytes.resize(static_cast<size_t>(length));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done,
                        static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      return refuse(n == 0 ? llvm::Twine("shrank while being read")
                           : "cannot be read: " +
                                 llvm::Twine(std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return llvm::Error::success();
}

} // namespace

llvm::Error tlc::onnx_importer::loadModel(llvm::StringRef path,
                                          onnx::ModelProto &model) {
  // A directory, device or FIFO named as the model is refused before it is
  // opened (a FIFO would block, /dev/zero never ends).
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status))
    return error("cannot read '" + path + "': " + ec.message());
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return error("'" + path + "' is " +
                 (status.type() == llvm::sys::fs::file_type::directory_file
                      ? "a directory"
                      : "not a regular file") +
                 ", not an ONNX model");
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return error("cannot read '" + path + "': " + file.getError().message());
  return parseModel(
      reinterpret_cast<const uint8_t *>((*file)->getBufferStart()),
      (*file)->getBufferSize(), path, model);
}

llvm::Error tlc::onnx_importer::parseModel(const uint8_t *data, size_t size,
                                           llvm::StringRef path,
                                           onnx::ModelProto &model) {
  if (size == 0)
    return error("'" + path + "' is empty, not an ONNX model");
  if (size > static_cast<size_t>(std::numeric_limits<int>::max()))
    return error("'" + path +
                 "' is larger than 2 GiB; store the weights as "
                 "ONNX external data");
  google::protobuf::io::CodedInputStream stream(data, static_cast<int>(size));
  stream.SetTotalBytesLimit(std::numeric_limits<int>::max());
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
    return error("'" + path +
                 "' is not a valid ONNX model (protobuf parsing failed: the "
                 "file is truncated, corrupt, or not ONNX)");
  if (!model.has_graph() || model.ir_version() <= 0)
    return error("'" + path +
                 "' is not an ONNX model (no graph or IR version)");
  return llvm::Error::success();
}

llvm::Expected<HostTensor>
tlc::onnx_importer::decodeTensor(onnx::TensorProto &proto,
                                 llvm::StringRef baseDir) {
  HostTensor t;
  t.elemType = proto.data_type();
  for (int64_t d : proto.dims()) {
    if (d < 0)
      return error("tensor '" + proto.name() + "' has a negative dim " +
                   llvm::Twine(d));
    t.dims.push_back(d);
  }
  size_t elemSize = elementByteSize(t.elemType);
  if (elemSize == 0)
    return error("tensor '" + proto.name() + "' has element type " +
                 elemTypeName(t.elemType) + ", which tlc does not support");
  // Guard the multiplication below against absurd dims.
  uint64_t count = 1;
  for (int64_t d : t.dims) {
    if (d != 0 && count > (uint64_t(1) << 40) / d)
      return error("tensor '" + proto.name() + "' is implausibly large");
    count *= d;
  }
  size_t expected = count * elemSize;

  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    if (auto err = readExternalData(proto, baseDir, expected, t.bytes))
      return std::move(err);
    return t;
  }
  if (proto.has_raw_data()) {
    t.bytes.swap(*proto.mutable_raw_data());
  } else {
    switch (t.elemType) {
    case onnx::TensorProto_DataType_FLOAT:
      appendAs<float>(proto.float_data(), t.bytes);
      break;
    case onnx::TensorProto_DataType_DOUBLE:
      appendAs<double>(proto.double_data(), t.bytes);
      break;
    case onnx::TensorProto_DataType_INT64:
      appendAs<int64_t>(proto.int64_data(), t.bytes);
      break;
    case onnx::TensorProto_DataType_UINT32:
    case onnx::TensorProto_DataType_UINT64:
      if (elemSize == 4)
        appendAs<uint32_t>(proto.uint64_data(), t.bytes);
      else
        appendAs<uint64_t>(proto.uint64_data(), t.bytes);
      break;
    case onnx::TensorProto_DataType_INT32:
      appendAs<int32_t>(proto.int32_data(), t.bytes);
      break;
    case onnx::TensorProto_DataType_INT16:
    case onnx::TensorProto_DataType_UINT16:
    case onnx::TensorProto_DataType_FLOAT16:
    case onnx::TensorProto_DataType_BFLOAT16:
      appendAs<uint16_t>(proto.int32_data(), t.bytes);
      break;
    default: // BOOL, INT8, UINT8: one byte each, stored in int32_data.
      appendAs<uint8_t>(proto.int32_data(), t.bytes);
      break;
    }
  }
  if (t.bytes.size() != expected)
    return error("tensor '" + proto.name() + "' holds " +
                 llvm::Twine(t.bytes.size()) + " bytes of data, its shape " +
                 "needs " + llvm::Twine(expected));
  return t;
}
