//===- Attrs.cpp - the one reader of kernel attributes --------------------===//

#include "Attrs.h"

using namespace tlc::runtime;

const fb::Attribute *Attrs::lookup(const char *name) const {
  return kernel_.attributes() ? kernel_.attributes()->LookupByKey(name)
                              : nullptr;
}

const fb::Attribute *Attrs::find(const char *name) {
  const fb::Attribute *a = lookup(name);
  if (!a && status_)
    status_ = invalidArgument("kernel '" + printable(kernel_.op()) +
                              "' lacks attribute '" + name + "'");
  return a;
}

int64_t Attrs::i(const char *name) {
  const fb::Attribute *a = find(name);
  if (!a)
    return 0;
  if (!a->ints() || a->ints()->size() != 1) {
    if (status_)
      status_ = invalidArgument(std::string("attribute '") + name +
                                "' is not an integer");
    return 0;
  }
  return a->ints()->Get(0);
}

std::vector<int64_t> Attrs::ints(const char *name) {
  const fb::Attribute *a = find(name);
  if (!a || !a->ints())
    return {};
  return std::vector<int64_t>(a->ints()->begin(), a->ints()->end());
}

float Attrs::f(const char *name) {
  const fb::Attribute *a = find(name);
  if (!a)
    return 0.f;
  if (!a->floats() || a->floats()->size() != 1) {
    if (status_)
      status_ = invalidArgument(std::string("attribute '") + name +
                                "' is not a float");
    return 0.f;
  }
  return a->floats()->Get(0);
}

std::vector<float> Attrs::floats(const char *name) {
  const fb::Attribute *a = find(name);
  if (!a || !a->floats())
    return {};
  return std::vector<float>(a->floats()->begin(), a->floats()->end());
}
