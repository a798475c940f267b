"""The archive part of the demo office (loaded by demo.office.load_demo after the documents).

The 市政府办's archive settings (全宗号 Z109, 门类 WS, a code for every unit), its default
retention schedule, and a few of its closed documents filed by the archivist 罗佳 (dangan)
through ``archive.services.file_item`` — so the catalogue has rows and the 待归档 list still
shows what is left, flags included. The 市委办 gets its 全宗号 (Z101) and schedule only.
Running it again adds nothing (an agency with settings is skipped).
"""

from __future__ import annotations

from archive import services
from archive.models import ArchiveSettings
from documents.models import Document, Status
from gongwen.errors import DomainError
from org.models import Unit

UNIT_CODES = {"办公室": "BGS", "秘书科": "MSK", "综合一科": "ZHYK", "综合二科": "ZHEK", "综合三科": "ZHSK",
              "督查科": "DCK", "文电科": "WDK", "综合科": "ZHK", "调研科": "DYK"}
FILED = 4


def _configure(ctx, key: str, archivist_username: str, fonds: str):
    agency = ctx.agencies.get(key)
    archivist = ctx.people.get(archivist_username)
    if agency is None or archivist is None or ArchiveSettings.objects.filter(agency=agency).exists():
        return None, None
    units = {u.pk: UNIT_CODES[u.name] for u in Unit.objects.filter(agency=agency) if u.name in UNIT_CODES}
    services.configure(actor=archivist, agency=agency, fonds_code=fonds, category_code="WS", default_unit_code="BGS",
                       unit_codes=units)
    services.schedule(agency)
    return agency, archivist


def load(ctx) -> None:
    _configure(ctx, "party", "sw_dangan", "Z101")
    agency, archivist = _configure(ctx, "gov", "dangan", "Z109")
    if agency is None:
        return
    closed = (Document.objects.filter(agency=agency, status=Status.COMPLETED, secrecy="", archive_member__isnull=True)
              .order_by("closed_at", "id"))
    filed = 0
    for document in closed:
        if filed >= FILED:
            break
        if services.not_to_file(document):
            continue
        try:
            services.file_item(actor=archivist, documents=[document])
        except DomainError:
            continue  # e.g. a file of the demo that cannot be read: leave it in 待归档
        filed += 1
