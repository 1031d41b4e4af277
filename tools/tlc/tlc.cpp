//===- tlc.cpp - the tlc command line -------------------------------------===//
//
// `tlc import MODEL.onnx` prints the tl module of an ONNX model. Later
// subcommands (compile, inspect, train, ...) join here as the compiler grows.
// Exit codes: 0 success, 1 bad input or failed compilation, 2 bad usage.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <unistd.h>

#include "tl/IR/TLDialect.h"
#include "tlc/Importers/Onnx/OnnxImporter.h"
#include "tlc/Pipelines/TransferPipeline.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/Transforms/ShapeUtils.h"
#include "tlc/runtime/AtomicFile.h"
#include "tlc/runtime/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

using namespace tlc::tool;

cl::SubCommand importCmd("import", "Print the tl module of an ONNX model");

cl::opt<std::string> importInput(cl::Positional, cl::desc("MODEL.onnx"),
                                 cl::sub(importCmd));
cl::opt<std::string> importOutput("o", cl::desc("Write the module to FILE"),
                                  cl::value_desc("FILE"), cl::init("-"),
                                  cl::sub(importCmd));
cl::list<std::string>
    importShapes("input-shape",
                 cl::desc("Fix an input's shape, e.g. input=1x3x224x224 "
                          "(? keeps a dim dynamic); repeatable"),
                 cl::value_desc("NAME=SHAPE"), cl::sub(importCmd));
cl::list<std::string> importBinds(
    "bind",
    cl::desc("Freeze a graph input to a constant (as tlc compile --bind)"),
    cl::value_desc("NAME=FILE.npy|VALUES"), cl::sub(importCmd));
cl::opt<int64_t> elideWeights(
    "elide-weights",
    cl::desc("Print weight blobs larger than N bytes as a placeholder"),
    cl::value_desc("N"), cl::init(-1), cl::sub(importCmd));
cl::opt<bool> printLocations("print-locations",
                             cl::desc("Print op locations (the ONNX node "
                                      "names)"),
                             cl::sub(importCmd));
cl::opt<bool> listOps("list-ops",
                      cl::desc("List the ONNX ops the importer converts and "
                               "exit"),
                      cl::sub(importCmd));

/// Prints diagnostics as `tlc: error: node 'NAME': message`.
void printDiagnostic(Diagnostic &diag) {
  auto &os = llvm::errs();
  os << "tlc: ";
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << "warning: ";
    break;
  default:
    os << "note: ";
    break;
  }
  std::string message = diag.str();
  if (auto name = dyn_cast<NameLoc>(diag.getLocation()))
    if (!StringRef(message).starts_with("node '"))
      os << "node '" << name.getName().getValue() << "': ";
  os << message << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(note);
}

/// Writes `module` to `path` ("-" for stdout); files are replaced
/// atomically, so a failure never leaves a half-written file.
int writeModule(ModuleOp module, StringRef path, OpPrintingFlags flags) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, flags);
  return tlc::tool::writeOutput(path.str(), text);
}

int runImport(MLIRContext &context) {
  if (listOps) {
    for (const std::string &op :
         tlc::onnx_importer::supportedOps(tlc::onnx_importer::kMaxOpset))
      llvm::outs() << op << "\n";
    return kOk;
  }
  if (importInput.empty()) {
    llvm::errs() << "tlc: error: `tlc import` needs a model (tlc import "
                    "MODEL.onnx)\n";
    return kUsage;
  }
  int exitCode = kOk;
  auto module = importModel(context, importInput, importShapes, exitCode,
                            /*freeSpatialDims=*/false, importBinds);
  if (!module)
    return exitCode;
  OpPrintingFlags flags;
  if (elideWeights >= 0)
    flags.elideLargeResourceString(elideWeights);
  if (printLocations)
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  return writeModule(*module, importOutput, flags);
}

/// The ONNX element type of a .npy dtype.
int32_t onnxElementType(tlc::runtime::DType dtype) {
  switch (dtype) {
  case tlc::runtime::DType::kF32:
    return tlc::onnx_importer::kOnnxFloat;
  case tlc::runtime::DType::kF64:
    return tlc::onnx_importer::kOnnxDouble;
  case tlc::runtime::DType::kF16:
    return tlc::onnx_importer::kOnnxFloat16;
  case tlc::runtime::DType::kBF16:
    return tlc::onnx_importer::kOnnxBfloat16;
  case tlc::runtime::DType::kI8:
    return tlc::onnx_importer::kOnnxInt8;
  case tlc::runtime::DType::kI16:
    return tlc::onnx_importer::kOnnxInt16;
  case tlc::runtime::DType::kI32:
    return tlc::onnx_importer::kOnnxInt32;
  case tlc::runtime::DType::kI64:
    return tlc::onnx_importer::kOnnxInt64;
  case tlc::runtime::DType::kU8:
    return tlc::onnx_importer::kOnnxUint8;
  case tlc::runtime::DType::kBool:
    return tlc::onnx_importer::kOnnxBool;
  }
  return 0;
}

/// `NAME=FILE.npy` or `NAME=V,V,...` into `options.bindings`; an error
/// message, or empty.
std::string parseBinding(llvm::StringRef spec,
                         tlc::onnx_importer::ImportOptions &options) {
  auto [name, value] = spec.split('=');
  if (name.empty() || value.empty() || !spec.contains('='))
    return "invalid --bind '" + spec.str() + "'; use NAME=FILE.npy or " +
           "NAME=V,V,...";
  tlc::onnx_importer::BoundInput bound;
  if (value.ends_with(".npy")) {
    auto array = tlc::runtime::readNpy(value.str());
    if (!array)
      return "--bind " + name.str() + ": " + array.status().message();
    bound.elemType = onnxElementType(array->dtype);
    bound.dims.assign(array->shape.begin(), array->shape.end());
    bound.bytes.assign(array->data.begin(), array->data.end());
  } else {
    SmallVector<StringRef> parts;
    value.split(parts, ',');
    for (StringRef part : parts) {
      double v;
      if (part.trim().getAsDouble(v) || !std::isfinite(v))
        return "--bind " + name.str() + ": '" + part.str() +
               "' is not a finite number";
      bound.numbers.push_back(v);
    }
  }
  if (!options.bindings.try_emplace(name, std::move(bound)).second)
    return "--bind names '" + name.str() + "' twice";
  return {};
}

} // namespace

OwningOpRef<ModuleOp>
tlc::tool::importModel(MLIRContext &context, StringRef path,
                       ArrayRef<std::string> inputShapes, int &exitCode,
                       bool freeSpatialDims, ArrayRef<std::string> bindings) {
  tlc::onnx_importer::ImportOptions options;
  options.freeSpatialDims = freeSpatialDims;
  for (const std::string &spec : bindings) {
    std::string error = parseBinding(spec, options);
    if (!error.empty()) {
      llvm::errs() << "tlc: error: " << error << "\n";
      exitCode = kUsage;
      return nullptr;
    }
  }
  for (const std::string &spec : inputShapes) {
    auto named = tl::parseNamedShape(spec);
    if (!named) {
      llvm::errs() << "tlc: error: " << llvm::toString(named.takeError())
                   << "\n";
      exitCode = kUsage;
      return nullptr;
    }
    options.inputShapes[named->name] = named->dims;
  }
  auto module = tlc::onnx_importer::importOnnxFile(context, path, options);
  if (!module)
    exitCode = kFailed;
  return module;
}

/// `tlc serve ...` is `tlc-serve ...`, the server next to this binary: it
/// links the runtime only, so a deployment can ship it without the
/// compiler.
int execServe(int argc, char **argv) {
  std::string self = llvm::sys::fs::getMainExecutable(
      argv[0], reinterpret_cast<void *>(&execServe));
  llvm::SmallString<256> server(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(server, "tlc-serve");
  std::vector<char *> args = {server.data()};
  for (int i = 2; i < argc; ++i)
    args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(server.c_str(), args.data());
  llvm::errs() << "tlc: error: cannot run '" << server
               << "': " << std::strerror(errno) << "\n";
  return kFailed;
}

int tlc::tool::writeOutput(const std::string &path, llvm::StringRef bytes) {
  if (path == "-") {
    llvm::outs() << bytes;
    llvm::outs().flush();
    return llvm::outs().has_error() ? fail("cannot write to stdout") : kOk;
  }
  runtime::Status s = runtime::writeFileAtomic(
      path, reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  return s ? kOk : fail(s.message());
}

int main(int argc, char **argv) {
  // A file-size limit (ulimit -f) makes writes fail with EFBIG rather than
  // kill the process, so the error is reported and nothing is replaced.
  std::signal(SIGXFSZ, SIG_IGN);
  if (argc > 1 && llvm::StringRef(argv[1]) == "serve")
    return execServe(argc, argv);
  llvm::InitLLVM init(argc, argv);
  // libLLVM registers hundreds of flags of its own (every code generator's):
  // `tlc --help` shows tlc's. tlc's options all belong to a subcommand.
  for (auto &[name, option] :
       cl::getRegisteredOptions(cl::SubCommand::getTopLevel()))
    if (name != "help" && name != "version")
      option->setHiddenFlag(cl::ReallyHidden);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "tlc: a compiler and runtime for frozen-backbone transfer "
          "learning\n\n"
          "  tlc inspect MODEL.onnx                layers and cut points\n"
          "  tlc import MODEL.onnx                 print the tl module\n"
          "  tlc compile MODEL.onnx -o MODEL.tlb   compile to an artifact\n"
          "  tlc run MODEL.tlb --input NAME=X.npy --output-dir DIR\n"
          "  tlc bench MODEL.tlb --input-shape NAME=SHAPE\n"
          "  tlc train MODEL.tlb --data DATA -o TRAINED.tlb\n"
          "  tlc eval TRAINED.tlb --data DATA\n"
          "  tlc predict TRAINED.tlb IMAGE...\n"
          "  tlc serve MODEL.tlb [--port P]        the KServe v2 HTTP API\n",
          &llvm::errs()))
    return kUsage;

  // Every tlc pass by name, for --pass-pipeline and --extra-passes.
  tl::registerTLTransformsPasses();
  tl::registerTransferPipeline();
  registerTransformsPasses(); // canonicalize, cse, ...
  DialectRegistry registry;
  registry.insert<tl::TLDialect, func::FuncDialect>();
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diag) {
    printDiagnostic(diag);
    return success();
  });

  if (importCmd)
    return runImport(context);
  if (auto code = runInspectCommand(context))
    return *code;
  if (auto code = runCompileCommand(context))
    return *code;
  if (auto code = runProbeCommand(context))
    return *code;
  if (auto code = runRunCommand())
    return *code;
  if (auto code = runBenchCommand())
    return *code;
  if (auto code = runTrainCommands())
    return *code;
  llvm::errs() << "tlc: error: no command given (try `tlc --help`)\n";
  return kUsage;
}
