#!/usr/bin/env bash
# tests/deps.sh: installs (apt-get) what building and testing alembic-guard
# needs and this machine lacks. As root it installs; otherwise it names the
# command to run and fails, so nothing is skipped for want of a package.
set -euo pipefail

pkgs=(
	build-essential pkg-config clang libclang-rt-14-dev  # the build; clang + its runtimes for ASan/UBSan, libFuzzer
	libpq-dev libcurl4-openssl-dev libjansson-dev libinih-dev
	libunistring-dev                          # NFKC identifiers, character counts (lib/modval, lib/graph)
	check                                     # the unit test framework
	postgresql openssl                        # the harness's throwaway server (initdb, pg_ctl, TLS)
	python3 python3-alembic python3-psycopg2  # the oracle: Debian's Alembic on /usr/bin/python3
	python3-yaml                              # parses action.yml and .pre-commit-hooks.yaml (test_dist)
	graphviz file                             # dot accepts `graph`; file checks the static binary
	groff-base                                # test_docs checks the man page with groff -man -ww
	libpython3.11-testsuite                   # test_pyparse: the standard library's tests (badsyntax_*) as parser cases
)

"$(dirname "$0")/oracles.sh" >/dev/null # Alembic 1.13.2 and 1.18.4 for the tests: unpacked into a cache, never installed

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: missing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# apt's own lines are shown (-q drops only its progress bars): on a fresh
# machine this takes minutes, and a silent wait looks like a hang.
echo "deps: apt-get update, then apt-get install (a few minutes on a fresh machine)"
# The package lists of a fresh machine may be empty or old.
apt-get -q update
apt-get -q install -y --no-install-recommends "${missing[@]}"
echo "deps: installed ${missing[*]}"
