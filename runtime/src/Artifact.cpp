//===- Artifact.cpp - a verified, memory-mapped .tlb ----------------------===//

#include "Artifact.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tlc::runtime;

std::string tlc::runtime::printable(const flatbuffers::String *s) {
  if (!s)
    return "";
  std::string out;
  for (unsigned char c : s->string_view()) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

DType tlc::runtime::fromSchema(fb::DType dtype) {
  switch (dtype) {
  case fb::DType::F32:
    return DType::kF32;
  case fb::DType::F16:
  case fb::DType::BF16:
    return DType::kF16;
  case fb::DType::F64:
    return DType::kF64;
  case fb::DType::I8:
    return DType::kI8;
  case fb::DType::I16:
    return DType::kI16;
  case fb::DType::I32:
    return DType::kI32;
  case fb::DType::I64:
    return DType::kI64;
  case fb::DType::U8:
    return DType::kU8;
  case fb::DType::Bool:
    return DType::kBool;
  }
  return DType::kF32;
}

StatusOr<std::shared_ptr<Artifact>> Artifact::open(const std::string &path,
                                                   bool copy) {
  std::shared_ptr<Artifact> a(new Artifact());
  a->path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return notFound(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return invalidArgument(path + ": not a regular file");
  }
  a->size_ = static_cast<size_t>(st.st_size);
  if (a->size_ < 8) {
    ::close(fd);
    return dataLoss(path + ": too short to be a tlc artifact (" +
                    std::to_string(a->size_) + " bytes)");
  }
  if (!copy) {
    a->map_ = ::mmap(nullptr, a->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (a->map_ == MAP_FAILED) {
      a->map_ = nullptr;
      return ioError(path + ": cannot map: " + std::strerror(errno));
    }
  } else {
    // Anonymous pages (page-aligned, so weights stay aligned) holding a
    // private copy: the file may then be replaced or truncated in place.
    a->map_ = ::mmap(nullptr, a->size_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a->map_ == MAP_FAILED) {
      a->map_ = nullptr;
      ::close(fd);
      return ioError(path + ": cannot allocate " + std::to_string(a->size_) +
                     " bytes");
    }
    size_t done = 0;
    while (done < a->size_) {
      ssize_t n =
          ::read(fd, static_cast<char *>(a->map_) + done, a->size_ - done);
      if (n <= 0) {
        int err = errno;
        ::close(fd);
        return n == 0 ? dataLoss(path + ": changed while being read")
                      : ioError(path + ": read failed: " + std::strerror(err));
      }
      done += size_t(n);
    }
    ::close(fd);
  }
  if (Status s = a->verify(); !s)
    return s;
  return a;
}

Artifact::~Artifact() {
  if (map_)
    ::munmap(map_, size_);
}

const uint8_t *Artifact::weightData(size_t index) const {
  return model_->weight_data()->data() +
         model_->weights()->Get(index)->offset();
}

Status Artifact::verify() {
  const auto *bytes = static_cast<const uint8_t *>(map_);
  auto corrupt = [&](const std::string &what) {
    return dataLoss(path_ + ": corrupt artifact: " + what);
  };
  if (!fb::ModelBufferHasIdentifier(bytes))
    return invalidArgument(path_ +
                           ": not a tlc artifact (bad file identifier)");
  flatbuffers::Verifier verifier(bytes, size_);
  if (!fb::VerifyModelBuffer(verifier))
    return corrupt("the flatbuffer does not verify (truncated or damaged)");
  model_ = fb::GetModel(bytes);
  if (model_->schema_version() != kArtifactSchemaVersion)
    return invalidArgument(path_ + ": artifact schema version " +
                           std::to_string(model_->schema_version()) +
                           ", this runtime reads version " +
                           std::to_string(kArtifactSchemaVersion) +
                           "; recompile the model");
  const auto *values = model_->values();
  if (!values || !model_->inputs() || !model_->outputs() ||
      !model_->weights() || !model_->kernels() || !model_->weight_data())
    return corrupt("missing sections");
  uint32_t numValues = values->size();
  for (uint32_t i = 0; i < numValues; ++i) {
    const fb::Value *v = values->Get(i);
    if (!v->shape())
      return corrupt("value " + std::to_string(i) + " has no shape");
    if (v->dtype() < fb::DType::MIN || v->dtype() > fb::DType::MAX)
      return corrupt("value " + std::to_string(i) + " has an unknown dtype");
    for (int64_t d : *v->shape())
      if (d < -1 || d > (int64_t(1) << 40))
        return corrupt("value " + std::to_string(i) + " has dim " +
                       std::to_string(d));
  }

  std::vector<bool> defined(numValues, false);
  auto define = [&](uint32_t value, const std::string &what) -> Status {
    if (value >= numValues)
      return corrupt(what + " refers to value " + std::to_string(value) +
                     " of " + std::to_string(numValues));
    if (defined[value])
      return corrupt(what + " redefines value " + std::to_string(value));
    defined[value] = true;
    return Status::ok();
  };
  for (const fb::Port *p : *model_->inputs())
    if (Status s = define(p->value(), "an input"); !s)
      return s;

  const auto *data = model_->weight_data();
  if (data->size() > 0 &&
      reinterpret_cast<uintptr_t>(data->data()) % kWeightAlignment != 0)
    return corrupt("weight data is not aligned");
  weightOf_.assign(numValues, -1);
  for (uint32_t i = 0; i < model_->weights()->size(); ++i) {
    const fb::Weight *w = model_->weights()->Get(i);
    std::string what = "weight " + std::to_string(i);
    if (Status s = define(w->value(), what); !s)
      return s;
    weightOf_[w->value()] = static_cast<int32_t>(i);
    const fb::Value *v = values->Get(w->value());
    uint64_t count = 1;
    for (int64_t d : *v->shape()) {
      if (d < 0)
        return corrupt(what + " has a dynamic dim");
      count *= static_cast<uint64_t>(d);
    }
    uint64_t expected = count * dtypeSize(fromSchema(v->dtype()));
    if (w->size() != expected)
      return corrupt(what + " has " + std::to_string(w->size()) +
                     " bytes, its shape needs " + std::to_string(expected));
    if (w->offset() % kWeightAlignment != 0 || w->offset() > data->size() ||
        w->size() > data->size() - w->offset())
      return corrupt(what + " lies outside the weight data");
  }

  for (uint32_t k = 0; k < model_->kernels()->size(); ++k) {
    const fb::Kernel *kernel = model_->kernels()->Get(k);
    std::string what = "kernel " + std::to_string(k);
    // No attributes is an empty list (flatbuffers omits empty vectors).
    if (!kernel->op() || !kernel->inputs() || !kernel->outputs())
      return corrupt(what + " is incomplete");
    for (int32_t in : *kernel->inputs()) {
      if (in == -1)
        continue;
      if (in < 0 || static_cast<uint32_t>(in) >= numValues || !defined[in])
        return corrupt(what + " (" + printable(kernel->op()) +
                       ") reads value " + std::to_string(in) +
                       " before it is defined");
    }
    for (uint32_t out : *kernel->outputs())
      if (Status s = define(out, what); !s)
        return s;
    if (kernel->attributes())
      for (const fb::Attribute *attr : *kernel->attributes())
        if (!attr->name())
          return corrupt(what + " has an unnamed attribute");
  }
  for (const fb::Port *p : *model_->outputs())
    if (p->value() >= numValues || !defined[p->value()])
      return corrupt("an output refers to an undefined value");
  return Status::ok();
}
