"""Bench of the reminder scan and the overdue list (issue 3): 100,000 open tasks.

    .venv/bin/python bench/overdue.py [--tasks 100000] [--db var/bench_overdue.sqlite3]

Measures, on a throwaway SQLite database (or on the database Django is already set up
with, when ``run`` is called from bench/run.py):
  (a) the overdue and approaching list of each agency's office: the counts (one pass)
      and the first page (50 rows with their lateness in working hours), as the page and
      the API do;
  (b) one scan in the steady state (nothing new has come due);
  (c) a scan right after 1,000 tasks have come due (their 到期提醒 and the unit heads'
      逾期督促 written, one transaction per task), then a second scan that writes nothing;
and records the query plans (SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN``) to show
that the scan's selection walks the index ``task_reminder_scan`` (status,
next_reminder_at) and the list ``task_overdue`` (status, due_at) — never all open tasks.
Target: the scan's selection under 1 s (and the steady-state scan with it).

Rows are written with bulk_create (a service call per task would take hours); their shape
is what the engine writes: per document a process, an activation and an open task with
its due time and the instant of its next reminder check.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 1.0
AGENCIES = 4
DIVISIONS = 10
JUST_DUE = 1000
MARKER = "催办基准市"
REPORT = ROOT / "bench" / "overdue_report.json"


def setup(db_path: Path | None) -> None:
    """Django on a fresh SQLite file, unless it is set up already (bench/run.py)."""
    from django.conf import settings

    if settings.configured and "django.contrib.auth" in getattr(settings, "INSTALLED_APPS", ()):
        try:
            from django.apps import apps

            if apps.ready:
                return
        except Exception:  # noqa: BLE001, S110 (not set up yet: go on)
            pass
    if db_path is not None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.environ["GONGWEN_SQLITE_PATH"] = str(db_path)
    os.environ.setdefault("GONGWEN_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongwen.settings")
    import django

    django.setup()


# --- data ------------------------------------------------------------------------------------------


def build_org(rng: random.Random) -> list[dict]:
    """Agencies with an office (clerk, director), divisions (head, two handlers) and a
    leader in charge of every division."""
    from django.contrib.auth import get_user_model

    from org.models import Agency, AgencyKind, Person, Post, PostKind, Unit

    User = get_user_model()
    orgs = []
    for a in range(AGENCIES):
        agency = Agency.objects.create(name=f"{MARKER}第{a + 1}机关", short_name=f"基准{a + 1}", code=f"基{a + 1}",
                                       kind=AgencyKind.DEPARTMENT)
        office = Unit.objects.create(agency=agency, name="办公室", is_office=True)
        divisions = [Unit.objects.create(agency=agency, name=f"第{i + 1}处") for i in range(DIVISIONS)]

        def person(key, unit, kind, in_charge=(), agency=agency):
            user = User(username=f"od{agency.pk}_{key}")
            user.set_unusable_password()
            user.save()
            p = Person.objects.create(user=user, name=f"{key}{agency.pk}", agency=agency, unit=unit)
            post = Post.objects.create(person=p, kind=kind, agency=agency,
                                       unit=unit if kind in (PostKind.DIVISION_HEAD, PostKind.HANDLER) else None)
            if in_charge:
                post.units_in_charge.set(in_charge)
            return p

        people = {"clerk": person("文书", office, PostKind.CLERK),
                  "director": person("主任", office, PostKind.OFFICE_DIRECTOR),
                  "leader": person("副职", None, PostKind.LEADER_IN_CHARGE, in_charge=divisions)}
        holders = []
        for i, unit in enumerate(divisions):
            person(f"处长{i}", unit, PostKind.DIVISION_HEAD)
            holders += [(person(f"科员{i}a", unit, PostKind.HANDLER), unit),
                        (person(f"科员{i}b", unit, PostKind.HANDLER), unit)]
        orgs.append({"agency": agency, "people": people, "holders": holders})
    return orgs


def generate(orgs: list[dict], tasks: int, rng: random.Random, now, chunk: int = 5000, progress=None) -> int:
    """``tasks`` open 承办 tasks, due from 15 days ago to 45 days ahead (a quarter of them
    overdue: a bad month); the next reminder check lies ahead (the steady state: the
    worker has kept up)."""
    from django.db import transaction

    from documents.models import Direction, Document, SlipKind, Status
    from flow.models import Activation, Mode, Process, ProcessTemplate, Task, TaskRole, TaskStatus

    template = ProcessTemplate.objects.get(agency__isnull=True, direction=Direction.INCOMING, slip_kind=SlipKind.INTAKE)
    nodes = template.snapshot()
    handle = next(n for n in nodes if n["key"] == "handle")
    made, seq = 0, 0
    while made < tasks:
        n = min(chunk, tasks - made)
        with transaction.atomic():
            docs, plans = [], []
            for _ in range(n):
                seq += 1
                org = orgs[seq % len(orgs)]
                received = now - timedelta(minutes=rng.randint(60, 60 * 24 * 60))
                due = now + timedelta(minutes=rng.randint(-60 * 24 * 15, 60 * 24 * 45))
                docs.append(Document(
                    agency=org["agency"], direction=Direction.INCOMING, slip_kind=SlipKind.INTAKE, doc_type="通知",
                    title=f"关于做好基准测试工作的通知（第{seq}件）", sender_name="示范省人民政府办公厅",
                    registry_year=received.year, registry_seq=seq, received_at=received, status=Status.IN_PROGRESS,
                    registered_by=org["people"]["clerk"], registered_at=received, created_at=received,
                    updated_at=received, sender_deadline=due, due_at=due, original_due_at=due, stage="承办"))
                plans.append((org, rng.choice(org["holders"]), received, due))
            Document.objects.bulk_create(docs)
            processes = Process.objects.bulk_create([
                Process(document=d, template=template, nodes=nodes, started_at=d.received_at) for d in docs])
            acts = Activation.objects.bulk_create([
                Activation(process=p, node_key="handle", node_kind=handle["kind"], node_name=handle["name"], seq=1,
                           mode=Mode.SINGLE, created_at=d.received_at) for d, p in zip(docs, processes, strict=True)])
            rows = []
            for d, p, a, (org, (holder, unit), received, due) in zip(docs, processes, acts, plans, strict=True):
                # Ahead: the due time itself, or (past it) the leader escalation in two days;
                # some long overdue tasks have had every stage already.
                nxt = due if due > now else (due + timedelta(days=2) if due + timedelta(days=2) > now else None)
                rows.append(Task(activation=a, process=p, document=d, node_kind=handle["kind"],
                                 node_name=handle["name"], role=TaskRole.MAIN, assignee=holder, assignee_unit=unit,
                                 sent_by=org["people"]["clerk"], status=TaskStatus.OPEN, created_at=received,
                                 due_at=due, original_due_at=due, next_reminder_at=nxt))
            Task.objects.bulk_create(rows)
        made += n
        if progress:
            progress(made)
    return made


# --- measuring ---------------------------------------------------------------------------------------


def _timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _plan(qs) -> str:
    try:
        return qs.explain()
    except Exception as exc:  # noqa: BLE001 (a backend without EXPLAIN: say so in the report)
        return f"（无法取得执行计划：{exc}）"


def measure(orgs: list[dict], now, out: dict) -> None:
    from deadlines import overdue, reminders
    from deadlines.models import Reminder, ReminderKind
    from flow.models import Task, TaskStatus

    # (a) the overdue list of each agency: count + first page, with lateness.
    per_agency = []
    for org in orgs:
        director = org["people"]["director"]

        def page(director=director):
            counts = overdue.overdue_counts(director, now)
            qs = overdue.overdue_tasks(director, now)
            return counts["overdue"] + counts["approaching"], overdue.annotate(qs[:50], director.agency, now)

        seconds, (count, rows) = _timed(page)
        per_agency.append({"agency": org["agency"].short_name, "rows": count, "first_page": len(rows),
                           "seconds": round(seconds, 4)})
    list_plan = _plan(overdue.overdue_tasks(orgs[0]["people"]["director"], now)[:50])
    out["overdue_list"] = {"per_agency": per_agency, "max_seconds": max(a["seconds"] for a in per_agency),
                           "plan": list_plan}
    print(f"  (a) 逾期与临期清单（每机关计数+首页）：最长 {out['overdue_list']['max_seconds']:.3f} 秒")

    # (b) the steady state: nothing new has come due.
    selection_seconds, rows = _timed(lambda: list(reminders.scan_selection(now)[:reminders.BATCH]))
    scan_seconds, sent = _timed(lambda: reminders.scan(now), repeat=3)
    plan = _plan(reminders.scan_selection(now)[:reminders.BATCH])
    out["steady"] = {"selected": len(rows), "selection_seconds": round(selection_seconds, 4),
                     "scan_seconds": round(scan_seconds, 4), "sent": sent, "plan": plan}
    print(f"  (b) 平稳状态扫描：选中 {len(rows)} 件，选取 {selection_seconds:.4f} 秒，整次扫描 {scan_seconds:.4f} 秒")

    # (c) 1,000 tasks have just come due.
    ids = list(Task.objects.filter(status=TaskStatus.OPEN, due_at__gt=now + timedelta(days=5))
               .order_by("id").values_list("id", flat=True)[:JUST_DUE])
    just = now - timedelta(minutes=1)
    Task.objects.filter(pk__in=ids).update(due_at=just, next_reminder_at=just)
    selection_seconds, rows = _timed(lambda: list(reminders.scan_selection(now)))
    before = Reminder.objects.count()
    start = time.perf_counter()
    sent = reminders.scan(now)
    scan_seconds = time.perf_counter() - start
    start = time.perf_counter()
    again = reminders.scan(now)
    again_seconds = time.perf_counter() - start
    kinds = dict.fromkeys(ReminderKind.values, 0)
    for kind in Reminder.objects.values_list("kind", flat=True)[before:]:
        kinds[kind] += 1
    out["just_due"] = {
        "tasks": len(ids), "selected": len(rows), "selection_seconds": round(selection_seconds, 4),
        "scan_seconds": round(scan_seconds, 2), "per_task_ms": round(scan_seconds * 1000 / max(len(ids), 1), 2),
        "reminders_written": sent, "by_kind": {k: v for k, v in kinds.items() if v},
        "second_scan_written": again, "second_scan_seconds": round(again_seconds, 4),
        "plan": _plan(reminders.scan_selection(now)[:reminders.BATCH]),
    }
    print(f"  (c) 1,000件刚到期：选取 {selection_seconds:.4f} 秒；扫描 {scan_seconds:.2f} 秒，写入 {sent} 条催办；"
          f"再扫描写入 {again} 条，用时 {again_seconds:.4f} 秒")


def _uses(plan: str, index: str) -> bool:
    return index in plan


def run(report: dict, tasks: int = 100_000, seed: int = 2026, db_path: Path | None = None) -> None:
    """Add the reminder-scan figures to ``report["overdue"]`` with a pass/fail check."""
    setup(db_path if db_path is not None else ROOT / "var" / "bench_overdue.sqlite3")
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from org.models import Agency

    out = report["overdue"] = {"database": connection.vendor, "target_seconds": TARGET_SECONDS}
    call_command("migrate", verbosity=0)
    if Agency.objects.filter(name__startswith=MARKER).exists():
        raise SystemExit("数据库中已有催办基准数据，请使用新建的数据库。")
    rng = random.Random(seed)
    now = timezone.now()
    t = time.perf_counter()
    orgs = build_org(rng)

    def progress(n):
        print(f"\r已生成 {n:,} 件在办待办", end="", flush=True)

    out["open_tasks"] = generate(orgs, tasks, rng, now, progress=progress)
    out["agencies"] = len(orgs)
    out["generation_seconds"] = round(time.perf_counter() - t, 1)
    print(f"\n生成用时 {out['generation_seconds']} 秒，开始测量……", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    measure(orgs, now, out)
    checks = {
        "scan_selection_uses_index": _uses(out["steady"]["plan"], "task_reminder_scan")
        and _uses(out["just_due"]["plan"], "task_reminder_scan"),
        "steady_selection_under_1s": out["steady"]["selection_seconds"] < TARGET_SECONDS,
        "steady_scan_under_1s": out["steady"]["scan_seconds"] < TARGET_SECONDS,
        "just_due_selection_under_1s": out["just_due"]["selection_seconds"] < TARGET_SECONDS,
        "overdue_list_under_1s": out["overdue_list"]["max_seconds"] < TARGET_SECONDS,
        "just_due_each_reminded_once": out["just_due"]["by_kind"].get("due", 0) == out["just_due"]["tasks"]
        and out["just_due"]["second_scan_written"] == 0,
    }
    out["checks"] = checks
    out["ok"] = all(checks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--db", default=str(ROOT / "var" / "bench_overdue.sqlite3"))
    parser.add_argument("--report", default=str(REPORT))
    args = parser.parse_args()
    report: dict = {}
    run(report, tasks=args.tasks, db_path=Path(args.db))
    Path(args.report).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    out = report["overdue"]
    failed = [k for k, v in out["checks"].items() if not v]
    print("执行计划（扫描选取）：\n" + out["steady"]["plan"])
    print("执行计划（逾期清单）：\n" + out["overdue_list"]["plan"])
    print(f"报告已写入 {args.report}：{'全部达标' if out['ok'] else '未达标：' + '、'.join(failed)}")


if __name__ == "__main__":
    main()
