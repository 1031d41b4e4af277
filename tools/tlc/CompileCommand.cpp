//===- CompileCommand.cpp - tlc compile -----------------------------------===//
//
//   tlc compile MODEL.onnx -o MODEL.tlb [--input-shape NAME=SHAPE]...
//       [--cut NAME[,NAME...] | --cut auto | --drop-last N]
//       [--fc-to-conv] [--head SPEC] [--emit artifact|mlir]
//       [--load-pass-plugin X.so]... [--extra-passes POINT=PIPELINE]...
//       [--pass-pipeline PIPELINE] [--print-ir-after-all] [--dump-dir DIR]
//
// Imports the model, runs the pipeline (shape inference, truncation,
// folding of frozen weights, FC to conv, a new head, fusion) and writes the
// artifact atomically (temporary file, then rename).
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Progress.h"

#include "tl/IR/TLOps.h"
#include "tlc/Pipelines/TransferPipeline.h"
#include "tlc/Plugin/PluginLoader.h"
#include "tlc/Target/ArtifactWriter.h"
#include "tlc/Transforms/Passes.h"
#include "tlc/Transforms/ShapeUtils.h"
#include "tlc/runtime/Agreement.h"
#include "tlc/runtime/ArtifactFormat.h"
#include "tlc/runtime/Calibration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace tlc::tool;
namespace cl = llvm::cl;

namespace {

cl::SubCommand compileCmd("compile",
                          "Compile an ONNX model to a .tlb artifact");
cl::opt<std::string> input(cl::Positional, cl::desc("MODEL.onnx"),
                           cl::sub(compileCmd),
                           cl::sub(tlc::tool::probeSubcommand()));
cl::opt<std::string> output("o", cl::desc("Output file"),
                            cl::value_desc("FILE"), cl::sub(compileCmd),
                            cl::sub(tlc::tool::probeSubcommand()));
cl::list<std::string> shapes("input-shape",
                             cl::desc("Fix an input's shape, e.g. "
                                      "input=1x3x224x224; repeatable"),
                             cl::value_desc("NAME=SHAPE"), cl::sub(compileCmd),
                             cl::sub(tlc::tool::probeSubcommand()));
cl::list<std::string> binds(
    "bind",
    cl::desc("Freeze a graph input to a constant: a .npy file, or values "
             "(in the input's type and shape), e.g. shape=1,-1; repeatable"),
    cl::value_desc("NAME=FILE.npy|VALUES"), cl::sub(compileCmd),
    cl::sub(tlc::tool::probeSubcommand()));
enum class Emit { Artifact, Mlir };
cl::opt<Emit> emit("emit", cl::desc("What to write"),
                   cl::values(clEnumValN(Emit::Artifact, "artifact",
                                         "the .tlb artifact (default)"),
                              clEnumValN(Emit::Mlir, "mlir",
                                         "the tl module after the pipeline")),
                   cl::init(Emit::Artifact), cl::sub(compileCmd));
cl::OptionCategory transferCategory("Transfer learning");
cl::list<std::string>
    cuts("cut",
         cl::desc("Cut at these node or tensor names (several give several "
                  "outputs), or 'auto' for the penultimate features"),
         cl::value_desc("NAME[,NAME...]|auto"), cl::CommaSeparated,
         cl::cat(transferCategory), cl::sub(compileCmd));
cl::opt<int64_t>
    dropLast("drop-last",
             cl::desc("Remove the last N parametric layers (conv, fc)"),
             cl::value_desc("N"), cl::init(0), cl::cat(transferCategory),
             cl::sub(compileCmd));
cl::opt<bool> keepActivation(
    "keep-activation",
    cl::desc("Extend a cut through the activation that follows it "
             "(default true)"),
    cl::init(true), cl::cat(transferCategory), cl::sub(compileCmd),
    cl::sub(tlc::tool::probeSubcommand()));
cl::opt<bool> fcToConv("fc-to-conv",
                       cl::desc("Turn FC layers into convolutions, so the "
                                "network runs on larger inputs"),
                       cl::cat(transferCategory), cl::sub(compileCmd));
cl::opt<bool> poolAfter(
    "pool-after",
    cl::desc("With --fc-to-conv: move global pooling after the first FC"),
    cl::cat(transferCategory), cl::sub(compileCmd));
cl::opt<std::string> head("head",
                          cl::desc("Attach a trainable head: linear:CLASSES "
                                   "or mlp:H1,H2,...:CLASSES"),
                          cl::value_desc("SPEC"), cl::cat(transferCategory),
                          cl::sub(compileCmd));
cl::opt<std::string> headActivation(
    "head-activation",
    cl::desc("Hidden-layer activation: relu, gelu, silu, tanh, sigmoid"),
    cl::init("relu"), cl::cat(transferCategory), cl::sub(compileCmd));
cl::opt<double> headDropout("head-dropout",
                            cl::desc("Dropout ratio of hidden layers"),
                            cl::init(0.0), cl::cat(transferCategory),
                            cl::sub(compileCmd));
cl::opt<std::string> headInit("head-init",
                              cl::desc("Initialization: glorot or he"),
                              cl::init("glorot"), cl::cat(transferCategory),
                              cl::sub(compileCmd));
cl::opt<std::string>
    headPool("head-pool",
             cl::desc("Spatial features to a vector: avg, max or flatten"),
             cl::init("avg"), cl::cat(transferCategory), cl::sub(compileCmd));
cl::opt<std::string> poolOutputs(
    "pool-outputs",
    cl::desc("Instead of a head: pool every cut into a vector per sample "
             "(avg, max or avg+max), for tlc extract"),
    cl::cat(transferCategory), cl::sub(compileCmd));
cl::OptionCategory precisionCategory("Precision of the frozen backbone");
cl::opt<std::string> precision(
    "precision",
    cl::desc("f32 (default), bf16 or int8: the frozen backbone's weights are "
             "stored and its convs and fcs computed in bf16 (f32 "
             "accumulation) or in int8 (per-channel weight scales, "
             "activations quantized to the ranges --calibrate measures); "
             "the head and its features stay f32"),
    cl::value_desc("f32|bf16|int8"), cl::init("f32"),
    cl::cat(precisionCategory), cl::sub(compileCmd));
cl::opt<std::string> calibrateData(
    "calibrate",
    cl::desc("With --precision int8: measure the range of every activation "
             "on these images (a few hundred of your own), then print how "
             "the int8 backbone agrees with f32 on them (or on --check)"),
    cl::value_desc("DATA"), cl::cat(precisionCategory), cl::sub(compileCmd));
cl::opt<int64_t> calibrateLimit(
    "calibrate-limit",
    cl::desc("Images of --calibrate DATA to use, a seeded sample (default "
             "300; 0: all)"),
    cl::init(300), cl::cat(precisionCategory), cl::sub(compileCmd));
cl::opt<std::string> calibrationMethod(
    "calibration",
    cl::desc("How a range is taken from what calibration saw: percentile "
             "(default: magnitudes beyond --percentile are clipped) or "
             "minmax"),
    cl::value_desc("percentile|minmax"), cl::init("percentile"),
    cl::cat(precisionCategory), cl::sub(compileCmd));
cl::opt<double> calibrationPercentile(
    "percentile",
    cl::desc("The percentile of magnitudes --calibration percentile keeps "
             "(default 99.99)"),
    cl::init(99.99), cl::cat(precisionCategory), cl::sub(compileCmd));
cl::opt<std::string> checkData(
    "check",
    cl::desc("With --precision bf16 or int8: run these images through the "
             "f32 and the compiled backbone and print how their outputs "
             "agree (cosine similarity, top-1 agreement)"),
    cl::value_desc("DATA"), cl::cat(precisionCategory), cl::sub(compileCmd));
cl::opt<int64_t> checkLimit("check-limit",
                            cl::desc("Images of --check DATA to use, a "
                                     "seeded sample (default 200; 0: all)"),
                            cl::init(200), cl::cat(precisionCategory),
                            cl::sub(compileCmd));
cl::opt<uint64_t> seed("seed", cl::desc("Seed of the head's initialization"),
                       cl::init(0), cl::cat(transferCategory),
                       cl::sub(compileCmd));

cl::OptionCategory preprocessCategory(
    "Preprocessing (stored in the artifact; tlc train/eval/predict apply it)");
cl::opt<int64_t> crop("crop",
                      cl::desc("Center crop size (default: the model's "
                               "input size, else 224)"),
                      cl::init(0), cl::cat(preprocessCategory),
                      cl::sub(compileCmd),
                      cl::sub(tlc::tool::probeSubcommand()));
cl::opt<int64_t> resize("resize",
                        cl::desc("Resize the shorter side to this first "
                                 "(default: crop * 256 / 224)"),
                        cl::init(0), cl::cat(preprocessCategory),
                        cl::sub(compileCmd),
                        cl::sub(tlc::tool::probeSubcommand()));
cl::opt<std::string> mean("mean",
                          cl::desc("Per-channel mean, of [0, 1] pixels"),
                          cl::init("0.485,0.456,0.406"),
                          cl::cat(preprocessCategory), cl::sub(compileCmd),
                          cl::sub(tlc::tool::probeSubcommand()));
cl::opt<std::string> stddev("std", cl::desc("Per-channel standard deviation"),
                            cl::init("0.229,0.224,0.225"),
                            cl::cat(preprocessCategory), cl::sub(compileCmd),
                            cl::sub(tlc::tool::probeSubcommand()));
cl::opt<std::string> channelOrder("channel-order",
                                  cl::desc("rgb (default) or bgr"),
                                  cl::init("rgb"), cl::cat(preprocessCategory),
                                  cl::sub(compileCmd),
                                  cl::sub(tlc::tool::probeSubcommand()));

cl::OptionCategory extendCategory("Extending and debugging the pipeline");
cl::list<std::string> plugins(
    "load-pass-plugin",
    cl::desc("Load passes from a plugin (built with find_package(TLC)); "
             "repeatable"),
    cl::value_desc("X.so"), cl::cat(extendCategory), cl::sub(compileCmd));
cl::list<std::string> extraPasses(
    "extra-passes",
    cl::desc("Run passes at a point of the default pipeline: after-import, "
             "after-truncate, after-fold or before-lowering, e.g. "
             "after-fold='my-pass{opt=1}'; repeatable"),
    cl::value_desc("POINT=PIPELINE"), cl::cat(extendCategory),
    cl::sub(compileCmd));
cl::opt<std::string> passPipeline(
    "pass-pipeline",
    cl::desc("Replace the default pipeline, e.g. "
             "'builtin.module(func.func(tl-infer-shapes,tl-fuse))'"),
    cl::value_desc("PIPELINE"), cl::cat(extendCategory), cl::sub(compileCmd));
cl::opt<bool> printIrAfterAll("print-ir-after-all",
                              cl::desc("Print the IR after every pass (to "
                                       "stderr, weights elided)"),
                              cl::cat(extendCategory), cl::sub(compileCmd));
cl::opt<std::string>
    dumpDir("dump-dir",
            cl::desc("Write the IR after import and after every pass to "
                     "DIR/NN-PASS.mlir (weights elided)"),
            cl::value_desc("DIR"), cl::cat(extendCategory),
            cl::sub(compileCmd));

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

/// Adds the --extra-passes given for `point` (func-level pipelines).
LogicalResult addExtraPasses(OpPassManager &pm, StringRef point) {
  for (StringRef spec : extraPasses) {
    auto [where, pipeline] = spec.split('=');
    if (where != point)
      continue;
    std::string error;
    llvm::raw_string_ostream os(error);
    if (failed(parsePassPipeline(pipeline, pm.nest<func::FuncOp>(), os))) {
      llvm::errs() << "tlc: error: --extra-passes " << spec << ": "
                   << StringRef(error).trim() << "\n";
      return failure();
    }
  }
  return success();
}

/// The default pipeline (compiler/lib/Pipelines), shaped by the transfer
/// options, with the user's extra passes at their points, the backbone
/// lowered to `precision`; or the user's --pass-pipeline.
LogicalResult buildPipeline(PassManager &pm, StringRef precision) {
  if (!passPipeline.empty()) {
    std::string error;
    llvm::raw_string_ostream os(error);
    auto parsed = parsePassPipeline(passPipeline, os);
    if (failed(parsed) || parsed->getOpName() != "builtin.module") {
      llvm::errs() << "tlc: error: --pass-pipeline: "
                   << (failed(parsed) ? StringRef(error).trim()
                                      : "the pipeline must be anchored on "
                                        "builtin.module(...)")
                   << "\n";
      return failure();
    }
    static_cast<OpPassManager &>(pm) = *parsed;
    return success();
  }
  for (StringRef spec : extraPasses)
    if (!llvm::is_contained(tl::transferHookPoints(), spec.split('=').first) ||
        !spec.contains('=')) {
      llvm::errs() << "tlc: error: --extra-passes expects POINT=PIPELINE with "
                      "POINT one of "
                   << llvm::join(tl::transferHookPoints(), ", ") << "; got '"
                   << spec << "'\n";
      return failure();
    }
  tl::TransferPipelineOptions options;
  options.cuts = cuts;
  options.dropLast = dropLast.getValue();
  options.keepActivation = keepActivation.getValue();
  options.fcToConv = fcToConv.getValue();
  options.poolAfter = poolAfter.getValue();
  options.head = head.getValue();
  options.headActivation = headActivation.getValue();
  options.headDropout = headDropout.getValue();
  options.headInit = headInit.getValue();
  options.headPool = headPool.getValue();
  options.poolOutputs = poolOutputs.getValue();
  options.precision = precision.str();
  options.seed = seed.getValue();
  return tl::buildTransferPipeline(pm, options, addExtraPasses);
}

OpPrintingFlags elidedWeights() {
  return OpPrintingFlags().elideLargeElementsAttrs(16).elideLargeResourceString(
      64);
}

/// Writes the module after every pass to DIR/NN-PASS.mlir.
class DumpAfterEachPass : public PassInstrumentation {
public:
  explicit DumpAfterEachPass(std::string dir) : dir(std::move(dir)) {}

  void dump(Operation *op, StringRef stage) {
    auto module = isa<ModuleOp>(op) ? cast<ModuleOp>(op)
                                    : op->getParentOfType<ModuleOp>();
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, llvm::formatv("{0:d2}-{1}.mlir", count++,
                                                stage.empty() ? "pass" : stage)
                                      .str());
    if (llvm::Error err = llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
          module->print(os, elidedWeights());
          return llvm::Error::success();
        }))
      llvm::errs() << "tlc: warning: cannot write '" << path
                   << "': " << llvm::toString(std::move(err)) << "\n";
  }
  void runAfterPass(Pass *pass, Operation *op) override {
    if (!pass->getArgument().empty()) // not the pass managers' own adaptors
      dump(op, pass->getArgument());
  }

private:
  std::string dir;
  unsigned count = 0;
};

/// Three comma-separated numbers, or an error.
/// Whether `text` is three finite numbers, each > 0 when `positive`.
bool threeFloats(StringRef text, bool positive) {
  SmallVector<StringRef> parts;
  text.split(parts, ',');
  double v;
  return parts.size() == 3 && llvm::all_of(parts, [&](StringRef p) {
           return !p.trim().getAsDouble(v) && std::isfinite(v) &&
                  (!positive || v > 0);
         });
}

/// Provenance and preprocessing a user (and `tlc train`) reads back from the
/// artifact.
std::map<std::string, std::string>
transferMetadata(func::FuncOp func, llvm::ArrayRef<std::string> cutNames,
                 llvm::StringRef headSpec) {
  std::map<std::string, std::string> metadata;
  int64_t size = crop;
  // A graph may have no inputs at all (ONNX's test_constant).
  auto type = func.getNumArguments()
                  ? dyn_cast<RankedTensorType>(func.getArgument(0).getType())
                  : RankedTensorType();
  if (!size && type && type.getRank() == 4 && !type.isDynamicDim(2))
    size = type.getDimSize(2);
  if (!size)
    size = 224;
  metadata[tlc::metadata::kPreprocessCrop] = std::to_string(size);
  metadata[tlc::metadata::kPreprocessResize] =
      std::to_string(resize ? resize.getValue() : size * 256 / 224);
  metadata[tlc::metadata::kPreprocessMean] = mean;
  metadata[tlc::metadata::kPreprocessStd] = stddev;
  metadata[tlc::metadata::kPreprocessChannels] = channelOrder;
  if (!cutNames.empty())
    metadata[tlc::metadata::kCut] = llvm::join(cutNames, ",");
  if (dropLast > 0)
    metadata[tlc::metadata::kCut] = "drop-last=" + std::to_string(dropLast);
  if (!headSpec.empty())
    metadata[tlc::metadata::kHead] = headSpec.str();
  return metadata;
}

/// The preprocessing options, checked (tlc compile and tlc probe).
int checkPreprocessing() {
  if (!threeFloats(mean, false) || !threeFloats(stddev, true)) {
    llvm::errs() << "tlc: error: --mean and --std take three finite numbers "
                    "(--std above 0), e.g. --mean 0.485,0.456,0.406 --std "
                    "0.229,0.224,0.225\n";
    return kUsage;
  }
  if (channelOrder != "rgb" && channelOrder != "bgr") {
    llvm::errs() << "tlc: error: --channel-order is rgb or bgr\n";
    return kUsage;
  }
  if (crop < 0 || resize < 0 || (resize && crop && resize < crop)) {
    llvm::errs() << "tlc: error: --resize must be at least --crop\n";
    return kUsage;
  }
  return kOk;
}

/// A --crop the compiled network's input cannot take is an error.
int checkCrop(ModuleOp module) {
  if (!crop)
    return kOk;
  auto func = *module.getOps<func::FuncOp>().begin();
  auto type = func.getNumArguments()
                  ? dyn_cast<RankedTensorType>(func.getArgument(0).getType())
                  : RankedTensorType();
  if (type && type.getRank() == 4 &&
      ((!type.isDynamicDim(2) && type.getDimSize(2) != crop) ||
       (!type.isDynamicDim(3) && type.getDimSize(3) != crop)))
    return fail("--crop " + std::to_string(crop) +
                " does not fit the "
                "model's input " +
                std::to_string(type.getDimSize(2)) + "x" +
                std::to_string(type.getDimSize(3)) +
                " (export it with dynamic height and width to change it)");
  return kOk;
}

/// The artifact of the compiled `module`, which the pipelines of `pms`
/// made.
int serialize(ModuleOp module, llvm::ArrayRef<PassManager *> pms,
              llvm::ArrayRef<std::string> cutNames, llvm::StringRef headSpec,
              std::vector<uint8_t> &bytes) {
  tl::ArtifactOptions artifact;
  artifact.source = input;
  artifact.sourceSha256 = sha256Hex(input);
  for (PassManager *pm : pms) {
    std::string pipeline;
    llvm::raw_string_ostream os(pipeline);
    pm->printAsTextualPipeline(os);
    artifact.passes.push_back(pipeline);
  }
  auto func = *module.getOps<func::FuncOp>().begin();
  artifact.metadata = transferMetadata(func, cutNames, headSpec);
  return failed(tl::serializeArtifact(func, artifact, bytes)) ? kFailed : kOk;
}

/// Measures the range of every f32 activation of `module`'s function on
/// --calibrate DATA and records it (tl.range): the function returns them
/// all for one artifact, run through the runtime, then returns what it did.
int calibrateModule(ModuleOp module, llvm::ArrayRef<std::string> cutNames,
                    llvm::StringRef headSpec) {
  using namespace tlc::runtime;
  auto func = *module.getOps<func::FuncOp>().begin();
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  unsigned numResults = func.getNumResults();
  SmallVector<Value> observed;
  auto isActivation = [](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && type.getElementType().isF32();
  };
  for (BlockArgument arg : func.getArguments())
    if (isActivation(arg))
      observed.push_back(arg);
  for (Operation &op : func.getBody().front())
    if (!isa<tl::ConstantOp, func::ReturnOp>(op) && op.getNumResults() == 1 &&
        isActivation(op.getResult(0)))
      observed.push_back(op.getResult(0));
  Builder b(module.getContext());
  for (auto [i, v] : llvm::enumerate(observed)) {
    func.insertResult(numResults + i, v.getType(),
                      b.getDictionaryAttr(b.getNamedAttr(
                          tl::kNameAttr, b.getStringAttr("tl.calibration." +
                                                         std::to_string(i)))));
    ret->insertOperands(ret->getNumOperands(), v);
  }
  std::vector<uint8_t> bytes;
  int code = serialize(module, {}, cutNames, headSpec, bytes);
  ret->eraseOperands(numResults, observed.size());
  llvm::BitVector added(func.getNumResults(), false);
  added.set(numResults, func.getNumResults());
  func.eraseResults(added);
  if (code)
    return code;

  auto data = openDatasetSubset(calibrateData, calibrateLimit, /*seed=*/0);
  if (!data)
    return fail(data.status().message());
  auto session = Session::loadFromMemory(bytes.data(), bytes.size(), {},
                                         "the calibration backbone");
  if (!session)
    return fail(session.status().message());
  CalibrationOptions options;
  options.percentile =
      calibrationMethod == "minmax" ? 100.0 : calibrationPercentile.getValue();
  Progress bar("calibrate");
  options.progress = [&](size_t done, size_t total) {
    bar.update(done, total);
  };
  auto ranges = calibrate(*session, **data, options);
  if (!ranges)
    return fail("--calibrate " + calibrateData + ": " +
                ranges.status().message());
  for (size_t i = 0; i < observed.size(); ++i) {
    const CalibratedRange &r = (*ranges)[numResults + i];
    tl::setCalibratedRange(observed[i], r.min, r.max);
  }
  llvm::outs() << llvm::formatv(
      "calibrated {0} activations on {1} images of {2} ({3})\n",
      observed.size(), (*data)->size(), calibrateData,
      calibrationMethod == "minmax"
          ? std::string("min-max")
          : llvm::formatv("magnitudes clipped at the {0} percentile",
                          calibrationPercentile.getValue())
                .str());
  return kOk;
}

/// Runs DATA (--check, else --calibrate) through the f32 artifact
/// `reference` and the compiled `candidate`, and prints how their outputs
/// agree.
int checkPrecision(const std::vector<uint8_t> &reference,
                   const std::vector<uint8_t> &candidate) {
  using namespace tlc::runtime;
  const std::string &spec = checkData.empty() ? calibrateData : checkData;
  int64_t limit = checkData.empty() ? calibrateLimit : checkLimit;
  auto data = openDatasetSubset(spec, limit, /*seed=*/0);
  if (!data)
    return fail(data.status().message());
  auto f32 = Session::loadFromMemory(reference.data(), reference.size(), {},
                                     "the f32 backbone");
  auto low =
      Session::loadFromMemory(candidate.data(), candidate.size(), {}, output);
  if (!f32 || !low)
    return fail((f32 ? low : f32).status().message());
  Progress bar("check");
  auto agreements =
      compareSessions(*f32, *low, **data, [&](size_t done, size_t total) {
        bar.update(done, total);
      });
  if (!agreements)
    return fail(spec + ": " + agreements.status().message());
  auto &os = llvm::outs();
  os << llvm::formatv("{0} against f32 on {1} samples of {2} (computed as "
                      "{3}):\n",
                      precision.getValue(), (*data)->size(), spec,
                      low->computePrecision());
  for (const OutputAgreement &a : *agreements)
    os << llvm::formatv("  {0} [{1}]: cosine similarity mean {2:F5} (min "
                        "{3:F5}), top-1 agreement {4:F1} %, largest "
                        "difference {5:E2} of the largest value\n",
                        a.output, a.width, a.meanCosine, a.minCosine,
                        100 * a.top1, a.maxRelativeError);
  return kOk;
}

} // namespace

std::optional<int> tlc::tool::runCompileCommand(MLIRContext &context) {
  if (!compileCmd)
    return std::nullopt;
  for (const std::string &plugin : plugins)
    if (llvm::Error err = tl::loadPassPlugin(plugin))
      return fail(llvm::toString(std::move(err)));
  // --check compares against the f32 backbone, and int8 calibrates on it:
  // the pipeline stops short of the precision, whose pass then runs on its
  // own.
  bool int8 = precision == "int8";
  bool checking = !checkData.empty() || int8;
  PassManager pm(&context);
  if (failed(buildPipeline(pm, checking ? "f32" : precision.getValue())))
    return kUsage;
  if (printPipeline) {
    pm.printAsTextualPipeline(llvm::outs());
    llvm::outs() << "\n";
    return kOk;
  }
  if (input.empty() || output.empty()) {
    llvm::errs() << "tlc: error: usage: tlc compile MODEL.onnx -o OUT\n";
    return kUsage;
  }
  if (cuts.size() > 1 && llvm::is_contained(cuts, "auto")) {
    llvm::errs() << "tlc: error: --cut auto cannot be combined with names\n";
    return kUsage;
  }
  if (!poolOutputs.empty() && !head.empty()) {
    llvm::errs() << "tlc: error: give --head or --pool-outputs, not both\n";
    return kUsage;
  }
  if (precision != "f32" && precision != "bf16" && !int8) {
    llvm::errs() << "tlc: error: --precision is f32, bf16 or int8, not '"
                 << precision << "'\n";
    return kUsage;
  }
  if (int8 != !calibrateData.empty()) {
    llvm::errs() << (int8 ? "tlc: error: --precision int8 needs --calibrate "
                            "DATA: a few hundred of your images, to measure "
                            "the range of every activation\n"
                          : "tlc: error: --calibrate is for --precision "
                            "int8\n");
    return kUsage;
  }
  if (calibrationMethod != "percentile" && calibrationMethod != "minmax") {
    llvm::errs() << "tlc: error: --calibration is percentile or minmax, not '"
                 << calibrationMethod << "'\n";
    return kUsage;
  }
  if (!(calibrationPercentile > 50 && calibrationPercentile <= 100)) {
    llvm::errs() << "tlc: error: --percentile must be in (50, 100]\n";
    return kUsage;
  }
  if (checking &&
      (precision == "f32" || !passPipeline.empty() || emit == Emit::Mlir)) {
    llvm::errs() << "tlc: error: --check and --calibrate compare a lower "
                    "--precision with f32; give --precision bf16 or int8 "
                    "(with the default pipeline and an artifact to write)\n";
    return kUsage;
  }
  if (checkLimit < 0 || calibrateLimit < 0) {
    llvm::errs() << "tlc: error: --check-limit and --calibrate-limit must be "
                    "0 or more\n";
    return kUsage;
  }
  if (!cuts.empty() && dropLast > 0) {
    llvm::errs() << "tlc: error: give --cut or --drop-last, not both\n";
    return kUsage;
  }
  if (int code = checkPreprocessing())
    return code;
  if (dropLast < 0) {
    llvm::errs() << "tlc: error: --drop-last must be positive\n";
    return kUsage;
  }
  int exitCode = kOk;
  // FC layers become convolutions so that the network runs on other input
  // sizes: free the spatial dims, unless --input-shape fixes them.
  auto module = importModel(context, input, shapes, exitCode,
                            /*freeSpatialDims=*/fcToConv, binds);
  if (!module)
    return exitCode;
  if (printIrAfterAll) {
    context.disableMultithreading();
    pm.enableIRPrinting(
        [](Pass *, Operation *) { return false; },
        [](Pass *, Operation *) { return true; }, /*printModuleScope=*/true,
        /*printAfterOnlyOnChange=*/false, /*printAfterOnlyOnFailure=*/false,
        llvm::errs(), elidedWeights());
  }
  if (!dumpDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(dumpDir))
      return fail("cannot create '" + dumpDir + "': " + ec.message());
    auto dumper = std::make_unique<DumpAfterEachPass>(dumpDir);
    dumper->dump(module->getOperation(), "import");
    pm.addInstrumentation(std::move(dumper));
  }
  if (failed(pm.run(*module)))
    return kFailed;
  if (int code = checkCrop(*module))
    return code;

  if (emit == Emit::Mlir) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    return writeOutput(output, text);
  }
  std::vector<uint8_t> bytes, reference;
  PassManager lower(&context);
  if (checking) {
    if (int code = serialize(*module, {&pm}, cuts, head, reference))
      return code;
    if (int8)
      if (int code = calibrateModule(*module, cuts, head))
        return code;
    lower.addNestedPass<func::FuncOp>(tl::createReducePrecisionPass(
        tl::ReducePrecisionPassOptions{precision.getValue()}));
    if (failed(lower.run(*module)))
      return kFailed;
  }
  std::vector<PassManager *> pipelines = {&pm};
  if (checking)
    pipelines.push_back(&lower);
  if (int code = serialize(*module, pipelines, cuts, head, bytes))
    return code;
  if (checking)
    if (int code = checkPrecision(reference, bytes))
      return code;
  // What the runtime would refuse at load, a kernel the CPU backend has
  // none for on its element type (float64 math), is a compile error that
  // names the kernel's node, not an artifact that fails later.
  if (auto session = tlc::runtime::Session::loadFromMemory(
          bytes.data(), bytes.size(), {}, "the compiled model");
      !session)
    return fail(session.status().message());
  return writeOutput(
      output, llvm::StringRef(reinterpret_cast<const char *>(bytes.data()),
                              bytes.size()));
}

const std::string &tlc::tool::inputModel() { return input; }
const std::string &tlc::tool::outputPath() { return output; }

int tlc::tool::checkProbePreprocessing() { return checkPreprocessing(); }

OwningOpRef<ModuleOp> tlc::tool::importInput(MLIRContext &context,
                                             int &exitCode) {
  return importModel(context, input, shapes, exitCode,
                     /*freeSpatialDims=*/false, binds);
}

int tlc::tool::compileTransfer(MLIRContext &context,
                               const TransferRequest &request,
                               std::vector<uint8_t> &bytes) {
  int exitCode = kOk;
  auto module = importModel(context, input, shapes, exitCode,
                            /*freeSpatialDims=*/false, binds);
  if (!module)
    return exitCode;
  tl::TransferPipelineOptions options;
  options.cuts = request.cuts;
  options.keepActivation = keepActivation.getValue();
  options.head = request.head;
  options.headPool = request.headPool;
  options.poolOutputs = request.poolOutputs;
  PassManager pm(&context);
  if (failed(tl::buildTransferPipeline(pm, options)) || failed(pm.run(*module)))
    return kFailed;
  if (int code = checkCrop(*module))
    return code;
  return serialize(*module, {&pm}, request.cuts, request.head, bytes);
}
