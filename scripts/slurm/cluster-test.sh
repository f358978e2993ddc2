#!/bin/bash
# make cluster-test: a real one-node Slurm cluster on this machine. Installs slurm-wlm and munge from
# Debian packages when absent (needs root), starts munged, slurmctld and slurmd with a private
# configuration, submits a small sweep (sweeps/cluster-test.toml) as a 4-task job array plus a merge
# job (submit.sh), and checks that the merged table equals a single-process run of the same spec
# (every column but the timings). Everything it starts is stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
flatminima=${FLATMINIMA:-$root/.build/release/flatminima}
spec=$root/sweeps/cluster-test.toml
[ -x "$flatminima" ] || { echo "cluster-test: build first (make build)"; exit 1; }
if [ "$(id -u)" != 0 ]; then echo "cluster-test: needs root (it installs and starts slurm and munge)"; exit 1; fi
# The job scripts must run on the old bash versions clusters still have (no arrays under set -u).
sh "$root/scripts/slurm/check-portable.sh"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "cluster-test: installing slurm-wlm and munge"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

work=$(mktemp -d /tmp/flatminima-slurm.XXXXXX)
chmod 755 "$work"
cleanup() {
    for f in "$work"/slurmd.pid "$work"/slurmctld.pid "$work"/munged.pid; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    sleep 1
}
trap cleanup EXIT

# munge: a key of our own and a private socket.
mkdir -p "$work/munge"
dd if=/dev/urandom bs=1 count=1024 of="$work/munge/munge.key" status=none
chmod 700 "$work/munge"; chmod 400 "$work/munge/munge.key"
socket="$work/munge/munge.socket"
munged --force --key-file="$work/munge/munge.key" --socket="$socket" --pid-file="$work/munged.pid" \
       --log-file="$work/munged.log" --seed-file="$work/munge/seed"

host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$work/state" "$work/spool"
cat > "$work/slurm.conf" <<CONF
ClusterName=flatminima-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
    sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed)' && break
    sleep 1
done
sinfo -h -o %T | grep -Eq '^(idle|mixed)' || {
    echo "cluster-test: the node never became idle"; cat "$work"/slurm*.log; exit 1
}
echo "cluster-test: slurm is up ($(sinfo -h -o '%P %D %T'))"

# The sweep as a 4-task array and a merge job; wait for the merge job.
out=$work/sweep
FLATMINIMA=$flatminima "$root/scripts/slurm/submit.sh" "$spec" "$out" 4 "$out/results.tsv" --cpus-per-task=1
for _ in $(seq 300); do
    [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
    sleep 1
done
[ -s "$out/results.tsv" ] || {
    echo "cluster-test: no merged results"
    cat "$out"/*.log "$work"/slurm*.log 2>/dev/null | tail -40
    exit 1
}

# The same spec in one process; compare every column but the timings, rows by run_id.
"$flatminima" sweep "$spec" --out "$work/single.tsv" --quiet
normalise() {
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) keep[i] = ($i != "seconds" && $i != "measure_seconds"); }
                { line = ""; for (i = 1; i <= NF; i++) if (keep[i]) line = line $i "\t"; print line }' "$1" | sort
}
if diff <(normalise "$work/single.tsv") <(normalise "$out/results.tsv") >/dev/null; then
    runs=$(($(wc -l < "$out/results.tsv") - 1))
    echo "cluster-test: OK — the merged 4-shard Slurm run equals the single-process run ($runs runs)"
else
    echo "cluster-test: FAILED — merged Slurm results differ from the single-process run"
    diff <(normalise "$work/single.tsv") <(normalise "$out/results.tsv") | head -20
    exit 1
fi
