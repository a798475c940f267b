"""Bench of the monthly statistics (issue 3): a 135-agency deployment with one million
finished tasks on PostgreSQL. Measures computing one month for every agency (and for one
agency, as the page does for a stale month under way), computing a whole year, and
reading the dashboard and the API for an agency and for the whole deployment from the
precomputed rows. Target: under 5 s.

    bash scripts/with_postgres.sh .venv/bin/python bench/stats.py [--tasks 1000000]

Rows are written with COPY (not through the services: a million tasks through the
engine would take hours); their shape is what the engine writes: per document a process,
one activation per node passed, and a task per activation at 签收, 登记, 领导批示, 承办 and
办结, with due times (8 working hours to sign for; the document's own due time) and some
finished late. Figures go into the report dict (``run``) and into bench/stats_report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AGENCIES = 135
UNITS = 10  # divisions per agency, besides the office
LEADERS = 4  # 1 principal + 3 in charge
TASKS_PER_DOC = 5
YEAR = 2025
MONTH = 6
TARGET_SECONDS = 5.0
REPORT = ROOT / "bench" / "stats_report.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MARKER = "基准市人民政府办公室"


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongwen.settings")
    os.environ.setdefault("GONGWEN_DEBUG", "0")
    import django

    django.setup()


# --- bulk writing -------------------------------------------------------------------------------


def _defaults(model, columns):
    """Values for the NOT NULL columns the generator does not set (the model's defaults)."""
    from django.db import models as m

    extra, values = [], []
    for f in model._meta.concrete_fields:
        if f.attname in columns or f.primary_key:
            continue
        value = f.get_default()
        if isinstance(f, m.JSONField):
            value = json.dumps(value if value is not None else [])
        extra.append(f.column)
        values.append(value)
    return extra, tuple(values)


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY rows into the model's table; columns are attnames (``id`` included)."""
    from django.db import connection

    extra, defaults = _defaults(model, set(columns))
    names = ", ".join(connection.ops.quote_name(c) for c in [*columns, *extra])
    n = 0
    with connection.cursor() as cursor, cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *defaults))
            n += 1
    return n


def reset_sequences(*models) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                           f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))")


# --- the deployment -------------------------------------------------------------------------------


def build_org(rng):
    """135 agencies (the city government office first), 11 units each, a clerk, an office
    director, four leaders, and a head per division."""
    from django.contrib.auth import get_user_model

    from org.models import Agency, AgencyKind, Person, Post, PostKind, Unit

    User = get_user_model()
    agencies = [Agency(name=MARKER, short_name="市政府办", code="基府办", kind=AgencyKind.GOVERNMENT, sort_order=0)]
    agencies += [Agency(name=f"基准市第{i}局", short_name=f"第{i}局", code=f"基{i}", kind=AgencyKind.DEPARTMENT,
                        sort_order=i) for i in range(1, AGENCIES)]
    Agency.objects.bulk_create(agencies)
    agencies = list(Agency.objects.filter(name__in=[a.name for a in agencies]).order_by("sort_order"))
    units = []
    for a in agencies:
        units.append(Unit(agency=a, name="办公室", is_office=True, sort_order=0))
        units += [Unit(agency=a, name=f"第{j}处", sort_order=j) for j in range(1, UNITS + 1)]
    Unit.objects.bulk_create(units)
    by_agency: dict[int, list] = {}
    for u in Unit.objects.filter(agency__in=agencies).order_by("agency_id", "sort_order"):
        by_agency.setdefault(u.agency_id, []).append(u)

    specs = []  # (username, agency, unit, post kind, in_charge units)
    for i, a in enumerate(agencies):
        office, *divisions = by_agency[a.pk]
        specs.append((f"b{i}_clerk", a, office, PostKind.CLERK, ()))
        specs.append((f"b{i}_director", a, office, PostKind.OFFICE_DIRECTOR, ()))
        specs.append((f"b{i}_principal", a, None, PostKind.PRINCIPAL_LEADER, ()))
        for k in range(LEADERS - 1):
            specs.append((f"b{i}_leader{k}", a, None, PostKind.LEADER_IN_CHARGE, divisions[k::LEADERS - 1]))
        for j, unit in enumerate(divisions):
            specs.append((f"b{i}_head{j}", a, unit, PostKind.DIVISION_HEAD, ()))
    User.objects.bulk_create([User(username=s[0], password="!") for s in specs])
    users = dict(User.objects.filter(username__in=[s[0] for s in specs]).values_list("username", "id"))
    Person.objects.bulk_create([Person(user_id=users[s[0]], name=s[0], agency=s[1], unit=s[2], sort_order=n)
                                for n, s in enumerate(specs)])
    persons = dict(Person.objects.filter(user__username__in=users).values_list("user__username", "id"))
    Post.objects.bulk_create([Post(person_id=persons[s[0]], kind=s[3], agency=s[1],
                                   unit=s[2] if s[3] in (PostKind.DIVISION_HEAD, PostKind.CLERK) else None)
                              for s in specs])
    Through = Post.units_in_charge.through
    posts = dict(Post.objects.filter(kind=PostKind.LEADER_IN_CHARGE, person_id__in=persons.values())
                 .values_list("person_id", "id"))
    Through.objects.bulk_create([Through(post_id=posts[persons[s[0]]], unit_id=u.pk)
                                 for s in specs if s[4] for u in s[4]])
    org = []
    for i, a in enumerate(agencies):
        office, *divisions = by_agency[a.pk]
        org.append({
            "agency": a.pk, "office": office.pk, "clerk": persons[f"b{i}_clerk"],
            "director": persons[f"b{i}_director"],
            "leaders": [persons[f"b{i}_principal"], *[persons[f"b{i}_leader{k}"] for k in range(LEADERS - 1)]],
            "units": [(u.pk, persons[f"b{i}_head{j}"]) for j, u in enumerate(divisions)],
        })
    return org


def generate(org, finished_tasks: int, rng, progress=None) -> dict:
    """Documents over the year, five tasks each; about one in fifty still open somewhere."""
    from django.db import connection

    from documents.models import Document
    from flow.models import Activation, Process, Task

    start = datetime(YEAR, 1, 2, 8, 30, tzinfo=SHANGHAI)
    span = (datetime(YEAR, 12, 28, tzinfo=SHANGHAI) - start).total_seconds()
    h = timedelta(hours=1)
    doc_rows, proc_rows, act_rows, task_rows = [], [], [], []
    counts = {"documents": 0, "tasks": 0, "finished_tasks": 0, "open_tasks": 0}
    task_id = 0

    def flush():
        with connection.cursor():
            copy_rows(Document, ["id", "agency_id", "direction", "slip_kind", "doc_type", "title", "urgency",
                                 "received_at", "due_at", "original_due_at", "status", "lead_unit_id", "closed_at",
                                 "created_at", "updated_at"], doc_rows)
            copy_rows(Process, ["id", "document_id", "nodes", "state", "started_at", "completed_at"], proc_rows)
            copy_rows(Activation, ["id", "process_id", "node_key", "node_kind", "node_name", "seq", "mode", "state",
                                   "created_at", "completed_at"], act_rows)
            copy_rows(Task, ["id", "activation_id", "process_id", "document_id", "node_kind", "node_name", "role",
                             "assignee_id", "assignee_unit_id", "status", "created_at", "done_at", "due_at",
                             "original_due_at"], task_rows)
        doc_rows.clear(), proc_rows.clear(), act_rows.clear(), task_rows.clear()

    nodes = [("sign_for", "签收"), ("register", "登记"), ("instruct", "领导批示"), ("handle", "承办"),
             ("complete", "办结")]
    d = 0
    while counts["finished_tasks"] < finished_tasks:
        d += 1
        o = org[rng.randrange(len(org))]
        received = start + timedelta(seconds=rng.random() * span)
        unit, head = o["units"][rng.randrange(len(o["units"]))]
        leader = o["leaders"][rng.randrange(len(o["leaders"]))]
        due = received + timedelta(days=rng.choice((3, 5, 7, 10)))
        extended = due + timedelta(days=3) if rng.random() < 0.05 else due
        # Who holds each step, and how long: some steps take long enough to be late.
        holders = [(o["clerk"], o["office"]), (o["clerk"], o["office"]), (leader, None), (head, unit),
                   (o["clerk"], o["office"])]
        durations = [rng.expovariate(1 / 6) * h, timedelta(minutes=5), rng.expovariate(1 / 20) * h,
                     rng.expovariate(1 / 60) * h, timedelta(minutes=30)]
        stop = rng.randrange(5) if rng.random() < 0.02 else None  # still open at that step
        t = received
        closed = None
        for k, ((key, name), (who, where), took) in enumerate(zip(nodes, holders, durations, strict=True)):
            task_id += 1
            created, done = t, t + took
            is_open = stop == k
            task_due = created + 8 * h if key == "sign_for" else extended
            task_original = created + 8 * h if key == "sign_for" else due
            act_rows.append((task_id, d, key, key, name, k + 1, "single", "open" if is_open else "done",
                             created, None if is_open else done))
            task_rows.append((task_id, task_id, d, d, key, name, "main", who, where, "open" if is_open else "done",
                              created, None if is_open else done, task_due, task_original))
            counts["tasks"] += 1
            counts["open_tasks" if is_open else "finished_tasks"] += 1
            if is_open:
                break
            t = done
        else:
            closed = t
        doc_rows.append((d, o["agency"], "incoming", "intake", "通知", f"关于基准测试第{d}件的通知", "",
                         received, extended, due, "in_progress" if closed is None else "completed", unit, closed,
                         received, closed or received))
        proc_rows.append((d, d, "[]", "running" if closed is None else "completed", received, closed))
        counts["documents"] += 1
        if len(task_rows) >= 50_000:
            flush()
            if progress:
                progress(counts["finished_tasks"])
    flush()
    reset_sequences(Document, Process, Activation, Task)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


# --- measuring ------------------------------------------------------------------------------------------


def timed(fn, repeat=1) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def measure_page(client, url, repeat=10) -> dict:
    client.get(url)  # warm
    times = []
    status = None
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t)
        status = response.status_code
    return {"url": url, "status": status, "median_ms": round(statistics.median(times) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1)}


def measure(org, report: dict) -> None:
    from django.test import Client

    from org.models import Agency, Person
    from stats import services
    from stats.models import AgencyMonthStat

    figures = report["figures"] = {}
    agency = Agency.objects.get(pk=org[1]["agency"])
    # One month, every agency (the nightly job, or a stale month for the whole deployment).
    runs = [services.compute_month(YEAR, MONTH) for _ in range(2)]
    figures["compute_month_all_agencies_s"] = round(min(r.seconds for r in runs), 2)
    figures["compute_month_all_agencies_steps_s"] = runs[-1].timings
    # One month, one agency (what the page does for a stale month under way).
    runs = [services.compute_month(YEAR, MONTH, agency) for _ in range(2)]
    figures["compute_month_one_agency_s"] = round(min(r.seconds for r in runs), 2)
    # The whole year, every agency (a first backfill).
    t = time.perf_counter()
    for month in range(1, 13):
        services.compute_month(YEAR, month)
    figures["compute_year_all_agencies_s"] = round(time.perf_counter() - t, 2)
    row = AgencyMonthStat.objects.get(agency=agency, year=YEAR, month=MONTH)
    figures["sample_agency_month"] = {"agency": agency.name, "received": row.received, "finished": row.finished,
                                      "late_extended": row.late_extended, "overdue_end": row.overdue_end,
                                      "minutes_median": row.minutes_median, "sign_for_signed_late":
                                          row.sign_for_signed_late}
    figures["finished_tasks_in_month"] = sum(AgencyMonthStat.objects.filter(year=YEAR, month=MONTH)
                                             .values_list("finished", flat=True))

    # Reading the dashboard from the precomputed rows (the month is over: nothing recomputed).
    director = Person.objects.get(pk=org[1]["director"])
    city = Person.objects.get(pk=org[0]["director"])
    client = Client()
    client.force_login(director.user)
    q = f"year={YEAR}&month={MONTH}"
    pages = report["pages"] = {
        "dashboard_agency": measure_page(client, f"/stats/?{q}"),
        "api_agency": measure_page(client, f"/api/v1/stats/monthly?{q}"),
        "export_agency": measure_page(client, f"/stats/export.xlsx?{q}", repeat=3),
    }
    client.force_login(city.user)
    pages["dashboard_deployment"] = measure_page(client, f"/stats/?{q}&agency=all")
    pages["api_deployment"] = measure_page(client, f"/api/v1/stats/monthly?{q}&agency=all")
    pages["export_deployment"] = measure_page(client, f"/stats/export.xlsx?{q}&agency=all", repeat=3)


def run(report: dict, tasks: int = 1_000_000, seed: int = 2026) -> None:
    """Add the statistics figures to ``report["stats"]`` (needs PostgreSQL)."""
    setup()
    from django.core.management import call_command
    from django.db import connection

    from org.models import Agency

    out = report["stats"] = {"database": connection.vendor, "target_seconds": TARGET_SECONDS}
    if connection.vendor != "postgresql":
        out["skipped"] = "需要 PostgreSQL：bash scripts/with_postgres.sh .venv/bin/python bench/stats.py"
        out["ok"] = None
        return
    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    if Agency.objects.filter(name=MARKER).exists():
        raise SystemExit("数据库中已有基准数据，请使用新建的数据库（scripts/with_postgres.sh 每次新建）。")
    t = time.perf_counter()
    org = build_org(rng)

    def progress(n):
        print(f"\r已写入 {n:,} 条已办结待办", end="", flush=True)

    out["generated"] = generate(org, tasks, rng, progress)
    out["generated"]["agencies"] = len(org)
    out["generation_seconds"] = round(time.perf_counter() - t, 1)
    print(f"\n生成用时 {out['generation_seconds']} 秒，开始测量……", flush=True)
    measure(org, out)
    pages = out["pages"]
    checks = {
        "dashboard_agency_under_5s": pages["dashboard_agency"]["status"] == 200
        and pages["dashboard_agency"]["max_ms"] < TARGET_SECONDS * 1000,
        "dashboard_deployment_under_5s": pages["dashboard_deployment"]["status"] == 200
        and pages["dashboard_deployment"]["max_ms"] < TARGET_SECONDS * 1000,
        "api_under_5s": all(pages[k]["status"] == 200 and pages[k]["max_ms"] < TARGET_SECONDS * 1000
                            for k in ("api_agency", "api_deployment")),
        "compute_month_all_agencies_under_5s": out["figures"]["compute_month_all_agencies_s"] < TARGET_SECONDS,
        "compute_month_one_agency_under_5s": out["figures"]["compute_month_one_agency_s"] < TARGET_SECONDS,
    }
    out["checks"] = checks
    out["ok"] = all(checks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1_000_000, help="已办结待办条数")
    parser.add_argument("--report", default=str(REPORT))
    args = parser.parse_args()
    if not os.environ.get("GONGWEN_PG_URL"):
        raise SystemExit("请在 PostgreSQL 上运行：bash scripts/with_postgres.sh .venv/bin/python bench/stats.py")
    report: dict = {}
    run(report, tasks=args.tasks)
    Path(args.report).write_text(json.dumps(report["stats"], ensure_ascii=False, indent=2, default=str))
    print(json.dumps(report["stats"], ensure_ascii=False, indent=2, default=str))
    print(f"报告已写入 {args.report}")


if __name__ == "__main__":
    main()
