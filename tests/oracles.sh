#!/usr/bin/env bash
# tests/oracles.sh: the newer Alembics the tests judge against, beside
# Debian 12's 1.8.1 (installed by tests/deps.sh):
#   1.13.2  python3-alembic 1.13.2-4 from Debian 13 (trixie)
#   1.18.4  python3-alembic 1.18.4-2 from Debian unstable (sid)
# each with trixie's python3-typing-extensions 4.13.2-1 (1.18 needs a newer
# one than bookworm's). They run on /usr/bin/python3 with Debian 12's
# SQLAlchemy 1.4, from PYTHONPATH: nothing is installed.
#
# The packages come from Debian's archive through an apt configuration of
# this script's own (its own sources list, lists and cache), never the
# system's sources: `apt-get download` only fetches, `dpkg-deb -x` only
# unpacks. The signatures are checked by apt against bookworm's
# debian-archive-keyring, which holds the trixie keys that sign both suites
# (measured 2026-12: trixie and sid InRelease are signed by the 12/bookworm
# and 13/trixie automatic signing keys).
#
# The unpacked trees are cached by version under
# /var/cache/alembic-guard-oracles as root, else
# ${XDG_CACHE_HOME:-~/.cache}/alembic-guard-oracles (AG_ORACLES_DIR
# overrides it); a cached tree is not fetched again.
#
# Usage: tests/oracles.sh           fetch what is missing, print one line per
#                                   version: VERSION<TAB>PYTHONPATH
#        tests/oracles.sh 1.18.4    fetch it if needed, print its PYTHONPATH
set -euo pipefail

# version of Alembic -> the Debian package version and the suite it is in
declare -A DEBVER=([1.13.2]=1.13.2-4 [1.18.4]=1.18.4-2)
TE_VER=4.13.2-1 # python3-typing-extensions, trixie

if [ -n "${AG_ORACLES_DIR:-}" ]; then
	cache=$AG_ORACLES_DIR
elif [ "$(id -u)" -eq 0 ]; then
	cache=/var/cache/alembic-guard-oracles
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/alembic-guard-oracles
fi

# Fetches package=version into $cache/<package>_<version> (once).
unpack() {
	local pkg=$1 ver=$2 dest=$cache/$1_$2
	[ -f "$dest/.complete" ] && return 0
	mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$cache/debs"
	local src=$cache/apt/sources.list
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || { echo "oracles: $keyring is missing: apt-get install debian-archive-keyring" >&2; return 1; }
	printf 'deb [signed-by=%s] http://deb.debian.org/debian %s main\n' \
		"$keyring" trixie "$keyring" sid >"$src"
	local opts=(-o "Dir::Etc::SourceList=$src" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache=$cache/apt/cache"
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq
		# A mirror's sid Release can be past its Valid-Until while still
		# signed: the signature is checked, the date is not (pinned versions).
		-o Acquire::Check-Valid-Until=false)
	# One update per run is enough for every package.
	if [ -z "${_updated:-}" ]; then
		apt-get "${opts[@]}" update >&2 || { echo "oracles: apt-get update failed (is deb.debian.org reachable?)" >&2; return 1; }
		_updated=1
	fi
	(cd "$cache/debs" && apt-get "${opts[@]}" download "$pkg=$ver" >&2) || {
		echo "oracles: apt-get download $pkg=$ver failed: the archive may have moved on; update DEBVER in $0" >&2
		return 1
	}
	rm -rf "$dest.tmp"
	dpkg-deb -x "$cache/debs/${pkg}_${ver/:/%3a}_all.deb" "$dest.tmp"
	touch "$dest.tmp/.complete"
	rm -rf "$dest"
	mv "$dest.tmp" "$dest"
}

pythonpath() {
	local v=$1
	# An oracle that could not be fetched must fail the run: a missing path
	# on PYTHONPATH would silently judge with the system's Alembic instead.
	unpack python3-alembic "${DEBVER[$v]}" || return 1
	unpack python3-typing-extensions "$TE_VER" || return 1
	echo "$cache/python3-alembic_${DEBVER[$v]}/usr/lib/python3/dist-packages:$cache/python3-typing-extensions_${TE_VER}/usr/lib/python3/dist-packages"
}

if [ $# -eq 1 ]; then
	[ -n "${DEBVER[$1]:-}" ] || { echo "oracles: no oracle for $1 (known: ${!DEBVER[*]})" >&2; exit 2; }
	pythonpath "$1" || exit 1
	exit 0
fi
for v in 1.13.2 1.18.4; do
	path=$(pythonpath "$v") || exit 1
	printf '%s\t%s\n' "$v" "$path"
done
