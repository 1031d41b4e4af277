//===- tl-opt.cpp - the MLIR opt driver with the tl dialect and passes ----===//
//
// Runs any pipeline of tlc's passes on .mlir files. tl-opt loads the
// plugins named by `--load-pass-plugin` itself, before MlirOptMain parses
// the command line: their ABI stamp is checked (a plugin built against
// another tlc is a clear error, not a crash inside it), and their passes
// get flags of their own (`--relu6-to-relu`) as well as a place in
// `--pass-pipeline`. MlirOptMain then sees the plugin loaded already.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLDialect.h"
#include "tlc/Pipelines/TransferPipeline.h"
#include "tlc/Plugin/PluginLoader.h"
#include "tlc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    std::string path;
    for (llvm::StringRef flag : {"--load-pass-plugin", "-load-pass-plugin"}) {
      if (arg.consume_front(flag)) {
        if (arg.consume_front("="))
          path = arg.str();
        else if (arg.empty() && i + 1 < argc)
          path = argv[i + 1];
        break;
      }
    }
    if (path.empty())
      continue;
    if (llvm::Error err = mlir::tl::loadPassPlugin(path)) {
      llvm::errs() << "tl-opt: error: " << llvm::toString(std::move(err))
                   << "\n";
      return 1;
    }
  }

  mlir::DialectRegistry registry;
  registry.insert<mlir::tl::TLDialect, mlir::func::FuncDialect>();
  mlir::registerTransformsPasses(); // canonicalize, cse, inline, ...
  mlir::tl::registerTLTransformsPasses();
  mlir::tl::registerTransferPipeline();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "tlc optimizer driver\n", registry));
}
