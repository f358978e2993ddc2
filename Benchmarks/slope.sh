#!/bin/sh
# Per-iteration time of a message-passing solver as a slope: median wall time (the record's `seconds`)
# of `flatminima solve` at K1 and K2 iterations (tol=1e-15 so that every run does all of them), over
# REPS alternated runs each; further arguments go to the solver (e.g. -o bits=32). Prints the slope of the
# medians and that of the minima (the least disturbed runs on a shared machine). Usage:
#   Benchmarks/slope.sh BIN SOLVER N ALPHA K1 K2 [REPS [SOLVER OPTIONS…]]
#   e.g. Benchmarks/slope.sh .build/release/flatminima amp 2001 0.6 1000 3000 7 -o bits=32
bin=$1; solver=$2; n=$3; alpha=$4; k1=$5; k2=$6; reps=${7:-5}
if [ $# -ge 7 ]; then shift 7; else shift $#; fi
i=0
while [ $i -lt "$reps" ]; do
  for k in "$k1" "$k2"; do
    printf '%s ' "$k"
    "$bin" solve --solver "$solver" -N "$n" --alpha "$alpha" --max-iters "$k" -o tol=1e-15 "$@" --format json |
      python3 -c "import json, sys; print(json.load(sys.stdin)['seconds'])"
  done
  i=$((i + 1))
done | python3 -c "
import statistics, sys
times = {}
for line in sys.stdin:
    k, t = line.split()
    times.setdefault(int(k), []).append(float(t))
k1, k2 = sorted(times)
m1, m2 = statistics.median(times[k1]), statistics.median(times[k2])
low = (min(times[k2]) - min(times[k1])) / (k2 - k1) * 1e3
slope = (m2 - m1) / (k2 - k1) * 1e3
print('$solver N=$n alpha=$alpha $*: %.3f ms per iteration (medians %.1f ms at %d, %.1f ms at %d); '
      '%.3f ms from the minima' % (slope, m1 * 1e3, k1, m2 * 1e3, k2, low))"
