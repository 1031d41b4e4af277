//===- TrainTest.cpp - the head trainer, evaluation and feature helpers ---===//
//
// Heads are built in memory (no artifact needed) and trained on Gaussian
// blobs that a linear classifier separates: every solver and loss must
// learn them, L-BFGS must reach the optimum of the convex problem,
// standardization must fold into the head exactly, --l2 auto must keep the
// best of its grid, reruns must be bit-identical, and a resumed run must
// equal an uninterrupted one.
//
//===----------------------------------------------------------------------===//

#include "tlc/runtime/Train.h"
#include "tlc/runtime/Checkpoint.h"
#include "tlc/runtime/Probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <random>

using namespace tlc::runtime;

namespace {

/// `perClass` samples of each of `classes` blobs in `width` dims, centres
/// 4 apart, unit variance.
FeatureSet blobs(int64_t classes, int64_t perClass, int64_t width,
                 uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.f, 1.f);
  FeatureSet f;
  f.count = classes * perClass;
  f.width = width;
  for (int64_t i = 0; i < f.count; ++i) {
    int64_t c = i % classes;
    for (int64_t d = 0; d < width; ++d)
      f.values.push_back((d % classes == c ? 4.f : 0.f) + noise(rng));
    f.labels.push_back(c);
  }
  return f;
}

/// A linear head (and an MLP one when `hidden` > 0) with small weights.
Head makeHead(int64_t in, int64_t classes, int64_t hidden = 0) {
  Head head;
  std::mt19937 rng(7);
  std::normal_distribution<float> w(0.f, 0.1f);
  auto layer = [&](int64_t from, int64_t to, int64_t activation) {
    HeadLayer l;
    l.in = from;
    l.out = to;
    l.activation = activation;
    for (int64_t i = 0; i < from * to; ++i)
      l.weight.push_back(w(rng));
    l.bias.assign(size_t(to), 0.f);
    head.layers.push_back(l);
  };
  if (hidden) {
    layer(in, hidden, /*relu=*/1);
    layer(hidden, classes, 0);
  } else {
    layer(in, classes, 0);
  }
  return head;
}

TrainOptions quick() {
  TrainOptions o;
  o.epochs = 15;
  o.batch = 16;
  o.learningRate = 0.05;
  o.seed = 3;
  return o;
}

TEST(Train, EverySolverAndLossLearnsSeparableBlobs) {
  FeatureSet train = blobs(3, 60, 6, 1), test = blobs(3, 40, 6, 2);
  struct Case {
    Solver solver;
    Loss loss;
    int64_t hidden;
    bool standardize;
  };
  for (Case c : {Case{Solver::kAdam, Loss::kCrossEntropy, 0, true},
                 Case{Solver::kSgd, Loss::kCrossEntropy, 0, false},
                 Case{Solver::kAdam, Loss::kMse, 0, true},
                 Case{Solver::kSgd, Loss::kHinge, 0, true},
                 Case{Solver::kAdam, Loss::kCrossEntropy, 16, true},
                 Case{Solver::kLbfgs, Loss::kCrossEntropy, 0, true},
                 Case{Solver::kLbfgs, Loss::kMse, 0, false},
                 Case{Solver::kLbfgs, Loss::kCrossEntropy, 16, true}}) {
    Head head = makeHead(6, 3, c.hidden);
    double before = evaluateHead(head, test).accuracy;
    TrainOptions o = quick();
    o.solver = c.solver;
    o.loss = c.loss;
    o.standardize = c.standardize;
    o.l2 = 1e-3;
    if (c.solver == Solver::kSgd)
      o.learningRate = 0.01;
    auto result = trainHead(head, train, FeatureSet(), o);
    ASSERT_TRUE(result) << result.status().message();
    EXPECT_EQ(result->solver, c.solver);
    if (c.solver != Solver::kLbfgs)
      ASSERT_EQ(result->epochs.size(), 15u);
    EXPECT_LT(result->epochs.back().trainLoss, result->epochs[0].trainLoss);
    double after = evaluateHead(head, test).accuracy;
    EXPECT_GE(after, 0.97) << "solver " << solverName(c.solver) << " loss "
                           << int(c.loss) << " hidden " << c.hidden;
    EXPECT_GT(after, before);
  }
}

TEST(Train, AutoPicksLbfgsForALinearHeadAndAdamOtherwise) {
  TrainOptions o;
  EXPECT_EQ(chooseSolver(makeHead(4, 2), o).value(), Solver::kLbfgs);
  EXPECT_EQ(chooseSolver(makeHead(4, 2, 8), o).value(), Solver::kAdam);
  Head dropout = makeHead(4, 2);
  dropout.layers[0].dropout = 0.5f;
  EXPECT_EQ(chooseSolver(dropout, o).value(), Solver::kAdam);
  o.loss = Loss::kHinge;
  EXPECT_EQ(chooseSolver(makeHead(4, 2), o).value(), Solver::kAdam);
  o.solver = Solver::kLbfgs;
  auto hinge = chooseSolver(makeHead(4, 2), o);
  ASSERT_FALSE(hinge);
  EXPECT_NE(hinge.status().message().find("smooth loss"), std::string::npos);
  o.loss = Loss::kCrossEntropy;
  EXPECT_FALSE(chooseSolver(dropout, o));
}

/// Mean cross-entropy + l2/2 |W|^2 of a linear head, in double.
double objective(const Head &head, const FeatureSet &f, double l2) {
  const HeadLayer &l = head.layers[0];
  double total = 0;
  for (int64_t i = 0; i < f.count; ++i) {
    std::vector<double> z(l.out);
    for (int64_t o = 0; o < l.out; ++o) {
      z[o] = l.bias[o];
      for (int64_t d = 0; d < l.in; ++d)
        z[o] += double(l.weight[o * l.in + d]) * f.values[i * f.width + d];
    }
    double mx = *std::max_element(z.begin(), z.end()), sum = 0;
    for (double v : z)
      sum += std::exp(v - mx);
    total += std::log(sum) + mx - z[f.labels[i]];
  }
  double penalty = 0;
  for (float w : l.weight)
    penalty += double(w) * w;
  return total / f.count + 0.5 * l2 * penalty;
}

TEST(Train, LbfgsReachesTheOptimum) {
  // Overlapping blobs: a problem with an interior optimum. No direction
  // from the solution lowers the objective.
  FeatureSet train = blobs(4, 50, 7, 21);
  for (float &v : train.values)
    v *= 0.4f;
  Head head = makeHead(7, 4);
  TrainOptions o;
  o.solver = Solver::kLbfgs;
  o.standardize = false;
  o.l2 = 1e-2;
  o.tolerance = 1e-7;
  auto result = trainHead(head, train, FeatureSet(), o);
  ASSERT_TRUE(result) << result.status().message();
  EXPECT_TRUE(result->converged) << result->stopReason;
  EXPECT_LE(result->gradient, 100 * o.tolerance);
  double at = objective(head, train, o.l2);
  std::mt19937 rng(5);
  std::normal_distribution<float> n(0.f, 1.f);
  for (int trial = 0; trial < 20; ++trial) {
    Head moved = head;
    for (float &w : moved.layers[0].weight)
      w += 1e-2f * n(rng);
    for (float &b : moved.layers[0].bias)
      b += 1e-2f * n(rng);
    EXPECT_GE(objective(moved, train, o.l2), at - 1e-7) << trial;
  }
  // Stopped by --max-iter: said, with the gradient it reached.
  Head early = makeHead(7, 4);
  TrainOptions two = o;
  two.maxIterations = 2;
  auto stopped = trainHead(early, train, FeatureSet(), two);
  ASSERT_TRUE(stopped);
  EXPECT_FALSE(stopped->converged);
  EXPECT_NE(stopped->stopReason.find("--max-iter"), std::string::npos);
  EXPECT_GT(objective(early, train, o.l2), at);
  // Adam's 15 epochs from the same start end above the optimum.
  Head adam = makeHead(7, 4);
  TrainOptions a = quick();
  a.solver = Solver::kAdam;
  a.standardize = false;
  a.l2 = o.l2;
  ASSERT_TRUE(trainHead(adam, train, FeatureSet(), a));
  EXPECT_GT(objective(adam, train, o.l2), at);
}

TEST(Train, StandardizationFoldsIntoTheFirstLayer) {
  // Features on wildly different scales and offsets. Training with
  // standardization gives a head on raw features that equals the head
  // trained on features standardized by hand, applied to those.
  FeatureSet raw = blobs(3, 40, 5, 31);
  std::vector<double> mean(5, 0), sd(5, 0);
  for (int64_t i = 0; i < raw.count; ++i)
    for (int64_t d = 0; d < 5; ++d) {
      float &v = raw.values[i * 5 + d];
      v = v * std::pow(10.f, float(d) - 2.f) + 100.f * float(d);
      mean[d] += v / raw.count;
    }
  for (int64_t i = 0; i < raw.count; ++i)
    for (int64_t d = 0; d < 5; ++d)
      sd[d] += std::pow(raw.values[i * 5 + d] - mean[d], 2) / raw.count;
  FeatureSet scaled = raw;
  for (int64_t i = 0; i < raw.count; ++i)
    for (int64_t d = 0; d < 5; ++d)
      scaled.values[i * 5 + d] =
          float((raw.values[i * 5 + d] - mean[d]) / std::sqrt(sd[d]));
  TrainOptions o;
  o.solver = Solver::kLbfgs;
  o.l2 = 1e-2;
  Head folded = makeHead(5, 3), manual = makeHead(5, 3);
  ASSERT_TRUE(trainHead(folded, raw, FeatureSet(), o));
  o.standardize = false;
  ASSERT_TRUE(trainHead(manual, scaled, FeatureSet(), o));
  std::vector<float> a = folded.logits(raw.values.data(), raw.count);
  std::vector<float> b = manual.logits(scaled.values.data(), scaled.count);
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], 2e-3 * (1 + std::fabs(b[i]))) << i;
  EXPECT_GE(evaluateHead(folded, raw).accuracy, 0.97);
}

TEST(Train, L2AutoKeepsTheBestOfItsGrid) {
  FeatureSet train = blobs(3, 30, 6, 41), val = blobs(3, 30, 6, 42);
  for (FeatureSet *f : {&train, &val})
    for (float &v : f->values)
      v *= 0.35f;
  Head head = makeHead(6, 3);
  TrainOptions o;
  o.l2Auto = true;
  o.l2Grid = {1e-4, 10, 1e-2, 1};
  auto result = trainHead(head, train, val, o);
  ASSERT_TRUE(result) << result.status().message();
  ASSERT_EQ(result->grid.size(), 4u);
  // Largest penalty first.
  EXPECT_EQ(result->grid[0].l2, 10);
  EXPECT_EQ(result->grid[3].l2, 1e-4);
  const L2Score *best = &result->grid[0];
  for (const L2Score &g : result->grid)
    if (g.valAccuracy > best->valAccuracy ||
        (g.valAccuracy == best->valAccuracy && g.valLoss < best->valLoss))
      best = &g;
  EXPECT_EQ(result->l2, best->l2);
  Evaluation e = evaluateHead(head, val);
  EXPECT_DOUBLE_EQ(e.accuracy, best->valAccuracy);
  EXPECT_NEAR(e.loss, best->valLoss, 1e-4);
  // Without validation data there is nothing to pick by.
  auto none = trainHead(head, train, FeatureSet(), o);
  ASSERT_FALSE(none);
  EXPECT_NE(none.status().message().find("validation"), std::string::npos);
}

TEST(Train, SameSeedSameBytesOtherSeedOtherBytes) {
  FeatureSet train = blobs(4, 30, 8, 5);
  Head a = makeHead(8, 4), b = makeHead(8, 4), c = makeHead(8, 4);
  TrainOptions o = quick();
  o.solver = Solver::kAdam; // the seed shuffles its mini-batches
  ASSERT_TRUE(trainHead(a, train, FeatureSet(), o));
  ASSERT_TRUE(trainHead(b, train, FeatureSet(), o));
  o.seed = 4;
  ASSERT_TRUE(trainHead(c, train, FeatureSet(), o));
  EXPECT_EQ(a.layers[0].weight, b.layers[0].weight);
  EXPECT_EQ(a.layers[0].bias, b.layers[0].bias);
  EXPECT_NE(a.layers[0].weight, c.layers[0].weight);
}

TEST(Train, ResumedRunEqualsUninterruptedRun) {
  FeatureSet train = blobs(3, 40, 5, 9);
  TrainOptions o = quick();
  o.solver = Solver::kAdam;
  o.epochs = 8;
  o.schedule = Schedule::kCosine;
  o.l2 = 1e-3;
  Head whole = makeHead(5, 3, 8);
  OptimizerState wholeState;
  o.state = &wholeState;
  ASSERT_TRUE(trainHead(whole, train, FeatureSet(), o));

  // A checkpoint after epoch 3 (the head and the optimizer state, as tlc
  // train writes them every epoch), then epochs 4-8 from it.
  Head part = makeHead(5, 3, 8);
  OptimizerState state;
  TrainOptions first = o;
  first.state = &state;
  Head snapshot;
  OptimizerState snapshotState;
  ASSERT_TRUE(trainHead(part, train, FeatureSet(), first,
                        [&](const EpochStats &e, const Head &now) {
                          if (e.epoch == 3) {
                            snapshot = now;
                            snapshotState = state;
                          }
                        }));
  TrainOptions rest = o;
  rest.startEpoch = 4;
  rest.state = &snapshotState;
  ASSERT_TRUE(trainHead(snapshot, train, FeatureSet(), rest));
  for (size_t l = 0; l < whole.layers.size(); ++l) {
    EXPECT_EQ(whole.layers[l].weight, snapshot.layers[l].weight) << l;
    EXPECT_EQ(whole.layers[l].bias, snapshot.layers[l].bias) << l;
  }
}

TEST(Train, EarlyStoppingKeepsTheBestEpoch) {
  // Validation labels are shuffled: the validation loss stops improving
  // soon, and the head keeps the epoch where it was lowest.
  FeatureSet train = blobs(2, 40, 4, 11), val = blobs(2, 40, 4, 12);
  std::mt19937 rng(1);
  std::shuffle(val.labels.begin(), val.labels.end(), rng);
  Head head = makeHead(4, 2);
  TrainOptions o = quick();
  o.solver = Solver::kAdam;
  o.epochs = 40;
  o.patience = 3;
  auto result = trainHead(head, train, val, o);
  ASSERT_TRUE(result) << result.status().message();
  EXPECT_LT(result->epochs.size(), 40u);
  double best = 1e30;
  int64_t bestEpoch = 0;
  for (const EpochStats &e : result->epochs)
    if (e.valLoss < best)
      best = e.valLoss, bestEpoch = e.epoch;
  EXPECT_EQ(result->bestEpoch, bestEpoch);
  EXPECT_EQ(int64_t(result->epochs.size()), bestEpoch + 3);
}

TEST(Train, BadInputsAreErrorsNotCrashes) {
  FeatureSet train = blobs(3, 10, 6, 1);
  Head head = makeHead(6, 3);
  TrainOptions o = quick();
  FeatureSet narrow = blobs(3, 10, 5, 1);
  EXPECT_FALSE(trainHead(head, narrow, FeatureSet(), o));
  FeatureSet badLabel = train;
  badLabel.labels[4] = 3;
  auto r = trainHead(head, badLabel, FeatureSet(), o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("label 3"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(trainHead(head, FeatureSet(), FeatureSet(), o));
  TrainOptions zero = o;
  zero.batch = 0;
  EXPECT_FALSE(trainHead(head, train, FeatureSet(), zero));
  TrainOptions weights = o;
  weights.classWeights = {1.f, 2.f}; // three classes
  EXPECT_FALSE(trainHead(head, train, FeatureSet(), weights));
  OptimizerState wrong;
  wrong.first = {{1.f}};
  wrong.second = {{1.f}};
  TrainOptions resume = o;
  resume.state = &wrong;
  EXPECT_FALSE(trainHead(head, train, FeatureSet(), resume));
}

TEST(Train, OptimizerStateKeepsTheParametersAndReadsOlderFiles) {
  std::string dir = testing::TempDir();
  OptimizerState st;
  st.step = 7;
  st.first = {{1.f, 2.f}, {3.f}};
  st.second = {{4.f, 5.f}, {6.f}};
  st.params = {{0.5f, -0.25f}, {8.f}};
  std::string path = dir + "/state.npy";
  ASSERT_TRUE(writeOptimizerState(path, st));
  auto back = readOptimizerState(path);
  ASSERT_TRUE(back) << back.status().message();
  EXPECT_EQ(back->step, 7);
  EXPECT_EQ(back->first, st.first);
  EXPECT_EQ(back->second, st.second);
  EXPECT_EQ(back->params, st.params);
  // A state written before parameters were kept: moments only.
  OptimizerState old = st;
  old.params.clear();
  ASSERT_TRUE(writeOptimizerState(path, old));
  back = readOptimizerState(path);
  ASSERT_TRUE(back) << back.status().message();
  EXPECT_TRUE(back->params.empty());
  EXPECT_EQ(back->second, st.second);
  // Values left over after the last tensor: damaged, not ignored.
  NpyArray extra{DType::kF64, {12}, {}};
  std::vector<double> flat = {1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 9};
  extra.data.resize(flat.size() * sizeof(double));
  std::memcpy(extra.data.data(), flat.data(), extra.data.size());
  ASSERT_TRUE(writeNpy(path, extra));
  auto damaged = readOptimizerState(path);
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.status().message().find("damaged"), std::string::npos);
  std::remove(path.c_str());
}

TEST(Probe, AHeadPerCutAndTheBestCut) {
  // Three "cuts" side by side: noise (3 features), separable blobs (4),
  // and the blobs blurred by noise (2). The blobs' cut wins.
  FeatureSet informative = blobs(3, 40, 4, 51), val = blobs(3, 20, 4, 52);
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0.f, 1.f);
  auto side = [&](const FeatureSet &f) {
    FeatureSet all;
    all.count = f.count;
    all.width = 9;
    all.labels = f.labels;
    for (int64_t i = 0; i < f.count; ++i) {
      for (int d = 0; d < 3; ++d)
        all.values.push_back(n(rng));
      for (int d = 0; d < 4; ++d)
        all.values.push_back(f.values[i * 4 + d]);
      for (int d = 0; d < 2; ++d)
        all.values.push_back(0.3f * f.values[i * 4 + d] + 3.f * n(rng));
    }
    return all;
  };
  FeatureSet train = side(informative), held = side(val);
  FeatureSet middle = featureColumns(train, 3, 4);
  ASSERT_EQ(middle.width, 4);
  EXPECT_EQ(middle.values[5], informative.values[5]);
  EXPECT_EQ(middle.labels, informative.labels);

  std::vector<ProbeCut> cuts = {
      {"noise", 1, 3, 10}, {"blobs", 2, 4, 20}, {"blurred", 3, 2, 30}};
  TrainOptions o;
  o.l2Auto = true;
  o.l2Grid = {1, 1e-2, 1e-4};
  std::vector<std::string> seen;
  auto fits = probeCuts(cuts, train, held, 3, o,
                        [&](const ProbeFit &f) { seen.push_back(f.cut.name); });
  ASSERT_TRUE(fits) << fits.status().message();
  EXPECT_EQ(seen, (std::vector<std::string>{"noise", "blobs", "blurred"}));
  ASSERT_EQ(fits->size(), 3u);
  EXPECT_EQ((*fits)[bestProbeFit(*fits)].cut.name, "blobs");
  EXPECT_GE((*fits)[1].valAccuracy, 0.95);
  EXPECT_LT((*fits)[0].valAccuracy, 0.6);
  // Each head takes its cut's raw columns (standardization folded in).
  EXPECT_DOUBLE_EQ(
      evaluateHead((*fits)[1].head, featureColumns(held, 3, 4)).accuracy,
      (*fits)[1].valAccuracy);
  // Equal accuracy and loss: the shallower (cheaper) cut.
  std::vector<ProbeFit> tie(2);
  tie[0].cut.depth = 9;
  tie[1].cut.depth = 4;
  tie[0].valAccuracy = tie[1].valAccuracy = 0.8;
  EXPECT_EQ(bestProbeFit(tie), 1u);
  // Cuts that do not add up to the features are an error.
  cuts.pop_back();
  EXPECT_FALSE(probeCuts(cuts, train, held, 3, o));
}

TEST(Evaluate, ConfusionPrecisionRecallOfAKnownHead) {
  // logits = x (identity weights): the prediction is the largest feature.
  Head head;
  HeadLayer l;
  l.in = l.out = 2;
  l.weight = {1, 0, 0, 1};
  l.bias = {0, 0};
  head.layers.push_back(l);
  FeatureSet data;
  data.count = 4;
  data.width = 2;
  // true 0 -> 0, true 0 -> 1, true 1 -> 1, true 1 -> 1
  data.values = {1, 0, 0, 1, 0, 1, 0, 1};
  data.labels = {0, 0, 1, 1};
  Evaluation e = evaluateHead(head, data);
  EXPECT_EQ(e.count, 4);
  EXPECT_DOUBLE_EQ(e.accuracy, 0.75);
  EXPECT_EQ(e.confusion, (std::vector<std::vector<int64_t>>{{1, 1}, {0, 2}}));
  EXPECT_DOUBLE_EQ(e.precision[0], 1.0);
  EXPECT_DOUBLE_EQ(e.recall[0], 0.5);
  EXPECT_NEAR(e.precision[1], 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(e.recall[1], 1.0);
  EXPECT_DOUBLE_EQ(e.top5, 1.0);
}

TEST(TopClasses, SoftmaxOrderAndClamping) {
  const float logits[4] = {1.f, 3.f, 2.f, -1.f};
  auto top = topClasses(logits, 4, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].first, 1);
  EXPECT_EQ(top[1].first, 2);
  EXPECT_EQ(top[2].first, 0);
  double sum = 0;
  for (float v : logits)
    sum += std::exp(double(v));
  EXPECT_NEAR(top[0].second, std::exp(3.0) / sum, 1e-6);
  EXPECT_EQ(topClasses(logits, 4, 10).size(), 4u);
  // Large logits do not overflow.
  const float huge[2] = {1000.f, 999.f};
  auto h = topClasses(huge, 2, 2);
  EXPECT_NEAR(h[0].second + h[1].second, 1.0, 1e-9);
}

TEST(Features, PermutationsSelectionAndNpy) {
  auto p = seededPermutation(100, 42);
  std::vector<size_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<size_t> identity(100);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_EQ(p, seededPermutation(100, 42));
  EXPECT_NE(p, seededPermutation(100, 43));
  EXPECT_NE(p, identity);

  FeatureSet f = blobs(2, 3, 2, 1);
  FeatureSet picked = selectRows(f, {5, 0});
  EXPECT_EQ(picked.count, 2);
  EXPECT_EQ(picked.labels, (std::vector<int64_t>{f.labels[5], f.labels[0]}));
  EXPECT_EQ(picked.values[0], f.values[10]);
  EXPECT_EQ(picked.values[3], f.values[1]);

  NpyArray values, labels;
  values.dtype = DType::kF32;
  values.shape = {f.count, f.width};
  values.data.resize(f.values.size() * 4);
  std::memcpy(values.data.data(), f.values.data(), values.data.size());
  labels.dtype = DType::kI64;
  labels.shape = {f.count};
  labels.data.resize(f.labels.size() * 8);
  std::memcpy(labels.data.data(), f.labels.data(), labels.data.size());
  auto back = featuresFromNpy(values, labels, "v.npy", "l.npy");
  ASSERT_TRUE(back) << back.status().message();
  EXPECT_EQ(back->values, f.values);
  EXPECT_EQ(back->labels, f.labels);
  NpyArray shortLabels = labels;
  shortLabels.shape = {f.count - 1};
  shortLabels.data.resize((f.count - 1) * 8);
  auto bad = featuresFromNpy(values, shortLabels, "v.npy", "l.npy");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("l.npy"), std::string::npos);
  NpyArray negative = labels;
  int64_t minusOne = -1;
  std::memcpy(negative.data.data(), &minusOne, 8);
  EXPECT_FALSE(featuresFromNpy(values, negative, "v.npy", "l.npy"));
}

} // namespace
