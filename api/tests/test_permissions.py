"""The permission matrix, in the spirit of NetBox's utilities/testing/api.py: every
endpoint is tried anonymous, by people of another agency, by the three administrators,
by a person of the agency who may see but not do, and by the right person.

Every denied attempt must leave every table as it was: no row changed, no audit event,
no routing-history event. A document or task the caller may not see answers 404, the
same as a missing one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import Document, FileVersion
from documents.services import upload_file
from flow import services as flow
from flow.models import Activation, Task, TaskStatus
from incoming.services import IncomingData, register_incoming, submit_direct
from org.models import Delegation, Post
from org.services import create_delegation
from tests.factories import PersonFactory, UserFactory

from .helpers import changed_tables, counts, has_chinese, open_task, snapshot

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# --- states to act on, reached through the services -----------------------------------------


def registered(o):
    return register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于开展安全生产大检查的通知", doc_type="通知", sender_id=o.dept.pk))


def at_screen(o) -> dict:
    doc = registered(o)
    return {"doc": doc.pk, "task": open_task(doc, o.secretary).pk}


def at_propose(o) -> dict:
    doc = registered(o)
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    screen = Activation.objects.get(process__document=doc, node_key="screen")
    return {"doc": doc.pk, "task": open_task(doc, o.director).pk, "screen": screen.pk}


def sent_on(o) -> dict:
    """The secretary has sent the document on; the director has not opened it yet."""
    ctx = at_propose(o)
    ctx["task"] = Task.objects.get(document_id=ctx["doc"], assignee=o.secretary, status=TaskStatus.DONE).pk
    return ctx


def at_handle(o) -> dict:
    ctx = at_propose(o)
    doc = ctx["doc"]
    flow.send_on(ctx["task"], actor=o.director, opinion="拟请周副市长阅示。", next_assignees=[o.leader_a])
    flow.send_on(open_task(doc, o.leader_a).pk, actor=o.leader_a, opinion="请综合一处办理。")
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, lead_unit=o.div_a)
    return {"doc": doc, "task": open_task(doc, o.head_a).pk}


def countersigning(o) -> dict:
    ctx = at_handle(o)
    flow.request_countersign(ctx["task"], actor=o.head_a, units=[o.div_c])
    return {"doc": ctx["doc"], "task": open_task(ctx["doc"], o.head_c, "countersign").pk, "main": ctx["task"]}


def disagreed(o) -> dict:
    ctx = countersigning(o)
    flow.countersign(ctx["task"], actor=o.head_c, decision="disagree", opinion="时限过紧。")
    return {"doc": ctx["doc"], "task": ctx["main"]}


def circulating(o) -> dict:
    doc = registered(o)
    flow.circulate(doc.pk, actor=o.clerk, readers=[o.leader_a])
    return {"doc": doc.pk, "task": open_task(doc, o.leader_a, "circulate").pk}


def at_register(o) -> dict:
    doc = submit_direct(actor=o.handler_b, agency=o.gov, leader=o.leader_a, data=IncomingData(
        title="关于申请追加道路养护经费的请示", doc_type="请示"))
    flow.send_on(open_task(doc, o.clerk).pk, actor=o.clerk, opinion="已签收。")
    return {"doc": doc.pk, "task": open_task(doc, o.clerk).pk}


def with_file(o) -> dict:
    ctx = at_screen(o)
    document = Document.objects.get(pk=ctx["doc"])
    version = upload_file(actor=o.clerk, document=document, name="来文.pdf", data=PDF)
    return {**ctx, "version": version.pk, "file": version.file_id}


def a_post(o) -> dict:
    return {"post": Post.objects.get(person=o.handler_b, kind="handler").pk}


def plain_person(o) -> dict:
    p = PersonFactory(agency=o.gov, name="新同志", user=UserFactory(username="newcomer"))
    return {"person": p.pk}


def a_delegation(o) -> dict:
    from datetime import timedelta

    from django.utils import timezone

    d = create_delegation(actor=o.head_a, from_person=o.head_a, to_person=o.handler_a,
                          starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=3), reason="出差")
    return {"delegation": d.pk}


def intake_template(o) -> dict:
    from flow.models import ProcessTemplate

    template = ProcessTemplate.objects.get(agency__isnull=True, slip_kind="intake")
    return {"template": template.pk, "nodes": template.snapshot()}


def pdf_form(o, ctx):
    return {"file": SimpleUploadedFile("正文.pdf", PDF, content_type="application/pdf"), "role": "body"}


def future(days: int) -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.now() + timedelta(days=days)).isoformat()


# --- the matrix --------------------------------------------------------------------------------

OTHER_AGENCY = ("outsider", "dept_clerk", "dept_head")
ADMINISTRATORS = ("sysadmin", "secadmin", "auditor")


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    actor: str
    setup: Callable[[Any], dict] = lambda o: {}
    body: Callable[[Any, dict], Any] | None = None
    kind: str = "document"  # document: others get 404; org: others get 403; self: only `wrong`
    ok: int = 200
    wrong: tuple[tuple[str, int], ...] = ()
    multipart: bool = False
    writes: bool | None = None  # default: every method but GET changes something, and is audited

    def denied(self) -> list[tuple[str | None, int]]:
        result: list[tuple[str | None, int]] = [(None, 401)]
        if self.kind == "document":
            result += [(name, 404) for name in OTHER_AGENCY + ADMINISTRATORS]
        elif self.kind == "org":
            result += [(name, 403) for name in ("outsider", "clerk", "director")]
        return result + [w for w in self.wrong if w not in result]


def body(**values):
    return lambda o, ctx: {k: (v(o, ctx) if callable(v) else v) for k, v in values.items()}


CASES = [
    # documents: reads
    Case("document", "get", "/documents/{doc}", "clerk", at_screen),
    Case("history", "get", "/documents/{doc}/history", "clerk", at_screen),
    Case("files", "get", "/documents/{doc}/files", "clerk", with_file),
    Case("download", "get", "/documents/{doc}/files/{version}", "clerk", with_file),
    # documents: writes
    Case("register", "post", "/documents", "clerk", body=body(title="关于报送统计数据的通知", doc_type="通知",
                                                              sender_id=lambda o, c: o.dept.pk,
                                                              agency_id=lambda o, c: o.gov.pk),
         kind="self", ok=201, wrong=(("secretary", 403), ("outsider", 403), ("sysadmin", 403), ("dept_clerk", 403))),
    Case("direct", "post", "/documents/direct", "handler_b",
         body=body(title="关于申请经费的请示", doc_type="请示", leader_id=lambda o, c: o.leader_a.pk),
         kind="self", ok=201, wrong=(("sysadmin", 403), ("secadmin", 403))),
    Case("upload", "post", "/documents/{doc}/files", "clerk", at_handle, pdf_form, ok=201, multipart=True,
         wrong=(("leader_a", 403),)),
    Case("upload_version", "post", "/documents/{doc}/files", "clerk", with_file,
         lambda o, c: {**pdf_form(o, c), "replaces": str(c["file"])}, ok=201, multipart=True),
    Case("circulate", "post", "/documents/{doc}/circulate", "clerk", at_handle,
         body(reader_ids=lambda o, c: [o.leader_b.pk], note="请阅。"), wrong=(("head_a", 403),)),
    Case("reject", "post", "/documents/{doc}/reject", "clerk", at_screen,
         body(reason="不属于本机关职责。", error_category="程序")),
    # tasks
    Case("send_on", "post", "/tasks/{task}/send_on", "secretary", at_screen, body(opinion="请拟办。"),
         wrong=(("director", 403),)),
    Case("complete", "post", "/tasks/{task}/complete", "director", at_propose, body(opinion="阅存。"),
         wrong=(("secretary", 403),)),
    Case("return", "post", "/tasks/{task}/return", "director", at_propose,
         body(to_activation_id=lambda o, c: c["screen"], reason="要素不全。", error_category="格式"),
         wrong=(("clerk", 403),)),
    Case("add_signer", "post", "/tasks/{task}/add_signer", "secretary", at_screen,
         body(person_ids=lambda o, c: [o.director.pk]), wrong=(("director", 403),)),
    Case("transfer", "post", "/tasks/{task}/transfer", "secretary", at_screen,
         body(to_person_id=lambda o, c: o.clerk.pk), wrong=(("director", 403),)),
    Case("assign", "post", "/tasks/{task}/assign", "head_a", at_handle,
         body(handler_id=lambda o, c: o.handler_a.pk), wrong=(("leader_a", 403),)),
    Case("recall", "post", "/tasks/{task}/recall", "secretary", sent_on, wrong=(("director", 403),)),
    Case("countersign_request", "post", "/tasks/{task}/countersign_request", "head_a", at_handle,
         body(unit_ids=lambda o, c: [o.div_c.pk]), wrong=(("leader_a", 403),)),
    Case("countersign", "post", "/tasks/{task}/countersign", "head_c", countersigning,
         body(decision="agree", opinion="同意。"), wrong=(("head_a", 403),)),
    Case("resolve", "post", "/tasks/{task}/resolve", "head_a", disagreed, body(resolution="已协商一致。"),
         wrong=(("head_c", 403),)),
    Case("read_back", "post", "/tasks/{task}/read_back", "leader_a", circulating, body(opinion="已阅。"),
         wrong=(("clerk", 403),)),
    Case("register_at_node", "post", "/tasks/{task}/register", "clerk", at_register, body(opinion="登记。"),
         wrong=(("secretary", 403),)),
    # organisation
    Case("agency_create", "post", "/org/agencies", "sysadmin", body=body(name="示范市水务局", kind="department"),
         kind="org", ok=201, wrong=(("secadmin", 403), ("auditor", 403))),
    Case("agency_update", "patch", "/org/agencies/{agency}", "sysadmin", lambda o: {"agency": o.dept.pk},
         body(short_name="交通局"), kind="org", wrong=(("secadmin", 403),)),
    Case("unit_create", "post", "/org/units", "sysadmin", body=body(agency_id=lambda o, c: o.gov.pk, name="法规处"),
         kind="org", ok=201, wrong=(("secadmin", 403),)),
    Case("unit_update", "patch", "/org/units/{unit}", "sysadmin", lambda o: {"unit": o.div_b.pk},
         body(short_name="二处"), kind="org", wrong=(("auditor", 403),)),
    Case("person_create", "post", "/org/people", "sysadmin",
         body=body(agency_id=lambda o, c: o.gov.pk, name="钱科员", username="qian", password="pass-12345"),
         kind="org", ok=201, wrong=(("secadmin", 403),)),
    Case("person_update", "patch", "/org/people/{person}", "sysadmin", lambda o: {"person": o.handler_a.pk},
         body(title="副主任科员", is_active=False), kind="org", wrong=(("secadmin", 403),)),
    Case("clearance", "post", "/org/people/{person}/clearance", "secadmin", lambda o: {"person": o.handler_b.pk},
         body(clearance="秘密"), kind="org", wrong=(("sysadmin", 403), ("auditor", 403))),
    Case("admin_role", "post", "/org/people/{person}/admin_role", "secadmin", plain_person, body(role="auditor"),
         kind="org", wrong=(("sysadmin", 403),)),
    Case("post_grant", "post", "/org/posts", "secadmin",
         body=body(person_id=lambda o, c: o.handler_b.pk, kind="supervisor"), kind="org", ok=201,
         wrong=(("sysadmin", 403),)),
    Case("post_revoke", "delete", "/org/posts/{post}", "secadmin", a_post, kind="org", ok=204,
         wrong=(("sysadmin", 403),)),
    Case("org_import", "post", "/org/import", "sysadmin", body=body(
        text="机关,机关简称,机关代字,机关类别,上级机关,处室,处室类型,姓名,登录名,职务\n"
             "示范市水务局,市水务局,示水,部门,,办公室,办公室,林文书,lin,文书\n", default_password="pass-12345"),
         kind="org", wrong=(("secadmin", 403),)),
    Case("posts_import", "post", "/org/import_posts", "secadmin",
         body=body(text="登录名,岗位,所在处室,分管处室\nhandler_b,督查员,,\n"), kind="org", wrong=(("sysadmin", 403),)),
    Case("templates", "get", "/templates", "sysadmin", kind="org", wrong=(("secadmin", 403), ("auditor", 403))),
    Case("template_update", "put", "/templates/{template}/nodes", "sysadmin", intake_template,
         body(name="收文处理流程（修订）", nodes=lambda o, c: c["nodes"][:2] + c["nodes"][3:]), kind="org",
         wrong=(("secadmin", 403),)),
    Case("audit_events", "get", "/audit/events", "auditor", kind="org", wrong=(("sysadmin", 403), ("secadmin", 403))),
    Case("audit_verify", "post", "/audit/verify", "auditor", kind="org", writes=False,
         wrong=(("sysadmin", 403), ("secadmin", 403))),
    Case("delegation_create", "post", "/org/delegations", "head_a",
         body=body(from_person_id=lambda o, c: o.head_a.pk, to_person_id=lambda o, c: o.handler_a.pk, starts_at=future(0), ends_at=future(3)), kind="self",
         ok=201, wrong=(("handler_b", 403), ("outsider", 403))),
    # The stand-in sees the delegation but may not cancel it; another agency's is not found.
    Case("delegation_cancel", "post", "/org/delegations/{delegation}/cancel", "head_a", a_delegation, kind="self",
         wrong=(("handler_a", 403), ("outsider", 404))),
]

def _call(api, o, case: Case, ctx: dict, who: str | None):
    person = getattr(o, who) if who else None
    path = case.path.format(**{k: v for k, v in ctx.items() if not isinstance(v, list)})
    payload = case.body(o, ctx) if case.body else None
    if case.multipart:
        return api.upload(person, path, payload)
    if case.method == "get":
        return api.get(person, path)
    if case.method == "delete":
        return api.delete(person, path)
    return getattr(api, case.method)(person, path, payload)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_permission_matrix(api, office, case: Case):
    o = office
    ctx = case.setup(o)
    # Tokens are issued before the snapshot: issuing them writes audit events of its own.
    for name in {n for n, _ in case.denied() if n} | {case.actor}:
        api.token(getattr(o, name))
    before, before_counts = snapshot(), counts()
    for who, expected in case.denied():
        response = _call(api, o, case, ctx, who)
        assert response.status_code == expected, (who, response.status_code, response.content.decode()[:300])
        payload = response.json()
        assert has_chinese(payload["detail"]) and payload["code"], payload
        assert not changed_tables(before, snapshot()), f"{who} changed {changed_tables(before, snapshot())}"
        assert counts() == before_counts
    response = _call(api, o, case, ctx, case.actor)
    assert response.status_code == case.ok, response.content.decode()[:500]
    audits, _ = counts()
    if not (case.method != "get" if case.writes is None else case.writes):
        assert audits == before_counts[0]
    else:
        assert audits > before_counts[0], "a change without an audit event"


def _answer(response) -> tuple[int, dict]:
    body = response.json()
    body.pop("request_id", None)  # one per request, never part of what tells them apart
    return response.status_code, body


def test_invisible_looks_exactly_like_missing(api, office):
    o = office
    ctx = at_screen(o)
    missing_task, missing_doc = ctx["task"] + 1000, ctx["doc"] + 1000
    for path in ("/tasks/{}/send_on", "/tasks/{}/register", "/tasks/{}/recall"):
        hidden = _answer(api.post(o.outsider, path.format(ctx["task"]), {"opinion": "x"}))
        missing = _answer(api.post(o.outsider, path.format(missing_task), {"opinion": "x"}))
        assert hidden == missing and hidden[0] == 404
    for path in ("/documents/{}", "/documents/{}/history", "/documents/{}/files"):
        hidden = _answer(api.get(o.outsider, path.format(ctx["doc"])))
        missing = _answer(api.get(o.clerk, path.format(missing_doc)))
        assert hidden == missing and hidden[0] == 404


def test_lists_show_only_what_the_caller_may_see(api, office):
    o = office
    ctx = at_screen(o)
    for who in ("anonymous",):
        assert api.get(None, "/documents").status_code == 401
        assert api.get(None, "/tasks/inbox").status_code == 401
        assert api.get(None, "/org/people").status_code == 401, who
    assert api.get(o.clerk, "/documents").json()["total"] == 1
    for name in OTHER_AGENCY + ADMINISTRATORS + ("head_a", "leader_a"):
        listed = api.get(getattr(o, name), "/documents").json()
        assert listed["total"] == 0 and listed["items"] == [], name
    inbox = api.get(o.secretary, "/tasks/inbox").json()
    assert [t["id"] for t in inbox["items"]] == [ctx["task"]]
    assert api.get(o.director, "/tasks/inbox").json()["total"] == 0
    # The directory is for everyone signed in; clearances only for the administrators who manage them.
    people = api.get(o.handler_a, "/org/people").json()
    assert len(people) >= 15 and all(p["clearance"] is None for p in people)
    assert all(p["clearance"] is not None for p in api.get(o.secadmin, "/org/people").json())


def test_paging(api, office):
    o = office
    for i in range(5):
        register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(title=f"来文{i}", doc_type="函",
                                                                         sender_name="某单位"))
    first = api.get(o.clerk, "/documents", {"limit": 2, "offset": 0, "sort": "title"}).json()
    second = api.get(o.clerk, "/documents", {"limit": 2, "offset": 2, "sort": "title"}).json()
    assert first["total"] == second["total"] == 5
    assert [d["title"] for d in first["items"] + second["items"]] == ["来文0", "来文1", "来文2", "来文3"]
    too_many = api.get(o.clerk, "/documents", {"limit": 1000})
    assert too_many.status_code == 422 and "每页条数" in too_many.json()["detail"]


def test_download_refuses_a_tampered_file(api, office, settings):
    o = office
    ctx = with_file(o)
    version = FileVersion.objects.get(pk=ctx["version"])
    path = settings.FILES_ROOT / version.storage_path
    path.chmod(0o640)
    path.write_bytes(PDF + b"tampered")
    response = api.get(o.clerk, f"/documents/{ctx['doc']}/files/{ctx['version']}")
    assert response.status_code == 400 and response.json()["code"] == "file_corrupted"
    # A version of another document is not found through this one.
    other = with_file(o)
    assert api.get(o.clerk, f"/documents/{ctx['doc']}/files/{other['version']}").status_code == 404


def test_delegate_acts_for_the_absent_person(api, office):
    o = office
    ctx = at_screen(o)
    from datetime import timedelta

    from django.utils import timezone

    create_delegation(actor=o.secretary, from_person=o.secretary, to_person=o.clerk, starts_at=timezone.now(),
                      ends_at=timezone.now() + timedelta(days=1))
    response = api.post(o.clerk, f"/tasks/{ctx['task']}/send_on", {"opinion": "代秘书科初审：请拟办。"})
    assert response.status_code == 200, response.content
    assert response.json()["tasks"][0]["acted_by"]["id"] == o.clerk.pk
    assert Delegation.objects.count() == 1



def test_template_edit_is_validated_and_visible(api, office):
    o = office
    ctx = intake_template(o)
    api.token(o.sysadmin)
    before = snapshot()
    bad = api.put(o.sysadmin, f"/templates/{ctx['template']}/nodes", {"nodes": ctx["nodes"][:-1]})
    assert bad.status_code == 400 and "办结" in bad.json()["detail"]
    assert not changed_tables(before, snapshot())
    nodes = [dict(n, time_limit_hours=8) if n["key"] == "screen" else n for n in ctx["nodes"]]
    saved = api.put(o.sysadmin, f"/templates/{ctx['template']}/nodes", {"nodes": nodes})
    assert saved.status_code == 200, saved.content
    listed = {t["id"]: t for t in api.get(o.sysadmin, "/templates").json()}
    screen = next(n for n in listed[ctx["template"]]["nodes"] if n["key"] == "screen")
    assert screen["time_limit_hours"] == 8 and len(listed) >= 3
