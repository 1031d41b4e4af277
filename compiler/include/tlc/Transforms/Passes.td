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
        `relu(conv(x) + r)` is one kernel;
      * a 1x1 conv over a channel concat of 2-4 tensors (SqueezeNet's fire
        modules) becomes a chain of 1x1 convs, one per part with its slice
        of the frozen weight, each adding the previous as its residual, so
        the concat is never written. Only when the concat has no other
        user and (parts - 1) * out_channels <= in_channels: the partial
        sums must cost less memory traffic than the concat.

    Results equal the unfused graph up to floating-point rounding.
  }];
  let dependentDialects = ["::mlir::tl::TLDialect"];
}

def TruncatePass : Pass<"tl-truncate", "func::FuncOp"> {
  let summary = "Cut the network at named layers or tensors";
  let description = [{
    Makes the chosen values the function's results and removes everything
    no result needs. Exactly one way of choosing is given:

      * `cut=NAME,...`: ONNX node names or tensor names (several cuts give
        several results, computed in one forward pass). A cut at a conv or
        fc includes the batch_norm that follows it: a layer as the user sees
        it.
      * `drop-last=N`: counting parametric layers (conv, fc, matmul by a
        weight) in program order, removes the last N; the result is the
        input of the N-th layer from the end.
      * `auto`: the penultimate features, i.e. `drop-last=1`; a spatial map
        there is globally average-pooled and flattened.

    The activation that follows a cut point (alone, or after its
    batch_norm) is kept unless `keep-activation=false`: features are then
    what the original network computed at that depth.
  }];
  let options = [
    ListOption<"cuts", "cut", "std::string",
               "node or tensor names to cut at">,
    Option<"dropLast", "drop-last", "int64_t", "0",
           "number of trailing parametric layers to remove">,
    Option<"automatic", "auto", "bool", "false",
           "cut at the penultimate features">,
    Option<"keepActivation", "keep-activation", "bool", "true",
           "extend a cut through the activation that follows it">
  ];
  let dependentDialects = ["::mlir::tl::TLDialect"];
}

def FoldBatchNormPass : Pass<"tl-fold-batchnorm", "func::FuncOp"> {
  let summary = "Fold inference BatchNorm into the preceding conv or fc";
  let description = [{
    `batch_norm(conv(x))` becomes one conv with scaled weights and a new
    bias. It never folds across an activation or a residual sum, and never
    when the conv's result has another consumer (including the function's
    return): those BatchNorms stay.
  }];
  let dependentDialects = ["::mlir::tl::TLDialect"];
}

def FoldConstantsPass : Pass<"tl-fold-constants", "func::FuncOp"> {
  let summary = "Fold constant subgraphs, Dropout and Identity";
  let description = [{
    Removes dropout and identity, evaluates ops whose operands are all
    frozen f32 constants (elementwise math, reshapes, transposes, concats),
    and folds per-channel Mul/Add/Sub/Div by constants into the weights and
    bias of the conv or fc they follow, or of the conv they precede (a
    shift before a conv only when the conv has no padding).
  }];
  let dependentDialects = ["::mlir::tl::TLDialect"];
}

def FcToConvPass : Pass<"tl-fc-to-conv", "func::FuncOp"> {
  let summary = "Turn FC layers into convolutions";
  let description = [{
    `fc(flatten(x))` over a [C, H, W] volume becomes a conv with an H x W
    kernel, and FC layers after it become 1 x 1 convs, so the network runs
    on any input at least as large as the original and returns a spatial
    map of scores (at the original size, a 1 x 1 map equal to the FC
    output). An FC after global pooling becomes a 1 x 1 conv; with
    `pool-after`, the pooling moves after it, to the end of the converted
    chain (exact: pooling commutes with the affine conv).
    When H and W are dynamic, the kernel is taken square.
  }];
  let options = [
    Option<"poolAfter", "pool-after", "bool", "false",
           "move global average pooling after the converted FC layers">
  ];
  let dependentDialects = ["::mlir::tl::TLDialect"];
}

def AttachHeadPass : Pass<"tl-attach-head", "func::FuncOp"> {
  let summary = "Attach a new, trainable classifier head";
  let description = [{
    Adds a head on the function's single result (the features): `spec` is
    `linear:CLASSES` or `mlp:H1,H2,...:CLASSES`. Spatial features are first
    globally average-pooled (`pool=avg`, the default; `max`; `avg+max`, both
    concatenated; or `flatten`).
    Hidden layers use `activation` and `dropout` (inference: the identity).
    Weights are Glorot-uniform (`init=glorot`) or He-uniform (`init=he`)
    from `seed`; biases are zero. The head's weights are the only
    `trainable` constants. The function then returns the logits
    (`logits`) and the features (`features`), so that training can cache
    features and serving can return both.
  }];
  let options = [
    Option<"spec", "spec", "std::string", "\"\"",
           "linear:CLASSES or mlp:H1,H2,...:CLASSES">,
    Option<"activation", "activation", "std::string", "\"relu\"",
           "activation of hidden layers: relu, gelu, silu, tanh, sigmoid">,
    Option<"dropout", "dropout", "double", "0.0",
           "dropout ratio of hidden layers (used when training)">,
    Option<"init", "init", "std::string", "\"glorot\"",
           "weight initialization: glorot or he">,
    Option<"seed", "seed", "uint64_t", "0", "seed of the initialization">,
    Option<"pool", "pool", "std::string", "\"avg\"",
           "how spatial features become a vector: avg, max, avg+max "
           "(both, concatenated) or flatten">
  ];
  let dependentDialects = ["::mlir::tl::TLDialect"];
}

def PoolOutputsPass : Pass<"tl-pool-outputs", "func::FuncOp"> {
  let summary = "Pool every spatial result into a vector per sample";
  let description = [{
    Each result of rank 3 or more becomes [N, F]: globally average-pooled
    (`pool=avg`), max-pooled (`max`), or both, concatenated (`avg+max`,
    F = 2C). Results keep their names. `tlc probe` compiles every candidate
    cut as one such output, so that one pass over an image gives each
    cut's features.
  }];
  let options = [
    Option<"pool", "pool", "std::string", "\"avg\"",
           "avg, max or avg+max">
  ];
  let dependentDialects = ["::mlir::tl::TLDialect"];
}

def ReducePrecisionPass : Pass<"tl-reduce-precision", "func::FuncOp"> {
  let summary = "Store the frozen backbone's weights in bf16 or int8 and "
                "record the precision it runs in";
  let description = [{
    With `precision=bf16`, every frozen f32 weight that only conv and fc ops
    read, as their weight operand, becomes a bf16 constant (rounded to
    nearest even): the artifact's weights halve. Biases and the trainable
    parameters of a head stay f32, and so does the data flowing between
    ops in the IR. The function gets `tl.precision = "bf16"`, which the
    artifact records: the runtime then computes those convs and fcs in bf16
    with f32 accumulation, keeps bf16 activations between kernels, and
    returns f32 results; the head, reading f32 features, trains as before.

    With `precision=int8`, such weights of convs and fcs whose input has a
    calibrated range (`tl.range`, set by `tlc compile --calibrate`) become
    `quant.uniform<i8<-127:127>:f32:0, {...}>` constants: symmetric, one
    scale per output channel (max |w| / 127). The runtime quantizes
    activations to their calibrated ranges and runs those layers on u8/s8
    data with s32 accumulation. Without any calibrated range the pass
    fails. `precision=f32` leaves the function as it is.
  }];
  let options = [
    Option<"precision", "precision", "std::string", "\"f32\"",
           "f32, bf16 or int8">
  ];
  let dependentDialects = ["::mlir::tl::TLDialect",
                           "::mlir::quant::QuantizationDialect"];
}

#endif // TLC_TRANSFORMS_PASSES_TD
