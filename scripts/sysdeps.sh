#!/usr/bin/env bash
# System (Debian) packages Gongwen needs, installed with apt-get when missing.
#
#   scripts/sysdeps.sh run    what `make run` needs: a Python that can make a venv (python3-venv)
#   scripts/sysdeps.sh test   also: Chromium for the browser tests, a CJK font so their
#                             screenshots show Chinese, and the PostgreSQL server binaries
#
# Checks what is there first and does nothing when all is present, so `make` stays fast.
# As root on a Debian-like system the missing packages are installed (apt-get update first,
# unless GONGWEN_APT_UPDATED=1 says the caller just did it); otherwise it prints the
# apt-get command to run and carries on, leaving the step that needs the package to fail.
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

if [ "$kind" = test ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    if command -v fc-list >/dev/null 2>&1; then
        [ -n "$(fc-list :lang=zh family 2>/dev/null)" ] || missing+=(fonts-noto-cjk)
    else
        dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'ok installed' || missing+=(fonts-noto-cjk)
    fi
    if [ -z "${GONGWEN_PG_URL:-}" ] && ! bash scripts/with_postgres.sh --check >/dev/null 2>&1; then
        missing+=(postgresql)
    fi
elif [ "$kind" != run ]; then
    echo "usage: $0 run|test" >&2
    exit 2
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ "${GONGWEN_APT_UPDATED:-0}" != 1 ]; then
        apt-get update -qq </dev/null
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
else
    echo "NOTE: missing system packages: ${missing[*]}" >&2
    echo "      install them with: sudo apt-get install ${missing[*]}" >&2
    echo "      (or run make as root to have them installed); carrying on without them." >&2
fi
