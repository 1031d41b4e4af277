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

def FusePass : Pass<"tl-fuse", "func::FuncOp"> {
  let summary = "Fuse activations and residual sums into conv and fc";
  let description = [{
    Chooses the post-ops the CPU executor runs inside a conv or fc kernel:

      * `mul(x, sigmoid(x))` becomes `silu(x)` (how exporters write SiLU);
      * an activation whose operand is a conv/fc result used only by it
        becomes that op's `activation` (relu, clip, sigmoid, tanh,
        hard_sigmoid, hard_swish, silu, gelu, leaky_relu);
      * `add(conv(...), r)` with equal shapes, where the conv has no
        activation yet and no other user, becomes the conv's `residual`
        operand; an activation after it then fuses too:
        `relu(conv(x) + r)` is one kernel.

    Results equal the unfused graph up to floating-point rounding.
  }];
  let dependentDialects = ["::mlir::tl::TLDialect"];
}

#endif // TLC_TRANSFORMS_PASSES_TD
