#!/usr/bin/env bash
# Prepares .gpu/ for bench/gpu-run.sh: ../shared/gpu/pack.sh, then drops what the GPU benchmark never loads — the
# ResNet-18 ONNX models and ONNX Runtime (evaluation only, ~107 MB) — so that .gpu fits the device tool's 64 MiB carry.
# Usage, from the repository root: bench/gpu-pack.sh
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
"$root/../shared/gpu/pack.sh" src/SharpDiffusion.Cli/SharpDiffusion.Cli.csproj
rm -rf .gpu/app/DnnImageModels
rm -f .gpu/app/libonnxruntime*.so* .gpu/app/onnxruntime.dll
size=$(du -sm .gpu | cut -f1)
tree=$(git ls-files -z | du -cm --files0-from=- | tail -n 1 | cut -f1)
echo "after dropping the evaluation-only files: .gpu is ${size} MiB, tracked tree ${tree} MiB"
(( size + tree < 62 )) || { echo "error: .gpu plus the tree exceed the 64 MiB the device tool carries" >&2; exit 1; }
