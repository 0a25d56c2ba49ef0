#!/bin/bash
# A Slurm job array that runs examples/sweep.toml as 10 shards, one per
# array task; every task writes results/shard-<task>-of-10.csv (and .meta.json).
#
#   go build -o bin/evolve ./cmd/evolve         # on a node that has Go (or go install)
#   mkdir -p logs
#   sbatch examples/slurm-sweep.sh              # prints "Submitted batch job JOBID"
#   sbatch --dependency=afterok:JOBID --wrap "bin/evolve merge results/"
#
# or, when every task has finished: bin/evolve merge results/
# A failed or preempted task is rerun with: sbatch --array=TASK examples/slurm-sweep.sh
# (it keeps the points its shard already finished and rewrites only its own files).
#
#SBATCH --job-name=evolve-sweep
#SBATCH --array=0-9
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=logs/sweep-%A_%a.out

set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
# Shards are numbered from 0, as array tasks are: task i runs the points
# whose index is i modulo 10.
bin/evolve sweep examples/sweep.toml --shard "$SLURM_ARRAY_TASK_ID/10" --out results/
