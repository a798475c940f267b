"""Issue 12: the document page's query count for a busy user on a document with a long
history, and that it does not grow as the history grows (the page reads each thing once:
the document's tasks, the calendar, the files, the person's stand-ins)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.services import upload_file
from flow import services as flow
from flow.models import Task, TaskStatus
from incoming.services import IncomingData, register_incoming
from org.models import Delegation

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"

# 48 before issue 12 (the same page, the same history); 37 with the tasks read once; 30 with
# flow.selectors.available cutting the person's task, the open main line and the recent tasks
# from that read.
MAX_QUERIES = 30


def open_task(document, person, role="main"):
    return Task.objects.get(document=document, assignee=person, status=TaskStatus.OPEN, role=role)


def add_history(office, document, rounds):
    """``rounds`` times: 初审 sends on to 拟办, 拟办 returns it to 初审 (two tasks, two
    opinions, history events and an error-book entry each round), and a file is uploaded."""
    o = office
    for i in range(rounds):
        flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion=f"请拟办（{i}）。")
        task = open_task(document, o.director)
        flow.return_task(task.pk, actor=o.director, to_activation_id=flow.return_targets(task)[0].pk,
                         reason=f"请补充材料（{i}）。")
        upload_file(actor=o.clerk, document=document, name=f"附件{i}.pdf", data=PDF + str(i).encode())


def circulate(office, document, readers):
    flow.circulate(document.pk, actor=office.clerk, readers=readers)
    flow.read_back(open_task(document, readers[0], "circulate").pk, actor=readers[0], opinion="已阅。")


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_document_page_queries_busy_user_long_history(office, login):
    o = office
    now = timezone.now()
    for i in range(5):  # a busy secretary: other documents waiting
        register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
            title=f"关于第{i}批项目的通知", doc_type="通知", sender_id=o.dept.pk))
    # who also stands in for a division head
    Delegation.objects.create(from_person=o.head_c, to_person=o.secretary, starts_at=now - timedelta(days=1),
                              ends_at=now + timedelta(days=5), reason="出差")
    doc = register_incoming(actor=o.clerk, agency=o.gov, data=IncomingData(
        title="关于报送道路安全整治情况的通知", doc_type="通知", sender_id=o.province.pk, urgency="加急",
        sender_deadline=now + timedelta(days=3), sender_deadline_text="三日内"))
    c = login(o.secretary)
    url = f"/documents/{doc.pk}/"
    add_history(o, doc, 3)
    circulate(o, doc, [o.leader_a, o.leader_b])
    c.get(url)  # the first visit marks the task opened (a write, once)
    short = queries(c, url)
    add_history(o, doc, 8)
    circulate(o, doc, [o.head_a, o.head_b])
    c.get(url)
    long = queries(c, url)
    assert long == short
    assert long <= MAX_QUERIES
