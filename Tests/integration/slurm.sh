#!/usr/bin/env bash
# A real distributed run of the README's Slurm array script, on this machine: a one-node Slurm
# (munged, slurmctld, slurmd with a generated minimal config), 4 array tasks with --shard auto over
# a generated corpus, then checks that every file was written exactly once with the seed's choices
# (the shards' manifests together equal a one-process run's), resubmits (--skip-existing: nothing
# rewritten), and stops the daemons it started.
#
# Not part of `swift test`; .ci/run runs it when SFCONV_SLURM=1. Needs root (it installs Debian's
# slurm-wlm and munge when missing). SFCONV_BIN=path uses that binary instead of a release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
export DEBIAN_FRONTEND=noninteractive

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi
if [ -z "${SFCONV_BIN:-}" ]; then
  swift build -c release --product sfconv >&2
  SFCONV_BIN=$(swift build -c release --show-bin-path)/sfconv
fi
BIN_DIR=$(mktemp -d)
ln -s "$SFCONV_BIN" "$BIN_DIR/sfconv"
export PATH="$BIN_DIR:$PATH"

WORK=$(mktemp -d)
chmod 755 "$WORK"
cleanup() {
  # The daemons this script started, by the PIDs in their pid files; waits (up to 15 s) until they are gone.
  local pids=()
  for pidfile in "$WORK/slurm/slurmd.pid" "$WORK/slurm/slurmctld.pid" "$WORK/munge/munged.pid"; do
    if [ -s "$pidfile" ]; then
      pids+=("$(cat "$pidfile")")
      kill "${pids[-1]}" 2>/dev/null || true
    fi
  done
  for _ in $(seq 30); do
    local running=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && running=1; done
    [ "$running" = 0 ] && break
    sleep 0.5
  done
  rm -rf "$WORK" "$BIN_DIR"
}
trap cleanup EXIT
fail() { echo "slurm: FAILED: $*" >&2; exit 1; }

# munge: its own key, socket, pid, log and seed under WORK.
mkdir -p "$WORK/munge/etc" "$WORK/munge/run" "$WORK/munge/lib"
chmod 700 "$WORK/munge/etc" "$WORK/munge/lib"
chmod 755 "$WORK/munge/run"
dd if=/dev/urandom of="$WORK/munge/etc/munge.key" bs=1024 count=1 status=none
chmod 600 "$WORK/munge/etc/munge.key"
SOCKET="$WORK/munge/run/munge.socket"
munged --force --key-file "$WORK/munge/etc/munge.key" --socket "$SOCKET" --pid-file "$WORK/munge/munged.pid" \
  --log-file "$WORK/munge/munged.log" --seed-file "$WORK/munge/lib/munged.seed"

# Slurm: one node with this machine's cores.
mkdir -p "$WORK/slurm/state" "$WORK/slurm/spool"
CPUS=$(nproc)
cat > "$WORK/slurm/slurm.conf" <<EOF
ClusterName=sfconv-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
StateSaveLocation=$WORK/slurm/state
SlurmdSpoolDir=$WORK/slurm/spool
SlurmctldPidFile=$WORK/slurm/slurmctld.pid
SlurmdPidFile=$WORK/slurm/slurmd.pid
SlurmctldLogFile=$WORK/slurm/slurmctld.log
SlurmdLogFile=$WORK/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
NodeName=localhost CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES State=UP MaxTime=INFINITE
EOF
export SLURM_CONF="$WORK/slurm/slurm.conf"
slurmctld
slurmd -N localhost
for _ in $(seq 60); do
  [ "$(sinfo -h -o %T 2>/dev/null | head -n 1)" = idle ] && break
  sleep 1
done
[ "$(sinfo -h -o %T | head -n 1)" = idle ] || fail "the node never became idle: $(sinfo 2>&1 | tail -n 2)"
echo "slurm: one node with $CPUS CPUs is idle"

# A corpus: 40 short mono files in nested folders, 3 IRs (one stereo), 2 noise files.
mkdir -p "$WORK/data/speech" "$WORK/data/irs" "$WORK/data/noise"
for i in $(seq 0 39); do
  mkdir -p "$WORK/data/speech/g$((i % 4))"
  sfconv generate noise "$WORK/data/speech/g$((i % 4))/u$i.wav" --duration "0.$((3 + i % 6))" --rate 16000 --seed "$i" --amplitude -20dB >/dev/null 2>&1
done
sfconv generate ir "$WORK/data/irs/room.wav" --rt60 0.4 --size room --channels 1 --rate 16000 >/dev/null 2>&1
sfconv generate ir "$WORK/data/irs/hall.wav" --rt60 1.2 --size hall --channels 2 --rate 16000 >/dev/null 2>&1
sfconv generate ir "$WORK/data/irs/plate.wav" --rt60 0.8 --size plate --channels 1 --rate 16000 >/dev/null 2>&1
sfconv generate noise "$WORK/data/noise/a.wav" --duration 2 --rate 16000 --seed 100 >/dev/null 2>&1
sfconv generate noise "$WORK/data/noise/b.wav" --duration 0.2 --rate 16000 --seed 101 >/dev/null 2>&1

# The README's job script, as it is written there.
awk '/^<!-- Tests\/integration\/slurm.sh runs this script -->/ {found=1; next}
     found && /^```sh$/ {inside=1; next}
     inside && /^```$/ {exit}
     inside {print}' "$ROOT/README.md" > "$WORK/job.sh"
[ -s "$WORK/job.sh" ] || fail "README.md has no Slurm job script after its marker"
grep -q -- "--shard auto" "$WORK/job.sh" || fail "the README's job script does not use --shard auto"

export CORPUS="$WORK/data/speech" IRS="$WORK/data/irs" NOISE="$WORK/data/noise"
mkdir -p "$WORK/cluster/manifests" "$WORK/reference/manifests"

# One process: the reference corpus and manifest, with the same paths as the job gives.
(cd "$WORK/reference" && SLURM_CPUS_PER_TASK=2 SLURM_ARRAY_TASK_ID=all bash -c "$(sed 's/--shard auto//' "$WORK/job.sh")")
[ -s "$WORK/reference/manifests/shard-all.jsonl" ] || fail "the one-process run wrote no manifest"

submit() {
  # --cpus-per-task on the command line wins over the script's #SBATCH line on a node with fewer CPUs.
  local cpus=$(( CPUS < 2 ? CPUS : 2 ))
  (cd "$WORK/cluster" && sbatch --wait --cpus-per-task="$cpus" --output="$WORK/cluster/task-%a.log" "$WORK/job.sh") \
    || { cat "$WORK"/cluster/task-*.log >&2 || true; fail "the array job failed"; }
}
submit
echo "slurm: the array job finished"

files=$(cd "$CORPUS" && find . -name '*.wav' | wc -l)
written=$(cd "$WORK/cluster/out" && find . -name '*.wav' | wc -l)
[ "$written" -eq "$files" ] || fail "$written outputs for $files inputs"
shards=$(ls "$WORK/cluster/manifests" | wc -l)
[ "$shards" -eq 4 ] || fail "$shards manifests, not one per array task (4)"
cat "$WORK"/cluster/manifests/*.jsonl | sort > "$WORK/cluster.sorted"
sort "$WORK/reference/manifests/shard-all.jsonl" > "$WORK/reference.sorted"
[ "$(wc -l < "$WORK/cluster.sorted")" -eq "$files" ] || fail "the manifests list $(wc -l < "$WORK/cluster.sorted") files, not $files"
duplicates=$(python3 -c 'import json,sys,collections; c=collections.Counter(json.loads(l)["audio_filepath"] for l in open(sys.argv[1])); print(sum(v>1 for v in c.values()))' "$WORK/cluster.sorted")
[ "$duplicates" -eq 0 ] || fail "$duplicates files written by more than one task"
diff -q "$WORK/cluster.sorted" "$WORK/reference.sorted" >/dev/null || { diff "$WORK/cluster.sorted" "$WORK/reference.sorted" | head -n 5 >&2; fail "the shards' manifests differ from the one-process run's"; }
for f in $(cd "$WORK/cluster/out" && find . -name '*.wav' | sort); do
  cmp -s <(sfconv info --json "$WORK/cluster/out/$f" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d["frames"], d["channels"])') \
         <(sfconv info --json "$WORK/reference/out/$f" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d["frames"], d["channels"])') \
    || fail "$f differs in shape from the one-process run's"
done
echo "slurm: $files files written exactly once; the 4 shards' manifests equal the one-process run's"

# Resubmit: every output exists, nothing is rewritten, the manifests stay whole.
stamps() { (cd "$WORK/cluster" && find out targets -type f -printf '%p %T@ %i\n' | sort); }
before=$(stamps)
submit
[ "$(stamps)" = "$before" ] || fail "the resubmitted job rewrote files"
cat "$WORK"/cluster/manifests/*.jsonl | sort | diff -q - "$WORK/reference.sorted" >/dev/null || fail "the resubmitted job's manifests changed"
grep -h "skipped" "$WORK"/cluster/task-*.log | head -n 4 || true
echo "slurm: resubmitted with --skip-existing: nothing rewritten"
echo "slurm: OK"
