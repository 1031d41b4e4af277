//===- Artifact.cpp - a verified, memory-mapped .tlb ----------------------===//

#include "Artifact.h"

#include "OpSchema.h"
#include "tlc/runtime/Limits.h"
#include "tlc/runtime/Tensor.h"

#include <cmath>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tlc::runtime;
using tlc::kMaxDim;
using tlc::kMaxElements;
using tlc::kMaxRank;

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
    return DType::kF16;
  case fb::DType::BF16:
    return DType::kBF16;
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

std::vector<int64_t> tlc::runtime::declaredShape(const fb::Value &value) {
  if (!value.shape())
    return {};
  return std::vector<int64_t>(value.shape()->begin(), value.shape()->end());
}

StatusOr<std::shared_ptr<Artifact>> Artifact::open(const std::string &path,
                                                   bool copy) {
  std::shared_ptr<Artifact> a(new Artifact());
  a->path_ = path;
  // O_NONBLOCK: a FIFO with no writer is refused below, not waited on.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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
    // A private copy: the file may then be replaced or truncated in place.
    if (Status s = a->allocateCopy(); !s) {
      ::close(fd);
      return s;
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
  a->bytes_ = static_cast<const uint8_t *>(a->map_);
  if (Status s = a->verify(); !s)
    return s;
  return a;
}

StatusOr<std::shared_ptr<Artifact>>
Artifact::copyOf(const uint8_t *bytes, size_t size, const std::string &name) {
  std::shared_ptr<Artifact> a(new Artifact());
  a->path_ = name;
  a->size_ = size;
  if (size < 8)
    return dataLoss(name + ": too short to be a tlc artifact (" +
                    std::to_string(size) + " bytes)");
  if (Status s = a->allocateCopy(); !s)
    return s;
  std::memcpy(a->map_, bytes, size);
  a->bytes_ = static_cast<const uint8_t *>(a->map_);
  if (Status s = a->verify(); !s)
    return s;
  return a;
}

Status Artifact::allocateCopy() {
  // Anonymous pages: page-aligned, so weights stay aligned.
  map_ = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    return ioError(path_ + ": cannot allocate " + std::to_string(size_) +
                   " bytes");
  }
  return Status::ok();
}

Artifact::~Artifact() {
  if (map_)
    ::munmap(map_, size_);
}

const uint8_t *Artifact::weightData(size_t index) const {
  return model_->weight_data()->data() +
         model_->weights()->Get(index)->offset();
}

namespace {

std::string str(uint32_t i) { return std::to_string(i); }

/// A [long] vector is read as int64: the flatbuffers verifier checks only
/// its length field's 4-byte alignment.
bool aligned8(const flatbuffers::Vector<int64_t> *v) {
  return !v || v->size() == 0 ||
         reinterpret_cast<uintptr_t>(v->data()) % 8 == 0;
}

} // namespace

Status Artifact::verify() {
  auto corrupt = [&](const std::string &what) {
    return dataLoss(path_ + ": corrupt artifact: " + what);
  };
  if (!fb::ModelBufferHasIdentifier(bytes_))
    return invalidArgument(path_ +
                           ": not a tlc artifact (bad file identifier)");
  flatbuffers::Verifier verifier(bytes_, size_);
  if (!fb::VerifyModelBuffer(verifier))
    return corrupt("the flatbuffer does not verify (truncated or damaged)");
  model_ = fb::GetModel(bytes_);
  uint32_t version = model_->schema_version();
  if (version < kOldestArtifactSchemaVersion ||
      version > kArtifactSchemaVersion)
    return invalidArgument(path_ + ": artifact schema version " + str(version) +
                           ", this runtime reads versions " +
                           str(kOldestArtifactSchemaVersion) + " to " +
                           str(kArtifactSchemaVersion) +
                           "; recompile the model with this tlc");
  const auto *values = model_->values();
  if (!values || !model_->inputs() || !model_->outputs() ||
      !model_->weights() || !model_->kernels() || !model_->weight_data())
    return corrupt("missing sections");
  if (model_->precision() < fb::Precision::MIN ||
      model_->precision() > fb::Precision::MAX)
    return corrupt("unknown precision " +
                   std::to_string(static_cast<int>(model_->precision())));
  uint32_t numValues = values->size();
  for (uint32_t i = 0; i < numValues; ++i) {
    const fb::Value *v = values->Get(i);
    std::string what = "value " + str(i);
    if (!aligned8(v->shape()))
      return corrupt(what + " has a misaligned shape");
    if (v->dtype() < fb::DType::MIN || v->dtype() > fb::DType::MAX)
      return corrupt(what + " has an unknown dtype");
    std::vector<int64_t> shape = declaredShape(*v);
    if (shape.size() > static_cast<uint32_t>(kMaxRank))
      return corrupt(what + " has rank " + str(shape.size()) + ", above " +
                     std::to_string(kMaxRank));
    for (int64_t d : shape)
      if (d < -1 || d > kMaxDim)
        return corrupt(what +
                       (v->name() && v->name()->size()
                            ? " ('" + v->name()->str() + "')"
                            : std::string()) +
                       " has dim " + std::to_string(d) + ", outside [-1, " +
                       std::to_string(kMaxDim) + "]");
    if (const fb::Range *r = v->range())
      if (!std::isfinite(r->min()) || !std::isfinite(r->max()) ||
          r->min() > r->max() || v->dtype() != fb::DType::F32)
        return corrupt(what + " has a calibrated range [" +
                       std::to_string(r->min()) + ", " +
                       std::to_string(r->max()) +
                       "]; ranges are finite, ordered, of float32 values");
  }

  std::vector<bool> defined(numValues, false);
  auto define = [&](uint32_t value, const std::string &what) -> Status {
    if (value >= numValues)
      return corrupt(what + " refers to value " + str(value) + " of " +
                     str(numValues));
    if (defined[value])
      return corrupt(what + " redefines value " + str(value));
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
    std::string what = "weight " + str(i);
    if (Status s = define(w->value(), what); !s)
      return s;
    weightOf_[w->value()] = static_cast<int32_t>(i);
    const fb::Value *v = values->Get(w->value());
    std::vector<int64_t> shape = declaredShape(*v);
    uint64_t count = 1;
    for (int64_t d : shape) {
      if (d < 0)
        return corrupt(what + " has a dynamic dim");
      if (d != 0 && count > static_cast<uint64_t>(kMaxElements) / d)
        return corrupt(what + " has more than 2^40 elements");
      count *= static_cast<uint64_t>(d);
    }
    uint64_t expected = count * dtypeSize(fromSchema(v->dtype()));
    if (w->size() != expected)
      return corrupt(what + " has " + std::to_string(w->size()) +
                     " bytes, its shape needs " + std::to_string(expected));
    if (w->offset() % kWeightAlignment != 0 || w->offset() > data->size() ||
        w->size() > data->size() - w->offset())
      return corrupt(what + " lies outside the weight data");
    if (const fb::Quantization *q = w->quantization()) {
      size_t scales = q->scale() ? q->scale()->size() : 0;
      int64_t axis = q->axis();
      int64_t rank = shape.size();
      size_t want = axis < 0 ? 1 : axis < rank ? shape[axis] : 0;
      if (axis < -1 || axis >= rank || scales != want || scales == 0)
        return corrupt(what + " has " + std::to_string(scales) +
                       " quantization scales for axis " + std::to_string(axis) +
                       " of rank " + std::to_string(rank));
      for (float scale : *q->scale())
        if (!(scale > 0.f) || !std::isfinite(scale))
          return corrupt(what + " has a quantization scale of " +
                         std::to_string(scale));
      if (q->zero_point() && q->zero_point()->size() != 0 &&
          (q->zero_point()->size() != scales || !aligned8(q->zero_point())))
        return corrupt(what + " has " + str(q->zero_point()->size()) +
                       " zero points for " + std::to_string(scales) +
                       " scales");
    }
  }

  const auto *executables = model_->executables();
  uint32_t numExecutables = executables ? executables->size() : 0;
  for (uint32_t e = 0; e < numExecutables; ++e) {
    const fb::Executable *x = executables->Get(e);
    std::string what = "executable " + str(e);
    if (!x->backend() || !x->code() || x->code()->size() == 0)
      return corrupt(what + " has no backend or no code");
    if (x->format() < fb::ExecutableFormat::MIN ||
        x->format() > fb::ExecutableFormat::MAX)
      return corrupt(what + " has an unknown format");
  }
  if (const auto *targets = model_->targets())
    for (uint32_t t = 0; t < targets->size(); ++t)
      if (!targets->Get(t)->backend())
        return corrupt("target " + str(t) + " names no backend");

  // A run-time attribute reads a graph input of a static shape that holds
  // at most kMaxOperands elements of a type the attribute's kind takes.
  parameterInput_.assign(model_->inputs()->size(), false);
  auto checkRuntimeAttrs = [&](const fb::Kernel &kernel, const OpSchema &schema,
                               const std::string &what) -> Status {
    for (const AttrSpec &spec : schema.attrs) {
      const fb::Attribute *a = kernel.attributes()
                                   ? kernel.attributes()->LookupByKey(spec.name)
                                   : nullptr;
      if (!a || !isRuntimeAttr(*a))
        continue;
      std::string attr = what + ": attribute '" + spec.name + "'";
      int32_t v = a->from_value();
      uint32_t port = 0;
      while (port < model_->inputs()->size() &&
             (v < 0 ||
              model_->inputs()->Get(port)->value() != static_cast<uint32_t>(v)))
        ++port;
      if (port == model_->inputs()->size())
        return corrupt(attr + " is read from value " + std::to_string(v) +
                       ", which is not a graph input");
      const fb::Value *value = values->Get(v);
      std::vector<int64_t> shape = declaredShape(*value);
      bool single =
          spec.kind == AttrKind::kInt || spec.kind == AttrKind::kFloat;
      bool isInt = spec.kind == AttrKind::kInt || spec.kind == AttrKind::kInts;
      int64_t count = shape.empty() ? 1 : shape[0];
      if (shape.size() > 1 || count < 0 || count > kMaxOperands ||
          (single && count != 1))
        return corrupt(attr + " is read from a graph input of shape " +
                       shapeToString(shape) +
                       (single ? "; it takes one element"
                               : "; it takes a static list of at most " +
                                     std::to_string(kMaxOperands)));
      fb::DType t = value->dtype();
      if (isInt ? (t != fb::DType::I64 && t != fb::DType::I32)
                : t != fb::DType::F32)
        return corrupt(attr + " is read from a graph input of type " +
                       dtypeName(fromSchema(t)) + "; it takes " +
                       (isInt ? "int64 or int32" : "float32"));
      parameterInput_[port] = true;
    }
    return Status::ok();
  };

  for (uint32_t k = 0; k < model_->kernels()->size(); ++k) {
    const fb::Kernel *kernel = model_->kernels()->Get(k);
    std::string what = "kernel " + str(k);
    // No attributes is an empty list (flatbuffers omits empty vectors).
    if (!kernel->op() || !kernel->inputs() || !kernel->outputs())
      return corrupt(what + " is incomplete");
    what += " '" + printable(kernel->op()) + "'";
    if (kernel->name() && kernel->name()->size())
      what += " (" + printable(kernel->name()) + ")";
    for (int32_t in : *kernel->inputs()) {
      if (in == -1)
        continue;
      if (in < 0 || static_cast<uint32_t>(in) >= numValues || !defined[in])
        return corrupt(what + " reads value " + std::to_string(in) +
                       " before it is defined");
    }
    for (uint32_t out : *kernel->outputs())
      if (Status s = define(out, what); !s)
        return s;
    if (kernel->attributes())
      for (const fb::Attribute *attr : *kernel->attributes())
        if (!attr->name())
          return corrupt(what + " has an unnamed attribute");
    if (int32_t e = kernel->executable(); e != -1) {
      if (e < 0 || static_cast<uint32_t>(e) >= numExecutables)
        return corrupt(what + " refers to executable " + std::to_string(e) +
                       " of " + str(numExecutables));
      const auto *entries = executables->Get(e)->entry_points();
      bool found = false;
      if (entries && kernel->entry_point())
        for (const flatbuffers::String *entry : *entries)
          found = found ||
                  entry->string_view() == kernel->entry_point()->string_view();
      if (!found)
        return corrupt(what + " runs an entry point its executable lacks");
    }
    const OpSchema *schema = findOpSchema(kernel->op()->string_view());
    if (!schema)
      return Status(StatusCode::kUnimplemented,
                    path_ + ": " + what +
                        ": this runtime does not know the op");
    if (Status s = verifyKernel(*kernel, *schema); !s)
      return corrupt(what + ": " + s.message());
    if (Status s = checkRuntimeAttrs(*kernel, *schema, what); !s)
      return s;
  }
  for (const fb::Port *p : *model_->outputs())
    if (p->value() >= numValues || !defined[p->value()])
      return corrupt("an output refers to an undefined value");
  // Every value is an input, a weight or a kernel's result: one that
  // nothing defines would have no shape to plan with.
  for (uint32_t v = 0; v < numValues; ++v)
    if (!defined[v])
      return corrupt("value " + str(v) + " is never defined");
  return Status::ok();
}
