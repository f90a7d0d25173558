#!/usr/bin/env bash
# Issue 22's measurements (docs/BENCHMARKS.md, "EDM against the DDPM recipe"): the demo's DDPM recipe (configs/demo.json:
# cosine schedule, x0 objective, DDIM 50) against the same data, U-Net and optimiser on the EDM formulation
# (configs/demo-edm.json: Heun over 18 Karras σ's = 35 evaluations), trained for the same steps (the same network, so the
# same CPU time per step: compare the logs' seconds), then FD-ResNet18 against the training images with n samples at two
# sampling seeds; the sampler table on both models; autoguidance on an unconditional EDM run guided by its own earlier
# checkpoint.
# Usage: bench/edm-vs-ddpm.sh OUT_DIR [N] [STEPS]     (N ≥ 500 for the issue's comparison; STEPS default 1600, the demo's)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: bench/edm-vs-ddpm.sh OUT_DIR [N] [STEPS]}
n=${2:-500}
steps=${3:-1600}
mkdir -p "$out"
ddpm() { "$root/ddpm" "$@"; }
train() { # name config [--set ...]
  local name=$1 config=$2; shift 2
  [[ -f "$out/$name/checkpoints/step-$(printf %06d "$steps").ckpt" ]] || ddpm train --config "$config" --out "$out/$name" --steps "$steps" --device cpu "$@"
}
train ddpm "$root/configs/demo.json"
train edm "$root/configs/demo-edm.json"
train edm-uncond "$root/configs/demo-edm.json" --set model.class_conditional=false
for seed in 0 1; do
  ddpm eval --run "$out/ddpm" --n "$n" --seed "$seed" --metrics fd,kid --device cpu                       # its run default: DDIM 50
  ddpm eval --run "$out/edm" --n "$n" --seed "$seed" --metrics fd,kid --device cpu                        # its run default: Heun 18
done
# The sampler table on both kinds of model (seed 0): FD against network evaluations.
for run in ddpm edm; do
  for s in "euler 18 karras" "euler 50 karras" "heun 10 karras" "heun 18 karras" "dpm-solver++ 20 karras" "ddim 50 auto"; do
    read -r sampler k spacing <<<"$s"
    ddpm eval --run "$out/$run" --n "$n" --sampler "$sampler" --steps "$k" --spacing "$spacing" --metrics fd,kid --device cpu
  done
done
# The issue's target: Heun 18 within the seed-to-seed spread of DDPM-1000 on the EDM model (ancestral over 1,000 Karras σ's).
ddpm eval --run "$out/edm" --n "$n" --sampler ddpm --steps 1000 --metrics fd,kid --device cpu
# Autoguidance on the unconditional EDM run, guided by its step-(steps/4) checkpoint (a shorter-trained model of the same data).
guide="$out/edm-uncond/checkpoints/step-$(printf %06d $((steps / 4))).ckpt"
ddpm eval --run "$out/edm-uncond" --n "$n" --metrics fd,kid --device cpu
for w in 1.5 2 3; do
  ddpm eval --run "$out/edm-uncond" --n "$n" --metrics fd,kid --device cpu --guide "$guide" --autoguidance "$w"
done
for run in ddpm edm edm-uncond; do
  echo "## $run (train seconds per step: $(awk -F, 'NR > 1 { s = $0 } END { print s }' "$out/$run/log.csv"))"
  jq -r '.entries[] | "\(.sampler) \(.steps) \(.spacing // "auto") seed \(.seed) guide \(.guide.weight // "-") FD-ResNet18 \(.fd * 100 | round / 100) KID \(.kid_mean * 1000 | round / 1000) sampling \(.sampling_seconds | round) s"' "$out/$run/evaluation_results.json"
done
