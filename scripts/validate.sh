#!/bin/sh
# `make validate`: the long validations behind the README's measured numbers, too slow for `make test`.
# Prints tables; takes about 15 minutes on 2 cores. Usage: scripts/validate.sh PATH/TO/flatminima
set -e
bin=${1:-.build/release/flatminima}
echo "== Binary perceptron storage, N = 1001, 10 instances per load: rbp and fbp (README 'Message passing') =="
for alpha in 0.6 0.7 0.75; do
  "$bin" solve --solver rbp,fbp -N 1001 --alpha "$alpha" --instances 10 --format table | sed -n '/^solver  N/,$p'
done
echo
echo "== Committee machines K = 5 with fbp, 3 instances per load (README 'Message passing') =="
for alpha in 0.4 0.5 0.6; do
  "$bin" solve --solver fbp --model committee -K 5 --arch full -N 321 --alpha "$alpha" --instances 3 --format table | tail -1
  "$bin" solve --solver fbp --model committee -K 5 --arch tree -N 1005 --alpha "$alpha" --instances 3 --format table | tail -1
done
echo
echo "== BP Bethe entropy against the replica-symmetric entropy, N = 1001, 10 instances per load =="
for alpha in 0.2 0.4 0.6; do
  "$bin" theory storage --alpha "$alpha" --format tsv | tail -1 | cut -f3,6 | sed 's/^/RS alpha, entropy: /'
  "$bin" solve --solver bp -N 1001 --alpha "$alpha" --instances 10 --format json \
    | python3 -c 'import json,sys; v=[json.loads(l)["free_entropy"] for l in sys.stdin]; v=[x for x in v if x is not None]; m=sum(v)/len(v); s=(sum((x-m)**2 for x in v)/(len(v)-1)/len(v))**0.5; print(f"BP mean over {len(v)} converged instances: {m:.4f} +- {s:.4f}")'
done
