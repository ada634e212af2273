#!/usr/bin/env bash
# tests/run-all.sh (make test-run): every test stage, in order.
#
#   unit         the Check suites (build/check-unit), one per lib/ module
#   static       `make static` (cached after the first build), then
#                tests/static_test.sh on the static binary (before
#                integration: test_dist packs it)
#   integration  tests/integration/*.py on the built binary, against the
#                PostgreSQL 15 started here, with Debian's Alembic as oracle
#   sanitize     the unit suites and a quick integration pass (AG_QUICK=1)
#                built with clang -fsanitize=address,undefined
#
# The server is started once, in a temp dir, and stopped at the end even when
# a stage fails or the run is interrupted. Each stage ends with a line
# `STAGE: N passed, N failed`; the last line adds them up. Exit 1 on any failure.
#
# AG_STAGES="unit integration" runs only those stages.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# The host's environment must not decide a result: the machines this was
# written on set PYTHONDONTWRITEBYTECODE, a PG* variable would redirect libpq
# and psql, a locale or TMPDIR changes what tools print and where they write.
# Every stage runs with these cleared and set as on a fresh Debian 12.
while IFS= read -r var; do
	case $var in
	PYTHON* | PG* | LC_* | LANGUAGE | TMPDIR | CK_* | ASAN_* | UBSAN_* | LSAN_*) unset "$var" ;;
	esac
done < <(compgen -e)
export LANG=C.UTF-8 TZ=UTC

# -B: the test modules' own bytecode is not written into the clone (make test
# leaves it as it found it). Only this interpreter: the Alembic that the tests
# run writes its __pycache__ into their scratch directories, as on a user's
# machine, so the tests meet it.
PY="/usr/bin/python3 -B"
stages=${AG_STAGES:-unit integration sanitize static}
logdir=$(mktemp -d /tmp/ag-test-logs.XXXXXX)

passed=0
failed=0
status=0
declare -a summary

# tally STAGE LOG RC: takes the stage's closing counts from its log.
tally() {
	local stage=$1 log=$2 rc=$3 p=0 f=0 line
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" | tail -n 1)
	if [[ -n $line ]]; then
		local checks fails errs
		checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		errs=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		f=$((fails + errs))
		p=$((checks - f))
	else
		line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		if [[ -n $line ]]; then
			p=$(sed -E 's/^[a-z-]+: ([0-9]+) passed.*/\1/' <<<"$line")
			f=$(sed -E 's/^[a-z-]+: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
		fi
	fi
	# A stage that failed without a count (a build error, a crash) still fails.
	if [[ $rc -ne 0 && $f -eq 0 ]]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[[ $rc -ne 0 || $f -ne 0 ]] && status=1
	summary+=("$(printf '%-12s %5d passed %5d failed  exit %d' "$stage" "$p" "$f" "$rc")")
}

# stage NAME CMD...: runs CMD with its output shown and kept, then tallies it.
stage() {
	local name=$1 t0 rc
	shift
	printf '\n==== %s: %s\n' "$name" "$*"
	t0=$(date +%s)
	"$@" 2>&1 | tee "$logdir/$name.log"
	rc=${PIPESTATUS[0]}
	printf '==== %s: exit %d after %d s\n' "$name" "$rc" $(($(date +%s) - t0))
	tally "$name" "$logdir/$name.log" "$rc"
}

want() { [[ " $stages " == *" $1 "* ]]; }

pg_dir=
stop_pg() {
	if [[ -n $pg_dir ]]; then
		$PY tests/integration/harness.py stop "$pg_dir" || true
		pg_dir=
	fi
}
trap 'stop_pg; rm -rf "$logdir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if want unit; then
	stage unit bash -c 'make -s all build/check-unit && CK_DEFAULT_TIMEOUT=60 build/check-unit'
fi

if want integration || want sanitize || want static; then
	echo
	echo "==== starting PostgreSQL 15 (tests/integration/harness.py)"
	if ! exports=$($PY tests/integration/harness.py start); then
		echo "FAIL: the test PostgreSQL did not start (see above); every database test fails"
		summary+=("postgresql   did not start")
		failed=$((failed + 1))
		status=1
	else
		eval "$exports"
		pg_dir=$AG_PG_DIR
		echo "PostgreSQL on 127.0.0.1:$AG_PG_PORT (TLS on), data in $AG_PG_DIR"
	fi
fi

if [[ -n $pg_dir ]]; then
	# First: the integration tests pack and run the static binary too
	# (test_dist). It is built here (its dependencies are cached by version,
	# so only the first build on a machine takes minutes): a stage that
	# cannot run fails and says why, it is never left out.
	if want static; then
		stage static bash -c 'make -s static && bash tests/static_test.sh build/alembic-guard-static'
	fi
	if want integration; then
		stage integration env AG_LABEL=integration AG_BIN="$root/build/alembic-guard" \
			bash -c 'make -s all && cd tests/integration && /usr/bin/python3 -B run.py'
	fi
	if want sanitize; then
		# Leaks count: a sanitizer report fails the command that printed it.
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		stage sanitize-unit bash -c 'make -s sanitize && CK_DEFAULT_TIMEOUT=120 build-asan/check-unit'
		stage sanitize env AG_LABEL=sanitize AG_QUICK=1 AG_BIN="$root/build-asan/alembic-guard" \
			bash -c 'make -s sanitize && cd tests/integration && /usr/bin/python3 -B run.py'
		unset ASAN_OPTIONS UBSAN_OPTIONS
	fi
fi

stop_pg
echo
echo "==== summary"
printf '%s\n' "${summary[@]}"
echo "total: $passed passed, $failed failed"
exit $status
