// RUN: tl-opt %s -split-input-file -verify-diagnostics -tl-attach-head=spec=linear:3

// expected-error @below {{tl-attach-head: the network has 2 outputs; a head needs exactly one (cut first)}}
func.func @two_outputs(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  return %x, %x : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// expected-error @below {{tl-attach-head: the feature size is dynamic; fix the input size with --input-shape, or pool the features}}
func.func @dynamic_features(%x: tensor<1x?xf32>) -> tensor<1x?xf32> {
  return %x : tensor<1x?xf32>
}
