//===- Backend.cpp - the registry of backends -----------------------------===//

#include "Backend.h"

#include <map>
#include <mutex>

using namespace tlc::runtime;

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, BackendFactory> factories;
};

Registry &registry() {
  static Registry r;
  return r;
}

} // namespace

void tlc::runtime::registerBackend(const std::string &name,
                                   BackendFactory factory) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.factories[name] = std::move(factory);
}

std::vector<std::string> tlc::runtime::registeredBackends() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto &[name, factory] : r.factories)
    names.push_back(name);
  return names;
}

StatusOr<std::unique_ptr<Backend>>
tlc::runtime::createBackend(const std::string &name,
                            const BackendOptions &options) {
  BackendFactory factory;
  {
    Registry &r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.factories.find(name);
    if (it != r.factories.end())
      factory = it->second;
  }
  if (!factory) {
    std::string known;
    for (const std::string &n : registeredBackends())
      known += (known.empty() ? "" : ", ") + n;
    return invalidArgument("no backend named '" + name +
                           "' in this runtime (available: " +
                           (known.empty() ? "none" : known) + ")");
  }
  return factory(options);
}
