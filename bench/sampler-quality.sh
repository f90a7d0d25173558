#!/usr/bin/env bash
# Quality versus cost of the samplers (DDPM-1000, DDIM-250/100/50, DPM-Solver++-20/10, UniPC-20/10) on one trained run (issue 5's table in docs/BENCHMARKS.md).
# Usage: bench/sampler-quality.sh RUN_DIR [N] [GUIDANCE]
# For each sampler setting, `ddpm eval` draws N samples from the run's latest checkpoint with the same seed, extracts
# ResNet-18 features and records FD-ResNet18 and KID against the run's training images in RUN_DIR/evaluation_results.json;
# the table printed at the end reads them back (sampling seconds per image = sampling_seconds / n).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
run=${1:?usage: bench/sampler-quality.sh RUN_DIR [N] [GUIDANCE]}
n=${2:-250}
guidance=${3:-0}
settings=("ddpm 1000" "ddim 250" "ddim 100" "ddim 50" "dpm-solver++ 20" "dpm-solver++ 10" "unipc 20" "unipc 10")
for s in "${settings[@]}"; do
  read -r sampler steps <<<"$s"
  "$root/ddpm" eval --run "$run" --n "$n" --sampler "$sampler" --steps "$steps" --guidance "$guidance" --metrics fid,kid --device cpu
done
echo
echo "| sampler | steps (network evaluations) | FD-ResNet18 | KID (mean ± std) | sampling s/image |"
echo "|---|---|---|---|---|"
jq -r --argjson n "$n" --argjson g "$guidance" '
  .entries | map(select(.n == $n and .guidance == $g)) | sort_by(-.steps)[] |
  "| \(.sampler) | \(.steps) | \(.fd * 100 | round / 100) | \(.kid_mean * 1000 | round / 1000) ± \(.kid_std * 1000 | round / 1000) | \(.sampling_seconds / .n * 1000 | round / 1000) |"' \
  "$run/evaluation_results.json"
