#!/usr/bin/env bash
# tests/static_test.sh [BINARY]: the static release binary, alone in an empty chroot.
#
# Default BINARY: build/alembic-guard-static (make static). The probe that
# release/build-static.sh builds beside it (build/probe-static) is used for
# the TLS checks. Needs root (chroot) or unprivileged user namespaces.
#
# With AG_TEST_PGURL_TLS (a postgres:// URL to 127.0.0.1 with sslmode=require,
# from the test harness) it also runs `check` and `release` in the chroot
# against a database it creates (ag_static_test, dropped at the end) and
# proves the guard's own connection used TLS (pg_stat_ssl).
#
# Last line: `static: N passed, M failed`; exit 1 when M > 0.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$root/build/alembic-guard-static}
probe=${AG_STATIC_PROBE:-$(dirname "$bin")/probe-static}
testdb=ag_static_test
appname=alembic-guard-static-test

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	echo "ok   - $*"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL - $*"
}
# show LABEL OUTPUT: indented output of a failed command.
show() { printf '%s\n' "$2" | sed "s/^/       $1| /" | head -n 40; }

if [[ ! -x $bin ]]; then
	echo "static: $bin not found: build it with \`make static\` (release/build-static.sh)"
	echo "static: 0 passed, 1 failed"
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/ag-static-test.XXXXXX")
admin_url=
cleanup() {
	if [[ -n $admin_url ]]; then
		psql "$admin_url" -qX -c "DROP DATABASE IF EXISTS $testdb WITH (FORCE)" >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

# --- The file itself ------------------------------------------------------------
if ! command -v file >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq file >/dev/null 2>&1 || true
fi
out=$(file -b "$bin" 2>&1)
if [[ $out == *"statically linked"* ]]; then
	ok "file: statically linked"
else
	bad "file does not say statically linked"
	show file "$out"
fi

out=$(ldd "$bin" 2>&1)
if [[ $out == *"not a dynamic executable"* ]]; then
	ok "ldd: not a dynamic executable"
else
	bad "ldd lists libraries"
	show ldd "$out"
fi

# --- Alone in an empty root -------------------------------------------------------
cp "$bin" "$dir/alembic-guard-static"
[[ -x $probe ]] && cp "$probe" "$dir/probe-static"
jail=(chroot "$dir")
if [[ $(id -u) -ne 0 ]]; then
	jail=(unshare --map-root-user chroot "$dir")
fi

out=$("${jail[@]}" /alembic-guard-static --version 2>&1)
rc=$?
if [[ $rc -eq 0 && $out == alembic-guard* ]]; then
	ok "chroot: --version exits 0 ($(head -n1 <<<"$out"))"
	if grep -q 'OpenSSL' <<<"$out"; then
		ok "chroot: --version names the TLS library ($(grep -o 'OpenSSL[^) ,]*' <<<"$out" | head -n1))"
	else
		bad "--version does not name OpenSSL (the libraries linked should be shown)"
		show version "$out"
	fi
else
	bad "chroot: --version exited $rc"
	show version "$out"
fi

# Files as Python reads them, with musl's iconv and the static libunistring:
# a koi8-r and a latin-1 coding declaration, a fullwidth (NFKC) name.
mkdir -p "$dir/pyexec"
printf '# -*- coding: koi8-r -*-\nrevision = "\351"\ndown_revision = None\n' >"$dir/pyexec/a_koi8.py"
printf '# coding: latin-1\nrevision = "\351t\351"\ndown_revision = None\n' >"$dir/pyexec/b_latin1.py"
printf '\357\275\222evision = "c3"\ndown_revision = ("\320\230", "\303\251t\303\251")\n' >"$dir/pyexec/c_nfkc.py"
out=$("${jail[@]}" /alembic-guard-static heads --versions /pyexec --format json 2>&1)
rc=$?
if [[ $rc -eq 0 && $out == *'"verdict": "ok"'* && $(grep -c '^      "c3"$' <<<"$out") -ge 1 ]]; then
	ok "chroot: koi8-r and latin-1 files decoded (iconv), a fullwidth name normalized (libunistring)"
else
	bad "chroot: PEP 263 / NFKC files: exit $rc, expected 0 and the head c3 (a merge of the koi8-r and latin-1 ids)"
	show heads "$out"
fi

have_probe=0
if [[ -x $probe ]]; then
	have_probe=1
	out=$("${jail[@]}" /probe-static 2>&1)
	rc=$?
	if [[ $rc -eq 0 ]]; then
		ok "chroot: probe self-test (libpq, libcurl+OpenSSL, jansson, inih run-time settings)"
	else
		bad "chroot: probe self-test exited $rc"
		show probe "$out"
	fi
else
	bad "$probe not found (release/build-static.sh builds it beside the binary: make static)"
fi

# --- Against PostgreSQL over TLS --------------------------------------------------
# with_db URL DB / with_param URL KEY VALUE: URL or key=value conninfo.
with_db() {
	local url=$1 db=$2 query='' base rest
	if [[ $url == postgres://* || $url == postgresql://* ]]; then
		[[ $url == *\?* ]] && query="?${url#*\?}"
		base=${url%%\?*}
		rest=${base#*://}
		printf '%s://%s/%s%s\n' "${base%%://*}" "${rest%%/*}" "$db" "$query"
	else
		printf '%s dbname=%s\n' "$url" "$db"
	fi
}
with_param() {
	local url=$1 k=$2 v=$3
	if [[ $url == postgres://* || $url == postgresql://* ]]; then
		if [[ $url == *\?* ]]; then printf '%s&%s=%s\n' "$url" "$k" "$v"; else printf '%s?%s=%s\n' "$url" "$k" "$v"; fi
	else
		printf '%s %s=%s\n' "$url" "$k" "$v"
	fi
}

# stamp REV: the version table of the test database holds exactly REV.
stamp() {
	psql "$db_url" -qX -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
		-c "CREATE TABLE IF NOT EXISTS alembic_version (version_num varchar(32) PRIMARY KEY)" \
		-c "DELETE FROM alembic_version" \
		-c "INSERT INTO alembic_version VALUES ('$1')" >/dev/null
}

# guard EXPECTED-RC LABEL ARGS...: run the binary in the chroot.
guard() {
	local want=$1 label=$2 out rc
	shift 2
	out=$("${jail[@]}" /alembic-guard-static "$@" 2>&1)
	rc=$?
	if [[ $rc -eq $want ]]; then
		ok "chroot: $label: exit $rc"
	else
		bad "chroot: $label: exit $rc, expected $want"
		show guard "$out"
	fi
}

pg_tests() {
	local url=$AG_TEST_PGURL_TLS
	if [[ $url =~ sslmode=(require|verify-ca|verify-full) ]]; then
		ok "AG_TEST_PGURL_TLS demands TLS (sslmode=${BASH_REMATCH[1]}): a connection is TLS or fails"
	else
		bad "AG_TEST_PGURL_TLS has no sslmode=require (or verify-*): the TLS tests would prove nothing"
	fi
	if ! command -v psql >/dev/null 2>&1; then
		bad "psql not found (postgresql-client): cannot prepare the test database"
		return
	fi
	admin_url=$url
	if ! out=$(psql "$admin_url" -qX -v ON_ERROR_STOP=1 \
		-c "DROP DATABASE IF EXISTS $testdb WITH (FORCE)" -c "CREATE DATABASE $testdb" 2>&1); then
		bad "cannot create database $testdb through AG_TEST_PGURL_TLS"
		show psql "$out"
		admin_url=
		return
	fi
	db_url=$(with_db "$url" "$testdb")
	local guard_url probe_url
	guard_url=$(with_param "$db_url" application_name "$appname")
	probe_url=$(with_param "$db_url" application_name ag-static-probe)

	mkdir -p "$dir/versions"
	cat >"$dir/versions/a1_base.py" <<'EOF'
"""base

Revision ID: a1
Revises:
Create Date: 2024-01-01 00:00:00.000000

"""
revision = "a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
EOF
	cat >"$dir/versions/b2_second.py" <<'EOF'
"""second

Revision ID: b2
Revises: a1
Create Date: 2024-01-02 00:00:00.000000

"""
revision = "b2"
down_revision = "a1"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
EOF

	stamp b2 && guard 0 "check, database at head b2" check --versions /versions --database-url "$guard_url"
	stamp guest_lockout_001 &&
		guard 1 "check, database at unknown guest_lockout_001" check --versions /versions --database-url "$guard_url"

	# TLS of the guard's OWN connection: `release` holds its connection (and
	# the advisory lock) while its command runs; the command is the probe,
	# which looks the guard's backend up in pg_stat_ssl by application_name.
	stamp b2
	if [[ $have_probe -eq 1 ]]; then
		local sql="SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '$appname'"
		out=$("${jail[@]}" /alembic-guard-static release --versions /versions --database-url "$guard_url" \
			-- /probe-static "$probe_url" "$sql" 2>&1)
		rc=$?
		if [[ $rc -eq 0 ]] && grep -qx 't' <<<"$out" && ! grep -qx 'f' <<<"$out"; then
			ok "chroot: release held a TLS connection (pg_stat_ssl.ssl = t for application_name=$appname)"
		else
			bad "chroot: release + pg_stat_ssl: exit $rc, expected 0 and ssl = t"
			show release "$out"
		fi
		out=$("${jail[@]}" /probe-static "$probe_url" 2>&1)
		rc=$?
		if [[ $rc -eq 0 && $out == *"ssl in use: yes"* ]]; then
			ok "chroot: probe connects with TLS ($(grep -o 'ssl protocol: [^,]*' <<<"$out"))"
		else
			bad "chroot: probe TLS connection: exit $rc"
			show probe "$out"
		fi
	fi

	# A host openssl.cnf the static OpenSSL cannot load (a provider module
	# that does not exist) must not break TLS: release/static_init.c.
	mkdir -p "$dir/etc/ssl"
	cat >"$dir/etc/ssl/openssl.cnf" <<'EOF'
openssl_conf = openssl_init

[openssl_init]
providers = provider_sect

[provider_sect]
missing = missing_sect

[missing_sect]
module = /nonexistent/ossl-modules/missing.so
activate = 1
EOF
	guard 0 "check with a broken /etc/ssl/openssl.cnf" check --versions /versions --database-url "$guard_url"
	rm -rf "${dir:?}/etc"
}

if [[ -n ${AG_TEST_PGURL_TLS:-} ]]; then
	pg_tests
else
	echo "skip - PostgreSQL over TLS (AG_TEST_PGURL_TLS is not set)"
fi

echo "static: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
