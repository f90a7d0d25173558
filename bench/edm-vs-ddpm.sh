#!/usr/bin/env bash
# Issue 22's measurements (docs/BENCHMARKS.md, "EDM against the DDPM recipe"): the demo's DDPM recipe (configs/demo.json:
# cosine schedule, x0 objective, DDIM 50) against the same data, U-Net and optimiser on the EDM formulation
# (configs/demo-edm.json: Heun over 18 Karras σ's = 35 evaluations), trained for the same steps (the same network, so the
# same CPU time per step: compare the logs' seconds), then FD-ResNet18 against the training images with n samples at two
# sampling seeds; the sampler table on both models; autoguidance on an unconditional EDM run guided by its own earlier
# checkpoint; DDPM-1000 on the EDM model at both seeds; both demo recipes trained 3× longer; Fashion-MNIST as shipped.
# Usage: bench/edm-vs-ddpm.sh OUT_DIR [N] [STEPS]     (N ≥ 500 for the issue's comparison; STEPS default 1600, the demo's)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: bench/edm-vs-ddpm.sh OUT_DIR [N] [STEPS]}
n=${2:-500}
steps=${3:-1600}
mkdir -p "$out"
ddpm() { "$root/ddpm" "$@"; }
train() { # name config [--set ...]; an interrupted run is resumed (exactly); --steps N right after the config sets its length (default: STEPS)
  local name=$1 config=$2; shift 2
  if [[ ${1:-} == --steps ]]; then local steps=$2; shift 2; fi
  [[ -f "$out/$name/checkpoints/step-$(printf %06d "$steps").ckpt" ]] && return
  if [[ -d "$out/$name/checkpoints" ]]; then ddpm train --config "$config" --out "$out/$name" --steps "$steps" --device cpu --resume "$@"
  else ddpm train --config "$config" --out "$out/$name" --steps "$steps" --device cpu "$@"; fi
}
train ddpm "$root/configs/demo.json"
train edm "$root/configs/demo-edm.json"
# Each recipe with its own sampler (eval's default steps are the reference protocol's 250, so they are named): the demo's
# DDIM 50 (leading), EDM's Heun over 18 Karras σ's (35 evaluations).
for seed in 0 1; do
  ddpm eval --run "$out/ddpm" --n "$n" --seed "$seed" --sampler ddim --steps 50 --metrics fd,kid --device cpu
  ddpm eval --run "$out/edm" --n "$n" --seed "$seed" --sampler heun --steps 18 --metrics fd,kid --device cpu
done
# Autoguidance on an unconditional EDM run, guided by its step-(steps/4) checkpoint (a shorter-trained model of the same data).
train edm-uncond "$root/configs/demo-edm.json" --set model.class_conditional=false
guide="$out/edm-uncond/checkpoints/step-$(printf %06d $((steps / 4))).ckpt"
ddpm eval --run "$out/edm-uncond" --n "$n" --sampler heun --steps 18 --metrics fd,kid --device cpu
for w in 1.5 2 3; do
  ddpm eval --run "$out/edm-uncond" --n "$n" --sampler heun --steps 18 --metrics fd,kid --device cpu --guide "$guide" --autoguidance "$w"
done
# The sampler table on both kinds of model (seed 0): FD against network evaluations.
for run in ddpm edm; do
  for s in "euler 18 karras" "euler 50 karras" "heun 10 karras" "heun 18 karras" "dpm-solver++ 20 karras" "ddim 50 auto"; do
    read -r sampler k spacing <<<"$s"
    ddpm eval --run "$out/$run" --n "$n" --sampler "$sampler" --steps "$k" --spacing "$spacing" --metrics fd,kid --device cpu
  done
done
# The issue's target: Heun 18 within the seed-to-seed spread of DDPM-1000 on the EDM model (ancestral over 1,000 Karras σ's).
for seed in 0 1; do ddpm eval --run "$out/edm" --n "$n" --seed "$seed" --sampler ddpm --steps 1000 --metrics fd,kid --device cpu; done
# Longer training of both (resumed: the lr is constant after warm-up, so this equals a run of 3·STEPS): does the gap close?
for run in ddpm edm; do
  if [[ ! -d "$out/$run-long" ]]; then mkdir -p "$out/$run-long"; cp -r "$out/$run"/{config.json,checkpoints,log.csv,samples} "$out/$run-long/"; fi
done
train ddpm-long "$root/configs/demo.json" --steps $((3 * steps))
train edm-long "$root/configs/demo-edm.json" --steps $((3 * steps))
ddpm eval --run "$out/ddpm-long" --n "$n" --sampler ddim --steps 50 --checkpoints $((2 * steps)),$((3 * steps)) --metrics fd,kid --device cpu
ddpm eval --run "$out/edm-long" --n "$n" --sampler heun --steps 18 --checkpoints $((2 * steps)),$((3 * steps)) --metrics fd,kid --device cpu
# Fashion-MNIST as shipped: small-cpu.json (DDPM, ε, cosine) against edm-small-cpu.json, 3,000 steps each (about 20 minutes).
fm_steps=3000
train fm-ddpm "$root/configs/fashion-mnist/small-cpu.json" --steps "$fm_steps"
train fm-edm "$root/configs/fashion-mnist/edm-small-cpu.json" --steps "$fm_steps"
for seed in 0 1; do
  ddpm eval --run "$out/fm-ddpm" --n "$n" --seed "$seed" --sampler ddim --steps 50 --metrics fd,kid --device cpu
  ddpm eval --run "$out/fm-edm" --n "$n" --seed "$seed" --sampler heun --steps 18 --metrics fd,kid --device cpu
done
for run in ddpm edm edm-uncond ddpm-long edm-long fm-ddpm fm-edm; do
  echo "## $run (last log.csv row, step,loss,lr,images_per_s,elapsed_s: $(tail -n 1 "$out/$run/log.csv"))"
  jq -r '.entries[] | "\(.sampler) \(.steps) \(.spacing // "auto") seed \(.seed) guide \(.guide.weight // "-") FD-ResNet18 \(.fd * 100 | round / 100) KID \(.kid_mean * 1000 | round / 1000) sampling \(.sampling_seconds | round) s"' "$out/$run/evaluation_results.json"
done
