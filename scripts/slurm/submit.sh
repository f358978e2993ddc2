#!/bin/bash
# Submit a sweep as a Slurm job array of N shards plus a merge job that runs once every shard succeeded.
#   scripts/slurm/submit.sh SPEC OUTDIR N [RESULT.tsv] [extra sbatch options...]
# Set FLATMINIMA to the executable's path when it is not on PATH. Prints the two job ids.
set -euo pipefail
spec=$1; outdir=$2; shards=$3; result=${4:-$outdir/results.tsv}
shift $(( $# < 4 ? $# : 4 ))
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$outdir"
array=$(sbatch --parsable --array=0-$((shards - 1)) --chdir="$outdir" --export=ALL "$@" \
    "$here/sweep.sbatch" "$(realpath "$spec")" "$(realpath "$outdir")")
merge=$(sbatch --parsable --dependency=afterok:${array%%;*} --chdir="$outdir" --export=ALL "$@" \
    "$here/merge.sbatch" "$(realpath "$outdir")" "$(realpath -m "$result")")
echo "array job $array, merge job $merge"
