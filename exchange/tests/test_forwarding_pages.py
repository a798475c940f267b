"""转报 through the document page (the 转报 panel and exchange.views.forward) and the API
(POST /api/v1/documents/{id}/forward). The service itself (exchange.services.start_forwarding)
is checked in test_receipts; here: who is offered the action (exchange.access.forwarding_refusal,
the same check the service makes), the draft it opens, and refusals that write nothing."""

import pytest
from django.urls import reverse

from api.tests.helpers import ApiClient
from audit.models import AuditEvent
from documents.models import Document
from exchange import access
from exchange.models import Delivery
from exchange.services import start_forwarding
from exchange.tests.builders import clerk_of, dept_secretary, send, sign_for, task_of
from flow import services as flow
from flow.models import NodeKind
from gongwen.errors import Conflict, PermissionDenied
from incoming.services import IncomingData, register_at_node
from tests.helpers import diff, open_task, refused, snapshot

TITLE = "关于申请实施国道改线工程的请示"
PANEL = "起草转报稿"


@pytest.fixture
def bureau_request(office):
    """The bureau's 请示 as its parent department received it (signed for by its clerk)."""
    o = office
    dept_secretary(o)
    bureau_clerk = clerk_of(o.bureau, "bureau_clerk", "林文书")
    _, (to_dept,) = send(o.bureau, bureau_clerk, main=[o.dept], number="示公路〔2026〕15号", doc_type="请示",
                         direction="up", title=TITLE)
    sign_for(to_dept.incoming, o.dept_clerk)
    o.bureau_clerk = bureau_clerk
    return o, to_dept.incoming


def read_by_head(o, original):
    """The department registers the document and circulates it to its head (传阅): he then
    sees it, without being office staff."""
    register = open_task(original, o.dept_clerk)
    assert register.node_kind == NodeKind.REGISTER
    register_at_node(register.pk, actor=o.dept_clerk, data=IncomingData(
        title=TITLE, doc_type="请示", sender_id=o.bureau.pk, doc_number="示公路〔2026〕15号"))
    flow.circulate(original.pk, actor=o.dept_clerk, readers=[o.dept_head])


def page(client, person, document):
    client.force_login(person.user)
    return client.get(reverse("web:document", args=[document.pk]))


def forward_url(document):
    return reverse("exchange:forward", args=[document.pk])


# --- who is offered the action -------------------------------------------------------------------


def test_only_the_parent_departments_office_sees_the_action(bureau_request, client):
    o, original = bureau_request
    response = page(client, o.dept_clerk, original)
    html = response.content.decode()
    assert response.status_code == 200 and PANEL in html and forward_url(original) in html
    # The default title and the department's superiors as 主送 (the city government first).
    assert f"{o.dept.name}关于转报{o.bureau.short_name}{TITLE}" in html
    assert f'<option value="{o.gov.pk}" selected>{o.gov.name}</option>' in html
    panel = html[html.index('id="forward-h"'):]
    panel = panel[:panel.index("</section>")]
    assert "csrfmiddlewaretoken" in panel and 'name="recommendation"' in panel and "required" in panel

    # The department's head reads it (传阅) but is not office staff: no action.
    read_by_head(o, original)
    response = page(client, o.dept_head, original)
    assert response.status_code == 200 and PANEL not in response.content.decode()
    assert isinstance(access.forwarding_refusal(o.dept_head, original), PermissionDenied)
    # The bureau's own outgoing document, and a city incoming document from a department
    # without a parent: nothing to forward.
    outgoing = Delivery.objects.get(incoming=original).document
    response = page(client, o.bureau_clerk, outgoing)
    assert response.status_code == 200 and PANEL not in response.content.decode()
    _, (to_gov,) = send(o.dept, o.dept_clerk, main=[o.gov], number="示交〔2026〕3号", title="关于道路整治的报告",
                        doc_type="报告", direction="up")
    response = page(client, o.clerk, to_gov.incoming)
    assert response.status_code == 200 and PANEL not in response.content.decode()
    assert access.forwarding_refusal(o.clerk, to_gov.incoming).message == "转报只用于本机关所属二级局、企业等下级单位的来文。"

    # Once forwarded, the action is gone and the service refuses a second draft.
    start_forwarding(actor=o.dept_clerk, original_id=original.pk, main_to=[o.gov.pk], recommendation="同意。")
    assert PANEL not in page(client, o.dept_clerk, original).content.decode()
    with refused("不能重复转报", exc=Conflict):
        start_forwarding(actor=o.dept_clerk, original_id=original.pk, main_to=[o.gov.pk], recommendation="同意。")


def test_an_outsider_gets_404(bureau_request, client):
    o, original = bureau_request
    client.force_login(o.outsider.user)
    before = snapshot()
    assert client.get(forward_url(original)).status_code == 404
    assert client.post(forward_url(original), {"recommendation": "同意。", "main_to": o.gov.pk}).status_code == 404
    assert page(client, o.outsider, original).status_code == 404
    assert not diff(before, snapshot())


# --- the form ---------------------------------------------------------------------------------------


def test_posting_the_form_opens_the_linked_draft(bureau_request, client):
    o, original = bureau_request
    client.force_login(o.dept_clerk.user)
    assert client.get(forward_url(original)).status_code == 200  # the form page (phones, after a refusal)
    response = client.post(forward_url(original), {
        "title": "关于转报国道改线工程的请示", "main_to": str(o.gov.pk), "copy_to": "",
        "recommendation": "经审核，同意该局意见，建议予以支持。"}, follow=True)
    draft = Document.objects.get(forwarded_from=original)
    assert response.redirect_chain[-1][0] == reverse("web:document", args=[draft.pk])
    html = response.content.decode()
    assert "已起草转报稿《关于转报国道改线工程的请示》" in html
    assert (draft.agency, draft.direction, draft.writing_direction, draft.title) == (
        o.dept, "outgoing", "up", "关于转报国道改线工程的请示")
    assert list(draft.recipients.values_list("agency", "kind")) == [(o.gov.pk, "main")]
    assert draft.body_blocks[-1]["text"] == "经审核，同意该局意见，建议予以支持。"
    assert task_of(draft, o.dept_clerk).node_kind == NodeKind.DRAFT
    # The draft's page shows the link to the original.
    assert f"转报：{o.bureau.name}《{TITLE}》（示公路〔2026〕15号）" in html
    assert AuditEvent.objects.filter(action="exchange.start_forwarding").count() == 1


def test_an_empty_recommendation_is_refused_and_writes_nothing(bureau_request, client):
    o, original = bureau_request
    client.force_login(o.dept_clerk.user)
    before = snapshot()
    response = client.post(forward_url(original), {"title": "关于转报的请示", "main_to": str(o.gov.pk),
                                                   "recommendation": "   "})
    assert not diff(before, snapshot())
    html = response.content.decode()
    # The form comes back with the refusal and what was typed.
    assert response.status_code == 200 and "不得原文照转" in html and 'value="关于转报的请示"' in html
    # No 主送: the drafting form's own refusal, nothing written either.
    response = client.post(forward_url(original), {"main_to": "", "recommendation": "同意。"})
    assert response.status_code == 200 and "请填写主送机关" in response.content.decode()
    assert not diff(before, snapshot())


def test_someone_not_allowed_is_sent_back_with_the_reason(bureau_request, client):
    o, original = bureau_request
    start_forwarding(actor=o.dept_clerk, original_id=original.pk, main_to=[o.gov.pk], recommendation="同意。")
    client.force_login(o.dept_clerk.user)
    before = snapshot()
    response = client.post(forward_url(original), {"main_to": str(o.gov.pk), "recommendation": "同意。"})
    assert response.status_code == 302 and response.url == reverse("web:document", args=[original.pk])
    assert not diff(before, snapshot())
    assert "不能重复转报" in client.get(response.url).content.decode()
    # The form page itself sends them back too.
    response = client.get(forward_url(original))
    assert response.status_code == 302 and response.url == reverse("web:document", args=[original.pk])


def test_the_service_refuses_staff_outside_the_office(bureau_request):
    o, original = bureau_request
    # The department's head sees the document (传阅) but is not office staff.
    read_by_head(o, original)
    with refused("办公室人员", exc=PermissionDenied) as info:
        start_forwarding(actor=o.dept_head, original_id=original.pk, main_to=[o.gov.pk], recommendation="同意。")
    assert info.value.status_code == 403


# --- the API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(db, client) -> ApiClient:
    return ApiClient(client)


def test_api_forwards_and_refuses(bureau_request, api):
    o, original = bureau_request
    url = f"/documents/{original.pk}/forward"
    api.token(o.dept_clerk), api.token(o.outsider)  # issued before the snapshot
    before = snapshot()
    for who, payload, status in (
        (o.dept_clerk, {"main_to": [o.gov.pk], "recommendation": " "}, 400),
        (o.outsider, {"main_to": [o.gov.pk], "recommendation": "同意。"}, 404),
    ):
        response = api.post(who, url, payload)
        assert response.status_code == status, response.json()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert not diff(before, snapshot())

    response = api.post(o.dept_clerk, url, {"main_to": [o.gov.pk], "recommendation": "经审核，建议予以支持。"})
    assert response.status_code == 201, response.json()
    body = response.json()
    draft = Document.objects.get(pk=body["id"])
    assert draft.forwarded_from == original and body["forwarded_from_id"] == original.pk
    assert (body["writing_direction"], body["main_recipients"]) == ("up", o.gov.name)
    assert body["title"] == f"{o.dept.name}关于转报{o.bureau.short_name}{TITLE}"

    before = snapshot()
    again = api.post(o.dept_clerk, url, {"main_to": [o.gov.pk], "recommendation": "同意。"})
    assert again.status_code == 409 and "不能重复转报" in again.json()["detail"]
    assert not diff(before, snapshot())
