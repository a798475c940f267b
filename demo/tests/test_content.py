"""What the demo office holds, loaded once at the test clock for all the tests here
(demo/tests/conftest.py): the archive's settings and catalogue, the issuing side (发文代字,
seals and keepers, drafts in every state), statistics from the first click, and an audit
log whose every event reads in Chinese; and a second load changes nothing."""

import re

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from archive import services as archive_services
from archive.models import ArchiveItem, ArchiveSettings
from audit import labels
from audit.models import AuditEvent
from audit.services import verify_chain
from deadlines.models import Notification
from demo import office as demo
from documents.models import Direction, Document, IssuedNumber, NumberSeries
from drafting.gates import current_body, missing_signatures
from drafting.models import JointSignRequest, SignOff
from flow.models import HistoryEvent, NodeKind, Task, TaskRole, TaskStatus
from org.models import Agency, Person, PostKind
from org.selectors import persons_with_post
from sealing.models import Seal
from stats import services
from stats.models import AgencyMonthStat, UnitMonthStat

pytestmark = [pytest.mark.django_db, pytest.mark.demo_content]

HAN = re.compile(r"[\u4e00-\u9fff]")


def table_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_a_second_load_changes_nothing(demo_office):
    from io import StringIO

    from django.core.management import call_command

    before = table_counts()
    again = StringIO()
    call_command("load_demo", stdout=again)
    assert "演示数据已存在，未做改动" in again.getvalue()
    assert table_counts() == before
    assert verify_chain()[0]


# --- the archive (from archive/tests/test_demo.py) ------------------------------------------------


def test_demo_archive(client, demo_office):
    dangan = Person.objects.get(user__username="dangan")
    conf = ArchiveSettings.objects.get(agency=dangan.agency)
    assert conf.fonds_code == "Z109"
    items = list(ArchiveItem.objects.filter(agency=dangan.agency))
    assert items and all(i.archive_code.startswith("Z109-WS·") for i in items)
    client.force_login(dangan.user)
    year = items[0].year
    page = client.get("/archive/catalogue/", {"year": year}).content.decode()
    assert items[0].archive_code in page
    assert client.get("/archive/", {"year": year}).status_code == 200
    assert archive_services.schedule(dangan.agency).exists()


# --- the issuing side (from drafting/tests/test_demo.py) ---------------------------------------------


def holder(document) -> Task:
    return Task.objects.get(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN)


def test_demo_has_series_seals_keepers_and_drafts_in_every_state(demo_office):
    assert demo_office.created
    internal = list(Agency.objects.filter(is_internal=True))
    for agency in internal:
        codes = set(NumberSeries.objects.filter(agency=agency).values_list("code", flat=True))
        assert codes == {f"{agency.code}发", f"{agency.code}函"}, agency.name
        keepers = list(persons_with_post(agency, PostKind.SEAL_KEEPER))
        assert keepers, f"{agency.name} has no seal keeper"
        seal = Seal.objects.get(agency=agency)
        assert seal.keeper in keepers and seal.public_key
    # The new keepers sign in with the demo password and are listed.
    login = RequestFactory().post("/login/")  # django-axes (the failed-login lockout) needs a request
    assert authenticate(login, username="jtj_yinzhang", password=demo.DEMO_PASSWORD) is not None
    assert "jtj_yinzhang" in demo.format_logins()

    gov = Agency.objects.get(name=demo.MARKER_AGENCY)
    # (demo.exchange adds documents already dispatched: not drafts)
    drafts = {d.title: d for d in Document.objects.filter(agency=gov, direction=Direction.OUTGOING,
                                                          deliveries__isnull=True)}
    assert len(drafts) == 6
    joint = next(d for d in drafts.values() if d.is_joint)
    assert holder(joint).assignee.name == "陈立民"
    request = JointSignRequest.objects.get(document=joint)
    assert request.state == "open" and request.agency.name == "中共示范市委办公室"
    shuji = Person.objects.get(user__username="shuji")
    assert Notification.objects.filter(recipient=shuji, title=f"待会签签发：{joint.title}").exists()
    assert "中共示范市委办公室负责人签发" in "".join(missing_signatures(joint))
    states = {}
    for document in drafts.values():
        if document.is_joint:
            continue
        assert current_body(document) is not None and document.body_mode == "structured"
        assert HistoryEvent.objects.filter(document=document).count() >= 2
        task = holder(document)
        states[task.node_name] = (document, task)
    assert set(states) == {"拟稿", "领导审核", "签发", "编号", "用印"}
    assert states["拟稿"][1].node_kind == NodeKind.DRAFT
    policy, review = states["领导审核"]
    assert policy.is_policy and review.assignee.name == "刘振华"
    request, sign = states["签发"]
    assert request.doc_type == "请示" and sign.assignee.name == "陈立民"
    at_number, _ = states["编号"]
    assert at_number.signer == "刘振华" and at_number.doc_number == ""
    assert SignOff.objects.filter(document=at_number).count() == 1
    sealed_next, seal_task = states["用印"]
    issued = IssuedNumber.objects.get(document=sealed_next)
    assert sealed_next.doc_number == issued.number and issued.number.startswith("示府办发〔")
    assert seal_task.assignee.name == "何雪"
    # Every 发文字号 an outgoing document carries went through the ledger (issue 11, defect 9:
    # the exchange demo's 示府办函 numbers were written onto the documents past the ledger).
    numbered = Document.objects.filter(direction=Direction.OUTGOING).exclude(doc_number="")
    assert numbered.filter(agency=gov).count() >= 5
    for document in numbered:
        assert IssuedNumber.objects.filter(document=document, number=document.doc_number,
                                           voided_at__isnull=True).exists(), document.doc_number
    numbers = list(numbered.values_list("agency_id", "doc_number"))
    assert len(numbers) == len(set(numbers)), "a 文号 on two outgoing documents"
    # and the dispatched ones were sealed on exactly the file they sent
    from sealing.services import current_seal_blocker

    for document in numbered.filter(deliveries__isnull=False).distinct():
        assert current_seal_blocker(document) is None, document.title
    ok, message, _ = verify_chain()
    assert ok, message

    # A second load changes nothing.
    assert not demo.load_demo().created
    assert Document.objects.filter(agency=gov, direction=Direction.OUTGOING, deliveries__isnull=True).count() == 6


# --- statistics (from stats/tests/test_demo.py) ---------------------------------------------------


def test_demo_dashboard_has_figures(client, demo_office):
    year, month = services.current_month()
    gov = Person.objects.get(user__username="zhuren").agency
    assert AgencyMonthStat.objects.filter(agency=gov, year=year, month=month).exists()
    assert AgencyMonthStat.objects.filter(agency=gov, year=services.previous_month(year, month)[0],
                                          month=services.previous_month(year, month)[1]).exists()
    assert sum(UnitMonthStat.objects.filter(agency=gov, year=year, month=month).values_list("received", flat=True))
    client.force_login(Person.objects.get(user__username="zhuren").user)
    r = client.get("/stats/")
    assert r.status_code == 200 and "处室办件统计" in r.content.decode()
    # A division head of the demo sees their unit.
    client.force_login(Person.objects.get(user__username="chuzhang1").user)
    html = client.get("/stats/").content.decode()
    assert "综合一科" in html and "综合二科" not in html


# --- the audit log (from audit/tests/test_labels.py) ----------------------------------------------


def test_every_event_of_the_demo_reads_in_chinese(demo_office):
    """The demo office is loaded through the real services (several hundred events of most
    kinds): every event renders with a Chinese action, target and field names, and no raw
    dict or list reaches the page."""
    events = labels.annotate(AuditEvent.objects.order_by("seq"))
    assert len(events) > 300
    for e in events:
        assert e.action in labels.ACTIONS, e.action
        assert labels.target_type_label(e.target_type) != "其他对象", e.target_type
        for c in e.changes:
            assert HAN.search(c.label), (e.action, c.key)
            for value in (c.old, c.new):
                assert value is None or not re.search(r"[{\[]['\"]", value), (e.action, c.key, value)


def test_the_two_forms_of_the_visibility_rule_agree_for_everyone(demo_office):
    """documents.access answers a lookup by primary key row by row (visible_by_pk) and a list
    by gathering (visible_documents): over the whole demo office, every person, active or
    not, administrators included, sees the same documents through both."""
    from documents.access import visible_by_pk, visible_documents

    people = list(Person.objects.select_related("user"))
    assert len(people) > 50 and Document.objects.exclude(secrecy="").exists()
    seen_by_someone = 0
    for person in people:
        listed = set(visible_documents(person).values_list("pk", flat=True))
        by_row = set(visible_by_pk(person).values_list("pk", flat=True))
        assert by_row == listed, person.name
        seen_by_someone += bool(listed)
    assert seen_by_someone > 20
