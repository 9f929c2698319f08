#!/usr/bin/env bash
# One shard of a gilsim sweep as a task of a Slurm job array: task i of an array of n runs
# `gilsim sweep ... --shard i/n` and writes its part to $GILSIM_SWEEP_DIR/part<i>.json.
# A second job, started when the array has succeeded, merges the parts (docs/sweeps.md):
#
#   jobid=$(sbatch --parsable --array=1-16 tools/cluster/slurm-sweep.sh \
#             scenarios/web-api.json --cores 1-1024)
#   sbatch --dependency=afterok:$jobid --wrap \
#     "gilsim merge sweep-$jobid/part*.json -o sweep-$jobid/all.csv --plot sweep-$jobid/speedup.svg"
#
# Arguments: what `gilsim sweep` takes, less --shard, --jobs and -o. The array may be numbered
# from 0 or from 1, but without gaps (no :step). Environment: GILSIM (default: gilsim on PATH),
# GILSIM_SWEEP_DIR (default: sweep-<array job id>, in the submission directory).
#SBATCH --job-name=gilsim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --mem-per-cpu=512M
#SBATCH --time=01:00:00
#SBATCH --output=gilsim-sweep-%A_%a.log
set -euo pipefail

: "${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=1-N (a job array)}"
first="${SLURM_ARRAY_TASK_MIN:-1}"
shard="$((SLURM_ARRAY_TASK_ID - first + 1))/${SLURM_ARRAY_TASK_COUNT:?Slurm 18.08 or later sets it}"
dir="${GILSIM_SWEEP_DIR:-sweep-${SLURM_ARRAY_JOB_ID:-local}}"
mkdir -p "$dir"
exec "${GILSIM:-gilsim}" sweep "$@" --shard "$shard" --jobs "${SLURM_CPUS_PER_TASK:-1}" \
  -o "$dir/part$((SLURM_ARRAY_TASK_ID - first + 1)).json"
