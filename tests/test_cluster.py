"""Cluster mode for real (issue 12, part 2): scripts/cluster.py starts Redis, two gunicorn app
servers behind haproxy and two django-q2 workers, all on 127.0.0.1, on this test's PostgreSQL
database; the test drives them over HTTP and checks the database afterwards.

Why on the test database: it is migrated already (a fresh one would take most of the time
budget to migrate), and the test builds its office and twenty drafts at their 编号 node with the
services while the cluster boots, then reads what the nodes wrote with the ORM. The test's
process runs on the wall clock (the nodes do; the test clock would put its writes hours away
from theirs), and the password it logs in with is hashed with Argon2, which the nodes accept
(conftest.py hashes test passwords with MD5 for speed).

In order, each wait bounded:

a. sessions are shared: signed in on app server 1, the same cookie is signed in on app server
   2 and through the proxy (both servers answer); signed out on app server 2, the session is
   gone on app server 1 too;
b. twenty 编号 (API, bearer token) sent at once through the proxy, answered by both servers,
   get 1..20, none twice, none missing (the counter row lock, not the server, orders them);
c. (checked last: the schedulers first run about 30 s after the workers boot) the worker's
   schedules run once across the two workers: three due schedules are held locked (SELECT ...
   FOR UPDATE in a thread of this test, from before the workers start) until both workers'
   schedulers wait on the lock (pg_stat_activity), then released at once: each runs exactly
   once (one Task per schedule, its next run moved on); both workers are registered in Redis;
d. app server 1 killed (SIGKILL to its gunicorn master and workers) while GETs and 编号 POSTs
   flow through the proxy and one POST is in flight on it: every GET is answered 200 (haproxy
   retries them on app server 2), no POST is sent twice (no 4xx 本件已编号), and every
   document is whole: numbered with one ledger row, one history event and one audit event,
   or not at all; the ledger has no gap; the audit chain and its checkpoint (written by a
   worker into the shared audit directory) verify; the launcher restarts app server 1.
Then Ctrl-C: the launcher exits 0, nothing it started is left, its temporary directory is gone.

Marked postgres (it needs the PostgreSQL run of `make test`: scripts/with_postgres.sh). Without
redis-server or haproxy it is skipped with the reason, except in CI (CI=true), where it fails.
About 60-90 s on a 2-core machine. The settings check below it runs everywhere.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
import redis
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper
from django.db.models.functions import Now
from django_q.models import Schedule, Task

from api.services import issue_token
from audit.models import AuditEvent, AuditHead
from audit.verification import verify_audit
from documents.models import Document, IssuedNumber, NumberCounter, NumberSeries
from documents.tests.test_numbering_pg import at_number_node
from flow import defaults
from flow.models import HistoryAction, HistoryEvent, NodeDefinition, ProcessTemplate
from org.models import PasswordRecord
from tests.browser import PASSWORD
from tests.office import build_office
from tests.processes import Watched

ROOT = Path(__file__).resolve().parent.parent
IS_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

STARTUP_LIMIT = 150  # s: collectstatic, migrate (nothing to do), four Django boots on a busy 2-core machine
SCHEDULER_LIMIT = 90  # s after the workers start: their schedulers first run about 30 s after their boot
STOP_LIMIT = 60  # s: the launcher's STOP_GRACE (30 s) and some
DUE = ("deadlines.scan_deadlines", "search.refresh_index", "audit.scheduled_checkpoint")


def missing_binaries() -> list[str]:
    return [name for name in ("redis-server", "haproxy")
            if not (shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin"))]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] not in "ZX"


def group(pgid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2:].split()
            if fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
                out.append(int(entry.name))
    return out


# --- HTTP: urllib, redirects not followed, cookies kept per client ------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One browser (or API client): its cookies (host-wide, so one jar serves every port of
    127.0.0.1), redirects returned, not followed."""

    def __init__(self, token: str | None = None) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.token = token

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, method: str, url: str, form: dict | None = None, payload: dict | None = None,
                timeout: float = 30) -> tuple[int, Message, str]:
        """(status, headers, body); the headers are case-insensitive (haproxy writes its own in
        lower case)."""
        headers, data = {}, None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (loopback)
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return resp.status, resp.headers, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode(errors="replace")

    def sign_in(self, base: str, username: str, password: str) -> None:
        status, _, html = self.request("GET", base + "/login/")
        assert status == 200, status
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        status, headers, body = self.request("POST", base + "/login/", form={
            "username": username, "password": password, "csrfmiddlewaretoken": token})
        assert status == 302 and headers.get("Location") == "/", (status, headers.get("Location"), body[-500:])


# --- the cluster --------------------------------------------------------------------------------


class Cluster(Watched):
    """scripts/cluster.py in a subprocess of its own session, its output in a file."""

    name = "the cluster"

    def __init__(self, tmp_path: Path, db_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "cluster.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GONGWEN_")}
        env.update(
            GONGWEN_HOST="127.0.0.1", GONGWEN_PORT=str(self.port), GONGWEN_PG_URL=db_url,
            GONGWEN_VAR_DIR=str(tmp_path / "var"),  # collected static files
            # This test's own files root and audit directory (conftest.py), shared by every node.
            GONGWEN_FILES_ROOT=str(settings.FILES_ROOT), GONGWEN_AUDIT_DIR=str(settings.AUDIT_DIR),
            GONGWEN_RUN_NO_DEMO="1",
            GONGWEN_WEB_WORKERS="1",  # per app server: each boot costs seconds of CPU on two cores
            PYTHONUNBUFFERED="1",
        )
        self.start([sys.executable, str(ROOT / "scripts" / "cluster.py")], cwd=ROOT, env=env, log_path=self.log_path)

    def tail(self) -> str:  # without the health checks' lines
        return "\n".join(line for line in self.log().splitlines() if '"GET /login/ HTTP/1.1" 200' not in line)[-5000:]

    def found(self, pattern: str) -> re.Match | None:
        return re.search(pattern, self.log())

    def pids(self) -> set[int]:
        """Every child the launcher started or restarted (each leads its own process group)."""
        return {int(p) for p in re.findall(r"launcher: (?:re)?started (?:the )?[\w ]+ \([^,]+, pid (\d+)", self.log())}

    def clean_up(self) -> None:
        """After a failure too: the launcher's own stop (SIGTERM), then whatever is left is killed."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_LIMIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pgid in self.pids():
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        left = self.found(r"temporary dir +(/\S+)")
        if left:
            shutil.rmtree(left[1], ignore_errors=True)
        self.log_file.close()


def cluster_database_url() -> str:
    s = connection.settings_dict
    return (f"postgresql://{urllib.parse.quote(s['USER'])}:{urllib.parse.quote(s['PASSWORD'])}"
            f"@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}")


class ScheduleLock:
    """Row locks on schedules, held by a thread in a transaction of its own until released."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self.locked, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)
        self.thread.start()
        assert self.locked.wait(10), "could not lock the schedules"

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                assert len(list(Schedule.objects.select_for_update().filter(pk__in=self.ids))) == len(self.ids)
                self.locked.set()
                self.release.wait(SCHEDULER_LIMIT + STARTUP_LIMIT)
        finally:
            connection.close()

    def end(self) -> None:
        self.release.set()
        self.thread.join(10)


def schedulers_waiting() -> int:
    """Database sessions waiting for a lock in django-q2's scheduler query."""
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE %s AND query LIKE %s",
                    ['%FROM "django_q_schedule"%', "%FOR UPDATE%"])
        return cur.fetchone()[0]


def wall_clock() -> datetime:
    """The real time, also under the test clock (GONGWEN_TEST_NOW, conftest.py)."""
    hatch = time_machine.escape_hatch
    return datetime.fromtimestamp(hatch.time.time() if hatch.is_travelling() else time.time(), tz=UTC)


def numbered_whole(document: Document) -> bool:
    """Numbered with everything that goes with it, or not at all (anything between fails)."""
    document.refresh_from_db()
    rows = IssuedNumber.objects.filter(document=document).count()
    history = HistoryEvent.objects.filter(document=document, action=HistoryAction.NUMBER).count()
    events = sum(1 for e in AuditEvent.objects.filter(action="drafting.number") if (e.new or {}).get("document") == document.pk)
    parts = (bool(document.doc_number), rows, history, events)
    assert parts in ((True, 1, 1, 1), (False, 0, 0, 0)), f"document {document.pk} half numbered: {parts}"
    return parts[0]


def number_call(client: Client, base: str, task_id: int, series_id: int) -> tuple[int, str, dict | str]:
    status, headers, body = client.request("POST", f"{base}/api/v1/tasks/{task_id}/number",
                                           payload={"series_id": series_id})
    return status, headers.get("X-Gongwen-Node", ""), (json.loads(body) if status == 200 else body)


@pytest.mark.postgres
@pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set GONGWEN_PG_URL or run under scripts/with_postgres.sh)")
@pytest.mark.django_db(transaction=True)
def test_two_app_servers_behind_haproxy_two_workers_and_redis(tmp_path):
    missing = missing_binaries()
    if missing:
        reason = f"cluster mode needs {' and '.join(missing)} (bash scripts/sysdeps.sh cluster, as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)

    with time_machine.travel(wall_clock(), tick=True):
        # The worker's schedules: three due now by the database's clock, the others not today;
        # the three held locked from before the workers start until both wait on them.
        Schedule.objects.filter(name__in=DUE).update(next_run=ExpressionWrapper(
            Now() - timedelta(minutes=1), output_field=DateTimeField()))
        Schedule.objects.exclude(name__in=DUE).update(next_run=ExpressionWrapper(
            Now() + timedelta(days=1), output_field=DateTimeField()))
        due = {s.name: s for s in Schedule.objects.filter(name__in=DUE)}
        assert set(due) == set(DUE)
        lock = ScheduleLock([s.pk for s in due.values()])
        cluster = Cluster(tmp_path, cluster_database_url())
        try:
            run_cluster_checks(cluster, lock, due)
        finally:
            lock.end()
            cluster.clean_up()


def run_cluster_checks(cluster: Cluster, lock: ScheduleLock, due: dict[str, Schedule]) -> None:
    # While the cluster boots: the office, 20 + 7 drafts at their 编号 node, two 代字, the
    # clerk's password (Argon2, which the nodes check) and an API token.
    defaults.install(ProcessTemplate, NodeDefinition)
    AuditHead.objects.get_or_create(pk=1)
    o = build_office()
    user = o.clerk.user
    hasher = Argon2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    PasswordRecord.objects.filter(user=user).update(password_hash=user.password)
    series = NumberSeries.objects.create(agency=o.gov, code="示府办发", name="府办发文")
    letters = NumberSeries.objects.create(agency=o.gov, code="示府办函", name="府办函")
    tasks = [at_number_node(o, n) for n in range(1, 21)]
    extra = [at_number_node(o, n) for n in range(21, 28)]
    api = Client(token=issue_token(actor=None, name="集群测试", person=o.clerk).clear)

    cluster.wait_for("the banner", STARTUP_LIMIT, lambda: "Gongwen (cluster) is running: " + cluster.url in cluster.log())
    app = {int(i): url for i, url in re.findall(r"app server (\d) +(http://127\.0\.0\.1:\d+)", cluster.log())}
    assert sorted(app) == [1, 2], cluster.tail()
    workers_started = time.monotonic()  # about when: the workers start with the app servers
    redis_url = cluster.found(r"Redis +(redis://127\.0\.0\.1:\d+/0)")[1]
    tmp_dir = Path(cluster.found(r"temporary dir +(/\S+)")[1])
    assert tmp_dir.is_dir()

    # a. One session for every server.
    browser = Client()
    browser.sign_in(app[1], "clerk", PASSWORD)
    status, _, html = browser.request("GET", app[2] + "/")
    assert status == 200 and "王文书" in html
    nodes = set()
    for _ in range(4):
        status, headers, html = browser.request("GET", cluster.url + "/")
        assert status == 200 and "王文书" in html
        nodes.add(headers.get("X-Gongwen-Node"))
    assert nodes == {"app1", "app2"}
    status, headers, _ = browser.request("POST", app[2] + "/logout/",
                                         form={"csrfmiddlewaretoken": browser.cookie("csrftoken")})
    assert status == 302 and headers["Location"] == "/login/"
    status, headers, _ = browser.request("GET", app[1] + "/")
    assert status == 302 and headers["Location"].startswith("/login/")

    # b. Twenty 编号 at once through the proxy.
    barrier = threading.Barrier(len(tasks))
    answers: list = [None] * len(tasks)

    def number(i: int) -> None:
        barrier.wait(30)
        answers[i] = number_call(api, cluster.url, tasks[i].pk, series.pk)

    threads = [threading.Thread(target=number, args=(i,)) for i in range(len(tasks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert all(a is not None for a in answers), "a numbering request did not come back"
    assert all(status == 200 for status, _, _ in answers), answers
    assert {node for _, node, _ in answers} == {"app1", "app2"}, "not served by both app servers"
    assert sorted(body["seq"] for _, _, body in answers) == list(range(1, 21))
    assert len({body["number"] for _, _, body in answers}) == 20
    assert list(IssuedNumber.objects.filter(series=series).order_by("seq").values_list("seq", flat=True)) == \
        list(range(1, 21))
    assert NumberCounter.objects.get(series=series).last == 20

    # d. App server 1 killed while GETs and POSTs flow through the proxy.
    reader = Client()
    reader.sign_in(cluster.url, "clerk", PASSWORD)
    stop = threading.Event()
    gets: list[tuple[float, object]] = []
    posts: list[tuple[int, object]] = []

    def read_pages() -> None:
        while not stop.is_set():
            try:
                status, headers, html = reader.request("GET", cluster.url + "/")
                ok = status == 200 and "王文书" in html
                gets.append((time.monotonic(), status if ok else (status, html[-300:])))
            except OSError as exc:
                gets.append((time.monotonic(), exc))

    def number_some() -> None:
        for task in extra[:6]:
            try:
                posts.append((task.pk, number_call(api, cluster.url, task.pk, letters.pk)[0]))
            except OSError as exc:
                posts.append((task.pk, exc))
            time.sleep(0.3)

    in_flight: list = []
    readers = [threading.Thread(target=read_pages) for _ in range(3)]
    poster = threading.Thread(target=number_some)
    for t in [*readers, poster]:
        t.start()
    time.sleep(1.0)
    master = int(re.findall(r"launcher: (?:re)?started the app server 1 \(gunicorn master, pid (\d+)",
                            cluster.log())[-1])  # the one running now
    direct = threading.Thread(target=lambda: in_flight.append(_try(lambda: number_call(
        api, app[1], extra[6].pk, letters.pk))))
    direct.start()
    time.sleep(0.05)
    os.killpg(master, signal.SIGKILL)  # the master and its workers, as a machine that dies
    killed_at = time.monotonic()
    poster.join(30)
    time.sleep(max(0.0, killed_at + 4 - time.monotonic()))
    stop.set()
    for t in [*readers, direct]:
        t.join(30)

    failed = [(round(at - killed_at, 2), outcome) for at, outcome in gets if outcome != 200]
    assert not failed, f"GETs not answered 200 around the kill (s after it, outcome): {failed}"
    assert len([at for at, _ in gets if at > killed_at]) >= 5, "too few GETs after the kill"
    assert len(posts) == 6 and in_flight
    assert all(outcome in (200, 502, 503, 504) for _, outcome in posts), posts  # never a 4xx: never sent twice
    numbered = [numbered_whole(t.document) for t in extra]
    for (task_id, outcome) in posts:
        if outcome == 200:
            assert numbered[[t.pk for t in extra].index(task_id)]
    ledger = list(IssuedNumber.objects.filter(series=letters).order_by("seq").values_list("seq", flat=True))
    assert ledger == list(range(1, sum(numbered) + 1)), f"a gap or a duplicate in the ledger: {ledger}"
    assert NumberCounter.objects.get(series=letters).last == len(ledger)

    # c. The schedules, held since before the workers started: both schedulers wait on them.
    cluster.wait_for("both workers' schedulers waiting on the locked schedules",
                     max(5.0, workers_started + SCHEDULER_LIMIT - time.monotonic()), lambda: schedulers_waiting() == 2)
    lock.end()

    def ran() -> dict[str, int]:
        return {name: Task.objects.filter(group=name).count() for name in DUE}

    cluster.wait_for("a task from each due schedule", 60, lambda: all(ran().values()))
    cluster.wait_for("the schedulers done", 10, lambda: schedulers_waiting() == 0)
    time.sleep(3)  # a second run would have been queued at the same moment as the first
    assert ran() == dict.fromkeys(DUE, 1)
    for name, before in due.items():
        after = Schedule.objects.get(pk=before.pk)
        assert after.task == Task.objects.get(group=name).id
        assert after.next_run > before.next_run + timedelta(minutes=1)
    assert Task.objects.get(group="deadlines.scan_deadlines").success

    # Redis is the workers' broker (each worker's guard, running again, keeps its status there for
    # 3 s at a time) and works as Django's cache.
    r = redis.Redis.from_url(redis_url)
    cluster.wait_for("both workers in Redis", 30, lambda: len(r.keys("django_q:gongwen:cluster:*")) == 2)
    cache = RedisCache(redis_url, {})
    cache.set("cluster-test", "缓存", 30)
    assert cache.get("cluster-test") == "缓存"

    # The audit chain and the checkpoint a worker wrote into the shared audit directory.
    cluster.wait_for("the audit checkpoint", 30, lambda: Task.objects.filter(
        group="audit.scheduled_checkpoint", success=True).exists())
    report = verify_audit()
    assert report.ok, report.message
    assert report.checkpoints == 1

    # App server 1 is back (the launcher restarted it) and knows the session.
    cluster.wait_for("app server 1 restarted", 60, lambda: cluster.found(
        r"launcher: the app server 1 answers again on " + re.escape(app[1])))
    assert cluster.found(rf"launcher: app server 1 \(gunicorn master, pid {master}\) died after [0-9.]+ s: "
                         rf"killed by SIGKILL")
    status, _, html = reader.request("GET", app[1] + "/")
    assert status == 200 and "王文书" in html

    # Ctrl-C: everything stops, nothing is left.
    started = cluster.pids()
    cluster.proc.send_signal(signal.SIGINT)
    assert cluster.proc.wait(timeout=STOP_LIMIT) == 0, cluster.tail()
    assert cluster.log().rstrip().endswith("launcher: stopped."), cluster.tail()
    left = [(pgid, group(pgid)) for pgid in started if group(pgid)]
    assert not left, f"left running: {left}"
    assert not tmp_dir.exists()


def _try(call):
    try:
        return call()
    except OSError as exc:
        return exc


def test_redis_url_switches_the_queue_and_the_cache():
    """GONGWEN_REDIS_URL: django-q2's redis broker and Django's Redis cache; without it, exactly as
    before (the ORM broker, the default local-memory cache). Read from a fresh interpreter."""
    script = ("import json; from django.conf import settings; "
              "print(json.dumps({'q': settings.Q_CLUSTER, 'caches': settings.CACHES}))")

    def read(**extra) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "GONGWEN_REDIS_URL"}
        env.update(DJANGO_SETTINGS_MODULE="gongwen.settings", GONGWEN_VAR_DIR=str(Path(settings.VAR_DIR)), **extra)
        res = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60)
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)

    url = "redis://127.0.0.1:6390/2"
    on = read(GONGWEN_REDIS_URL=url)
    assert on["q"]["redis"] == url and "orm" not in on["q"]
    assert on["caches"]["default"] == {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    off = read()
    assert off["q"]["orm"] == "default" and "redis" not in off["q"]
    assert off["caches"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert {k: v for k, v in on["q"].items() if k != "redis"} == {k: v for k, v in off["q"].items() if k != "orm"}
