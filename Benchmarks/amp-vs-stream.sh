#!/bin/sh
# AMP's iteration against the time needed to stream the Int8 pattern matrix twice (issue 3), measured
# back to back ROUNDS times on this shared machine, whose speed drifts by up to 2× within minutes: each
# round runs the streaming floor (Benchmarks/stream/stream.c, the faster of its AVX2 and AVX-512 passes,
# over 400 repetitions) and AMP's slope (Benchmarks/slope.sh, 5 runs each at 1000 and 3000 iterations),
# and prints two ratios: typical (median stream time, slope of the medians) and least disturbed (best
# stream time, slope of the minima); the last lines give the median of each over the rounds. Usage:
#   Benchmarks/amp-vs-stream.sh BIN N ALPHA [ROUNDS [SOLVER OPTIONS…]]
#   e.g. Benchmarks/amp-vs-stream.sh .build/release/flatminima 2001 0.6 5 -o bits=32
set -e
bin=$1; n=$2; alpha=$3; rounds=${4:-5}
if [ $# -ge 4 ]; then shift 4; else shift $#; fi
here=$(dirname "$0")
stream=$(mktemp /tmp/amp-stream.XXXXXX)
rounds_log=$(mktemp /tmp/amp-rounds.XXXXXX)
trap 'rm -f "$stream" "$rounds_log"' EXIT
cc -O2 -o "$stream" "$here/stream/stream.c" -lpthread
i=0
while [ $i -lt "$rounds" ]; do
  out=$("$stream" "$n" "$alpha")
  median=$(echo "$out" | sed -n 's/.*median \([0-9.]*\) us/\1/p' | sort -n | head -1)
  best=$(echo "$out" | sed -n 's/.*best \([0-9.]*\) us,.*/\1/p' | sort -n | head -1)
  slope=$("$here/slope.sh" "$bin" amp "$n" "$alpha" 1000 3000 5 "$@" 2>/dev/null)
  amp=$(echo "$slope" | sed -n 's/.*: \([0-9.]*\) ms per iteration.*/\1/p')
  low=$(echo "$slope" | sed -n 's/.*; \(-*[0-9.]*\) ms from the minima/\1/p')
  python3 -c "
print('round $((i + 1)): stream twice %.1f us (best %.1f), AMP %.1f us per iteration (minima %.1f): '
      'ratio %.2f %.2f' % ($median, $best, $amp * 1e3, $low * 1e3, $amp * 1e3 / $median, $low * 1e3 / $best))"
  i=$((i + 1))
done > "$rounds_log"
cat "$rounds_log"
python3 -c "
import statistics, sys
rows = [line.split()[-2:] for line in sys.stdin]
for k, name in enumerate(['typical (medians)', 'least disturbed (best, minima)']):
    r = [float(row[k]) for row in rows]
    print('%s: median ratio over %d rounds %.2f (range %.2f-%.2f)'
          % (name, len(r), statistics.median(r), min(r), max(r)))" < "$rounds_log"
