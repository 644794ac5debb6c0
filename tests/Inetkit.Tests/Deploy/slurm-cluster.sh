#!/usr/bin/env bash
# A throwaway single-node Slurm cluster that runs deploy/slurm/scan.sbatch for real, then checks the merged report
# against the same scan unsharded.
#
#   slurm-cluster.sh WORKDIR INETKIT
#
# Everything runs in namespaces of its own (unshare: network, mount, UTS, PID), so nothing is sent beyond them and
# nothing is left behind: slurmctld listens on every address whatever slurm.conf says, the config is bind-mounted
# over /etc/slurm for this script's processes alone, and the daemons die with the namespace's PID 1, this script.
# Inside, lo carries 127.0.0.1, 127.0.0.2 (the cluster's host name and address, apart from the targets; slurm-wlm
# 22.05 took 127.0.0.1 as well, but other versions are said to refuse it) and 192.0.2.10, a target beyond loopback,
# so that every shard goes through the scope and writes its own audit line.
# Needs root, unshare, ip, python3, ndiff, munge and Debian's slurm-wlm. Writes under WORKDIR only; exit 0 when
# the merged XML and JSON equal the unsharded scan's, else 1 with what differed.
set -euo pipefail

if [ "${1:-}" != --inside ]; then
  [ $# -eq 2 ] || { echo "usage: $0 WORKDIR INETKIT" >&2; exit 2; }
  exec unshare --net --mount --uts --pid --fork --mount-proc bash "$0" --inside "$@"
fi
shift
work=$(cd "$1" && pwd)
inetkit=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)

fail() {
  echo "slurm-cluster: $*" >&2
  for log in "$work"/slurm/*.log "$work"/*.out "${outdir:-$work}"/*.out; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

# Polls CONDITION (a command) every 0.1 s for at most SECONDS: the daemons give no other sign of being ready.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what not within ${seconds} s"
    sleep 0.1
  done
}

# The daemons are stopped by their ids (SIGTERM: munged and slurmctld end cleanly); anything left dies with the
# namespace when its PID 1, this script, exits.
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

ip link set lo up
ip addr add 127.0.0.2/8 dev lo
ip addr add 192.0.2.10/32 dev lo
hostname inetkit-slurm

slurm=$work/slurm
mkdir -p "$slurm/etc" "$slurm/state" "$slurm/spool" "$slurm/munge" "$slurm/munge-key"
# munged wants its key where no one else may write, and its socket's directory open to every client.
chmod 700 "$slurm/munge-key"
chmod 755 "$slurm/munge"
printf '127.0.0.1\tlocalhost\n127.0.0.2\tinetkit-slurm\n::1\tlocalhost\n' >"$slurm/hosts"
mount --bind "$slurm/hosts" /etc/hosts

# munge: a key of its own and every path in the work directory, so that the machine's munged (if any) is untouched.
dd if=/dev/urandom of="$slurm/munge-key/munge.key" bs=1 count=1024 status=none
chmod 400 "$slurm/munge-key/munge.key"
socket=$slurm/munge/munge.socket
munged --foreground --force --socket="$socket" --key-file="$slurm/munge-key/munge.key" --pid-file="$slurm/munge/munged.pid" \
  --log-file="$slurm/munged.log" --seed-file="$slurm/munge-key/munged.seed" 2>/dev/null &
pids+=($!)
wait_for 10 "munged listening on $socket" test -S "$socket"

# Ports: in a fresh network namespace every port is free, but slurm.conf needs numbers, so the kernel picks them.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.2", 0))
print(*(x.getsockname()[1] for x in s))')
cat >"$slurm/etc/slurm.conf" <<CONF
ClusterName=inetkit
SlurmctldHost=inetkit-slurm(127.0.0.2)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# The node line's CPUs and memory stand whatever this machine has (slurmd would otherwise drain a node that has
# less than it says).
SlurmdParameters=config_overrides
StateSaveLocation=$slurm/state
SlurmdSpoolDir=$slurm/spool
SlurmctldPidFile=$slurm/slurmctld.pid
SlurmdPidFile=$slurm/slurmd.pid
NodeName=inetkit-slurm NodeAddr=127.0.0.2 CPUs=2 RealMemory=500 State=UNKNOWN
PartitionName=scan Nodes=inetkit-slurm Default=YES MaxTime=10 State=UP
CONF
mount --bind "$slurm/etc" /etc/slurm
export SLURM_CONF=/etc/slurm/slurm.conf

# In the foreground (-D) the daemons log to stderr: their log files.
slurmctld -D -i >"$slurm/slurmctld.log" 2>&1 &
pids+=($!)
controller_up() { scontrol ping | grep -q "is UP"; }
node_idle() { [ "$(sinfo -h -n inetkit-slurm -o %T)" = idle ]; }
wait_for 30 "slurmctld answering scontrol ping" controller_up
slurmd -D >"$slurm/slurmd.log" 2>&1 &
pids+=($!)
wait_for 30 "node inetkit-slurm idle" node_idle

# The targets: three listeners on 0.0.0.0 (so both 127.0.0.1 and 192.0.2.10 have them open), accepting and closing.
exec {listeners}< <(exec python3 -c '
import select, socket
s = [socket.socket() for _ in range(3)]
for x in s:
    x.bind(("0.0.0.0", 0))
    x.listen(128)
print(",".join(str(x.getsockname()[1]) for x in s), flush=True)
while True:
    for x in select.select(s, [], [])[0]:
        x.accept()[0].close()')
pids+=($!)
read -r -t 10 -u "$listeners" open_ports || fail "the listeners did not start"
echo "$open_ports" >"$work/open-ports"

# Paths with spaces, so that the script's quoting is tested, and a scope file that travels with the job.
scope_dir="$work/scope dir"
mkdir -p "$scope_dir"
cat >"$scope_dir/scope.txt" <<SCOPE
authorized-by: Inetkit's test suite, owner of this network namespace
reference: slurm-cluster.sh
expires: $(date -u -d '+1 day' +%F)
192.0.2.10
SCOPE
outdir="$work/reports dir"
scan=(127.0.0.1 192.0.2.10 -p "1-1024,$open_ports" --scope "$scope_dir/scope.txt" --timeout 500 --rate 1000000 --concurrency 256)

cd "$work"
array=$(INETKIT=$inetkit sbatch --parsable --array=1-4 "$repo/deploy/slurm/scan.sbatch" "$outdir" "${scan[@]}" --audit-log "$work/shards audit.log") \
  || fail "sbatch refused the array job"
array=${array%%;*}
# Finished jobs stay in slurmctld's memory for MinJobAge (300 s), so scontrol still shows them: no accounting needed.
state() { scontrol show job "$1" -o | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' '; }
finished() { case $(state "$1") in *PENDING* | *RUNNING* | *CONFIGURING* | *COMPLETING* | "") return 1 ;; esac; }
merge_submitted_or_array_over() { test -s "$outdir/merge-job.$array" || finished "$array"; }
wait_for 60 "the merge job's id from array task 1" merge_submitted_or_array_over
[ -s "$outdir/merge-job.$array" ] || fail "array job $array ended ($(state "$array")) without submitting the merge job"
merge=$(cat "$outdir/merge-job.$array")
both_finished() { finished "$array" && finished "$merge"; }
wait_for 120 "the array job $array and merge job $merge finished" both_finished
[ "$(state "$array")" = "JobState=COMPLETED " ] || fail "array job $array: $(state "$array")"
[ "$(state "$merge")" = "JobState=COMPLETED " ] || fail "merge job $merge: $(state "$merge")"

# afterok: the merge started no earlier than the last shard ended (scontrol's times are to the second).
last_end=$(scontrol show job "$array" -o | grep -o 'EndTime=[^ ]*' | sort | tail -n 1 | cut -d= -f2)
merge_start=$(scontrol show job "$merge" -o | grep -o 'StartTime=[^ ]*' | cut -d= -f2)
[[ ! "$merge_start" < "$last_end" ]] || fail "merge job started at $merge_start, before the last shard ended at $last_end"
[ "$(scontrol show job "$array" -o | wc -l)" -eq 4 ] || fail "array job $array did not run 4 tasks"

"$inetkit" scan "${scan[@]}" --audit-log "$work/unsharded audit.log" --format xml -o "$work/unsharded.xml" >/dev/null \
  || fail "the unsharded scan failed"
"$inetkit" scan "${scan[@]}" --audit-log "$work/unsharded audit.log" --format json -o "$work/unsharded.json" >/dev/null \
  || fail "the unsharded scan failed"
python3 "$here/same-scan.py" "$work/unsharded.xml" "$outdir/merged.xml" "$work/unsharded.json" "$outdir/merged.json" \
  || fail "the merged report differs from the unsharded scan"
echo "slurm-cluster: array job $array (4 shards) and merge job $merge completed; merged.xml and merged.json equal the unsharded scan"
