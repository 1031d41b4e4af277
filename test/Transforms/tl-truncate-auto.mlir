// RUN: tl-opt %s -tl-truncate=auto | FileCheck %s

// SqueezeNet's classifier is a 1x1 conv over a spatial map: the automatic
// cut takes its input and pools it into a feature vector.
// CHECK-LABEL: func @conv_classifier
// CHECK-SAME:  -> (tensor<1x8xf32> {tl.name = "features"})
// CHECK:       %[[C:.*]] = tl.dropout
// CHECK-NEXT:  %[[P:.*]] = tl.global_avg_pool %[[C]]
// CHECK-NEXT:  %[[F:.*]] = tl.flatten %[[P]] {axis = 1 : i64}
// CHECK-NEXT:  return %[[F]]
func.func @conv_classifier(%x: tensor<1x3x6x6xf32>) -> tensor<1x10xf32> {
  %w = tl.constant dense<1.0> : tensor<4x3x1x1xf32>
  %wc = tl.constant dense<1.0> : tensor<10x8x1x1xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x6x6xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x6x6xf32>
  %1 = tl.concat %0, %0 {axis = 1 : i64} : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x8x6x6xf32>
  %2 = tl.dropout %1 {ratio = 0.5 : f32} : tensor<1x8x6x6xf32>
  %3 = tl.conv %2, %wc {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x8x6x6xf32>, tensor<10x8x1x1xf32>) -> tensor<1x10x6x6xf32>
  %4 = tl.relu %3 : tensor<1x10x6x6xf32>
  %5 = tl.global_avg_pool %4 : (tensor<1x10x6x6xf32>) -> tensor<1x10x1x1xf32>
  %6 = tl.flatten %5 {axis = 1 : i64} : (tensor<1x10x1x1xf32>) -> tensor<1x10xf32>
  return %6 : tensor<1x10xf32>
}
