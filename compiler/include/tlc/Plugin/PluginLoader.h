//===- PluginLoader.h - loading pass plugins into tlc and tl-opt -*- C++
//-*-===//

#ifndef TLC_PLUGIN_PLUGINLOADER_H
#define TLC_PLUGIN_PLUGINLOADER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace mlir::tl {

/// Opens the shared library at `path` and checks that it is a tlc pass
/// plugin built against this tlc (its ABI stamp equals
/// TLC_PLUGIN_ABI_VERSION). Runs none of the plugin's code but the stamp.
llvm::Error checkPassPlugin(llvm::StringRef path);

/// checkPassPlugin, then registers the plugin's passes.
llvm::Error loadPassPlugin(llvm::StringRef path);

} // namespace mlir::tl

#endif // TLC_PLUGIN_PLUGINLOADER_H
