#!/bin/bash
#SBATCH --job-name=sim-national
#SBATCH --array=0-2
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=slurm-%A_%a.out
# One shard of `sim national` per array task (3 shards). SIM: the sim binary, OUT: where the
# shard directories go, TRIALS: the outer draws. Merge afterwards with
#     sim merge "$OUT"/shards/* --out reports
"${SIM:-sim}" national --trials "${TRIALS:-4000}" --threads "${SLURM_CPUS_PER_TASK:-1}" \
    --shard "$SLURM_ARRAY_TASK_ID/3" --out "${OUT:-.}/shards/$SLURM_ARRAY_TASK_ID"
