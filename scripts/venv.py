#!/usr/bin/env python3
"""Create .venv and install the pinned Python packages, only when something changed.

    python3 scripts/venv.py run    requirements.txt       (what `make run` needs)
    python3 scripts/venv.py dev    requirements-dev.txt   (adds what `make test` needs)

A stamp file in .venv records the SHA-256 of the Python minor version and the requirement files
that were installed; when it matches, this script returns at once. Standard library only:
it runs on the system Python before the venv exists.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
FILES = {"run": ["requirements.txt"], "dev": ["requirements.txt", "requirements-dev.txt"]}


def digest(kind: str) -> str:
    h = hashlib.sha256()
    h.update(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    for name in FILES[kind]:
        h.update(name.encode() + b"\0" + (ROOT / name).read_bytes())
    return h.hexdigest()


def stamp(kind: str) -> Path:
    return VENV / f".gongwen-{kind}.stamp"


def up_to_date(kind: str) -> bool:
    kinds = ["dev"] if kind == "dev" else ["run", "dev"]  # the dev set includes the run set
    for k in kinds:
        s = stamp(k)
        if s.exists() and s.read_text().strip() == digest(k):
            return True
    return False


def venv_works() -> bool:
    if not VENV_PY.exists():
        return False
    code = "import sys; print(*sys.version_info[:2])"
    probe = subprocess.run([str(VENV_PY), "-c", code], capture_output=True, text=True)
    return probe.returncode == 0 and probe.stdout.split() == [str(v) for v in sys.version_info[:2]]


def main() -> int:
    kind = sys.argv[1] if len(sys.argv) > 1 else "run"
    if kind not in FILES:
        print(f"usage: {sys.argv[0]} run|dev", file=sys.stderr)
        return 2
    if sys.version_info < (3, 11):  # noqa: UP036 (runs on the system Python, which may be older)
        print(f"Gongwen needs Python 3.11 or newer; {sys.executable} is {sys.version.split()[0]}.\n"
              "Run with PYTHON=/path/to/python3.11 (e.g. `make run PYTHON=python3.11`).", file=sys.stderr)
        return 1
    if not venv_works():
        if VENV.exists():
            print(f"Recreating {VENV.name}: it is broken or was made by another Python minor version.")
            shutil.rmtree(VENV)
        print(f"Creating {VENV.name} with {sys.executable} (Python {sys.version.split()[0]})")
        made = subprocess.run([sys.executable, "-m", "venv", str(VENV)])
        if made.returncode != 0:
            shutil.rmtree(VENV, ignore_errors=True)
            print("Could not create the virtualenv. On Debian install python3-venv "
                  "(`apt-get install python3-venv`, or run `make` as root to have it installed).", file=sys.stderr)
            return 1
    if up_to_date(kind):
        return 0
    req = FILES[kind][-1]
    print(f"Installing Python packages from {req} into {VENV.name} (the first time takes a minute or two)")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    cmd = [str(VENV_PY), "-m", "pip", "install", "--no-input", "--progress-bar", "off", "-q", "-r", str(ROOT / req)]
    if subprocess.run(cmd, env=env).returncode != 0:
        print(f"pip could not install {req}.", file=sys.stderr)
        return 1
    stamp(kind).write_text(digest(kind) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
