//===- PluginLoader.cpp - loading pass plugins into tlc and tl-opt --------===//

#include "tlc/Plugin/PluginLoader.h"
#include "tlc/Plugin/PassPlugin.h"

#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"

using namespace mlir;

llvm::Error mlir::tl::checkPassPlugin(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot load pass plugin '" + path +
                                       "': " + why);
  };
  if (!llvm::sys::fs::exists(path))
    return fail("no such file");
  std::string error;
  auto library = llvm::sys::DynamicLibrary::getPermanentLibrary(
      path.str().c_str(), &error);
  if (!library.isValid())
    return fail(error);
  auto *stamp = reinterpret_cast<const char *(*)()>(
      library.getAddressOfSymbol(TLC_PLUGIN_ABI_SYMBOL));
  if (!stamp)
    return fail("it is not a tlc pass plugin (no " TLC_PLUGIN_ABI_SYMBOL
                "; declare it with TLC_PASS_PLUGIN from "
                "tlc/Plugin/PassPlugin.h)");
  llvm::StringRef version = stamp();
  if (version != TLC_PLUGIN_ABI_VERSION)
    return fail("it was built against " + version + ", but this is " +
                TLC_PLUGIN_ABI_VERSION +
                "; rebuild it against this installation");
  return llvm::Error::success();
}

llvm::Error mlir::tl::loadPassPlugin(llvm::StringRef path) {
  if (llvm::Error err = checkPassPlugin(path))
    return err;
  auto plugin = PassPlugin::load(path.str());
  if (!plugin)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot load pass plugin '" + path + "': " +
                                       llvm::toString(plugin.takeError()));
  plugin->registerPassRegistryCallbacks();
  return llvm::Error::success();
}
