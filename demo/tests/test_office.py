"""The demo office: loads through the real services, leaves every state populated, keeps
the audit chain whole (and a second run changes nothing: test_content.py)."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import verify_chain
from demo import office as demo
from documents import storage
from documents.models import Document, DocumentReturn, FileVersion, Status
from documents.services import read_version
from flow import selectors
from flow.models import NodeKind, Task, TaskRole, TaskStatus
from org.models import AdminRole, Agency, AgencyKind, Person, PostKind


def table_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_demo_pdf_is_a_valid_pdf():
    data = demo.demo_pdf("关于做好2026年冬春季道路交通安全管理工作的通知", sender="示范省人民政府办公厅",
                         doc_number="示省政办发〔2026〕25号", recipients="各市人民政府")
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert storage.sniff(data) == "application/pdf"
    # The cross-reference table points at each object.
    startxref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[startxref:startxref + 4] == b"xref"
    count = int(re.search(rb"xref\n0 (\d+)\n", data).group(1))
    offsets = re.findall(rb"(\d{10}) 00000 n ", data)
    assert len(offsets) == count - 1
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset):].startswith(b"%d 0 obj" % number)
    # Title in the document information dictionary, as UTF-16BE.
    assert "关于做好".encode("utf-16-be").hex().upper().encode() in data


def test_logins_table_lists_every_demo_account_once():
    everyone = demo.demo_logins(include_all=True)
    usernames = [row[0] for row in everyone]
    assert len(usernames) == len(set(usernames)) == len(demo.PEOPLE) + len(demo.ADMINS)
    assert all(re.fullmatch(r"[a-z0-9_]+", u) for u in usernames)
    featured = demo.demo_logins()
    assert {"wenshu", "mishu", "zhuren", "shizhang", "fushizhang1", "chuzhang1", "chengban1", "sysadmin", "secadmin",
            "auditor"} <= {row[0] for row in featured}
    text = demo.format_logins()
    assert demo.DEMO_PASSWORD in text and "登录名" in text and "姓名" in text


@pytest.mark.django_db
def test_load_demo(settings):
    """Loading the demo office, on either database. That a second load changes nothing is
    checked on the shared load (test_content.py: test_a_second_load_changes_nothing)."""
    out = StringIO()
    call_command("load_demo", "--print-logins", stdout=out)
    assert "已载入演示数据" in out.getvalue()
    assert demo.DEMO_PASSWORD in out.getvalue() and "wenshu" in out.getvalue()
    ok, message, events = verify_chain()
    assert ok, message
    assert events > 300

    # The bootstrap is the only event without an actor but the background jobs' (the
    # reminder and stall scans at load); everything else went through services.
    system = list(AuditEvent.objects.filter(actor_id__isnull=True).order_by("seq").values_list("action", flat=True))
    jobs = {"deadlines.remind", "deadlines.escalate", "supervision.stall"}
    assert system[0] == "org.bootstrap" and set(system[1:]) <= jobs, system
    _check_reminders()
    assert AuditEvent.objects.filter(action="org.post.grant").count() > 100
    assert AuditEvent.objects.filter(action="documents.register").count() >= 40

    _check_organisation()
    _check_documents()
    _check_accounts()


def _check_reminders():
    from deadlines.models import Notification, Reminder, ReminderKind

    # The overdue documents were reminded at load, once; the director chased one by hand.
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert {ReminderKind.DUE, ReminderKind.MANUAL} <= kinds, kinds
    assert Notification.objects.filter(read_at__isnull=True).exists()
    from deadlines import reminders

    assert reminders.scan() == 0


def _check_organisation():
    gov = Agency.objects.get(name="示范市人民政府办公室")
    party = Agency.objects.get(name="中共示范市委办公室")
    assert (gov.kind, gov.code, party.kind, party.code) == (AgencyKind.GOVERNMENT, "示府办", AgencyKind.PARTY_COMMITTEE,
                                                            "示委办")
    departments = Agency.objects.filter(kind=AgencyKind.DEPARTMENT)
    assert departments.count() == 8
    bureau = Agency.objects.get(kind=AgencyKind.BUREAU)
    assert bureau.parent.name == "示范市交通运输局"
    assert Agency.objects.filter(kind=AgencyKind.ENTERPRISE).exists()
    assert set(Agency.objects.filter(is_internal=False).values_list("kind", "level").distinct()) == {
        (AgencyKind.SUPERIOR, "province")}
    for agency in [gov, party]:
        assert agency.units.filter(is_office=True).count() == 1
        assert agency.units.filter(is_secretariat=True).count() == 1
        kinds = set(agency.posts.values_list("kind", flat=True))
        assert kinds == set(PostKind.values), set(PostKind.values) - kinds
        assert agency.posts.filter(kind=PostKind.LEADER_IN_CHARGE, units_in_charge__isnull=False).values(
            "person").distinct().count() >= 2
        for unit in agency.units.all():
            assert unit.posts.filter(kind=PostKind.DIVISION_HEAD).exists(), unit
    for agency in departments:
        kinds = set(agency.posts.values_list("kind", flat=True))
        assert {PostKind.CLERK, PostKind.PRINCIPAL_LEADER, PostKind.DIVISION_HEAD, PostKind.HANDLER} <= kinds, agency
    admins = Person.objects.exclude(admin_role="")
    assert sorted(admins.values_list("admin_role", flat=True)) == sorted(
        [AdminRole.SYSTEM, AdminRole.SECURITY, AdminRole.AUDITOR])
    assert not admins.filter(posts__isnull=False).exists()


def _check_documents():
    # The incoming path's documents (demo.drafting adds a few outgoing drafts).
    # (demo.secrecy's classified paper documents, registered by copy numbers, are not counted)
    assert 30 <= Document.objects.filter(direction="incoming", delivered_by__isnull=True,
                                         classified__isnull=True).count() <= 60
    # demo.exchange: incoming copies of documents dispatched through the exchange.
    assert Document.objects.filter(direction="incoming", delivered_by__isnull=False).exists()
    statuses = set(Document.objects.values_list("status", flat=True))
    assert statuses == {Status.IN_PROGRESS, Status.COMPLETED, Status.RETURNED}
    # Every node of the incoming path holds at least one document.
    open_kinds = set(Task.objects.filter(status=TaskStatus.OPEN, role=TaskRole.MAIN).values_list("node_kind", flat=True))
    expected = {NodeKind.SIGN_FOR, NodeKind.REGISTER, NodeKind.SCREEN, NodeKind.PROPOSE, NodeKind.INSTRUCT,
                NodeKind.DISTRIBUTE, NodeKind.HANDLE, NodeKind.APPROVE, NodeKind.REPLY, NodeKind.COMPLETE}
    assert expected <= open_kinds, expected - open_kinds
    open_roles = set(Task.objects.filter(status=TaskStatus.OPEN).values_list("role", flat=True))
    assert {TaskRole.ASSIST, TaskRole.ADDED, TaskRole.COUNTERSIGN, TaskRole.CIRCULATE} <= open_roles
    assert Task.objects.filter(role=TaskRole.CIRCULATE, status=TaskStatus.DONE).exists()
    assert Task.objects.filter(status=TaskStatus.ASSIGNED).exists()
    assert Task.objects.filter(acted_by__isnull=False).exists()  # signed by a stand-in (委托)
    # No open document without a holder (invariant 1). A classified paper document registered
    # by copy numbers (secrecy) has no electronic process: its holders are its copies' holders.
    for doc in Document.objects.filter(status=Status.IN_PROGRESS, classified__isnull=True):
        assert Task.objects.filter(document=doc, status=TaskStatus.OPEN, activation__is_side=False).exists(), doc
    # 直送件 waiting at the office, registered, and returned; other returns with reasons.
    direct = Document.objects.filter(is_direct_submission=True)
    assert direct.filter(registry_seq__isnull=True, status=Status.IN_PROGRESS).exists()
    assert direct.filter(registry_seq__isnull=False).exists()
    assert set(DocumentReturn.objects.values_list("kind", flat=True)) >= {"直送件", "退文"}
    assert all(r.reason for r in DocumentReturn.objects.all())
    # Slips, types, urgencies, deadlines.
    assert set(Document.objects.filter(direction="incoming").values_list("slip_kind", flat=True)) == {
        "relay", "intake", "misc"}
    assert {"通知", "请示", "报告", "函", "意见", "电报", "简报"} <= set(Document.objects.values_list("doc_type", flat=True))
    assert {"特急", "加急"} <= set(Document.objects.values_list("urgency", flat=True))
    assert Document.objects.filter(secrecy="秘密").exists()
    assert Document.objects.filter(forwarded_from__isnull=False).exists()
    open_tasks = Task.objects.filter(status=TaskStatus.OPEN)
    assert selectors.overdue(open_tasks).exists()
    if timezone.localtime().hour < 23:
        assert selectors.due_today(open_tasks).exists()
    # Documents are registered in the 市委办 and a department too.
    assert Document.objects.filter(agency__name="中共示范市委办公室", registry_seq__isnull=False).count() >= 5
    assert Document.objects.filter(agency__kind=AgencyKind.DEPARTMENT, registry_seq__isnull=False).count() >= 3
    # Bodies: real PDFs, none for classified documents, readable with their checksum.
    versions = FileVersion.objects.select_related("file__document", "uploaded_by")
    assert versions.count() >= 8
    assert not versions.filter(file__document__secrecy__gt="").exists()
    version = versions.first()
    assert read_version(actor=version.uploaded_by, version=version).startswith(b"%PDF-")


def _check_accounts():
    usernames = [row[0] for row in demo.demo_logins(include_all=True)]
    assert Person.objects.filter(user__username__in=usernames).count() == len(usernames)
    # A request, as the login page gives it: django-axes (the failed-login lockout) needs one.
    login = RequestFactory().post("/login/")
    for username in ["wenshu", "shizhang", "sysadmin", "auditor", "jtj_wenshu"]:
        assert authenticate(login, username=username, password=demo.DEMO_PASSWORD) is not None, username
    assert authenticate(login, username="wenshu", password="wrong-password") is None
    # The people one walks a document with all have something in their inbox.
    for username in ["wenshu", "mishu", "zhuren", "shizhang", "fushizhang1", "chuzhang1", "chengban1",
                     "sw_wenshu", "jtj_wenshu"]:
        person = Person.objects.get(user__username=username)
        assert selectors.inbox(person).exists() or selectors.to_read(person).exists(), username


@pytest.mark.django_db
def test_load_demo_refuses_a_database_with_clashing_logins():
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    get_user_model().objects.create_user(username="wenshu", password="someone-else-1")
    before = table_counts()
    with pytest.raises(CommandError, match="wenshu"):
        call_command("load_demo", stdout=StringIO())
    assert table_counts() == before
