#!/usr/bin/env python3
"""`make cluster`: Gongwen as several machines run it, all on this one, on 127.0.0.1.

Cluster mode (issue 12, part 2) puts what `make run` runs once behind a proxy, twice: so that
what several machines need — one database, one queue and cache, one files root, one secret
key, a proxy that moves requests off a dead app server — is started and tested here (by
tests/test_cluster.py) before it is set up on real machines (docs/architecture.md §9). It
installs nothing (`make cluster` runs scripts/sysdeps.sh cluster first). Steps:

1. PostgreSQL: GONGWEN_PG_URL when set (a server of yours: then the files root and the audit
   directory are the settings' own, GONGWEN_FILES_ROOT and GONGWEN_AUDIT_DIR, and kept);
   otherwise this script runs itself again under scripts/with_postgres.sh, a throwaway cluster
   removed at the end, and the files root and the audit directory are temporary too;
2. Redis (redis-server) on a free loopback port, no persistence (``--save '' --appendonly
   no``): GONGWEN_REDIS_URL for every node, so the workers' queue (django-q2's redis broker)
   and Django's cache are Redis (gongwen/settings.py);
3. once: `manage.py collectstatic`, `migrate`, `load_demo --print-logins` (as scripts/run.py
   does; GONGWEN_RUN_NO_DEMO=1 skips the demo);
4. GONGWEN_CLUSTER_APPS (default 2) app servers: gunicorn with server/gunicorn_conf.py, each
   its own process group on its own free loopback port (GONGWEN_PORT per node),
   GONGWEN_WEB_WORKERS worker processes each (default 2 here, not cores + 1: the nodes share
   this machine); GONGWEN_CLUSTER_WORKERS (default 2) background workers (`manage.py
   qcluster`), all taking tasks from the one Redis queue; every node has the same
   environment: database, Redis, files root, audit directory and secret key (a random one
   for a throwaway database);
5. haproxy on GONGWEN_HOST:GONGWEN_PORT (default 127.0.0.1:8000, as `make run`) from
   scripts/haproxy.cfg.in: round robin, health check on /login/, a failed connection retried
   on the other server for any method, an empty or timed-out response retried only for GET and
   HEAD (a POST that may have been processed is never sent twice; the template says why);
6. prints the proxy's URL, each node and the demo logins, then supervises every child with
   scripts/run.py's code (Child, supervise, stop): one that dies is restarted with the same
   back-off and give-up rule as in `make run`; Ctrl-C (or SIGTERM) stops the proxy first, then
   the app servers and workers, then Redis, removes the temporary directory and exits 0 (the
   throwaway PostgreSQL is stopped and removed by with_postgres.sh after that).

Environment: GONGWEN_HOST, GONGWEN_PORT (the proxy), GONGWEN_PG_URL, GONGWEN_WEB_WORKERS,
GONGWEN_WEB_THREADS, GONGWEN_RUN_NO_DEMO as for scripts/run.py; GONGWEN_CLUSTER_APPS,
GONGWEN_CLUSTER_WORKERS (how many app servers and workers, default 2 each).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from string import Template
from urllib.parse import urlparse

import run  # scripts/run.py, beside this file: the supervision code of `make run`
from run import PY, ROOT, Child, log, manage, say

TEMPLATE = ROOT / "scripts" / "haproxy.cfg.in"
THROWAWAY = "GONGWEN_CLUSTER_THROWAWAY_DB"  # set by this script before it runs itself under with_postgres.sh
APPS = int(os.environ.get("GONGWEN_CLUSTER_APPS", "2"))
WORKERS = int(os.environ.get("GONGWEN_CLUSTER_WORKERS", "2"))
REDIS_TIMEOUT = 15  # seconds Redis gets to answer PING


def find_binary(name: str) -> str | None:
    """A program on PATH, or in /usr/sbin and /usr/bin (Debian puts haproxy in /usr/sbin,
    which an ordinary user's PATH may lack)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def haproxy_config(path: Path, bind: str, apps: list[Child]) -> None:
    user_group = ""
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("haproxy")  # Debian's package makes this user: no need to serve as root
            user_group = "    user haproxy\n    group haproxy"
        except KeyError:
            pass
    servers = "\n".join(f"    server app{i} {urlparse(c.url).netloc}" for i, c in enumerate(apps, 1))  # type: ignore[arg-type]
    path.write_text(Template(TEMPLATE.read_text()).substitute(user_group=user_group, bind=bind, servers=servers))


def prepare() -> tuple[bool, str]:
    """collectstatic, migrate, load_demo: once, before any node starts; (ok, logins)."""
    say("Collecting static files (manage.py collectstatic) ...")
    if subprocess.run(manage("collectstatic", "--noinput", "-v", "0"), cwd=ROOT).returncode != 0:
        say("manage.py collectstatic failed")
        return False, ""
    if run._stop_signal:
        return False, ""
    say("Migrating the database (manage.py migrate) ...")
    if subprocess.run(manage("migrate", "--noinput", "-v", "0"), cwd=ROOT).returncode != 0:
        say("manage.py migrate failed")
        return False, ""
    if run._stop_signal:
        return False, ""
    return run.load_demo()


def proxy_routes_to_all(url: str, apps: list[Child], seconds: float = 30) -> bool:
    """Wait until the proxy sends requests to every app server. An app server that answers
    already may still be marked down by haproxy (it failed the health checks while it booted,
    and needs two good ones to be up again): without this wait the first requests through the
    proxy could get 503."""
    names = {f"app{i}" for i in range(1, len(apps) + 1)}
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not run._stop_signal:
        try:
            with urllib.request.urlopen(url + "/login/", timeout=2) as response:  # noqa: S310 (our loopback URL)
                seen.add(response.headers.get("X-Gongwen-Node", ""))
        except (urllib.error.URLError, OSError):
            pass
        if names <= seen:
            return True
        time.sleep(0.2)
    log(f"the proxy did not reach every app server within {int(seconds)} s (reached: {sorted(seen - {''})}).")
    return False


def banner(url: str, apps: list[Child], redis_url: str, throwaway: bool, tmp: Path, logins: str) -> None:
    proxy_routes_to_all(url, apps)
    db = urlparse(os.environ["GONGWEN_PG_URL"])
    say()
    say("=" * 72)
    say(f"  公文系统 Gongwen (cluster) is running: {url}  (haproxy)")
    say()
    for c in apps:
        say(f"    {c.name:<14}{c.url}  (gunicorn, {os.environ['GONGWEN_WEB_WORKERS']} worker processes)")
    say(f"    {'workers':<14}{WORKERS} × manage.py qcluster (django-q2, Redis queue)")
    say(f"    {'Redis':<14}{redis_url}  (queue and cache; not saved)")
    say(f"    {'PostgreSQL':<14}{db.hostname}:{db.port}{db.path}" + ("  (throwaway)" if throwaway else ""))
    say(f"    {'files root':<14}{os.environ.get('GONGWEN_FILES_ROOT') or '(settings default: var/files)'}")
    say(f"    {'temporary dir':<14}{tmp}  (removed on stop)")
    say()
    say("  Demo logins 演示账号:")
    say("\n".join("    " + line for line in logins.splitlines()))
    say("    （管理员账号首次登录须用手机身份验证器扫码绑定双因素认证。）")
    say()
    say("  Each server, worker, Redis and the proxy is restarted if it dies. Press Ctrl-C to stop all.")
    say("=" * 72)


def serve(tmp: Path, throwaway: bool) -> int:
    url = f"http://{run.HOST}:{run.PORT}"
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    # Every node gets this same environment (run.load_demo and the children inherit it).
    # GONGWEN_TRUSTED_PROXIES: the client's address is the one haproxy (on loopback) forwards,
    # so a login lock per address locks that client, not everyone behind the proxy.
    os.environ.update(GONGWEN_REDIS_URL=redis_url, GONGWEN_DEMO="1", GONGWEN_STATIC_MANIFEST="1",
                      GONGWEN_TRUSTED_PROXIES="127.0.0.1")
    os.environ.setdefault("GONGWEN_WEB_WORKERS", "2")
    if throwaway:
        os.environ.update(GONGWEN_FILES_ROOT=str(tmp / "files"), GONGWEN_AUDIT_DIR=str(tmp / "audit"))
        # One key for every node: a session or CSRF token signed by one is valid on the others.
        os.environ["GONGWEN_SECRET_KEY"] = secrets.token_urlsafe(50)
    (tmp / "redis").mkdir()

    redis = Child("Redis", "redis-server", [
        find_binary("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port", str(redis_port),
        "--save", "", "--appendonly", "no", "--dir", str(tmp / "redis"), "--protected-mode", "yes",
        "--daemonize", "no", "--loglevel", "warning"])
    redis.start()
    log(f"started {redis.name} ({redis.what}, pid {redis.proc.pid}) on {redis_url}.")  # type: ignore[union-attr]
    apps = [Child(f"app server {i}", "gunicorn master",
                  [PY, "-m", "gunicorn", "-c", str(run.GUNICORN_CONF), "server.wsgi:application"],
                  env={**os.environ, "GONGWEN_PORT": str(port)}, url=f"http://127.0.0.1:{port}")
            for i, port in enumerate([free_port() for _ in range(APPS)], 1)]
    workers = [Child(f"worker {i}", "manage.py qcluster", manage("qcluster")) for i in range(1, WORKERS + 1)]
    config = tmp / "haproxy.cfg"
    haproxy_config(config, f"{run.HOST}:{run.PORT}", apps)
    proxy = Child("proxy", "haproxy", [find_binary("haproxy") or "haproxy", "-db", "-f", str(config)], url=url)
    try:
        deadline = time.monotonic() + REDIS_TIMEOUT
        while not redis_answers(redis_port):
            if redis.died() or time.monotonic() > deadline or run._stop_signal:
                if not run._stop_signal:
                    log(f"Redis did not answer on {redis_url} within {REDIS_TIMEOUT} s; stopping.")
                return 0 if run._stop_signal else 1
            time.sleep(0.1)
        ok, logins = prepare()
        if not ok:
            return 0 if run._stop_signal else 1
        rc = run.supervise([redis, *apps, *workers, proxy],
                           lambda: banner(url, apps, redis_url, throwaway, tmp, logins))
    finally:
        if run._stop_signal is not None:
            say()
            log(f"got {signal.Signals(run._stop_signal).name}: stopping the proxy, the app servers, "
                f"the workers and Redis ...")
        else:
            log("stopping the proxy, the app servers, the workers and Redis ...")
        # The proxy first (no new request reaches a stopping server), then the nodes (gunicorn
        # finishes its requests, qcluster its tasks), Redis last (the workers use it to stop).
        run.stop([proxy])
        run.stop([*apps, *workers])
        run.stop([redis])
    if rc == 0:
        log("stopped.")
    return rc


def main() -> int:
    signal.signal(signal.SIGINT, run._on_signal)
    signal.signal(signal.SIGTERM, run._on_signal)
    missing = [name for name in ("redis-server", "haproxy") if find_binary(name) is None]
    if missing:
        say(f"缺少系统软件包 {', '.join(missing)}（集群模式需要）。Missing: {' '.join(missing)}; install them with "
            f"`bash scripts/sysdeps.sh cluster` as root (or: apt-get install {' '.join(missing)}).")
        return 1
    if not os.environ.get("GONGWEN_PG_URL"):
        # A throwaway PostgreSQL for this run: this script again, under with_postgres.sh.
        os.environ[THROWAWAY] = "1"
        say("Starting a throwaway PostgreSQL (scripts/with_postgres.sh) ...")
        sys.stdout.flush()
        os.execv("/bin/bash", ["bash", str(ROOT / "scripts" / "with_postgres.sh"), PY,  # noqa: S606 (our own script)
                               str(Path(__file__).resolve())])
    throwaway = os.environ.pop(THROWAWAY, "") == "1"
    if not run.port_free(run.HOST, run.PORT):
        say(f"Port {run.PORT} on {run.HOST} is in use. Stop what uses it, or pick another port: "
            f"GONGWEN_PORT=8001 make cluster")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="gongwen-cluster."))
    try:
        return serve(tmp, throwaway)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
