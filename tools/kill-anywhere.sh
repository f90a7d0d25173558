#!/usr/bin/env bash
# Kill-anywhere test (issue 7, docs/RELIABILITY.md): SIGKILLs `ddpm train` at random moments, some right after a checkpoint's
# temp file appears (i.e. during the checkpoint write), resumes with --resume until the run finishes, then checks that every
# checkpoint's checksum holds, one loads, `latest` names a complete checkpoint, log.csv has steps 1..N exactly once with the
# reference losses, and the final model/EMA/optimizer/RNG bytes equal an uninterrupted run's.
# Usage: tools/kill-anywhere.sh [TRIALS=30] [KILLS_PER_TRIAL=3] [WORK_DIR=/tmp/kill-anywhere]; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
TRIALS=${1:-30}
KILLS=${2:-3}
WORK=${3:-/tmp/kill-anywhere}
STEPS=24
DLL=src/SharpDiffusion.Cli/bin/Release/net10.0/linux-x64/ddpm.dll
CHECK="python3 tools/ckpt_check.py"
RANDOM=${SEED:-7}
# One libtorch thread: on a shared 2-core machine the default thread pool oversubscribes the cores (~15x slower steps).
export OMP_NUM_THREADS=1
command -v inotifywait >/dev/null || { echo "needs inotifywait (apt-get install inotify-tools)"; exit 1; }

nice dotnet build src/SharpDiffusion.Cli -c Release -v q -nologo >/dev/null || { echo "build failed"; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK"
export XDG_CACHE_HOME="$WORK/cache"
TINY=(--device cpu --set data.image_size=8 --set data.synthetic_count=32 --set model.dim=8 --set 'model.dim_mults=[1,2]'
      --set model.res_blocks=1 --set 'model.attention_resolutions=[]' --set model.groups=4 --set training.batch_size=4
      --set training.steps=$STEPS --set training.checkpoint_every=2 --set training.keep_last=0 --set training.log_every=1
      --set training.sample_every=0 --set training.sample_steps=2 --set training.sample_count=4 --set training.monitor_interval_s=0)

train() { nice dotnet "$DLL" train "${TINY[@]}" --out "$1" "${@:2}" >>"$1.out" 2>&1; }

echo "reference run ($STEPS steps, checkpoint every 2)..."
start=$(date +%s.%N)
train "$WORK/ref" || { echo "reference run failed"; cat "$WORK/ref.out"; exit 1; }
REF_S=$(echo "$(date +%s.%N) - $start" | bc)
REF_MS=$(printf '%.0f' "$(echo "$REF_S * 1000" | bc)")
echo "reference took ${REF_S}s"

# Starts the run (fresh or --resume) in the background and sets PID.
launch() {
    local dir=$1 args=()
    # The same test as RunDirectory.HasRunContent: a run folder with nothing written yet is started afresh.
    if [[ -e $dir/config.json || -e $dir/log.csv ]] || compgen -G "$dir/checkpoints/step-*.ckpt" >/dev/null; then args=(--resume); fi
    # Started directly (nice execs dotnet, which hosts the app in-process) so that PID is the trainer itself, not a subshell.
    nice dotnet "$DLL" train "${TINY[@]}" --out "$dir" "${args[@]}" >>"$dir.out" 2>&1 &
    PID=$!
}

total_kills=0 ckpt_kills=0 torn_writes=0 failures=0 resumes=0
printf '%-6s %-6s %-10s %-8s %-8s %s\n' trial kills ckpt-kills torn resumes result >"$WORK/summary.txt"
suite_start=$(date +%s)
for trial in $(seq 1 "$TRIALS"); do
    dir="$WORK/t$trial"
    mkdir -p "$dir/checkpoints" # watched by inotifywait; an empty folder is not run content
    kills=0 ck=0 torn=0 starts=0
    while :; do
        launch "$dir"
        starts=$((starts + 1))
        if ((kills < KILLS)); then
            if ((RANDOM % 2)); then
                # During a checkpoint write: kill the moment a checkpoint temp file is created (inotify, no polling).
                inotifywait -q -q -e create --include '\.step-.*\.tmp$' "$dir/checkpoints" &
                watcher=$!
                wait -n "$watcher" "$PID"
                if kill -0 "$watcher" 2>/dev/null; then kill "$watcher"; wait "$watcher" 2>/dev/null; fi
                if kill -9 "$PID" 2>/dev/null; then
                    kills=$((kills + 1)) ck=$((ck + 1))
                    wait "$PID" 2>/dev/null
                    # A temp file of this process left behind proves the kill landed inside the write.
                    compgen -G "$dir/checkpoints/.step-*.$PID.tmp" >/dev/null && torn=$((torn + 1))
                    continue
                fi
            else
                sleep "$(printf '0.%03d' $((RANDOM % 1000)))"
                sleep $((RANDOM % (REF_MS / 1000 + 1)))
                if kill -9 "$PID" 2>/dev/null; then
                    kills=$((kills + 1))
                    wait "$PID" 2>/dev/null
                    continue
                fi
            fi
        fi
        wait "$PID"
        rc=$?
        [[ $rc -eq 0 ]] && break
        echo "trial $trial: train exited $rc" >>"$WORK/failures.txt"
        break
    done
    result=ok
    notes=()
    if ! out=$($CHECK verify "$dir" "$STEPS"); then result=FAIL; fi; notes+=("$out")
    if ! out=$($CHECK same-state "$dir/checkpoints/step-$(printf %06d $STEPS).ckpt" "$WORK/ref/checkpoints/step-$(printf %06d $STEPS).ckpt"); then result=FAIL; fi; notes+=("$out")
    if ! out=$($CHECK same-log "$dir" "$WORK/ref"); then result=FAIL; fi; notes+=("$out")
    # Loads through the CLI: one checkpoint picked at random plus latest.
    mapfile -t ckpts < <(ls "$dir"/checkpoints/step-*.ckpt)
    pick=${ckpts[$((RANDOM % ${#ckpts[@]}))]}
    for c in "$pick" ""; do
        if ! nice dotnet "$DLL" sample --run "$dir" ${c:+--checkpoint "$c"} --n 1 --steps 1 --device cpu --out "$WORK/sample.png" >>"$dir.sample.out" 2>&1; then
            result=FAIL; notes+=("sample ${c:-latest} failed")
        fi
    done
    [[ $result == FAIL ]] && failures=$((failures + 1)) && printf 'trial %s: %s\n' "$trial" "${notes[*]}" >>"$WORK/failures.txt"
    total_kills=$((total_kills + kills)) ckpt_kills=$((ckpt_kills + ck)) torn_writes=$((torn_writes + torn)) resumes=$((resumes + starts - 1))
    printf '%-6s %-6s %-10s %-8s %-8s %s\n' "$trial" "$kills" "$ck" "$torn" "$((starts - 1))" "$result | ${notes[0]}" | tee -a "$WORK/summary.txt"
done
elapsed=$(($(date +%s) - suite_start))
{
    echo
    echo "trials: $TRIALS, kills: $total_kills ($ckpt_kills right after a checkpoint temp file appeared, $torn_writes left the temp file: killed mid-write), resumes: $resumes"
    echo "failures: $failures; duration: ${elapsed}s (reference run ${REF_S}s)"
} | tee -a "$WORK/summary.txt"
[[ -f $WORK/failures.txt ]] && cat "$WORK/failures.txt"
((failures == 0))
