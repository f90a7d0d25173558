#!/usr/bin/env bash
# Latent against pixel diffusion at equal CPU time (issue 13 §4, docs/BENCHMARKS.md "Latent against pixel diffusion").
# Usage: bench/latent-vs-pixel.sh [SECONDS] [AE_SECONDS] [N] [OUT]      e.g. bench/latent-vs-pixel.sh 1200 480 500
# Both arms run side by side with one thread each (OMP_NUM_THREADS=1), so each gets SECONDS of one core:
#   pixel:  configs/shapes-pixel.json for SECONDS;
#   latent: configs/shapes-autoencoder.json for AE_SECONDS, then configs/shapes-latent.json on it for the rest,
# each stopped by SIGTERM (the trainer checkpoints the step it is at). Then FD-ResNet18 (n = N, DPM-Solver++ 20, classes in
# turn, guidance 2 as the demo's grids) of both against the 32×32 shapes at seeds 0 and 1, and the autoencoder's
# reconstruction FD — the floor the latent model cannot beat.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-1200}
ae_seconds=${2:-480}
n=${3:-500}
out=${4:-$(mktemp -d)}
ddpm="$root/ddpm"
export OMP_NUM_THREADS=1
"$ddpm" --version >/dev/null # builds once, before the clocks start
train() { # SECONDS ARGS...: train until done or SIGTERM after SECONDS; 75 is "stopped after a checkpoint"
  local limit=$1; shift
  timeout -s TERM "$limit" "$ddpm" train --steps 1000000 "$@" >/dev/null; local rc=$?
  [[ $rc == 0 || $rc == 75 || $rc == 124 ]] || { echo "train $* failed ($rc)" >&2; exit 1; }
}
train "$seconds" --config "$root/configs/shapes-pixel.json" --out "$out/pixel" &
pixel=$!
train "$ae_seconds" --config "$root/configs/shapes-autoencoder.json" --out "$out/ae"
train $((seconds - ae_seconds)) --config "$root/configs/shapes-latent.json" --set "model.latent.autoencoder=$out/ae" --out "$out/latent"
wait $pixel
export OMP_NUM_THREADS=2
step() { tail -n 1 "$1/log.csv" | cut -d, -f1; }
last() { jq -r ".entries[-1].$2" "$1/evaluation_results.json"; }
echo "| run | training steps | seed | FD-ResNet18 (n = $n) |"
echo "|---|---|---|---|"
for run in pixel latent; do
  for seed in 0 1; do
    "$ddpm" eval --run "$out/$run" --n "$n" --sampler dpm-solver++ --steps 20 --guidance 2 --seed "$seed" --metrics fd >/dev/null
    echo "| $run | $(step "$out/$run") | $seed | $(printf %.2f "$(last "$out/$run" fd)") |"
  done
done
"$ddpm" eval --run "$out/ae" --n "$n" >/dev/null
echo "| autoencoder reconstructions vs originals | $(step "$out/ae") | – | $(printf %.2f "$(last "$out/ae" fd)") (PSNR $(printf %.2f "$(last "$out/ae" reconstruction_psnr)") dB) |"
echo "(runs in $out)"
