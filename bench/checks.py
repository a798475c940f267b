"""Bench of the document checker (issue 4): check a twenty-page DOCX (target under 1 s).

A page of the national layout holds 22 lines of 28 characters (RULES §10), so twenty pages
are about 12,300 characters; the generated 通知 has twenty first-level sections, each with
three second-level headings and paragraphs of ordinary text, and is correct (the check
finds nothing, so every rule runs over every paragraph). Measures reading the DOCX and
running all the rules, cold and as the median of repeated runs. Figures go into the
report dict (``run``) and into bench/checks_report.json.

    .venv/bin/python bench/checks.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data" / "checks"))

TARGET_SECONDS = 1.0
PAGES = 20
CHARS_PER_PAGE = 22 * 28
REPEATS = 7
REPORT = ROOT / "bench" / "checks_report.json"
CN = "一二三四五六七八九"
SENTENCE = ("各单位要按照“平安校园”建设的总体部署，结合本地实际，认真梳理辖区内学校、幼儿园的安全隐患，"
            "逐项明确责任人和整改时限，确保2026年3月8日前完成全部整改任务，并将整改情况以书面形式报送市教育局。")


def cn(n: int) -> str:
    if n < 10:
        return CN[n - 1]
    return ("" if n < 20 else CN[n // 10 - 1]) + "十" + (CN[n % 10 - 1] if n % 10 else "")


def long_fields(pages: int = PAGES) -> dict:
    body = ["为切实做好全市校园安全工作，现将有关事项通知如下。"]
    section = 0
    while sum(len(p) for p in body) < pages * CHARS_PER_PAGE:
        section += 1
        body.append(f"{cn(section)}、第{section}项工作要求")
        for sub in range(1, 4):
            body.append(f"（{cn(sub)}）具体措施")
            body.append(SENTENCE)
    body.append("请各单位认真贯彻执行。")
    return {
        "doc_type": "通知", "title": "示范市教育局关于做好校园安全隐患排查整治工作的通知",
        "main_to": "各区教育局，市属各学校：", "copy_to": "市人民政府办公室。", "number": "示教发〔2026〕15号",
        "date": "2026年3月1日", "direction": "down", "attachment_note": ["附件：1.隐患排查表", "2.整改台账"],
        "body": body,
    }


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongwen.settings")
    import django

    django.setup()


def run(report: dict) -> None:
    """Add the checker figures to ``report["checks"]``."""
    setup()
    from make_docx import build_docx

    from drafting.checks import check_docx

    fields = long_fields()
    data = build_docx(fields)
    chars = sum(len(p) for p in fields["body"])
    started = time.perf_counter()
    findings = check_docx(data)
    cold = time.perf_counter() - started
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        check_docx(data)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    report["checks"] = {
        "pages": PAGES, "paragraphs": len(fields["body"]), "body_characters": chars, "docx_bytes": len(data),
        "findings": len(findings), "cold_seconds": round(cold, 4), "median_seconds": round(median, 4),
        "max_seconds": round(max(times), 4), "target_seconds": TARGET_SECONDS,
        "passed": max(cold, median) < TARGET_SECONDS and not findings,
    }


def main() -> None:
    report: dict = {}
    run(report)
    REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if not report["checks"]["passed"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
