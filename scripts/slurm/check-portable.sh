#!/bin/sh
# Checks that the Slurm scripts run on the old bash versions clusters still have:
#   1. a lint for what bash < 4.4 rejects under `set -u` — arrays (an empty "${a[@]}" is an unbound
#      variable there) — and for `local`/`declare -a` constructs that need them;
#   2. sweep.sbatch run under `bash --posix` with a stub flatminima, once for a new shard file (no
#      --resume) and once for an existing one (--resume), checking the exact arguments it passes, and
#      that exit status 3 (a shard with failed runs) counts as success while others propagate.
# Usage: sh scripts/slurm/check-portable.sh   (exit 0 when every check passes; one line per failure)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
failures=0
fail() { echo "check-portable: $*" >&2; failures=$((failures + 1)); }

for script in "$here"/sweep.sbatch "$here"/merge.sbatch "$here"/submit.sh; do
    if grep -nE '^[^#]*([A-Za-z_][A-Za-z_0-9]*=\(|\[@\]|\[\*\]|declare -a|local -a|readarray|mapfile)' "$script"; then
        fail "$(basename "$script") uses a bash array (bash < 4.4 rejects an empty one under set -u)"
    fi
    bash --posix -n "$script" || fail "$(basename "$script") does not parse under bash --posix"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/flatminima-portable.XXXXXX")
trap 'rm -rf "$work"' EXIT
stub="$work/flatminima"
cat > "$stub" <<'STUB'
#!/bin/sh
printf '%s\n' "$@" > "$STUB_ARGS"
exit "${STUB_STATUS:-0}"
STUB
chmod +x "$stub"

run() {  # run STATUS: sweep.sbatch under bash --posix; prints its exit status
    env -i PATH="$PATH" FLATMINIMA="$stub" STUB_ARGS="$work/args" STUB_STATUS="$1" SLURM_ARRAY_TASK_ID=1 \
        SLURM_CPUS_PER_TASK=2 bash --posix "$here/sweep.sbatch" "$work/spec.toml" "$work/out" 2>/dev/null \
        && echo 0 || echo $?
}
expected="sweep
$work/spec.toml
--out
$work/out/part-1.tsv
--jobs
2"
[ "$(run 0)" = 0 ] || fail "sweep.sbatch fails under bash --posix for a new shard"
[ "$(cat "$work/args")" = "$expected" ] || fail "sweep.sbatch passes '$(tr '\n' ' ' < "$work/args")' for a new shard"
: > "$work/out/part-1.tsv"
[ "$(run 0)" = 0 ] || fail "sweep.sbatch fails under bash --posix for an existing shard"
[ "$(cat "$work/args")" = "$expected
--resume" ] || fail "sweep.sbatch passes '$(tr '\n' ' ' < "$work/args")' for an existing shard"
[ "$(run 3)" = 0 ] || fail "sweep.sbatch does not take status 3 (failed runs) for a finished shard"
[ "$(run 1)" = 1 ] || fail "sweep.sbatch does not pass on status 1"

if [ "$failures" -gt 0 ]; then exit 1; fi
echo "check-portable: OK (no arrays; sweep.sbatch runs under bash --posix)"
