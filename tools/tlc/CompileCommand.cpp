//===- CompileCommand.cpp - tlc compile -----------------------------------===//
//
//   tlc compile MODEL.onnx -o MODEL.tlb [--input-shape NAME=SHAPE]...
//                                       [--emit artifact|mlir]
//
// Imports the model, runs the default pipeline and writes the artifact
// atomically (temporary file, then rename).
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "tlc/Importers/Onnx/OnnxImporter.h"
#include "tlc/Target/ArtifactWriter.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/Transforms/ShapeUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

cl::SubCommand compileCmd("compile",
                          "Compile an ONNX model to a .tlb artifact");
cl::opt<std::string> input(cl::Positional, cl::desc("MODEL.onnx"),
                           cl::sub(compileCmd));
cl::opt<std::string> output("o", cl::desc("Output file"),
                            cl::value_desc("FILE"), cl::sub(compileCmd));
cl::list<std::string> shapes("input-shape",
                             cl::desc("Fix an input's shape, e.g. "
                                      "input=1x3x224x224; repeatable"),
                             cl::value_desc("NAME=SHAPE"), cl::sub(compileCmd));
enum class Emit { Artifact, Mlir };
cl::opt<Emit> emit("emit", cl::desc("What to write"),
                   cl::values(clEnumValN(Emit::Artifact, "artifact",
                                         "the .tlb artifact (default)"),
                              clEnumValN(Emit::Mlir, "mlir",
                                         "the tl module after the pipeline")),
                   cl::init(Emit::Artifact), cl::sub(compileCmd));
cl::opt<bool> printPipeline("print-pipeline",
                            cl::desc("Print the pass pipeline and exit"),
                            cl::sub(compileCmd));

std::string sha256Hex(StringRef path) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return "";
  auto digest =
      llvm::SHA256::hash(llvm::arrayRefFromStringRef((*file)->getBuffer()));
  return llvm::toHex(digest, /*LowerCase=*/true);
}

void buildPipeline(PassManager &pm) {
  pm.addNestedPass<func::FuncOp>(tl::createInferShapesPass());
  pm.addNestedPass<func::FuncOp>(tl::createFusePass());
}

} // namespace

std::optional<int> tlc::tool::runCompileCommand(MLIRContext &context) {
  if (!compileCmd)
    return std::nullopt;
  PassManager pm(&context);
  buildPipeline(pm);
  if (printPipeline) {
    pm.printAsTextualPipeline(llvm::outs());
    llvm::outs() << "\n";
    return kOk;
  }
  if (input.empty() || output.empty()) {
    llvm::errs() << "tlc: error: usage: tlc compile MODEL.onnx -o OUT\n";
    return kUsage;
  }
  onnx_importer::ImportOptions options;
  for (const std::string &spec : shapes) {
    auto named = tl::parseNamedShape(spec);
    if (!named) {
      llvm::errs() << "tlc: error: " << llvm::toString(named.takeError())
                   << "\n";
      return kUsage;
    }
    options.inputShapes[named->name] = named->dims;
  }
  auto module = onnx_importer::importOnnxFile(context, input, options);
  if (!module || failed(pm.run(*module)))
    return kFailed;

  llvm::Error err = llvm::Error::success();
  if (emit == Emit::Mlir) {
    err = llvm::writeToOutput(output, [&](llvm::raw_ostream &os) {
      module->print(os);
      return llvm::Error::success();
    });
  } else {
    tl::ArtifactOptions artifact;
    artifact.source = input;
    artifact.sourceSha256 = sha256Hex(input);
    std::string pipeline;
    llvm::raw_string_ostream os(pipeline);
    pm.printAsTextualPipeline(os);
    artifact.passes.push_back(pipeline);
    auto func = *module->getOps<func::FuncOp>().begin();
    std::vector<uint8_t> bytes;
    if (failed(tl::serializeArtifact(func, artifact, bytes)))
      return kFailed;
    err = llvm::writeToOutput(output, [&](llvm::raw_ostream &os) {
      os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
      return llvm::Error::success();
    });
  }
  if (err) {
    llvm::errs() << "tlc: error: cannot write '" << output
                 << "': " << llvm::toString(std::move(err)) << "\n";
    return kFailed;
  }
  return kOk;
}
