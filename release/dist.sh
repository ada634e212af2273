#!/usr/bin/env bash
# release/dist.sh [DIST]: the release files of this commit (`make dist`), in DIST
# (default dist/):
#
#   alembic-guard-VERSION-linux-x86_64.tar.gz  the static binary, README.md, LICENSE,
#                                              CHANGELOG.md, alembic-guard.1 (when present)
#   alembic-guard-buildpack-VERSION.tgz        the Heroku buildpack, binary inside
#   SHA256SUMS                                 of both
#
# VERSION is release/version.sh's. The static binary comes from
# release/build-static.sh (run every time: a cached run compiles what changed
# and links). Reproducible: every entry's mtime is SOURCE_DATE_EPOCH (from the
# environment, else the commit's time), owners 0:0, names sorted, modes fixed
# (0755 directories and programs, 0644 the rest), gzip without name or time;
# two runs from one commit give byte-identical files (tests/integration/test_dist.py).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dist=${1:-dist}
die() {
	printf 'dist: error: %s\n' "$*" >&2
	exit 1
}

version=$(release/version.sh)
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct HEAD 2>/dev/null) ||
		die "not a git checkout and SOURCE_DATE_EPOCH is not set: set it (seconds since 1970)"
fi
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH '$SOURCE_DATE_EPOCH' is not a number of seconds"
export SOURCE_DATE_EPOCH
case $version in *-dirty) echo "dist: note: the work tree has uncommitted changes: version $version" >&2 ;; esac

release/build-static.sh
bin=build/alembic-guard-static
got=$("$bin" --version | head -n1)
[[ $got == "alembic-guard $version "* ]] || die "$bin reports '$got', not version $version"
for f in README.md LICENSE CHANGELOG.md; do [[ -f $f ]] || die "$f is missing"; done

mkdir -p "$dist"
stage=$(mktemp -d "${TMPDIR:-/tmp}/ag-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# pack DIR OUT: DIR's entries (not DIR itself) into OUT, reproducibly.
pack() {
	# Modes from the files' roles, not from the umask or the checkout.
	find "$1" -type d -exec chmod 0755 {} +
	find "$1" -type f -exec chmod 0644 {} +
	find "$1" -type f \( -path '*/bin/*' -o -name alembic-guard \) -exec chmod 0755 {} +
	(cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort) |
		LC_ALL=C tar --create --format=gnu --sort=name --owner=0 --group=0 --numeric-owner \
			--mtime="@$SOURCE_DATE_EPOCH" --no-recursion -C "$1" -T - |
		gzip -9 -n >"$2.tmp"
	mv -f "$2.tmp" "$2"
}

# The binary tarball: one top directory, as release tarballs have.
name=alembic-guard-$version-linux-x86_64
mkdir "$stage/tarball" "$stage/tarball/$name"
cp "$bin" "$stage/tarball/$name/alembic-guard"
cp README.md LICENSE CHANGELOG.md "$stage/tarball/$name/"
if [[ -f alembic-guard.1 ]]; then cp alembic-guard.1 "$stage/tarball/$name/"; fi
pack "$stage/tarball" "$dist/$name.tar.gz"

# The buildpack: bin/ at the top, as Heroku unpacks a buildpack tarball.
bp=$stage/buildpack
mkdir -p "$bp/bin" "$bp/vendor"
cp release/buildpack/bin/detect release/buildpack/bin/compile release/buildpack/bin/release "$bp/bin/"
cp "$bin" "$bp/vendor/alembic-guard"
(cd "$bp/vendor" && sha256sum alembic-guard >alembic-guard.sha256)
printf '%s\n' "$version" >"$bp/VERSION"
cp LICENSE "$bp/LICENSE"
pack "$bp" "$dist/alembic-guard-buildpack-$version.tgz"

(cd "$dist" && sha256sum "$name.tar.gz" "alembic-guard-buildpack-$version.tgz" >SHA256SUMS.tmp &&
	mv -f SHA256SUMS.tmp SHA256SUMS)
echo "dist: $version (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH) in $dist/:" >&2
(cd "$dist" && cat SHA256SUMS) >&2
