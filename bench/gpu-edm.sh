#!/usr/bin/env bash
# Issue 22's GPU check, for a session lent the device after bench/gpu-run.sh (or instead of it, when that one has already
# been recorded). About 7 minutes; the per-part timeouts add up to 560 s. The reference study's recipe
# (configs/sysu/baseline.json) and its EDM counterpart (configs/sysu/edm-baseline.json: preconditioning, log-normal σ,
# dropout 0.25, multipliers 1,2,2,2) each train for the same wall time on synthetic 64×64 shapes (SIGTERM checkpoints the
# step it is at); images/s come from log.csv; then 16 samples of each with its own sampler (DDIM-50; Heun over 18 Karras
# σ's = 35 evaluations, and the same with churn) — the images are in $OUT to look at.
# Run with the device tool: command "bash bench/gpu-edm.sh", carry [".gpu"], timeout_s 600.
set -uo pipefail
out=${1:-${OUT:-/tmp/gpu-edm}}
mkdir -p "$out"
cd "$(dirname "$0")/.."
[[ -f .gpu/run.sh ]] || { echo "error: .gpu/run.sh missing: run bench/gpu-pack.sh first and carry .gpu" >&2; exit 2; }
{ echo "card: $(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)"; echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"; } | tee "$out/env.txt"
synthetic=(--set data.source=synthetic --set data.synthetic_count=1541 --set training.device=cuda --set training.sample_every=0)
stage() {  # name, seconds, ddpm train args...
  local name=$1 limit=$2; shift 2
  echo "== $name ($limit s)"
  timeout -s TERM "$limit" bash .gpu/run.sh train --out "$out/$name" "${synthetic[@]}" "$@" > "$out/$name.txt" 2>&1
  tail -n 3 "$out/$name/log.csv" 2>/dev/null | awk -F, '{ printf "  step %s  loss %.4f  %s images/s\n", $1, $2, $4 }'
}
stage ddpm 200 --config configs/sysu/baseline.json
stage edm 200 --config configs/sysu/edm-baseline.json
echo "== samples"
timeout 50 bash .gpu/run.sh sample --run "$out/ddpm" --n 16 --device cuda --out "$out/ddpm-ddim50.png" 2>&1 | tail -n 1
timeout 50 bash .gpu/run.sh sample --run "$out/edm" --n 16 --device cuda --out "$out/edm-heun18.png" 2>&1 | tail -n 1
timeout 60 bash .gpu/run.sh sample --run "$out/edm" --n 16 --device cuda --steps 40 --churn 40 --churn-min 0.05 --churn-max 50 --churn-noise 1.003 --out "$out/edm-heun40-churn.png" 2>&1 | tail -n 1
