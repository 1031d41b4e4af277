// RUN: tl-opt %s -split-input-file -tl-truncate=cut=conv1 | FileCheck %s --check-prefix=NODE
// RUN: tl-opt %s -split-input-file -tl-truncate="cut=conv1 keep-activation=false" | FileCheck %s --check-prefix=NOACT
// RUN: tl-opt %s -split-input-file -tl-truncate=cut=t_pool,conv1 | FileCheck %s --check-prefix=MULTI
// RUN: tl-opt %s -split-input-file -tl-truncate=drop-last=1 | FileCheck %s --check-prefix=DROP1
// RUN: tl-opt %s -split-input-file -tl-truncate=drop-last=2 | FileCheck %s --check-prefix=DROP2
// RUN: tl-opt %s -split-input-file -tl-truncate=auto | FileCheck %s --check-prefix=AUTO
// RUN: not tl-opt %s -split-input-file -tl-truncate=cut=conv2 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not tl-opt %s -split-input-file -tl-truncate=drop-last=3 2>&1 | FileCheck %s --check-prefix=TOOMANY
// RUN: not tl-opt %s -split-input-file -tl-truncate 2>&1 | FileCheck %s --check-prefix=NONE

// conv1 -> bn1 -> relu1 -> pool -> flatten -> fc1 -> relu2 -> fc2.
// A cut at a conv takes its BN and the activation that follows (a layer as
// the user sees it); everything after is removed.
// NODE-LABEL: func @net
// NODE-SAME:  -> (tensor<1x4x8x8xf32> {tl.name = "conv1"})
// NODE:       %[[R:.*]] = tl.relu
// NODE-NEXT:  return %[[R]]
// NODE-NOT:   tl.fc

// NOACT-LABEL: func @net
// NOACT:       %[[B:.*]] = tl.batch_norm
// NOACT-NEXT:  return %[[B]]

// A tensor name cuts there; several cuts give several results.
// MULTI-LABEL: func @net
// MULTI-SAME:  -> (tensor<1x4x4x4xf32> {tl.name = "t_pool"}, tensor<1x4x8x8xf32> {tl.name = "conv1"})
// MULTI:       %[[R:.*]] = tl.relu
// MULTI:       %[[P:.*]] = tl.max_pool %[[R]]
// MULTI-NEXT:  return %[[P]], %[[R]]

// drop-last=N cuts at the input of the N-th parametric layer from the end.
// DROP1-LABEL: func @net
// DROP1-SAME:  -> (tensor<1x8xf32> {tl.name = "features"})
// DROP1:       %[[F:.*]] = tl.relu %{{.*}} : tensor<1x8xf32>
// DROP1-NEXT:  return %[[F]]
// DROP2-LABEL: func @net
// DROP2-SAME:  -> (tensor<1x64xf32> {tl.name = "features"})
// DROP2:       %[[F:.*]] = tl.flatten
// DROP2-NEXT:  return %[[F]]

// auto: the input of the final classifier.
// AUTO-LABEL: func @net
// AUTO-SAME:  -> (tensor<1x8xf32> {tl.name = "features"})

// UNKNOWN: error: tl-truncate: no node or tensor named 'conv2'; did you mean 'conv1'?
// TOOMANY: error: tl-truncate: cannot drop 3 layer(s): the network has 3 parametric layer(s), and at least one must remain
// NONE: error: tl-truncate: give exactly one of cut=NAME,..., drop-last=N or auto

func.func @net(%x: tensor<1x3x8x8xf32>) -> tensor<1x2xf32> {
  %w = tl.constant dense<1.0> : tensor<4x3x3x3xf32>
  %p = tl.constant dense<1.0> : tensor<4xf32>
  %w1 = tl.constant dense<1.0> : tensor<8x64xf32>
  %w2 = tl.constant dense<1.0> : tensor<2x8xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> loc(#conv1)
  %1 = tl.batch_norm %0, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32> loc(#bn1)
  %2 = tl.relu %1 : tensor<1x4x8x8xf32> loc(#relu1)
  %3 = tl.max_pool %2 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32> loc(#pool)
  %4 = tl.flatten %3 {axis = 1 : i64} : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32> loc(#flatten)
  %5 = tl.fc %4, %w1 : (tensor<1x64xf32>, tensor<8x64xf32>) -> tensor<1x8xf32> loc(#fc1)
  %6 = tl.relu %5 : tensor<1x8xf32> loc(#relu2)
  %7 = tl.fc %6, %w2 : (tensor<1x8xf32>, tensor<2x8xf32>) -> tensor<1x2xf32> loc(#fc2)
  return %7 : tensor<1x2xf32>
}
#conv1 = loc("conv1"("t_conv"))
#bn1 = loc("bn1"("t_bn"))
#relu1 = loc("relu1"("t_relu"))
#pool = loc("pool"("t_pool"))
#flatten = loc("flatten"("t_flat"))
#fc1 = loc("fc1"("t_fc1"))
#relu2 = loc("relu2"("t_relu2"))
#fc2 = loc("fc2"("t_fc2"))
