//===- PassPlugin.h - declaring a tlc pass plugin ---------------*- C++ -*-===//
//
// A pass plugin is a shared library that `tl-opt --load-pass-plugin=X.so`
// and `tlc compile --load-pass-plugin X.so` load. It declares itself once:
//
//   TLC_PASS_PLUGIN("my-plugin", [] { mlir::PassRegistration<MyPass>(); })
//
// which defines MLIR's `mlirGetPassPluginInfo` entry point and tlc's ABI
// stamp (see Version.h). Build it with `tlc_add_pass_plugin` from
// `find_package(TLC)`; docs/writing-a-pass.md walks through it.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_PLUGIN_PASSPLUGIN_H
#define TLC_PLUGIN_PASSPLUGIN_H

#include "tlc/Plugin/Version.h"

#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

/// The name of the symbol that carries a plugin's ABI stamp.
#define TLC_PLUGIN_ABI_SYMBOL "tlcPluginAbiVersion"

#define TLC_PASS_PLUGIN(NAME, REGISTER)                                        \
  extern "C" LLVM_ATTRIBUTE_WEAK ::mlir::PassPluginLibraryInfo                 \
  mlirGetPassPluginInfo() {                                                    \
    return {MLIR_PLUGIN_API_VERSION, NAME, LLVM_VERSION_STRING, REGISTER};     \
  }                                                                            \
  extern "C" LLVM_ATTRIBUTE_WEAK const char *tlcPluginAbiVersion() {           \
    return TLC_PLUGIN_ABI_VERSION;                                             \
  }

#endif // TLC_PLUGIN_PASSPLUGIN_H
