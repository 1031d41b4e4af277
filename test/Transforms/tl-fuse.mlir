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
