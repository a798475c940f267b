#!/usr/bin/env bash
# Everything CI runs (`make test`): lint, Django checks, the pytest suite on SQLite, the
# browser tests, then the suite again on PostgreSQL. Every step runs even when an earlier
# one failed; a summary at the end names the failed steps and the exit code is non-zero
# when any failed. pytest's exit code 5 (no tests collected) counts as a pass.
#
# Environment:
#   GONGWEN_TEST_WORKERS   pytest-xdist workers for the non-browser runs (default 0 = no xdist:
#                          on 2 cores the per-worker set-up ate the gain; try 2 on a bigger machine)
#   GONGWEN_PG_URL         use this PostgreSQL server instead of a throwaway cluster
#   GONGWEN_SKIP_PG=1      skip the PostgreSQL run (local use only; CI never skips)
#   PYTEST_ARGS            extra pytest arguments for every run (e.g. "-x -k inbox")
set -uo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
# The SQLite steps must not pick up a PostgreSQL URL from the caller's environment.
PG_URL=${GONGWEN_PG_URL:-}
unset GONGWEN_PG_URL
WORKERS=${GONGWEN_TEST_WORKERS:-0}
read -r -a EXTRA <<<"${PYTEST_ARGS:-}"
XDIST=()
[ "$WORKERS" != 0 ] && XDIST=(-n "$WORKERS")

failed=()
summary=()
started_all=$SECONDS
total_passed=0 total_failed=0 total_skipped=0
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/gongwen-test.XXXXXX")
trap 'rm -rf "$LOGDIR"' EXIT

count() {  # count WORD TEXT: the number before WORD in pytest's closing line, or 0
    grep -oE "[0-9]+ $1" <<<"$2" | head -n1 | grep -oE '^[0-9]+' || echo 0
}

step() {  # step NAME CMD... ; pytest runs map exit code 5 (no tests collected) to success
    local name=$1 t0=$SECONDS rc result=""
    shift
    echo
    echo "==> $name"
    if [[ "$name" == pytest* ]]; then
        "$@" 2>&1 | tee "$LOGDIR/out"
        rc=${PIPESTATUS[0]}
        # pytest's closing line, e.g. "183 passed, 2 deselected in 62.50s"
        result=$(grep -E '^(=+ )?([0-9]+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed)|no tests ran)' \
            "$LOGDIR/out" | tail -n1 | sed -E 's/^=+ //; s/ =+$//')
        total_passed=$((total_passed + $(count passed "$result")))
        total_failed=$((total_failed + $(count failed "$result") + $(count error "$result")))
        total_skipped=$((total_skipped + $(count skipped "$result")))
        [ -n "$result" ] && result=": $result"
        if [ $rc -eq 5 ]; then
            echo "(no tests collected for '$name': counted as passed)"
            rc=0
        fi
    else
        "$@"
        rc=$?
    fi
    if [ $rc -eq 0 ]; then
        summary+=("ok      $name ($((SECONDS - t0)) s)$result")
    else
        summary+=("FAILED  $name (exit $rc, $((SECONDS - t0)) s)$result")
        failed+=("$name")
    fi
}

PYTEST=("$PY" -m pytest -q -rfE --tb=short --durations=5 "${EXTRA[@]}")

step "ruff check" "$PY" -m ruff check .
step "requirements in sync" "$PY" scripts/lock.py --check
# SQLite settings, but against a scratch file so the developer's var/gongwen.sqlite3 is untouched.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/gongwen-check.XXXXXX")
step "manage.py check" env GONGWEN_SQLITE_PATH="$SCRATCH/check.sqlite3" "$PY" manage.py check
step "makemigrations --check" env GONGWEN_SQLITE_PATH="$SCRATCH/check.sqlite3" \
    "$PY" manage.py makemigrations --check --dry-run
rm -rf "$SCRATCH"

step "pytest sqlite" "${PYTEST[@]}" "${XDIST[@]}" -m "not browser and not postgres"
if [ -x /usr/bin/chromium ] || [ "${CI:-}" = true ]; then
    step "pytest sqlite browser" "${PYTEST[@]}" -m browser
else
    summary+=("skipped pytest sqlite browser (no /usr/bin/chromium; install chromium)")
fi

if [ "${GONGWEN_SKIP_PG:-0}" = 1 ] && [ "${CI:-}" != true ]; then
    summary+=("skipped pytest postgres (GONGWEN_SKIP_PG=1)")
elif [ -n "$PG_URL" ] || bash scripts/with_postgres.sh --check >/dev/null 2>&1 || [ "${CI:-}" = true ]; then
    step "pytest postgres" env ${PG_URL:+GONGWEN_PG_URL="$PG_URL"} \
        bash scripts/with_postgres.sh "${PYTEST[@]}" "${XDIST[@]}" -m "not browser"
else
    summary+=("skipped pytest postgres (no PostgreSQL server binaries; install postgresql or set GONGWEN_PG_URL)")
fi

echo
echo "==> summary ($((SECONDS - started_all)) s)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "make test: FAILED: ${failed[*]}"
else
    echo "make test: all steps passed"
fi
# Plain closing line over all pytest runs (SQLite and PostgreSQL count separately).
echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
[ ${#failed[@]} -eq 0 ]
