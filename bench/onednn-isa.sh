#!/usr/bin/env bash
# Issue 20: CPU training speed of ours at the full ISA (what a host now runs), ours capped at SSE4.1 (what every
# AVX-512 host ran before) and Debian's PyTorch 1.13 on the same U-Net, side by side, 2 threads each, in one run.
#   bench/onednn-isa.sh [DIMS=32,64] [BATCH=8]
set -euo pipefail
cd "$(dirname "$0")/.."
dims=${1:-32,64}
batch=${2:-8}
export OMP_NUM_THREADS=2
./ddpm --version
for dim in ${dims//,/ }; do
  echo "== dim $dim, batch $batch: ours at the full ISA"
  ./ddpm bench --device cpu --dims "$dim" --batch "$batch" --warmup 2 --repeats 5
  echo "== dim $dim, batch $batch: ours with ONEDNN_MAX_CPU_ISA=SSE41 (the old cap)"
  ONEDNN_MAX_CPU_ISA=SSE41 ./ddpm bench --device cpu --dims "$dim" --batch "$batch" --warmup 2 --repeats 5
  echo "== dim $dim, batch $batch: Debian's PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
  /usr/bin/python3 bench/pytorch_reference.py --device cpu --dims "$dim" --batch "$batch" --warmup 2 --repeats 5
done
