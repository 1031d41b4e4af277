#!/usr/bin/env bash
# The pass-plugin story end to end, as a user outside the repo lives it:
#   1. `cmake --install` the build into a fresh prefix;
#   2. build examples/pass-plugin out of tree with find_package(TLC) only;
#   3. load it into the installed tl-opt (its own flag and --pass-pipeline)
#      and the installed `tlc compile` (--extra-passes at a pipeline point),
#      and check that it changes the model as intended;
#   4. a plugin stamped with another tlc version, a library that is not a
#      plugin, a missing file and an unknown pass name are clear errors.
#
# usage: check_plugin.sh BUILD_DIR SOURCE_DIR WORK_DIR FILECHECK PYTHON
set -euo pipefail
build=$1 src=$2 work=$3 filecheck=$4 python=$5
prefix=$work/install
rm -rf "$work"
mkdir -p "$work"

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
cmake -G Ninja -S "$src/examples/pass-plugin" -B "$work/plugin" \
  -DCMAKE_PREFIX_PATH="$prefix" > "$work/configure.log"
cmake --build "$work/plugin" > "$work/build.log"
plugin=$work/plugin/Relu6ToRelu.so
tlopt=$prefix/bin/tl-opt
tlc=$prefix/bin/tlc

# tl-opt: the plugin's pass has a flag of its own and options.
cat > "$work/in.mlir" <<'MLIR'
func.func @f(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %0 = tl.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4xf32> loc("a")
  %1 = tl.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4xf32> loc("b")
  return %0, %1 : tensor<1x4xf32>, tensor<1x4xf32>
}
MLIR
"$tlopt" --load-pass-plugin="$plugin" --relu6-to-relu=layers=b "$work/in.mlir" |
  "$filecheck" --check-prefix=OPT "$0"
# OPT: %0 = tl.clip %arg0
# OPT: %1 = tl.relu %arg0
"$tlopt" --load-pass-plugin "$plugin" \
  --pass-pipeline='builtin.module(func.func(relu6-to-relu))' "$work/in.mlir" |
  "$filecheck" --check-prefix=PIPE "$0"
# PIPE-NOT: tl.clip

# tlc compile: after folding, before fusion picks the conv's activation.
"$python" "$src/test/Importers/onnx/Inputs/make_onnx_fixture.py" conv_relu6 "$work/net.onnx"
"$tlc" compile "$work/net.onnx" -o "$work/net.mlir" --emit mlir \
  --load-pass-plugin "$plugin" --extra-passes 'after-fold=relu6-to-relu{layers=act1}'
"$filecheck" --check-prefix=TLC "$0" < "$work/net.mlir"
# TLC: tl.conv {{.*}}activation = #tl<activation relu>
# TLC: tl.conv {{.*}}activation = #tl<activation clip>
"$tlc" compile "$work/net.onnx" -o "$work/net.tlb" \
  --load-pass-plugin "$plugin" --extra-passes after-fold=relu6-to-relu
"$python" -c "import numpy as np; np.save('$work/x.npy', 10 * np.ones((1, 3, 8, 8), np.float32))"
"$tlc" run "$work/net.tlb" --input "x=$work/x.npy" --output-dir "$work/out"
"$python" -c "
import numpy as np
y = np.load('$work/out/y.npy')
assert y.shape == (1, 4, 8, 8) and y.max() > 6, 'ReLU6 was not replaced'
"

# Errors: a non-zero exit and the message.
expect_error() {
  local prefix=$1
  shift
  if "$@" > "$work/err.log" 2>&1; then
    echo "FAIL: expected an error from: $*" >&2
    exit 1
  fi
  "$filecheck" --check-prefix="$prefix" "$0" < "$work/err.log"
}
cmake -G Ninja -S "$src/examples/pass-plugin" -B "$work/plugin-old" \
  -DCMAKE_PREFIX_PATH="$prefix" \
  '-DCMAKE_CXX_FLAGS=-DTLC_PLUGIN_ABI_VERSION=\"tlc-0.0.1/mlir-18\"' > /dev/null
cmake --build "$work/plugin-old" > /dev/null
old=$work/plugin-old/Relu6ToRelu.so
expect_error OLD "$tlopt" --load-pass-plugin="$old" "$work/in.mlir"
# OLD: tl-opt: error: cannot load pass plugin '{{.*}}': it was built against tlc-0.0.1/mlir-18, but this is tlc-{{.*}}; rebuild it against this installation
expect_error OLDTLC "$tlc" compile "$work/net.onnx" -o "$work/bad.tlb" \
  --load-pass-plugin "$old"
# OLDTLC: tlc: error: cannot load pass plugin '{{.*}}': it was built against tlc-0.0.1/mlir-18
expect_error NOTSO "$tlc" compile "$work/net.onnx" -o "$work/bad.tlb" \
  --load-pass-plugin "$work/install.log"
# NOTSO: tlc: error: cannot load pass plugin '{{.*}}install.log':
expect_error MISSING "$tlc" compile "$work/net.onnx" -o "$work/bad.tlb" \
  --load-pass-plugin "$work/missing.so"
# MISSING: tlc: error: cannot load pass plugin '{{.*}}missing.so': no such file
expect_error UNKNOWN "$tlc" compile "$work/net.onnx" -o "$work/bad.tlb" \
  --load-pass-plugin "$plugin" --extra-passes after-fold=relu7-to-relu
# UNKNOWN: tlc: error: --extra-passes after-fold=relu7-to-relu: {{.*}}'relu7-to-relu' does not refer to a registered pass
test ! -e "$work/bad.tlb"
echo "pass plugin: built out of tree, loaded by tl-opt and tlc compile; errors checked"
