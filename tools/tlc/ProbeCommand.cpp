//===- ProbeCommand.cpp - tlc probe ---------------------------------------===//
//
//   tlc probe MODEL.onnx --data DATA [--val DATA | --val-split F]
//       [--cuts blocks|auto|NAME,...] [--pool avg|max|avg+max] -o BEST.tlb
//       [--pick NAME] [--plot probe.png] [--json]
//
// Which depth to cut at depends on the user's data. The probe compiles the
// model once with every candidate cut as an output (each pooled to a
// vector per sample), runs it once per image (the features of all cuts
// land in the feature cache together), fits a linear head per cut with the
// trainer's defaults (standardized features, L-BFGS, l2 picked on the
// validation data), prints a table, and writes the compiled artifact of the
// best cut with its trained head: ready for tlc eval, predict and serve.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "tlc/Analysis/NetworkSummary.h"
#include "tlc/runtime/ArtifactFormat.h"
#include "tlc/runtime/AtomicFile.h"
#include "tlc/runtime/Data.h"
#include "tlc/runtime/Features.h"
#include "tlc/runtime/Probe.h"
#include "tlc/runtime/Session.h"
#include "tlc/runtime/Train.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <map>
#include <set>
#include <unistd.h>

using namespace tlc::runtime;
using namespace tlc::tool;
namespace cl = llvm::cl;

cl::SubCommand &tlc::tool::probeSubcommand() {
  static cl::SubCommand probe("probe",
                              "Measure on your data which cut of a network "
                              "works best, and compile it with its head");
  return probe;
}

namespace {

cl::SubCommand &probeCmd = probeSubcommand();

cl::opt<std::string> data("data",
                          cl::desc("Training data: a folder of class "
                                   "subfolders, a .csv manifest, or an IDX "
                                   "prefix"),
                          cl::value_desc("DATA"), cl::sub(probeCmd));
cl::opt<std::string> valData("val", cl::desc("Validation data"),
                             cl::value_desc("DATA"), cl::sub(probeCmd));
cl::opt<double> valSplit("val-split",
                         cl::desc("Without --val, hold out this fraction of "
                                  "--data for validation (default 0.2)"),
                         cl::init(0.2), cl::sub(probeCmd));
cl::opt<std::string>
    cutsOption("cuts",
               cl::desc("blocks (default: every block end and the "
                        "penultimate features, as tlc inspect marks them), "
                        "auto, or node names"),
               cl::value_desc("blocks|auto|NAME,..."), cl::init("blocks"),
               cl::sub(probeCmd));
cl::opt<std::string> pool("pool",
                          cl::desc("Spatial features to a vector: avg "
                                   "(default), max or avg+max"),
                          cl::init("avg"), cl::sub(probeCmd));
cl::opt<std::string> pick("pick",
                          cl::desc("Write this cut's artifact instead of the "
                                   "best one's"),
                          cl::value_desc("NAME"), cl::sub(probeCmd));
cl::opt<std::string> l2("l2", cl::init("auto"),
                        cl::desc("L2 penalty of every head, or 'auto' "
                                 "(default): picked per cut on the "
                                 "validation data"),
                        cl::value_desc("L2|auto"), cl::sub(probeCmd));
cl::opt<std::string> l2Grid("l2-grid",
                            cl::desc("The penalties --l2 auto tries (default: "
                                     "10 down to 1e-6, four a decade)"),
                            cl::value_desc("A,B,..."), cl::sub(probeCmd));
cl::opt<std::string> plot("plot",
                          cl::desc("Draw accuracy and loss against depth as "
                                   "a PNG"),
                          cl::value_desc("FILE.png"), cl::sub(probeCmd));
cl::opt<bool> json("json", cl::desc("Print the table as JSON"),
                   cl::sub(probeCmd));
cl::opt<int64_t> limit("limit",
                       cl::desc("Use a seeded random subset of N samples"),
                       cl::init(0), cl::sub(probeCmd));
cl::opt<uint64_t> seed("seed", cl::init(0),
                       cl::desc("Seed of --limit and --val-split"),
                       cl::sub(probeCmd));
cl::opt<std::string> classNames("class-names",
                                cl::desc("Names for the classes (IDX data "
                                         "only numbers them)"),
                                cl::value_desc("A,B,..."), cl::sub(probeCmd));
cl::opt<std::string> cacheDir("cache-dir",
                              cl::desc("Feature cache (default "
                                       "$XDG_CACHE_HOME/tlc or ~/.cache/tlc)"),
                              cl::sub(probeCmd));
cl::opt<bool> noCache("no-cache", cl::desc("Neither read nor write the cache"),
                      cl::sub(probeCmd));
cl::opt<bool> skipBad("skip-bad-images",
                      cl::desc("Skip unreadable images (each is reported)"),
                      cl::sub(probeCmd));
cl::opt<int> threads("threads", cl::init(0),
                     cl::desc("Worker threads (0: all cores)"),
                     cl::sub(probeCmd));

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

/// The candidate cuts of --cuts, shallow to deep, from the network summary.
StatusOr<std::vector<ProbeCut>> candidates(const mlir::tl::NetworkSummary &s) {
  std::vector<ProbeCut> cuts;
  auto add = [&](const mlir::tl::LayerSummary &layer) {
    ProbeCut cut;
    cut.name = layer.name;
    cut.depth = int64_t(layer.index) + 1;
    cut.macs = layer.macsUpTo;
    cuts.push_back(cut);
  };
  if (cutsOption == "blocks" || cutsOption == "auto") {
    for (const mlir::tl::LayerSummary &layer : s.layers)
      if (!layer.name.empty() &&
          (layer.penultimate || (cutsOption == "blocks" && layer.blockEnd)))
        add(layer);
    if (cuts.empty())
      return invalidArgument("the network has no candidate cuts (see tlc "
                             "inspect); name them with --cuts");
    return cuts;
  }
  llvm::SmallVector<llvm::StringRef> names;
  llvm::StringRef(cutsOption).split(names, ',', -1, /*KeepEmpty=*/false);
  std::set<std::string> seen;
  for (llvm::StringRef name : names) {
    auto it = llvm::find_if(s.layers, [&](const mlir::tl::LayerSummary &l) {
      return l.name == name.trim();
    });
    if (it == s.layers.end())
      return invalidArgument("--cuts: no layer named '" + name.trim().str() +
                             "' (tlc inspect lists them)");
    if (seen.insert(it->name).second)
      add(*it);
  }
  llvm::sort(cuts, [](const ProbeCut &a, const ProbeCut &b) {
    return a.depth < b.depth;
  });
  return cuts;
}

/// A compiled artifact in a temporary file beside the output, removed when
/// this goes out of scope.
class TemporaryArtifact {
public:
  Status write(const std::vector<uint8_t> &bytes) {
    llvm::SmallString<256> model(outputPath());
    llvm::sys::path::remove_filename(model);
    llvm::sys::path::append(model, llvm::sys::path::filename(outputPath()) +
                                       ".probe-%%%%%%.tlb");
    int fd;
    if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, path))
      return ioError(std::string(model) + ": " + ec.message());
    ::close(fd);
    remover.setFile(path);
    return writeFileAtomic(std::string(path), bytes);
  }
  std::string name() const { return std::string(path); }

private:
  llvm::SmallString<256> path;
  llvm::FileRemover remover;
};

/// Features of `dataset` through `session` (all of `outputs`).
StatusOr<FeatureSet> probeFeatures(const std::string &artifact,
                                   Session &session, const Dataset &dataset,
                                   const Preprocessing &pre,
                                   const std::vector<std::string> &outputs,
                                   const char *label) {
  FeatureOptions options;
  options.cacheDir = cacheDir;
  options.useCache = !noCache;
  options.skipBad = skipBad;
  options.outputs = outputs;
  return reportedFeatures(artifact, session, dataset, pre, label, options);
}

void printJson(const std::vector<ProbeFit> &fits, size_t best, size_t written,
               const FeatureSet &train, const FeatureSet &val,
               double extractSeconds) {
  llvm::json::OStream j(llvm::outs(), 2);
  j.object([&] {
    j.attribute("model", inputModel());
    j.attribute("pool", pool.getValue());
    j.attribute("train_samples", train.count);
    j.attribute("val_samples", val.count);
    j.attribute("extract_seconds", extractSeconds);
    j.attribute("best", fits[best].cut.name);
    j.attribute("written", fits[written].cut.name);
    j.attributeArray("cuts", [&] {
      for (const ProbeFit &f : fits)
        j.object([&] {
          j.attribute("name", f.cut.name);
          j.attribute("depth", f.cut.depth);
          j.attribute("features", f.cut.width);
          if (f.cut.macs)
            j.attribute("macs", *f.cut.macs);
          else
            j.attribute("macs", nullptr);
          j.attribute("train_accuracy", f.trainAccuracy);
          j.attribute("val_accuracy", f.valAccuracy);
          j.attribute("val_loss", f.valLoss);
          j.attribute("l2", f.result.l2);
          j.attribute("iterations", int64_t(f.result.epochs.back().epoch));
          j.attribute("fit_seconds", f.result.seconds);
        });
    });
  });
  llvm::outs() << "\n";
}

int runProbe(mlir::MLIRContext &context) {
  if (inputModel().empty() || data.empty() || outputPath().empty())
    return usageError("usage: tlc probe MODEL.onnx --data DATA -o BEST.tlb "
                      "[--val DATA | --val-split F] [--cuts blocks|auto|"
                      "NAME,...]");
  if (!valData.empty() && valSplit.getNumOccurrences())
    return usageError("give --val or --val-split, not both");
  if (valData.empty() && !(valSplit > 0 && valSplit < 1))
    return usageError("--val-split must be in (0, 1): the probe picks the "
                      "cut on validation data");
  if (pool != "avg" && pool != "max" && pool != "avg+max")
    return usageError("--pool is avg, max or avg+max");
  if (limit < 0)
    return usageError("--limit must not be negative");
  if (int code = checkProbePreprocessing())
    return code;
  TrainOptions options;
  options.solver = Solver::kLbfgs;
  if (Status s = l2Options(l2, l2Grid, options); !s)
    return usageError(s.message());
  if (Status s = validate(options); !s)
    return usageError(s.message());
  for (const std::string &out : {outputPath(), plot.getValue()})
    if (!out.empty())
      if (Status s = checkWritable(out); !s)
        return fail(s.message());

  // The candidates, from the network as tlc inspect sees it.
  int exitCode = kOk;
  auto module = importInput(context, exitCode);
  if (!module)
    return exitCode;
  auto summary = summarizeModule(context, *module);
  if (!summary)
    return kFailed;
  auto cuts = candidates(*summary);
  if (!cuts)
    return fail(cuts.status().message());
  if (!pick.empty() && llvm::none_of(*cuts, [](const ProbeCut &c) {
        return c.name == pick.getValue();
      }))
    return usageError("--pick '" + pick + "' is not among the probed cuts");

  // One compile, every cut an output.
  auto started = std::chrono::steady_clock::now();
  TransferRequest request;
  for (const ProbeCut &c : *cuts)
    request.cuts.push_back(c.name);
  request.poolOutputs = pool;
  std::vector<uint8_t> bytes;
  if (int code = compileTransfer(context, request, bytes))
    return code;
  TemporaryArtifact probeArtifact;
  if (Status s = probeArtifact.write(bytes); !s)
    return fail(s.message());
  SessionOptions sessionOptions;
  sessionOptions.threads = threads;
  auto session = Session::load(probeArtifact.name(), sessionOptions);
  if (!session)
    return fail(session.status().message());
  if (session->outputs().size() != cuts->size())
    return fail("a probed cut has several outputs; name single-output "
                "nodes with --cuts");
  std::vector<std::string> outputs;
  for (size_t i = 0; i < cuts->size(); ++i) {
    const PortInfo &port = session->outputs()[i];
    if (port.shape.size() != 2 || port.shape[1] <= 0)
      return fail("cut '" + (*cuts)[i].name + "' gives no feature vector");
    (*cuts)[i].width = port.shape[1];
    outputs.push_back(port.name);
  }
  auto pre = sessionPreprocessing(*session);
  if (!pre)
    return fail(pre.status().message());

  // One pass per image for every cut.
  auto dataset = openDatasetSubset(data, limit, seed);
  if (!dataset)
    return fail(dataset.status().message());
  std::vector<std::string> classes = (*dataset)->classNames();
  std::vector<std::string> dataClasses = classes;
  if (!classNames.empty()) {
    auto names = classNamesOption(classNames, classes.size());
    if (!names)
      return fail(names.status().message());
    classes = std::move(*names);
  }
  if (classes.size() < 2)
    return fail(data + ": a probe needs at least two classes");
  auto extractStart = std::chrono::steady_clock::now();
  auto all = probeFeatures(probeArtifact.name(), *session, **dataset, *pre,
                           outputs, "probe: every cut");
  if (!all)
    return fail(all.status().message());
  FeatureSet train = std::move(*all), val;
  if (!valData.empty()) {
    auto v = openDatasetSubset(valData, 0, seed);
    if (!v)
      return fail(v.status().message());
    auto vf = probeFeatures(probeArtifact.name(), *session, **v, *pre, outputs,
                            "val");
    if (!vf)
      return fail(vf.status().message());
    if (Status s = relabelByClassName(*vf, **v, dataClasses); !s)
      return fail(valData + ": " + s.message());
    val = std::move(*vf);
  } else {
    val = splitValidation(train, valSplit, seed); // tlc train's split
  }
  double extractSeconds = secondsSince(extractStart);
  if (train.count == 0 || val.count == 0)
    return fail("too few samples to split into training and validation");
  llvm::errs() << "probe: " << cuts->size() << " cuts, one pass per image ("
               << llvm::format("%.1f", extractSeconds) << "s); fitting on "
               << train.count << " samples, validating on " << val.count
               << "\n";

  // A linear head per cut.
  auto row = [](const ProbeFit &f) {
    return llvm::formatv("{0,-40} {1,5} {2,8} {3,9} {4,9:f4} {5,9:f4} "
                         "{6,9:e1} {7,6:f2}s",
                         f.cut.name, f.cut.depth, f.cut.width,
                         humanCount(f.cut.macs), f.valAccuracy, f.trainAccuracy,
                         f.result.l2, f.result.seconds)
        .str();
  };
  if (!json)
    llvm::outs() << llvm::formatv("{0,-40} {1,5} {2,8} {3,9} {4,9} {5,9} "
                                  "{6,9} {7,7}\n",
                                  "cut", "depth", "features", "MACs", "val acc",
                                  "train acc", "l2", "fit");
  auto fits = probeCuts(*cuts, train, val, int64_t(classes.size()), options,
                        [&](const ProbeFit &f) {
                          if (!json) {
                            llvm::outs() << row(f) << "\n";
                            llvm::outs().flush();
                          }
                        });
  if (!fits)
    return fail(fits.status().message());
  size_t best = bestProbeFit(*fits), chosen = best;
  for (size_t i = 0; i < fits->size(); ++i)
    if (!pick.empty() && (*fits)[i].cut.name == pick.getValue())
      chosen = i;
  if (json)
    printJson(*fits, best, chosen, train, val, extractSeconds);
  else
    llvm::outs() << "best: " << (*fits)[best].cut.name << " (validation "
                 << llvm::format("%.4f", (*fits)[best].valAccuracy) << ")\n";
  if (!plot.empty())
    if (Status s = plotProbe(*fits, plot); !s)
      return fail(plot + ": " + s.message());

  // The chosen cut compiled on its own, with its trained head.
  const ProbeFit &fit = (*fits)[chosen];
  TransferRequest chosenRequest;
  chosenRequest.cuts = {fit.cut.name};
  chosenRequest.head = "linear:" + std::to_string(classes.size());
  chosenRequest.headPool = pool;
  if (int code = compileTransfer(context, chosenRequest, bytes))
    return code;
  TemporaryArtifact compiled;
  if (Status s = compiled.write(bytes); !s)
    return fail(s.message());
  auto head = Head::load(compiled.name());
  if (!head)
    return fail(head.status().message());
  if (head->layers.size() != 1 || head->inputSize() != fit.cut.width)
    return fail("the compiled head of '" + fit.cut.name +
                "' does not take the probed features");
  head->layers[0].weight = fit.head.layers[0].weight;
  head->layers[0].bias = fit.head.layers[0].bias;
  std::map<std::string, std::string> meta = {
      {tlc::metadata::kTrainData, data},
      {tlc::metadata::kTrainSolver, solverName(fit.result.solver)},
      {tlc::metadata::kTrainL2, llvm::formatv("{0}", fit.result.l2).str()},
      {tlc::metadata::kTrainStandardized, "true"}};
  if (Status s = writeTrainedArtifact(compiled.name(), outputPath(), *head,
                                      classes, meta);
      !s)
    return fail(s.message());
  llvm::errs() << "wrote " << outputPath() << " (cut " << fit.cut.name
               << ", its head trained; "
               << llvm::format("%.1f", secondsSince(started)) << "s in all)\n";
  return kOk;
}

} // namespace

std::optional<int> tlc::tool::runProbeCommand(mlir::MLIRContext &context) {
  if (!probeCmd)
    return std::nullopt;
  return runProbe(context);
}
