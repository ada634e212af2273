#!/bin/sh
# release/version.sh: the version of this source tree, as `alembic-guard
# --version`, `make dist` and the buildpack report it. One script, so the
# Makefile's build, the static build and the dist tarballs cannot disagree.
#
#   tag v1.2.0 on HEAD               1.2.0
#   3 commits after v1.2.0           1.2.0-3-g<12 hex>
#   no tag at all (a fresh clone)    <AG_VERSION of cmd/cmd.h>-g<12 hex>, e.g. 0.1.0-g0123456789ab
#   tracked files modified           the above + "-dirty"
#   not a git checkout               <AG_VERSION>-unknown
#
# From `git describe --tags --match 'v[0-9]*' --always --dirty` (only version
# tags count); the hash is 12 digits
# (--abbrev=12), not git's automatic length, which grows with the number of
# objects and would give two clones of one commit two versions.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
base=$(sed -n 's/^#define AG_VERSION "\(.*\)"$/\1/p' "$root/cmd/cmd.h")
[ -n "$base" ] || { echo "version.sh: no AG_VERSION in cmd/cmd.h" >&2; exit 1; }
d=$(git -C "$root" describe --tags --match 'v[0-9]*' --always --dirty --abbrev=12 2>/dev/null) || d=
case $d in
"") echo "$base-unknown" ;;
v[0-9]*) echo "${d#v}" ;;
*) echo "$base-g$d" ;;
esac
