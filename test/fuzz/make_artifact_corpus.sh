#!/usr/bin/env bash
# Regenerates the artifact fuzzer's seed corpus (test/fuzz/corpus/artifact):
# the ONNX Runtime fixtures and the ONNX backend node tests that compile,
# each as a small .tlb. Run after a schema change, with a built tlc:
#   test/fuzz/make_artifact_corpus.sh [build/bin/tlc]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tlc=${1:-$root/build/bin/tlc}
out=$root/test/fuzz/corpus/artifact
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -f "$out"/*.tlb
# Small ones only: the fuzzer mutates every byte.
keep() { if [ "$(stat -c %s "$1")" -le 16384 ]; then mv "$1" "$2"; fi; }
for case in $(/usr/bin/python3 "$root/test/Importers/onnx/Inputs/make_onnx_fixture.py" --list); do
  /usr/bin/python3 "$root/test/Importers/onnx/Inputs/make_onnx_fixture.py" "$case" "$work/$case.onnx" \
    >/dev/null 2>&1 || continue
  "$tlc" compile "$work/$case.onnx" -o "$work/$case.tlb" >/dev/null 2>&1 || continue
  keep "$work/$case.tlb" "$out/fixture_$case.tlb"
done
for dir in /usr/share/libonnx-testdata/data/node/test_*; do
  name=$(basename "$dir")
  "$tlc" compile "$dir/model.onnx" -o "$work/$name.tlb" >/dev/null 2>&1 || continue
  keep "$work/$name.tlb" "$out/node_$name.tlb"
done
echo "$(ls "$out" | wc -l) seeds in $out"
