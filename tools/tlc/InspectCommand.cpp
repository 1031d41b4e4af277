//===- InspectCommand.cpp - tlc inspect -----------------------------------===//
//
//   tlc inspect MODEL.onnx [--input-shape NAME=SHAPE]... [--json]
//                          [--cuts-only]
//
// Imports the model, folds Identity/Dropout away, and prints one row per
// layer (index, name, op, output shape, parameters, MACs per sample) with
// the candidate cut points marked: block boundaries (`*`), where a single
// tensor carries everything downstream, block ends among them (`end`: a
// residual merge, a fork, a pooling layer), and the penultimate features
// (`auto`), with the feature size at each. The names are what
// `tlc compile --cut` takes.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "tlc/Analysis/NetworkSummary.h"
#include "tlc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace tlc::tool;
namespace cl = llvm::cl;

namespace {

cl::SubCommand inspectCmd("inspect",
                          "Show the layers of an ONNX model and where it "
                          "can be cut");
cl::opt<std::string> input(cl::Positional, cl::desc("MODEL.onnx"),
                           cl::sub(inspectCmd));
cl::list<std::string> shapes("input-shape",
                             cl::desc("Fix an input's shape, e.g. "
                                      "input=1x3x224x224; repeatable"),
                             cl::value_desc("NAME=SHAPE"), cl::sub(inspectCmd));
cl::opt<bool> json("json", cl::desc("Print JSON"), cl::sub(inspectCmd));
cl::opt<bool> cutsOnly("cuts-only",
                       cl::desc("Show only the candidate cut points"),
                       cl::sub(inspectCmd));

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "x" : "") + (d < 0 ? std::string("?") : std::to_string(d));
  return s;
}

const char *cutMark(const tl::LayerSummary &layer) {
  return layer.penultimate     ? "auto"
         : layer.blockEnd      ? "end"
         : layer.blockBoundary ? "*"
                               : "";
}

void printJson(const tl::NetworkSummary &summary) {
  llvm::json::OStream j(llvm::outs(), /*IndentSize=*/2);
  auto optional = [&](llvm::StringRef key, std::optional<int64_t> v) {
    if (v)
      j.attribute(key, *v);
    else
      j.attribute(key, nullptr);
  };
  j.object([&] {
    j.attribute("model", input.getValue());
    j.attributeArray("layers", [&] {
      for (const tl::LayerSummary &layer : summary.layers) {
        if (cutsOnly && !layer.blockBoundary && !layer.penultimate)
          continue;
        j.object([&] {
          j.attribute("index", static_cast<int64_t>(layer.index));
          j.attribute("name", layer.name);
          j.attribute("op", layer.op);
          j.attributeArray("shape", [&] {
            for (int64_t d : layer.shape)
              j.value(d);
          });
          j.attribute("params", layer.params);
          optional("macs", layer.macs);
          if (layer.penultimate)
            j.attribute("cut", "penultimate");
          else if (layer.blockBoundary)
            j.attribute("cut", "block");
          else
            j.attribute("cut", nullptr);
          j.attribute("block_end", layer.blockEnd);
          optional("macs_up_to", layer.macsUpTo);
          optional("feature_size", layer.featureSize);
        });
      }
    });
    j.attribute("total_params", summary.totalParams);
    optional("total_macs", summary.totalMacs);
  });
  llvm::outs() << "\n";
}

void printTable(const tl::NetworkSummary &summary) {
  size_t nameWidth = 4;
  for (const tl::LayerSummary &layer : summary.layers)
    nameWidth = std::max(nameWidth, layer.name.size());
  nameWidth = std::min<size_t>(nameWidth, 60);
  auto &os = llvm::outs();
  os << llvm::right_justify("#", 5) << "  "
     << llvm::left_justify("name", nameWidth) << "  "
     << llvm::left_justify("op", 16) << "  " << llvm::left_justify("output", 18)
     << llvm::right_justify("params", 10) << llvm::right_justify("MACs", 10)
     << "  cut  features\n";
  size_t cuts = 0;
  for (const tl::LayerSummary &layer : summary.layers) {
    const char *mark = cutMark(layer);
    if (*mark)
      ++cuts;
    if (cutsOnly && !*mark)
      continue;
    std::string name = layer.name;
    if (name.size() > nameWidth) // keep the informative end
      name = "..." + name.substr(name.size() - nameWidth + 3);
    os << llvm::format("%5u  ", layer.index)
       << llvm::left_justify(name, nameWidth) << "  "
       << llvm::left_justify(layer.op, 16) << "  "
       << llvm::left_justify(shapeString(layer.shape), 18)
       << llvm::right_justify(humanCount(layer.params), 10)
       << llvm::right_justify(humanCount(layer.macs), 10) << "  "
       << llvm::left_justify(mark, 4) << " "
       << (*mark && layer.featureSize ? std::to_string(*layer.featureSize)
                                      : std::string(*mark ? "?" : ""))
       << "\n";
  }
  os << "\n"
     << summary.layers.size() << " layers, " << humanCount(summary.totalParams)
     << " parameters ("
     << llvm::format("%.1f", summary.totalParams * 4.0 / (1 << 20))
     << " MiB as f32), " << humanCount(summary.totalMacs)
     << " MACs per sample; " << cuts
     << " candidate cut points (* block boundary, end: the end of a block, "
        "what `tlc probe` tries; auto: the penultimate features, `tlc "
        "compile --cut auto`)\n";
}

} // namespace

std::optional<int> tlc::tool::runInspectCommand(MLIRContext &context) {
  if (!inspectCmd)
    return std::nullopt;
  if (input.empty()) {
    llvm::errs() << "tlc: error: usage: tlc inspect MODEL.onnx [--json]\n";
    return kUsage;
  }
  int exitCode = kOk;
  auto module = importModel(context, input, shapes, exitCode);
  if (!module)
    return exitCode;
  auto summary = summarizeModule(context, *module);
  if (!summary)
    return kFailed;
  if (json)
    printJson(*summary);
  else
    printTable(*summary);
  return kOk;
}

/// 1234567 -> "1.23M".
std::string tlc::tool::humanCount(std::optional<int64_t> n) {
  if (!n)
    return "?";
  const char *units[] = {"", "K", "M", "G", "T"};
  double v = static_cast<double>(*n);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  std::string out;
  llvm::raw_string_ostream os(out);
  if (u == 0)
    os << *n;
  else
    os << llvm::format("%.2f", v) << units[u];
  return out;
}

std::optional<tl::NetworkSummary>
tlc::tool::summarizeModule(MLIRContext &context, ModuleOp module) {
  PassManager pm(&context);
  pm.addNestedPass<func::FuncOp>(tl::createInferShapesPass());
  pm.addNestedPass<func::FuncOp>(tl::createFoldConstantsPass());
  if (failed(pm.run(module)))
    return std::nullopt;
  return tl::summarizeNetwork(*module.getOps<func::FuncOp>().begin());
}
