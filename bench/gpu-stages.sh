#!/usr/bin/env bash
# The cascade's and latent diffusion's GPU checks (issues 12 and 13), for a session lent the device after bench/gpu-run.sh
# (or instead of it, when that one has already been recorded). About 6 minutes; per-part timeouts add up to 540 s.
# Each stage trains for a fixed time on synthetic 128×128 shapes with the SYSU configs (SIGTERM checkpoints the step it
# is at) and the training images/s are read from its log.csv:
#   the 64→128 super-resolution stage (configs/sysu/sr-128.json), the 128×128 KL-f4 autoencoder
#   (configs/sysu/autoencoder-128-f4.json), and the latent U-Net on its 32×32×4 latents (configs/sysu/latent-128-f4.json),
#   then 16 latent samples (DDIM-50) decoded to 128×128 — the image is in $OUT to look at.
# Run with the device tool: command "bash bench/gpu-stages.sh", carry [".gpu"], timeout_s 600.
set -uo pipefail
out=${1:-${OUT:-/tmp/gpu-stages}}
mkdir -p "$out"
cd "$(dirname "$0")/.."
[[ -f .gpu/run.sh ]] || { echo "error: .gpu/run.sh missing: run bench/gpu-pack.sh first and carry .gpu" >&2; exit 2; }
{ echo "card: $(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)"; echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"; } | tee "$out/env.txt"
synthetic=(--set data.source=synthetic --set data.synthetic_count=1541 --set training.device=cuda)
stage() {  # name, seconds, ddpm train args...
  local name=$1 limit=$2; shift 2
  echo "== $name ($limit s)"
  timeout -s TERM "$limit" bash .gpu/run.sh train --out "$out/$name" "${synthetic[@]}" "$@" > "$out/$name.txt" 2>&1
  tail -n 3 "$out/$name/log.csv" 2>/dev/null | awk -F, '{ printf "  step %s  loss %.4f  %s images/s\n", $1, $2, $4 }'
}
stage sr-128 150 --config configs/sysu/sr-128.json
stage autoencoder-128-f4 150 --config configs/sysu/autoencoder-128-f4.json
stage latent-128-f4 150 --config configs/sysu/latent-128-f4.json --set "model.latent.autoencoder=$out/autoencoder-128-f4"
echo "== latent samples"
timeout 90 bash .gpu/run.sh sample --run "$out/latent-128-f4" --n 16 --steps 50 --device cuda --out "$out/latent-128-samples.png" 2>&1 | tail -n 2
