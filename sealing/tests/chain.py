"""Drive an outgoing document through the chain to the 用印 node (shared by the sealing
tests; the steps are those of drafting/tests/test_services.py)."""

from __future__ import annotations

from documents.models import NumberSeries
from documents.services import upload_file
from drafting import services as drafting
from drafting.render import BodyParagraph, RenderInput, render_docx
from flow import services as flow
from sealing import services as sealing
from tests.helpers import open_task

BODY = ["为进一步做好道路运输安全工作，现将有关事项通知如下。", "一、提高认识", "各单位要高度重视。"]


def draft_data(o, **over):
    data = {"doc_type": "通知", "title": "示范市人民政府办公室关于做好道路运输安全工作的通知",
            "main_to": [o.dept.pk, "各区人民政府"], "copy_to": [], "publicity": "主动公开"}
    data.update(over)
    return drafting.DraftData(**data)


def docx_for(document, paragraphs=BODY) -> bytes:
    return render_docx(RenderInput(agency_mark=document.agency.name, title=document.title,
                                   main_recipients=document.main_recipients + "：",
                                   body=[BodyParagraph(p) for p in paragraphs],
                                   issuing_agency=document.agency.name, date="2026年3月9日"))


def with_body(document, actor, paragraphs=BODY):
    return upload_file(actor=actor, document=document, name="正文.docx", data=docx_for(document, paragraphs),
                       replaces=document.files.filter(role="body").first())


def series_for(o):
    return NumberSeries.objects.get_or_create(agency=o.gov, code="示府办发", defaults={"name": "府办发文"})[0]


def seal_for(o):
    return sealing.register_seal(actor=o.secadmin, agency=o.gov, name="示范市人民政府办公室印", keeper=o.keeper)


def to_seal(o, document=None, **over):
    """A routine 通知 from 拟稿 to 用印: reviewed, signed off by 周副市长, rechecked, numbered."""
    document = document or drafting.create_draft(actor=o.handler_a, data=draft_data(o, **over))
    with_body(document, o.handler_a)
    flow.send_on(open_task(document, o.handler_a).pk, actor=o.handler_a, opinion="请审核。")
    flow.send_on(open_task(document, o.head_a).pk, actor=o.head_a, opinion="同意。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已核。")
    flow.send_on(open_task(document, o.director).pk, actor=o.director, opinion="拟同意，请领导签发。")
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。")
    number = open_task(document, o.clerk)
    drafting.number(number.pk, actor=o.clerk, series_id=series_for(o).pk)
    flow.send_on(number.pk, actor=o.clerk, opinion="已编号。")
    document.refresh_from_db()
    return document
