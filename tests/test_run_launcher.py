"""`make run`'s launcher (scripts/run.py) for real: gunicorn serves, the launcher keeps it up.

One test, one launcher started as a subprocess on a free port with a scratch var directory
(SQLite database, files, audit key, collected static files all under tmp_path) and without the
demo office (GONGWEN_RUN_NO_DEMO=1: loading it takes 20-60 s; the demo has its own tests). It
checks, in order, each step bounded in time:

1. the login page answers 200, served by gunicorn (the Server header, and a gunicorn master
   with its workers among the launcher's children next to `manage.py qcluster`); a HEAD
   request is in the access log without gunicorn's warning about the dropped body;
2. a static file the page links to has a hashed name and WhiteNoise's cache-for-ever header;
3. SIGKILL to the gunicorn master: the launcher logs the death (the signal) and the restart
   (its count), the old workers are gone, a new master answers;
4. SIGKILL to qcluster: logged and restarted the same way, and its orphaned processes are gone;
5. SIGINT to the launcher: it exits 0 within its grace period and leaves no process behind.

It takes about 30-45 s (collectstatic and migrate into an empty scratch database are most of
it). It reaches no test database: the launcher's children use their own.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.processes import Watched

ROOT = Path(__file__).resolve().parent.parent
STARTUP_LIMIT = 150  # s: collectstatic + migrate into an empty database + gunicorn's boot, on a busy machine
RESTART_LIMIT = 45  # s: orphans stopped (up to 5 s) + back-off (1 s) + boot
STOP_LIMIT = 40  # s: the launcher's STOP_GRACE (30 s) and some


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgrp) of a process, None when there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[2])


def alive(pid: int) -> bool:
    st = stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def live_processes() -> list[tuple[int, int, int]]:
    """(pid, ppid, pgrp) of every live process."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = stat(int(entry.name))
            if st is not None and st[0] not in ("Z", "X"):
                out.append((int(entry.name), st[1], st[2]))
    return out


def children(pid: int) -> list[int]:
    return [p for p, ppid, _ in live_processes() if ppid == pid]


def group(pgid: int) -> list[int]:
    return [p for p, _, pg in live_processes() if pg == pgid]


def child_running(launcher: int, marker: str) -> int | None:
    """The pid of the launcher's live child whose command line holds marker."""
    found = [p for p in children(launcher) if marker in cmdline(p)]
    assert len(found) <= 1, f"more than one child with {marker!r}: {found}"
    return found[0] if found else None


def get(url: str, headers: dict | None = None, method: str = "GET") -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers or {}, method=method)  # noqa: S310 (our own loopback URL)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except (urllib.error.URLError, OSError):
        return False


class Launcher(Watched):
    name = "the launcher"

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "run.log"
        var = tmp_path / "var"
        # Nothing of the caller's Gongwen settings (a PostgreSQL URL, DEBUG, the test clock):
        # only what this launcher is meant to run with.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GONGWEN_")}
        env.update(
            GONGWEN_HOST="127.0.0.1",
            GONGWEN_PORT=str(self.port),
            GONGWEN_VAR_DIR=str(var),  # collected static files go to var/staticfiles
            GONGWEN_SQLITE_PATH=str(tmp_path / "db.sqlite3"),
            GONGWEN_FILES_ROOT=str(tmp_path / "files"),
            GONGWEN_AUDIT_DIR=str(tmp_path / "audit"),
            GONGWEN_RUN_NO_DEMO="1",
            # One worker process, not cores + 1: each boots the application (a few seconds of CPU
            # on a busy machine), and the test is about the master and the launcher.
            GONGWEN_WEB_WORKERS="1",
            PYTHONUNBUFFERED="1",
        )
        self.start([sys.executable, str(ROOT / "scripts" / "run.py")], cwd=ROOT, env=env, log_path=self.log_path)
        self.groups: set[int] = set()  # every child's process group, for the clean-up

    def child(self, marker: str) -> int | None:
        pid = child_running(self.proc.pid, marker)
        if pid is not None:
            self.groups.add(pid)
        return pid

    def clean_up(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for pgid in self.groups:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.log_file.close()


def test_make_run_serves_with_gunicorn_restarts_its_children_and_stops_cleanly(tmp_path):
    run = Launcher(tmp_path)
    try:
        # 1. Up, through gunicorn, with the worker beside it.
        run.wait_for("answer on /login/", STARTUP_LIMIT, lambda: answers(run.url + "/login/"))
        status, headers, body = get(run.url + "/login/")
        assert status == 200
        assert headers.get("Server", "").startswith("gunicorn"), headers
        master = run.wait_for("gunicorn master", 10, lambda: run.child("gunicorn"))
        assert "server/gunicorn_conf.py" in cmdline(master)
        workers = run.wait_for("the gunicorn worker", 30, lambda: len(children(master)) == 1 and children(master))
        qcluster = run.wait_for("qcluster", 10, lambda: run.child("qcluster"))
        run.wait_for("the banner", 10, lambda: "Gongwen is running: " + run.url in run.log())
        # Django sends HEAD a body that gunicorn drops; the warning it would log each time is filtered.
        status, _, _ = get(run.url + "/login/", method="HEAD")
        assert status == 200
        run.wait_for("the HEAD request in the access log", 10, lambda: '"HEAD /login/ HTTP/1.1" 200' in run.log())
        assert "no-body response" not in run.log()

        # 2. Static files: hashed names, cached for ever, compressed (WhiteNoise).
        html = body.decode()
        hashed = re.search(r"""["'](/static/[^"']+\.[0-9a-f]{12}\.css)["']""", html)
        assert hashed, "no hashed CSS link on the login page"
        status, headers, css = get(run.url + hashed[1], headers={"Accept-Encoding": "gzip"})
        assert status == 200 and css
        assert "max-age=315360000" in headers.get("Cache-Control", ""), headers
        assert "immutable" in headers.get("Cache-Control", ""), headers
        assert headers.get("Content-Encoding") == "gzip", headers

        # 3. The gunicorn master killed: logged with the signal and the count, restarted, answering.
        os.kill(master, signal.SIGKILL)
        run.wait_for("the master's death in the log", RESTART_LIMIT, lambda: re.search(
            rf"\] launcher: web server \(gunicorn master, pid {master}\) died after [0-9.]+ s: "
            rf"killed by SIGKILL \(exit code -9\)", run.log()))
        restarted = run.wait_for("the web server's restart in the log", RESTART_LIMIT, lambda: re.search(
            r"\] launcher: restarted the web server \(gunicorn master, pid (\d+); restart 1\)", run.log()))
        new_master = int(restarted[1])
        assert new_master != master
        assert run.wait_for("the new master", 10, lambda: run.child("gunicorn")) == new_master
        run.wait_for("the launcher's 'answers again'", RESTART_LIMIT,
                     lambda: "launcher: the web server answers again on " + run.url in run.log())
        status, headers, _ = get(run.url + "/login/")
        assert status == 200 and headers.get("Server", "").startswith("gunicorn")
        assert not [p for p in workers if alive(p)], "the dead master's workers are still running"
        assert not group(master), "something of the dead master's process group is still running"

        # 4. qcluster killed: logged, restarted, its own processes (sentinel, workers) gone.
        assert group(qcluster), "qcluster runs no process of its own?"
        os.kill(qcluster, signal.SIGKILL)
        restarted = run.wait_for("the worker's restart in the log", RESTART_LIMIT, lambda: re.search(
            r"\] launcher: restarted the worker \(manage.py qcluster, pid (\d+); restart 1\)", run.log()))
        assert re.search(rf"\] launcher: worker \(manage.py qcluster, pid {qcluster}\) died after [0-9.]+ s: "
                         rf"killed by SIGKILL \(exit code -9\)", run.log())
        new_qcluster = int(restarted[1])
        assert run.wait_for("the new qcluster", 10, lambda: run.child("qcluster")) == new_qcluster
        assert not group(qcluster), "the dead qcluster's processes are still running"
        assert alive(new_master), "the web server went down with the worker"

        # 5. Ctrl-C: exits 0 within the grace period, nothing left behind.
        run.wait_for("the new qcluster's processes", 30, lambda: len(group(new_qcluster)) > 1)
        everything = set(group(new_master)) | set(group(new_qcluster))
        assert len(everything) >= 4, everything  # master, its worker, qcluster and its processes
        t0 = time.monotonic()
        run.proc.send_signal(signal.SIGINT)
        assert run.proc.wait(timeout=STOP_LIMIT) == 0, run.log()[-4000:]
        took = time.monotonic() - t0
        log = run.log()
        assert "launcher: got SIGINT: stopping the web server and the worker" in log
        assert log.rstrip().endswith("launcher: stopped."), log[-2000:]
        left = sorted(p for p in everything if alive(p))
        assert not left, f"left running after the launcher stopped ({took:.1f} s): {left}"
        assert not answers(run.url + "/login/")
    finally:
        run.clean_up()
