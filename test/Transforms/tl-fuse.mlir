// RUN: tl-opt %s -split-input-file -tl-fuse | FileCheck %s

// A ReLU after a conv becomes the conv's activation.
// CHECK-LABEL: func @conv_relu
// CHECK:       %[[C:.*]] = tl.conv {{.*}}activation = #tl<activation relu>
// CHECK-NOT:   tl.relu
// CHECK:       return %[[C]]
func.func @conv_relu(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = tl.relu %0 : tensor<1x4x6x6xf32>
  return %1 : tensor<1x4x6x6xf32>
}

// -----

// ReLU6 (clip) keeps its bounds as act_alpha/act_beta.
// CHECK-LABEL: func @conv_clip
// CHECK: tl.conv {{.*}}act_beta = 6.000000e+00 : f32, activation = #tl<activation clip>
// CHECK-NOT: tl.clip
func.func @conv_clip(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = tl.clip %0 {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4x6x6xf32>
  return %1 : tensor<1x4x6x6xf32>
}

// -----

// x * sigmoid(x) is SiLU, which then fuses into the conv.
// CHECK-LABEL: func @conv_silu
// CHECK: tl.conv {{.*}}activation = #tl<activation silu>
// CHECK-NOT: tl.sigmoid
// CHECK-NOT: tl.mul
func.func @conv_silu(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = tl.sigmoid %0 : tensor<1x4x6x6xf32>
  %2 = tl.mul %1, %0 : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  return %2 : tensor<1x4x6x6xf32>
}

// -----

// ResNet's relu(conv(x) + identity) becomes one conv: residual, then relu.
// CHECK-LABEL: func @residual_block
// CHECK:       %[[C:.*]] = tl.conv %arg0, %arg1 residual(%arg0) {activation = #tl<activation relu>
// CHECK-NOT:   tl.add
// CHECK-NOT:   tl.relu
// CHECK:       return %[[C]]
func.func @residual_block(%x: tensor<1x4x6x6xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = tl.add %0, %x : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %2 = tl.relu %1 : tensor<1x4x6x6xf32>
  return %2 : tensor<1x4x6x6xf32>
}

// -----

// Not fused: the conv result has a second user, and an activation before
// the add must stay before it (relu(conv) + r is not conv + r then relu).
// CHECK-LABEL: func @no_fusion
// CHECK: %[[C:.*]] = tl.conv
// CHECK-NOT: activation
// CHECK: tl.relu %[[C]]
// CHECK: tl.add
func.func @no_fusion(%x: tensor<1x4x6x6xf32>, %w: tensor<4x4x3x3xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) {
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = tl.relu %0 : tensor<1x4x6x6xf32>
  %2 = tl.add %0, %x : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  return %1, %2 : tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>
}

// -----

// A broadcasting add is not a residual sum.
// CHECK-LABEL: func @broadcast_add
// CHECK: tl.conv
// CHECK-NOT: residual
// CHECK: tl.add
func.func @broadcast_add(%x: tensor<1x4x6x6xf32>, %w: tensor<4x4x3x3xf32>, %b: tensor<4x1x1xf32>) -> tensor<1x4x6x6xf32> {
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = tl.add %0, %b : (tensor<1x4x6x6xf32>, tensor<4x1x1xf32>) -> tensor<1x4x6x6xf32>
  return %1 : tensor<1x4x6x6xf32>
}

// -----

// A 1x1 conv over a channel concat (SqueezeNet's fire modules) becomes two
// convs: the first reads x with input channels [0, 2) of the weight, the
// second reads y with channels [2, 4), adds the first as its residual and
// carries the bias and the ReLU. The concat is gone.
// CHECK-LABEL: func @concat_conv
// CHECK-DAG:   %[[W0:.*]] = tl.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}5.000000e+00]], {{\[\[}}6.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG:   %[[W1:.*]] = tl.constant dense<{{\[\[\[\[}}3.000000e+00]], {{\[\[}}4.000000e+00]]], {{\[\[\[}}7.000000e+00]], {{\[\[}}8.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG:   %[[B:.*]] = tl.constant dense<[1.000000e+00, 2.000000e+00]>
// CHECK:       %[[P:.*]] = tl.conv %arg0, %[[W0]] {dilations
// CHECK-NOT:   activation
// CHECK-SAME:  -> tensor<1x2x5x5xf32>
// CHECK:       %[[C:.*]] = tl.conv %arg1, %[[W1]] bias(%[[B]]) residual(%[[P]]) {activation = #tl<activation relu>
// CHECK-NOT:   tl.concat
// CHECK:       return %[[C]]
func.func @concat_conv(%x: tensor<1x2x5x5xf32>, %y: tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %w = tl.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]], [[[5.0]], [[6.0]], [[7.0]], [[8.0]]]]> : tensor<2x4x1x1xf32>
  %b = tl.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = tl.concat %x, %y {axis = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x4x5x5xf32>
  %1 = tl.conv %0, %w bias(%b) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x5x5xf32>, tensor<2x4x1x1xf32>, tensor<2xf32>) -> tensor<1x2x5x5xf32>
  %2 = tl.relu %1 : tensor<1x2x5x5xf32>
  return %2 : tensor<1x2x5x5xf32>
}

// -----

// Not split: %0 is also returned; %3 is a 3x3 conv; %5's weight is
// trainable; %7 makes 8 channels from 4 in 2 parts, and writing and reading
// back (2 - 1) * 8 channels of partial sums costs more than the concat's 4.
// CHECK-LABEL: func @concat_conv_kept
// CHECK-COUNT-4: tl.concat
func.func @concat_conv_kept(%x: tensor<1x2x5x5xf32>, %y: tensor<1x2x5x5xf32>, %w3: tensor<2x4x3x3xf32>) -> (tensor<1x4x5x5xf32>, tensor<1x2x5x5xf32>, tensor<1x2x3x3xf32>, tensor<1x2x5x5xf32>, tensor<1x8x5x5xf32>) {
  %w = tl.constant dense<1.0> : tensor<2x4x1x1xf32>
  %t = tl.constant trainable dense<1.0> : tensor<2x4x1x1xf32>
  %w8 = tl.constant dense<1.0> : tensor<8x4x1x1xf32>
  %0 = tl.concat %x, %y {axis = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x4x5x5xf32>
  %1 = tl.conv %0, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x5x5xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x5x5xf32>
  %2 = tl.concat %x, %y {axis = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x4x5x5xf32>
  %3 = tl.conv %2, %w3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x5x5xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x3x3xf32>
  %4 = tl.concat %y, %x {axis = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x4x5x5xf32>
  %5 = tl.conv %4, %t {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x5x5xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x5x5xf32>
  %6 = tl.concat %x, %x {axis = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x4x5x5xf32>
  %7 = tl.conv %6, %w8 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x5x5xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x5x5xf32>
  return %0, %1, %3, %5, %7 : tensor<1x4x5x5xf32>, tensor<1x2x5x5xf32>, tensor<1x2x3x3xf32>, tensor<1x2x5x5xf32>, tensor<1x8x5x5xf32>
}
