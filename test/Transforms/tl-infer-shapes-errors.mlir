// RUN: tl-opt %s -split-input-file -tl-infer-shapes='input-shapes=input=4x5x8x8' -verify-diagnostics

// A fixed shape must agree with the declared one.
// expected-error @+1 {{shape input=4x5x8x8 is incompatible with input 'input' of type 'tensor<?x3x8x8xf32>'}}
func.func @conflict(%x: tensor<?x3x8x8xf32> {tl.name = "input"}) -> tensor<?x3x8x8xf32> {
  return %x : tensor<?x3x8x8xf32>
}

// -----

// A name no argument carries.
// expected-error @+1 {{no input named 'input' (input-shapes=input=4x5x8x8)}}
func.func @missing(%x: tensor<?x3x8x8xf32> {tl.name = "image"}) -> tensor<?x3x8x8xf32> {
  return %x : tensor<?x3x8x8xf32>
}
