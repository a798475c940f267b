#!/usr/bin/env bash
# System (Debian) packages Gongwen needs, installed with apt-get when missing.
#
#   scripts/sysdeps.sh run      what `make run` needs: a Python that can make a venv (python3-venv),
#                               LibreOffice Writer (headless) for the bulletin PDF and a CJK font
#   scripts/sysdeps.sh cluster  as run, plus what `make cluster` needs: the PostgreSQL server
#                               binaries, redis-server and haproxy
#   scripts/sysdeps.sh test     also: Chromium for the browser tests, the PostgreSQL server
#                               binaries, redis-server and haproxy (tests/test_cluster.py)
#   scripts/sysdeps.sh ci       as test, plus make, and always runs apt-get update (.ci/run)
#
# Checks what is there first and does nothing when all is present, so `make` stays fast.
# As root on a Debian-like system the missing packages are installed (apt-get update first);
# otherwise it prints the apt-get command to run and carries on, leaving the step that needs
# the package to fail. apt-get waits while another apt/dpkg holds its locks.
set -euo pipefail

kind=${1:-run}
PYTHON=${PYTHON:-python3}
cd "$(dirname "$0")/.."

missing=()

# A Python that can create the venv (Debian splits ensurepip off into python3-venv).
if [ ! -x .venv/bin/python ]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        missing+=(python3 python3-venv)
    elif ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        missing+=(python3-venv)
    fi
fi

if [ "$kind" = ci ]; then
    command -v make >/dev/null 2>&1 || missing+=(make)
fi
# LibreOffice (headless Writer) converts the monthly supervision bulletin to PDF, and a CJK
# font lets that PDF (and the browser tests' screenshots) show Chinese.
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
if command -v fc-list >/dev/null 2>&1; then
    [ -n "$(fc-list :lang=zh family 2>/dev/null)" ] || missing+=(fonts-noto-cjk)
else
    dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'ok installed' || missing+=(fonts-noto-cjk)
fi

# Cluster mode (`make cluster`, tests/test_cluster.py): a throwaway PostgreSQL unless
# GONGWEN_PG_URL names a server, Redis (queue and cache) and haproxy in front of the app servers.
cluster_packages() {
    if [ -z "${GONGWEN_PG_URL:-}" ] && ! bash scripts/with_postgres.sh --check >/dev/null 2>&1; then
        missing+=(postgresql)
    fi
    command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
    command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
}

if [ "$kind" = test ] || [ "$kind" = ci ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    cluster_packages
elif [ "$kind" = cluster ]; then
    cluster_packages
elif [ "$kind" != run ]; then
    echo "usage: $0 run|cluster|test|ci" >&2
    exit 2
fi

is_root_debian() { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; }

apt_get() {  # apt-get, waiting (up to 10 minutes) while another apt or dpkg holds the lock
    local i out
    export DEBIAN_FRONTEND=noninteractive
    for i in $(seq 1 120); do
        if out=$(apt-get -o DPkg::Lock::Timeout=600 "$@" 2>&1 </dev/null); then
            [ -n "$out" ] && printf '%s\n' "$out"
            return 0
        fi
        if grep -q 'Could not get lock\|Unable to lock' <<<"$out"; then
            [ "$i" = 1 ] && echo "apt is busy (another apt-get or dpkg is running); waiting ..."
            sleep 5
            continue
        fi
        printf '%s\n' "$out" >&2
        return 1
    done
    echo "apt stayed locked for 10 minutes" >&2
    return 1
}

updated=0
if [ "$kind" = ci ] && is_root_debian; then
    echo "==> apt-get update"
    apt_get update -qq
    updated=1
fi

# The GB/T 9704 fonts (Fandol with fontconfig aliases) for the drafting renderer, once the
# packages are there (fontconfig comes with them).
fonts() { bash scripts/fonts.sh || echo "NOTE: scripts/fonts.sh failed; documents render with fallback fonts." >&2; }

[ ${#missing[@]} -eq 0 ] && { fonts; exit 0; }

if is_root_debian; then
    echo "==> Installing system packages: ${missing[*]}"
    [ "$updated" = 1 ] || apt_get update -qq
    apt_get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "NOTE: missing system packages: ${missing[*]}" >&2
    echo "      install them with: sudo apt-get install ${missing[*]}" >&2
    echo "      (or run make as root to have them installed); carrying on without them." >&2
fi
fonts
