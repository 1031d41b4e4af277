//===- tl-opt.cpp - the MLIR opt driver with the tl dialect and passes ----===//
//
// Runs any pipeline of tlc's passes on .mlir files; `--load-pass-plugin`
// and `--load-dialect-plugin` come with MlirOptMain.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLDialect.h"
#include "tlc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::tl::TLDialect, mlir::func::FuncDialect>();
  mlir::registerTransformsPasses(); // canonicalize, cse, inline, ...
  mlir::tl::registerTLTransformsPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "tlc optimizer driver\n", registry));
}
