// RUN: tl-opt %s -tl-attach-head=spec=linear:3 | FileCheck %s --check-prefix=LINEAR
// RUN: tl-opt %s -tl-attach-head="spec=mlp:16,8:3 activation=gelu dropout=0.25 init=he seed=7" | FileCheck %s --check-prefix=MLP
// RUN: tl-opt %s -tl-attach-head="spec=linear:3 seed=7" > %t.a
// RUN: tl-opt %s -tl-attach-head="spec=linear:3 seed=7" > %t.b
// RUN: diff %t.a %t.b
// RUN: tl-opt %s -tl-attach-head="spec=linear:3 seed=8" > %t.c
// RUN: not diff %t.a %t.c
// RUN: tl-opt %s -tl-attach-head="spec=linear:3 pool=avg+max" | FileCheck %s --check-prefix=BOTH
// RUN: not tl-opt %s -tl-attach-head=spec=conv:3 2>&1 | FileCheck %s --check-prefix=BADSPEC
// RUN: not tl-opt %s -tl-attach-head="spec=linear:3 init=zeros" 2>&1 | FileCheck %s --check-prefix=BADINIT

// Spatial features are pooled and flattened; the head's parameters are the
// only trainable constants; logits and features are both returned.
// LINEAR-LABEL: func @spatial
// LINEAR-SAME:  -> (tensor<?x3xf32> {tl.name = "logits"}, tensor<?x8xf32> {tl.name = "features"})
// LINEAR:       tl.constant dense<1.000000e+00> : tensor<8x3x1x1xf32>
// LINEAR:       %[[P:.*]] = tl.global_avg_pool
// LINEAR-NEXT:  %[[F:.*]] = tl.flatten %[[P]] {axis = 1 : i64} : (tensor<?x8x1x1xf32>) -> tensor<?x8xf32>
// LINEAR-NEXT:  %[[W:.*]] = tl.constant trainable dense_resource<head.logits.w> : tensor<3x8xf32>
// LINEAR-NEXT:  %[[B:.*]] = tl.constant trainable dense<0.000000e+00> : tensor<3xf32>
// LINEAR-NEXT:  %[[L:.*]] = tl.fc %[[F]], %[[W]] bias(%[[B]])
// LINEAR-NEXT:  return %[[L]], %[[F]]

// avg+max: the average and the max of each channel, side by side.
// BOTH-LABEL: func @spatial
// BOTH-SAME:  -> (tensor<?x3xf32> {tl.name = "logits"}, tensor<?x16xf32> {tl.name = "features"})
// BOTH:       tl.global_avg_pool
// BOTH:       tl.global_max_pool
// BOTH:       tl.concat
// BOTH:       tl.constant trainable dense_resource<head.logits.w> : tensor<3x16xf32>

// MLP-LABEL: func @spatial
// MLP-SAME:  -> (tensor<?x3xf32> {tl.name = "logits"}, tensor<?x8xf32> {tl.name = "features"})
// MLP:       tl.constant trainable dense_resource<head.fc0.w> : tensor<16x8xf32>
// MLP:       tl.fc
// MLP-NEXT:  tl.gelu
// MLP-NEXT:  tl.dropout %{{.*}} {ratio = 2.500000e-01 : f32}
// MLP:       tl.constant trainable dense_resource<head.fc1.w> : tensor<8x16xf32>
// MLP:       tl.constant trainable dense_resource<head.logits.w> : tensor<3x8xf32>

// BADSPEC: error: tl-attach-head: unknown head 'conv:3'; expected linear:CLASSES or mlp:H1,H2,...:CLASSES
// BADINIT: error: tl-attach-head: init must be glorot or he, not 'zeros'
func.func @spatial(%x: tensor<?x3x4x4xf32>) -> tensor<?x8x4x4xf32> {
  %w = tl.constant dense<1.0> : tensor<8x3x1x1xf32>
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<?x3x4x4xf32>, tensor<8x3x1x1xf32>) -> tensor<?x8x4x4xf32>
  return %0 : tensor<?x8x4x4xf32>
}
