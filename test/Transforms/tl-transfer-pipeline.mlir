// RUN: tl-opt %s --split-input-file --pass-pipeline='builtin.module(tl-transfer-pipeline{cut=auto head=linear:3 seed=7})' | FileCheck %s
// RUN: tl-opt %s --split-input-file --pass-pipeline='builtin.module(tl-transfer-pipeline{drop-last=1})' | FileCheck %s --check-prefix=DROP
// RUN: tl-opt %s --split-input-file --pass-pipeline='builtin.module(tl-transfer-pipeline)' | FileCheck %s --check-prefix=NONE

// The whole recipe by name: cut at the penultimate features, fold the
// BatchNorm into the conv, attach a linear head, fuse the ReLU into the
// conv. The result returns the head's logits and the features.
// CHECK-LABEL: func @classifier
// CHECK-SAME:  -> (tensor<1x3xf32> {tl.name = "logits"}, tensor<1x4xf32> {tl.name = "features"})
// CHECK-NOT:   tl.batch_norm
// CHECK:       %[[B:.*]] = tl.constant trainable {{.*}} : tensor<3xf32>
// CHECK:       %[[W:.*]] = tl.constant trainable {{.*}} : tensor<3x4xf32>
// CHECK:       tl.conv {{.*}}activation = #tl<activation relu>
// CHECK:       %[[F:.*]] = tl.flatten
// CHECK:       %[[L:.*]] = tl.fc %[[F]], %[[W]] bias(%[[B]])
// CHECK:       return %[[L]], %[[F]]
// DROP-LABEL:  func @classifier
// DROP-SAME:   -> (tensor<1x4xf32> {tl.name = "features"})
// DROP-NOT:    tl.fc
// NONE-LABEL:  func @classifier
// NONE-SAME:   -> tensor<1x10xf32>
// NONE-NOT:    tl.batch_norm
// NONE:        tl.fc
func.func @classifier(%x: tensor<1x3x6x6xf32>) -> tensor<1x10xf32> {
  %w = tl.constant dense<0.5> : tensor<4x3x3x3xf32>
  %s = tl.constant dense<1.0> : tensor<4xf32>
  %b = tl.constant dense<0.1> : tensor<4xf32>
  %m = tl.constant dense<0.2> : tensor<4xf32>
  %v = tl.constant dense<2.0> : tensor<4xf32>
  %wf = tl.constant dense<0.25> : tensor<10x4xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x6x6xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = tl.batch_norm %0, %s, %b, %m, %v {epsilon = 1.0e-5 : f32} : (tensor<1x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  %2 = tl.relu %1 : tensor<1x4x6x6xf32>
  %3 = tl.global_avg_pool %2 : (tensor<1x4x6x6xf32>) -> tensor<1x4x1x1xf32>
  %4 = tl.flatten %3 {axis = 1 : i64} : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
  %5 = tl.fc %4, %wf : (tensor<1x4xf32>, tensor<10x4xf32>) -> tensor<1x10xf32>
  return %5 : tensor<1x10xf32>
}
