#!/usr/bin/env bash
# Issue 6 on the GPU machine in one call: our training step (fused-adam, fp32/bf16, dims 64/128, batch 64) against the
# PyTorch twin (bench/pytorch_reference.py, eager + torch.compile), the old per-parameter Adam for the optimizer gap, a
# per-phase profile, and DDIM-50 sampling at batch 256. About 6-8 minutes on an H100/H200; the per-part timeouts add up to 560 s, under the device tool's 600 s per call.
#
# Prepare on the CPU machine (../shared/gpu/README.md):   bench/gpu-pack.sh   (pack.sh minus the evaluation-only ONNX files)
# Run with the device tool:   command "bash bench/gpu-run.sh", carry [".gpu"], timeout_s 600
# Further GPU checks, one call each when device time is left: bench/gpu-stages.sh (cascade, latent), bench/gpu-edm.sh (issue 22: EDM).
# Logs go to $OUT (the device tool brings that folder back) or to the folder given as $1; a summary table is printed last.
set -uo pipefail
out=${1:-${OUT:-/tmp/gpu-run}}
mkdir -p "$out"
cd "$(dirname "$0")/.."
[[ -x .gpu/run.sh || -f .gpu/run.sh ]] || { echo "error: .gpu/run.sh missing: run ../shared/gpu/pack.sh first and carry .gpu" >&2; exit 2; }
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)
# Dense peaks (NVIDIA datasheets, SXM): bf16 989 TFLOP/s, TF32 495 TFLOP/s, for both H100 and H200.
bf16_peak=989; tf32_peak=495
{ echo "card: $gpu"; echo "date: $(date -u +%FT%TZ)"; echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  python3 -c 'import torch; print("pytorch", torch.__version__, "cuda", torch.version.cuda)'; } | tee "$out/env.txt"

ours() {  # name, timeout, ddpm bench args...
  local name=$1 limit=$2; shift 2
  echo "== ours: $name"
  timeout "$limit" bash .gpu/run.sh bench --device cuda "$@" > "$out/ours-$name.txt" 2>&1; local rc=$?
  tail -n 12 "$out/ours-$name.txt"; [[ $rc == 0 ]] || echo "FAILED ($rc): ours $name"
}
theirs() {  # name, timeout, pytorch_reference.py args...
  local name=$1 limit=$2; shift 2
  echo "== pytorch: $name"
  timeout "$limit" python3 bench/pytorch_reference.py --device cuda "$@" > "$out/pytorch-$name.txt" 2>&1; local rc=$?
  tail -n 12 "$out/pytorch-$name.txt"; [[ $rc == 0 ]] || echo "FAILED ($rc): pytorch $name"
}

common=(--dims 64,128 --batch 64 --warmup 5 --repeats 20)
ours fp32 100 "${common[@]}" --precision fp32 --optimizer fused-adam,adam --peak-tflops $tf32_peak
ours bf16 110 "${common[@]}" --precision bf16 --optimizer fused-adam --peak-tflops $bf16_peak --sample-batch 256
ours profile-fp32 40 --dims 128 --batch 64 --warmup 3 --repeats 10 --precision fp32 --optimizer fused-adam,adam --profile
ours profile-bf16 30 --dims 128 --batch 64 --warmup 3 --repeats 10 --precision bf16 --optimizer fused-adam --profile
theirs eager 110 "${common[@]}" --precision fp32,bf16 --sample-batch 256
theirs compile 170 --dims 64,128 --batch 64 --warmup 5 --repeats 20 --precision bf16 --compile

echo
echo "== summary ($gpu)"
grep -h '^| pytorch' "$out"/pytorch-*.txt
grep -h -E '│ *(64|128) ' "$out"/ours-fp32.txt "$out"/ours-bf16.txt
# Self-check: both sides must time the same network (same parameter counts).
for dim in 64 128; do
  ours_count=$(grep -h -E "│ *$dim *│" "$out/ours-fp32.txt" | head -n 1 | awk -F'│' '{gsub(/ /,"",$3); print $3}')
  theirs_count=$(grep -h "^| pytorch | $dim |" "$out/pytorch-eager.txt" | head -n 1 | awk -F'|' '{gsub(/ /,"",$4); print $4}')
  if [[ -n $ours_count && $ours_count == "$theirs_count" ]]; then echo "check dim $dim: parameter counts equal ($ours_count)";
  else echo "CHECK FAILED dim $dim: ours '$ours_count' vs pytorch '$theirs_count'"; fi
done
