#!/usr/bin/env python3
"""`make run`: migrate, load the demo office, serve it with gunicorn, run the worker, keep both up.

Run with the project's venv Python (the Makefile does). Steps:

1. `manage.py collectstatic` into var/staticfiles (only changed files are copied): the
   server runs with DEBUG off, so WhiteNoise serves the collected files under hashed names,
   compressed, cacheable for a year (GONGWEN_STATIC_MANIFEST=1 is set for every step below);
2. `manage.py migrate` on the SQLite database (var/gongwen.sqlite3 unless GONGWEN_SQLITE_PATH
   or GONGWEN_PG_URL says otherwise);
3. `manage.py load_demo --print-logins` (idempotent; its output, the demo logins, is shown
   once the server answers);
4. starts two children, each in its own process group:
   - the web server: gunicorn with server/gunicorn_conf.py (gthread workers: cores + 1
     processes, at most 8, of 4 threads each; keep-alive; one access-log line per request on
     standard output; that module's docstring explains each setting) serving
     server.wsgi:application on GONGWEN_HOST:GONGWEN_PORT. The gunicorn master replaces its
     own workers when they die; this launcher replaces the master;
   - the background worker: `manage.py qcluster` (reminders, scans, statistics);
   waits until the web server answers HTTP, then prints the URL and the logins;
5. supervises them: a child that dies on its own is restarted, logged with a timestamp,
   how it ended (exit code or signal) and the restart count. Whatever it left behind in its
   process group (gunicorn workers, qcluster's processes) is stopped first. The wait before a
   restart starts at 1 s and doubles after each crash that came less than 60 s after the
   child started, up to 30 s (a child that ran 60 s or more is restarted after 1 s again).
   When a child dies 5 times within 60 s the launcher gives up: it says so, stops the other
   child and exits 1 (the child's own messages above say why it died);
6. on SIGINT (Ctrl-C) or SIGTERM sends SIGTERM to both children (gunicorn finishes the
   requests in flight, up to its graceful_timeout; qcluster stops its worker processes), kills
   whatever is left after STOP_GRACE seconds, and exits 0.
If the launcher itself is killed, even by SIGKILL, each child gets SIGTERM (PR_SET_PDEATHSIG).

Environment:
    GONGWEN_HOST, GONGWEN_PORT   where to serve (default 127.0.0.1:8000)
    GONGWEN_WEB_WORKERS,         gunicorn's worker processes and threads per worker
    GONGWEN_WEB_THREADS          (default cores + 1, at most 8; and 4): server/gunicorn_conf.py
    GONGWEN_DEBUG=1              DEBUG on (a developer's choice, never the served default)
    GONGWEN_DEV_SERVER=1         for development: Django's runserver with autoreload instead of
                                 gunicorn (it restarts itself when a .py file changes), static
                                 files served from where they lie (no collectstatic, no hashed
                                 names); usually with GONGWEN_DEBUG=1
    GONGWEN_RUN_NO_DEMO=1        skip step 3 (an empty database, no demo logins); the launcher's
                                 test (tests/test_run_launcher.py) uses it, loading the demo
                                 takes 20-60 s
"""

from __future__ import annotations

import collections
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("GONGWEN_HOST", "127.0.0.1")
PORT = int(os.environ.get("GONGWEN_PORT", "8000"))
DEV_SERVER = os.environ.get("GONGWEN_DEV_SERVER", "0") == "1"
NO_DEMO = os.environ.get("GONGWEN_RUN_NO_DEMO", "0") == "1"
GUNICORN_CONF = ROOT / "server" / "gunicorn_conf.py"

STOP_GRACE = 30  # seconds a child gets to stop before it is killed (gunicorn's graceful_timeout is 20)
STARTUP_TIMEOUT = 60  # seconds the web server gets, after each start, to answer HTTP
ORPHAN_GRACE = 5  # seconds what a dead child left in its group gets to exit before it is killed
BACKOFF_FIRST = 1.0  # seconds before the first restart; doubles after each quick crash ...
BACKOFF_MAX = 30.0  # ... up to this
CRASH_WINDOW = 60.0  # a crash less than this long after the start is quick; and ...
MAX_CRASHES = 5  # ... this many crashes within CRASH_WINDOW seconds: give up

_stop_signal: int | None = None


def say(text: str = "") -> None:
    print(text, flush=True)


def log(text: str) -> None:
    """A supervision message: timestamped, so it can be matched with the children's logs."""
    say(f"[{time.strftime('%Y-%m-%d %H:%M:%S %z')}] launcher: {text}")


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
        with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (our own loopback URL)
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP status means the server is up
    except (urllib.error.URLError, OSError):
        return False


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # state, ppid, pgrp, ...
        if fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def wait_group_empty(pgid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while group_members(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def kill_group(pgid: int) -> None:
    """SIGKILL whatever is left of a process group, and wait (bounded) until it is gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    wait_group_empty(pgid, 5)


def how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name} (exit code {returncode})"
        except ValueError:
            return f"killed by signal {-returncode} (exit code {returncode})"
    return f"exit code {returncode}"


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the launcher dies (even by SIGKILL)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        pass


class Child:
    """One supervised child: its command, its current process, its crash record.

    env: the child's environment (None: the launcher's). url: where a web server answers HTTP
    once up (supervise() waits for it after each start); None for a child that serves none.
    """

    def __init__(self, name: str, what: str, cmd: list[str], env: dict[str, str] | None = None,
                 url: str | None = None) -> None:
        self.name = name  # "web server"
        self.what = what  # "gunicorn master"
        self.cmd = cmd
        self.env = env
        self.url = url
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.restarts = 0
        self.crashes: collections.deque[float] = collections.deque()
        self.delay = 0.0
        self.restart_at: float | None = None
        self.answering = False

    def start(self) -> None:
        # Own process group: Ctrl-C reaches only the launcher, which stops the children in
        # order, and what a child leaves behind can be found and stopped by its group.
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        self.started_at = time.monotonic()
        self.restart_at = None
        self.answering = False

    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def died(self) -> bool:
        """Is the child's process gone (it was running and nobody asked it to stop)?"""
        return self.proc is not None and self.proc.returncode is None and self.proc.poll() is not None

    def after_death(self) -> bool:
        """Clean up after a child that died on its own and plan its restart; False: give up."""
        assert self.proc is not None
        now = time.monotonic()
        ran = now - self.started_at
        pid, ended = self.proc.pid, how_it_ended(self.proc.returncode)
        self.crashes.append(now)
        while self.crashes and now - self.crashes[0] > CRASH_WINDOW:
            self.crashes.popleft()
        log(f"{self.name} ({self.what}, pid {pid}) died after {ran:.1f} s: {ended}.")
        # What it started may still be running: gunicorn's workers (each leaves once it sees
        # its master gone, after the requests it has) and qcluster's processes (which never
        # notice). SIGTERM them (a graceful stop for both), wait ORPHAN_GRACE, kill the rest.
        try:
            os.killpg(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
        if not wait_group_empty(pid, ORPHAN_GRACE):
            kill_group(pid)
        if len(self.crashes) >= MAX_CRASHES:
            log(f"{self.name} died {len(self.crashes)} times within {CRASH_WINDOW:.0f} s (last: {ended}); "
                f"giving up. Its own messages above say why.")
            return False
        quick = ran < CRASH_WINDOW
        self.delay = min(self.delay * 2, BACKOFF_MAX) if quick and self.delay else BACKOFF_FIRST
        self.restarts += 1
        log(f"restarting the {self.name} in {self.delay:g} s (restart {self.restarts}).")
        self.restart_at = time.monotonic() + self.delay
        return True


def stop(children: list[Child]) -> None:
    # SIGTERM to each child itself, not its group: gunicorn's master stops its workers
    # gracefully and qcluster stops its own worker processes in order (a group-wide SIGTERM
    # kills them under it and it then waits for them). A child waiting for its restart has
    # been cleaned up already.
    running = [c for c in children if c.running()]
    for c in running:
        c.proc.terminate()  # type: ignore[union-attr]
    deadline = time.monotonic() + STOP_GRACE
    for c in running:
        try:
            c.proc.wait(timeout=max(0.1, deadline - time.monotonic()))  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            log(f"the {c.name} did not stop within {STOP_GRACE} s; killing it.")
    for c in running:
        kill_group(c.proc.pid)  # type: ignore[union-attr]  # whatever is left (a stuck worker process)
        c.proc.wait()  # type: ignore[union-attr]


def _on_signal(signum, frame) -> None:
    global _stop_signal
    _stop_signal = signum


def load_demo() -> tuple[bool, str]:
    """Load the demo office; return (ok, logins text)."""
    if NO_DEMO:
        return True, "(GONGWEN_RUN_NO_DEMO=1: the demo office was not loaded, so there are no demo logins)"
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


def web_server_command() -> tuple[str, list[str]]:
    if DEV_SERVER:
        return "runserver, autoreload", manage("runserver", f"{HOST}:{PORT}")
    return "gunicorn master", [PY, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "server.wsgi:application"]


def banner(url: str, logins: str) -> None:
    say()
    say("=" * 72)
    say(f"  公文系统 Gongwen is running: {url}")
    say()
    say("  Demo logins 演示账号:")
    say("\n".join("    " + line for line in logins.splitlines()))
    say("    （管理员账号首次登录须用手机身份验证器扫码绑定双因素认证。）")
    say()
    server = "Django's runserver (GONGWEN_DEV_SERVER=1)" if DEV_SERVER else "gunicorn"
    say(f"  Web server ({server}) and background worker (qcluster) are running;")
    say("  either is restarted if it dies. Press Ctrl-C to stop both.")
    say("=" * 72)


def supervise(children: list[Child], on_ready: Callable[[], None]) -> int:
    """Keep the children running until a stop signal (0) or until giving up (1).

    Starts the children not started yet; calls on_ready() once, when every child with a URL
    has answered HTTP (scripts/cluster.py supervises its proxy, app servers, workers and Redis
    with this loop too)."""
    for c in children:
        if c.proc is None:
            c.start()
            log(f"started the {c.name} ({c.what}, pid {c.proc.pid}).")  # type: ignore[union-attr]
    shown = False
    while _stop_signal is None:
        for c in children:
            if c.died() and not c.after_death():
                return 1
            if c.proc is not None and c.restart_at is not None and time.monotonic() >= c.restart_at:
                c.start()
                log(f"restarted the {c.name} ({c.what}, pid {c.proc.pid}; restart {c.restarts}).")
        for c in children:
            if c.url is None or not c.running() or c.answering:
                continue
            if answers_http(c.url + "/"):
                c.answering = True
                if shown:
                    log(f"the {c.name} answers again on {c.url}.")
            elif time.monotonic() - c.started_at > STARTUP_TIMEOUT:
                log(f"the {c.name} did not answer on {c.url} within {STARTUP_TIMEOUT} s; stopping.")
                return 1
        if not shown and all(c.answering for c in children if c.url is not None):
            shown = True
            on_ready()
        time.sleep(0.25)
    return 0


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
    if DEV_SERVER:
        # runserver for development: static files found where they lie, a change seen at once.
        os.environ["GONGWEN_STATIC_MANIFEST"] = "0"
    else:
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

    what, cmd = web_server_command()
    web = Child("web server", what, cmd, url=url)
    children = [web, Child("worker", "manage.py qcluster", manage("qcluster"))]
    try:
        rc = supervise(children, lambda: banner(url, logins))
    finally:
        if _stop_signal is not None:
            say()
            log(f"got {signal.Signals(_stop_signal).name}: stopping the web server and the worker ...")
        else:
            log("stopping the web server and the worker ...")
        stop(children)
    if rc == 0:
        log("stopped.")
    return rc


if __name__ == "__main__":
    sys.exit(main())
