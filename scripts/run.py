#!/usr/bin/env python3
"""`make run`: migrate, load the demo office, start the web server and the worker.

Run with the project's venv Python (the Makefile does). Steps:

1. `manage.py collectstatic` into var/staticfiles (only changed files are copied): the
   server runs with DEBUG off, so WhiteNoise serves the collected files under hashed names
   (GONGWEN_STATIC_MANIFEST=1 is set for every step below);
2. `manage.py migrate` on the SQLite database (var/gongwen.sqlite3 unless GONGWEN_SQLITE_PATH
   or GONGWEN_PG_URL says otherwise);
3. `manage.py load_demo --print-logins` (idempotent; its output, the demo logins, is shown
   once the server answers);
4. starts `manage.py runserver HOST:PORT --noreload` and `manage.py qcluster` as children,
   waits until the web server answers HTTP, prints the URL and the logins;
5. on SIGINT (Ctrl-C) or SIGTERM stops both children (and anything they started) and exits 0;
   if either child dies on its own, stops the other and exits non-zero.

Environment: GONGWEN_HOST (default 127.0.0.1), GONGWEN_PORT (default 8000). DEBUG stays off
unless GONGWEN_DEBUG=1 is set (a developer's choice, never the served default).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("GONGWEN_HOST", "127.0.0.1")
PORT = int(os.environ.get("GONGWEN_PORT", "8000"))
STOP_GRACE = 15  # seconds a child gets to stop before it is killed
STARTUP_TIMEOUT = 60  # seconds the web server gets to answer HTTP

_stop_signal: int | None = None


def say(text: str = "") -> None:
    print(text, flush=True)


def manage(*args: str) -> list[str]:
    return [PY, str(ROOT / "manage.py"), *args]


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def answers_http(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback URL)
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP status means the server is up
    except (urllib.error.URLError, OSError):
        return False


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the launcher dies (even by SIGKILL)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        pass


def start(name: str, cmd: list[str]) -> subprocess.Popen:
    # Own process group: Ctrl-C reaches only the launcher, which stops the children in order,
    # and a stop can reach the whole group (qcluster forks its worker processes).
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, preexec_fn=_die_with_parent)
    proc.name = name  # type: ignore[attr-defined]
    return proc


def stop(procs: list[subprocess.Popen]) -> None:
    # SIGTERM to each child itself, not its group: qcluster stops its own worker processes
    # in order (a group-wide SIGTERM kills them under it and it then waits for them).
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{p.name} did not stop within {STOP_GRACE} s; killing it")  # type: ignore[attr-defined]
    for p in procs:
        try:  # whatever is left in the group (a stuck worker process)
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        p.wait()


def _on_signal(signum, frame) -> None:
    global _stop_signal
    _stop_signal = signum


def load_demo() -> tuple[bool, str]:
    """Load the demo office; return (ok, logins text)."""
    if not list(ROOT.glob("*/management/commands/load_demo.py")):
        return True, ("(manage.py load_demo is not there yet: starting with an empty database, so there\n"
                      " are no demo logins; create a user with `.venv/bin/python manage.py createsuperuser`)")
    say("Loading the demo office 示范市 (manage.py load_demo, idempotent) ...")
    res = subprocess.run(manage("load_demo", "--print-logins"), cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        sys.stdout.write(res.stdout)
        sys.stderr.write(res.stderr)
        say(f"manage.py load_demo failed (exit {res.returncode})")
        return False, ""
    if res.stderr.strip():
        sys.stderr.write(res.stderr)
    return True, res.stdout.rstrip()


def main() -> int:
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    url = f"http://{HOST}:{PORT}"

    if not port_free(HOST, PORT):
        say(f"Port {PORT} on {HOST} is in use. Stop what uses it, or pick another port: "
            f"GONGWEN_PORT=8001 make run")
        return 1

    # The demo office's accounts share the published demo password: GONGWEN_DEMO=1 lets this
    # demo start (the system check org.E001 refuses a deployment that has it otherwise).
    os.environ["GONGWEN_DEMO"] = "1"
    # Served as a deployment is: hashed, compressed static files from var/staticfiles.
    os.environ["GONGWEN_STATIC_MANIFEST"] = "1"
    say("Collecting static files (manage.py collectstatic) ...")
    if subprocess.run(manage("collectstatic", "--noinput", "-v", "0"), cwd=ROOT).returncode != 0:
        say("manage.py collectstatic failed")
        return 1
    if _stop_signal:
        return 0

    say("Migrating the database (manage.py migrate) ...")
    if subprocess.run(manage("migrate", "--noinput", "-v", "0"), cwd=ROOT).returncode != 0:
        say("manage.py migrate failed")
        return 1
    if _stop_signal:
        return 0
    ok, logins = load_demo()
    if not ok:
        return 1
    if _stop_signal:
        return 0

    procs = [
        start("web server", manage("runserver", f"{HOST}:{PORT}", "--noreload")),
        start("worker", manage("qcluster")),
    ]
    ready = False
    t0 = time.monotonic()
    rc = 0
    try:
        while _stop_signal is None:
            dead = [p for p in procs if p.poll() is not None]
            if dead:
                p = dead[0]
                say(f"\n{p.name} exited unexpectedly (exit {p.returncode}); stopping everything.")  # type: ignore[attr-defined]
                rc = p.returncode if p.returncode > 0 else 128 - p.returncode if p.returncode < 0 else 1
                break
            if not ready:
                if answers_http(url + "/"):
                    ready = True
                    say()
                    say("=" * 72)
                    say(f"  公文系统 Gongwen is running: {url}")
                    say()
                    say("  Demo logins 演示账号:")
                    say("\n".join("    " + line for line in logins.splitlines()))
                    say("    （管理员账号首次登录须用手机身份验证器扫码绑定双因素认证。）")
                    say()
                    say("  Web server and background worker (qcluster) are running.")
                    say("  Press Ctrl-C to stop both.")
                    say("=" * 72, )
                elif time.monotonic() - t0 > STARTUP_TIMEOUT:
                    say(f"The web server did not answer on {url} within {STARTUP_TIMEOUT} s; stopping.")
                    rc = 1
                    break
            time.sleep(0.25)
    finally:
        if _stop_signal is not None:
            say(f"\nGot {signal.Signals(_stop_signal).name}: stopping the web server and the worker ...")
        stop(procs)
    if rc == 0:
        say("Stopped.")
    return rc


if __name__ == "__main__":
    sys.exit(main())
