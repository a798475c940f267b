"""C07 — Classified documents stay off the network (密件).

A 机密 document arrives on paper. The 机要员 registers it by its metadata and copy numbers
(no body: an upload is refused, and so is sending a classified document through the
electronic exchange), each copy to a holder in the reading scope, who signs for it; a copy
is passed on only with a record. Only the scope reads it. It is due back by 30 June of the
next year; on 1 July the copies still out are listed as overdue; returned copies are
destroyed only after approval, with a record. Nothing about it reaches anyone outside the
scope (the full crawl is tests/test_leak.py; here the lists, search and API of the case).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from documents import services as document_services
from documents.access import can_view, visible_documents
from documents.models import DocumentFile
from exchange.services import dispatch
from exchange.tests.test_dispatch import dispatch_task, outgoing
from gongwen.errors import PermissionDenied
from secrecy import services
from secrecy.models import ClassifiedCopy, CopyEvent, CopyStatus, DestructionStatus, EventKind
from secrecy.tests.build import TITLE, WORD, people, register
from tests.helpers import known_year, refused

SH = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.7\n% body\n%%EOF\n"


def test_c07_classified_documents_stay_off_the_network(office, clock, client):
    o = office
    ppl = people(o)

    # 1. Registered by copy numbers to holders in scope; no body, no electronic exchange.
    clock.next()
    doc = register(o, ppl)
    year = doc.classified.year
    copies = {c.number: c for c in ClassifiedCopy.objects.filter(document=doc)}
    assert [c.holder for c in copies.values()] == [o.handler_a, o.leader_a, None]
    with refused("不是涉密网"):
        document_services.upload_file(actor=ppl.jiyao, document=doc, name="正文.pdf", data=PDF,
                                      role=DocumentFile.Role.BODY)
    paper = dispatch_task(o, outgoing(o, secrecy="机密"))
    with refused("涉密"):
        dispatch(paper.pk, actor=o.clerk)
    with refused("不在本件的知悉范围内"):
        services.issue_copy(actor=ppl.jiyao, copy_id=copies["000003"].pk, holder=o.head_b)

    # 2. Holders sign for their copies; one is passed on, with a record and the receiver's signature.
    clock.next()
    services.sign_for_copy(actor=o.handler_a, copy_id=copies["000001"].pk)
    services.sign_for_copy(actor=o.leader_a, copy_id=copies["000002"].pk)
    with refused("不在您手中", exc=PermissionDenied):
        services.pass_on(actor=o.leader_a, copy_id=copies["000001"].pk, to_person=o.head_a)
    clock.next()
    services.add_scope(actor=ppl.jiyao, document=doc, person_id=o.head_a.pk)
    services.pass_on(actor=o.handler_a, copy_id=copies["000001"].pk, to_person=o.head_a, note="请郑处长阅")
    services.sign_for_copy(actor=o.head_a, copy_id=copies["000001"].pk)
    passed = CopyEvent.objects.get(copy=copies["000001"], kind=EventKind.PASSED_ON)
    assert (passed.from_person, passed.to_person) == (o.handler_a, o.head_a)
    assert CopyEvent.objects.filter(copy=copies["000001"], kind=EventKind.SIGNED, actor=o.head_a).exists()

    # 3. Read only within the scope (and clearance), whatever one's post.
    for reader in (o.handler_a, o.head_a, o.leader_a, ppl.jiyao):
        assert can_view(reader, doc), reader
    for other in (o.clerk, o.director, o.leader_b, o.principal, o.head_b, o.outsider):
        assert not can_view(other, doc), other
        assert not visible_documents(other).filter(title__contains=WORD).exists()
    client.force_login(o.clerk.user)
    for url in ("/registry/", f"/search/?q={WORD[:2]}", "/secrecy/", "/api/v1/secrecy/documents",
                f"/api/v1/documents?q={WORD[:2]}"):
        response = client.get(url)
        assert TITLE not in response.content.decode() and WORD not in response.content.decode(), url
    assert client.get(f"/documents/{doc.pk}/").status_code == 404
    assert client.get(f"/secrecy/documents/{doc.pk}/").status_code == 404
    client.force_login(o.head_a.user)
    assert TITLE in client.get(f"/secrecy/documents/{doc.pk}/").content.decode()

    # 4. Due back by 30 June of the next year; on 1 July the copies still out are overdue.
    assert doc.classified.due_back_on == date(year + 1, 6, 30)
    known_year(year + 1)
    with time_machine.travel(datetime(year + 1, 6, 1, 9, 0, tzinfo=SH), tick=False):
        batch = services.request_return(actor=ppl.jiyao, agency=o.gov, year=year, note="年度密件清退")
        assert batch.due_on == date(year + 1, 6, 30)
        services.confirm_return(actor=ppl.jiyao, copy_id=copies["000001"].pk, note="郑处长交回")
    with time_machine.travel(datetime(year + 1, 6, 30, 17, 0, tzinfo=SH), tick=False):
        assert not services.overdue_returns(o.gov).exists()
    with time_machine.travel(datetime(year + 1, 7, 1, 9, 0, tzinfo=SH), tick=False):
        overdue = list(services.overdue_returns(o.gov))
        assert [(c.number, c.holder) for c in overdue] == [("000002", o.leader_a), ("000003", None)]
        client.force_login(ppl.jiyao.user)
        page = client.get("/secrecy/returns/").content.decode()
        assert "逾期未清退（2 份）" in page
        response = client.get("/api/v1/secrecy/returns/overdue")
        assert [r["number"] for r in response.json()] == ["000002", "000003"]

    # 5. Destroyed only with approval (not by the requester) and with a record.
    services.confirm_return(actor=ppl.jiyao, copy_id=copies["000002"].pk)
    services.confirm_return(actor=ppl.jiyao, copy_id=copies["000003"].pk)
    ids = [c.pk for c in copies.values()]
    d = services.request_destruction(actor=ppl.jiyao, agency=o.gov, copy_ids=ids, reason="已清退，保存期满")
    with refused("未经审批不得销毁"):
        services.execute_destruction(actor=ppl.jiyao, destruction_id=d.pk, method="碎纸机粉碎", place="机要室",
                                     witness="赵主任")
    with refused("须由机关领导或办公室主任审批", exc=PermissionDenied):
        services.approve_destruction(actor=o.clerk, destruction_id=d.pk)
    services.approve_destruction(actor=o.director, destruction_id=d.pk, opinion="同意销毁。")
    d = services.execute_destruction(actor=ppl.jiyao, destruction_id=d.pk, method="碎纸机粉碎", place="机要室",
                                     witness="赵主任")
    assert d.status == DestructionStatus.EXECUTED and d.approved_by == o.director
    assert set(ClassifiedCopy.objects.filter(document=doc).values_list("status", flat=True)) == {CopyStatus.DESTROYED}
    assert CopyEvent.objects.filter(copy__document=doc, kind=EventKind.DESTROYED).count() == 3
    # The approver, outside the scope, saw only 密件 and the registration number.
    client.force_login(o.director.user)
    page = client.get("/secrecy/destructions/").content.decode()
    assert doc.classified.number in page and WORD not in page
