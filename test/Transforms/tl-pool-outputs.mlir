// RUN: tl-opt %s -tl-pool-outputs | FileCheck %s --check-prefix=AVG
// RUN: tl-opt %s -tl-pool-outputs=pool=avg+max | FileCheck %s --check-prefix=BOTH
// RUN: tl-opt %s -tl-pool-outputs=pool=max | FileCheck %s --check-prefix=MAX
// RUN: not tl-opt %s -tl-pool-outputs=pool=flatten 2>&1 | FileCheck %s --check-prefix=BAD

// Every spatial result becomes a vector per sample and keeps its name; a
// result that is already [N, F] stays as it is.
// AVG-LABEL: func @cuts
// AVG-SAME:  -> (tensor<?x8xf32> {tl.name = "early"}, tensor<?x5xf32> {tl.name = "late"})
// AVG:       tl.fc
// AVG-NEXT:  %[[P:.*]] = tl.global_avg_pool %{{.*}} : (tensor<?x8x4x4xf32>) -> tensor<?x8x1x1xf32>
// AVG-NEXT:  %[[F:.*]] = tl.flatten %[[P]] {axis = 1 : i64} : (tensor<?x8x1x1xf32>) -> tensor<?x8xf32>
// AVG-NEXT:  return %[[F]], %{{.*}} : tensor<?x8xf32>, tensor<?x5xf32>

// avg+max: both pooled vectors side by side, 2C features.
// BOTH-LABEL: func @cuts
// BOTH-SAME:  -> (tensor<?x16xf32> {tl.name = "early"}, tensor<?x5xf32> {tl.name = "late"})
// BOTH:       tl.fc
// BOTH:       tl.global_avg_pool
// BOTH:       tl.global_max_pool
// BOTH:       %[[C:.*]] = tl.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x16xf32>
// BOTH-NEXT:  return %[[C]]

// MAX:       tl.fc
// MAX:       tl.global_max_pool
// MAX-NOT:   tl.global_avg_pool

// BAD: error: tl-pool-outputs: pool must be avg, max or avg+max, not 'flatten'

func.func @cuts(%x: tensor<?x3x4x4xf32>) -> (tensor<?x8x4x4xf32> {tl.name = "early"}, tensor<?x5xf32> {tl.name = "late"}) {
  %w = tl.constant dense<1.0> : tensor<8x3x1x1xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<?x3x4x4xf32>, tensor<8x3x1x1xf32>) -> tensor<?x8x4x4xf32>
  %1 = tl.global_avg_pool %0 : (tensor<?x8x4x4xf32>) -> tensor<?x8x1x1xf32>
  %2 = tl.flatten %1 {axis = 1 : i64} : (tensor<?x8x1x1xf32>) -> tensor<?x8xf32>
  %v = tl.constant dense<1.0> : tensor<5x8xf32>
  %3 = tl.fc %2, %v : (tensor<?x8xf32>, tensor<5x8xf32>) -> tensor<?x5xf32>
  return %0, %3 : tensor<?x8x4x4xf32>, tensor<?x5xf32>
}
