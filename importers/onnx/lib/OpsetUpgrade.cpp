//===- OpsetUpgrade.cpp - old opsets through ONNX's version converter -----===//
//
// ONNX's checker and version converter report errors as C++ exceptions, so
// this file alone is compiled with -fexceptions (LLVM and MLIR are not); no
// exception leaves it.
//
//===----------------------------------------------------------------------===//

#include "ModelLoader.h"

#include "llvm/ADT/StringSet.h"

#include <onnx/checker.h>
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <exception>

namespace {

llvm::Error refuse(const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), why.str());
}

/// What libonnx's IR import (graphProtoToGraph) takes for granted and
/// onnx.checker does not check: it dereferences the value of every name
/// without looking, so a graph output, node input or value_info that names
/// nothing crashes it. Checked here on the graph the converter will see.
llvm::Error checkForConverter(const onnx::GraphProto &graph) {
  llvm::StringSet<> defined;
  auto define = [&](const std::string &name, const char *what) -> llvm::Error {
    if (name.empty())
      return refuse(llvm::Twine(what) + " has an empty name");
    if (!defined.insert(name).second)
      return refuse("tensor '" + name + "' is defined twice");
    return llvm::Error::success();
  };
  for (const auto &in : graph.input())
    if (auto err = define(in.name(), "a graph input"))
      return err;
  for (const auto &node : graph.node()) {
    for (const auto &attr : node.attribute())
      if (attr.has_g() || attr.graphs_size() > 0)
        return refuse("node '" + node.name() + "' (" + node.op_type() +
                      ") holds a subgraph; models with subgraphs are not "
                      "upgraded");
    for (const std::string &in : node.input())
      if (!in.empty() && !defined.contains(in))
        return refuse("input '" + in + "' of node '" + node.name() +
                      "' is not defined before its use");
    for (const std::string &out : node.output())
      if (!out.empty())
        if (auto err = define(out, "a node output"))
          return err;
  }
  for (const auto &out : graph.output())
    if (!defined.contains(out.name()))
      return refuse("graph output '" + out.name() +
                    "' is not produced by any node or input");
  return llvm::Error::success();
}

} // namespace

llvm::Error tlc::onnx_importer::upgradeOpset(onnx::ModelProto &model,
                                             int64_t targetOpset) {
  // The graph without its weights; each initializer that is not a graph
  // input is declared as one (name, type, shape), so that the checker and
  // the converter see every tensor defined, and is taken out again after.
  onnx::ModelProto graphOnly;
  *graphOnly.mutable_opset_import() = model.opset_import();
  graphOnly.set_ir_version(model.ir_version());
  onnx::GraphProto &graph = *graphOnly.mutable_graph();
  const onnx::GraphProto &original = model.graph();
  *graph.mutable_node() = original.node();
  *graph.mutable_input() = original.input();
  *graph.mutable_output() = original.output();
  // value_info is left out: shapes the importer infers itself, and the IR
  // import would dereference an entry that names nothing.
  graph.set_name(original.name());
  llvm::StringSet<> inputs, declared;
  for (const auto &in : original.input())
    inputs.insert(in.name());
  for (const auto &init : original.initializer()) {
    if (inputs.contains(init.name()) || !declared.insert(init.name()).second)
      continue;
    onnx::ValueInfoProto *in = graph.add_input();
    in->set_name(init.name());
    auto *type = in->mutable_type()->mutable_tensor_type();
    type->set_elem_type(init.data_type());
    auto *shape = type->mutable_shape();
    for (int64_t d : init.dims())
      shape->add_dim()->set_dim_value(d);
  }
  if (auto err = checkForConverter(graph))
    return err;
  onnx::ModelProto upgraded;
  try {
    onnx::checker::CheckerContext checkerContext;
    checkerContext.set_ir_version(static_cast<int>(model.ir_version()));
    std::unordered_map<std::string, int> opsets;
    for (const auto &entry : model.opset_import())
      opsets[entry.domain()] = static_cast<int>(entry.version());
    checkerContext.set_opset_imports(opsets);
    onnx::checker::LexicalScopeContext scope;
    onnx::checker::check_graph(graph, checkerContext, scope);
    upgraded = onnx::version_conversion::ConvertVersion(
        graphOnly, static_cast<int>(targetOpset));
  } catch (const std::exception &e) {
    // ONNX's messages run over lines ("...\n\n==> Context: ..."): one line.
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(e.what()).split(lines, '\n', -1, /*KeepEmpty=*/false);
    std::string message;
    for (llvm::StringRef line : lines) {
      if (line.trim().empty())
        continue;
      if (!message.empty())
        message += "; ";
      message += line.trim().str();
    }
    return refuse(message);
  }
  onnx::GraphProto &out = *upgraded.mutable_graph();
  auto *outInputs = out.mutable_input();
  outInputs->erase(std::remove_if(outInputs->begin(), outInputs->end(),
                                  [&](const onnx::ValueInfoProto &in) {
                                    return declared.contains(in.name());
                                  }),
                   outInputs->end());
  // The weights go back; one the converter made (an attribute that became
  // an input) is kept as it is.
  llvm::StringSet<> made;
  for (const auto &init : out.initializer())
    made.insert(init.name());
  for (auto &init : *model.mutable_graph()->mutable_initializer())
    if (!made.contains(init.name()))
      out.add_initializer()->Swap(&init);
  *upgraded.mutable_metadata_props() = model.metadata_props();
  model.Swap(&upgraded);
  return llvm::Error::success();
}
