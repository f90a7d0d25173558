#!/usr/bin/env bash
# Disk-full test (issue 7 item 3, docs/RELIABILITY.md): trains into a tmpfs too small for the third checkpoint (~0.8 MB each
# for this tiny model) and checks: exit 2 with one `error:` line saying no space and naming the file, no stack trace, the
# previous checkpoint intact and loadable, `latest` naming a complete checkpoint, no temp file left. Needs root (mount).
# Usage: tools/disk-full.sh [SIZE=2000k]; exit 1 on any failed check.
set -uo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-2000k}
DLL=src/SharpDiffusion.Cli/bin/Release/net10.0/linux-x64/ddpm.dll
WORK=$(mktemp -d /tmp/disk-full.XXXXXX)
MNT=$WORK/mnt
export XDG_CACHE_HOME=$WORK/cache OMP_NUM_THREADS=1
nice dotnet build src/SharpDiffusion.Cli -c Release -v q -nologo >/dev/null || { echo "build failed"; exit 1; }
mkdir -p "$MNT"
mount -t tmpfs -o size="$SIZE" tmpfs "$MNT" || { echo "mount failed (needs root)"; exit 1; }
trap 'umount "$MNT"; rm -rf "$WORK"' EXIT

RUN=$MNT/run
nice dotnet "$DLL" train --device cpu --out "$RUN" --set data.image_size=8 --set data.synthetic_count=32 --set model.dim=8 \
    --set 'model.dim_mults=[1,2]' --set model.res_blocks=1 --set 'model.attention_resolutions=[]' --set model.groups=4 \
    --set training.batch_size=4 --set training.steps=20 --set training.checkpoint_every=2 --set training.keep_last=0 \
    --set training.log_every=1 --set training.sample_every=0 --set training.sample_steps=2 --set training.sample_count=4 \
    --set training.monitor_interval_s=0 >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?

failures=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; failures=$((failures + 1)); fi; }
echo "tmpfs $SIZE; train exit code $rc; stderr:"
sed 's/^/    /' "$WORK/stderr"
echo "files left on the full disk:"
ls -la "$RUN/checkpoints" | sed 's/^/    /'
df -h "$MNT" | sed 's/^/    /'
latest=$(cat "$RUN/checkpoints/latest" 2>/dev/null)
check "exit code 2 (user error)" '[[ $rc -eq 2 ]]'
check "exactly one stderr line, starting with error:" '[[ $(wc -l <"$WORK/stderr") -eq 1 ]] && grep -q "^error: " "$WORK/stderr"'
check "message says no space" 'grep -qi "no space\|disk.*full" "$WORK/stderr"'
check "message names the file" 'grep -q "$RUN" "$WORK/stderr"'
check "no stack trace" '! grep -q "   at " "$WORK/stderr" "$WORK/stdout"'
check "latest ($latest) is a checkpoint with a valid checksum" '[[ -n $latest ]] && python3 -c "import sys; sys.path.insert(0, \"tools\"); import ckpt_check; sys.exit(0 if ckpt_check.checksum_ok(\"$RUN/checkpoints/$latest\") else 1)"'
check "every checkpoint file has a valid checksum" 'for f in "$RUN"/checkpoints/step-*.ckpt; do python3 -c "import sys; sys.path.insert(0, \"tools\"); import ckpt_check; sys.exit(0 if ckpt_check.checksum_ok(\"$f\") else 1)" || exit 1; done'
check "no temp file left" '! compgen -G "$RUN/checkpoints/.*.tmp" >/dev/null && ! compgen -G "$RUN/.*.tmp" >/dev/null'
# Loading reads only; the sample grid goes off the full disk.
check "latest loads (ddpm sample --n 1 --steps 1)" 'nice dotnet "$DLL" sample --run "$RUN" --n 1 --steps 1 --device cpu --out "$WORK/sample.png" >"$WORK/sample.out" 2>&1'
echo "failures: $failures"
((failures == 0))
