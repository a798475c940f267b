"""POST /api/v1/checks: fields as JSON or a DOCX upload; findings back; nothing written."""

import json
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.tests.helpers import ApiClient, changed_tables, snapshot
from org.models import Agency

CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "checks"
sys.path.insert(0, str(CORPUS_DIR))
from make_docx import build_docx  # noqa: E402

SAMPLES = {s["name"]: s["fields"] for s in json.loads((CORPUS_DIR / "samples.json").read_text("utf-8"))["samples"]}


@pytest.fixture
def api(db):
    from django.test import Client

    return ApiClient(Client())


def test_fields_as_json(office, api):
    api.token(office.clerk)
    before = snapshot()
    fields = dict(SAMPLES["ok-req"], number="示教发[2026]7号", subordinates=["示范区教育局"],
                  copy_to="示范区教育局。")
    response = api.post(office.clerk, "/checks", fields)
    assert response.status_code == 200, response.content
    data = response.json()
    assert [f["rule"] for f in data["findings"]] == ["number.brackets", "routing.copy_subordinate"]
    assert data["must"] == 2 and data["advise"] == 0
    first = data["findings"][0]
    assert first["place"] == "发文字号" and first["severity_label"] == "必须修改" and first["fix"]
    assert changed_tables(before, snapshot()) == []


def test_secrecy_fields(office, api):
    fields = dict(SAMPLES["ok-notice"], secrecy="秘密★15年", copy_number="12")
    data = api.post(office.clerk, "/checks", fields).json()
    assert sorted(f["rule"] for f in data["findings"]) == ["copy_number.form", "secrecy.form"]


def test_the_callers_subordinate_agencies_count(office, api):
    child = Agency.objects.create(name="示范区某某局", short_name="某某局", kind=office.gov.kind, parent=office.clerk.agency)
    fields = dict(SAMPLES["ok-req"], copy_to=f"{child.name}。")
    data = api.post(office.clerk, "/checks", fields).json()
    assert [f["rule"] for f in data["findings"]] == ["routing.copy_subordinate"]


def test_docx_upload(office, api):
    data = build_docx(dict(SAMPLES["ok-notice"], date="2026年03月8日"))
    response = api.upload(office.clerk, "/checks", {"file": SimpleUploadedFile("a.docx", data)})
    assert response.status_code == 200, response.content
    [finding] = response.json()["findings"]
    assert finding["rule"] == "date.padding"
    assert finding["place"].endswith("（成文日期）")


def test_docx_upload_with_type_and_direction(office, api):
    data = build_docx(dict(SAMPLES["ok-notice"], main_to="省教育厅：", copy_to=""))
    response = api.upload(office.clerk, "/checks", {"file": SimpleUploadedFile("a.docx", data), "direction": "up"})
    assert [f["rule"] for f in response.json()["findings"]] == ["routing.signer"]


def test_refusals_are_chinese(office, api):
    response = api.upload(office.clerk, "/checks", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7")})
    assert response.status_code == 400 and "不是 DOCX 文件" in response.json()["detail"]
    response = api.upload(office.clerk, "/checks", {"doc_type": "请示"})
    assert response.status_code == 400 and "请上传" in response.json()["detail"]
    response = api.post(office.clerk, "/checks", data=b"{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    response = api.post(office.clerk, "/checks", {"body": "not a list"})
    assert response.status_code == 422


def test_anonymous_is_401(db, api):
    assert api.post(None, "/checks", {}).status_code == 401
