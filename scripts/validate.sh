#!/bin/sh
# `make validate`: the long validations behind docs/VALIDATION.md's measured numbers, too slow for `make test`.
# Runs the specs in sweeps/ and prints their tables. Usage: scripts/validate.sh PATH/TO/flatminima
# (all of it: 17 min 49 s on this project's 2 cores, 2026-12-01, build included; 20 min 33 s on 2026-11-23).
set -e
bin=${1:-.build/release/flatminima}
out=${VALIDATE_OUT:-$(mktemp -d)}
echo "(results in $out)"
run() {
  "$bin" sweep "sweeps/$1.toml" --out "$out/$1.tsv" --resume
}
echo "== Binary perceptron storage, N = 1001, 10 instances per load: rbp and fbp" \
    "(docs/VALIDATION.md 'Message passing') =="
run message-passing
"$bin" table "$out/message-passing.tsv" --rows alpha --cols solver --stat success
echo
echo "== Committee machines K = 5, fbp and rsgd, 3 instances per load (docs/VALIDATION.md 'Message passing') =="
for arch in full tree; do
  run committee-$arch
  echo "-- $arch"
  "$bin" table "$out/committee-$arch.tsv" --rows alpha --cols solver --stat success
done
echo
echo "== BP Bethe entropy against the replica-symmetric entropy, N = 1001, 10 instances per load =="
run bp-entropy
for alpha in 0.2 0.4 0.6; do
  "$bin" theory storage --alpha "$alpha" --format tsv | tail -1 | cut -f3,6 | sed 's/^/RS alpha, entropy: /'
done
"$bin" table "$out/bp-entropy.tsv" --rows alpha --stat mean:free_entropy
"$bin" table "$out/bp-entropy.tsv" --rows alpha --stat stderr:free_entropy
echo
echo "== Gradient solvers and CP+R, binary perceptron, N = 1001 (docs/VALIDATION.md 'Entropic gradient solvers') =="
run gradient-solvers
"$bin" table "$out/gradient-solvers.tsv" --rows alpha --cols solver --stat success
echo
echo "== The same at N = 4001, 4 instances per load (docs/VALIDATION.md) =="
for spec in gradient-solvers-4001:solver,opt_ps gradient-solvers-4001-low:solver \
            gradient-solvers-4001-long:solver,opt_beta_factor gradient-solvers-4001-rsgd:solver; do
  name=${spec%%:*}
  run "$name"
  echo "-- $name"
  "$bin" table "$out/$name.tsv" --rows alpha --cols "${spec#*:}" --stat success
done
echo
echo "== The central claim: local energy at p = 0.01, N = 1001, alpha = 0.2 (solved runs) =="
run central-claim
"$bin" table "$out/central-claim.tsv" --rows solver --stat mean:local_energy --where solved=1
"$bin" table "$out/central-claim.tsv" --rows solver --stat stderr:local_energy --where solved=1
