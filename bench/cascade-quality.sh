#!/usr/bin/env bash
# Does the upscaler beat interpolation? (issue 12 §5, docs/BENCHMARKS.md "Super-resolution on the demo").
# Usage: bench/cascade-quality.sh BASE_RUN SR_RUN [N] [OUT]     e.g. bench/cascade-quality.sh runs/demo runs/demo-sr 500
# For seeds 0 and 1: N base samples (DDIM-50, classes in turn, guidance 2 as the demo's grids), then each upscaled three
# ways to the upscaler's size — the upscaler (DDIM-50, its default aug level), torch's bicubic, nearest — and
# FD-ResNet18 of each set against the base config's own data source rendered at that size. Consistency: PSNR of the
# antialiased downscale (the training pipeline's) of each upscaled set against the base samples it came from.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base=${1:?usage: bench/cascade-quality.sh BASE_RUN SR_RUN [N] [OUT]}
sr=${2:?usage: bench/cascade-quality.sh BASE_RUN SR_RUN [N] [OUT]}
n=${3:-500}
out=${4:-$(mktemp -d)}
ddpm="$root/ddpm"
dotnet build "$root/bench/CascadeQuality" -c Release --nologo -v q >/dev/null
tool() { dotnet "$root/bench/CascadeQuality/bin/Release/net10.0/linux-x64/CascadeQuality.dll" "$@"; }
low=$(jq -r .data.image_size "$base/config.json")
high=$(jq -r .data.image_size "$sr/config.json")
tool real "$base/config.json" "$high" "$out/real"
"$ddpm" fid "$out/real" "$out/real.npz" --save-stats --extractor resnet18 --device cpu >/dev/null
echo "| seed | upscaled by | FD-ResNet18 at ${high}×${high} (n = $n) | consistency PSNR (dB) |"
echo "|---|---|---|---|"
for seed in 0 1; do
  d="$out/seed$seed"
  "$ddpm" sample --run "$base" --n "$n" --seed "$seed" --sampler ddim --steps 50 --guidance 2 --device cpu --out-dir "$d/base" >/dev/null
  "$ddpm" upscale --run "$sr" --images "$d/base" --seed "$seed" --sampler ddim --steps 50 --device cpu --out-dir "$d/upscaler" >/dev/null
  tool interpolate "$d/base" "$low" "$high" bicubic "$d/bicubic"
  tool interpolate "$d/base" "$low" "$high" nearest "$d/nearest"
  for way in upscaler bicubic nearest; do
    fd=$("$ddpm" fid "$d/$way" "$out/real.npz" --extractor resnet18 --device cpu --json | jq -r '.value // .fd')
    psnr=$(tool consistency "$d/base" "$low" "$d/$way" "$high" | sed -E 's/consistency PSNR ([0-9.]+) dB.*/\1/')
    echo "| $seed | $way | $(printf %.2f "$fd") | $psnr |"
  done
done
echo "(images and statistics in $out)"
