"""Organisation, template and audit pages; the template-editing service."""

import io

import pytest

from audit.models import AuditEvent
from flow.models import NodeDefinition, ProcessTemplate
from flow.template_services import save_template
from gongwen.errors import DomainError, PermissionDenied
from org.models import Agency, Delegation, Person, Post, Unit

pytestmark = pytest.mark.django_db


def text(r):
    return r.content.decode()


def test_sysadmin_creates_agency_unit_person(office, login):
    c = login(office.sysadmin)
    r = c.post("/admin/org/", {"name": "示范市水务局", "short_name": "市水务局", "code": "示水", "kind": "department",
                               "level": "city", "is_internal": "on"}, follow=True)
    agency = Agency.objects.get(name="示范市水务局")
    assert "已新增机关" in text(r)
    r = c.post(f"/admin/org/agencies/{agency.pk}/", {"action": "unit", "unit-name": "办公室", "unit-is_office": "on"},
               follow=True)
    assert "已新增处室" in text(r)
    unit = Unit.objects.get(agency=agency)
    r = c.post(f"/admin/org/agencies/{agency.pk}/", {"action": "person", "person-name": "钱文书",
                                                     "person-username": "qian", "person-password": "pass-12345",
                                                     "person-unit": unit.pk}, follow=True)
    assert "已新增人员" in text(r) and Person.objects.filter(name="钱文书").exists()
    # A refusal (second office) is shown and writes nothing.
    before = AuditEvent.objects.count()
    r = c.post(f"/admin/org/agencies/{agency.pk}/", {"action": "unit", "unit-name": "综合办", "unit-is_office": "on"},
               follow=True)
    assert "只能有一个办公室" in text(r) and AuditEvent.objects.count() == before


def test_posts_only_by_security_admin(office, login):
    c = login(office.sysadmin)
    page = text(c.get(f"/admin/org/people/{office.handler_b.pk}/"))
    assert "授予岗位" not in page and "由安全保密管理员授予" in page
    before = Post.objects.count()
    r = c.post(f"/admin/org/people/{office.handler_b.pk}/", {"action": "grant", "post-kind": "secretary"}, follow=True)
    assert "只有安全保密管理员" in text(r) and Post.objects.count() == before
    c = login(office.secadmin)
    r = c.post(f"/admin/org/people/{office.handler_b.pk}/", {"action": "grant", "post-kind": "secretary",
                                                              "post-unit": office.secretariat.pk}, follow=True)
    assert "已授予岗位：秘书" in text(r)
    r = c.post(f"/admin/org/people/{office.handler_b.pk}/", {"action": "clearance", "cl-clearance": "秘密"},
               follow=True)
    assert "已更新涉密等级" in text(r)
    # 三员分立: an administrator cannot take a document post.
    r = c.post(f"/admin/org/people/{office.auditor.pk}/", {"action": "grant", "post-kind": "clerk"}, follow=True)
    assert "管理员不得兼任业务岗位" in text(r)


def test_csv_import_and_sample(office, login):
    c = login(office.sysadmin)
    sample = c.get("/admin/org/import/sample-org.csv")
    assert sample.status_code == 200 and "机关,机关简称" in sample.content.decode("utf-8-sig")
    f = io.BytesIO(sample.content)
    f.name = "org.csv"
    r = c.post("/admin/org/import/", {"kind": "org", "file": f, "default_password": "pass-12345"}, follow=True)
    assert "导入完成" in text(r) and Agency.objects.filter(name="示范市水文站").exists()
    bad = io.BytesIO("机关,机关简称\n示范市某局,某局\n".encode())
    bad.name = "bad.csv"
    before = Agency.objects.count()
    r = c.post("/admin/org/import/", {"kind": "org", "file": bad, "default_password": "pass-12345"}, follow=True)
    assert "CSV 缺少列" in text(r) and Agency.objects.count() == before


def test_delegation_for_oneself(office, login):
    c = login(office.leader_a)
    r = c.post("/delegations/", {"to_person": office.director.pk, "starts_at": "2026-03-01T08:00",
                                 "ends_at": "2026-03-05T18:00", "reason": "出差"}, follow=True)
    assert "已委托赵主任" in text(r)
    d = Delegation.objects.get()
    r = c.post("/delegations/", {"to_person": office.director.pk, "starts_at": "2026-03-02T08:00",
                                 "ends_at": "2026-03-03T18:00"}, follow=True)
    assert "该时段已有委托" in text(r) and Delegation.objects.count() == 1
    assert login(office.head_a).post(f"/delegations/{d.pk}/cancel/").status_code == 404
    r = login(office.leader_a).post(f"/delegations/{d.pk}/cancel/", follow=True)
    assert "已撤销委托" in text(r)


def test_template_editor_page(office, login):
    template = ProcessTemplate.objects.get(slip_kind="misc")
    c = login(office.sysadmin)
    page = text(c.get(f"/admin/templates/{template.pk}/"))
    assert "零星收文处理流程" in page and "允许的操作" in page and "答复已经领导审定" in page
    nodes = list(template.nodes.order_by("position"))
    data = {"name": "零星收文处理流程（修订）", "is_active": "on", "form-TOTAL_FORMS": len(nodes),
            "form-INITIAL_FORMS": len(nodes), "form-MIN_NUM_FORMS": 0, "form-MAX_NUM_FORMS": 1000}
    for i, n in enumerate(nodes):
        data.update({f"form-{i}-id": n.pk, f"form-{i}-position": n.position, f"form-{i}-key": n.key,
                     f"form-{i}-name": n.name, f"form-{i}-kind": n.kind, f"form-{i}-assignee_rule": n.assignee_rule,
                     f"form-{i}-post_kind": n.post_kind, f"form-{i}-mode": n.mode,
                     f"form-{i}-operations": n.operations, f"form-{i}-gates": n.gates,
                     f"form-{i}-condition": n.condition})
        if n.mode_choosable:
            data[f"form-{i}-mode_choosable"] = "on"
    # Rule "post" without a post is refused, naming the node; nothing changes.
    data["form-2-assignee_rule"], data["form-2-post_kind"] = "post", ""
    before = template.snapshot()
    r = c.post(f"/admin/templates/{template.pk}/", data, follow=True)
    assert "必须指定岗位" in text(r) and template.snapshot() == before
    data["form-2-post_kind"] = "office_director"
    data["form-0-DELETE"] = "on"
    r = c.post(f"/admin/templates/{template.pk}/", data, follow=True)
    assert "已保存流程模板" in text(r)
    template.refresh_from_db()
    assert template.name == "零星收文处理流程（修订）" and template.nodes.count() == len(nodes) - 1
    assert AuditEvent.objects.filter(action="flow.template.update").count() == 1


def _nodes(template):
    return [n.as_dict() | {"position": n.position} for n in template.nodes.order_by("position")]


def test_template_service_rules(office):
    template = ProcessTemplate.objects.get(slip_kind="intake")
    nodes = _nodes(template)
    with pytest.raises(PermissionDenied):
        save_template(actor=office.clerk, template=template, nodes=nodes)
    cases = [
        (lambda ns: ns[1].update(key=ns[0]["key"]), "不能重复"),
        (lambda ns: ns[1].update(gates=["no_such_gate"]), "未知的关卡"),
        (lambda ns: ns[1].update(operations=["fly"]), "未知的操作"),
        (lambda ns: ns[1].update(operations=["return"]), "至少要允许"),
        (lambda ns: ns[1].update(assignee_rule="post", post_kind=""), "必须指定岗位"),
        (lambda ns: ns[-1].update(operations=["send_on"]), "必须允许“办结”"),
        (lambda ns: ns[1].update(key="Bad Key"), "标识"),
    ]
    for change, message in cases:
        bad = [dict(n) for n in nodes]
        change(bad)
        with pytest.raises(DomainError, match=message):
            save_template(actor=office.sysadmin, template=template, nodes=bad)
    assert _nodes(template) == nodes and not AuditEvent.objects.filter(action="flow.template.update").exists()
    reordered = [dict(n) for n in nodes]
    reordered[2]["position"], reordered[3]["position"] = 4, 3
    save_template(actor=office.sysadmin, template=template, nodes=reordered)
    keys = list(NodeDefinition.objects.filter(template=template).order_by("position").values_list("key", flat=True))
    assert keys[2:4] == [nodes[3]["key"], nodes[2]["key"]]
    event = AuditEvent.objects.get(action="flow.template.update")
    assert event.old["nodes"][2]["key"] == nodes[2]["key"] and event.new["nodes"][2]["key"] == nodes[3]["key"]


def test_audit_page_and_verify(office, login):
    c = login(office.sysadmin)
    c.post("/admin/org/", {"name": "示范市水务局", "short_name": "市水务局", "kind": "department", "level": "city"})
    c = login(office.auditor)
    page = text(c.get("/audit/"))
    assert "新增机关" in page and "杨系统" in page  # the action in Chinese (audit/labels.py)
    assert "新增机关" not in text(c.get("/audit/?q=flow.")).split("<tbody>")[1]
    r = c.post("/audit/verify/", follow=True)
    assert "审计链完整" in text(r)
