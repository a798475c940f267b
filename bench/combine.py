"""Combine the bench reports into bench/report.json (``make bench`` runs it last).

    bench/pages_report.json    pages and operations at 10,000 and 100,000 documents (bench/run.py)
    bench/overdue_report.json  the reminder scan and the overdue list over 100,000 open tasks (bench/overdue.py)
    bench/stats_report.json    monthly statistics, 135 agencies, 1,000,000 finished tasks, PostgreSQL (bench/stats.py)
    bench/checks_report.json   the document checker on a twenty-page DOCX (bench/checks.py)
    bench/render_report.json   GB/T 9704 rendering of a long document to DOCX and PDF (bench/render.py)
    bench/exchange_report.json sign-for (签收) throughput at the exchange (bench/exchange.py)
    bench/search_report.json   full-text search at 1,000,000 documents, SQLite and PostgreSQL, and indexing
                               throughput (bench/search.py, run once per database; both write their half)
    bench/capacity_<db>_report.json  pages against the floor, 200 users, 送下一步 throughput, and on
                               PostgreSQL 1,000,000 documents (bench/capacity.py, once per database)

Each part keeps its own checks; ``ok`` is true only when every part ran and passed.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PARTS = {"pages": "pages_report.json", "overdue": "overdue_report.json", "stats": "stats_report.json",
         "checks": "checks_report.json", "render": "render_report.json",
         "exchange": "exchange_report.json", "search": "search_report.json",
         "capacity_sqlite": "capacity_sqlite_report.json", "capacity_postgresql": "capacity_postgresql_report.json"}


def _ok(part: dict) -> bool:
    for key in ("ok", "passed"):
        if key in part:
            return bool(part[key])
    checks = part.get("checks") or {}
    return bool(checks) and all(bool(v) for v in checks.values())


def main() -> int:
    report: dict = {"parts": {}, "missing": []}
    for name, filename in PARTS.items():
        path = ROOT / filename
        if not path.exists():
            report["missing"].append(filename)
            continue
        part = json.loads(path.read_text())
        if list(part) == [name]:  # a part written as {name: {...}}
            part = part[name]
        report["parts"][name] = {"ok": _ok(part), "report": filename, "checks": part.get("checks", {})}
    report["ok"] = not report["missing"] and all(p["ok"] for p in report["parts"].values())
    (ROOT / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    for name, part in report["parts"].items():
        print(f"  {name:8s} {'达标' if part['ok'] else '未达标'}  ({part['report']})")
    for filename in report["missing"]:
        print(f"  缺少 {filename}")
    print(f"bench/report.json：{'全部达标' if report['ok'] else '未全部达标'}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
