"""`make bench`, capacity (issue 12): the pages against the floor, 200 office users, 送下一步
throughput, and (on PostgreSQL) a million documents, all served as `make run` serves them.

    python bench/capacity.py                       SQLite, 100,000 documents
    scripts/with_postgres.sh python bench/capacity.py --million
                                                   PostgreSQL, 100,000 then 1,000,000

What it does, in order, writing bench/capacity_<database>_report.json:

1. Generates the documents (bench/generate.py: the ORM in bulk, realistic routing histories)
   and indexes them for the search (search.indexing.refresh, as the worker does).
2. Starts gunicorn with server/gunicorn_conf.py (workers and threads from the core count, as
   `make run`), with DJANGO_SETTINGS_MODULE=bench.floor_settings: the project's settings plus
   the floor (bench/floor.py: a bare Django view, one indexed query and a template, behind
   the same middleware).
3. Pages: one client on a keep-alive connection asks each page and the floor in turn (the
   floor between every two pages, so a drift of the machine touches both alike), ``--repeat``
   times; p50 and p95 of each, and each as a multiple of the floor's. Query counts are read
   in-process with the test client for the same URLs.
4. Load: locust, headless, loopback only, ``--users`` virtual users (default 200), think time
   1–3 s, 90% reads and 10% writes (bench/locustfile.py), ``--duration`` seconds after the
   ramp-up; requests a second, p50/p95, errors.
5. 送下一步 throughput: 1 and 4 client processes, each calling flow.services.send_on on its
   own documents at 初审 for a fixed time, as fast as it can (no HTTP: the service's own rate
   and how it scales with clients).
6. ``--million`` (PostgreSQL): the documents, processes, activations, tasks, opinions and
   history are copied in SQL (INSERT … SELECT with shifted ids, registry numbers and dates)
   up to 1,000,000 documents, each copy an earlier finished year; then the pages and the
   floor again.

The load average (1 minute) is recorded before and after each phase: a figure from a busy
machine says so in the report.

Targets (issue 12): every page's p50 and p95 at most 4× the floor's (the document page 6×);
200 users: at least 90 requests a second, p95 under 500 ms, no error; 送下一步 at least 100 a
second with 4 clients on PostgreSQL and rising from 1 to 4 clients on SQLite; the ratios
holding at 1,000,000 documents; query counts constant in the number of documents.
"""

import argparse
import csv
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent

PAGE_RATIO, DOCUMENT_RATIO = 4.0, 6.0
LOAD_RPS, LOAD_P95_MS = 90, 500
SEND_ON_PG = 100


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def settle(limit: float = 1.5, longest: float = 120) -> float:
    """Wait (at most ``longest`` seconds) until the 1-minute load average is below ``limit``,
    so one phase's work (the load test's 200 users) does not weigh on the next; returns it."""
    deadline = time.monotonic() + longest
    while load_average() >= limit and time.monotonic() < deadline:
        time.sleep(5)
    return load_average()


def setup(db_path: Path | None):
    if db_path is not None and not os.environ.get("GONGWEN_PG_URL"):
        os.environ["GONGWEN_SQLITE_PATH"] = str(db_path)
    os.environ["GONGWEN_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor_settings"
    import django

    django.setup()


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- data --------------------------------------------------------------------------------

def generate_documents(count: int) -> dict:
    import random

    from django.core.management import call_command
    from django.db import connection

    from bench.generate import build_org, generate
    from search import indexing

    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    gov, senders, divisions, people = build_org(rng)

    def progress(n):
        print(f"\r已生成 {n:,} 件公文", end="", flush=True)

    start = time.perf_counter()
    generate(gov, senders, divisions, people, count, progress=progress)
    generated = time.perf_counter() - start
    print(f"\n生成用时 {generated:.0f} 秒；建立检索索引……", flush=True)
    start = time.perf_counter()
    indexing.refresh(full=True)
    indexed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"documents": count, "generation_seconds": round(generated, 1), "indexing_seconds": round(indexed, 1)}


def session_for(user) -> dict:
    from django.test import Client
    from django.utils.crypto import get_random_string

    client = Client()
    client.force_login(user)
    return {"session": client.cookies["sessionid"].value, "csrf": get_random_string(32)}


def writes_available(limit: int) -> list[tuple[int, int]]:
    """(document, task) of documents at 初审 that the gate lets through (bench/run.py's rule)."""
    from flow.models import Task, TaskStatus
    from org.models import Person

    secretary = Person.objects.get(user__username="secretary")
    return list(Task.objects.filter(assignee=secretary, status=TaskStatus.OPEN, node_kind="screen")
                .exclude(document__urgency__in=["特急", "加急", "特提"], document__sender_deadline__isnull=True)
                .order_by("pk").values_list("document_id", "pk")[:limit])


# --- the server --------------------------------------------------------------------------

class Server:
    """gunicorn as `make run` starts it (server/gunicorn_conf.py), serving the floor too."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = os.environ | {"GONGWEN_PORT": str(self.port), "GONGWEN_HOST": "127.0.0.1", "GONGWEN_DEBUG": "0",
                            "DJANGO_SETTINGS_MODULE": "bench.floor_settings"}
        self.log = tempfile.NamedTemporaryFile(prefix="gongwen-bench-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "server/gunicorn_conf.py"],
                                        cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn 未能启动，见 {self.log.name}")
            try:
                if requests.get(f"{self.url}/login/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            raise SystemExit(f"gunicorn 60 秒内未就绪，见 {self.log.name}")
        # Every worker imports the application on its first request: warm them all.
        for _ in range(30):
            requests.get(f"{self.url}/login/", timeout=10)
        self.workers = int(env.get("GONGWEN_WEB_WORKERS") or min(max(len(os.sched_getaffinity(0)) + 1, 2), 8))

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# --- pages against the floor -------------------------------------------------------------

def page_urls(people: dict) -> dict:
    """The pages measured, each as (who, URL): the busy secretary's and the clerk's."""
    from flow.models import Task, TaskStatus

    busy = people["secretary"]
    task = Task.objects.filter(assignee=busy, status=TaskStatus.OPEN).order_by("-document__received_at").first()
    return {
        "floor": ("secretary", f"/_bench/floor/{task.document_id}/"),
        "inbox": ("secretary", "/inbox/"),
        "inbox_page_10": ("secretary", "/inbox/?page=10"),
        "document": ("secretary", f"/documents/{task.document_id}/"),
        "dashboard": ("secretary", "/"),
        "registry": ("clerk", "/registry/"),
        "registry_filtered": ("clerk", "/registry/?q=%E5%AE%89%E5%85%A8&status=in_progress"),
        "search": ("clerk", "/search/?q=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7"),
    }


def query_counts(users: dict, urls: dict) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, (who, url) in urls.items():
        client = Client()
        client.force_login(users[who])
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        counts[name] = len(ctx.captured_queries) if response.status_code == 200 else f"HTTP {response.status_code}"
    return counts


def measure_pages(server: Server, sessions: dict, urls: dict, repeat: int, only=None) -> dict:
    import requests

    clients = {}
    for who, cookies in sessions.items():
        client = requests.Session()
        client.cookies.update({"sessionid": cookies["session"], "csrftoken": cookies["csrf"]})
        clients[who] = client
    names = [n for n in urls if n != "floor" and (only is None or n in only)]
    times = {n: [] for n in ["floor", *names]}
    errors = {}

    def get(name):
        who, url = urls[name]
        start = time.perf_counter()
        response = clients[who].get(server.url + url, allow_redirects=False, timeout=60)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            errors[name] = f"HTTP {response.status_code}"
        times[name].append(elapsed)

    for name in ["floor", *names]:  # warm every worker on every page
        for _ in range(server.workers * 2):
            get(name)
    for n in times:
        times[n].clear()
    for _ in range(repeat):
        for name in names:
            get("floor")
            get(name)
    floor_p50, floor_p95 = statistics.median(times["floor"]), percentile(times["floor"], 95)
    pages = {}
    for name, values in times.items():
        p50, p95 = statistics.median(values), percentile(values, 95)
        limit = DOCUMENT_RATIO if name == "document" else PAGE_RATIO
        pages[name] = {"url": urls[name][1], "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                       "p50_x_floor": round(p50 / floor_p50, 1), "p95_x_floor": round(p95 / floor_p95, 1),
                       "limit_x_floor": None if name == "floor" else limit, "samples": len(values)}
        if name != "floor":
            pages[name]["ok"] = p50 / floor_p50 <= limit and p95 / floor_p95 <= limit and name not in errors
        if name in errors:
            pages[name]["error"] = errors[name]
    return pages


# --- load --------------------------------------------------------------------------------

def reader_plan(users: dict, sessions: dict, server: Server) -> list[dict]:
    """Each person's reads, weighted, checked to answer 200 (a refused page is not a read)."""
    import requests

    from flow.models import Task

    readers = []
    for key, user in users.items():
        person = user.person
        docs = list(Task.objects.filter(assignee=person).order_by("-pk").values_list("document_id", flat=True)[:40])
        urls = [("/", "工作台", 2), ("/inbox/", "待办", 3), ("/search/?q=%E5%AE%89%E5%85%A8", "搜索", 1),
                ("/registry/", "登记簿", 1), ("/registry/?q=%E9%98%B2%E6%B1%9B", "登记簿（筛选）", 1)]
        urls += [(f"/documents/{d}/", "公文页", 1) for d in dict.fromkeys(docs)][:12]
        client = requests.Session()
        client.cookies.update({"sessionid": sessions[key]["session"], "csrftoken": sessions[key]["csrf"]})
        kept = [u for u in urls if client.get(server.url + u[0], allow_redirects=False, timeout=60).status_code == 200]
        readers.append({"person": key, "urls": kept, "session": sessions[key]["session"], "csrf": sessions[key]["csrf"]})
    return readers


def run_locust(server: Server, plan: dict, users: int, duration: int, spawn_rate: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="gongwen-locust-") as tmp:
        plan_file = Path(tmp) / "plan.json"
        plan_file.write_text(json.dumps(plan))
        prefix = str(Path(tmp) / "run")
        ramp = users / spawn_rate
        load_before = load_average()
        subprocess.run([str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                        "--host", server.url, "-u", str(users), "-r", str(spawn_rate),
                        "-t", f"{int(duration + ramp)}s", "--csv", prefix, "--only-summary",
                        "--reset-stats", "--loglevel", "WARNING", "--stop-timeout", "10"],
                       cwd=ROOT, env=os.environ | {"GONGWEN_BENCH_PLAN": str(plan_file)}, check=False,
                       stdout=subprocess.DEVNULL)
        rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
        failures = list(csv.DictReader(open(f"{prefix}_failures.csv", encoding="utf-8")))
    by_name = {}
    for row in rows:
        by_name[row["Name"]] = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                                "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
                                "requests_per_second": round(float(row["Requests/s"]), 1)}
    total = by_name.pop("Aggregated")
    result = {"users": users, "think_seconds": [1, 3], "seconds": duration, "spawn_rate": spawn_rate,
              "load_average_before": load_before, "load_average_after": load_average(), **total,
              "by_request": by_name, "failure_samples": failures[:5]}
    result["ok"] = (total["requests_per_second"] >= LOAD_RPS and total["p95_ms"] < LOAD_P95_MS
                    and total["failures"] == 0)
    return result


# --- 送下一步 throughput -----------------------------------------------------------------

def _send_on_client(db_env: dict, pairs: list, seconds: float, queue):
    os.environ.update(db_env)
    import django

    django.setup()
    from django.db import connection

    from flow import services as flow
    from org.models import Person

    secretary = Person.objects.get(user__username="secretary")
    done = refused = 0
    start = time.perf_counter()
    for _document, task_id in pairs:
        if time.perf_counter() - start >= seconds:
            break
        try:
            flow.send_on(task_id, actor=secretary, opinion="请拟办。")
            done += 1
        except Exception:  # noqa: BLE001 (counted and reported, never hidden)
            refused += 1
    queue.put((done, refused, time.perf_counter() - start))
    connection.close()


def measure_send_on(pairs: list, clients: int, seconds: float) -> dict:
    db_env = {k: v for k, v in os.environ.items() if k.startswith(("GONGWEN_", "DJANGO_"))}
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    share = len(pairs) // clients
    load_before = load_average()
    processes = [context.Process(target=_send_on_client, args=(db_env, pairs[i * share:(i + 1) * share], seconds, queue))
                 for i in range(clients)]
    for p in processes:
        p.start()
    results = [queue.get() for _ in processes]
    for p in processes:
        p.join()
    done = sum(r[0] for r in results)
    elapsed = max(r[2] for r in results)
    return {"clients": clients, "sent_on": done, "refused": sum(r[1] for r in results),
            "seconds": round(elapsed, 1), "per_second": round(done / elapsed, 1),
            "load_average_before": load_before}


# --- a million documents (PostgreSQL) ------------------------------------------------------

COPIED = [  # table, foreign keys shifted with the copy
    ("documents_document", {}),
    ("flow_process", {"document_id": "documents_document"}),
    ("flow_activation", {"process_id": "flow_process"}),
    ("flow_task", {"document_id": "documents_document", "process_id": "flow_process",
                   "activation_id": "flow_activation"}),
    ("flow_opinion", {"document_id": "documents_document", "task_id": "flow_task"}),
    ("flow_historyevent", {"document_id": "documents_document", "process_id": "flow_process",
                           "task_id": "flow_task"}),
]


# What a copy changes beyond its ids: it is an earlier, finished year of the same office, so
# the lists of open work stay the size they are and the history grows (a copy that kept its
# open tasks would give every person ten times the 待办 no office has).
FINISHED = {
    "documents_document": {"status": "CASE WHEN status = 'in_progress' THEN 'completed' ELSE status END",
                           "stage": "CASE WHEN status = 'in_progress' THEN '已办结' ELSE stage END",
                           "closed_at": "COALESCE(closed_at, received_at + interval '5 days') - {shift}",
                           "registry_year": "registry_year - {years}"},
    "flow_process": {"state": "CASE WHEN state = 'running' THEN 'completed' ELSE state END"},
    "flow_activation": {"state": "CASE WHEN state = 'open' THEN 'done' ELSE state END"},
    "flow_task": {"status": "CASE WHEN status = 'open' THEN 'done' ELSE status END",
                  "done_at": "COALESCE(done_at, created_at + interval '2 hours') - {shift}",
                  "due_pending_year": "NULL", "next_reminder_at": "NULL"},
}


def grow_to(target: int) -> dict:
    """Copy the generated documents with their histories in SQL until there are ``target``:
    copy k is the office's work k × 2 years earlier (dates shifted back, registry years and
    numbers apart), every copy finished (FINISHED)."""
    from django.db import connection, transaction

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM documents_document")
        base = cursor.fetchone()[0]
        copies = max(0, target // base - 1)
        tops = {}
        for table, _ in COPIED:
            cursor.execute(f"SELECT max(id) FROM {table}")  # noqa: S608 (our own table names)
            tops[table] = cursor.fetchone()[0] or 0
        for table, fks in COPIED:
            cursor.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
                           "ORDER BY ordinal_position", [table])
            columns = cursor.fetchall()
            for k in range(1, copies + 1):
                shift, years = f"interval '{730 * k} days'", 2 * k
                exprs = []
                for c, data_type in columns:
                    special = FINISHED.get(table, {}).get(c)
                    if c == "id":
                        exprs.append(f"id + {k * tops[table]}")
                    elif c in fks:
                        exprs.append(f"{c} + {k * tops[fks[c]]}")
                    elif special:
                        exprs.append(special.format(shift=shift, years=years))
                    elif table == "documents_document" and c == "registry_seq":
                        exprs.append(f"registry_seq + {k * base}")
                    elif data_type.startswith("timestamp") or data_type == "date":
                        exprs.append(f"{c} - {shift}")
                    else:
                        exprs.append(c)
                with transaction.atomic():
                    cursor.execute(f"INSERT INTO {table} ({', '.join(c for c, _ in columns)}) "  # noqa: S608
                                   f"SELECT {', '.join(exprs)} FROM {table} WHERE id <= {tops[table]}")
                print(f"\r复制 {table} 第 {k}/{copies} 份", end="", flush=True)
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("VACUUM ANALYZE") if connection.connection.autocommit else cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM documents_document")
        total = cursor.fetchone()[0]
    print(f"\n共 {total:,} 件，用时 {time.perf_counter() - start:.0f} 秒", flush=True)
    return {"documents": total, "seconds": round(time.perf_counter() - start, 1),
            "copies": "earlier finished years: dates 2 years apart per copy, open work left as generated"}


# --- main --------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40, help="requests per page (and as many of the floor)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load after the ramp-up")
    parser.add_argument("--spawn-rate", type=int, default=20)
    parser.add_argument("--send-on-seconds", type=float, default=15)
    parser.add_argument("--million", action="store_true", help="PostgreSQL: then grow to 1,000,000 and measure again")
    parser.add_argument("--grow-to", type=int, default=1_000_000, help="with --million: how many (a smaller trial)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["pages", "load", "send_on"])
    parser.add_argument("--db", default=str(ROOT / "var" / "bench-capacity.sqlite3"))
    parser.add_argument("--report", default=None)
    args = parser.parse_args()

    on_pg = bool(os.environ.get("GONGWEN_PG_URL"))
    db_path = None if on_pg else Path(args.db)
    if db_path is not None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    setup(db_path)
    from django.contrib.auth import get_user_model
    from django.db import connection

    vendor = connection.vendor
    report_path = Path(args.report or ROOT / "bench" / f"capacity_{vendor}_report.json")
    report = {"database": vendor, "cores": len(os.sched_getaffinity(0)), "load_average_start": load_average(),
              "targets": {"page_x_floor": PAGE_RATIO, "document_x_floor": DOCUMENT_RATIO,
                          "load_requests_per_second": LOAD_RPS, "load_p95_ms": LOAD_P95_MS,
                          "send_on_4_clients_postgresql": SEND_ON_PG}}

    def save():
        report_path.write_text(json.dumps(report, ensure_ascii=False, indent=2))

    report["data"] = generate_documents(args.documents)
    save()
    users = {u.username: u for u in get_user_model().objects.select_related("person").filter(person__isnull=False)}
    sessions = {key: session_for(user) for key, user in users.items()}
    connection.close()
    urls = page_urls({k: u.person for k, u in users.items()})
    report["queries"] = {"at": args.documents, **query_counts(users, urls)}
    connection.close()

    server = Server()
    report["server"] = {"workers": server.workers, "threads": int(os.environ.get("GONGWEN_WEB_THREADS") or 4)}
    try:
        if "pages" not in args.skip:
            print("测量页面（与基线视图交替）……", flush=True)
            settle()
            report["pages"] = {"load_average_before": load_average(),
                               **measure_pages(server, sessions, urls, args.repeat)}
            report["pages"]["load_average_after"] = load_average()
            save()
        if "load" not in args.skip:
            print(f"负载测试：{args.users} 个用户……", flush=True)
            settle()
            writes = writes_available(args.users * 40)
            share = max(1, len(writes) // args.users)
            plan = {"readers": reader_plan(users, sessions, server), "writer": sessions["secretary"],
                    "writes": [writes[i * share:(i + 1) * share] for i in range(args.users)]}
            report["load"] = run_locust(server, plan, args.users, args.duration, args.spawn_rate)
            save()
    finally:
        server.stop()
    if "send_on" not in args.skip:
        print("送下一步吞吐……", flush=True)
        pairs = writes_available(20_000)
        half = len(pairs) // 2
        report["send_on"] = []
        for clients, share in ((1, pairs[:half]), (4, pairs[half:])):
            settle()
            report["send_on"].append(measure_send_on(share, clients, args.send_on_seconds))
        save()
    if args.million and on_pg:
        report["million"] = {"grow": grow_to(args.grow_to)}
        report["million"]["queries"] = query_counts(users, urls)
        connection.close()
        server = Server()
        try:
            settle()
            report["million"]["pages"] = {
                "load_average_before": load_average(),
                **measure_pages(server, sessions, urls, args.repeat, only={"inbox", "document", "registry"})}
            report["million"]["pages"]["load_average_after"] = load_average()
        finally:
            server.stop()
    report["load_average_end"] = load_average()
    report["summary"] = summarise(report)
    save()
    print(json.dumps(report["summary"], ensure_ascii=False, indent=2))
    print(f"报告已写入 {report_path}")


def summarise(report: dict) -> dict:
    """The figures in words and one check per target (False where it fell short)."""
    summary, checks = {}, {}
    for name, page in report.get("pages", {}).items():
        if isinstance(page, dict) and "ok" in page:
            summary[f"page_{name}"] = f"p50 {page['p50_x_floor']}× p95 {page['p95_x_floor']}× (≤{page['limit_x_floor']}×)"
            checks[f"page_{name}_within_ratio"] = page["ok"]
    if "load" in report:
        load = report["load"]
        summary["load"] = (f"{load['requests_per_second']} 次/秒，p50 {load['p50_ms']} ms，p95 {load['p95_ms']} ms，"
                           f"失败 {load['failures']}（目标 ≥{LOAD_RPS} 次/秒，p95 <{LOAD_P95_MS} ms，0 失败）")
        checks["load_200_users"] = load["ok"]
    if "send_on" in report:
        one, four = report["send_on"]
        summary["send_on"] = " → ".join(f"{r['clients']} 个客户端 {r['per_second']} 次/秒" for r in report["send_on"])
        if report["database"] == "postgresql":
            checks["send_on_4_clients_100_per_second"] = four["per_second"] >= SEND_ON_PG
        else:
            checks["send_on_rises_1_to_4_clients"] = four["per_second"] > one["per_second"] * 1.1
    counts = report.get("queries", {})
    million = report.get("million", {})
    if million:
        checks["million_queries_constant"] = all(
            million["queries"].get(k) == counts.get(k) for k in ("inbox", "document", "registry"))
        for name in ("inbox", "document", "registry"):
            page = million["pages"][name]
            summary[f"million_{name}"] = f"p50 {page['p50_x_floor']}× p95 {page['p95_x_floor']}× (≤{page['limit_x_floor']}×)"
            checks[f"million_{name}_within_ratio"] = page["ok"]
    report["checks"] = checks
    report["ok"] = bool(checks) and all(checks.values())
    summary["ok"] = report["ok"]
    return summary


if __name__ == "__main__":
    main()
