// RUN: tl-opt %s -tl-reduce-precision=precision=bf16 | FileCheck %s
// RUN: tl-opt %s -tl-reduce-precision=precision=bf16 | tl-opt | FileCheck %s
// RUN: tl-opt %s -tl-reduce-precision | FileCheck %s --check-prefix=F32
// RUN: not tl-opt %s -tl-reduce-precision=precision=fp8 2>&1 | FileCheck %s --check-prefix=BAD

// The frozen conv and fc weights become bf16 (rounded to nearest even:
// 1 + 2^-8 is a tie and stays 1.0, 1 + 3 * 2^-8 rounds up to 1 + 2^-6);
// biases, the trainable head and a weight that another op also reads stay
// f32, and so do the tensors between ops. The function records the
// precision for the artifact.
// CHECK-LABEL: func @backbone
// CHECK-SAME:  tl.precision = "bf16"
// CHECK:       %[[W:.*]] = tl.constant dense_resource<[[KEY:.*]]> : tensor<4x1x1x1xbf16>
// CHECK:       %[[B:.*]] = tl.constant dense<5.000000e-01> : tensor<4xf32>
// CHECK:       tl.conv %{{.*}}, %[[W]] bias(%[[B]]) {{.*}} : (tensor<?x1x4x4xf32>, tensor<4x1x1x1xbf16>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
// CHECK:       %[[S:.*]] = tl.constant dense<2.000000e+00> : tensor<4x4x1x1xf32>
// CHECK:       tl.conv %{{.*}}, %[[S]] {{.*}} : (tensor<?x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x4x4xf32>
// CHECK:       tl.mul %[[S]], %[[S]]
// CHECK:       %[[F:.*]] = tl.constant dense_resource<{{.*}}> : tensor<3x4xbf16>
// CHECK:       tl.fc %{{.*}}, %[[F]] : (tensor<?x4xf32>, tensor<3x4xbf16>) -> tensor<?x3xf32>
// CHECK:       %[[H:.*]] = tl.constant trainable dense<1.000000e+00> : tensor<2x3xf32>
// CHECK:       tl.fc %{{.*}}, %[[H]] : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x2xf32>
// CHECK:       [[KEY]]: "0x08000000803F803F823F00C0"

// F32-NOT: bf16
// F32-NOT: tl.precision

// BAD: error: tl-reduce-precision: precision must be f32, bf16 or int8, not 'fp8'

func.func @backbone(%x: tensor<?x1x4x4xf32>) -> (tensor<4x4x1x1xf32>, tensor<?x2xf32>) {
  %w = tl.constant dense<[[[[1.0]]], [[[1.00390625]]], [[[1.01171875]]], [[[-2.0]]]]> : tensor<4x1x1x1xf32>
  %b = tl.constant dense<0.5> : tensor<4xf32>
  %0 = tl.conv %x, %w bias(%b) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<?x1x4x4xf32>, tensor<4x1x1x1xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
  %s = tl.constant dense<2.0> : tensor<4x4x1x1xf32>
  %1 = tl.conv %0, %s {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<?x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x4x4xf32>
  %2 = tl.mul %s, %s : (tensor<4x4x1x1xf32>, tensor<4x4x1x1xf32>) -> tensor<4x4x1x1xf32>
  %3 = tl.global_avg_pool %1 : (tensor<?x4x4x4xf32>) -> tensor<?x4x1x1xf32>
  %4 = tl.flatten %3 {axis = 1 : i64} : (tensor<?x4x1x1xf32>) -> tensor<?x4xf32>
  %f = tl.constant dense<[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]> : tensor<3x4xf32>
  %5 = tl.fc %4, %f : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
  %h = tl.constant trainable dense<1.0> : tensor<2x3xf32>
  %6 = tl.fc %5, %h : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x2xf32>
  return %2, %6 : tensor<4x4x1x1xf32>, tensor<?x2xf32>
}
