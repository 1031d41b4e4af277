//===- RunCommand.cpp - tlc run -------------------------------------------===//
//
//   tlc run MODEL.tlb --input NAME=FILE.npy ... --output-dir DIR [--threads N]
//
// Runs an artifact on .npy inputs and writes one NAME.npy per output. Uses
// the runtime only.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "tlc/runtime/Npy.h"
#include "tlc/runtime/Session.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
using namespace tlc::runtime;
using tlc::tool::fail;

namespace {

cl::SubCommand runCmd("run", "Run a .tlb artifact on .npy inputs");
cl::opt<std::string> model(cl::Positional, cl::desc("MODEL.tlb"),
                           cl::sub(runCmd));
cl::list<std::string> inputs("input", cl::desc("An input, NAME=FILE.npy"),
                             cl::value_desc("NAME=FILE"), cl::sub(runCmd));
cl::opt<std::string> outputDir("output-dir",
                               cl::desc("Directory for NAME.npy outputs"),
                               cl::value_desc("DIR"), cl::sub(runCmd));
cl::opt<int> threads("threads", cl::desc("Threads (default: all cores)"),
                     cl::init(0), cl::sub(runCmd));
cl::opt<int> microBatch(
    "micro-batch",
    cl::desc("Samples per pass over the network (default 0: from the cache "
             "size)"),
    cl::init(0), cl::sub(runCmd));

/// Output names become file names: keep them inside the directory.
std::string fileNameFor(const std::string &name) {
  std::string out;
  for (char c : name)
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                          c == '-' || c == '.'
                      ? c
                      : '_');
  if (out.empty() || out[0] == '.')
    out.insert(0, "output_");
  return out;
}

} // namespace

std::optional<int> tlc::tool::runRunCommand() {
  if (!runCmd)
    return std::nullopt;
  if (model.empty() || outputDir.empty()) {
    llvm::errs() << "tlc: error: usage: tlc run MODEL.tlb --input "
                    "NAME=FILE.npy ... --output-dir DIR\n";
    return kUsage;
  }
  SessionOptions options;
  options.threads = threads;
  options.microBatch = microBatch;
  auto session = Session::load(model, options);
  if (!session)
    return fail(session.status().message());

  std::vector<NamedTensor> feeds;
  for (const std::string &spec : inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      llvm::errs() << "tlc: error: --input expects NAME=FILE.npy, got '" << spec
                   << "'\n";
      return kUsage;
    }
    auto array = readNpy(spec.substr(eq + 1));
    if (!array)
      return fail(array.status().message());
    feeds.emplace_back(spec.substr(0, eq), toTensor(std::move(*array)));
  }
  auto results = session->run(feeds);
  if (!results)
    return fail(results.status().message());

  if (std::error_code ec =
          llvm::sys::fs::create_directories(outputDir.getValue()))
    return fail("cannot create '" + outputDir + "': " + ec.message());
  for (const auto &[name, tensor] : *results) {
    llvm::SmallString<256> path(outputDir.getValue());
    llvm::sys::path::append(path, fileNameFor(name) + ".npy");
    if (Status s = writeNpy(std::string(path), toNpy(tensor)); !s)
      return fail(s.message());
  }
  return kOk;
}
