// RUN: tl-opt %s -tl-reduce-precision=precision=int8 | FileCheck %s
// RUN: tl-opt %s -tl-reduce-precision=precision=int8 | tl-opt | FileCheck %s

// int8 quantizes the frozen weights of convs and fcs whose input has a
// calibrated range: i8 in [-127, 127], one scale per output channel
// (max |w| / 127), rounded to nearest even. Channel 0 (max 127 * 2^-7) has
// scale 2^-7: 0.5 * 2^-7 is a tie and goes to 0, 1.5 * 2^-7 to 2, the
// maximum to -127. Channel 1 is all zeros and gets scale 1. A conv whose input was not calibrated, the
// trainable head and biases stay f32; the ranges stay on their values.
// CHECK-LABEL: func @backbone
// CHECK-SAME:  tl.range = array<f32: 0.000000e+00, 1.000000e+00>
// CHECK-SAME:  tl.precision = "int8"
// CHECK:       %[[W:.*]] = tl.constant dense_resource<[[KEY:.*]]> : tensor<2x1x1x3x!quant.uniform<i8<-127:127>:f32:0, {7.812500e-03,1.000000e+00}>>
// CHECK:       %[[C:.*]] = tl.conv %{{.*}}, %[[W]] bias(%{{.*}}) {{.*}}tl.range = array<f32: -2.000000e+00, 3.000000e+00>
// CHECK-SAME:  (tensor<?x1x4x5xf32>, tensor<2x1x1x3x!quant.uniform<{{.*}}>>, tensor<2xf32>) -> tensor<?x2x4x3xf32>
// CHECK:       tl.constant dense<2.000000e+00> : tensor<2x2x1x1xf32>
// CHECK-NEXT:  tl.conv {{.*}} : (tensor<?x2x4x3xf32>, tensor<2x2x1x1xf32>)
// CHECK:       tl.fc %{{.*}}, %{{.*}} : (tensor<?x2xf32>, tensor<3x2x!quant.uniform<i8<-127:127>:f32:0, {{.*}}>>) -> tensor<?x3xf32>
// CHECK-NOT:   quant
// CHECK:       tl.constant trainable dense<1.000000e+00> : tensor<2x3xf32>
// CHECK:       [[KEY]]: "0x08000000000281000000"

func.func @backbone(%x: tensor<?x1x4x5xf32> {tl.range = array<f32: 0.0, 1.0>}) -> tensor<?x2xf32> {
  %w = tl.constant dense<[[[[0.00390625, 0.01171875, -0.9921875]]], [[[0.0, 0.0, 0.0]]]]> : tensor<2x1x1x3xf32>
  %b = tl.constant dense<0.5> : tensor<2xf32>
  %0 = tl.conv %x, %w bias(%b) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, tl.range = array<f32: -2.0, 3.0>} : (tensor<?x1x4x5xf32>, tensor<2x1x1x3xf32>, tensor<2xf32>) -> tensor<?x2x4x3xf32>
  %1 = tl.relu %0 : tensor<?x2x4x3xf32>
  %s = tl.constant dense<2.0> : tensor<2x2x1x1xf32>
  %2 = tl.conv %1, %s {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<?x2x4x3xf32>, tensor<2x2x1x1xf32>) -> tensor<?x2x4x3xf32>
  %3 = tl.global_avg_pool %2 {tl.range = array<f32: -1.0, 1.0>} : (tensor<?x2x4x3xf32>) -> tensor<?x2x1x1xf32>
  %4 = tl.flatten %3 {axis = 1 : i64, tl.range = array<f32: -1.0, 1.0>} : (tensor<?x2x1x1xf32>) -> tensor<?x2xf32>
  %f = tl.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %5 = tl.fc %4, %f : (tensor<?x2xf32>, tensor<3x2xf32>) -> tensor<?x3xf32>
  %h = tl.constant trainable dense<1.0> : tensor<2x3xf32>
  %6 = tl.fc %5, %h : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x2xf32>
  return %6 : tensor<?x2xf32>
}
