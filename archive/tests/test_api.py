"""The archive API: candidates with flags, filing (and its refusals writing nothing), the
catalogue, the item PDF, the retention schedule and the year package."""

import hashlib

import pytest
from django.test import Client

from api.tests.helpers import ApiClient
from archive.models import ArchiveItem
from tests.helpers import diff, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(arch) -> ApiClient:
    client = ApiClient(Client())
    for person in [*arch.o.people(), arch.archivist]:
        client.token(person)
    return client


def refused(call, status, match):
    before = snapshot()
    r = call()
    assert r.status_code == status, r.content.decode()
    assert match in r.json()["detail"]
    assert not diff(before, snapshot())


def test_archive_api(arch, api):
    o, me = arch.o, arch.archivist
    a = arch.doc("关于防汛的通知")
    cc = arch.doc("抄送来的通知", main_recipients="各区县", cc_recipients=o.gov.name)
    open_doc = arch.doc("还在办的件", status="in_progress")
    r = api.get(me, "/archive/candidates", {"year": 2026})
    assert r.status_code == 200
    rows = {c["document_id"]: c for c in r.json()}
    assert rows[a.pk]["not_to_file"] == [] and rows[cc.pk]["not_to_file"]
    assert open_doc.pk not in rows
    refused(lambda: api.get(o.clerk, "/archive/candidates"), 403, "档案员")
    refused(lambda: api.post(me, "/archive/items", {"document_ids": [cc.pk]}), 400, "国家档案局令第8号")
    refused(lambda: api.post(me, "/archive/items", {"document_ids": [open_doc.pk]}), 400, "尚未办结")
    refused(lambda: api.post(o.clerk, "/archive/items", {"document_ids": [a.pk]}), 403, "档案员")
    r = api.post(me, "/archive/items", {"document_ids": [a.pk], "retention": "D30"})
    assert r.status_code == 201, r.content.decode()
    item = r.json()
    assert item["archive_code"] == "Z109-WS·2026-D30-ZHY-0001" and item["pages"] >= 3
    refused(lambda: api.post(me, "/archive/items", {"document_ids": [a.pk]}), 400, "重复归档")
    r = api.get(o.clerk, "/archive/items", {"year": 2026})
    assert [i["archive_code"] for i in r.json()] == [item["archive_code"]]
    r = api.get(me, f"/archive/items/{item['id']}/pdf")
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == item["pdf_sha256"]
    assert api.get(o.outsider, f"/archive/items/{item['id']}").status_code == 404
    sched = api.get(me, "/archive/retention-schedule").json()
    assert sched[-1]["name"] == "其他文件材料"
    refused(lambda: api.put(me, "/archive/retention-schedule", {"rows": sched[:1]}), 400, "兜底")
    r = api.put(me, "/archive/retention-schedule", {"rows": sched[1:]})
    assert r.status_code == 200 and len(r.json()) == len(sched) - 1
    refused(lambda: api.post(me, "/archive/packages", {"year": 2020}), 400, "还没有归档文件")
    r = api.post(me, "/archive/packages", {"year": 2026})
    assert r.status_code == 201 and r.json()["status"] == "done"
    pkg = r.json()
    r = api.get(me, f"/archive/packages/{pkg['id']}/download")
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == pkg["sha256"]
    assert api.get(o.clerk, f"/archive/packages/{pkg['id']}/download").status_code == 403
    assert ArchiveItem.objects.count() == 1
