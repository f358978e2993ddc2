#!/bin/sh
# stamp.sh PACKAGE_DIR OUTPUT_DIR WORK_DIR
#
# Writes OUTPUT_DIR/BuildStampGenerated.swift with the commit of PACKAGE_DIR and whether its build
# inputs (Package.swift, Sources/, Plugins/) differ from that commit, including untracked files there.
# The commit is "unknown" unless PACKAGE_DIR is itself the top of a git work tree: a tarball unpacked
# inside someone else's repository must not report that repository's HEAD. The file is replaced only
# when its text changes, so that an unchanged tree does not recompile the stamp module.
set -u
package=$1
output=$2
work=$3
commit=unknown
dirty=false
# Never take git's optional index lock: a build must not disturb a git command running beside it.
GIT_OPTIONAL_LOCKS=0
export GIT_OPTIONAL_LOCKS
if command -v git >/dev/null 2>&1; then
    top=$(git -C "$package" rev-parse --show-toplevel 2>/dev/null || true)
    if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$package" && pwd -P)" ]; then
        if head=$(git -C "$package" rev-parse --verify --quiet HEAD 2>/dev/null) && [ -n "$head" ]; then
            commit=$head
            changes=$(git -C "$package" status --porcelain -- Package.swift Sources Plugins 2>/dev/null || echo x)
            [ -n "$changes" ] && dirty=true
        fi
    fi
fi
mkdir -p "$output" "$work"
temporary="$work/BuildStampGenerated.swift.$$"
cat > "$temporary" <<SWIFT
// Written by Plugins/BuildStamp/stamp.sh at build time; not kept in the repository.
let stampedCommit = "$commit"
let stampedDirty = $dirty
SWIFT
if cmp -s "$temporary" "$output/BuildStampGenerated.swift"; then
    rm -f "$temporary"
else
    mv -f "$temporary" "$output/BuildStampGenerated.swift"
fi
