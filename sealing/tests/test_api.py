"""The sealing API: /seals, /seal-uses, /tasks/{id}/seal, /seals/verify; refusals write nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from api.tests.helpers import ApiClient, changed_tables, snapshot
from documents import storage
from drafting import services as drafting
from drafting.render import soffice_path
from flow.models import NodeKind
from sealing.models import SealUse
from tests.helpers import open_task

from .chain import draft_data, seal_for, to_seal, with_body

pytestmark = pytest.mark.django_db
needs_office = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")


@pytest.fixture
def api(office) -> ApiClient:
    client = ApiClient(Client())
    for person in office.people():
        client.token(person)
    return client


def nothing_written(call, status: int, match: str = ""):
    before = snapshot()
    response = call()
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert match in body["detail"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
    assert not changed_tables(before, snapshot())
    return body


def pdf_file(data: bytes, name="成品.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_seals_list_by_who_asks(office, api):
    o = office
    seal = seal_for(o)
    assert [s["name"] for s in api.get(o.secadmin, "/seals").json()] == [seal.name]
    body = api.get(o.keeper, "/seals").json()
    assert body[0]["keeper"] == {"id": o.keeper.pk, "name": "钱印章"} and len(body[0]["public_key"]) == 130
    assert api.get(o.handler_a, "/seals").json() == []
    assert api.get(None, "/seals").status_code == 401
    nothing_written(lambda: api.get(o.handler_a, "/seal-uses"), 403, "用印登记簿")


def test_seal_refused_with_the_missing_list_and_nothing_written(office, api):
    o = office
    seal = seal_for(o)
    document = drafting.create_draft(actor=o.handler_a, data=draft_data(o))
    with_body(document, o.handler_a)
    draft = open_task(document, o.handler_a)
    body = nothing_written(lambda: api.post(o.keeper, f"/tasks/{draft.pk}/seal", {"seal_id": seal.pk}), 400,
                           "用印条件不满足，尚缺：领导签发、编号（发文字号）、签发后复核。")
    assert body["code"] == "gate:sealed"
    # neither seeing it nor keeping a seal: as if missing
    nothing_written(lambda: api.post(o.handler_b, f"/tasks/{draft.pk}/seal", {"seal_id": seal.pk}), 404)
    nothing_written(lambda: api.post(o.keeper, "/tasks/999999/seal", {"seal_id": seal.pk}), 404)


@needs_office
def test_seal_ledger_and_verify(office, api):
    o = office
    seal = seal_for(o)
    document = to_seal(o)
    task = open_task(document, o.keeper)
    nothing_written(lambda: api.post(o.clerk, f"/tasks/{task.pk}/seal", {"seal_id": seal.pk}), 403, "钱印章")
    response = api.post(o.keeper, f"/tasks/{task.pk}/seal", {"seal_id": seal.pk, "copies": 3, "note": "存档"})
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    use = SealUse.objects.get()
    assert body["seal_use"]["id"] == use.pk and body["seal_use"]["copies"] == 3
    assert body["seal_use"]["used_by"]["name"] == "钱印章" and body["seal_use"]["sm3"] == use.sm3
    assert [t["id"] for t in body["tasks"]][0] == task.pk
    assert open_task(document, o.clerk).node_kind == NodeKind.DISPATCH
    ledger = api.get(o.clerk, "/seal-uses", {"year": use.used_at.year}).json()
    assert ledger["total"] == 1 and ledger["items"][0]["doc_number"] == document.doc_number
    assert api.get(o.clerk, "/seal-uses", {"year": 1999}).json()["total"] == 0

    data = storage.read(use.final_version.storage_path, use.final_version.sha256)
    ok = api.upload(o.handler_b, "/seals/verify", {"file": pdf_file(data)}).json()
    assert ok["intact"] is True and ok["found"] is True and ok["seal_use_id"] == use.pk and ok["signature_valid"]
    assert ok["message"] == "文件完好：与用印时的成品一致，电子签名有效。"
    changed = bytearray(data)
    changed[-100] ^= 0x01
    bad = api.upload(o.keeper, "/seals/verify", {"file": pdf_file(bytes(changed)), "seal_use_id": use.pk}).json()
    assert bad["intact"] is False and bad["message"] == "文件已被修改：摘要与用印记录不一致。"
    assert bad["expected_sm3"] == use.sm3 != bad["sm3"]
    unknown = api.upload(o.keeper, "/seals/verify", {"file": pdf_file(bytes(changed))}).json()
    assert unknown["found"] is False and unknown["seal_use_id"] is None
    # a ledger entry the caller may not see
    response = api.upload(o.handler_b, "/seals/verify", {"file": pdf_file(data), "seal_use_id": use.pk})
    assert response.status_code == 404
