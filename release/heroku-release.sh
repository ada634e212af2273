#!/bin/sh
# release/heroku-release.sh: Heroku release phase in two steps, for those who
# prefer a script. Copy it into the app (e.g. bin/heroku-release.sh) and say
#
#   release: sh bin/heroku-release.sh
#
# in the Procfile. It runs `alembic-guard check` (arguments are passed on to
# it, e.g. --config or --strict), and only when that exits 0 runs
# `alembic upgrade head`; either exit code is passed through, so a blocked
# check (1), a configuration error (2) or an unreachable database (3) fails
# the release before Alembic touches the schema.
#
# Preferred, one step (also holds a PostgreSQL advisory lock while Alembic
# runs, so two releases cannot migrate at once):
#
#   release: bin/alembic-guard release -- alembic upgrade head
#
# Environment: ALEMBIC_GUARD (default bin/alembic-guard), DATABASE_URL (read
# by both tools, as Heroku sets it).
set -u

guard=${ALEMBIC_GUARD:-bin/alembic-guard}

"$guard" check "$@"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "heroku-release: $guard check exited $rc; not running alembic upgrade head" >&2
	exit "$rc"
fi
exec alembic upgrade head
