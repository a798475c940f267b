"""Pages of the archive: 待归档 with the flags, 归档, the catalogue (print, Excel), the item's
PDF, the schedule editor and the year package."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from archive import services
from archive.models import ArchiveItem, RetentionRule, YearPackage

pytestmark = pytest.mark.django_db


def signed_in(client, person):
    client.force_login(person.user)
    return client


def test_pending_file_catalogue_and_package(client, arch):
    o = arch.o
    a = arch.doc("关于防汛的通知")
    b = arch.doc("抄送来的通知", main_recipients="各区县", cc_recipients=o.gov.name)
    c = signed_in(client, arch.archivist)
    resp = c.get(reverse("archive:pending"), {"year": 2026})
    assert resp.status_code == 200, (resp.status_code, resp.get("Location"))
    page = resp.content.decode()
    assert "关于防汛的通知" in page and "不归档：抄送本机关" in page
    assert 'href="/archive/"' in page  # the nav item
    # a flagged document without a reason is refused with the reason shown, nothing filed
    r = c.post(reverse("archive:file"), {"documents": [b.pk], "year": 2026}, follow=True)
    assert "国家档案局令第8号" in r.content.decode() and not ArchiveItem.objects.exists()
    r = c.post(reverse("archive:file"), {"documents": [a.pk], "retention": "Y", "year": 2026}, follow=True)
    item = ArchiveItem.objects.get()
    assert "已归档：档号 Z109-WS·2026-Y-ZHY-0001" in r.content.decode()
    pdf = c.get(reverse("archive:item_file", args=[item.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = c.get(reverse("archive:catalogue"), {"year": 2026}).content.decode()
    for col in ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"):
        assert col in page
    assert "2026年3月8日" in page
    assert "A4 landscape" in c.get(reverse("archive:catalogue_print"), {"year": 2026}).content.decode()
    ws = load_workbook(io.BytesIO(c.get(reverse("archive:catalogue_xlsx"), {"year": 2026}).content)).active
    assert ws.cell(row=3, column=2).value == item.archive_code
    r = c.post(reverse("archive:packages"), {"year": 2026}, follow=True)
    package = YearPackage.objects.get()
    assert package.status == "done" and "归档包已生成" in r.content.decode()
    z = zipfile.ZipFile(io.BytesIO(c.get(reverse("archive:package_download", args=[package.pk])).content))
    assert f"{item.archive_code}/metadata.json" in z.namelist()


def test_pages_refuse_others(client, arch):
    o = arch.o
    c = signed_in(client, o.handler_a)
    for name in ("archive:pending", "archive:catalogue", "archive:packages", "archive:schedule"):
        assert c.get(reverse(name)).status_code == 403, name
    c = signed_in(client, o.clerk)  # office staff read the catalogue, but do not file
    assert c.get(reverse("archive:catalogue")).status_code == 200
    assert c.get(reverse("archive:pending")).status_code == 403
    assert c.post(reverse("archive:file"), {"documents": [arch.doc().pk]}).status_code == 403


def test_schedule_editor(client, arch):
    c = signed_in(client, arch.archivist)
    page = c.get(reverse("archive:schedule")).content.decode()
    assert "其他文件材料" in page and "Z109" in page
    rules = list(services.schedule(arch.o.gov))
    data = {"form": "schedule", "count": len(rules)}
    for i, r in enumerate(rules):
        data.update({f"position_{i}": i + 1, f"name_{i}": r.name, f"direction_{i}": r.direction,
                     f"doc_types_{i}": r.doc_types, f"keywords_{i}": r.keywords, f"retention_{i}": r.retention})
        if r.important_only:
            data[f"important_{i}"] = "on"
    data[f"delete_{1}"] = "on"
    data.update({f"position_{len(rules)}": 0, f"name_{len(rules)}": "函件永久", f"doc_types_{len(rules)}": "函",
                 f"retention_{len(rules)}": "Y"})
    r = c.post(reverse("archive:schedule"), data, follow=True)
    assert "已保存保管期限表" in r.content.decode()
    names = list(RetentionRule.objects.filter(agency=arch.o.gov).values_list("name", flat=True))
    assert names[0] == "函件永久" and len(names) == len(rules) and rules[1].name not in names
    r = c.post(reverse("archive:schedule"), {"form": "settings", "fonds_code": "Z110", "category_code": "WS",
                                             "default_unit_code": "BGS", f"unit_{arch.o.div_b.pk}": "ZHE"},
               follow=True)
    assert "已保存全宗号" in r.content.decode()
    assert services.settings_for(arch.o.gov).fonds_code == "Z110"


def test_document_page_shows_the_archive_code(client, arch):
    d = arch.doc("已归档的通知")
    item = services.file_item(actor=arch.archivist, documents=[d], retention="Y")
    page = signed_in(client, arch.o.clerk).get(reverse("web:document", args=[d.pk])).content.decode()
    assert f"档号 {item.archive_code}" in page
