//===- Attrs.cpp - the one reader of kernel attributes --------------------===//

#include "Attrs.h"

using namespace tlc::runtime;

bool Attrs::lookup(const char *name, View &view) const {
  const fb::Attribute *a =
      kernel_.attributes() ? kernel_.attributes()->LookupByKey(name) : nullptr;
  if (!a)
    return false;
  if (a->from_value() < 0) {
    if (a->ints())
      view = {a->ints()->data(), a->ints()->size(), nullptr, 0};
    if (a->floats()) {
      view.floats = a->floats()->data();
      view.numFloats = a->floats()->size();
    }
    return true;
  }
  if (bound_)
    for (const BoundAttr &b : *bound_)
      if (b.name == name) {
        view = {b.ints.data(), b.ints.size(), b.floats.data(), b.floats.size()};
        return true;
      }
  return false;
}

bool Attrs::has(const char *name) const {
  View view;
  if (lookup(name, view))
    return true;
  // A run-time attribute exists even where its values are not bound.
  return kernel_.attributes() && kernel_.attributes()->LookupByKey(name);
}

bool Attrs::find(const char *name, View &view) {
  if (lookup(name, view))
    return true;
  if (status_) {
    bool runtime = kernel_.attributes() &&
                   kernel_.attributes()->LookupByKey(name) != nullptr;
    status_ = invalidArgument(
        "kernel '" + printable(kernel_.op()) +
        (runtime ? "' reads attribute '" + std::string(name) +
                       "' from a graph input, which is not bound here"
                 : "' lacks attribute '" + std::string(name) + "'"));
  }
  return false;
}

int64_t Attrs::i(const char *name) {
  View a;
  if (!find(name, a))
    return 0;
  if (a.numInts != 1) {
    if (status_)
      status_ = invalidArgument(std::string("attribute '") + name +
                                "' is not an integer");
    return 0;
  }
  return a.ints[0];
}

std::vector<int64_t> Attrs::ints(const char *name) {
  View a;
  if (!find(name, a))
    return {};
  return std::vector<int64_t>(a.ints, a.ints + a.numInts);
}

float Attrs::f(const char *name) {
  View a;
  if (!find(name, a))
    return 0.f;
  if (a.numFloats != 1) {
    if (status_)
      status_ = invalidArgument(std::string("attribute '") + name +
                                "' is not a float");
    return 0.f;
  }
  return a.floats[0];
}

std::vector<float> Attrs::floats(const char *name) {
  View a;
  if (!find(name, a))
    return {};
  return std::vector<float>(a.floats, a.floats + a.numFloats);
}
