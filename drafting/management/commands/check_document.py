"""``manage.py check_document FILE.docx``: the document checker (格式关, 文字关) on a DOCX.

Prints each finding in Chinese (severity, place, message, suggested fix); exits with 1
when a must-fix finding exists, else 0.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drafting.checks import MUST, check_docx
from gongwen.errors import DomainError


class Command(BaseCommand):
    help = "检查 DOCX 公文的格式与文字（格式关、文字关）；有必须修改的问题时退出码为 1。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="DOCX 文件路径")
        parser.add_argument("--doc-type", default="", help="文种（默认按标题判断），如 请示")
        parser.add_argument("--direction", default="", choices=["", "up", "down", "parallel"],
                            help="行文方向：up 上行文 / down 下行文 / parallel 平行文")
        parser.add_argument("--subordinate", action="append", default=[], help="下级机关名称（可重复）")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            findings = check_docx(path.read_bytes(), options["subordinate"], doc_type=options["doc_type"],
                                  direction=options["direction"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if not findings:
            self.stdout.write(f"{path.name}：未发现问题。")
            return
        must = sum(f.severity == MUST for f in findings)
        for finding in findings:
            self.stdout.write(str(finding))
        self.stdout.write(f"{path.name}：共 {len(findings)} 处问题，其中必须修改 {must} 处。")
        if must:
            sys.exit(1)
