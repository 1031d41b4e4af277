//===- OnnxFuzzer.cpp - untrusted ONNX models, imported in-process --------===//
//
// libFuzzer target: the bytes are a serialized ONNX ModelProto. The
// importer parses it, checks the graph (ops it converts, each tensor
// defined once) and converts every node into the tl dialect; a module it
// returns must verify. External data resolves in an empty folder. Every
// failure must be a diagnostic; a crash, an assertion, a hang or a
// sanitizer report is a finding.
//
//===----------------------------------------------------------------------===//

#include "tl/IR/TLDialect.h"
#include "tlc/Importers/Onnx/OnnxImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

// LLVM's BumpPtrAllocator poisons a new slab and unpoisons each allocation
// only where it was compiled with AddressSanitizer. Debian's libMLIR is not:
// a slab our instrumented inline code opens (an attribute of the tl dialect
// uniqued in MLIRContext's allocator) and libMLIR then allocates from reads
// as use-after-poison, a false report that depends only on allocation
// order. Manual poisoning is ignored; ASan's own redzones still work.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string dir = [] {
    std::string d = (std::filesystem::temp_directory_path() /
                     ("tlc-fuzz-onnx-" + std::to_string(::getpid())))
                        .string();
    std::filesystem::create_directories(d);
    return d;
  }();
  mlir::DialectRegistry registry;
  registry.insert<mlir::tl::TLDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  tlc::onnx_importer::ImportOptions options;
  auto module = tlc::onnx_importer::importOnnxBytes(
      context, llvm::StringRef(reinterpret_cast<const char *>(data), size), dir,
      options);
  if (module && mlir::failed(mlir::verify(*module)))
    std::abort();
  return 0;
}
