// RUN: tl-opt %s -split-input-file -verify-diagnostics

// A constant needs a static ranked tensor.
func.func @constant_unranked() {
  // expected-error @+2 {{'tl.constant' op value must be a statically shaped ranked tensor}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "tl.constant"() {value = dense<1.0> : vector<2xf32>} : () -> tensor<2xf32>
  return
}

// -----

// conv: the weight's input channels times groups must equal the input's.
func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<2x4x1x1xf32>) {
  // expected-error @+2 {{'tl.conv' op input has 3 channels but weight expects 4 per group x 1 groups}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

// conv: one stride per spatial dim.
func.func @conv_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<2x3x1x1xf32>) {
  // expected-error @+2 {{'tl.conv' op expects 2 strides (one per spatial dim), got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

// conv: the kernel must fit in the padded input.
func.func @conv_window(%x: tensor<1x3x2x2xf32>, %w: tensor<2x3x5x5xf32>) {
  // expected-error @+2 {{'tl.conv' op window of extent 5 does not fit spatial dim 0 of size 2 padded by (0, 0)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x2x2xf32>, tensor<2x3x5x5xf32>) -> tensor<1x2x1x1xf32>
  return
}

// -----

// conv: a stated result type that differs from the inferred one.
func.func @conv_result(%x: tensor<1x3x8x8xf32>, %w: tensor<2x3x3x3xf32>) {
  // expected-error @+2 {{'tl.conv' op inferred type(s) 'tensor<1x2x6x6xf32>' are incompatible with return type(s) of operation 'tensor<1x2x8x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

// conv: the bias has one element per output channel.
func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<2x3x1x1xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'tl.conv' op bias must have 2 elements, got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.conv %x, %w bias(%b) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<2x3x1x1xf32>, tensor<3xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

// conv_transpose: output padding must stay below the stride or the dilation.
func.func @conv_transpose_output_padding(%x: tensor<1x2x4x4xf32>, %w: tensor<2x3x3x3xf32>) {
  // expected-error @+2 {{'tl.conv_transpose' op output_padding [2, 0] must be smaller than the stride or the dilation}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.conv_transpose %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 2, 0>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x11x9xf32>
  return
}

// -----

// conv_transpose: the weight's first dim is the input channels.
func.func @conv_transpose_channels(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+2 {{'tl.conv_transpose' op input has 2 channels but weight expects 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.conv_transpose %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, groups = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

// conv_transpose: pads larger than the full output leave nothing.
func.func @conv_transpose_pads(%x: tensor<1x2x2x2xf32>, %w: tensor<2x1x2x2xf32>) {
  // expected-error @+2 {{'tl.conv_transpose' op spatial dim 0 would be -1: the pads [2, 0, 2, 0] exceed the output}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.conv_transpose %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 2, 0, 2, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, groups = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<2x1x2x2xf32>) -> tensor<1x1x1x3xf32>
  return
}

// -----

// conv: groups must be positive.
func.func @conv_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<2x3x1x1xf32>) {
  // expected-error @+1 {{attribute 'groups' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = tl.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 0 : i64} : (tensor<1x3x8x8xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

// fc: feature counts must agree.
func.func @fc_features(%x: tensor<4x8xf32>, %w: tensor<10x9xf32>) {
  // expected-error @+2 {{'tl.fc' op input has 8 features but weight expects 9}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.fc %x, %w : (tensor<4x8xf32>, tensor<10x9xf32>) -> tensor<4x10xf32>
  return
}

// -----

// fc: the input is 2-D.
func.func @fc_rank(%x: tensor<4x8x1xf32>, %w: tensor<10x8xf32>) {
  // expected-error @+2 {{'tl.fc' op input must be 2-D [batch, features], got shape [4, 8, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.fc %x, %w : (tensor<4x8x1xf32>, tensor<10x8xf32>) -> tensor<4x10xf32>
  return
}

// -----

// matmul: contraction dims must agree.
func.func @matmul_k(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{'tl.matmul' op contraction dims differ: lhs [2, 3] and rhs [4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

// batch_norm: statistics have one element per channel.
func.func @batch_norm_stats(%x: tensor<1x3x4x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+2 {{'tl.batch_norm' op scale must have 3 elements, got 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.batch_norm %x, %s, %s, %s, %s {epsilon = 1.0e-5 : f32} : (tensor<1x3x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x3x4x4xf32>
  return
}

// -----

// layer_norm: the scale broadcasts to the normalized dims.
func.func @layer_norm_scale(%x: tensor<2x5x6xf32>, %s: tensor<5xf32>) {
  // expected-error @+2 {{'tl.layer_norm' op scale of shape [5] does not broadcast to the normalized shape [6]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.layer_norm %x, %s {axis = -1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x5x6xf32>, tensor<5xf32>) -> tensor<2x5x6xf32>
  return
}

// -----

// Unary ops compute on floats.
func.func @relu_int(%x: tensor<2xi32>) {
  // expected-error @+1 {{'tl.relu' op operand #0 must be ranked tensor of}}
  %0 = tl.relu %x : tensor<2xi32>
  return
}

// -----

// Unary ops keep their operand's type.
func.func @sigmoid_type(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.sigmoid' op requires the same type for all operands and results}}
  %0 = "tl.sigmoid"(%x) : (tensor<2xf32>) -> tensor<3xf32>
  return
}

// -----

// Every unary op computes on floats.
func.func @tanh_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.tanh' op operand #0 must be ranked tensor of}}
  %0 = tl.tanh %x : tensor<2xi64>
  return
}

// -----

func.func @hard_swish_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.hard_swish' op operand #0 must be ranked tensor of}}
  %0 = tl.hard_swish %x : tensor<2xi64>
  return
}

// -----

func.func @silu_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.silu' op operand #0 must be ranked tensor of}}
  %0 = tl.silu %x : tensor<2xi64>
  return
}

// -----

func.func @sqrt_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.sqrt' op operand #0 must be ranked tensor of}}
  %0 = tl.sqrt %x : tensor<2xi64>
  return
}

// -----

func.func @erf_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.erf' op operand #0 must be ranked tensor of}}
  %0 = tl.erf %x : tensor<2xi64>
  return
}

// -----

func.func @exp_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.exp' op operand #0 must be ranked tensor of}}
  %0 = tl.exp %x : tensor<2xi64>
  return
}

// -----

func.func @log_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.log' op operand #0 must be ranked tensor of}}
  %0 = tl.log %x : tensor<2xi64>
  return
}

// -----

func.func @neg_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.neg' op operand #0 must be ranked tensor of}}
  %0 = tl.neg %x : tensor<2xi64>
  return
}

// -----

func.func @abs_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.abs' op operand #0 must be ranked tensor of}}
  %0 = tl.abs %x : tensor<2xi64>
  return
}

// -----

func.func @reciprocal_int(%x: tensor<2xi64>) {
  // expected-error @+1 {{'tl.reciprocal' op operand #0 must be ranked tensor of}}
  %0 = tl.reciprocal %x : tensor<2xi64>
  return
}

// -----

// clip: min must not exceed max.
func.func @clip_bounds(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.clip' op min 6.000000e+00 is greater than max 0.000000e+00}}
  %0 = tl.clip %x {min = 6.0 : f32, max = 0.0 : f32} : tensor<2xf32>
  return
}

// -----

// hard_sigmoid needs alpha and beta.
func.func @hard_sigmoid_attrs(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.hard_sigmoid' op requires attribute 'beta'}}
  %0 = tl.hard_sigmoid %x {alpha = 0.2 : f32} : tensor<2xf32>
  return
}

// -----

// leaky_relu needs alpha.
func.func @leaky_relu_attrs(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.leaky_relu' op requires attribute 'alpha'}}
  %0 = tl.leaky_relu %x : tensor<2xf32>
  return
}

// -----

// gelu's approximate flag is a bool.
func.func @gelu_attr(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.gelu' op attribute 'approximate' failed to satisfy constraint: bool attribute}}
  %0 = tl.gelu %x {approximate = 1 : i64} : tensor<2xf32>
  return
}

// -----

// dropout: the ratio lies in [0, 1).
func.func @dropout_ratio(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.dropout' op ratio must be in [0, 1), got 1.5}}
  %0 = tl.dropout %x {ratio = 1.5 : f32} : tensor<2xf32>
  return
}

// -----

// identity keeps its operand's type.
func.func @identity_type(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.identity' op requires the same type for all operands and results}}
  %0 = "tl.identity"(%x) : (tensor<2xf32>) -> tensor<2xf16>
  return
}

// -----

// Binary ops broadcast the numpy way.
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'tl.add' op operands of shapes [2, 3] and [4] are not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

// Binary ops need one element type.
func.func @mul_types(%a: tensor<2xf32>, %b: tensor<2xf16>) {
  // expected-error @+2 {{'tl.mul' op lhs and rhs must have the same element type, got 'f32' and 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.mul %a, %b : (tensor<2xf32>, tensor<2xf16>) -> tensor<2xf32>
  return
}

// -----

func.func @sub_broadcast(%a: tensor<2xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'tl.sub' op operands of shapes [2] and [3] are not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.sub %a, %b : (tensor<2xf32>, tensor<3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @div_result(%a: tensor<2x1xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'tl.div' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x1xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.div %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @pow_types(%a: tensor<2xf32>, %b: tensor<2xf64>) {
  // expected-error @+2 {{'tl.pow' op lhs and rhs must have the same element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.pow %a, %b : (tensor<2xf32>, tensor<2xf64>) -> tensor<2xf32>
  return
}

// -----

func.func @max_broadcast(%a: tensor<2xf32>, %b: tensor<5xf32>) {
  // expected-error @+2 {{'tl.max' op operands of shapes [2] and [5] are not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.max %a, %b : (tensor<2xf32>, tensor<5xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @min_broadcast(%a: tensor<2xf32>, %b: tensor<5xf32>) {
  // expected-error @+2 {{'tl.min' op operands of shapes [2] and [5] are not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.min %a, %b : (tensor<2xf32>, tensor<5xf32>) -> tensor<2xf32>
  return
}

// -----

// prelu: the slope broadcasts to the input, not the other way round.
func.func @prelu_slope(%x: tensor<1x3xf32>, %s: tensor<2x3xf32>) {
  // expected-error @+2 {{'tl.prelu' op slope of shape [2, 3] does not broadcast to the input shape [1, 3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.prelu %x, %s : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  return
}

// -----

// max_pool: one kernel extent per spatial dim.
func.func @max_pool_kernel(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{'tl.max_pool' op expects 2 kernel_shape entries, got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.max_pool %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  return
}

// -----

// avg_pool: pads are non-negative.
func.func @avg_pool_pads(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{'tl.avg_pool' op pads must be non-negative, got [0, -1, 0, 0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.avg_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, -1, 0, 0>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  return
}

// -----

// Global pools need spatial dims.
func.func @global_avg_pool_rank(%x: tensor<1x3xf32>) {
  // expected-error @+2 {{'tl.global_avg_pool' op input must have rank >= 3 (N, C, spatial...), got shape [1, 3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.global_avg_pool %x : (tensor<1x3xf32>) -> tensor<1x3xf32>
  return
}

// -----

func.func @global_max_pool_rank(%x: tensor<3xf32>) {
  // expected-error @+2 {{'tl.global_max_pool' op input must have rank >= 3 (N, C, spatial...), got shape [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.global_max_pool %x : (tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// reduce_mean: each axis at most once.
func.func @reduce_mean_axes(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+2 {{'tl.reduce_mean' op axis -1 appears twice in [3, -1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.reduce_mean %x {axes = array<i64: 3, -1>} : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x1xf32>
  return
}

// -----

// softmax: the axis is in range.
func.func @softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tl.softmax' op axis 2 is out of range for rank 2}}
  %0 = tl.softmax %x {axis = 2 : i64} : tensor<2x3xf32>
  return
}

// -----

// lrn: across channels of an NC... tensor.
func.func @lrn_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tl.lrn' op input must have rank >= 3 (N, C, spatial...)}}
  %0 = tl.lrn %x {size = 3 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : tensor<2x3xf32>
  return
}

// -----

// concat: inputs agree outside the axis.
func.func @concat_shapes(%a: tensor<1x2x4xf32>, %b: tensor<1x3x5xf32>) {
  // expected-error @+2 {{'tl.concat' op input 1 has shape [1, 3, 5], which differs from input 0 outside axis 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.concat %a, %b {axis = 1 : i64} : (tensor<1x2x4xf32>, tensor<1x3x5xf32>) -> tensor<1x5x4xf32>
  return
}

// -----

// flatten: the axis lies in [-rank, rank].
func.func @flatten_axis(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'tl.flatten' op axis 3 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.flatten %x {axis = 3 : i64} : (tensor<2x3xf32>) -> tensor<6x1xf32>
  return
}

// -----

// reshape: element counts must match.
func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'tl.reshape' op cannot reshape [2, 3] to [4, 2]: the element counts differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.reshape %x {shape = array<i64: 4, 2>} : (tensor<2x3xf32>) -> tensor<4x2xf32>
  return
}

// -----

// reshape: at most one -1.
func.func @reshape_two_inferred(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'tl.reshape' op shape [-1, -1] has more than one -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.reshape %x {shape = array<i64: -1, -1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// transpose: perm is a permutation.
func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'tl.transpose' op perm [0, 0] is not a permutation of [0, 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return
}

// -----

// squeeze: only size-1 dims.
func.func @squeeze_dim(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'tl.squeeze' op cannot squeeze dim 1 of size 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.squeeze %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

// unsqueeze: axes index the result.
func.func @unsqueeze_axis(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'tl.unsqueeze' op axis 3 is out of range for rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.unsqueeze %x {axes = array<i64: 3>} : (tensor<2x3xf32>) -> tensor<2x3x1xf32>
  return
}

// -----

// slice: no zero steps.
func.func @slice_step(%x: tensor<4xf32>) {
  // expected-error @+2 {{'tl.slice' op step for axis 0 must not be 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.slice %x {starts = array<i64: 0>, ends = array<i64: 4>, axes = array<i64: 0>, steps = array<i64: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// slice: one start, end and step per axis.
func.func @slice_lengths(%x: tensor<4xf32>) {
  // expected-error @+2 {{'tl.slice' op starts, ends, axes and steps must have the same length, got 2, 1, 1, 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 4>, axes = array<i64: 0>, steps = array<i64: 1>} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// pad: two entries per dim.
func.func @pad_count(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'tl.pad' op expects 4 pads (begins then ends), got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.pad %x {pads = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<3x4xf32>
  return
}

// -----

// resize: exactly one of scales and sizes.
func.func @resize_both(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+2 {{'tl.resize' op expects exactly one of scales and sizes}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.resize %x {mode = #tl<resize_mode nearest>, scales = array<f32: 1.0, 1.0, 2.0, 2.0>, sizes = array<i64: 1, 1, 4, 4>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return
}

// -----

// resize: positive scales.
func.func @resize_scale(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+2 {{'tl.resize' op scales must be positive, got 0.000000e+00 for dim 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.resize %x {mode = #tl<resize_mode linear>, scales = array<f32: 1.0, 1.0, 0.0, 2.0>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x0x4xf32>
  return
}

// -----

// celu divides by alpha.
func.func @celu_zero_alpha(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.celu' op alpha must not be 0 (it divides x)}}
  %0 = tl.celu %x {alpha = 0.0 : f32} : tensor<2xf32>
  return
}

// -----

// shrink needs bias and lambd.
func.func @shrink_attrs(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.shrink' op requires attribute 'lambd'}}
  %0 = tl.shrink %x {bias = 0.0 : f32} : tensor<2xf32>
  return
}

// -----

// Every reduction checks its axes like reduce_mean.
func.func @reduce_max_axes(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'tl.reduce_max' op axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.reduce_max %x {axes = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return
}

// -----

// where chooses between two tensors of one element type.
func.func @where_types(%c: tensor<2xi1>, %x: tensor<2xf32>, %y: tensor<2xi32>) {
  // expected-error @+2 {{'tl.where' op x and y must have the same element type, got 'f32' and 'i32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.where %c, %x, %y : (tensor<2xi1>, tensor<2xf32>, tensor<2xi32>) -> tensor<2xf32>
  return
}

// -----

// Logic takes bool tensors.
func.func @and_types(%x: tensor<2xf32>) {
  // expected-error @+1 {{'tl.and' op operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = tl.and %x, %x : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  return
}

// -----

// Run-time parameters: one name per parameter.
func.func @params_unnamed(%x: tensor<2x3xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'tl.reshape' op has 1 run-time parameters and 0 param_attrs}}
  %0 = tl.reshape %x params(%s) {shape = array<i64: 3, 2>} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return
}

// -----

// An attribute is stored or read at run time, not both.
func.func @params_both(%x: tensor<2x3xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'tl.reshape' op stores 'shape' and also reads it at run time}}
  %0 = tl.reshape %x params(%s) {shape = array<i64: 3, 2>, param_attrs = ["shape"]} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return
}

// -----

// Only the attributes the op declares for it.
func.func @params_unknown(%x: tensor<2x3xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'tl.transpose' op}}
  %0 = "tl.transpose"(%x, %s) {perm = array<i64: 1, 0>, param_attrs = ["perm"]} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return
}

// -----

func.func @params_wrong_name(%x: tensor<2x3xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'tl.reshape' op cannot read "perm" at run time}}
  %0 = tl.reshape %x params(%s) {shape = array<i64: 3, 2>, param_attrs = ["perm"]} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return
}

// -----

// Integer attributes read i64 or i32 lists; float ones f32.
func.func @params_type(%x: tensor<2x3xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{'tl.reshape' op reads 'shape' from 'tensor<2xf32>'; it takes a 1-D static tensor of i64 or i32}}
  %0 = tl.reshape %x params(%s) {param_attrs = ["shape"]} : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @params_dynamic(%x: tensor<2x3xf32>, %s: tensor<?xi64>) {
  // expected-error @+1 {{'tl.reshape' op reads 'shape' from 'tensor<?xi64>'; it takes a 1-D static tensor}}
  %0 = tl.reshape %x params(%s) {param_attrs = ["shape"]} : (tensor<2x3xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  return
}

// -----

// The op still needs every attribute, one way or the other.
func.func @params_missing(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tl.reshape' op needs 'shape' as an attribute or a run-time parameter}}
  %0 = tl.reshape %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// A pad's run-time pads need two per dim.
func.func @params_pads(%x: tensor<2x3xf32>, %p: tensor<3xi64>) {
  // expected-error @+2 {{'tl.pad' op expects 4 pads (begins then ends)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tl.pad %x params(%p) {param_attrs = ["pads"]} : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<?x?xf32>
  return
}
