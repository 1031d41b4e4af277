//===- Passes.td - the passes of the tlc compiler ----------*- tablegen -*-===//
//
// Every pass of the project is declared here with its `tl-` flag, so that
// tl-opt and `tlc compile` see the same set.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_TRANSFORMS_PASSES_TD
#define TLC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapesPass : Pass<"tl-infer-shapes", "func::FuncOp"> {
  let summary = "Refine the result types of tl ops from their operands";
  let description = [{
    Re-runs every op's type inference in program order, so that types stay
    exact after a pass or an `input-shapes` option changes an argument type,
    then rewrites the function signature to match what it returns.
    `input-shapes` fixes dynamic dims of named arguments (the `tl.name`
    argument attribute, or `argN`), e.g. `input-shapes=input=1x3x224x224`;
    a fixed shape must be compatible with the declared one.
  }];
  let options = [
    ListOption<"inputShapes", "input-shapes", "std::string",
               "NAME=D0xD1x... pairs that fix argument shapes">
  ];
  let dependentDialects = ["::mlir::tl::TLDialect"];
}

#endif // TLC_TRANSFORMS_PASSES_TD
