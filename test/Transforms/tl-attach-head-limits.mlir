// RUN: tl-opt %s -verify-diagnostics -tl-attach-head=spec=linear:99999999999
// RUN: not tl-opt %s -tl-attach-head=spec=mlp:70000,70000:3 2>&1 | FileCheck %s --check-prefix=MLP

// A head too large to initialize is refused before anything is allocated
// (tlc compile --head linear:99999999999 used to abort in the allocator);
// each layer is checked, the hidden ones too.
// MLP: error: tl-attach-head: head layer 1 of 70000 outputs over 70000 inputs needs 70000 x 70000 parameters; at most 2^31 fit one layer
// expected-error @below {{tl-attach-head: head layer 0 of 99999999999 outputs over 4 inputs needs 99999999999 x 4 parameters; at most 2^31 fit one layer}}
func.func @huge_head(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  return %x : tensor<1x4xf32>
}
