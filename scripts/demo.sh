#!/bin/sh
# `make demo`: a handful of instances solved by every solver available, as comparison tables.
# Usage: scripts/demo.sh PATH/TO/flatminima
set -e
bin=${1:-.build/release/flatminima}
echo "== A small sweep (sweeps/demo.toml): success probability with Wilson 95% intervals =="
out=$(mktemp -d)/demo.tsv
"$bin" sweep sweeps/demo.toml --out "$out" --quiet
"$bin" table "$out" --rows alpha --cols solver --stat success
echo "   (all runs, one row each: $out; median iterations:)"
"$bin" table "$out" --rows alpha --cols solver --stat median:iterations
echo
echo "== Binary perceptron, storage, N = 1001, 5 instances per load: every binary-weight solver =="
for alpha in 0.3 0.6; do
  echo
  echo "-- alpha = $alpha"
  "$bin" solve --solver all -N 1001 --alpha "$alpha" --instances 5 --format table
done
echo
echo "== Spherical perceptron, storage, N = 1001 (capacity alpha_c = 2): every spherical-weight solver =="
echo
"$bin" solve --weights spherical --solver all -N 1001 --alpha 1.5 --instances 5 --format table
