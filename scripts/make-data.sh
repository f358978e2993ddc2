#!/bin/sh
# `make data`: (re)generates every table in data/ that the notebooks and the README read, from the specs
# in sweeps/. Usage: scripts/make-data.sh PATH/TO/flatminima [OUTDIR] [NAME ...]
#   OUTDIR defaults to data/; NAMEs (spec names without .toml, or "theory") pick a subset.
# Sweeps run with --resume: a complete table is left as it is (delete it, or give another OUTDIR, to
# regenerate it from scratch) and an interrupted one is finished. The theory tables are rewritten.
# Times on this project's 2-core machine are in data/README.md: about 1 h 50 min for everything but the
# N = 4001 phase diagram, which adds about 2 hours (≈ 3 h 55 min in all).
set -e
bin=${1:-.build/release/flatminima}
out=${2:-data}
[ $# -ge 2 ] && shift 2 || shift $#
# Cheap tables first; the N = 4001 phase diagram last.
all="theory teacher-amp phase-diagram-1001-sa-low local-entropy-low local-entropy width-teacher width-committee
width-digits committee-phase-full committee-phase-tree teacher-solvers gradient-solvers phase-diagram-1001
gradient-solvers-4001 gradient-solvers-4001-low gradient-solvers-4001-long gradient-solvers-4001-rsgd
phase-diagram-4001-bp phase-diagram-4001-sa phase-diagram-4001-gd phase-diagram-4001-cpr phase-diagram-4001-rsgd
phase-diagram-4001-rbp phase-diagram-4001-fbp"
names=${*:-$all}
mkdir -p "$out"
for name in $names; do
  start=$(date +%s)
  if [ "$name" = theory ]; then
    sh sweeps/theory.sh "$bin" "$out"
  else
    [ -f "sweeps/$name.toml" ] || { echo "make-data: no spec sweeps/$name.toml" >&2; exit 2; }
    # Status 3: the sweep finished but some runs failed (rows with an error column): go on, say so.
    status=0
    "$bin" sweep "sweeps/$name.toml" --out "$out/$name.tsv" --resume --quiet || status=$?
    if [ "$status" = 3 ]; then echo "make-data: $name has failed runs (error column of $out/$name.tsv)" >&2
    elif [ "$status" != 0 ]; then exit "$status"; fi
  fi
  echo "make-data: $name done in $(( $(date +%s) - start )) s"
done
