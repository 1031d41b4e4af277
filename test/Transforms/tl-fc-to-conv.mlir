// RUN: tl-opt %s -split-input-file -tl-fc-to-conv | FileCheck %s
// RUN: tl-opt %s -split-input-file -tl-fc-to-conv=pool-after | FileCheck %s --check-prefix=AFTER

// VGG's classifier: flatten of a 2x3x3 volume, fc, relu, dropout, fc. The
// first FC becomes a 3x3 conv over the volume, the second a 1x1 conv; the
// ops between keep working on the map, and the result is a score map.
// CHECK-LABEL: func @vgg_like
// CHECK-SAME:  (%[[X:.*]]: tensor<1x2x?x?xf32>) -> tensor<1x3x?x?xf32>
// CHECK-NOT:   tl.flatten
// CHECK:       %[[C1:.*]] = tl.conv %[[X]], %{{.*}} bias(%{{.*}}) {{.*}}: (tensor<1x2x?x?xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x?x?xf32>
// CHECK-NEXT:  %[[R:.*]] = tl.relu %[[C1]] : tensor<1x4x?x?xf32>
// CHECK-NEXT:  %[[D:.*]] = tl.dropout %[[R]] {{.*}} : tensor<1x4x?x?xf32>
// CHECK:       %[[C2:.*]] = tl.conv %[[D]], %{{.*}} : (tensor<1x4x?x?xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x?x?xf32>
// CHECK-NEXT:  return %[[C2]]
func.func @vgg_like(%x: tensor<1x2x?x?xf32>) -> tensor<1x3xf32> {
  %w1 = tl.constant dense<1.0> : tensor<4x18xf32>
  %b1 = tl.constant dense<1.0> : tensor<4xf32>
  %w2 = tl.constant dense<1.0> : tensor<3x4xf32>
  %0 = tl.flatten %x {axis = 1 : i64} : (tensor<1x2x?x?xf32>) -> tensor<1x?xf32>
  %1 = tl.fc %0, %w1 bias(%b1) : (tensor<1x?xf32>, tensor<4x18xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %2 = tl.relu %1 : tensor<1x4xf32>
  %3 = tl.dropout %2 {ratio = 0.5 : f32} : tensor<1x4xf32>
  %4 = tl.fc %3, %w2 : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<1x3xf32>
  return %4 : tensor<1x3xf32>
}

// -----

// A static volume gives the kernel its H x W (here 1 x 3), and a reshape
// flattens as well as a flatten does. Softmax over the classes moves to
// the channel axis.
// CHECK-LABEL: func @static_reshape
// CHECK:       tl.conv {{.*}} -> tensor<2x5x1x1xf32>
// CHECK:       tl.softmax %{{.*}} {axis = 1 : i64} : tensor<2x5x1x1xf32>
func.func @static_reshape(%x: tensor<2x2x1x3xf32>) -> tensor<2x5xf32> {
  %w = tl.constant dense<1.0> : tensor<5x6xf32>
  %0 = tl.reshape %x {shape = array<i64: 2, 6>} : (tensor<2x2x1x3xf32>) -> tensor<2x6xf32>
  %1 = tl.fc %0, %w : (tensor<2x6xf32>, tensor<5x6xf32>) -> tensor<2x5xf32>
  %2 = tl.softmax %1 {axis = -1 : i64} : tensor<2x5xf32>
  return %2 : tensor<2x5xf32>
}

// -----

// An FC after global pooling becomes a 1x1 conv on the pooled map; with
// pool-after, on the map itself, pooled afterwards.
// CHECK-LABEL: func @after_global_pool
// CHECK:       %[[P:.*]] = tl.global_avg_pool %arg0
// CHECK:       %[[C:.*]] = tl.conv %[[P]]{{.*}}-> tensor<1x3x1x1xf32>
// CHECK-NEXT:  return %[[C]]
// AFTER-LABEL: func @after_global_pool
// AFTER:       %[[C:.*]] = tl.conv %arg0{{.*}}-> tensor<1x3x7x7xf32>
// AFTER-NEXT:  %[[P:.*]] = tl.global_avg_pool %[[C]]
// AFTER-NEXT:  return %[[P]] : tensor<1x3x1x1xf32>
func.func @after_global_pool(%x: tensor<1x8x7x7xf32>) -> tensor<1x3xf32> {
  %w = tl.constant dense<1.0> : tensor<3x8xf32>
  %0 = tl.global_avg_pool %x : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
  %1 = tl.flatten %0 {axis = 1 : i64} : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
  %2 = tl.fc %1, %w : (tensor<1x8xf32>, tensor<3x8xf32>) -> tensor<1x3xf32>
  return %2 : tensor<1x3xf32>
}

// -----

// An op that needs vectors gets a flatten in front of it; an FC over a
// vector that never was a volume stays an FC.
// CHECK-LABEL: func @back_to_vectors
// CHECK:       %[[C:.*]] = tl.conv
// CHECK-NEXT:  %[[F:.*]] = tl.flatten %[[C]] {axis = 1 : i64}
// CHECK-NEXT:  tl.matmul %[[F]], %arg1
// CHECK:       tl.fc %arg1
func.func @back_to_vectors(%x: tensor<1x2x2x2xf32>, %y: tensor<4x4xf32>) -> (tensor<1x4xf32>, tensor<4x4xf32>) {
  %w = tl.constant dense<1.0> : tensor<4x8xf32>
  %0 = tl.flatten %x {axis = 1 : i64} : (tensor<1x2x2x2xf32>) -> tensor<1x8xf32>
  %1 = tl.fc %0, %w : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<1x4xf32>
  %2 = tl.matmul %1, %y : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %w2 = tl.constant dense<1.0> : tensor<4x4xf32>
  %3 = tl.fc %y, %w2 : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %2, %3 : tensor<1x4xf32>, tensor<4x4xf32>
}
