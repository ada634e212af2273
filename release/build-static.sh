#!/usr/bin/env bash
# release/build-static.sh: the fully static x86-64 release binary (`make static`).
#
#   release/build-static.sh             deps (cached) + build/alembic-guard-static + build/probe-static
#   release/build-static.sh --probe     deps (cached) + build/probe-static only
#   release/build-static.sh --deps-only deps (cached) only; prints the prefix
#
# OpenSSL, libpq, libcurl, jansson, inih and libunistring are built with musl-gcc from the
# Debian source packages pinned at the top of this script into one install
# prefix, cached under a key made of those pins, the musl and gcc versions and
# the sha256 of this script up to its "4. Programs" part (what builds the
# prefix; changing how the program is compiled keeps the cache). Why musl, the
# figures, the cache: release/README.md.
#
# Environment: AG_STATIC_CACHE (cache root; default /var/cache/alembic-guard-static
# as root, else ${XDG_CACHE_HOME:-$HOME/.cache}/alembic-guard-static), AG_STATIC_JOBS
# (default nproc).
set -euo pipefail

# --- Pinned Debian source versions --------------------------------------------
# Policy: the pinned version is built as long as Debian's source index offers
# it. Every run says when apt offers other versions (another version in the
# source index, or apt's binary package of that source at another version,
# e.g. from bookworm-security) but builds the pin: the build stays
# reproducible; bump the pin on purpose and re-measure. When the index no
# longer offers the pinned version (the archive keeps only the current one per
# suite), a cold build stops and names the variable to update: building some
# other version silently would make the cache key lie.
OPENSSL_VERSION=3.0.20-1~deb12u2
POSTGRESQL_VERSION=15.18-0+deb12u1 # source package postgresql-15 (libpq only)
CURL_VERSION=7.88.1-10+deb12u15
JANSSON_VERSION=2.14-2
INIH_VERSION=55-1 # source package libinih: Debian's patched inih (runtime settings)
UNISTRING_VERSION=1.0-2 # source package libunistring: NFKC identifiers, character counts

die() {
	printf 'build-static: error: %s\n' "$*" >&2
	exit 1
}
log() { printf '[static] %s\n' "$*" >&2; }

usage() {
	sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

mode=program
while [[ $# -gt 0 ]]; do
	case $1 in
	--probe) mode=probe ;;
	--deps-only) mode=deps ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

script=$(readlink -f "${BASH_SOURCE[0]}")
root=$(cd "$(dirname "$script")/.." && pwd)
# The cache lives outside the work tree, at a path that does not depend on
# the checkout or on the environment, so every clone on this machine (CI's
# fresh clones too) finds the same prefix.
if [[ -n ${AG_STATIC_CACHE:-} ]]; then
	cache_root=$AG_STATIC_CACHE
elif [[ $(id -u) -eq 0 ]]; then
	cache_root=/var/cache/alembic-guard-static
elif [[ -n ${XDG_CACHE_HOME:-} || -n ${HOME:-} ]]; then
	cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/alembic-guard-static
else
	die "neither AG_STATIC_CACHE, XDG_CACHE_HOME nor HOME is set: set AG_STATIC_CACHE"
fi
cache_root=$(realpath -m "$cache_root")
cd "$root"
jobs=${AG_STATIC_JOBS:-$(nproc)}
t_total=$SECONDS

# --- 1. Tools -----------------------------------------------------------------
apt_updated=0
# quiet_apt ARGS...: apt-get with its output (dpkg's too) in a log, shown on failure.
quiet_apt() {
	local out rc=0 t=$SECONDS
	out=$(mktemp "${TMPDIR:-/tmp}/ag-static-apt.XXXXXX")
	DEBIAN_FRONTEND=noninteractive apt-get "$@" >"$out" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		tail -n 40 "$out" >&2
		rm -f "$out"
		die "apt-get $* failed (exit $rc)"
	fi
	rm -f "$out"
	log "apt-get $1: $((SECONDS - t)) s"
}
apt_update() {
	if [[ $apt_updated -eq 0 ]]; then
		log "apt-get update"
		quiet_apt update
		apt_updated=1
	fi
}

# ensure_tools TOOL=PACKAGE...: apt-get install the packages of missing tools.
ensure_tools() {
	local missing=() pair
	for pair in "$@"; do
		if [[ ${pair%%=*} == /* ]]; then
			[[ -e ${pair%%=*} ]] || missing+=("${pair#*=}")
		else
			command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
		fi
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	[[ $(id -u) -eq 0 ]] || die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
	apt_update
	log "apt-get install ${missing[*]}"
	quiet_apt install -y --no-install-recommends "${missing[@]}"
}
# What linking needs (also on a cache hit), and what building the deps needs.
link_tools=(musl-gcc=musl-tools gcc=gcc make=make pkg-config=pkg-config strip=binutils
	ar=binutils nm=binutils flock=util-linux /usr/include/linux=linux-libc-dev)
build_tools=(dpkg-source=dpkg-dev perl=perl cmake=cmake patch=patch bzip2=bzip2 xz=xz-utils)

src_file=/etc/apt/sources.list.d/alembic-guard-src.sources
have_pinned_src() { [[ -n $(apt-cache showsrc --only-source jansson 2>/dev/null) ]]; }

# The source index must offer the pinned packages: with a deb-src entry
# already there, an `apt-get update` may be all that is missing; else add
# deb-src for bookworm and bookworm-updates (main), the suites the pins are from.
ensure_deb_src() {
	have_pinned_src && return 0
	[[ $(id -u) -eq 0 ]] || die "Debian's source index is not available; as root add deb-src for bookworm bookworm-updates main and run apt-get update"
	if grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		apt_update
		have_pinned_src && return 0
	fi
	if [[ ! -f $src_file ]]; then
		log "adding $src_file (deb-src bookworm bookworm-updates main)"
		cat >"$src_file" <<'EOF'
# Added by alembic-guard's release/build-static.sh: Debian source packages.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	fi
	apt_updated=0
	apt_update
	have_pinned_src || die "Debian's source index still has no 'jansson' after adding $src_file and apt-get update"
}

# pins: "VARIABLE SOURCE-PACKAGE PINNED-VERSION BINARY-PACKAGE" per line; the
# binary package (built from that source) shows what apt itself would install.
pins="OPENSSL_VERSION openssl $OPENSSL_VERSION libssl3
POSTGRESQL_VERSION postgresql-15 $POSTGRESQL_VERSION libpq5
CURL_VERSION curl $CURL_VERSION libcurl4
JANSSON_VERSION jansson $JANSSON_VERSION libjansson4
INIH_VERSION libinih $INIH_VERSION libinih1
UNISTRING_VERSION libunistring $UNISTRING_VERSION libunistring2"

# check_pins STRICT: compares every pin with what apt offers, in two local
# apt-cache calls (no network). Says so when the source index offers another
# version, or when apt's binary package is another version (the security
# suite's, typically, whose sources are not in the index). STRICT=1 (a cold
# build) stops when the source index does not offer a pin; STRICT=0 (a cache
# hit: the prefix was built from the pins) only warns.
check_pins() {
	local strict=$1 var pkg pin bin offered cand v srcs bins others=0
	srcs=$(apt-cache showsrc --only-source openssl postgresql-15 curl jansson libinih libunistring 2>/dev/null |
		awk '/^Package: /{p=$2} /^Version: /{print p, $2}' | sort -u)
	bins=$(apt-cache policy libssl3 libpq5 libcurl4 libjansson4 libinih1 libunistring2 2>/dev/null |
		awk '/^[^ ].*:$/{sub(":$","");p=$1} /Candidate:/{print p, $2}')
	while read -r var pkg pin bin; do
		offered=$(awk -v p="$pkg" '$1 == p {print $2}' <<<"$srcs")
		cand=$(awk -v p="$bin" '$1 == p {print $2}' <<<"$bins")
		if [[ -z $offered ]]; then
			[[ $strict -eq 1 ]] && die "Debian's source index has no '$pkg' (is a deb-src entry for bookworm main configured, and apt-get update done?)"
			log "note: cannot check the pin $pkg $pin: Debian's source index has no '$pkg' here"
		elif ! grep -qxF -- "$pin" <<<"$offered"; then
			[[ $strict -eq 1 ]] && die "Debian's source index offers $pkg $(paste -sd, <<<"$offered") but not the pinned $pin: update $var at the top of release/build-static.sh (then rebuild and update the figures in release/README.md)"
			log "WARNING: Debian's source index now offers $pkg $(paste -sd, <<<"$offered"), not the pinned $pin; the cached prefix was built from $pin, a cold build would stop: update $var"
			others=1
		fi
		for v in $offered; do
			[[ $v == "$pin" ]] && continue
			if dpkg --compare-versions "$v" gt "$pin"; then
				log "note: Debian's source index also offers $pkg $v, NEWER than the pinned $pin (update $var in release/build-static.sh to build it)"
			else
				log "note: Debian's source index also offers $pkg $v (older than the pinned $pin)"
			fi
			others=1
		done
		if [[ -n $cand && $cand != "(none)" && $cand != "$pin" ]]; then
			if dpkg --compare-versions "$cand" gt "$pin"; then
				log "note: apt's binary $bin is $cand, NEWER than the pinned source $pkg $pin (its source is not in the index; the static binary links $pin)"
			else
				log "note: apt's binary $bin is $cand; the static binary links the pinned source $pkg $pin"
			fi
			others=1
		fi
	done <<<"$pins"
	[[ $others -eq 1 ]] || log "pins: apt offers exactly the pinned versions"
	return 0
}

# --- Cache key ----------------------------------------------------------------
ensure_tools "${link_tools[@]}" # before the key: it names musl's and gcc's versions
musl_version=$(dpkg-query -W -f='${Version}' musl 2>/dev/null || echo none)
gcc_version=$(gcc --version 2>/dev/null | head -n1 || echo none)
# Only what builds the prefix counts: everything before "4. Programs".
script_sha=$(sed '/^# --- 4\. Programs/,$d' "$script" | sha256sum | cut -d' ' -f1)
manifest="openssl=$OPENSSL_VERSION
postgresql-15=$POSTGRESQL_VERSION
curl=$CURL_VERSION
jansson=$JANSSON_VERSION
libinih=$INIH_VERSION
libunistring=$UNISTRING_VERSION
musl=$musl_version
gcc=$gcc_version
build-static.sh (deps part)=$script_sha"
key=$(printf '%s\n' "$manifest" | sha256sum | cut -c1-16)
P=$cache_root/deps-$key

# --- Temp dir, step timing, cleanup -------------------------------------------
work=
current_step=
current_log=
timings=()
cleanup() {
	local rc=$?
	if [[ $rc -ne 0 && -n $current_step ]]; then
		log "step '$current_step' failed; last lines of its log:"
		tail -n 60 "$current_log" >&2 || true
		mkdir -p "$cache_root" && cp -f "$current_log" "$cache_root/last-failure.log" 2>/dev/null &&
			log "full log: $cache_root/last-failure.log"
	fi
	if [[ $rc -ne 0 && -n ${linking:-} ]]; then
		log "building $linking failed (the dependency prefix is fine and cached: $P)."
		log "If the program's code does not build yet, \`release/build-static.sh --probe\` proves the prefix alone."
	fi
	if [[ $rc -ne 0 && -n ${building_prefix:-} && ! -f $P/.complete ]]; then
		rm -rf "$P"
	fi
	[[ -n $work ]] && rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT

# step NAME FUNCTION [ARGS...]: runs FUNCTION with its output in a log file and
# prints its wall time. A subshell, so a `cd` stays inside; set -e stays in
# force there (no `if`/`||` around it).
step() {
	local name=$1 start=$SECONDS
	shift
	current_step=$name
	current_log=$work/log/$name.log
	log "$name ..."
	("$@") >"$current_log" 2>&1
	current_step=
	log "$name: $((SECONDS - start)) s"
	timings+=("$name: $((SECONDS - start)) s")
}

new_work() {
	[[ -n $work ]] && return 0
	work=$(mktemp -d "${TMPDIR:-/tmp}/ag-static.XXXXXX")
	mkdir -p "$work/log" "$work/src"
}

# --- 2. Dependencies ----------------------------------------------------------
apt_src() { apt-get -o APT::Sandbox::User=root "$@"; }

download() {
	cd "$work/src"
	apt_src source --download-only "openssl=$OPENSSL_VERSION" "postgresql-15=$POSTGRESQL_VERSION" \
		"curl=$CURL_VERSION" "jansson=$JANSSON_VERSION" "libunistring=$UNISTRING_VERSION" ||
		die "could not download the pinned sources (see above); if the archive no longer serves a pinned version, update its variable at the top of release/build-static.sh"
	# inih: Debian's patched source when the archive serves it. Some mirrors
	# (this project's build machine among them) answer 404 for its tarballs;
	# then take libinih.a from Debian's binary package of the SAME pinned
	# version: the same patched ini.c, compiled by Debian. Its object uses only
	# C-library symbols that musl also exports (checked in build_inih).
	mkdir -p "$work/src/inih-dl"
	cd "$work/src/inih-dl"
	if apt_src source --download-only "libinih=$INIH_VERSION"; then
		echo source >"$work/src/inih.origin"
	else
		rm -f ./*
		apt_src download "libinih-dev=$INIH_VERSION" ||
			die "could not download libinih $INIH_VERSION (source or binary); update INIH_VERSION"
		echo binary >"$work/src/inih.origin"
	fi
}

extract() {
	cd "$work/src"
	dpkg-source --no-check -x openssl_*.dsc openssl
	dpkg-source --no-check -x postgresql-15_*.dsc postgresql
	dpkg-source --no-check -x jansson_*.dsc jansson
	dpkg-source --no-check -x curl_*.dsc curl
	dpkg-source --no-check -x libunistring_*.dsc libunistring
	# Debian's tree ends with the patches that make the GnuTLS and NSS
	# flavours; reverse them (last first) for the OpenSSL flavour.
	(cd curl && patch -R -p1 <debian/patches/99_nss.patch && patch -R -p1 <debian/patches/90_gnutls.patch)
	if [[ $(cat inih.origin) == source ]]; then
		dpkg-source --no-check -x inih-dl/libinih_*.dsc inih
	else
		dpkg-deb -x inih-dl/libinih-dev_*.deb inih-deb
	fi
	# musl ships no Linux kernel headers: borrow the host's, after musl's own.
	mkdir -p "$P/kinc"
	ln -sfn /usr/include/linux "$P/kinc/linux"
	ln -sfn /usr/include/asm-generic "$P/kinc/asm-generic"
	ln -sfn /usr/include/x86_64-linux-gnu/asm "$P/kinc/asm"
}

build_openssl() {
	cd "$work/src/openssl"
	# Flags joined (-idirafter/dir): Configure rejects -fPIC next to CFLAGS=.
	./Configure linux-x86_64 no-shared no-async no-tests -fPIC "-idirafter$P/kinc" \
		--prefix="$P" --libdir=lib --openssldir=/etc/ssl CC=musl-gcc
	make -j"$jobs" build_libs
	make install_dev
}

build_jansson() {
	cmake -S "$work/src/jansson" -B "$work/src/jansson/_build" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_C_COMPILER=musl-gcc -DCMAKE_INSTALL_PREFIX="$P" -DCMAKE_INSTALL_LIBDIR=lib \
		-DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_WITHOUT_TESTS=ON -DJANSSON_BUILD_DOCS=OFF \
		-DJANSSON_EXAMPLES=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON
	cmake --build "$work/src/jansson/_build" -j "$jobs"
	cmake --install "$work/src/jansson/_build"
}

build_libpq() {
	cd "$work/src/postgresql"
	./configure --prefix="$P" CC=musl-gcc CFLAGS="-O2 -fPIC" \
		CPPFLAGS="-I$P/include -idirafter $P/kinc" LDFLAGS="-L$P/lib" \
		--without-readline --without-icu --without-zlib --without-lz4 --without-zstd \
		--with-ssl=openssl --without-gssapi --without-ldap --without-pam --without-systemd
	# Only what libpq needs. Its default target links libpq.so and then fails
	# the "no exit() in libpq" check (static OpenSSL references atexit).
	make -C src/backend generated-headers
	make -C src/port -j"$jobs" libpgport_shlib.a
	make -C src/common -j"$jobs" libpgcommon_shlib.a
	make -C src/interfaces/libpq -j"$jobs" all-static-lib libpq.pc SHLIB_PREREQS=
	# NEVER `make install` in src/common or src/port: Debian's patched
	# Makefile.global installs those into /usr/lib/postgresql/15/lib and
	# overwrites the system's PostgreSQL libraries. Copy by hand.
	install -d "$P/lib/pkgconfig" "$P/include"
	install -m 644 src/interfaces/libpq/libpq.a "$P/lib/libpq.a"
	install -m 644 src/common/libpgcommon_shlib.a "$P/lib/libpgcommon.a"
	install -m 644 src/port/libpgport_shlib.a "$P/lib/libpgport.a"
	install -m 644 src/interfaces/libpq/libpq.pc "$P/lib/pkgconfig/libpq.pc"
	install -m 644 src/interfaces/libpq/libpq-fe.h src/interfaces/libpq/libpq-events.h \
		src/include/postgres_ext.h src/include/pg_config_ext.h "$P/include/"
	cat "$P/lib/pkgconfig/libpq.pc"
}

build_curl() {
	cd "$work/src/curl"
	# HTTP and HTTPS over OpenSSL, nothing else.
	./configure --prefix="$P" CC=musl-gcc CPPFLAGS="-idirafter $P/kinc" \
		--disable-shared --enable-static --with-pic \
		--with-openssl="$P" --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt \
		--with-ca-path=/etc/ssl/certs --enable-threaded-resolver \
		--without-libpsl --without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-libidn2 \
		--without-brotli --without-zstd --without-zlib --without-librtmp --without-libssh2 \
		--without-libssh --without-gssapi --without-hyper --without-quiche --without-msh3 \
		--disable-ldap --disable-ldaps --disable-ftp --disable-file --disable-dict --disable-gopher \
		--disable-imap --disable-pop3 --disable-smtp --disable-rtsp --disable-telnet \
		--disable-tftp --disable-mqtt --disable-smb --disable-manual --disable-ntlm \
		--disable-ntlm-wb --disable-alt-svc --disable-websockets
	make -C lib -j"$jobs"
	make -C lib install
	make -C include install
	make install-pkgconfigDATA
	cat "$P/lib/pkgconfig/libcurl.pc"
}

# The musl symbols a glibc-compiled ini.c object may use (binary fallback).
inih_allowed='^(_GLOBAL_OFFSET_TABLE_|__ctype_b_loc|__stack_chk_fail|fclose|fgets|fopen|fopen64|free|malloc|realloc|calloc|strchr|strlen|strncpy|strncat|strcmp|strncmp|strcspn|strspn|memcpy|memmove|memset|memchr|isspace)$'

build_inih() {
	install -d "$P/lib/pkgconfig" "$P/include"
	local origin
	origin=$(cat "$work/src/inih.origin")
	if [[ $origin == source ]]; then
		cd "$work/src/inih"
		musl-gcc -O2 -fPIC -std=c99 -c ini.c -o ini.o
		rm -f "$P/lib/libinih.a"
		ar rcs "$P/lib/libinih.a" ini.o
		install -m 644 ini.h "$P/include/ini.h"
	else
		local d=$work/src/inih-deb bad
		install -m 644 "$d/usr/lib/x86_64-linux-gnu/libinih.a" "$P/lib/libinih.a"
		install -m 644 "$d/usr/include/ini.h" "$P/include/ini.h"
		bad=$(nm -u "$P/lib/libinih.a" | awk 'NF == 2 { print $2 }' | grep -Ev "$inih_allowed" || true)
		[[ -z $bad ]] || die "libinih.a from libinih-dev $INIH_VERSION needs symbols not vetted for musl: $bad"
	fi
	# Debian's patch turns inih's compile-time options into run-time globals.
	grep -q 'ini_use_stack' "$P/include/ini.h" ||
		die "ini.h of libinih $INIH_VERSION lacks Debian's run-time settings (ini_use_stack)"
	cat >"$P/lib/pkgconfig/inih.pc" <<EOF
prefix=$P
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: inih
Description: simple .INI file parser (Debian libinih $INIH_VERSION, $origin, static)
Version: ${INIH_VERSION%%-*}
Libs: -L\${libdir} -linih
Cflags: -I\${includedir}
EOF
	echo "inih from Debian $origin package $INIH_VERSION" >>"$P/BUILDINFO"
}

build_unistring() {
	cd "$work/src/libunistring"
	# Debian's patches leave configure.ac and the m4 files newer than what
	# is generated from them, so make would run aclocal-1.16 (absent): give
	# every file one old time; configure's output is then the newest.
	find . -type f -exec touch -d '2000-01-01 00:00:00' {} +
	# Only the library: NFKC normalization (uninorm) and UTF-8 counts (unistr).
	./configure --prefix="$P" CC=musl-gcc CPPFLAGS="-idirafter $P/kinc" \
		--disable-shared --enable-static --with-pic --disable-dependency-tracking
	make -C lib -j"$jobs"
	make -C lib install
	# libunistring ships no .pc file: one of ours, so the link asks pkg-config
	# like for every other library.
	install -d "$P/lib/pkgconfig"
	cat >"$P/lib/pkgconfig/libunistring.pc" <<EOF
prefix=$P
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libunistring
Description: Unicode string library (Debian libunistring $UNISTRING_VERSION, static)
Version: ${UNISTRING_VERSION%%-*}
Libs: -L\${libdir} -lunistring
Cflags: -I\${includedir}
EOF
	rm -f "$P/lib/libunistring.la"
	echo "libunistring from Debian source package $UNISTRING_VERSION" >>"$P/BUILDINFO"
}

build_deps() {
	mkdir -p "$cache_root"
	# One builder at a time per cache; the lock is released once the prefix is
	# complete (a complete prefix is never written again).
	exec 9>"$cache_root/.lock"
	if ! flock -n 9; then
		local waited=$SECONDS
		log "waiting for $cache_root/.lock (another build-static.sh run holds it) ..."
		flock 9
		log "lock: waited $((SECONDS - waited)) s"
	fi
	if [[ -f $P/.complete ]]; then
		exec 9>&-
		log "deps: cache hit $P"
		check_pins 0
		return 0
	fi
	log "deps: cache miss, building $P"
	ensure_tools "${build_tools[@]}"
	ensure_deb_src
	check_pins 1
	new_work
	rm -rf "$P"
	building_prefix=1
	mkdir -p "$P"
	# Every pkg-config lookup of the build reads only the prefix.
	export PKG_CONFIG_LIBDIR=$P/lib/pkgconfig PKG_CONFIG_PATH=
	local start=$SECONDS
	step download download
	if [[ $(cat "$work/src/inih.origin") == binary ]]; then
		log "note: the archive does not serve libinih $INIH_VERSION's source; using libinih.a of Debian's libinih-dev $INIH_VERSION (same patched ini.c)"
	fi
	step extract extract
	step openssl build_openssl
	step jansson build_jansson
	step libpq build_libpq
	step curl build_curl
	step inih build_inih
	step libunistring build_unistring
	printf '%s\n' "$manifest" >"$P/KEY"
	{
		echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - start)) s"
		printf '%s\n' "${timings[@]}"
	} >>"$P/BUILDINFO"
	rm -rf "${P:?}/share" "${P:?}/bin" "${P:?}/lib/libcurl.la"
	touch "$P/.complete"
	building_prefix=
	exec 9>&-
	log "deps: $((SECONDS - start)) s total, prefix $(du -sh "$P" | cut -f1)"
	# The source and build trees (about 1 GB) go now, timed, not at exit.
	local t=$SECONDS
	rm -rf "$work"
	work=
	log "removing the build trees: $((SECONDS - t)) s"
}

# --- 4. Programs ----------------------------------------------------------------
# Objects go to build/static/obj (musl objects, never mixed with the glibc
# build's), compiled in parallel and only when their source, a header they
# include or the flags changed, so a cached `make static` is a link.
O=build/static

# write_if_changed FILE CONTENT
write_if_changed() {
	printf '%s\n' "$2" >"$1.tmp"
	cmp -s "$1.tmp" "$1" && rm -f "$1.tmp" || mv -f "$1.tmp" "$1"
}

pkg_cflags=()
pkg_libs=()
load_pkg_flags() {
	local flags
	flags=$(PKG_CONFIG_LIBDIR=$P/lib/pkgconfig PKG_CONFIG_PATH='' \
		pkg-config --static --cflags libpq libcurl jansson inih libunistring)
	read -ra pkg_cflags <<<"$flags"
	flags=$(PKG_CONFIG_LIBDIR=$P/lib/pkgconfig PKG_CONFIG_PATH='' \
		pkg-config --static --libs libpq libcurl jansson inih libunistring)
	read -ra pkg_libs <<<"$flags"
}

# compile SOURCES...: build/static/obj/SOURCE.o for each, through make -j.
compile() {
	local commit version cflags
	mkdir -p "$O"
	commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	version=$("$root/release/version.sh")
	# cmd/main.c includes ag_version.h (from -I$O); rewritten only when the
	# commit or the version changes, so a new commit recompiles main.c alone.
	write_if_changed "$O/ag_version.h" "#define AG_GIT_COMMIT \"$commit\"
#define AG_BUILD_VERSION \"$version\""
	cflags="-O2 -std=c11 -D_GNU_SOURCE -DAG_STATIC=1 -I. -Ilib -Icmd -I$O -idirafter $P/kinc ${pkg_cflags[*]}"
	write_if_changed "$O/cflags" "$cflags"
	# Run from `make static` or not, this make is its own: no jobserver to inherit.
	printf '%s\n' \
		'OBJ := $(patsubst %.c,$(O)/obj/%.o,$(SRCS))' \
		'all: $(OBJ)' \
		'$(O)/obj/%.o: %.c $(O)/cflags' \
		$'\t@mkdir -p $(@D)' \
		$'\t@echo "  CC $<"' \
		$'\t@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<' \
		'-include $(OBJ:.o=.d)' |
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -f - -j"$jobs" O="$O" CC=musl-gcc \
			CFLAGS="$cflags" SRCS="$*" >&2
}

# link OUTPUT SOURCES...: OUTPUT (stripped) and $O/OUTPUT-NAME.unstripped.
link() {
	local out=$1 name unstripped objs=() src
	shift
	name=$(basename "$out")
	unstripped=$O/$name.unstripped
	for src in "$@"; do objs+=("$O/obj/${src%.c}.o"); done
	linking=$out
	musl-gcc -static -O2 "${objs[@]}" "${pkg_libs[@]}" -o "$unstripped"
	strip -o "$out.tmp" "$unstripped"
	mv -f "$out.tmp" "$out"
	linking=
	log "$out: $(stat -c %s "$out") bytes stripped, $(stat -c %s "$unstripped") unstripped ($unstripped)"
}

build_deps
[[ $mode == deps ]] && {
	echo "$P"
	exit 0
}
load_pkg_flags

shopt -s nullglob
prog_srcs=(lib/*.c cmd/*.c)
shopt -u nullglob
if [[ $mode == program ]]; then
	[[ ${#prog_srcs[@]} -gt 0 ]] || die "no lib/*.c or cmd/*.c to build (use --probe to prove the prefix alone)"
	srcs=(release/static_init.c release/probe.c "${prog_srcs[@]}")
else
	srcs=(release/static_init.c release/probe.c)
fi
start=$SECONDS
linking="the objects ($O/obj)"
compile "${srcs[@]}"
linking=
log "compile: $((SECONDS - start)) s"

start=$SECONDS
link build/probe-static release/probe.c release/static_init.c
# Smoke test: the probe's self-test (inih run-time settings, jansson, libcurl
# with OpenSSL); it prints the versions linked.
build/probe-static >&2 || die "build/probe-static's self-test failed (see above)"
log "probe: $((SECONDS - start)) s"
if [[ $mode == program ]]; then
	start=$SECONDS
	link build/alembic-guard-static "${prog_srcs[@]}" release/static_init.c
	# Smoke test: a static binary that cannot even print its version is broken.
	build/alembic-guard-static --version >&2 || die "build/alembic-guard-static --version failed"
	log "alembic-guard-static: $((SECONDS - start)) s"
fi
log "total: $((SECONDS - t_total)) s (prefix $P)"
