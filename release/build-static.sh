#!/usr/bin/env bash
# release/build-static.sh: the fully static x86-64 release binary (`make static`).
#
#   release/build-static.sh             deps (cached) + build/alembic-guard-static + build/probe-static
#   release/build-static.sh --probe     deps (cached) + build/probe-static only
#   release/build-static.sh --deps-only deps (cached) only; prints the prefix
#
# OpenSSL, libpq, libcurl, jansson and inih are built with musl-gcc from the
# Debian source packages pinned at the top of this script into one install
# prefix, cached under a key made of those pins, the musl and gcc versions and
# this script's sha256. Why musl, the figures, the cache: release/README.md.
#
# Environment: AG_STATIC_CACHE (cache root, default
# ${XDG_CACHE_HOME:-$HOME/.cache}/alembic-guard), AG_STATIC_JOBS (default nproc).
set -euo pipefail

# --- Pinned Debian source versions --------------------------------------------
# Policy: the pinned version is built as long as Debian's source index offers
# it. A newer version in the index only prints a note (the build stays
# reproducible; bump the pin on purpose and re-measure). When the index no
# longer offers the pinned version (the archive keeps only the current one per
# suite), the script stops and names the variable to update: building some
# other version silently would make the cache key lie.
OPENSSL_VERSION=3.0.20-1~deb12u2
POSTGRESQL_VERSION=15.18-0+deb12u1 # source package postgresql-15 (libpq only)
CURL_VERSION=7.88.1-10+deb12u15
JANSSON_VERSION=2.14-2
INIH_VERSION=55-1 # source package libinih: Debian's patched inih (runtime settings)

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
[[ -n ${AG_STATIC_CACHE:-} || -n ${XDG_CACHE_HOME:-} || -n ${HOME:-} ]] ||
	die "neither AG_STATIC_CACHE, XDG_CACHE_HOME nor HOME is set: set AG_STATIC_CACHE"
cache_root=$(realpath -m "${AG_STATIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alembic-guard}")
cd "$root"
jobs=${AG_STATIC_JOBS:-$(nproc)}
t_total=$SECONDS

# --- 1. Tools -----------------------------------------------------------------
apt_updated=0
apt_update() {
	if [[ $apt_updated -eq 0 ]]; then
		log "apt-get update"
		apt-get update -qq >&2
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
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
# What linking needs (also on a cache hit), and what building the deps needs.
link_tools=(musl-gcc=musl-tools gcc=gcc pkg-config=pkg-config strip=binutils ar=binutils
	nm=binutils flock=util-linux /usr/include/linux=linux-libc-dev)
build_tools=(dpkg-source=dpkg-dev make=make perl=perl cmake=cmake patch=patch bzip2=bzip2
	xz=xz-utils)

have_deb_src() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		grep -Eq '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' "$f" && return 0
	done
	return 1
}

ensure_deb_src() {
	if ! have_deb_src; then
		[[ $(id -u) -eq 0 ]] || die "no deb-src entry in /etc/apt; add one for bookworm bookworm-updates main (as root)"
		log "adding /etc/apt/sources.list.d/alembic-guard-src.sources (deb-src bookworm bookworm-updates main)"
		cat >/etc/apt/sources.list.d/alembic-guard-src.sources <<'EOF'
# Added by alembic-guard's release/build-static.sh: Debian source packages.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
		apt_updated=0
		apt_update
	fi
	if [[ -z $(apt-cache showsrc --only-source jansson 2>/dev/null) ]]; then
		apt_update
	fi
}

# check_pin VAR SOURCE-PACKAGE PINNED
check_pin() {
	local var=$1 pkg=$2 pin=$3 offered v
	offered=$(apt-cache showsrc --only-source "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -u)
	[[ -n $offered ]] || die "Debian's source index has no '$pkg' (is a deb-src entry for bookworm main configured, and apt-get update done?)"
	if ! grep -qxF -- "$pin" <<<"$offered"; then
		die "Debian's source index offers $pkg $(echo "$offered" | paste -sd, -) but not the pinned $pin: update $var at the top of release/build-static.sh (then rebuild and update the figures in release/README.md)"
	fi
	for v in $offered; do
		if dpkg --compare-versions "$v" gt "$pin"; then
			log "note: Debian offers $pkg $v, newer than the pinned $pin (update $var in release/build-static.sh to use it)"
		fi
	done
}

# --- Cache key ----------------------------------------------------------------
ensure_tools "${link_tools[@]}" # before the key: it names musl's and gcc's versions
musl_version=$(dpkg-query -W -f='${Version}' musl 2>/dev/null || echo none)
gcc_version=$(gcc --version 2>/dev/null | head -n1 || echo none)
script_sha=$(sha256sum "$script" | cut -d' ' -f1)
manifest="openssl=$OPENSSL_VERSION
postgresql-15=$POSTGRESQL_VERSION
curl=$CURL_VERSION
jansson=$JANSSON_VERSION
libinih=$INIH_VERSION
musl=$musl_version
gcc=$gcc_version
build-static.sh=$script_sha"
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
		log "linking $linking failed (the dependency prefix is fine and cached: $P)."
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
		"curl=$CURL_VERSION" "jansson=$JANSSON_VERSION" ||
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

build_deps() {
	mkdir -p "$cache_root"
	exec 9>"$cache_root/.lock"
	flock 9
	if [[ -f $P/.complete ]]; then
		log "deps: cache hit $P"
		return 0
	fi
	log "deps: cache miss, building $P"
	ensure_tools "${build_tools[@]}"
	ensure_deb_src
	check_pin OPENSSL_VERSION openssl "$OPENSSL_VERSION"
	check_pin POSTGRESQL_VERSION postgresql-15 "$POSTGRESQL_VERSION"
	check_pin CURL_VERSION curl "$CURL_VERSION"
	check_pin JANSSON_VERSION jansson "$JANSSON_VERSION"
	check_pin INIH_VERSION libinih "$INIH_VERSION"
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
	printf '%s\n' "$manifest" >"$P/KEY"
	{
		echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - start)) s"
		printf '%s\n' "${timings[@]}"
	} >>"$P/BUILDINFO"
	rm -rf "${P:?}/share" "${P:?}/bin" "${P:?}/lib/libcurl.la"
	touch "$P/.complete"
	building_prefix=
	log "deps: $((SECONDS - start)) s total, prefix $(du -sh "$P" | cut -f1)"
}

# --- 4. Programs ----------------------------------------------------------------
pkg_flags=()
load_pkg_flags() {
	local flags
	flags=$(PKG_CONFIG_LIBDIR=$P/lib/pkgconfig PKG_CONFIG_PATH='' \
		pkg-config --static --cflags --libs libpq libcurl jansson inih)
	read -ra pkg_flags <<<"$flags"
}

# link OUTPUT SOURCES...
link() {
	local out=$1
	shift
	local commit
	commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	mkdir -p "$(dirname "$out")"
	linking=$out
	musl-gcc -static -O2 -std=c11 -D_GNU_SOURCE -DAG_STATIC=1 -DAG_GIT_COMMIT="\"$commit\"" \
		-I. -Ilib -Icmd -idirafter "$P/kinc" "$@" release/static_init.c "${pkg_flags[@]}" \
		-o "$out.tmp"
	strip "$out.tmp"
	mv -f "$out.tmp" "$out"
	linking=
	log "$out: $(stat -c %s "$out") bytes (stripped)"
}

build_deps
[[ $mode == deps ]] && {
	echo "$P"
	exit 0
}
load_pkg_flags

start=$SECONDS
link build/probe-static release/probe.c
log "probe: $((SECONDS - start)) s"
if [[ $mode == program ]]; then
	shopt -s nullglob
	srcs=(lib/*.c cmd/*.c)
	shopt -u nullglob
	[[ ${#srcs[@]} -gt 0 ]] || die "no lib/*.c or cmd/*.c to build (use --probe to prove the prefix alone)"
	start=$SECONDS
	link build/alembic-guard-static "${srcs[@]}"
	log "alembic-guard-static: $((SECONDS - start)) s"
	# Smoke test: a static binary that cannot even print its version is broken.
	build/alembic-guard-static --version >&2 || die "build/alembic-guard-static --version failed"
fi
log "total: $((SECONDS - t_total)) s (prefix $P)"
