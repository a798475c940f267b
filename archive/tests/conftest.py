"""The archive's test office: the 市政府办 with an archivist, its 全宗号 and unit codes, and
closed documents with PDF bodies (built through the models, like tests/office.py)."""

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

import pytest
from django.utils import timezone
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from archive.models import ArchiveSettings, UnitCode
from documents import storage
from documents.models import Direction, Document, DocumentFile, FileVersion, Status
from flow.models import NodeKind, Opinion
from tests.factories import person


def pdf_bytes(pages: int, text: str = "正文") -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = BytesIO()
    pen = canvas.Canvas(out, pagesize=(595.28, 841.89))
    for n in range(pages):
        pen.setFont("STSong-Light", 16)
        pen.drawString(80, 600, f"{text}第{n + 1}页")
        pen.showPage()
    pen.save()
    return out.getvalue()


def add_file(document, uploader, data: bytes, role=DocumentFile.Role.BODY, name="正文.pdf",
             content_type="application/pdf"):
    sha, rel = storage.store(data)
    f = DocumentFile.objects.create(document=document, role=role, name=name)
    return FileVersion.objects.create(file=f, number=1, original_name=name, content_type=content_type, size=len(data),
                                      sha256=sha, storage_path=rel, uploaded_by=uploader)


@dataclass
class Arch:
    o: object
    archivist: object

    def doc(self, title="关于做好防汛工作的通知", *, pages=2, status=Status.COMPLETED, direction=Direction.INCOMING,
            year=2026, secrecy="", **kw):
        o = self.o
        fields = {"agency": o.gov, "direction": direction, "doc_type": kw.pop("doc_type", "通知"), "title": title,
                  "sender": o.dept, "doc_number": kw.pop("doc_number", f"示交〔{year}〕{Document.objects.count() + 1}号"),
                  "received_at": timezone.make_aware(datetime(year, 3, 8, 9, 0)), "status": status,
                  "secrecy": secrecy, "lead_unit": o.div_a, "main_recipients": o.gov.name,
                  "closed_at": timezone.make_aware(datetime(year, 3, 20, 16, 0)) if status != Status.IN_PROGRESS
                  else None}
        fields.update(kw)
        d = Document.objects.create(**fields)
        if pages and not secrecy:
            add_file(d, o.clerk, pdf_bytes(pages, title[:6]))
        Opinion.objects.create(document=d, author=o.leader_a, node_kind=NodeKind.INSTRUCT, node_name="领导批示",
                               text="请综合一处抓紧办理。")
        return d


@pytest.fixture
def arch(office):
    archivist = person(office.gov, "罗佳", "archivist_t", "archivist", unit=office.office_unit)
    ArchiveSettings.objects.create(agency=office.gov, fonds_code="Z109", category_code="WS", default_unit_code="BGS")
    UnitCode.objects.create(agency=office.gov, unit=office.office_unit, code="BGS")
    UnitCode.objects.create(agency=office.gov, unit=office.div_a, code="ZHY")
    return Arch(office, archivist)


__all__ = ["arch", "pdf_bytes", "add_file", "date"]
