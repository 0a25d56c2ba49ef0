#!/bin/bash
# A Slurm job array that runs examples/sweep.toml as 10 shards, one per
# array task; every task writes results/shard-<task>-of-10.csv (and .meta.json).
#
#   go build -o bin/evolve ./cmd/evolve      # on a node that has Go (or go install)
#   mkdir -p logs                            # Slurm opens --output before the script runs
#   jid=$(sbatch --parsable examples/slurm-sweep.sh)
#   mid=$(sbatch --parsable --dependency=afterany:$jid --output=logs/merge-%j.out --wrap "bin/evolve merge results/")
#
# afterany, not afterok: the merge runs once every task has ended, and if one
# failed or was cancelled it reports the missing points (and writes nothing).
# Rerun such a task; it keeps the points its shard finished and rewrites only
# its own files. Let the pending merge wait for the rerun too, or merge again:
#
#   rid=$(sbatch --parsable --array=3 examples/slurm-sweep.sh)
#   scontrol update JobId=$mid Dependency=afterany:$jid:$rid   # while the merge is pending
#   sbatch --dependency=afterany:$rid --wrap "bin/evolve merge results/"   # or, once it has run
#
# The shard count appears twice, in --array=0-9 and in SHARDS=10 below, and
# the two must agree: a rerun of one task (--array=3) is an array of one, so
# the count cannot be taken from Slurm (SLURM_ARRAY_TASK_COUNT would be 1).
# .ci/slurm-test.sh runs this script on a one-node cluster in CI, with the
# EVOLVE_* variables set to a smaller sweep.
#
#SBATCH --job-name=evolve-sweep
#SBATCH --array=0-9
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=logs/sweep-%A_%a.out

set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
mkdir -p logs # for the merge's log and later submissions
SHARDS=${EVOLVE_SHARDS:-10}       # = the number of array tasks (see above)
SWEEP=${EVOLVE_SWEEP:-examples/sweep.toml}
OUT=${EVOLVE_OUT:-results/}
# Shards are numbered from 0, as array tasks are: task i runs the points
# whose index is i modulo SHARDS.
exec "${EVOLVE_BIN:-bin/evolve}" sweep "$SWEEP" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" --out "$OUT"
