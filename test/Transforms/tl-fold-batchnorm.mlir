// RUN: tl-opt %s -split-input-file -tl-fold-batchnorm | FileCheck %s

// BN right after a conv folds: s = scale / sqrt(var + eps) = [2, 0.5];
// W' = W * s; b' = (b - mean) * s + bias = [(1-1)*2+3, (2-4)*0.5+1].
// CHECK-LABEL: func @conv_bn
// CHECK-DAG:   %[[W:.*]] = tl.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}5.000000e-01]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG:   %[[B:.*]] = tl.constant dense<[3.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK:       %[[C:.*]] = tl.conv %arg0, %[[W]] bias(%[[B]])
// CHECK-NOT:   tl.batch_norm
// CHECK:       return %[[C]]
func.func @conv_bn(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = tl.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = tl.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %scale = tl.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %bias = tl.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %mean = tl.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %var = tl.constant dense<[0.75, 3.75]> : tensor<2xf32>
  %0 = tl.conv %x, %w bias(%b) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %1 = tl.batch_norm %0, %scale, %bias, %mean, %var {epsilon = 0.25 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// A conv without bias gets one; an fc (BatchNorm1d) folds the same way.
// CHECK-LABEL: func @fc_bn
// CHECK-DAG:   %[[W:.*]] = tl.constant dense<2.000000e+00> : tensor<1x2xf32>
// CHECK-DAG:   %[[B:.*]] = tl.constant dense<-2.000000e+00> : tensor<1xf32>
// CHECK:       tl.fc %arg0, %[[W]] bias(%[[B]])
// CHECK-NOT:   tl.batch_norm
func.func @fc_bn(%x: tensor<3x2xf32>) -> tensor<3x1xf32> {
  %w = tl.constant dense<1.0> : tensor<1x2xf32>
  %one = tl.constant dense<1.0> : tensor<1xf32>
  %zero = tl.constant dense<0.0> : tensor<1xf32>
  %var = tl.constant dense<0.25> : tensor<1xf32>
  %0 = tl.fc %x, %w : (tensor<3x2xf32>, tensor<1x2xf32>) -> tensor<3x1xf32>
  %1 = tl.batch_norm %0, %one, %zero, %one, %var {epsilon = 0.0 : f32} : (tensor<3x1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<3x1xf32>
  return %1 : tensor<3x1xf32>
}

// -----

// Trap 1: BN after a ReLU is not folded across the nonlinearity.
// CHECK-LABEL: func @bn_after_relu
// CHECK: tl.conv
// CHECK: tl.relu
// CHECK: tl.batch_norm
func.func @bn_after_relu(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = tl.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = tl.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = tl.relu %0 : tensor<1x2x4x4xf32>
  %2 = tl.batch_norm %1, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Trap 2: the conv's output has another consumer.
// CHECK-LABEL: func @conv_two_consumers
// CHECK: %[[C:.*]] = tl.conv
// CHECK: tl.batch_norm %[[C]]
// CHECK: tl.relu %[[C]]
func.func @conv_two_consumers(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = tl.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = tl.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = tl.batch_norm %0, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %2 = tl.relu %0 : tensor<1x2x4x4xf32>
  return %1, %2 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Trap 3: the conv's output is also a graph output.
// CHECK-LABEL: func @conv_is_output
// CHECK: %[[C:.*]] = tl.conv
// CHECK: %[[N:.*]] = tl.batch_norm %[[C]]
// CHECK: return %[[N]], %[[C]]
func.func @conv_is_output(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = tl.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = tl.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = tl.batch_norm %0, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1, %0 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A conv that already adds a residual, or whose weights are not constants,
// keeps its BN.
// CHECK-LABEL: func @not_frozen
// CHECK: tl.batch_norm
func.func @not_frozen(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %p = tl.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = tl.batch_norm %0, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}
