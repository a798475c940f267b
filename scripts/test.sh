#!/usr/bin/env bash
# Everything CI runs (`make test`): lint, Django checks, the pytest suite on SQLite, the
# browser tests, the suite again on PostgreSQL, and the suites that touch time again at
# another moment. Every step runs even when an earlier one failed; a summary at the end names
# the failed steps and the exit code is non-zero when any failed. pytest's exit code 5 (no
# tests collected) counts as a pass.
#
# The clock: every pytest run starts each test at a stated instant (conftest.py,
# GONGWEN_TEST_NOW; the clock ticks from there, for the live server and Chromium too), so no
# result depends on when CI happens to run. Three instants that have broken tests before:
#   MORNING  a working-day morning
#   CLOSING  a working day one minute before closing time (a report due "ten working days
#            later" is due at 17:59, not at 18:00)
#   NYE      New Year's Eve afternoon, when limits cross into a year whose holiday schedule
#            may not be entered yet (时限待定)
# The whole SQLite suite runs at MORNING, the whole PostgreSQL suite at CLOSING, the suites
# that compute with time (scenario replays, deadlines, supervision, statistics, what the demo
# office holds) once more on SQLite at NYE, and the browser walks at all three — but those
# marked any_instant (the CSP policy, the sign-in mechanics: nothing in them is reckoned from
# a date) at MORNING only.
#
# Two lanes run side by side (the machine has two cores): A = SQLite suite, then the browser
# walks at the three instants; B = PostgreSQL suite, then the time suites at NYE. Each lane's
# output goes to its own log, printed when both are done. One process per run: xdist inside
# the lanes made the whole slower on this 2-core machine (four processes contending).
#
# On PostgreSQL the tests marked demo_content (what the demo office holds once loaded) are left
# out: they check data the same code writes on either database and run on SQLite. They share
# one load per instant they need (demo/tests/conftest.py), four loads of about 20 s each on
# PostgreSQL; loading the demo itself (demo/tests/test_office.py) runs on PostgreSQL too.
#
# The PostgreSQL run takes the tests that use the database (GONGWEN_DATABASE_TESTS_ONLY=1,
# conftest.py): a test with no database fixture (a PDF rendered, the checker's corpus, the
# calendar's properties) runs the same code on either database and has run on SQLite.
#
# Environment:
#   GONGWEN_TEST_WORKERS   pytest-xdist workers inside each SQLite run but the browser walks (default 0:
#                          the lanes already keep both cores busy; more processes only contend)
#   GONGWEN_PG_WORKERS     pytest-xdist workers for the PostgreSQL run (default 0)
#   GONGWEN_TEST_PARALLEL  0: run the lanes one after the other (default 1)
#   GONGWEN_PG_URL         use this PostgreSQL server instead of a throwaway cluster
#   GONGWEN_SKIP_PG=1      skip the PostgreSQL run (local use only; CI never skips)
#   PYTEST_ARGS            extra pytest arguments for every run (e.g. "-x -k inbox")
set -uo pipefail
cd "$(dirname "$0")/.."

MORNING=2026-12-08T09:30+08:00
CLOSING=2026-12-07T17:59+08:00
NYE=2026-12-31T16:00+08:00
TIME_SUITES=(tests/scenarios deadlines supervision stats demo/tests/test_content.py)

PY=.venv/bin/python
# The SQLite steps must not pick up a PostgreSQL URL from the caller's environment.
PG_URL=${GONGWEN_PG_URL:-}
unset GONGWEN_PG_URL GONGWEN_TEST_NOW
WORKERS=${GONGWEN_TEST_WORKERS:-0}
read -r -a EXTRA <<<"${PYTEST_ARGS:-}"
XDIST=()
[ "$WORKERS" != 0 ] && XDIST=(-n "$WORKERS")
PG_WORKERS=${GONGWEN_PG_WORKERS:-0}
PG_XDIST=()
[ "$PG_WORKERS" != 0 ] && PG_XDIST=(-n "$PG_WORKERS")

started_all=$SECONDS
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/gongwen-test.XXXXXX")
trap 'rm -rf "$LOGDIR"' EXIT

count() {  # count WORD TEXT: the number before WORD in pytest's closing line, or 0
    grep -oE "[0-9]+ $1" <<<"$2" | head -n1 | grep -oE '^[0-9]+' || echo 0
}

step() {  # step LANE NAME CMD... ; results go to $LOGDIR/<lane>.{summary,failed,counts}
    local lane=$1 name=$2 t0=$SECONDS rc result=""
    shift 2
    echo
    echo "==> $name"
    if [[ "$name" == pytest* ]]; then
        "$@" 2>&1 | tee "$LOGDIR/$lane.out"
        rc=${PIPESTATUS[0]}
        # pytest's closing line, e.g. "183 passed, 2 deselected in 62.50s"
        result=$(grep -E '^(=+ )?([0-9]+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed)|no tests ran)' \
            "$LOGDIR/$lane.out" | tail -n1 | sed -E 's/^=+ //; s/ =+$//')
        echo "$(count passed "$result") $(( $(count failed "$result") + $(count error "$result") )) $(count skipped "$result")" \
            >>"$LOGDIR/$lane.counts"
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
        echo "ok      $name ($((SECONDS - t0)) s)$result" >>"$LOGDIR/$lane.summary"
    else
        echo "FAILED  $name (exit $rc, $((SECONDS - t0)) s)$result" >>"$LOGDIR/$lane.summary"
        echo "$name" >>"$LOGDIR/$lane.failed"
    fi
}

note() {  # note LANE TEXT: a line in the summary that is not a step
    echo "$2" >>"$LOGDIR/$1.summary"
}

PYTEST=("$PY" -m pytest -q -rfE --tb=short --durations=5 "${EXTRA[@]}")

# --- checks (quick, first) -------------------------------------------------------------------------
step checks "ruff check" "$PY" -m ruff check .
step checks "requirements in sync" "$PY" scripts/lock.py --check
# The layers of docs/architecture.md (.importlinter): a module imports only from layers below.
step checks "import-linter (layers)" .venv/bin/lint-imports --no-cache
# SQLite settings, but against a scratch file so the developer's var/gongwen.sqlite3 is untouched.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/gongwen-check.XXXXXX")
step checks "manage.py check" env GONGWEN_SQLITE_PATH="$SCRATCH/check.sqlite3" "$PY" manage.py check
step checks "makemigrations --check" env GONGWEN_SQLITE_PATH="$SCRATCH/check.sqlite3" \
    "$PY" manage.py makemigrations --check --dry-run
rm -rf "$SCRATCH"

have_browser() { [ -x /usr/bin/chromium ] || [ "${CI:-}" = true ]; }

lane_a() {
    step a "pytest sqlite (at $MORNING)" env GONGWEN_TEST_NOW=$MORNING \
        "${PYTEST[@]}" "${XDIST[@]}" -m "not browser and not postgres"
    browser_walks a "$MORNING" "$CLOSING" "$NYE"
}

# The modules that hold browser tests (a browser test is marked `browser`, by decorator or
# pytestmark): the walks collect only these, not the whole suite three times (about 13 s each).
browser_modules() {
    local paths
    read -r -a paths < <("$PY" -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["tool"]["pytest"]["ini_options"]["testpaths"]))')
    grep -rl --include='*.py' -E 'mark\.browser' "${paths[@]}" | sort
}

browser_walks() {  # browser_walks LANE INSTANT...
    local lane=$1 at modules
    shift
    if have_browser; then
        mapfile -t modules < <(browser_modules)
        local marks=browser
        for at in "$@"; do
            step "$lane" "pytest sqlite browser (at $at)" env GONGWEN_TEST_NOW="$at" "${PYTEST[@]}" -m "$marks" \
                "${modules[@]}"
            marks="browser and not any_instant"  # those run at the first instant only
        done
    else
        note "$lane" "skipped pytest sqlite browser at $* (no /usr/bin/chromium; install chromium)"
    fi
}

lane_b() {
    if [ "${GONGWEN_SKIP_PG:-0}" = 1 ] && [ "${CI:-}" != true ]; then
        note b "skipped pytest postgres (GONGWEN_SKIP_PG=1)"
    elif [ -n "$PG_URL" ] || bash scripts/with_postgres.sh --check >/dev/null 2>&1 || [ "${CI:-}" = true ]; then
        step b "pytest postgres (at $CLOSING)" env ${PG_URL:+GONGWEN_PG_URL="$PG_URL"} GONGWEN_TEST_NOW=$CLOSING \
            GONGWEN_DATABASE_TESTS_ONLY=1 \
            bash scripts/with_postgres.sh "${PYTEST[@]}" "${PG_XDIST[@]}" -m "not browser and not demo_content"
    else
        note b "skipped pytest postgres (no PostgreSQL server binaries; install postgresql or set GONGWEN_PG_URL)"
    fi
    step b "pytest sqlite time suites (at $NYE)" env GONGWEN_TEST_NOW=$NYE \
        "${PYTEST[@]}" "${XDIST[@]}" -m "not browser and not postgres" "${TIME_SUITES[@]}"
}

if [ "${GONGWEN_TEST_PARALLEL:-1}" = 0 ]; then
    lane_a
    lane_b
else
    echo
    echo "==> two lanes side by side (A: SQLite suite, browser walks; B: PostgreSQL suite, time suites, browser walks at NYE)"
    echo "    follow them with: tail -f $LOGDIR/lane-a.log $LOGDIR/lane-b.log"
    lane_a >"$LOGDIR/lane-a.log" 2>&1 &
    pid_a=$!
    lane_b >"$LOGDIR/lane-b.log" 2>&1 &
    pid_b=$!
    wait $pid_a $pid_b
    for lane in a b; do
        echo
        echo "==================== lane $lane ===================="
        cat "$LOGDIR/lane-$lane.log"
    done
fi

echo
echo "==> summary ($((SECONDS - started_all)) s)"
cat "$LOGDIR"/checks.summary "$LOGDIR"/a.summary "$LOGDIR"/b.summary 2>/dev/null | sed 's/^/  /'
failed=$(cat "$LOGDIR"/*.failed 2>/dev/null | paste -sd ',' - | sed 's/,/, /g')
if [ -n "$failed" ]; then
    echo "make test: FAILED: $failed"
else
    echo "make test: all steps passed"
fi
# Plain closing line over all pytest runs (each run counts separately).
read -r passed failures skipped < <(cat "$LOGDIR"/*.counts 2>/dev/null | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
echo "total: $passed passed, $failures failed, $skipped skipped"
[ -z "$failed" ]
