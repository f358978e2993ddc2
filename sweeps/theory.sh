#!/bin/sh
# The replica-symmetric tables the notebooks read (the "spec" of data/theory-*.tsv; seconds to run):
#   sh sweeps/theory.sh PATH/TO/flatminima OUTDIR
# Each table is written to a temporary file and moved into place when complete; a sidecar
# OUTDIR/theory-NAME.tsv.json records the commands, version and git commit.
set -e
bin=${1:-.build/release/flatminima}
out=${2:-data}
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
table() { # name, then one command per argument (the header of the first is kept)
  name=$1; shift
  tmp="$out/.theory-$name.tsv.tmp"
  : > "$tmp"
  first=1
  for cmd in "$@"; do
    if [ $first = 1 ]; then $bin theory $cmd --format tsv >> "$tmp"; first=0
    else $bin theory $cmd --format tsv | tail -n +2 >> "$tmp"; fi
  done
  mv "$tmp" "$out/theory-$name.tsv"
  python3 - "$out/theory-$name.tsv.json" "$($bin --version)" "$commit" "$@" <<'PY'
import json, sys
path, version, commit, *cmds = sys.argv[1:]
json.dump({"spec": "sweeps/theory.sh", "commands": ["flatminima theory " + c + " --format tsv" for c in cmds],
           "version": version, "git_commit": commit}, open(path, "w"), indent=1)
PY
  echo "theory: $out/theory-$name.tsv"
}
table storage \
  "storage --weights binary --margin 0 --alpha 0.02:0.84:0.02" \
  "storage --weights binary --margin 0.5 --alpha 0.02:0.62:0.02" \
  "storage --weights binary --margin 1 --alpha 0.02:0.42:0.02" \
  "storage --weights spherical --margin 0 --alpha 0.05:1.95:0.05" \
  "storage --weights spherical --margin 0.5 --alpha 0.05:0.95:0.05" \
  "storage --weights spherical --margin 1 --alpha 0.05:0.5:0.05"
table capacity \
  "capacity --weights binary --margin 0:2:0.05" \
  "capacity --weights spherical --margin 0:2:0.05"
table teacher \
  "teacher --prior binary --alpha 0.05:3:0.05" \
  "teacher --prior gaussian --alpha 0.05:3:0.05"
table transitions "transitions"
