//===- TrainCommand.cpp - tlc train, tlc eval, tlc predict ----------------===//
//
//   tlc train MODEL.tlb --data DATA -o TRAINED.tlb [--val DATA | --val-split F]
//   tlc eval TRAINED.tlb --data DATA [--json]
//   tlc predict TRAINED.tlb IMAGE... [--top-k K] [--json]
//
// DATA is a folder of class subfolders, a .csv manifest (path,label) or the
// prefix of IDX files. Features come from the artifact's frozen backbone,
// once: they are cached under --cache-dir, keyed by the backbone, the
// preprocessing and every sample, so a second `train` with other
// hyperparameters starts at the first epoch. Only the runtime is used.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Progress.h"

#include "tlc/runtime/ArtifactFormat.h"
#include "tlc/runtime/AtomicFile.h"
#include "tlc/runtime/Checkpoint.h"
#include "tlc/runtime/Data.h"
#include "tlc/runtime/Features.h"
#include "tlc/runtime/Npy.h"
#include "tlc/runtime/Session.h"
#include "tlc/runtime/Train.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>

using namespace tlc::runtime;
namespace cl = llvm::cl;

namespace {

cl::SubCommand trainCmd("train", "Train the head of a compiled artifact");
cl::SubCommand evalCmd("eval", "Evaluate a trained artifact on labeled data");
cl::SubCommand predictCmd("predict", "Classify images with a trained artifact");
cl::SubCommand extractCmd("extract",
                          "Write the backbone's features of labeled data as "
                          ".npy files");

cl::opt<std::string> model(cl::Positional, cl::desc("MODEL.tlb"),
                           cl::sub(trainCmd), cl::sub(evalCmd),
                           cl::sub(predictCmd), cl::sub(extractCmd));
cl::list<std::string> images(cl::Positional, cl::desc("IMAGE..."),
                             cl::sub(predictCmd));
cl::opt<std::string> data("data",
                          cl::desc("A folder of class subfolders, a .csv "
                                   "manifest, or an IDX prefix"),
                          cl::value_desc("DATA"), cl::sub(trainCmd),
                          cl::sub(evalCmd), cl::sub(extractCmd));
cl::opt<std::string> output("o",
                            cl::desc("The trained artifact (train); the "
                                     "output prefix (extract)"),
                            cl::value_desc("FILE"), cl::sub(trainCmd),
                            cl::sub(extractCmd));
cl::opt<std::string> featuresFile(
    "features",
    cl::desc("Precomputed features [N, F] (.npy, float32; or a .npz with "
             "`features` and `labels`) instead of --data"),
    cl::value_desc("X.npy"), cl::sub(trainCmd), cl::sub(evalCmd));
cl::opt<std::string> labelsFile("labels",
                                cl::desc("Their labels [N] (.npy, integers)"),
                                cl::value_desc("Y.npy"), cl::sub(trainCmd),
                                cl::sub(evalCmd));
cl::opt<std::string> valData("val", cl::desc("Validation data"),
                             cl::value_desc("DATA"), cl::sub(trainCmd));
cl::opt<std::string> valFeatures(
    "val-features",
    cl::desc("Precomputed validation features (with --features; .npy with "
             "--val-labels, or .npz)"),
    cl::value_desc("X.npy"), cl::sub(trainCmd));
cl::opt<std::string> valLabels("val-labels",
                               cl::desc("Their labels (.npy, integers)"),
                               cl::value_desc("Y.npy"), cl::sub(trainCmd));
cl::opt<double> valSplit("val-split",
                         cl::desc("Hold out this fraction for validation "
                                  "(default 0.1; 0 without --val: none)"),
                         cl::init(0.1), cl::sub(trainCmd));
cl::opt<int64_t> limit("limit",
                       cl::desc("Use a seeded random subset of N samples"),
                       cl::init(0), cl::sub(trainCmd), cl::sub(evalCmd),
                       cl::sub(extractCmd));
cl::opt<int64_t> epochs("epochs", cl::init(20), cl::desc("Epochs"),
                        cl::sub(trainCmd));
cl::opt<int64_t> batchSize("batch-size", cl::init(64),
                           cl::desc("Samples per step"), cl::sub(trainCmd));
cl::opt<double> lr("lr", cl::init(1e-3), cl::desc("Learning rate"),
                   cl::sub(trainCmd));
cl::opt<Solver> solver(
    "solver",
    cl::desc("How the head is fitted (default auto: lbfgs for a linear "
             "head, adam otherwise)"),
    cl::values(clEnumValN(Solver::kAuto, "auto", "lbfgs if it fits, else adam"),
               clEnumValN(Solver::kLbfgs, "lbfgs",
                          "full-batch L-BFGS to --tol (no dropout, no hinge)"),
               clEnumValN(Solver::kAdam, "adam", "Adam, --epochs mini-batches"),
               clEnumValN(Solver::kSgd, "sgd", "SGD with --momentum")),
    cl::init(Solver::kAuto), cl::sub(trainCmd));
cl::opt<bool> noStandardize("no-standardize",
                            cl::desc("Train on the raw features (default: "
                                     "standardized, folded into the head)"),
                            cl::sub(trainCmd));
cl::opt<double> tolerance("tol", cl::init(1e-5),
                          cl::desc("L-BFGS: relative gradient tolerance"),
                          cl::sub(trainCmd));
cl::opt<int64_t> maxIter("max-iter", cl::init(1000),
                         cl::desc("L-BFGS: at most this many iterations"),
                         cl::sub(trainCmd));
cl::opt<double> momentum("momentum", cl::init(0.9), cl::desc("SGD momentum"),
                         cl::sub(trainCmd));
cl::opt<Loss>
    loss("loss", cl::desc("Loss"),
         cl::values(clEnumValN(Loss::kCrossEntropy, "ce",
                               "softmax cross-entropy (default)"),
                    clEnumValN(Loss::kMse, "mse", "squared error to one-hot"),
                    clEnumValN(Loss::kHinge, "hinge", "multi-class SVM hinge")),
         cl::init(Loss::kCrossEntropy), cl::sub(trainCmd));
cl::opt<std::string> l2Grid(
    "l2-grid",
    cl::desc("The penalties --l2 auto tries (default: 10 down to 1e-6, four "
             "a decade)"),
    cl::value_desc("A,B,..."), cl::sub(trainCmd));
cl::opt<std::string>
    l2("l2", cl::init("0"),
       cl::desc("L2 penalty on weights, or 'auto': the best of a log grid "
                "on the validation data"),
       cl::value_desc("L2|auto"), cl::sub(trainCmd));
cl::opt<Schedule> schedule(
    "schedule", cl::desc("Learning-rate schedule"),
    cl::values(clEnumValN(Schedule::kConstant, "constant", "(default)"),
               clEnumValN(Schedule::kStep, "step",
                          "x0.1 every --lr-step epochs"),
               clEnumValN(Schedule::kCosine, "cosine", "cosine decay to 0")),
    cl::init(Schedule::kConstant), cl::sub(trainCmd));
cl::opt<int64_t> lrStep("lr-step", cl::init(10),
                        cl::desc("Epochs per step of --schedule step"),
                        cl::sub(trainCmd));
cl::opt<int64_t> patience("patience", cl::init(0),
                          cl::desc("Stop after N epochs without a better "
                                   "validation loss (0: never)"),
                          cl::sub(trainCmd));
cl::opt<bool> balance("balance-classes",
                      cl::desc("Weight classes inversely to their frequency"),
                      cl::sub(trainCmd));
cl::opt<uint64_t> seed("seed", cl::init(0),
                       cl::desc("Seed of the split, the order and dropout"),
                       cl::sub(trainCmd), cl::sub(evalCmd),
                       cl::sub(extractCmd));
cl::opt<std::string> classNames("class-names",
                                cl::desc("Names for the classes (IDX data "
                                         "only numbers them)"),
                                cl::value_desc("A,B,..."), cl::sub(trainCmd));
cl::opt<std::string> curves("curves",
                            cl::desc("Write the per-epoch table as CSV"),
                            cl::value_desc("FILE.csv"), cl::sub(trainCmd));
cl::opt<std::string>
    plot("plot", cl::desc("Draw the loss and accuracy curves as a PNG"),
         cl::value_desc("FILE.png"), cl::sub(trainCmd));
cl::opt<std::string>
    classWeights("class-weights",
                 cl::desc("Per-class loss weights, in class order"),
                 cl::value_desc("W1,W2,..."), cl::sub(trainCmd));
cl::opt<bool> resume("resume",
                     cl::desc("Continue from the checkpoint OUT.ckpt (written "
                              "after every epoch) up to --epochs"),
                     cl::sub(trainCmd));
cl::opt<std::string> cacheDir("cache-dir",
                              cl::desc("Feature cache (default "
                                       "$XDG_CACHE_HOME/tlc or ~/.cache/tlc)"),
                              cl::sub(trainCmd), cl::sub(evalCmd),
                              cl::sub(extractCmd));
cl::opt<bool> noCache("no-cache", cl::desc("Neither read nor write the cache"),
                      cl::sub(trainCmd), cl::sub(evalCmd), cl::sub(extractCmd));
cl::opt<bool> skipBad("skip-bad-images",
                      cl::desc("Skip unreadable images (each is reported) "
                               "instead of stopping"),
                      cl::sub(trainCmd), cl::sub(evalCmd), cl::sub(extractCmd),
                      cl::sub(predictCmd));
cl::opt<int> threads("threads", cl::init(0),
                     cl::desc("Worker threads (0: all cores)"),
                     cl::sub(trainCmd), cl::sub(evalCmd), cl::sub(extractCmd),
                     cl::sub(predictCmd));
cl::opt<bool> json("json", cl::desc("Print JSON"), cl::sub(evalCmd),
                   cl::sub(predictCmd));
cl::opt<int64_t> topK("top-k", cl::init(5), cl::desc("Classes to show"),
                      cl::sub(predictCmd));

constexpr const char *kNegativeLimit = "--limit must not be negative";

/// Features of `dataset` through the artifact's backbone (from the cache
/// when possible), reporting progress, skipped samples and the cache.
StatusOr<FeatureSet> features(const std::string &artifact, Session &session,
                              const Dataset &dataset, const Preprocessing &pre,
                              const char *label,
                              const std::vector<std::string> &outputs = {}) {
  FeatureOptions options;
  options.cacheDir = cacheDir;
  options.useCache = !noCache;
  options.skipBad = skipBad;
  options.outputs = outputs;
  return tlc::tool::reportedFeatures(artifact, session, dataset, pre, label,
                                     options);
}

/// The artifact and its head; says in which precision the backbone runs
/// (the head always trains and runs in f32).
StatusOr<TrainableModel> loadModel(const std::string &path) {
  auto model = TrainableModel::load(path, threads);
  if (model)
    llvm::errs() << "backbone precision: " << model->session.computePrecision()
                 << "\n";
  return model;
}

StatusOr<std::shared_ptr<Dataset>> openLimited(const std::string &spec,
                                               int64_t count) {
  return openDatasetSubset(spec, count, seed);
}

/// The training options of the command line, validated.
StatusOr<TrainOptions> trainOptions() {
  TrainOptions options;
  options.solver = solver;
  options.standardize = !noStandardize;
  options.tolerance = tolerance;
  options.maxIterations = maxIter;
  options.loss = loss;
  options.schedule = schedule;
  options.learningRate = lr;
  options.momentum = momentum;
  if (Status s = tlc::tool::l2Options(l2, l2Grid, options); !s)
    return s;
  options.stepEpochs = lrStep;
  options.epochs = epochs;
  options.batch = batchSize;
  options.patience = patience;
  options.balanceClasses = balance;
  options.seed = seed;
  if (!classWeights.empty()) {
    if (balance)
      return invalidArgument("give --class-weights or --balance-classes, "
                             "not both");
    auto weights = tlc::tool::parseNumbers("--class-weights", classWeights);
    if (!weights)
      return weights.status();
    for (double w : *weights)
      options.classWeights.push_back(float(w));
  }
  if (limit < 0)
    return invalidArgument(kNegativeLimit);
  if (Status s = validate(options); !s)
    return s;
  return options;
}

int runTrain() {
  bool npz = llvm::StringRef(featuresFile).ends_with(".npz");
  if (model.empty() || output.empty() ||
      (data.empty() == featuresFile.empty()) ||
      (!npz && featuresFile.empty() != labelsFile.empty())) {
    llvm::errs() << "tlc: error: usage: tlc train MODEL.tlb (--data DATA | "
                    "--features X.npy --labels Y.npy) -o TRAINED.tlb\n";
    return tlc::tool::kUsage;
  }
  if (!valFeatures.empty() && (featuresFile.empty() || !valData.empty())) {
    llvm::errs() << "tlc: error: --val-features goes with --features, and "
                    "instead of --val\n";
    return tlc::tool::kUsage;
  }
  if (!(valSplit >= 0 && valSplit < 1)) {
    llvm::errs() << "tlc: error: --val-split must be in [0, 1)\n";
    return tlc::tool::kUsage;
  }
  // Every option and every output is checked before any work starts.
  auto options = trainOptions();
  if (!options)
    return tlc::tool::usageError(options.status().message());
  for (const std::string &out : {output.getValue(), output + ".ckpt",
                                 curves.getValue(), plot.getValue()})
    if (!out.empty())
      if (Status s = checkWritable(out); !s)
        return tlc::tool::fail(s.message());
  auto loaded = loadModel(model);
  if (!loaded)
    return tlc::tool::fail(loaded.status().message());
  // The solver the head gets, and what it allows, before any feature.
  auto chosen = chooseSolver(loaded->head, *options);
  if (!chosen)
    return tlc::tool::usageError(chosen.status().message());
  bool epochBased = *chosen != Solver::kLbfgs;
  if (resume && (!epochBased || options->l2Auto))
    return tlc::tool::usageError("--resume continues an Adam or SGD run "
                                 "with one --l2; an L-BFGS fit or an --l2 "
                                 "auto grid starts over");
  std::vector<std::string> classes;
  // The training data's own class names (before --class-names renames
  // them): --val data is labeled by these.
  std::vector<std::string> dataClasses;
  StatusOr<FeatureSet> trainSet = invalidArgument("no data");
  if (!featuresFile.empty()) {
    trainSet = readFeatureArrays(featuresFile, labelsFile);
    if (trainSet)
      *trainSet = limitFeatures(std::move(*trainSet), limit, seed);
    for (int64_t c = 0; c < loaded->head.classes(); ++c)
      classes.push_back(std::to_string(c));
  } else {
    auto all = openLimited(data, limit);
    if (!all)
      return tlc::tool::fail(all.status().message());
    std::shared_ptr<Dataset> dataset = *all;
    classes = dataClasses = dataset->classNames();
    if (int64_t(classes.size()) == loaded->head.classes())
      trainSet = features(model, loaded->session, *dataset,
                          loaded->preprocessing, "train");
  }
  if (!classNames.empty()) {
    auto names = tlc::tool::classNamesOption(classNames, classes.size());
    if (!names)
      return tlc::tool::fail(names.status().message());
    classes = std::move(*names);
  }
  if (int64_t(classes.size()) != loaded->head.classes())
    return tlc::tool::fail(
        "the data has " + std::to_string(classes.size()) +
        " classes, the head " + std::to_string(loaded->head.classes()) +
        " (compile with --head linear:" + std::to_string(classes.size()) + ")");
  if (!trainSet)
    return tlc::tool::fail(trainSet.status().message());
  // A class without a training sample cannot be learned: say which.
  {
    std::vector<int64_t> counts(classes.size(), 0);
    for (int64_t y : trainSet->labels)
      if (y >= 0 && size_t(y) < counts.size())
        ++counts[y];
    std::string missing;
    for (size_t c = 0; c < counts.size(); ++c)
      if (!counts[c])
        missing += (missing.empty() ? "'" : ", '") + classes[c] + "'";
    if (!missing.empty())
      return tlc::tool::fail("no training samples of class " + missing +
                             " (of the head's " +
                             std::to_string(classes.size()) + " classes)");
  }
  FeatureSet train = std::move(*trainSet), val;
  if (!valFeatures.empty()) {
    auto vf = readFeatureArrays(valFeatures, valLabels);
    if (!vf)
      return tlc::tool::fail(vf.status().message());
    val = std::move(*vf);
  } else if (!valData.empty()) {
    auto v = openLimited(valData, 0);
    if (!v)
      return tlc::tool::fail(v.status().message());
    auto vf =
        features(model, loaded->session, **v, loaded->preprocessing, "val");
    if (!vf)
      return tlc::tool::fail(vf.status().message());
    // Validation labels by class name, in the training data's order.
    if (Status s = relabelByClassName(*vf, **v, dataClasses); !s)
      return tlc::tool::fail(valData + ": " + s.message());
    val = std::move(*vf);
  } else if (valSplit > 0) {
    val = splitValidation(train, valSplit, seed); // of the (cached) features
  }
  llvm::errs() << "training on " << train.count << " samples, validating on "
               << val.count << "; " << train.width << " features, "
               << classes.size() << " classes\n";

  Head &head = loaded->head;
  llvm::errs() << "solver " << solverName(*chosen)
               << (options->standardize ? ", standardized features" : "")
               << (options->l2Auto ? ", l2 picked on the validation data" : "")
               << "\n";

  std::string csv = std::string(epochBased ? "epoch" : "iteration") +
                    ",lr,train_loss,train_acc,val_loss,val_acc,seconds\n";
  auto opt = [](double v) {
    return v < 0 ? std::string("-") : llvm::formatv("{0:f4}", v).str();
  };
  if (epochBased && !options->l2Auto)
    llvm::outs() << "epoch        lr  train loss  train acc    val loss    "
                    "val acc   time\n";
  // Checkpoints: the artifact so far and the optimizer state, every epoch.
  Checkpoint checkpoint(model, output);
  OptimizerState state;
  options->state = &state;
  if (resume) {
    auto next = checkpoint.restore(head, state);
    if (!next)
      return tlc::tool::fail("--resume: " + next.status().message());
    options->startEpoch = *next;
    llvm::errs() << "resuming after epoch " << options->startEpoch - 1 << "\n";
  }
  auto onEpoch = [&](const EpochStats &e, const Head &now) {
    llvm::outs() << llvm::format(
                        "%5lld  %8.2e  %10.4f  %9.4f  %10s  %9s  %5.1fs",
                        (long long)e.epoch, e.learningRate, e.trainLoss,
                        e.trainAccuracy, opt(e.valLoss).c_str(),
                        opt(e.valAccuracy).c_str(), e.seconds)
                 << "\n";
    llvm::outs().flush();
    if (Status s = checkpoint.save(now, classes, state, e.epoch); !s)
      llvm::errs() << "tlc: warning: cannot write the checkpoint: "
                   << s.message() << "\n";
  };
  auto result = trainHead(head, train, val, *options, onEpoch);
  if (!result)
    return tlc::tool::fail(result.status().message());
  for (const EpochStats &e : result->epochs)
    csv += llvm::formatv("{0},{1},{2},{3},{4},{5},{6}\n", e.epoch,
                         e.learningRate, e.trainLoss, e.trainAccuracy,
                         e.valLoss, e.valAccuracy, e.seconds)
               .str();
  if (!result->grid.empty()) {
    llvm::outs() << "      l2  " << (epochBased ? "epochs" : " iters")
                 << "  train acc    val loss    val acc   time\n";
    for (const L2Score &g : result->grid)
      llvm::outs() << llvm::format("%8.2e  %6lld  %9.4f  %10.4f  %9.4f  %5.1fs",
                                   g.l2, (long long)g.iterations,
                                   g.trainAccuracy, g.valLoss, g.valAccuracy,
                                   g.seconds)
                   << (g.l2 == result->l2 ? "  <- picked" : "") << "\n";
  }
  if (!epochBased) {
    const EpochStats &last = result->epochs.back();
    llvm::outs() << llvm::format("lbfgs: %lld iterations, %.2fs, relative "
                                 "gradient %.1e; train loss %.4f acc %.4f; "
                                 "val loss %s acc %s\n",
                                 (long long)last.epoch, result->seconds,
                                 result->gradient, last.trainLoss,
                                 last.trainAccuracy, opt(last.valLoss).c_str(),
                                 opt(last.valAccuracy).c_str());
    if (!result->converged)
      llvm::errs() << "tlc: warning: L-BFGS did not meet --tol: "
                   << result->stopReason << "\n";
  }
  std::map<std::string, std::string> meta;
  meta[tlc::metadata::kTrainEpochs] =
      std::to_string(result->epochs.back().epoch);
  meta[tlc::metadata::kTrainBestEpoch] = std::to_string(result->bestEpoch);
  meta[tlc::metadata::kTrainData] = data;
  meta[tlc::metadata::kTrainSolver] = solverName(result->solver);
  meta[tlc::metadata::kTrainL2] = llvm::formatv("{0}", result->l2).str();
  meta[tlc::metadata::kTrainStandardized] =
      options->standardize ? "true" : "false";
  if (Status s = writeTrainedArtifact(model, output, head, classes, meta); !s)
    return tlc::tool::fail(s.message());
  if (!curves.empty())
    if (Status s = writeFileAtomic(
            curves, reinterpret_cast<const uint8_t *>(csv.data()), csv.size());
        !s)
      return tlc::tool::fail(s.message());
  if (!plot.empty())
    if (Status s = plotCurves(result->epochs, plot); !s)
      return tlc::tool::fail(plot + ": " + s.message());
  if (epochBased)
    llvm::errs() << "wrote " << output << " (weights of epoch "
                 << result->bestEpoch << ", l2 " << result->l2 << ")\n";
  else
    llvm::errs() << "wrote " << output << " (L-BFGS, "
                 << result->epochs.back().epoch << " iterations, l2 "
                 << result->l2 << ")\n";
  return tlc::tool::kOk;
}

int runEval() {
  bool npz = llvm::StringRef(featuresFile).ends_with(".npz");
  if (model.empty() || (data.empty() == featuresFile.empty()) ||
      (!npz && featuresFile.empty() != labelsFile.empty())) {
    llvm::errs() << "tlc: error: usage: tlc eval TRAINED.tlb (--data DATA | "
                    "--features X.npy --labels Y.npy)\n";
    return tlc::tool::kUsage;
  }
  if (limit < 0)
    return tlc::tool::usageError(kNegativeLimit);
  auto loaded = loadModel(model);
  if (!loaded)
    return tlc::tool::fail(loaded.status().message());
  const Head &head = loaded->head;
  StatusOr<FeatureSet> f = invalidArgument("no data");
  if (!featuresFile.empty()) {
    f = readFeatureArrays(featuresFile, labelsFile);
    if (f)
      *f = limitFeatures(std::move(*f), limit, seed);
  } else {
    auto ds = openLimited(data, limit);
    if (!ds)
      return tlc::tool::fail(ds.status().message());
    if (head.classNames.empty() &&
        int64_t((*ds)->classNames().size()) > head.classes())
      return tlc::tool::fail(
          "the data has " + std::to_string((*ds)->classNames().size()) +
          " classes, the head " + std::to_string(head.classes()));
    f = features(model, loaded->session, **ds, loaded->preprocessing, "eval");
    // Labels by class name, not by the order of this data's classes.
    if (f)
      if (Status s = relabelByClassName(*f, **ds, head.classNames); !s)
        return tlc::tool::fail(data + ": " + s.message());
  }
  if (!f)
    return tlc::tool::fail(f.status().message());
  for (int64_t y : f->labels)
    if (y < 0 || y >= head.classes())
      return tlc::tool::fail("label " + std::to_string(y) +
                             " is outside the head's " +
                             std::to_string(head.classes()) + " classes");
  if (f->width != head.inputSize())
    return tlc::tool::fail("features have " + std::to_string(f->width) +
                           " values, the head takes " +
                           std::to_string(head.inputSize()));
  Evaluation e = evaluateHead(head, *f);
  std::vector<std::string> names = head.classNames;
  for (int64_t c = names.size(); c < head.classes(); ++c)
    names.push_back(std::to_string(c));
  if (json) {
    llvm::json::OStream j(llvm::outs(), 2);
    j.object([&] {
      j.attribute("samples", e.count);
      j.attribute("accuracy", e.accuracy);
      j.attribute("top5", e.top5);
      j.attribute("loss", e.loss);
      j.attributeArray("classes", [&] {
        for (size_t c = 0; c < names.size(); ++c)
          j.object([&] {
            j.attribute("name", names[c]);
            j.attribute("precision", e.precision[c]);
            j.attribute("recall", e.recall[c]);
          });
      });
      j.attributeArray("confusion", [&] {
        for (const auto &row : e.confusion)
          j.array([&] {
            for (int64_t v : row)
              j.value(v);
          });
      });
    });
    llvm::outs() << "\n";
    return tlc::tool::kOk;
  }
  llvm::outs() << llvm::format("accuracy %.4f  top-5 %.4f  loss %.4f  (%lld "
                               "samples)\n\n",
                               e.accuracy, e.top5, e.loss, (long long)e.count);
  llvm::outs() << llvm::left_justify("class", 16) << " precision  recall\n";
  for (size_t c = 0; c < names.size(); ++c)
    llvm::outs() << llvm::left_justify(names[c], 16)
                 << llvm::format(" %9.4f  %6.4f\n", e.precision[c],
                                 e.recall[c]);
  llvm::outs() << "\nconfusion (rows: true class, columns: predicted)\n";
  for (const auto &row : e.confusion) {
    for (int64_t v : row)
      llvm::outs() << llvm::format("%6lld", (long long)v);
    llvm::outs() << "\n";
  }
  return tlc::tool::kOk;
}

int runPredict() {
  if (model.empty() || images.empty()) {
    llvm::errs() << "tlc: error: usage: tlc predict TRAINED.tlb IMAGE...\n";
    return tlc::tool::kUsage;
  }
  auto loaded = loadModel(model);
  if (!loaded)
    return tlc::tool::fail(loaded.status().message());
  const Head &head = loaded->head;
  const Preprocessing &pre = loaded->preprocessing;
  std::vector<std::string> names = head.classNames;
  for (int64_t c = names.size(); c < head.classes(); ++c)
    names.push_back(std::to_string(c));
  if (topK < 1)
    return tlc::tool::usageError("--top-k must be at least 1");
  int64_t k = std::min<int64_t>(topK, head.classes());
  std::optional<llvm::json::OStream> j;
  if (json) {
    j.emplace(llvm::outs(), 2);
    j->arrayBegin();
  }
  int code = tlc::tool::kOk;
  for (const std::string &path : images) {
    auto image = decodeImage(path);
    Tensor input(DType::kF32, {1, 3, pre.crop, pre.crop});
    Status s =
        image ? preprocess(*image, pre, input.dataAs<float>()) : image.status();
    if (!s) {
      llvm::errs() << "tlc: " << (skipBad ? "warning: skipped " : "error: ")
                   << s.message() << "\n";
      if (!skipBad) {
        code = tlc::tool::kFailed;
        break;
      }
      continue;
    }
    auto out = loaded->session.run(
        {{loaded->session.inputs()[0].name, std::move(input)}});
    if (!out)
      return tlc::tool::fail(out.status().message());
    auto top = topClasses((*out)[0].second.dataAs<float>(), head.classes(), k);
    if (j) {
      j->object([&] {
        j->attribute("image", path);
        j->attributeArray("top", [&] {
          for (auto [c, probability] : top)
            j->object([&] {
              j->attribute("class", names[c]);
              j->attribute("probability", probability);
            });
        });
      });
    } else {
      llvm::outs() << path << "\n";
      for (auto [c, probability] : top)
        llvm::outs() << llvm::format("  %6.2f%%  ", 100 * probability)
                     << names[c] << "\n";
    }
  }
  if (j) {
    j->arrayEnd();
    llvm::outs() << "\n";
  }
  return code;
}

int runExtract() {
  if (model.empty() || data.empty() || output.empty()) {
    llvm::errs() << "tlc: error: usage: tlc extract MODEL.tlb --data DATA -o "
                    "PREFIX\n";
    return tlc::tool::kUsage;
  }
  if (limit < 0)
    return tlc::tool::usageError(kNegativeLimit);
  for (const char *suffix : {".features.npy", ".labels.npy"})
    if (Status s = checkWritable(output + suffix); !s)
      return tlc::tool::fail(s.message());
  // An artifact without a head (tlc compile --pool-outputs): every output,
  // side by side.
  SessionOptions sessionOptions;
  sessionOptions.threads = threads;
  auto session = Session::load(model, sessionOptions);
  if (!session)
    return tlc::tool::fail(session.status().message());
  auto pre = sessionPreprocessing(*session);
  if (!pre)
    return tlc::tool::fail(pre.status().message());
  std::vector<std::string> outputs;
  std::string layout;
  bool hasFeatures = llvm::any_of(session->outputs(), [](const PortInfo &p) {
    return p.name == tlc::outputs::kFeatures;
  });
  if (!hasFeatures)
    for (const PortInfo &p : session->outputs()) {
      outputs.push_back(p.name);
      layout += (layout.empty() ? "" : ", ") + p.name + " [" +
                (p.shape.size() == 2 ? std::to_string(p.shape[1]) : "?") + "]";
    }
  auto ds = openLimited(data, limit);
  if (!ds)
    return tlc::tool::fail(ds.status().message());
  auto f = features(model, *session, **ds, *pre, "extract", outputs);
  if (!f)
    return tlc::tool::fail(f.status().message());
  if (Status s = writeFeatures(output, *f); !s)
    return tlc::tool::fail(s.message());
  llvm::errs() << "wrote " << output << ".features.npy [" << f->count << ", "
               << f->width << "] and " << output << ".labels.npy\n";
  if (!layout.empty())
    llvm::errs() << "columns, in order: " << layout << "\n";
  return tlc::tool::kOk;
}

} // namespace

StatusOr<FeatureSet>
tlc::tool::reportedFeatures(const std::string &artifact, Session &session,
                            const Dataset &dataset, const Preprocessing &pre,
                            const std::string &label, FeatureOptions options) {
  Progress progress(label + ": features");
  options.progress = [&](size_t done, size_t total) {
    progress.update(done, total);
  };
  FeatureReport report;
  auto f = backboneFeatures(artifact, session, dataset, pre, options, report);
  for (const std::string &s : report.skipped)
    llvm::errs() << "tlc: warning: skipped " << s << "\n";
  if (!f)
    return f.status();
  if (report.fromCache)
    llvm::errs() << label << ": " << f->count
                 << " feature vectors from the cache (" << report.cacheDir
                 << ")\n";
  if (!report.skipped.empty())
    llvm::errs() << label << ": " << report.skipped.size() << " of "
                 << dataset.size() << " samples skipped\n";
  if (!report.cacheWarning.empty())
    llvm::errs() << "tlc: warning: cannot cache features: "
                 << report.cacheWarning << "\n";
  return f;
}

std::optional<int> tlc::tool::runTrainCommands() {
  if (trainCmd)
    return runTrain();
  if (evalCmd)
    return runEval();
  if (predictCmd)
    return runPredict();
  if (extractCmd)
    return runExtract();
  return std::nullopt;
}
