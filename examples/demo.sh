#!/usr/bin/env bash
# make demo: the guest_lockout_001 incident, caught and repaired.
#
# Starts a throwaway PostgreSQL 15 in a temp dir (stopped at the end, even on
# failure), copies examples/guestbook there, puts its database in the state
# production was in, shows `alembic upgrade head` failing the way it failed
# in the release phase, then alembic-guard catching it, writing the fix, and
# the real upgrade succeeding. Nothing in the repository is modified.
set -euo pipefail

BIN=$(realpath "${1:-build/alembic-guard}")
PY=/usr/bin/python3
PGBIN=/usr/lib/postgresql/15/bin
HERE=$(cd "$(dirname "$0")" && pwd)

bold=$'\033[1m' off=$'\033[0m'
[ -t 1 ] || { bold=; off=; }
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
show() { printf '$ %s\n' "$*"; }
expect() { # expect CODE CMD...: run, show, and insist on the exit code
	local want=$1 rc=0
	shift
	show "${*/#$BIN/alembic-guard}"
	"$@" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "demo: expected exit $want, got $rc" >&2
		exit 1
	fi
	echo "(exit $rc)"
}

work=$(mktemp -d /tmp/alembic-guard-demo.XXXXXX)
chmod 755 "$work"
as_pg=()
if [ "$(id -u)" = 0 ]; then
	# initdb refuses to run as root.
	as_pg=(runuser -u postgres --)
fi
# pg CMD...: runs a server tool, as postgres when we are root, from the work
# dir: postgres may not read the caller's directory (/root/... on a fresh
# machine), and initdb and pg_ctl then complain that they cannot cd back.
pg() { (cd "$work" && "${as_pg[@]}" "$@"); }
cleanup() {
	pg "$PGBIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

step "Starting a throwaway PostgreSQL 15 in $work"
mkdir "$work/pg" "$work/sock"
[ ${#as_pg[@]} -eq 0 ] || chown postgres "$work/pg" "$work/sock"
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg "$PGBIN/initdb" -D "$work/pg" -U postgres -A trust >/dev/null
pg "$PGBIN/pg_ctl" -D "$work/pg" -w -l "$work/sock/pg.log" \
	-o "-p $port -k $work/sock -c listen_addresses=127.0.0.1" start >/dev/null
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -c 'CREATE DATABASE guestbook'
export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/guestbook"
echo "DATABASE_URL=$DATABASE_URL"

cp -r "$HERE/guestbook" "$work/app"
cd "$work/app"
alembic() { "$PY" -m alembic -c alembic.ini "$@"; }

step "Production's state: create_guests and add_votes ran; then guest_lockout_001 was applied and stamped by hand, and its file never reached the repository"
# Build that state with the real Alembic on a copy without the orphaned file.
cp -r "$work/app" "$work/history"
rm "$work/history/migrations/versions/9d7e6f5a4b3c_guest_vote_lockout.py"
(cd "$work/history" && "$PY" -m alembic -c alembic.ini upgrade head 2>&1 | sed 's/^/  /')
psql -X -q -h 127.0.0.1 -p "$port" -U postgres guestbook \
	-c "UPDATE alembic_version SET version_num = 'guest_lockout_001'"
show "psql -c \"UPDATE alembic_version SET version_num = 'guest_lockout_001'\""
ls migrations/versions

step "The release phase as it was (release: alembic upgrade head): it fails half-way"
rc=0
show "alembic upgrade head"
alembic upgrade head 2>&1 | tail -n 3 | sed 's/^/  /' || true
alembic upgrade head >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || { echo "demo: expected Alembic to fail" >&2; exit 1; }
echo "(exit $rc: the deploy fails, after the new slug was built)"

step "alembic-guard check: what the release phase runs first (release: bin/alembic-guard release -- alembic upgrade head)"
expect 1 "$BIN" check

step "alembic-guard diagnose: the whole story, with the fix"
expect 1 "$BIN" diagnose

step "The fix, written by alembic-guard: a no-op placeholder with that exact id, so the chain stays linear"
expect 0 "$BIN" backfill guest_lockout_001
expect 0 "$BIN" backfill guest_lockout_001 --write
ls migrations/versions

step "check again: safe"
expect 0 "$BIN" check

step "The real upgrade now succeeds"
show "alembic upgrade head"
alembic upgrade head 2>&1 | sed 's/^/  /'
expect 0 "$BIN" check --require-at-head
show "alembic current"
alembic current 2>/dev/null

printf '\n%sDemo finished: the guard blocked the broken deploy (exit 1), wrote the placeholder, and the upgrade succeeded.%s\n' "$bold" "$off"
