"""The audit log (安全审计日志): every service writes an event in its own transaction, the
rows are chained by hash, ``manage.py verify_audit`` reports the first broken link with
its 序号 when a row is edited or deleted behind the application's back, and the model
itself refuses to edit or delete."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit.models import AppendOnlyError, AuditEvent, AuditHead
from audit.services import verify_chain
from documents.services import upload_file
from flow import services as flow
from flow.models import Decision, HistoryEvent, Opinion, ProcessTemplate, TaskRole
from flow.template_services import save_template
from incoming.services import IncomingData, register_at_node, register_incoming, submit_direct
from org import services as org
from org.models import Post
from tests.helpers import open_task
from tests.test_permissions import PDF, build_scene

TABLE = AuditEvent._meta.db_table


def events_of(call):
    """Run ``call`` and return the audit events it wrote."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    call()
    return list(AuditEvent.objects.filter(seq__gt=last).order_by("seq"))


def test_every_service_writes_its_event(office):
    o = office
    s = build_scene(o)
    now = timezone.now()
    state = {}

    def delegation():
        state["delegation"] = org.create_delegation(actor=o.head_c, from_person=o.head_c, to_person=o.handler_a,
                                                    starts_at=now, ends_at=now + timedelta(days=1))

    def new_person():
        state["person"] = org.create_person(actor=o.sysadmin, agency=o.gov, name="钱科员", username="qian",
                                            password="pass-12345", unit=o.div_c)

    def new_post():
        state["post"] = org.grant_post(actor=o.secadmin, person=state["person"], kind="handler", unit=o.div_c)

    template = ProcessTemplate.objects.get(agency__isnull=True, slip_kind="misc")
    cases = [
        # organisation
        (lambda: org.create_agency(actor=o.sysadmin, name="示范市水务局", short_name="市水务局", kind="department"),
         "org.agency.create", o.sysadmin),
        (lambda: org.update_agency(actor=o.sysadmin, agency=o.dept, short_name="交通局"), "org.agency.update", o.sysadmin),
        (lambda: org.create_unit(actor=o.sysadmin, agency=o.gov, name="法规处"), "org.unit.create", o.sysadmin),
        (lambda: org.update_unit(actor=o.sysadmin, unit=o.div_c, short_name="督查"), "org.unit.update", o.sysadmin),
        (new_person, "org.person.create", o.sysadmin),
        (lambda: org.update_person(actor=o.sysadmin, person=state["person"], title="一级科员"), "org.person.update",
         o.sysadmin),
        (new_post, "org.post.grant", o.secadmin),
        (lambda: org.revoke_post(actor=o.secadmin, post=state["post"]), "org.post.revoke", o.secadmin),
        (lambda: org.set_person_active(actor=o.sysadmin, person=state["person"], active=False), "org.person.active",
         o.sysadmin),
        (lambda: org.set_clearance(actor=o.secadmin, person=o.director, clearance="秘密"), "org.clearance.set",
         o.secadmin),
        (lambda: org.set_admin_role(actor=o.secadmin, person=state["person"], role="auditor"), "org.admin_role.set",
         o.secadmin),
        (delegation, "org.delegation.create", o.head_c),
        (lambda: org.cancel_delegation(actor=o.head_c, delegation=state["delegation"]), "org.delegation.cancel",
         o.head_c),
        (lambda: org.import_org_csv(actor=o.sysadmin, default_password="pass-12345", text=(
            "机关,机关简称,机关代字,机关类别,上级机关,处室,处室类型,姓名,登录名,职务\n"
            "示范市人民政府办公室,市政府办,示府办,政府,,法规处,,褚法规,chu_fg,科员\n")), "org.person.create", o.sysadmin),
        (lambda: save_template(actor=o.sysadmin, template=template, nodes=template.snapshot(), name=template.name),
         "flow.template.update", o.sysadmin),
        # documents
        (lambda: register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title="关于报送统计数据的通知", doc_type="通知", sender_id=o.province.pk)), "documents.register", o.clerk),
        (lambda: submit_direct(actor=o.head_a, agency=o.gov, leader=o.principal,
                               data=IncomingData(title="关于申请经费的请示", doc_type="请示")),
         "documents.submit_direct", o.head_a),
        (lambda: register_at_node(open_task(s.direct, o.clerk).pk, actor=o.clerk), "documents.register", o.clerk),
        (lambda: upload_file(actor=o.clerk, document=s.screen, name="附件.pdf", data=PDF + b"%2"),
         "documents.file.upload", o.clerk),
        # the engine
        (lambda: flow.send_on(open_task(s.screen, o.secretary).pk, actor=o.secretary, opinion="请拟办。"),
         "flow.send_on", o.secretary),
        (lambda: flow.recall(open_task(s.screen, o.director).origin_task_id, actor=o.secretary), "flow.recall",
         o.secretary),
        (lambda: flow.transfer(open_task(s.screen, o.secretary).pk, actor=o.secretary, to_person=o.clerk),
         "flow.transfer", o.secretary),
        (lambda: flow.add_signer(open_task(s.propose, o.director).pk, actor=o.director, people=[o.secretary]),
         "flow.add_signer", o.director),
        (lambda: flow.send_on(open_task(s.propose, o.secretary, TaskRole.ADDED).pk, actor=o.secretary,
                              opinion="同意。"), "flow.feedback", o.secretary),
        (lambda: flow.return_task(open_task(s.propose, o.director).pk, actor=o.director, reason="请补充。",
                                  to_activation_id=flow.return_targets(open_task(s.propose, o.director))[0].pk),
         "flow.return", o.director),
        (lambda: flow.assign_handler(open_task(s.handle, o.head_a).pk, actor=o.head_a, handler=o.handler_a),
         "flow.assign", o.head_a),
        (lambda: flow.circulate(s.circulated.pk, actor=o.clerk, readers=[o.leader_b]), "flow.circulate", o.clerk),
        (lambda: flow.read_back(open_task(s.circulated, o.leader_b, TaskRole.CIRCULATE).pk, actor=o.leader_b),
         "flow.read_back", o.leader_b),
        (lambda: flow.request_countersign(open_task(s.working, o.handler_a).pk, actor=o.handler_a, units=[o.div_c]),
         "flow.countersign_request", o.handler_a),
        (lambda: flow.countersign(open_task(s.working, o.head_b, TaskRole.COUNTERSIGN).pk, actor=o.head_b,
                                  decision=Decision.AGREE, opinion="同意。"), "flow.countersign", o.head_b),
        (lambda: flow.resolve_disagreement(open_task(s.disagreed, o.head_a).pk, actor=o.head_a, resolution="已协商。"),
         "flow.resolve", o.head_a),
        (lambda: flow.complete(open_task(s.handle, o.handler_a).pk, actor=o.handler_a, opinion="已办理。"),
         "flow.complete", o.handler_a),
        (lambda: flow.reject(s.secret.pk, actor=o.clerk, reason="错送。"), "flow.reject", o.clerk),
    ]
    for call, action, actor in cases:
        written = events_of(call)
        assert action in [e.action for e in written], f"{action}: wrote {[e.action for e in written]}"
        event = next(e for e in written if e.action == action)
        assert event.actor_id == actor.pk and event.actor_name == actor.name
        assert event.target_type and event.target_id
    # An update carries the old and the new values.
    update = AuditEvent.objects.filter(action="org.agency.update").get()
    assert update.old == {"short_name": "市交通局"} and update.new == {"short_name": "交通局"}
    ok, message, count = verify_chain()
    assert ok, message
    assert count == AuditEvent.objects.count() == AuditHead.objects.get().last_seq


def test_the_client_address_of_the_request_is_recorded(office):
    from audit.middleware import client_address

    token = client_address.set("10.1.2.3")
    try:
        register_incoming(actor=office.clerk, agency=office.gov, data=IncomingData(
            title="关于报送统计数据的通知", doc_type="通知", sender_id=office.province.pk))
    finally:
        client_address.reset(token)
    assert AuditEvent.objects.get(action="documents.register").client_address == "10.1.2.3"
    assert HistoryEvent.objects.filter(client_address="10.1.2.3").exists()


@pytest.fixture
def chain(office):
    """Five events from real services."""
    for n in range(5):
        org.create_unit(actor=office.sysadmin, agency=office.gov, name=f"第{n + 1}调研组")
    assert AuditEvent.objects.count() == 5
    return office


def verify_command() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def broken(match):
    return pytest.raises(CommandError, match=match)


def test_verify_audit_passes_on_a_good_chain(chain):
    assert "审计链完整，共 5 条事件" in verify_command()


def test_edited_row_is_reported_with_its_number(chain):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET actor_name = %s WHERE seq = 3", ["冒名者"])  # noqa: S608
    with broken("第 3 号审计事件的内容与哈希不符"):
        verify_command()


def test_edited_value_of_the_new_data_is_reported(chain):
    AuditEvent.objects.filter(seq=2).update(new={"agency": 1, "name": "改过的名称"})  # the ORM bypasses save()
    with broken("第 2 号"):
        verify_command()


def test_first_of_two_broken_links_is_reported(chain):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE seq IN (2, 4)", ["org.unit.delete"])  # noqa: S608
    with broken("第 2 号"):
        verify_command()


def test_rehashed_row_still_breaks_the_next_link(chain):
    """Editing a row and recomputing its own hash is caught by the next row."""
    from audit.services import _digest, _fields

    event = AuditEvent.objects.get(seq=2)
    event.actor_name = "冒名者"
    forged = _digest(event.prev_hash, _fields(event))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET actor_name = %s, hash = %s WHERE seq = 2", ["冒名者", forged])  # noqa: S608
    with broken("第 3 号审计事件的前序哈希不符"):
        verify_command()


def test_deleted_row_is_reported_with_its_number(chain):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 4")  # noqa: S608
    with broken("第 4 号审计事件缺失"):
        verify_command()


def test_deleted_last_row_is_reported(chain):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 5")  # noqa: S608
    with broken("第 5 号"):
        verify_command()


def test_model_refuses_to_edit_or_delete(chain):
    event = AuditEvent.objects.get(seq=1)
    event.action = "org.unit.delete"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.get(seq=1).delete()
    assert AuditEvent.objects.get(seq=1).action == "org.unit.create"
    assert AuditEvent.objects.count() == 5
    assert "审计链完整" in verify_command()


def test_history_and_opinions_refuse_to_be_edited_or_deleted(office):
    o = office
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于报送统计数据的通知", doc_type="通知", sender_id=o.province.pk))
    flow.send_on(open_task(doc, o.secretary).pk, actor=o.secretary, opinion="请拟办。")
    for row in (HistoryEvent.objects.filter(document=doc).first(), Opinion.objects.get(document=doc)):
        with pytest.raises(RuntimeError, match="只能追加"):
            row.save()
        with pytest.raises(RuntimeError, match="只能追加"):
            row.delete()


def test_revoke_post_of_a_person_still_audited_after_the_row_is_gone(office):
    o = office
    post = Post.objects.get(person=o.handler_b)
    written = events_of(lambda: org.revoke_post(actor=o.secadmin, post=post))
    assert [e.action for e in written] == ["org.post.revoke"]
    assert written[0].old["person"] == o.handler_b.pk and written[0].target_id == str(post.pk)
