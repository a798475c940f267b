import io
import re

import pdfplumber
import pytest

from archive import pdf, services
from archive.models import ArchiveItem, ItemCounter, ItemDocument, Retention
from documents import storage
from documents.models import Direction, SlipKind, Status
from tests.helpers import diff, refused, snapshot

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^Z109-WS·(\d{4})-(Y|D30|D10)-([A-Z0-9]+)-(\d{4})$")


def test_archive_code_format_and_consecutive_numbers_per_partition(arch):
    a = [services.file_item(actor=arch.archivist, documents=[arch.doc(f"通知{i}")], retention="D30") for i in range(3)]
    assert [i.archive_code for i in a] == ["Z109-WS·2026-D30-ZHY-0001", "Z109-WS·2026-D30-ZHY-0002",
                                           "Z109-WS·2026-D30-ZHY-0003"]
    # another retention, another unit and another year are partitions of their own
    y = services.file_item(actor=arch.archivist, documents=[arch.doc("决定")], retention="Y")
    b = services.file_item(actor=arch.archivist, documents=[arch.doc("报告")], retention="D30",
                           unit=arch.o.office_unit)
    old = services.file_item(actor=arch.archivist, documents=[arch.doc("旧件", year=2025)], retention="D30")
    assert y.archive_code == "Z109-WS·2026-Y-ZHY-0001"
    assert b.archive_code == "Z109-WS·2026-D30-BGS-0001"
    assert old.archive_code == "Z109-WS·2025-D30-ZHY-0001"
    for item in ArchiveItem.objects.all():
        assert CODE.match(item.archive_code), item.archive_code
    assert ItemCounter.objects.get(year=2026, retention="D30", unit_code="ZHY").last == 3


def test_retention_defaults_from_the_schedule(arch):
    item = services.file_item(actor=arch.archivist, documents=[arch.doc("关于印发某某管理办法的通知")])
    assert item.retention == Retention.PERMANENT  # 办法 in the title
    item = services.file_item(actor=arch.archivist, documents=[arch.doc("关于某事的请示", doc_type="请示")])
    assert item.retention == Retention.THIRTY
    item = services.file_item(actor=arch.archivist, documents=[arch.doc("关于开会的通知")])
    assert item.retention == Retention.TEN


def test_stamp_on_first_page_and_slip_appended(arch):
    d = arch.doc("关于做好防汛工作的通知", pages=2)
    item = services.file_item(actor=arch.archivist, documents=[d], retention="Y")
    data = storage.read(item.pdf_path, item.pdf_sha256)
    assert item.pdf_sha256 and len(data) == item.pdf_size
    slips = pdf.page_count(storage.read(item.slip_path, item.slip_sha256))
    assert slips >= 1
    assert item.pages == 2 + slips == pdf.page_count(data)
    with pdfplumber.open(io.BytesIO(data)) as doc:
        page = doc.pages[0]
        x0, top, x1, bottom = pdf.stamp_box(float(page.width))
        assert x0 > page.width / 2 and bottom < 37 * pdf.MM  # upper right, inside the top margin
        region = page.crop((x0 - 1, top - 1, x1 + 1, bottom + 1)).extract_text()
        for text in ("全宗号", "年度", "件号", "保管期限", "页数", "机构", "Z109", "2026", "0001", "Y", "ZHY",
                     str(item.pages)):
            assert text in region, text
        assert "全宗号" not in doc.pages[1].extract_text()
        last = doc.pages[-1].extract_text()
        assert "收文处理笺" in last and "请综合一处抓紧办理" in last


def test_outgoing_gets_the_drafting_form(arch):
    d = arch.doc("关于印发工作要点的通知", direction=Direction.OUTGOING, slip_kind=SlipKind.ROUTINE,
                 doc_number="示府办发〔2026〕3号", sender=None)
    item = services.file_item(actor=arch.archivist, documents=[d])
    with pdfplumber.open(io.BytesIO(storage.read(item.slip_path, item.slip_sha256))) as doc:
        assert "发文稿纸" in doc.pages[0].extract_text()
    assert item.responsible == arch.o.gov.name


def test_forwarding_takes_the_forwarded_into_the_same_item(arch):
    original = arch.doc("关于申请资金的请示", doc_type="请示", pages=1)
    forwarding = arch.doc("关于转报某局申请资金的请示", doc_type="请示", pages=1, forwarded_from=original)
    item = services.file_item(actor=arch.archivist, documents=[forwarding])
    roles = dict(ItemDocument.objects.filter(item=item).values_list("document_id", "role"))
    assert roles == {forwarding.pk: "main", original.pk: "forwarded"}
    assert item.pages == 2 + 2  # two bodies, two slips
    assert original.pk not in [c.document.pk for c in services.candidates(arch.archivist, arch.o.gov, 2026)]


def test_classified_is_filed_by_metadata_only(arch):
    d = arch.doc("涉密事项的通知", secrecy="机密", pages=0, registry_seq=None)
    d.pages = 3
    d.save()
    with refused("未找到"):  # beyond the archivist's clearance: as if it did not exist
        services.file_item(actor=arch.archivist, documents=[d], retention="Y")
    arch.archivist.clearance = "机密"
    arch.archivist.save()
    with refused("未找到"):  # clearance alone does not open it: the archivist is outside its reading scope
        services.file_item(actor=arch.archivist, documents=[d], retention="Y")
    from secrecy.models import ReadingScope

    ReadingScope.objects.create(document=d, person=arch.archivist)  # the 机要员 adds the archivist
    item = services.file_item(actor=arch.archivist, documents=[d], retention="Y")
    assert item.metadata_only and not item.pdf_path and item.pages == 3
    # the catalogue hides its title from the clerk (no clearance)
    rows = services.catalogue(arch.o.clerk, arch.o.gov, 2026)
    assert rows[0].title == services.HIDDEN_TITLE and not rows[0].can_see
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(services.catalogue_xlsx(rows, title="目录"))).active
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any("涉密事项" in c for c in cells) and services.HIDDEN_TITLE in cells
    assert services.catalogue(arch.archivist, arch.o.gov, 2026)[0].title == "涉密事项的通知"


def test_refusals_write_nothing(arch):
    o = arch.o
    open_doc = arch.doc("办理中的件", status=Status.IN_PROGRESS)
    done = arch.doc("已办结的件")
    services.file_item(actor=arch.archivist, documents=[done])
    with refused("尚未办结"):
        services.file_item(actor=arch.archivist, documents=[open_doc])
    other = arch.doc("另一件")
    with refused("档案员"):
        services.file_item(actor=o.clerk, documents=[other])
    with refused("重复归档"):
        services.file_item(actor=arch.archivist, documents=[done])
    returned = arch.doc("退回的件", status=Status.RETURNED)
    cc = arch.doc("抄送的件", main_recipients="示范市交通运输局各科室", cc_recipients=o.gov.name)
    with refused("退文"):
        services.file_item(actor=arch.archivist, documents=[returned], override_reason="领导要求归档")
    with refused("抄送本机关"):
        services.file_item(actor=arch.archivist, documents=[cc])
    with refused("全宗号|档案员|无权"):
        services.file_item(actor=o.outsider, documents=[done])


def test_flagged_document_filed_with_a_reason(arch):
    o = arch.o
    cc = arch.doc("抄送的件", main_recipients="各区县", cc_recipients=o.gov.short_name)
    flagged = {c.document.pk: c.flags for c in services.candidates(arch.archivist, o.gov, 2026)}
    assert flagged[cc.pk] == ["抄送本机关、不需本机关办理的文件材料"]
    item = services.file_item(actor=arch.archivist, documents=[cc], override_reason="本机关实际办理并答复")
    assert item.override_reason == "本机关实际办理并答复"


def test_candidate_flags(arch):
    o = arch.o
    first = arch.doc("同一份文件", doc_number="示交〔2026〕9号")
    twin = arch.doc("同一份文件", doc_number="示交〔2026〕9号")
    relay = arch.doc("普发的件", slip_kind=SlipKind.RELAY)
    brief = arch.doc("工作简报第3期", doc_type="简报")
    draft = arch.doc("没印发的稿", direction=Direction.OUTGOING, doc_number="", sender=None)
    flags = {c.document.pk: c.flags for c in services.candidates(arch.archivist, o.gov, 2026)}
    assert flags[first.pk] == []
    assert flags[twin.pk][0].startswith("重份文件")
    assert "传阅件" in flags[relay.pk][0]
    assert "简报" in flags[brief.pk][0]
    assert "草稿" in flags[draft.pk][0]
    with refused("档案员"):
        services.candidates(o.clerk, o.gov, 2026)


def test_schedule_edit_and_refusals(arch):
    o = arch.o
    assert services.schedule(o.gov).count() == len(services.DEFAULT_SCHEDULE)
    with refused("兜底"):
        services.save_schedule(actor=arch.archivist, agency=o.gov,
                               rows=[services.RuleData("请示", "D30", doc_types="请示")])
    with refused("档案员或系统管理员"):
        services.save_schedule(actor=o.clerk, agency=o.gov, rows=[services.RuleData("其他", "D10")])
    with refused("法定文种"):
        services.save_schedule(actor=arch.archivist, agency=o.gov,
                               rows=[services.RuleData("x", "Y", doc_types="便条"), services.RuleData("其他", "D10")])
    services.save_schedule(actor=arch.archivist, agency=o.gov,
                           rows=[services.RuleData("通知永久", "Y", doc_types="通知"), services.RuleData("其他", "D10")])
    assert services.retention_for(arch.doc("随便一个通知")) == ("Y", "通知永久")


def test_catalogue_excel_columns(arch):
    from openpyxl import load_workbook

    services.file_item(actor=arch.archivist, documents=[arch.doc("甲")], retention="Y")
    services.file_item(actor=arch.archivist, documents=[arch.doc("乙")], retention="D10")
    rows = services.catalogue(arch.archivist, arch.o.gov, 2026)
    ws = load_workbook(io.BytesIO(services.catalogue_xlsx(rows, title="目录"))).active
    assert [c.value for c in ws[2]] == ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"]
    assert [ws.cell(row=r, column=2).value for r in (3, 4)] == ["Z109-WS·2026-Y-ZHY-0001",
                                                                 "Z109-WS·2026-D10-ZHY-0001"]
    assert ws.cell(row=3, column=5).value == "甲" and ws.cell(row=3, column=6).value == "2026年3月8日"


def test_year_package_contents_and_checksums(arch):
    import hashlib
    import json
    import zipfile

    a = services.file_item(actor=arch.archivist, documents=[arch.doc("甲件")], retention="Y")
    services.file_item(actor=arch.archivist, documents=[arch.doc("乙件")], retention="D30")
    with refused("还没有归档文件"):
        services.request_package(actor=arch.archivist, agency=arch.o.gov, year=2024)
    with refused("档案员"):
        services.request_package(actor=arch.o.clerk, agency=arch.o.gov, year=2026)
    package = services.make_package(actor=arch.archivist, agency=arch.o.gov, year=2026)
    assert package.status == "done" and package.item_count == 2
    data = services.read_package(arch.archivist, package)
    assert hashlib.sha256(data).hexdigest() == package.sha256
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifest.json"))
        for name, digest in manifest["文件"].items():
            assert hashlib.sha256(z.read(name)).hexdigest() == digest
        assert {f"{a.archive_code}/{a.archive_code}.pdf", f"{a.archive_code}/metadata.json",
                f"{a.archive_code}/处理笺或发文稿纸.pdf", "归档文件目录.xlsx"} <= names
        meta = json.loads(z.read(f"{a.archive_code}/metadata.json"))
        assert meta["档号"] == a.archive_code and meta["题名"] == "甲件" and meta["页数"] == a.pages
        pdf_entry = next(f for f in meta["电子文件"] if f["格式"] == "PDF" and f["路径"].endswith(".pdf")
                         and "处理笺" not in f["路径"])
        assert pdf_entry["哈希值"] == a.pdf_sha256
        assert hashlib.sha256(z.read(pdf_entry["路径"])).hexdigest() == a.pdf_sha256


def test_no_duplicate_numbers_under_many_filings(arch):
    docs = [arch.doc(f"件{i}") for i in range(12)]
    for d in docs:
        services.file_item(actor=arch.archivist, documents=[d], retention="D10")
    seqs = list(ArchiveItem.objects.filter(retention="D10").values_list("seq", flat=True))
    assert sorted(seqs) == list(range(1, 13))
    before = snapshot()
    with pytest.raises(Exception):  # noqa: B017,PT011 (the database's own refusal)
        from django.db import transaction

        with transaction.atomic():
            item = ArchiveItem.objects.first()
            item.pk = None
            item.archive_code = "X"
            item.save()
    assert not diff(before, snapshot())


def test_year_package_in_the_worker(arch, settings, monkeypatch, django_capture_on_commit_callbacks):
    from django_q.conf import Conf

    settings.ARCHIVE_PACKAGES_IN_WORKER = True
    monkeypatch.setattr(Conf, "SYNC", True)  # django-q runs the task in-process, as its worker would
    services.file_item(actor=arch.archivist, documents=[arch.doc("甲件")], retention="Y")
    with django_capture_on_commit_callbacks(execute=True):
        package = services.make_package(actor=arch.archivist, agency=arch.o.gov, year=2026)
        assert package.status == "pending"
    package.refresh_from_db()
    assert package.status == "done" and package.item_count == 1 and package.sha256
