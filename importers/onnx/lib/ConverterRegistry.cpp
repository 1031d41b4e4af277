//===- ConverterRegistry.cpp - the table of ONNX op converters ------------===//

#include "ImportContext.h"

#include "tlc/Importers/Onnx/OnnxImporter.h"

using namespace tlc::onnx_importer;

void ConverterTable::add(llvm::StringRef opType, int64_t sinceVersion,
                         ConvertFn fn) {
  auto &versions = table[opType];
  versions.emplace_back(sinceVersion, fn);
  llvm::sort(versions, [](auto &a, auto &b) { return a.first < b.first; });
}

ConvertFn ConverterTable::lookup(llvm::StringRef opType, int64_t opset) const {
  auto it = table.find(opType);
  if (it == table.end())
    return nullptr;
  ConvertFn best = nullptr;
  for (auto [since, fn] : it->second)
    if (since <= opset)
      best = fn;
  return best;
}

int64_t ConverterTable::firstVersion(llvm::StringRef opType) const {
  auto it = table.find(opType);
  return it == table.end() ? 0 : it->second.front().first;
}

llvm::SmallVector<std::string> ConverterTable::opTypes(int64_t opset) const {
  llvm::SmallVector<std::string> ops;
  for (const auto &entry : table)
    if (lookup(entry.getKey(), opset))
      ops.push_back(entry.getKey().str());
  llvm::sort(ops);
  return ops;
}

const ConverterTable &ConverterTable::get() {
  static const ConverterTable instance = [] {
    ConverterTable t;
    registerElementwiseConverters(t);
    registerNNConverters(t);
    registerTensorConverters(t);
    return t;
  }();
  return instance;
}

llvm::SmallVector<std::string> tlc::onnx_importer::supportedOps(int64_t opset) {
  return ConverterTable::get().opTypes(opset);
}
