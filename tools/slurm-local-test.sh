#!/usr/bin/env bash
# End-to-end test of `ddpm slurm` against a real one-node SLURM cluster on this machine (Debian 12, run as root):
# installs slurm-wlm + munge from apt when missing, writes a private slurm.conf (SLURM_CONF, nothing under /etc/slurm
# is touched), starts munged, slurmctld and slurmd, generates the job array for two tiny configs with `ddpm slurm`,
# submits it with the exact commands `ddpm slurm` printed, waits (bounded), and checks that both run folders are
# complete and that the dependent evaluation job ran after the array. Prints PASS or FAIL and exits 0 or 1.
# Usage: tools/slurm-local-test.sh [WORK_DIR]   (default: a fresh temp folder; KEEP_DAEMONS=1 leaves SLURM running)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$(mktemp -d /tmp/ddpm-slurm-test.XXXXXX)}
wait_limit_s=${WAIT_LIMIT_S:-600}
started=$(date +%s)
host=$(hostname -s)

fail() { echo "FAIL: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || fail "run as root (the test starts slurmctld, slurmd and munged)"

# --- install -------------------------------------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  echo "installing slurmctld, slurmd, slurm-client, munge (apt)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge) >"$work/apt.log" 2>&1 \
    || fail "apt-get install of slurm-wlm/munge failed; see $work/apt.log"
fi

# --- configure -----------------------------------------------------------------------------------------------------
mkdir -p "$work"/{state,spool,configs}
chmod 755 "$work"
mem_mb=$(free -m | awk '/^Mem:/ { print int($2 * 0.9) }')
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<EOF
# One node on localhost, no cgroups, no accounting: just enough to schedule and run batch jobs.
ClusterName=ddpmtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=900
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

# --- start daemons -------------------------------------------------------------------------------------------------
pids_to_stop=()
cleanup() {
  [[ ${KEEP_DAEMONS:-0} == 1 ]] && { echo "SLURM left running (SLURM_CONF=$SLURM_CONF)"; return; }
  scancel -n ddpmtest-train,ddpmtest-eval 2>/dev/null || true # jobs left by a failed or timed-out test
  sleep 1
  for pid in "${pids_to_stop[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 143' TERM INT # so that `timeout` or Ctrl-C still runs the cleanup above

if ! pgrep -x munged >/dev/null; then
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 755 /run/munge
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged || fail "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 1 10); do [[ -s /run/munge/munged.pid ]] && break; sleep 1; done
  pids_to_stop+=("$(cat /run/munge/munged.pid)") # the daemon, not runuser's short-lived parent
fi
munge -n | unmunge >/dev/null || fail "munge credentials do not round-trip (munge -n | unmunge)"

slurmctld -c || fail "slurmctld did not start; see $work/slurmctld.log"
slurmd -c || fail "slurmd did not start; see $work/slurmd.log"
for _ in $(seq 1 30); do
  [[ -s $work/slurmctld.pid && -s $work/slurmd.pid ]] && break
  sleep 1
done
pids_to_stop+=("$(cat "$work/slurmd.pid")" "$(cat "$work/slurmctld.pid")")

node_state=""
for _ in $(seq 1 60); do
  node_state=$(sinfo -h -n "$host" -o '%T' 2>/dev/null || true)
  [[ $node_state == idle* ]] && break
  if [[ $node_state == down* || $node_state == drain* ]]; then scontrol update nodename="$host" state=resume 2>/dev/null || true; fi
  sleep 1
done
[[ $node_state == idle* ]] || fail "node $host is '$node_state', not idle; see $work/slurmd.log and $work/slurmctld.log"
echo "SLURM up: node $host idle ($(sinfo --version))"

# --- generate ------------------------------------------------------------------------------------------------------
"$repo/ddpm" --help >/dev/null # builds the tool once; the jobs run this build directly
ddpm=(dotnet "$repo/src/SharpDiffusion.Cli/bin/Release/net10.0/linux-x64/ddpm.dll")
cat >"$work/configs/tiny-a.json" <<'EOF'
{ "name": "tiny-a", "seed": 1,
  "data": { "source": "synthetic", "image_size": 16, "synthetic_count": 64 },
  "model": { "dim": 16, "dim_mults": [1, 2], "res_blocks": 1, "attention_resolutions": [] },
  "diffusion": { "timesteps": 100 },
  "training": { "steps": 6, "batch_size": 4, "log_every": 2, "checkpoint_every": 3, "sample_every": 0,
                "sample_count": 4, "sample_steps": 5, "device": "cpu", "monitor_interval_s": 1 } }
EOF
echo '{ "extends": "tiny-a.json", "name": "tiny-b", "training": { "lr": 2e-5 } }' >"$work/configs/tiny-b.json"

generated=$("${ddpm[@]}" slurm --configs "$work/configs/tiny-a.json" "$work/configs/tiny-b.json" --out "$work/runs" --write "$work/slurm" \
  --partition debug --time 00:15:00 --cpus 1 --job-name ddpmtest --setup-line 'echo "setup ran on $(hostname)"' \
  --eval-command 'sample --run {run} --n 4 --steps 5 --device cpu') || fail "ddpm slurm failed"
echo "$generated"

# --- submit with the printed commands --------------------------------------------------------------------------------
submit=$(grep -E '^(array_id=|sbatch )' <<<"$generated")
[[ $(wc -l <<<"$submit") -eq 2 ]] || fail "ddpm slurm did not print the two sbatch commands"
ids=$(bash -c "set -euo pipefail; $submit; echo \"\$array_id\"") || fail "submitting with the printed commands failed"
eval_id=$(sed -n 1p <<<"$ids" | cut -d';' -f1)
array_id=$(sed -n 2p <<<"$ids")
echo "submitted: array $array_id, evaluation $eval_id"

# --- wait ----------------------------------------------------------------------------------------------------------
deadline=$(( $(date +%s) + wait_limit_s ))
while [[ -n $(squeue -h -u root -n ddpmtest-train,ddpmtest-eval -o '%i' 2>/dev/null) ]]; do
  (( $(date +%s) < deadline )) || { squeue; fail "jobs still queued or running after ${wait_limit_s}s"; }
  sleep 3
done

# --- check ---------------------------------------------------------------------------------------------------------
job_field() { scontrol show job "$1" -o | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
errors=()
for name in tiny-a tiny-b; do
  run="$work/runs/$name"
  [[ $(cat "$run/checkpoints/latest" 2>/dev/null) == step-000006.ckpt && -f $run/checkpoints/step-000006.ckpt ]] || errors+=("$name: no checkpoint at the final step 6")
  [[ $(tail -n 1 "$run/log.csv" 2>/dev/null | cut -d, -f1) == 6 ]] || errors+=("$name: log.csv does not end at step 6")
  [[ -f $run/samples/step-000006.png ]] || errors+=("$name: no training sample grid samples/step-000006.png")
  [[ $(wc -l <"$run/resources.csv" 2>/dev/null || echo 0) -ge 2 ]] || errors+=("$name: resources.csv has no rows")
  compgen -G "$run/samples/sample-*.png" >/dev/null || errors+=("$name: the evaluation job wrote no sample-*.png")
done
last_train_end=""
for task in 0 1; do
  state=$(job_field "${array_id}_$task" JobState)
  [[ $state == COMPLETED ]] || errors+=("array task $task ended $state (log: $work/slurm/logs)")
  end=$(job_field "${array_id}_$task" EndTime)
  [[ $end > $last_train_end ]] && last_train_end=$end
done
eval_state=$(job_field "$eval_id" JobState)
eval_start=$(job_field "$eval_id" StartTime)
eval_dependency=$(grep -c -- '--dependency=afterok:' <<<"$submit")
[[ $eval_state == COMPLETED ]] || errors+=("evaluation job ended $eval_state")
[[ $eval_dependency == 1 ]] || errors+=("the printed evaluation submission has no afterok dependency")
[[ -n $eval_start && ! $eval_start < $last_train_end ]] || errors+=("evaluation started $eval_start, before the array ended $last_train_end")
echo "array tasks ended by $last_train_end; evaluation started $eval_start and ended $eval_state"

duration=$(( $(date +%s) - started ))
if (( ${#errors[@]} > 0 )); then
  printf '  %s\n' "${errors[@]}"
  echo "job logs: $work/slurm/logs"; tail -n 20 "$work"/slurm/logs/* || true
  fail "${#errors[@]} check(s) failed (${duration}s)"
fi
echo "PASS: two-config SLURM array and its dependent evaluation job completed in ${duration}s (work folder $work)"
