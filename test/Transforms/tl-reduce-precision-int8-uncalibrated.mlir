// RUN: not tl-opt %s -tl-reduce-precision=precision=int8 2>&1 | FileCheck %s

// Without calibrated ranges there is nothing int8 can quantize to.

// CHECK: error: tl-reduce-precision: precision=int8 needs the calibrated ranges of conv and fc inputs (tl.range, from `tlc compile --calibrate DATA`); none has one
func.func @uncalibrated(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %f = tl.constant dense<1.0> : tensor<3x4xf32>
  %0 = tl.fc %x, %f : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}
