#!/usr/bin/env bash
# Run a command against a PostgreSQL server.
#
#   scripts/with_postgres.sh CMD [ARGS...]
#   scripts/with_postgres.sh --check     exit 0 when server binaries are found (prints their dir)
#
# With GONGWEN_PG_URL set, CMD runs as is against that server. Otherwise a throwaway cluster
# is made: initdb into a temp dir, pg_ctl start on a free loopback port with its socket in
# that dir (fsync off: it is thrown away), role gongwen/gongwen with CREATEDB, database
# gongwen; CMD runs with GONGWEN_PG_URL pointing at it; then the cluster is stopped and the
# dir removed, also on failure or Ctrl-C. As root, initdb and pg_ctl run as the `postgres`
# user (they refuse to run as root). Exits with CMD's exit code.
#
# The server binaries are looked for in GONGWEN_PG_BINDIR, /usr/lib/postgresql/<newest>/bin
# (Debian's postgresql package), then PATH.
set -euo pipefail

find_bindir() {
    local d
    if [ -n "${GONGWEN_PG_BINDIR:-}" ]; then
        [ -x "$GONGWEN_PG_BINDIR/initdb" ] && { echo "$GONGWEN_PG_BINDIR"; return 0; }
        return 1
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/psql" ] && { echo "$d"; return 0; }
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

if [ "${1:-}" = --check ]; then
    find_bindir
    exit $?
fi
if [ $# -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...] | --check" >&2
    exit 2
fi

if [ -n "${GONGWEN_PG_URL:-}" ]; then
    exec "$@"
fi

if ! BINDIR=$(find_bindir); then
    echo "with_postgres: no PostgreSQL server binaries (initdb, pg_ctl) found; install Debian's" >&2
    echo "  postgresql package or set GONGWEN_PG_URL=postgresql://user:pass@host:port/db" >&2
    exit 1
fi

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "with_postgres: running as root but there is no 'postgres' user to run the server as" >&2
        exit 1
    fi
    as_pg=(runuser -u postgres --)
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gongwen-pg.XXXXXX")
DATA="$TMP/data"
LOG="$TMP/server.log"
[ ${#as_pg[@]} -gt 0 ] && chown postgres: "$TMP"
started=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$started" = 1 ]; then
        if ! (cd "$TMP" && "${as_pg[@]}" "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t 30 >/dev/null 2>&1); then
            echo "with_postgres: fast stop failed, stopping immediately" >&2
            (cd "$TMP" && "${as_pg[@]}" "$BINDIR/pg_ctl" stop -D "$DATA" -m immediate -w -t 30 >/dev/null 2>&1) || true
        fi
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

locale=C
if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
    locale=C.UTF-8
fi

# initdb/pg_ctl run from inside $TMP: as the postgres user they cannot read the caller's cwd.
(cd "$TMP" && "${as_pg[@]}" "$BINDIR/initdb" -D "$DATA" -U postgres -E UTF8 --locale="$locale" \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$TMP/initdb.log" 2>&1) || {
    cat "$TMP/initdb.log" >&2
    echo "with_postgres: initdb failed" >&2
    exit 1
}

free_port() {
    "${PYTHON:-python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

for attempt in 1 2 3; do
    PORT=$(free_port)
    opts="-c listen_addresses=127.0.0.1 -p $PORT -k $TMP -c fsync=off -c synchronous_commit=off"
    opts+=" -c full_page_writes=off -c max_connections=100"
    if (cd "$TMP" && "${as_pg[@]}" "$BINDIR/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 -o "$opts" >/dev/null); then
        started=1
        break
    fi
    echo "with_postgres: server did not start on port $PORT (attempt $attempt)" >&2
    tail -n 20 "$LOG" >&2 || true
done
if [ "$started" != 1 ]; then
    exit 1
fi

"$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$TMP" -p "$PORT" -U postgres -d postgres \
    -c "CREATE ROLE gongwen LOGIN PASSWORD 'gongwen' CREATEDB" \
    -c "CREATE DATABASE gongwen OWNER gongwen" >/dev/null

export GONGWEN_PG_URL="postgresql://gongwen:gongwen@127.0.0.1:$PORT/gongwen"
echo "with_postgres: PostgreSQL $("$BINDIR/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PORT (throwaway cluster in $TMP)"

set +e
"$@"
rc=$?
set -e
exit "$rc"
