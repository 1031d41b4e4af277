// RUN: tl-opt %s -canonicalize | FileCheck %s

// Equal frozen constants are merged, but a trainable parameter never merges
// with a frozen constant of the same value: a head's zero-initialized bias
// would otherwise become frozen.
// CHECK-LABEL: func @merge
// CHECK-DAG:   %[[F:.*]] = tl.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-DAG:   %[[T:.*]] = tl.constant trainable dense<0.000000e+00> : tensor<3xf32>
// CHECK:       return %[[F]], %[[F]], %[[T]]
func.func @merge() -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %a = tl.constant dense<0.0> : tensor<3xf32>
  %b = tl.constant dense<0.0> : tensor<3xf32>
  %t = tl.constant trainable dense<0.0> : tensor<3xf32>
  return %a, %b, %t : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}
