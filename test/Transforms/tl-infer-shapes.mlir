// RUN: tl-opt %s -split-input-file -tl-infer-shapes='input-shapes=input=4x3x8x8' | FileCheck %s
// RUN: tl-opt %s -split-input-file -tl-infer-shapes -verify-diagnostics -o /dev/null

// Fixing a dynamic batch makes every type and the signature static.
// CHECK-LABEL: func @fix_batch(%arg0: tensor<4x3x8x8xf32> {tl.name = "input"}) -> tensor<4x48xf32>
func.func @fix_batch(%x: tensor<?x3x8x8xf32> {tl.name = "input"}) -> tensor<?x48xf32> {
  %w = tl.constant dense<1.0> : tensor<3x3x1x1xf32>
  // CHECK: tl.conv {{.*}} -> tensor<4x3x4x4xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<?x3x8x8xf32>, tensor<3x3x1x1xf32>) -> tensor<?x3x4x4xf32>
  // CHECK: tl.relu {{.*}} : tensor<4x3x4x4xf32>
  %1 = tl.relu %0 : tensor<?x3x4x4xf32>
  // CHECK: tl.flatten {{.*}} -> tensor<4x48xf32>
  %2 = tl.flatten %1 {axis = 1 : i64} : (tensor<?x3x4x4xf32>) -> tensor<?x48xf32>
  // CHECK: return {{.*}} : tensor<4x48xf32>
  return %2 : tensor<?x48xf32>
}
