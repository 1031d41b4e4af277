// RUN: tl-opt %s -split-input-file -tl-fold-constants | FileCheck %s

// Dropout and identity are the identity at inference.
// CHECK-LABEL: func @identities
// CHECK-NEXT:  %[[R:.*]] = tl.relu %arg0
// CHECK-NEXT:  return %[[R]]
func.func @identities(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = tl.dropout %x {ratio = 0.5 : f32} : tensor<2x3xf32>
  %1 = tl.identity %0 : tensor<2x3xf32>
  %2 = tl.relu %1 : tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// A subgraph of constants is evaluated: broadcasting add, then transpose,
// reshape and a unary op.
// CHECK-LABEL: func @constant_subgraph
// CHECK-NEXT:  %[[C:.*]] = tl.constant dense<{{\[}}1.100000e+01, 2.100000e+01, 1.200000e+01, 2.200000e+01, 1.300000e+01, 2.300000e+01]> : tensor<6xf32>
// CHECK-NEXT:  %[[A:.*]] = tl.add %arg0, %[[C]]
// CHECK-NEXT:  return %[[A]]
func.func @constant_subgraph(%x: tensor<6xf32>) -> tensor<6xf32> {
  %a = tl.constant dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>
  %b = tl.constant dense<[[10.0], [20.0]]> : tensor<2x1xf32>
  %0 = tl.add %a, %b : (tensor<1x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %1 = tl.transpose %0 {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %2 = tl.reshape %1 {shape = array<i64: 6>} : (tensor<3x2xf32>) -> tensor<6xf32>
  %3 = tl.abs %2 : tensor<6xf32>
  %4 = tl.add %x, %3 : (tensor<6xf32>, tensor<6xf32>) -> tensor<6xf32>
  return %4 : tensor<6xf32>
}

// -----

// The math ops of tlc/runtime/UnaryMath.h fold with their attributes:
// elu(alpha 0.5) of [-1, 2] = [0.5 (e^-1 - 1), 2], then shrink(bias 1,
// lambd 0.25): [-0.316 + 1, 2 - 1], then floor.
// CHECK-LABEL: func @math_folds
// CHECK-NEXT:  %[[C:.*]] = tl.constant dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:  %[[A:.*]] = tl.add %arg0, %[[C]]
// CHECK-NEXT:  return %[[A]]
func.func @math_folds(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = tl.constant dense<[-1.0, 2.0]> : tensor<2xf32>
  %0 = tl.elu %c {alpha = 0.5 : f32} : tensor<2xf32>
  %1 = tl.shrink %0 {bias = 1.0 : f32, lambd = 0.25 : f32} : tensor<2xf32>
  %2 = tl.floor %1 : tensor<2xf32>
  %3 = tl.add %x, %2 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %3 : tensor<2xf32>
}

// -----

// A per-channel scale and shift after a conv move into its weights and
// bias: (W x) * [2, 3] + [1, 1] with W = 1 and no bias.
// CHECK-LABEL: func @affine_after_conv
// CHECK-DAG:   %[[W:.*]] = tl.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG:   %[[B:.*]] = tl.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK:       %[[C:.*]] = tl.conv %arg0, %[[W]] bias(%[[B]])
// CHECK-NEXT:  return %[[C]]
func.func @affine_after_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = tl.constant dense<1.0> : tensor<2x1x1x1xf32>
  %s = tl.constant dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>
  %t = tl.constant dense<1.0> : tensor<1xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = tl.mul %s, %0 : (tensor<2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %2 = tl.add %1, %t : (tensor<1x2x4x4xf32>, tensor<1xf32>) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Sub and Div after an fc: (x W^T + 1) - 2, then / 4.
// CHECK-LABEL: func @affine_after_fc
// CHECK-DAG:   %[[W:.*]] = tl.constant dense<2.500000e-01> : tensor<1x2xf32>
// CHECK-DAG:   %[[B:.*]] = tl.constant dense<-2.500000e-01> : tensor<1xf32>
// CHECK:       tl.fc %arg0, %[[W]] bias(%[[B]])
// CHECK-NOT:   tl.sub
// CHECK-NOT:   tl.div
func.func @affine_after_fc(%x: tensor<3x2xf32>) -> tensor<3x1xf32> {
  %w = tl.constant dense<1.0> : tensor<1x2xf32>
  %b = tl.constant dense<1.0> : tensor<1xf32>
  %two = tl.constant dense<2.0> : tensor<1xf32>
  %four = tl.constant dense<4.0> : tensor<1xf32>
  %0 = tl.fc %x, %w bias(%b) : (tensor<3x2xf32>, tensor<1x2xf32>, tensor<1xf32>) -> tensor<3x1xf32>
  %1 = tl.sub %0, %two : (tensor<3x1xf32>, tensor<1xf32>) -> tensor<3x1xf32>
  %2 = tl.div %1, %four : (tensor<3x1xf32>, tensor<1xf32>) -> tensor<3x1xf32>
  return %2 : tensor<3x1xf32>
}

// -----

// Input normalization before an unpadded conv: conv((x - m) / s).
// W = 1 over 2 channels, m = [1, 2], s = [2, 4]: W' = [0.5, 0.25],
// b' = -(0.5 * 1 + 0.25 * 2) = -1.
// CHECK-LABEL: func @normalize_before_conv
// CHECK-DAG:   %[[W:.*]] = tl.constant dense<{{\[\[\[\[}}5.000000e-01]], {{\[\[}}2.500000e-01]]]]> : tensor<1x2x1x1xf32>
// CHECK-DAG:   %[[B:.*]] = tl.constant dense<-1.000000e+00> : tensor<1xf32>
// CHECK:       tl.conv %arg0, %[[W]] bias(%[[B]])
// CHECK-NOT:   tl.sub
// CHECK-NOT:   tl.div
func.func @normalize_before_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = tl.constant dense<1.0> : tensor<1x2x1x1xf32>
  %m = tl.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %s = tl.constant dense<[[[2.0]], [[4.0]]]> : tensor<2x1x1xf32>
  %0 = tl.sub %x, %m : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = tl.div %0, %s : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %2 = tl.conv %1, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32>
  return %2 : tensor<1x1x4x4xf32>
}

// -----

// A depthwise conv scales each channel's own filter.
// CHECK-LABEL: func @scale_before_depthwise
// CHECK-DAG:   %[[W:.*]] = tl.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK:       tl.conv %arg0, %[[W]]
// CHECK-NOT:   tl.mul
func.func @scale_before_depthwise(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x6x6xf32> {
  %w = tl.constant dense<1.0> : tensor<2x1x1x1xf32>
  %s = tl.constant dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>
  %0 = tl.mul %x, %s : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = tl.conv %0, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x6x6xf32>
  return %1 : tensor<1x2x6x6xf32>
}

// -----

// Not exact, so not folded: a shift before a padded conv, a constant that
// varies over space, and a scale after a conv that has an activation.
// CHECK-LABEL: func @not_foldable
// CHECK: tl.sub
// CHECK: tl.conv
// CHECK: tl.mul
// CHECK: tl.conv
// CHECK: tl.mul
func.func @not_foldable(%x: tensor<1x2x4x4xf32>) -> (tensor<1x1x6x6xf32>, tensor<1x1x4x4xf32>) {
  %w = tl.constant dense<1.0> : tensor<1x2x1x1xf32>
  %m = tl.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %map = tl.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]> : tensor<1x6xf32>
  %t = tl.constant dense<3.0> : tensor<1xf32>
  %0 = tl.sub %x, %m : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = tl.conv %0, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x6x6xf32>
  %2 = tl.mul %1, %map : (tensor<1x1x6x6xf32>, tensor<1x6xf32>) -> tensor<1x1x6x6xf32>
  %3 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, activation = #tl<activation relu>} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x4x4xf32>
  %4 = tl.mul %3, %t : (tensor<1x1x4x4xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  return %2, %4 : tensor<1x1x6x6xf32>, tensor<1x1x4x4xf32>
}

// -----

// A zero pad of the spatial dims (TensorFlow's "same" padding, exported)
// becomes the conv's own, asymmetric pads.
// CHECK-LABEL: func @pad_into_conv
// CHECK-NOT:   tl.pad
// CHECK:       tl.conv %arg0, %{{.*}} {{{.*}}pads = array<i64: 1, 0, 2, 1>{{.*}}} : (tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>) -> tensor<1x1x5x3xf32>
func.func @pad_into_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x5x3xf32> {
  %w = tl.constant dense<1.0> : tensor<1x2x3x3xf32>
  %0 = tl.pad %x {pads = array<i64: 0, 0, 0, 0, 0, 0, 1, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x5x5xf32>
  %1 = tl.conv %0, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x5x5xf32>, tensor<1x2x3x3xf32>) -> tensor<1x1x5x3xf32>
  return %1 : tensor<1x1x5x3xf32>
}

// -----

// A pad with a non-zero value, or of the channels, stays.
// CHECK-LABEL: func @pad_kept
// CHECK: tl.pad
// CHECK: tl.conv
func.func @pad_kept(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = tl.constant dense<1.0> : tensor<1x2x3x3xf32>
  %0 = tl.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 1.0 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x6x6xf32>
  %1 = tl.conv %0, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x2x6x6xf32>, tensor<1x2x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %1 : tensor<1x1x4x4xf32>
}
