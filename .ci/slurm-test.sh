#!/usr/bin/env bash
# Real Slurm in CI: installs Debian's Slurm and MUNGE, starts a one-node
# cluster on localhost (private ports, state and sockets under a temp
# folder, no cgroups), runs the job array of examples/slurm-sweep.sh (the
# README's recipe) on a small sweep, merges with an afterany dependency and
# checks that the merge equals the sweep run whole, byte for byte. Then it
# runs the array again, cancels a task mid-way, resubmits it, lets the
# merge wait for the rerun (scontrol update of its dependency, as the
# README shows) and checks again. The daemons are stopped by PID.
#
# Run as root (CI runs it from .ci/run on a fresh machine). Every wait has
# a deadline; .ci/run also bounds the whole script with timeout(1).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
export DEBIAN_FRONTEND=noninteractive

log() { printf '[slurm-test %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() {
	log "FAIL: $*"
	exit 1
}

if [ "$(id -u)" != 0 ]; then
	echo "slurm-test: needs root (starts munged, slurmctld and slurmd)" >&2
	exit 1
fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
	log "installing slurmctld slurmd slurm-client munge"
	apt-get update -qq
	apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

WORK=$(mktemp -d /tmp/evolve-slurm.XXXXXX)
chmod 755 "$WORK" # munged runs as user munge and must reach its folder
PIDS=()
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then
		# Cancel our jobs and give their steps a moment to end.
		scancel --quiet --user=root 2>/dev/null || true
		for _ in $(seq 1 50); do
			[ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
			sleep 0.2
		done
	fi
	# Stop the daemons we started, by PID, newest first.
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill "${PIDS[i]}" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 1 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null || true
	done
	if [ "$rc" != 0 ]; then
		for f in "$WORK"/*.log "$WORK"/logs/*; do
			[ -f "$f" ] || continue
			echo "----- $f (last 40 lines)"
			tail -n 40 "$f"
		done
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_for() {
	local secs=$1 what=$2
	shift 2
	local end=$((SECONDS + secs))
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || fail "timed out after ${secs}s waiting for $what"
		sleep 0.2
	done
}

# --- MUNGE, private socket and key ---------------------------------------
mkdir -p "$WORK/munge" "$WORK/munge-socket"
if [ -r /etc/munge/munge.key ]; then
	cp /etc/munge/munge.key "$WORK/munge/munge.key" # the package's key
else
	dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
fi
chown -R munge:munge "$WORK/munge" "$WORK/munge-socket"
chmod 700 "$WORK/munge"
chmod 755 "$WORK/munge-socket" # clients need to reach the socket
chmod 400 "$WORK/munge/munge.key"
MUNGE_SOCKET=$WORK/munge-socket/munge.socket
setpriv --reuid=munge --regid=munge --init-groups -- munged --foreground \
	--socket="$MUNGE_SOCKET" --key-file="$WORK/munge/munge.key" \
	--pid-file="$WORK/munge/munged.pid" --seed-file="$WORK/munge/munged.seed" \
	--log-file="$WORK/munge/munged.log" >"$WORK/munged.log" 2>&1 &
PIDS+=($!)
wait_for 20 "munged" test -S "$MUNGE_SOCKET"
log "munged up (pid ${PIDS[0]})"

# --- Slurm configuration -------------------------------------------------
NODE_LINE=$(slurmd -C | head -n 1)
NODE=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$NODE_LINE")
[ -n "$NODE" ] || fail "slurmd -C gave no node line"
# Keep CPUs and memory, drop what the node line may lack; a little memory is
# enough for the jobs below.
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/logs" "$WORK/bin"
export SLURM_CONF=$WORK/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=evolveci
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
ReturnToService=2
MinJobAge=600
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
$NODE_LINE NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=ci Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -i -f "$SLURM_CONF" >>"$WORK/slurmctld.log" 2>&1 &
PIDS+=($!)
slurmctld_up() { scontrol ping >/dev/null 2>&1; }
wait_for 30 "slurmctld" slurmctld_up
slurmd -D -f "$SLURM_CONF" -N "$NODE" >>"$WORK/slurmd.log" 2>&1 &
PIDS+=($!)
node_idle() { [ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ]; }
wait_for 60 "node $NODE idle" node_idle
log "one-node cluster up: $NODE_LINE"

# --- the sweep ------------------------------------------------------------
go build -o "$WORK/bin/evolve" ./cmd/evolve
cd "$WORK"
# 24 points in 3 shards of 8 (each point trains a |V| = 1000 network on
# 10,000 halfspace examples: about half a second), enough time to cancel a
# task mid-way.
cat >sweep.toml <<'EOF'
command = "train"
[base]
dataset = "halfspace"
train_size = 10000
test_size = 2000
[base.network]
epochs = 1
[grid]
"network.nodes" = [1000]
"network.eta" = [0.01, 0.1]
seeds = 12
EOF
SHARDS=3
export EVOLVE_SWEEP=sweep.toml EVOLVE_SHARDS=$SHARDS EVOLVE_OUT=results/ EVOLVE_BIN=bin/evolve
SUBMIT=(sbatch --parsable --array=0-$((SHARDS - 1)) --cpus-per-task=1 --mem=500M --time=00:10:00)

bin/evolve sweep sweep.toml --out whole/ -q >/dev/null
bin/evolve merge whole/ -q >/dev/null
log "whole sweep: $(($(wc -l <whole/results.csv) - 1)) points"
if [ -n "${SLURM_TEST_PLANT_DIFF:-}" ]; then
	# Self-test of this script: a changed number in the reference must fail it.
	sed -i '2s/,[^,]*$/,12345/' whole/results.csv
fi

# job_state ID: the state of a job (of every task of an array, one a line).
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
job_ended() {
	local s
	s=$(job_state "$1")
	[ -n "$s" ] && ! grep -qE 'PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED|RESIZING' <<<"$s"
}
# check_merge JOB DESCRIPTION: the merge job completed and its table is the whole sweep's.
check_merge() {
	wait_for 240 "merge job $1" job_ended "$1"
	[ "$(job_state "$1")" = COMPLETED ] || fail "$2: merge job $1 ended $(job_state "$1")"
	cmp results/results.csv whole/results.csv || fail "$2: merged results.csv differs from the whole sweep's"
	cmp results/results-summary.csv whole/results-summary.csv || fail "$2: results-summary.csv differs"
	log "$2: merge equals the whole sweep byte for byte"
}

# 1. The README's recipe: the array, then the merge with afterany.
jid=$("${SUBMIT[@]}" "$REPO/examples/slurm-sweep.sh")
mid=$(sbatch --parsable --dependency=afterany:"$jid" --output=logs/merge-%j.out --wrap "bin/evolve merge results/")
log "array $jid, merge $mid"
check_merge "$mid" "array"
grep -q COMPLETED <<<"$(job_state "$jid")" || fail "array $jid: $(job_state "$jid")"

# 2. A task cancelled mid-way, resubmitted, and the pending merge made to
#    wait for it with scontrol update.
rm -rf results
jid=$("${SUBMIT[@]}" "$REPO/examples/slurm-sweep.sh")
mid=$(sbatch --parsable --hold --dependency=afterany:"$jid" --output=logs/merge-%j.out --wrap "bin/evolve merge results/")
shard=results/shard-1-of-$SHARDS.csv
rows() { if [ -f "$1" ]; then echo $(($(wc -l <"$1") - 1)); else echo 0; fi; }
has_rows() { [ "$(rows "$shard")" -ge 1 ]; }
wait_for 120 "a first point of task 1" has_rows
scancel "${jid}_1"
wait_for 60 "task ${jid}_1 to end" job_ended "${jid}_1"
done_rows=$(rows "$shard")
state=$(job_state "${jid}_1")
log "task ${jid}_1 $state after $done_rows of 8 points"
case "$state" in
CANCELLED) ;;
COMPLETED) log "warning: task ${jid}_1 finished its shard before the cancel arrived (a fast machine); the rerun keeps all its points" ;;
*) fail "task ${jid}_1 ended $state" ;;
esac
rid=$("${SUBMIT[@]/--array=0-$((SHARDS - 1))/--array=1}" "$REPO/examples/slurm-sweep.sh")
scontrol update JobId="$mid" Dependency=afterany:"$jid":"$rid"
scontrol release "$mid"
log "rerun of task 1: job $rid; merge $mid now waits for $jid and $rid"
check_merge "$mid" "cancel and rerun"
wait_for 60 "rerun $rid" job_ended "$rid"
[ "$(job_state "$rid")" = COMPLETED ] || fail "rerun $rid ended $(job_state "$rid")"
grep -q "kept from an earlier run" logs/sweep-"$rid"_1.out || log "warning: the rerun log does not mention kept points"
log "PASS"
