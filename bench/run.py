"""`make bench`: generate documents in bulk, measure the busy pages, write bench/report.json.

Targets (issue 2): p95 under 150 ms for the inbox, the document page and the registry
list at 100,000 documents on SQLite, and a query count that does not grow with the
number of documents (measured at 10,000 and again at 100,000).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(db_path: Path):
    os.environ["GONGWEN_SQLITE_PATH"] = str(db_path)
    os.environ.setdefault("GONGWEN_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongwen.settings")
    import django

    django.setup()


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def measure_page(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(url)
    if response.status_code != 200:
        return {"url": url, "error": f"HTTP {response.status_code}"}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return {
        "url": url,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
        "queries": len(ctx.captured_queries),
        "samples": repeat,
    }


def measure_pages(people, repeat):
    from django.test import Client

    from flow.models import Task, TaskStatus

    busy = people["secretary"]
    clerk = people["clerk"]
    busy_client, clerk_client = Client(), Client()
    busy_client.force_login(busy.user)
    clerk_client.force_login(clerk.user)
    # The document with the longest history among the busy user's open tasks.
    task = (Task.objects.filter(assignee=busy, status=TaskStatus.OPEN).order_by("-document__received_at").first())
    open_tasks = Task.objects.filter(assignee=busy, status=TaskStatus.OPEN).count()
    return {
        "busy_user_open_tasks": open_tasks,
        "inbox": measure_page(busy_client, "/inbox/", repeat),
        "inbox_page_10": measure_page(busy_client, "/inbox/?page=10", repeat),
        "document": measure_page(busy_client, f"/documents/{task.document_id}/", repeat),
        "registry": measure_page(clerk_client, "/registry/", repeat),
        "registry_filtered": measure_page(clerk_client, "/registry/?q=%E5%AE%89%E5%85%A8&status=in_progress", repeat),
        "dashboard": measure_page(busy_client, "/", repeat),
    }


def measure_operations(people, count):
    from flow import services as flow
    from flow.models import Task, TaskStatus
    from incoming.services import IncomingData, register_incoming

    clerk, secretary = people["clerk"], people["secretary"]
    start = time.perf_counter()
    for i in range(count):
        register_incoming(actor=clerk, agency=clerk.agency, data=IncomingData(
            title=f"关于基准测试登记的通知（{i}）", doc_type="通知", sender_name="示范市第1局"))
    register_rate = count / (time.perf_counter() - start)
    # Documents the 初审 gate lets through (an urgent one without a deadline is refused).
    tasks = list(Task.objects.filter(assignee=secretary, status=TaskStatus.OPEN, node_kind="screen")
                 .exclude(document__urgency__in=["特急", "加急", "特提"], document__sender_deadline__isnull=True)
                 .values_list("pk", flat=True)[:count])
    start = time.perf_counter()
    for pk in tasks:
        flow.send_on(pk, actor=secretary, opinion="请拟办。")
    send_rate = len(tasks) / (time.perf_counter() - start)
    return {"register_per_second": round(register_rate, 1), "send_on_per_second": round(send_rate, 1),
            "operations": count}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="first measurement point")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--db", default=str(ROOT / "var" / "bench.sqlite3"))
    parser.add_argument("--report", default=str(ROOT / "bench" / "pages_report.json"))
    args = parser.parse_args()

    db_path = Path(args.db)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    setup(db_path)

    import random

    from django.core.management import call_command
    from django.db import connection

    from bench.generate import build_org, generate

    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    gov, senders, divisions, people = build_org(rng)

    def progress(n):
        print(f"\r已生成 {n:,} 件公文", end="", flush=True)

    report = {"database": connection.vendor, "targets": {"p95_ms": 150}, "points": []}
    total = 0
    for target in sorted({min(args.small, args.documents), args.documents}):
        start = time.perf_counter()
        generate(gov, senders, divisions, people, target - total, start_seq=total, progress=progress)
        gen_seconds = time.perf_counter() - start
        total = target
        print(f"\n{total:,} 件：生成用时 {gen_seconds:.1f} 秒，开始测量页面……", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        point = {"documents": total, "generation_seconds": round(gen_seconds, 1),
                 "pages": measure_pages(people, args.repeat)}
        report["points"].append(point)
        for name, page in point["pages"].items():
            if isinstance(page, dict):
                print(f"  {name:18s} {page}")
    report["operations"] = measure_operations(people, 200)
    print(f"  operations         {report['operations']}")

    final = report["points"][-1]["pages"]
    first = report["points"][0]["pages"]
    checks = {}
    for name in ("inbox", "document", "registry"):
        page = final[name]
        checks[f"{name}_p95_under_150ms"] = "p95_ms" in page and page["p95_ms"] < 150
        checks[f"{name}_queries_constant"] = page.get("queries") is not None and page.get("queries") == first[name].get(
            "queries")
    report["checks"] = checks
    report["ok"] = all(checks.values())
    Path(args.report).write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"报告已写入 {args.report}：{'全部达标' if report['ok'] else '未达标：' + ', '.join(k for k, v in checks.items() if not v)}")


if __name__ == "__main__":
    main()
