// RUN: tl-opt %s | FileCheck %s
// Round trip: print, parse and print again gives the same module.
// RUN: tl-opt %s | tl-opt | FileCheck %s
// The generic form round-trips too.
// RUN: tl-opt %s --mlir-print-op-generic | tl-opt | FileCheck %s

// CHECK-LABEL: func @constants
func.func @constants() -> (tensor<2xf32>, tensor<3xf32>, tensor<2x2xf32>) {
  // CHECK: tl.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %0 = tl.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: tl.constant trainable dense<0.000000e+00> : tensor<3xf32>
  %1 = tl.constant trainable dense<0.0> : tensor<3xf32>
  // CHECK: tl.constant dense_resource<blob> : tensor<2x2xf32>
  %2 = tl.constant dense_resource<blob> : tensor<2x2xf32>
  return %0, %1, %2 : tensor<2xf32>, tensor<3xf32>, tensor<2x2xf32>
}

// CHECK-LABEL: func @conv_transpose
func.func @conv_transpose(%ctx: tensor<?x4x7x7xf32>, %ctw: tensor<4x3x3x3xf32>,
                          %ctb: tensor<6xf32>) -> tensor<?x6x15x8xf32> {
  // Transposed, grouped, with output padding: [?, 2*3, (7-1)*2+1+(3-1)*1+1-1-0, 7+1].
  // CHECK: tl.conv_transpose %{{.*}}, %{{.*}} bias(%{{.*}}) {dilations = array<i64: 1, 1>, groups = 2 : i64, output_padding = array<i64: 1, 0>, pads = array<i64: 1, 0, 0, 1>, strides = array<i64: 2, 1>} : (tensor<?x4x7x7xf32>, tensor<4x3x3x3xf32>, tensor<6xf32>) -> tensor<?x6x15x8xf32>
  %ct = tl.conv_transpose %ctx, %ctw bias(%ctb) {strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 0, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 0>, groups = 2 : i64} : (tensor<?x4x7x7xf32>, tensor<4x3x3x3xf32>, tensor<6xf32>) -> tensor<?x6x15x8xf32>
  return %ct : tensor<?x6x15x8xf32>
}

// CHECK-LABEL: func @layers
func.func @layers(%x: tensor<?x3x224x224xf32>, %w: tensor<16x3x3x3xf32>,
                  %b: tensor<16xf32>, %r: tensor<?x16x112x112xf32>,
                  %dw: tensor<16x1x3x3xf32>, %f: tensor<?x64xf32>,
                  %fw: tensor<10x64xf32>, %fb: tensor<10xf32>,
                  %m: tensor<4x5x6xf32>, %n: tensor<6x7xf32>)
    -> (tensor<?x16x112x112xf32>, tensor<?x16x112x112xf32>, tensor<?x10xf32>,
        tensor<4x5x7xf32>, tensor<?x16x112x112xf32>, tensor<4x5x6xf32>) {
  // CHECK: tl.conv %{{.*}}, %{{.*}} bias(%{{.*}}) residual(%{{.*}}) {activation = #tl<activation relu>, dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %0 = tl.conv %x, %w bias(%b) residual(%r) {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, activation = #tl<activation relu>} : (tensor<?x3x224x224xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>, tensor<?x16x112x112xf32>) -> tensor<?x16x112x112xf32>
  // Depthwise, with a clip post-op (relu6).
  // CHECK: tl.conv %{{.*}}, %{{.*}} {act_beta = 6.000000e+00 : f32, activation = #tl<activation clip>, {{.*}}groups = 16 : i64
  %1 = tl.conv %0, %dw {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 16 : i64, activation = #tl<activation clip>, act_alpha = 0.0 : f32, act_beta = 6.0 : f32} : (tensor<?x16x112x112xf32>, tensor<16x1x3x3xf32>) -> tensor<?x16x112x112xf32>
  // CHECK: tl.fc %{{.*}}, %{{.*}} bias(%{{.*}}) : (tensor<?x64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %2 = tl.fc %f, %fw bias(%fb) : (tensor<?x64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  // CHECK: tl.matmul %{{.*}}, %{{.*}} : (tensor<4x5x6xf32>, tensor<6x7xf32>) -> tensor<4x5x7xf32>
  %3 = tl.matmul %m, %n : (tensor<4x5x6xf32>, tensor<6x7xf32>) -> tensor<4x5x7xf32>
  // CHECK: tl.batch_norm {{.*}} {epsilon = 9.99999974E-6 : f32}
  %4 = tl.batch_norm %1, %b, %b, %b, %b {epsilon = 1.0e-5 : f32} : (tensor<?x16x112x112xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x112x112xf32>
  // CHECK: tl.layer_norm %{{.*}}, %{{.*}} bias(%{{.*}}) {axis = -1 : i64, epsilon = 9.99999974E-6 : f32}
  %s = tl.constant dense<1.0> : tensor<6xf32>
  %5 = tl.layer_norm %m, %s bias(%s) {axis = -1 : i64, epsilon = 1.0e-5 : f32} : (tensor<4x5x6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<4x5x6xf32>
  return %0, %4, %2, %3, %1, %5 : tensor<?x16x112x112xf32>, tensor<?x16x112x112xf32>, tensor<?x10xf32>, tensor<4x5x7xf32>, tensor<?x16x112x112xf32>, tensor<4x5x6xf32>
}

// CHECK-LABEL: func @elementwise
func.func @elementwise(%x: tensor<?x8x4x4xf32>, %y: tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32> {
  // CHECK: tl.relu
  %0 = tl.relu %x : tensor<?x8x4x4xf32>
  // CHECK: tl.sigmoid
  %1 = tl.sigmoid %0 : tensor<?x8x4x4xf32>
  // CHECK: tl.tanh
  %2 = tl.tanh %1 : tensor<?x8x4x4xf32>
  // CHECK: tl.hard_swish
  %3 = tl.hard_swish %2 : tensor<?x8x4x4xf32>
  // CHECK: tl.silu
  %4 = tl.silu %3 : tensor<?x8x4x4xf32>
  // CHECK: tl.sqrt
  %5 = tl.sqrt %4 : tensor<?x8x4x4xf32>
  // CHECK: tl.erf
  %6 = tl.erf %5 : tensor<?x8x4x4xf32>
  // CHECK: tl.exp
  %7 = tl.exp %6 : tensor<?x8x4x4xf32>
  // CHECK: tl.log
  %8 = tl.log %7 : tensor<?x8x4x4xf32>
  // CHECK: tl.neg
  %9 = tl.neg %8 : tensor<?x8x4x4xf32>
  // CHECK: tl.abs
  %10 = tl.abs %9 : tensor<?x8x4x4xf32>
  // CHECK: tl.reciprocal
  %11 = tl.reciprocal %10 : tensor<?x8x4x4xf32>
  // CHECK: tl.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
  %12 = tl.clip %11 {min = 0.0 : f32, max = 6.0 : f32} : tensor<?x8x4x4xf32>
  // CHECK: tl.hard_sigmoid %{{.*}} {alpha = 0.166666672 : f32, beta = 5.000000e-01 : f32}
  %13 = tl.hard_sigmoid %12 {alpha = 0.16666667 : f32, beta = 0.5 : f32} : tensor<?x8x4x4xf32>
  // CHECK: tl.gelu %{{.*}} {approximate = true}
  %14 = tl.gelu %13 {approximate = true} : tensor<?x8x4x4xf32>
  // CHECK: tl.leaky_relu %{{.*}} {alpha = 0.00999999977 : f32}
  %15 = tl.leaky_relu %14 {alpha = 0.01 : f32} : tensor<?x8x4x4xf32>
  // CHECK: tl.selu %{{.*}} {alpha = 1.500000e+00 : f32, gamma = 1.250000e+00 : f32}
  %m0 = tl.selu %15 {alpha = 1.5 : f32, gamma = 1.25 : f32} : tensor<?x8x4x4xf32>
  // CHECK: tl.acosh
  %m1 = tl.acosh %m0 : tensor<?x8x4x4xf32>
  // CHECK: tl.prelu %{{.*}}, %{{.*}} : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  %16 = tl.prelu %m1, %y : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: tl.add %{{.*}}, %{{.*}} : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  %17 = tl.add %16, %y : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: tl.sub
  %18 = tl.sub %17, %y : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: tl.mul
  %19 = tl.mul %18, %y : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: tl.div
  %20 = tl.div %19, %y : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: tl.pow
  %21 = tl.pow %20, %y : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: tl.max
  %22 = tl.max %21, %y : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: tl.min
  %23 = tl.min %22, %y : (tensor<?x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: tl.identity
  %24 = tl.identity %23 : tensor<?x8x4x4xf32>
  // CHECK: tl.dropout %{{.*}} {ratio = 2.000000e-01 : f32}
  %25 = tl.dropout %24 {ratio = 0.2 : f32} : tensor<?x8x4x4xf32>
  return %25 : tensor<?x8x4x4xf32>
}

// CHECK-LABEL: func @pooling
func.func @pooling(%x: tensor<1x8x15x15xf32>) -> (tensor<1x8x7x7xf32>, tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8xf32>, tensor<1x8x15x15xf32>, tensor<1x8x15x15xf32>) {
  // Floor and ceil mode give different extents here.
  // CHECK: tl.max_pool {{.*}} -> tensor<1x8x7x7xf32>
  %0 = tl.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x8x15x15xf32>) -> tensor<1x8x7x7xf32>
  // CHECK: tl.avg_pool {{.*}}ceil_mode = true{{.*}}count_include_pad = true{{.*}} -> tensor<1x8x8x8xf32>
  %1 = tl.avg_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, ceil_mode = true, count_include_pad = true} : (tensor<1x8x15x15xf32>) -> tensor<1x8x8x8xf32>
  // CHECK: tl.global_avg_pool
  %2 = tl.global_avg_pool %x : (tensor<1x8x15x15xf32>) -> tensor<1x8x1x1xf32>
  // CHECK: tl.global_max_pool
  %3 = tl.global_max_pool %x : (tensor<1x8x15x15xf32>) -> tensor<1x8x1x1xf32>
  // CHECK: tl.reduce_mean %{{.*}} {axes = array<i64: 2, 3>, keepdims = false}
  %4 = tl.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = false} : (tensor<1x8x15x15xf32>) -> tensor<1x8xf32>
  // The other reductions share reduce_mean's form and shape rule.
  // CHECK: tl.reduce_l2 %{{.*}} {axes = array<i64: -1>} : (tensor<1x8x15x15xf32>) -> tensor<1x8x15x1xf32>
  %r0 = tl.reduce_l2 %x {axes = array<i64: -1>} : (tensor<1x8x15x15xf32>) -> tensor<1x8x15x1xf32>
  // CHECK: tl.reduce_log_sum_exp %{{.*}} {axes = array<i64>, keepdims = false} : (tensor<1x8x15x1xf32>) -> tensor<f32>
  %r1 = tl.reduce_log_sum_exp %r0 {axes = array<i64>, keepdims = false} : (tensor<1x8x15x1xf32>) -> tensor<f32>
  // CHECK: tl.log_softmax %{{.*}} {axis = -1 : i64}
  %ls = tl.log_softmax %x {axis = -1 : i64} : tensor<1x8x15x15xf32>
  // CHECK: tl.softmax %{{.*}} {axis = 1 : i64}
  %5 = tl.softmax %ls {axis = 1 : i64} : tensor<1x8x15x15xf32>
  // CHECK: tl.lrn %{{.*}} {alpha = 9.99999974E-5 : f32, beta = 7.500000e-01 : f32, bias = 1.000000e+00 : f32, size = 5 : i64}
  %6 = tl.lrn %x {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : tensor<1x8x15x15xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<1x8x7x7xf32>, tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>, tensor<1x8xf32>, tensor<1x8x15x15xf32>, tensor<1x8x15x15xf32>
}

// CHECK-LABEL: func @data_movement
func.func @data_movement(%x: tensor<?x4x6x6xf32>, %y: tensor<?x2x6x6xf32>) -> (tensor<?x6x6x6xf32>, tensor<?x144xf32>, tensor<?x144xf32>, tensor<?x6x6x4xf32>, tensor<?x4x6xf32>, tensor<?x1x4x6x6xf32>, tensor<?x2x3x6xf32>, tensor<?x4x8x8xf32>, tensor<?x4x12x12xf32>, tensor<1x4x3x3xf32>) {
  // CHECK: tl.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x4x6x6xf32>, tensor<?x2x6x6xf32>) -> tensor<?x6x6x6xf32>
  %0 = tl.concat %x, %y {axis = 1 : i64} : (tensor<?x4x6x6xf32>, tensor<?x2x6x6xf32>) -> tensor<?x6x6x6xf32>
  // CHECK: tl.flatten %{{.*}} {axis = 1 : i64} : (tensor<?x4x6x6xf32>) -> tensor<?x144xf32>
  %1 = tl.flatten %x {axis = 1 : i64} : (tensor<?x4x6x6xf32>) -> tensor<?x144xf32>
  // CHECK: tl.reshape %{{.*}} {shape = array<i64: 0, -1>} : (tensor<?x4x6x6xf32>) -> tensor<?x144xf32>
  %2 = tl.reshape %x {shape = array<i64: 0, -1>} : (tensor<?x4x6x6xf32>) -> tensor<?x144xf32>
  // CHECK: tl.transpose %{{.*}} {perm = array<i64: 0, 2, 3, 1>}
  %3 = tl.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x4x6x6xf32>) -> tensor<?x6x6x4xf32>
  // CHECK: tl.squeeze
  %c = tl.slice %x {starts = array<i64: 0>, ends = array<i64: 1>, axes = array<i64: 3>, steps = array<i64: 1>} : (tensor<?x4x6x6xf32>) -> tensor<?x4x6x1xf32>
  %4 = tl.squeeze %c {axes = array<i64: 3>} : (tensor<?x4x6x1xf32>) -> tensor<?x4x6xf32>
  // CHECK: tl.unsqueeze %{{.*}} {axes = array<i64: 1>} : (tensor<?x4x6x6xf32>) -> tensor<?x1x4x6x6xf32>
  %5 = tl.unsqueeze %x {axes = array<i64: 1>} : (tensor<?x4x6x6xf32>) -> tensor<?x1x4x6x6xf32>
  // Negative starts and steps follow ONNX's clamping rules.
  // CHECK: tl.slice %{{.*}} {axes = array<i64: 1, 2>, ends = array<i64: 9223372036854775807, -9223372036854775808>, starts = array<i64: -2, 5>, steps = array<i64: 1, -2>}
  %6 = tl.slice %x {starts = array<i64: -2, 5>, ends = array<i64: 9223372036854775807, -9223372036854775808>, axes = array<i64: 1, 2>, steps = array<i64: 1, -2>} : (tensor<?x4x6x6xf32>) -> tensor<?x2x3x6xf32>
  // CHECK: tl.pad %{{.*}} {mode = #tl<pad_mode edge>, pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>}
  %7 = tl.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, mode = #tl<pad_mode edge>} : (tensor<?x4x6x6xf32>) -> tensor<?x4x8x8xf32>
  // CHECK: tl.resize %{{.*}} {mode = #tl<resize_mode linear>, scales = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>}
  %8 = tl.resize %x {mode = #tl<resize_mode linear>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : (tensor<?x4x6x6xf32>) -> tensor<?x4x12x12xf32>
  // CHECK: tl.resize %{{.*}} {coordinate_mode = #tl<coordinate_mode align_corners>, mode = #tl<resize_mode cubic>, sizes = array<i64: 1, 4, 3, 3>}
  %9 = tl.resize %x {mode = #tl<resize_mode cubic>, coordinate_mode = #tl<coordinate_mode align_corners>, sizes = array<i64: 1, 4, 3, 3>} : (tensor<?x4x6x6xf32>) -> tensor<1x4x3x3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<?x6x6x6xf32>, tensor<?x144xf32>, tensor<?x144xf32>, tensor<?x6x6x4xf32>, tensor<?x4x6xf32>, tensor<?x1x4x6x6xf32>, tensor<?x2x3x6xf32>, tensor<?x4x8x8xf32>, tensor<?x4x12x12xf32>, tensor<1x4x3x3xf32>
}

// Comparisons and logic make bool tensors; where selects; arg_max indexes.
// CHECK-LABEL: func @logic
func.func @logic(%a: tensor<2x3xi32>, %b: tensor<3xi32>, %f: tensor<2x3xf32>) -> (tensor<2x3xi32>, tensor<2xi64>) {
  // CHECK: tl.equal %{{.*}}, %{{.*}} : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi1>
  %0 = tl.equal %a, %b : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi1>
  // CHECK: tl.less_equal
  %1 = tl.less_equal %a, %b : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi1>
  // CHECK: tl.xor %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  %2 = tl.xor %0, %1 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: tl.not %{{.*}} : tensor<2x3xi1>
  %3 = tl.not %2 : tensor<2x3xi1>
  // CHECK: tl.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
  %4 = tl.where %3, %a, %b : (tensor<2x3xi1>, tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
  // CHECK: tl.arg_max %{{.*}} {axis = 1 : i64, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xi64>
  %5 = tl.arg_max %f {axis = 1 : i64, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xi64>
  return %4, %5 : tensor<2x3xi32>, tensor<2xi64>
}

// Run-time parameters: attributes read from graph inputs when the runtime
// plans; the dims they decide are dynamic.
// CHECK-LABEL: func @runtime_params
func.func @runtime_params(%x: tensor<2x3x4xf32>, %shape: tensor<2xi64>, %starts: tensor<1xi32>, %pads: tensor<6xi64>, %value: tensor<f32>, %axes: tensor<1xi64>, %scales: tensor<3xf32>) -> (tensor<?x?xf32>, tensor<2x?x4xf32>, tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?x?x?xf32>) {
  // CHECK: tl.reshape %{{.*}} params(%{{.*}}) {param_attrs = ["shape"]} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %0 = tl.reshape %x params(%shape) {param_attrs = ["shape"]} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  // CHECK: tl.slice %{{.*}} params(%{{.*}}) {axes = array<i64: 1>, ends = array<i64: 3>, param_attrs = ["starts"], steps = array<i64: 1>} : (tensor<2x3x4xf32>, tensor<1xi32>) -> tensor<2x?x4xf32>
  %1 = tl.slice %x params(%starts) {axes = array<i64: 1>, ends = array<i64: 3>, param_attrs = ["starts"], steps = array<i64: 1>} : (tensor<2x3x4xf32>, tensor<1xi32>) -> tensor<2x?x4xf32>
  // CHECK: tl.pad %{{.*}} params(%{{.*}}, %{{.*}}) {param_attrs = ["pads", "value"]} : (tensor<2x3x4xf32>, tensor<6xi64>, tensor<f32>) -> tensor<?x?x?xf32>
  %2 = tl.pad %x params(%pads, %value) {param_attrs = ["pads", "value"]} : (tensor<2x3x4xf32>, tensor<6xi64>, tensor<f32>) -> tensor<?x?x?xf32>
  // CHECK: tl.reduce_max %{{.*}} params(%{{.*}}) {keepdims = false, param_attrs = ["axes"]} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  %3 = tl.reduce_max %x params(%axes) {keepdims = false, param_attrs = ["axes"]} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  // CHECK: tl.resize %{{.*}} params(%{{.*}}) {mode = #tl<resize_mode linear>, param_attrs = ["scales"]} : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<?x?x?xf32>
  %4 = tl.resize %x params(%scales) {mode = #tl<resize_mode linear>, param_attrs = ["scales"]} : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<?x?x?xf32>
  return %0, %1, %2, %3, %4 : tensor<?x?xf32>, tensor<2x?x4xf32>, tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?x?x?xf32>
}
