//===- Npy.cpp - strict reading and atomic writing of .npy files ----------===//

#include "tlc/runtime/Npy.h"

#include "tlc/runtime/ReadFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <limits>
#include <map>
#include <unistd.h>
#include <zlib.h>

using namespace tlc::runtime;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct DTypeInfo {
  DType dtype;
  const char *descr;
};

// numpy has no bfloat16: tlc writes it as the 2-byte void type "<V2" and
// reads "<V2" or "|V2" (what numpy's .view("V2") and ml_dtypes write) back
// as bfloat16; the session's dtype check catches a file meant otherwise.
constexpr DTypeInfo kDTypes[] = {
    {DType::kF32, "<f4"},  {DType::kF64, "<f8"}, {DType::kF16, "<f2"},
    {DType::kI8, "|i1"},   {DType::kI16, "<i2"}, {DType::kI32, "<i4"},
    {DType::kI64, "<i8"},  {DType::kU8, "|u1"},  {DType::kBool, "|b1"},
    {DType::kBF16, "<V2"},
};

const DTypeInfo &info(DType dtype) {
  for (const DTypeInfo &i : kDTypes)
    if (i.dtype == dtype)
      return i;
  return kDTypes[0];
}

/// A parser for the Python dict literal of a .npy header.
class HeaderParser {
public:
  HeaderParser(const std::string &text, const std::string &source)
      : text(text), source(source) {}

  Status parse(std::map<std::string, std::string> &strings,
               std::map<std::string, bool> &bools,
               std::map<std::string, std::vector<int64_t>> &tuples) {
    skipSpace();
    if (!consume('{'))
      return error("expected '{'");
    skipSpace();
    while (!consume('}')) {
      std::string key;
      if (Status s = parseString(key); !s)
        return s;
      skipSpace();
      if (!consume(':'))
        return error("expected ':' after '" + key + "'");
      skipSpace();
      if (peek() == '\'' || peek() == '"') {
        std::string value;
        if (Status s = parseString(value); !s)
          return s;
        strings[key] = value;
      } else if (text.compare(pos, 4, "True") == 0) {
        pos += 4;
        bools[key] = true;
      } else if (text.compare(pos, 5, "False") == 0) {
        pos += 5;
        bools[key] = false;
      } else if (consume('(')) {
        std::vector<int64_t> values;
        if (Status s = parseTuple(values); !s)
          return s;
        tuples[key] = values;
      } else {
        return error("unexpected value for '" + key + "'");
      }
      skipSpace();
      if (consume(','))
        skipSpace();
      else if (peek() != '}')
        return error("expected ',' or '}'");
    }
    skipSpace();
    if (pos != text.size())
      return error("trailing characters after the header dict");
    return Status::ok();
  }

private:
  const std::string &text;
  const std::string &source;
  size_t pos = 0;

  char peek() const { return pos < text.size() ? text[pos] : '\0'; }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++pos;
    return true;
  }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n'))
      ++pos;
  }
  Status error(const std::string &what) const {
    return dataLoss(source + ": malformed .npy header at offset " +
                    std::to_string(pos) + ": " + what);
  }
  Status parseString(std::string &out) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return error("expected a quoted string");
    ++pos;
    size_t end = text.find(quote, pos);
    if (end == std::string::npos)
      return error("unterminated string");
    out = text.substr(pos, end - pos);
    pos = end + 1;
    return Status::ok();
  }
  Status parseTuple(std::vector<int64_t> &values) {
    skipSpace();
    while (!consume(')')) {
      size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
        ++pos;
      if (start == pos || pos - start > 18)
        return error("expected a non-negative dimension");
      values.push_back(std::stoll(text.substr(start, pos - start)));
      skipSpace();
      if (consume(','))
        skipSpace();
      else if (peek() != ')')
        return error("expected ',' or ')' in the shape");
    }
    return Status::ok();
  }
};

uint32_t readLE(const uint8_t *p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= uint32_t(p[i]) << (8 * i);
  return v;
}

} // namespace

const char *tlc::runtime::dtypeDescr(DType dtype) { return info(dtype).descr; }

Tensor tlc::runtime::toTensor(NpyArray array) {
  return Tensor(array.dtype, std::move(array.shape), std::move(array.data));
}

NpyArray tlc::runtime::toNpy(const Tensor &tensor) {
  NpyArray a;
  a.dtype = tensor.dtype();
  a.shape = tensor.shape();
  a.data.assign(tensor.data(), tensor.data() + tensor.byteSize());
  return a;
}

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

StatusOr<NpyArray> tlc::runtime::parseNpy(const uint8_t *bytes, size_t size,
                                          const std::string &source) {
  if (size < kMagicSize + 4 || std::memcmp(bytes, kMagic, kMagicSize) != 0)
    return dataLoss(source + ": not a .npy file (bad magic)");
  uint8_t major = bytes[6];
  if (major < 1 || major > 3)
    return invalidArgument(source + ": unsupported .npy version " +
                           std::to_string(major) + "." +
                           std::to_string(bytes[7]));
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t prefix = kMagicSize + 2 + lenBytes;
  if (size < prefix)
    return dataLoss(source + ": truncated .npy header");
  size_t headerLen = readLE(bytes + 8, lenBytes);
  if (headerLen > size - prefix)
    return dataLoss(source + ": truncated .npy header (needs " +
                    std::to_string(headerLen) + " bytes)");
  std::string header(reinterpret_cast<const char *>(bytes + prefix), headerLen);

  std::map<std::string, std::string> strings;
  std::map<std::string, bool> bools;
  std::map<std::string, std::vector<int64_t>> tuples;
  if (Status s = HeaderParser(header, source).parse(strings, bools, tuples); !s)
    return s;
  if (!strings.count("descr") || !bools.count("fortran_order") ||
      !tuples.count("shape"))
    return dataLoss(source +
                    ": .npy header lacks descr, fortran_order or shape");
  if (bools["fortran_order"])
    return invalidArgument(source + ": Fortran-ordered arrays are not "
                                    "supported; save with "
                                    "np.ascontiguousarray");
  NpyArray array;
  const std::string &descr = strings["descr"];
  const DTypeInfo *found = nullptr;
  for (const DTypeInfo &i : kDTypes) {
    // Single-byte types and void types may be written with '|', '<' or '='.
    bool anyOrder = dtypeSize(i.dtype) == 1 || i.dtype == DType::kBF16;
    bool match = descr == i.descr ||
                 (anyOrder && descr.size() == 3 &&
                  (descr[0] == '<' || descr[0] == '=' || descr[0] == '|') &&
                  descr.compare(1, 2, i.descr + 1) == 0);
    if (match)
      found = &i;
  }
  if (!found)
    return invalidArgument(source + ": unsupported dtype '" + descr +
                           "' (tlc reads little-endian float16/32/64, "
                           "int8/16/32/64, uint8, bool, and bfloat16 as "
                           "2-byte void '<V2')");
  array.dtype = found->dtype;
  array.shape = tuples["shape"];
  uint64_t count = 1;
  for (int64_t d : array.shape) {
    if (d != 0 && count > (std::numeric_limits<uint64_t>::max() >> 8) / d)
      return dataLoss(source + ": implausible shape");
    count *= d;
  }
  uint64_t payload = count * dtypeSize(found->dtype);
  size_t offset = prefix + headerLen;
  if (payload != size - offset)
    return dataLoss(source + ": the payload has " +
                    std::to_string(size - offset) + " bytes, the shape " +
                    "and dtype need " + std::to_string(payload) +
                    (payload > size - offset ? " (truncated file)" : ""));
  array.data.assign(bytes + offset, bytes + size);
  return array;
}

StatusOr<NpyArray> tlc::runtime::readNpy(const std::string &path) {
  auto bytes = readRegularFile(path);
  if (!bytes)
    return bytes.status();
  return parseNpy(bytes->data(), bytes->size(), path);
}

namespace {
uint32_t le32(const uint8_t *p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t(p[3]) << 24);
}
uint16_t le16(const uint8_t *p) { return p[0] | (p[1] << 8); }
} // namespace

StatusOr<std::map<std::string, NpyArray>>
tlc::runtime::readNpz(const std::string &path) {
  auto file = readRegularFile(path);
  if (!file)
    return file.status();
  return parseNpz(file->data(), file->size(), path);
}

StatusOr<std::map<std::string, NpyArray>>
tlc::runtime::parseNpz(const uint8_t *bytes, size_t length,
                       const std::string &path) {
  struct View {
    const uint8_t *p;
    size_t n;
    size_t size() const { return n; }
    const uint8_t &operator[](size_t i) const { return p[i]; }
  } b{bytes, length};
  auto corrupt = [&](const std::string &why) {
    return invalidArgument(path + ": not a readable .npz (" + why + ")");
  };
  // The end-of-central-directory record: 22 bytes plus a comment.
  if (b.size() < 22)
    return corrupt("too short");
  size_t eocd = std::string::npos;
  for (size_t i = b.size() - 22 + 1; i-- > 0 && b.size() - i <= 22 + 65535;)
    if (le32(&b[i]) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos)
    return corrupt("no zip directory");
  uint16_t entries = le16(&b[eocd + 10]);
  size_t dir = le32(&b[eocd + 16]);
  std::map<std::string, NpyArray> arrays;
  for (uint16_t e = 0; e < entries; ++e) {
    if (dir + 46 > b.size() || le32(&b[dir]) != 0x02014b50)
      return corrupt("a damaged directory entry");
    uint16_t method = le16(&b[dir + 10]);
    uint32_t packed = le32(&b[dir + 20]), size = le32(&b[dir + 24]);
    uint16_t nameLen = le16(&b[dir + 28]), extra = le16(&b[dir + 30]),
             comment = le16(&b[dir + 32]);
    uint32_t local = le32(&b[dir + 42]);
    if (dir + 46 + nameLen > b.size())
      return corrupt("a damaged directory entry");
    std::string name(reinterpret_cast<const char *>(&b[dir + 46]), nameLen);
    dir += 46 + nameLen + extra + comment;
    if (packed == 0xffffffffu || size == 0xffffffffu || local == 0xffffffffu)
      return corrupt("'" + name + "' needs ZIP64, which tlc does not read");
    if (size_t(local) + 30 > b.size() || le32(&b[local]) != 0x04034b50)
      return corrupt("a damaged entry '" + name + "'");
    size_t data = local + 30 + le16(&b[local + 26]) + le16(&b[local + 28]);
    if (data + packed > b.size())
      return corrupt("'" + name + "' is cut short");
    std::vector<uint8_t> raw;
    if (method == 0) {
      raw.assign(bytes + data, bytes + data + packed);
    } else if (method == 8) {
      // Deflate packs at most 1032:1: a larger claim is a lie, refused
      // before the buffer is allocated.
      if (uint64_t(size) > uint64_t(packed) * 1032 + 1024)
        return corrupt("'" + name + "' claims " + std::to_string(size) +
                       " bytes from " + std::to_string(packed) + " compressed");
      raw.resize(size);
      z_stream z{};
      z.next_in = const_cast<uint8_t *>(bytes + data);
      z.avail_in = packed;
      z.next_out = raw.data();
      z.avail_out = size;
      if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return corrupt("zlib");
      int rc = inflate(&z, Z_FINISH);
      inflateEnd(&z);
      if (rc != Z_STREAM_END || z.total_out != size)
        return corrupt("'" + name + "' does not inflate");
    } else {
      return corrupt("'" + name + "' uses compression method " +
                     std::to_string(method));
    }
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    auto array = parseNpy(raw.data(), raw.size(), path + ":" + name);
    if (!array)
      return array.status();
    arrays[name] = std::move(*array);
  }
  return arrays;
}

std::vector<uint8_t> tlc::runtime::encodeNpy(const NpyArray &array) {
  std::string header = std::string("{'descr': '") + dtypeDescr(array.dtype) +
                       "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.shape.size(); ++i)
    header += std::to_string(array.shape[i]) + ", ";
  if (array.shape.size() > 1)
    header.erase(header.size() - 2); // "(2, 3)" but "(4,)"
  else if (array.shape.size() == 1)
    header.pop_back();
  header += "), }";
  // Pad with spaces so the payload starts on a 64-byte boundary.
  bool v2 = header.size() + 1 + kMagicSize + 4 > 65535;
  size_t prefix = kMagicSize + 2 + (v2 ? 4 : 2);
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out(kMagic, kMagic + kMagicSize);
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i)
    out.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), array.data.begin(), array.data.end());
  return out;
}

Status tlc::runtime::writeNpy(const std::string &path, const NpyArray &array) {
  if (array.data.size() !=
      static_cast<size_t>(array.numElements()) * dtypeSize(array.dtype))
    return invalidArgument(path + ": the array's data does not match its "
                                  "shape");
  return writeFileAtomic(path, encodeNpy(array));
}
