"""The drafting and issuing pages through the Django test client: 拟稿 (new and edit), the
body editor (blocks, whole text, DOCX upload, versions, diff), the document page of an
outgoing document (发文稿纸, findings, 签发, 编号, 联合发文机关签发), the printable 发文稿纸
and the numbers ledger (filters, print, Excel, 作废). Pages answer 200 to the right people
and 403/404 to the others; refusals are shown in Chinese, keep what was typed and write
nothing."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from documents.models import Document, IssuedNumber, NumberSeries
from drafting import body as drafting_body
from drafting import services as drafting
from drafting.models import CheckOverride, SignOff
from drafting.render import BodyParagraph, RenderInput, render_docx
from flow import services as flow
from flow.models import NodeKind, TaskRole
from tests.helpers import diff, open_task, snapshot

pytestmark = pytest.mark.django_db

TITLE = "示范市人民政府办公室关于做好道路运输安全工作的通知"
BLOCKS = [{"level": 0, "text": "为进一步做好道路运输安全工作，现将有关事项通知如下。"},
          {"level": 1, "text": "一、提高认识"}, {"level": 0, "text": "各单位要高度重视。"}]
BAD_BLOCKS = [{"level": 0, "text": "为进一步做好道路运输安全工作，现将有关事项通知如下。"},
              {"level": 0, "text": "1、提高认识"}]  # 标题序号形式不规范: a must-fix finding


def text(response):
    return response.content.decode()


def form_data(o, **over):
    data = {"doc_type": "通知", "title": TITLE, "layout": "file", "main_agencies": [o.dept.pk],
            "main_names": "各区人民政府", "copy_names": "", "publicity": "主动公开", "copies": "3",
            "remarks": "（联系人：孙科员）"}
    data.update(over)
    return data


def make_draft(o, **over):
    data = {"doc_type": "通知", "title": TITLE, "main_to": [o.dept.pk, "各区人民政府"], "publicity": "主动公开"}
    data.update(over)
    return drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(**data))


def with_body(o, document, blocks=BLOCKS):
    return drafting_body.save_structured(actor=o.handler_a, document=document, blocks=blocks)


def to_sign_off(o, document):
    with_body(o, document)
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。")
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="拟同意，请领导签发。")


def to_number(o, document):
    to_sign_off(o, document)
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。")


@pytest.fixture
def series(office):
    return NumberSeries.objects.create(agency=office.gov, code="示府办发", name="府办发文")


# --- 拟稿 ------------------------------------------------------------------------------------------


def test_drafting_form_creates_the_draft_and_goes_to_the_body(office, login):
    o = office
    c = login(o.handler_a)
    r = c.get("/drafts/new/")
    assert r.status_code == 200 and "拟稿" in text(r) and "主送机关" in text(r)
    r = c.post("/drafts/new/", form_data(o))
    document = Document.objects.get(title=TITLE)
    assert r.status_code == 302 and r["Location"] == f"/documents/{document.pk}/body/"
    assert document.is_outgoing and document.drafted_by == o.handler_a and document.copies == 3
    assert document.main_recipients == "示范市交通运输局、各区人民政府"
    assert document.writing_direction == "down"  # from the 文种
    assert open_task(document, o.handler_a).node_kind == NodeKind.DRAFT


def test_drafting_form_errors_in_chinese_keep_the_input_and_write_nothing(office, login):
    o = office
    c = login(o.handler_a)
    before = snapshot()
    r = c.post("/drafts/new/", form_data(o, publicity="不予公开", publicity_reason=""))
    assert r.status_code == 200
    page = text(r)
    assert "不予公开的公文须写明不予公开的理由" in page
    assert TITLE in page and "各区人民政府" in page and "（联系人：孙科员）" in page
    r = c.post("/drafts/new/", form_data(o, doc_type="", copies="abc"))
    assert "请选择文种" in text(r) and "份数应为正整数" in text(r) and TITLE in text(r)
    r = c.post("/drafts/new/", form_data(o, main_agencies=[], main_names=""))
    assert "请填写主送机关" in text(r)
    assert diff(before, snapshot()) == []


def test_drafting_form_is_refused_to_people_without_a_unit_and_administrators(office, login):
    o = office
    for person in (o.principal, o.sysadmin):
        assert login(person).get("/drafts/new/").status_code == 403
    assert login(o.principal).post("/drafts/new/", form_data(o)).status_code == 403
    assert not Document.objects.filter(title=TITLE).exists()


def test_edit_drafting_form_only_by_the_holder_before_sign_off(office, login):
    o = office
    document = make_draft(o)
    c = login(o.handler_a)
    r = c.get(f"/documents/{document.pk}/draft/")
    assert r.status_code == 200 and "各区人民政府" in text(r)
    r = c.post(f"/documents/{document.pk}/draft/", form_data(o, copy_names="示范市财政局", urgency="加急"))
    assert r.status_code == 302
    document.refresh_from_db()
    assert document.urgency == "加急" and document.cc_recipients == "示范市财政局"
    assert login(o.head_a).get(f"/documents/{document.pk}/draft/").status_code == 403  # not holding it
    assert login(o.outsider).get(f"/documents/{document.pk}/draft/").status_code == 404  # cannot see it


# --- 正文 ------------------------------------------------------------------------------------------


def test_body_editor_rearranges_without_saving_and_saves_a_version(office, login):
    o = office
    document = make_draft(o)
    c = login(o.handler_a)
    assert c.get(f"/documents/{document.pk}/body/").status_code == 200
    posted = {"level": ["0", "1"], "text": ["第一段。", "一、标题"]}
    r = c.post(f"/documents/{document.pk}/body/", {**posted, "action": "up:1"})
    page = text(r)
    assert r.status_code == 200 and page.index("一、标题") < page.index("第一段。")
    r = c.post(f"/documents/{document.pk}/body/", {**posted, "action": "add"})
    assert text(r).count('name="text"') == 3
    assert not document.files.exists()  # nothing saved yet
    r = c.post(f"/documents/{document.pk}/body/", {"level": ["0", "1", "0"], "text": [b["text"] for b in BLOCKS][:1]
                                                   + ["一、提高认识", "各单位要高度重视。"], "action": "save"},
               follow=True)
    assert "正文已保存为第1版" in text(r)
    document.refresh_from_db()
    assert document.body_blocks == BLOCKS


def test_body_as_whole_text_recognises_headings(office, login):
    o = office
    document = make_draft(o)
    c = login(o.handler_a)
    c.post(f"/documents/{document.pk}/body/", {"action": "save_text",
                                               "plain": "现将有关事项通知如下。\n一、提高认识\n（一）加强领导\n要加强领导。"})
    document.refresh_from_db()
    assert [b["level"] for b in document.body_blocks] == [0, 1, 2, 0]


def test_body_refusals_in_chinese_write_nothing(office, login):
    o = office
    document = make_draft(o)
    c = login(o.handler_a)
    before = snapshot()
    r = c.post(f"/documents/{document.pk}/body/", {"level": ["0"], "text": [" "], "action": "save"}, follow=True)
    assert "正文第1段是空的" in text(r)
    r = c.post(f"/documents/{document.pk}/body/upload/",
               {"file": io.BytesIO(b"not a docx")}, follow=True)
    assert "不是 DOCX 文件" in text(r) or "DOCX" in text(r)
    assert diff(before, snapshot()) == []
    assert login(o.head_a).post(f"/documents/{document.pk}/body/", {"level": ["0"], "text": ["x"],
                                                                    "action": "save"}).status_code == 403
    assert login(o.outsider).get(f"/documents/{document.pk}/body/").status_code == 404


def test_docx_upload_versions_and_diff(office, login):
    o = office
    document = make_draft(o)
    with_body(o, document)
    c = login(o.handler_a)
    data = render_docx(RenderInput(agency_mark=o.gov.name, title=TITLE, main_recipients="各区人民政府：",
                                   body=[BodyParagraph("为进一步做好道路运输安全工作，现通知如下。"),
                                         BodyParagraph("各单位要高度重视。")],
                                   issuing_agency=o.gov.name, date=""))
    upload = io.BytesIO(data)
    upload.name = "正文.docx"
    r = c.post(f"/documents/{document.pk}/body/upload/", {"file": upload}, follow=True)
    assert "为第2版" in text(r)
    page = text(c.get(f"/documents/{document.pk}/body/"))
    assert "第2版" in page and "第1版" in page and "比较两个版本" in page
    r = c.get(f"/documents/{document.pk}/body/diff/")
    assert r.status_code == 200 and "diff-line" in text(r) and ("<ins" in text(r) or "<del" in text(r))
    # Someone who may see the document but not edit it sees the versions and the diff.
    assert login(o.director).get(f"/documents/{document.pk}/body/diff/").status_code == 200


# --- the document page ------------------------------------------------------------------------------


def test_document_page_shows_the_drafting_form_findings_and_missing_signatures(office, login):
    o = office
    document = make_draft(o)
    with_body(o, document, BAD_BLOCKS)
    page = text(login(o.handler_a).get(f"/documents/{document.pk}/"))
    assert "发文稿纸" in page and "各区人民政府" in page and "拟稿单位" in page
    assert "检查意见" in page and "必须修改" in page and "标题序号形式不规范" in page
    assert "尚缺签发" in page and "领导签发" in page
    r = login(o.handler_a).get(f"/documents/{document.pk}/drafting-slip/")
    assert r.status_code == 200 and "发文稿纸" in text(r) and "data-gw-print" in text(r)
    assert login(o.outsider).get(f"/documents/{document.pk}/").status_code == 404
    assert login(o.outsider).get(f"/documents/{document.pk}/drafting-slip/").status_code == 404


def test_reviewer_keeps_a_must_fix_finding_with_a_reason(office, login):
    from drafting.checks import MUST
    from drafting.compose import findings

    o = office
    document = make_draft(o)
    with_body(o, document, BAD_BLOCKS)
    f = next(f for f in findings(document) if f.severity == MUST)
    login(o.handler_a).get(f"/documents/{document.pk}/")  # opening the page marks the task read
    before = snapshot()
    r = login(o.handler_a).post(f"/documents/{document.pk}/issue/keep_finding/",
                                {"rule": f.rule, "place": f.place, "reason": "引用原文。"}, follow=True)
    assert "只有当前审核、签发或复核环节的办理人" in text(r)  # the drafter fixes it instead
    assert diff(before, snapshot()) == []
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    c = login(o.head_a)
    assert "确认不改（写明理由）" in text(c.get(f"/documents/{document.pk}/"))
    before = snapshot()
    r = c.post(f"/documents/{document.pk}/issue/keep_finding/", {"rule": f.rule, "place": f.place, "reason": ""},
               follow=True)
    assert "请写明不修改的理由" in text(r)
    assert diff(before, snapshot()) == []
    r = c.post(f"/documents/{document.pk}/issue/keep_finding/",
               {"rule": f.rule, "place": f.place, "reason": "引用原文，不宜改动。"}, follow=True)
    assert "已确认该检查意见不修改" in text(r) and "已确认不改" in text(r)
    assert CheckOverride.objects.filter(document=document, reason="引用原文，不宜改动。").exists()


def test_sign_off_through_the_page(office, login):
    o = office
    document = make_draft(o)
    to_sign_off(o, document)
    task = open_task(document, o.leader_a)
    c = login(o.leader_a)
    page = text(c.get(f"/documents/{document.pk}/"))
    assert "签发意见" in page and 'name="task"' in page
    assert "op/send_on/" not in page  # the plain 送下一步 cannot skip the sign-off
    before = snapshot()
    r = c.post(f"/documents/{document.pk}/issue/sign_off/", {"task": task.pk, "opinion": " "}, follow=True)
    assert "请填写签发意见" in text(r)
    assert diff(before, snapshot()) == []
    r = c.post(f"/documents/{document.pk}/issue/sign_off/", {"task": task.pk, "opinion": "同意印发。"}, follow=True)
    assert "已签发" in text(r)
    document.refresh_from_db()
    assert document.signer == "周副市长" and document.issued_on == timezone.localdate()
    assert SignOff.objects.filter(document=document, opinion="同意印发。").exists()
    assert open_task(document, o.secretary).node_kind == NodeKind.RECHECK
    page = text(login(o.secretary).get(f"/documents/{document.pk}/drafting-slip/"))
    today = timezone.localdate()
    assert "同意印发。" in page and f"{today.year}年{today.month}月{today.day}日" in page


def test_director_chooses_the_signers_in_order(office, login):
    o = office
    document = make_draft(o)
    with_body(o, document)
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。")
    page = text(login(o.director).get(f"/documents/{document.pk}/"))
    assert "签发领导" in page and f'value="{o.principal.pk}"' in page


def test_number_at_the_number_node_and_the_ledger(office, login, series):
    o = office
    document = make_draft(o)
    to_number(o, document)
    task = open_task(document, o.clerk)
    assert task.node_kind == NodeKind.NUMBER
    c = login(o.clerk)
    page = text(c.get(f"/documents/{document.pk}/"))
    assert "取发文字号" in page and "示府办发" in page
    r = c.post(f"/documents/{document.pk}/issue/number/", {"task": task.pk, "series": series.pk}, follow=True)
    year = timezone.localdate().year
    assert f"已编号：示府办发〔{year}〕1号" in text(r)
    document.refresh_from_db()
    assert document.doc_number == f"示府办发〔{year}〕1号"
    before = snapshot()
    r = c.post(f"/documents/{document.pk}/issue/number/", {"task": task.pk, "series": series.pk}, follow=True)
    assert "本件已编号" in text(r)
    assert diff(before, snapshot()) == []

    # The ledger: the office sees it, prints it, exports it; others are refused.
    r = c.get("/outgoing/ledger/")
    assert r.status_code == 200 and document.doc_number in text(r) and TITLE in text(r) and "周副市长" in text(r)
    assert c.get(f"/outgoing/ledger/?series={series.pk}&year={year}&status=void").status_code == 200
    assert document.doc_number not in text(c.get("/outgoing/ledger/?status=void"))
    r = c.get("/outgoing/ledger/print/")
    assert r.status_code == 200 and "data-gw-print" in text(r) and document.doc_number in text(r)
    r = c.get("/outgoing/ledger/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert document.doc_number in values and TITLE in values
    for person in (o.handler_a, o.leader_a, o.sysadmin):
        assert login(person).get("/outgoing/ledger/").status_code == 403
        assert login(person).get("/outgoing/ledger/export.xlsx").status_code == 403


def test_void_a_number_with_a_reason(office, login, series):
    o = office
    document = make_draft(o)
    to_number(o, document)
    issued = drafting.number(open_task(document, o.clerk).pk, actor=o.clerk, series_id=series.pk)
    before = snapshot()
    assert login(o.handler_a).post(f"/outgoing/ledger/{issued.pk}/void/", {"reason": "错号"}).status_code == 403
    c = login(o.clerk)
    r = c.post(f"/outgoing/ledger/{issued.pk}/void/", {"reason": ""}, follow=True)
    assert "理由" in text(r)
    assert diff(before, snapshot()) == []
    r = c.post(f"/outgoing/ledger/{issued.pk}/void/", {"reason": "代字选错。"}, follow=True)
    assert "已作废" in text(r)
    issued = IssuedNumber.objects.get(pk=issued.pk)
    assert issued.is_void and issued.void_reason == "代字选错。"
    page = text(c.get("/outgoing/ledger/"))
    assert f"<del>{issued.number}</del>" in page and "代字选错。" in page


def test_office_records_a_joint_agencys_sign_off(office, login):
    o = office
    document = make_draft(o, joint_agency_ids=[o.other_gov.pk])
    with_body(o, document)
    page = text(login(o.clerk).get(f"/documents/{document.pk}/"))
    assert "记录联合发文机关签发" in page and "联合发文机关示范市财政局负责人签发" in page
    assert "记录联合发文机关签发" not in text(login(o.handler_a).get(f"/documents/{document.pk}/"))
    c = login(o.clerk)
    before = snapshot()
    r = c.post(f"/documents/{document.pk}/issue/joint_sign_off/",
               {"agency": o.other_gov.pk, "signer_name": "", "signed_on": timezone.localdate().isoformat()},
               follow=True)
    assert "请填写示范市财政局签发人的姓名" in text(r)
    assert diff(before, snapshot()) == []
    scan = io.BytesIO(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>"
                      b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    scan.name = "会签页.pdf"
    r = c.post(f"/documents/{document.pk}/issue/joint_sign_off/",
               {"agency": o.other_gov.pk, "signer_name": "钱局长", "signed_on": timezone.localdate().isoformat(),
                "opinion": "同意。", "scan": scan}, follow=True)
    assert "已记录示范市财政局的签发" in text(r)
    signoff = SignOff.objects.get(document=document, kind=SignOff.Kind.JOINT)
    assert signoff.signer_name == "钱局长" and signoff.scan is not None
    assert login(o.handler_a).post(f"/documents/{document.pk}/issue/joint_sign_off/", {
        "agency": o.other_gov.pk, "signer_name": "x", "signed_on": timezone.localdate().isoformat()},
        follow=True).status_code == 200
    assert SignOff.objects.filter(document=document, kind=SignOff.Kind.JOINT).count() == 1


def test_outgoing_actions_are_not_for_incoming_documents(office, login, document):
    c = login(office.secretary)
    assert c.get(f"/documents/{document.pk}/body/").status_code == 404
    assert c.get(f"/documents/{document.pk}/drafting-slip/").status_code == 404
    assert c.post(f"/documents/{document.pk}/issue/sign_off/", {"task": 1}).status_code == 404


def test_countersign_opinions_in_the_drafting_form(office, login):
    o = office
    document = make_draft(o)
    with_body(o, document)
    flow.request_countersign(open_task(document, o.handler_a).pk, actor=o.handler_a, units=[o.div_b], note="请会签。")
    flow.countersign(open_task(document, o.head_b, TaskRole.COUNTERSIGN).pk, actor=o.head_b, decision="agree",
                     opinion="综合二处无意见。")
    page = text(login(o.handler_a).get(f"/documents/{document.pk}/drafting-slip/"))
    assert page.index("会签") < page.index("综合二处无意见。") < page.index("核稿")


def test_sequential_sign_off_chosen_on_the_page(office, login):
    o = office
    document = make_draft(o, is_important=True)  # signed off by the principal head in the end
    with_body(o, document)
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。")
    c = login(o.director)
    c.get(f"/documents/{document.pk}/")
    r = c.post(f"/documents/{document.pk}/op/send_on/", {
        "task": open_task(document, o.director).pk, "opinion": "请周副市长、陈市长签发。",
        "next_assignees": [o.leader_a.pk, o.principal.pk], "next_order": f"{o.leader_a.pk},{o.principal.pk}",
        "next_mode": "sequential"}, follow=True)
    assert "已办理“办公室领导审核”" in text(r)
    page = text(login(o.leader_a).get(f"/documents/{document.pk}/"))
    assert "签发后送陈市长依次签发" in page and "主要领导（陈市长）签发" in page
    login(o.leader_a).post(f"/documents/{document.pk}/issue/sign_off/",
                           {"task": open_task(document, o.leader_a).pk, "opinion": "同意，请陈市长签发。"})
    r = login(o.principal).post(f"/documents/{document.pk}/issue/sign_off/",
                                {"task": open_task(document, o.principal).pk, "opinion": "同意印发。"}, follow=True)
    assert "已签发" in text(r) and "签发齐全" in text(r)
    document.refresh_from_db()
    assert document.signer == "陈市长"


@pytest.mark.parametrize("path", ["/documents/{pk}/", "/documents/{pk}/body/", "/documents/{pk}/body/diff/",
                                  "/documents/{pk}/drafting-slip/", "/documents/{pk}/draft/"])
def test_outgoing_pages_are_404_for_those_who_may_not_see(office, login, path):
    document = make_draft(office)
    with_body(office, document)
    assert login(office.handler_a).get(path.format(pk=document.pk)).status_code == 200
    for person in (office.outsider, office.dept_clerk):
        assert login(person).get(path.format(pk=document.pk)).status_code == 404


@pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice is not installed")
def test_clerk_makes_the_proof_from_the_page(office, login, series):
    o = office
    document = make_draft(o)
    to_number(o, document)
    c = login(o.clerk)
    assert "生成清样" in text(c.get(f"/documents/{document.pk}/"))
    assert "生成成品" not in text(c.get(f"/documents/{document.pk}/"))  # not numbered yet
    r = c.post(f"/documents/{document.pk}/issue/proof/", follow=True)
    assert "已生成清样（PDF 第1版）" in text(r) and "清样预览" in text(r)
    assert document.files.filter(role="proof").exists()
    assert login(o.handler_b).post(f"/documents/{document.pk}/issue/proof/").status_code == 404
    # The preview shows each page as an image, for browsers without a PDF viewer too.
    from documents.models import FileVersion

    pdf = FileVersion.objects.get(file__document=document, file__role="proof", content_type="application/pdf")
    page = f"/documents/{document.pk}/files/{pdf.pk}/page-1.png"
    assert page in text(r)
    c = login(o.clerk)  # the fixture's client was signed in as someone else above
    image = c.get(page)
    assert image.status_code == 200 and image["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"
    assert c.get(f"/documents/{document.pk}/files/{pdf.pk}/page-99.png").status_code == 404
    assert login(o.outsider).get(page).status_code == 404


def test_the_opinion_box_offers_drafting_phrases_not_incoming_ones(office, login):
    o = office
    document = make_draft(o)
    page = text(login(o.handler_a).get(f"/documents/{document.pk}/"))
    assert "请审核。" in page and "拟同意，请领导签发。" in page
    assert "请综合一处研办。" not in page
