"""Every service of the secrecy app, and every refusal proved to write nothing."""

from datetime import date

import pytest
from django.utils import timezone

from documents.access import can_view
from documents.models import DocumentFile
from gongwen.errors import NotFound, PermissionDenied
from secrecy import services
from secrecy.models import ClassifiedCopy, CopyEvent, CopyStatus, DestructionStatus, EventKind, Registration
from secrecy.tests.build import TITLE, clear, data, people, register
from tests.helpers import refused


@pytest.fixture
def ppl(office):
    return people(office)


def copy(doc, number) -> ClassifiedCopy:
    return ClassifiedCopy.objects.get(document=doc, number=number)


def test_registration_by_copy_numbers_to_holders(office, ppl):
    o = office
    doc = register(o, ppl)
    reg = Registration.objects.get(document=doc)
    assert (doc.secrecy, doc.copies, doc.copy_number, reg.registered_by, reg.seq) == ("机密", 3, "000001", ppl.jiyao, 1)
    assert reg.due_back_on == date(timezone.localdate().year + 1, 6, 30)
    assert copy(doc, "000001").holder == o.handler_a and copy(doc, "000001").awaiting_signature
    assert copy(doc, "000003").holder is None  # kept by the 机要室
    assert not DocumentFile.objects.filter(document=doc).exists()
    kinds = list(CopyEvent.objects.filter(copy__document=doc).values_list("kind", flat=True))
    assert kinds.count(EventKind.REGISTERED) == 3 and kinds.count(EventKind.ISSUED) == 2
    # The holders are told, with the title since they may read it.
    assert o.handler_a.notifications.filter(title__contains=TITLE).exists()


def test_parse_copy_numbers(db):
    assert services.parse_copy_numbers("000001-000003，000007") == ["000001", "000002", "000003", "000007"]
    with refused("范围"):
        services.parse_copy_numbers("000003-000001")


@pytest.mark.parametrize("who, kw, message, exc", [
    ("clerk", {}, "只有市政府办的机要员", PermissionDenied),
    ("jiyao", {"secrecy": "绝密"}, "绝密件须指定专人保管", None),
    ("jiyao", {"secrecy": ""}, "须选择密级", None),
    ("jiyao", {"numbers": ("000001", "000001")}, "份号重复", None),
    ("jiyao", {"numbers": ("1",)}, "六位阿拉伯数字", None),
    ("jiyao", {"numbers": ()}, "请登记份号", None),
    ("jiyao", {"scope": [], "holders": {}}, "请确定知悉范围", None),
    ("jiyao", {"scope": ["handler_b"], "holders": {}}, "涉密等级不足", None),
    ("jiyao", {"holders": {"000001": "head_b"}}, "不在本件的知悉范围内", None),
    ("jiyao", {"holders": {"000009": "handler_a"}}, "未登记", None),
])
def test_registration_refusals(office, ppl, who, kw, message, exc):
    o = office
    actor = ppl.jiyao if who == "jiyao" else getattr(o, who)
    if "scope" in kw:
        kw["scope"] = [getattr(o, n).pk for n in kw["scope"]]
    if "holders" in kw:
        kw["holders"] = {k: getattr(o, v).pk for k, v in kw["holders"].items()}
    with refused(message, **({"exc": exc} if exc else {})):
        services.register_classified(actor=actor, agency=o.gov, data=data(o, **kw))


def test_top_secret_needs_a_custodian_and_a_cleared_registrar(office, ppl):
    o = office
    clear(ppl.jiyao, "机密")
    with refused("涉密等级不足以登记绝密"):
        register(o, ppl, secrecy="绝密", custodian=ppl.custodian)
    clear(ppl.jiyao, "绝密")
    clear(o.handler_a, "绝密")
    clear(o.leader_a, "绝密")
    doc = register(o, ppl, secrecy="绝密", custodian=ppl.custodian)
    assert doc.classified.custodian == ppl.custodian and can_view(ppl.custodian, doc)
    with refused("绝密件不得复制"):
        services.add_copy(actor=ppl.jiyao, document=doc, note="经批准复制")


def test_copy_of_a_secret_document_is_numbered_after_the_last(office, ppl):
    o = office
    doc = register(o, ppl)
    with refused("请注明复制的批准情况"):
        services.add_copy(actor=ppl.jiyao, document=doc, note="")
    new = services.add_copy(actor=ppl.jiyao, document=doc, note="经办公室主任批准复制一份")
    doc.refresh_from_db()
    assert (new.number, new.is_copied, doc.copies) == ("000004", True, 4)


def test_sign_for_and_pass_on(office, ppl):
    o = office
    doc = register(o, ppl)
    c1 = copy(doc, "000001")
    with refused("请先签收"):
        services.pass_on(actor=o.handler_a, copy_id=c1.pk, to_person=o.leader_a)
    with refused("只能由接收人本人签收", exc=PermissionDenied):
        services.sign_for_copy(actor=o.leader_a, copy_id=c1.pk)
    with refused(exc=NotFound):  # outside the scope: as if there were no such copy
        services.sign_for_copy(actor=o.clerk, copy_id=c1.pk)
    services.sign_for_copy(actor=o.handler_a, copy_id=c1.pk)
    with refused("已于"):
        services.sign_for_copy(actor=o.handler_a, copy_id=c1.pk)
    with refused("不在本件的知悉范围内"):
        services.pass_on(actor=o.handler_a, copy_id=c1.pk, to_person=o.head_b)
    with refused("不能传递给自己"):
        services.pass_on(actor=o.handler_a, copy_id=c1.pk, to_person=o.handler_a)
    with refused("不在您手中", exc=PermissionDenied):
        services.pass_on(actor=o.leader_a, copy_id=c1.pk, to_person=o.leader_a)
    with refused(exc=NotFound):
        services.pass_on(actor=o.clerk, copy_id=c1.pk, to_person=o.leader_a)
    services.pass_on(actor=o.handler_a, copy_id=c1.pk, to_person=o.leader_a, note="请阅")
    c1.refresh_from_db()
    assert c1.holder == o.leader_a and c1.signed_at is None
    services.sign_for_copy(actor=o.leader_a, copy_id=c1.pk)
    ev = CopyEvent.objects.get(copy=c1, kind=EventKind.PASSED_ON)
    assert (ev.from_person, ev.to_person, ev.actor) == (o.handler_a, o.leader_a, o.handler_a)
    # The former holder still reads it: he is in the scope.
    assert can_view(o.handler_a, doc)


def test_issue_copy(office, ppl):
    o = office
    doc = register(o, ppl)
    c3 = copy(doc, "000003")
    with refused("只有市政府办的机要员", exc=PermissionDenied):
        services.issue_copy(actor=o.clerk, copy_id=c3.pk, holder=o.handler_a)
    with refused("不在本件的知悉范围内"):
        services.issue_copy(actor=ppl.jiyao, copy_id=c3.pk, holder=o.head_b)
    with refused("现由"):
        services.issue_copy(actor=ppl.jiyao, copy_id=copy(doc, "000001").pk, holder=o.leader_a)
    with refused("持有人应为"):
        services.issue_copy(actor=ppl.jiyao, copy_id=c3.pk, holder=o.outsider)
    services.add_scope(actor=ppl.jiyao, document=doc, person_id=o.head_b.pk)
    services.issue_copy(actor=ppl.jiyao, copy_id=c3.pk, holder=o.head_b)
    assert can_view(o.head_b, doc)


def test_scope_by_post_and_unit(office, ppl):
    o = office
    doc = register(o, ppl, posts=[("division_head", None)])
    assert can_view(o.head_a, doc) and can_view(o.head_b, doc)
    assert not can_view(o.head_c, doc)  # a division head, but without clearance
    doc2 = register(o, ppl, title="关于另一项工作的通知", posts=[("handler", o.div_b.pk)])
    clear(o.handler_b, "秘密")
    assert not can_view(o.handler_b, doc2)  # 秘密 clearance does not reach 机密
    clear(o.handler_b, "机密")
    assert can_view(o.handler_b, doc2)
    assert not can_view(o.handler_a, doc2) or o.handler_a.pk in doc2.reading_scope.values_list("person", flat=True)
    with refused("涉密等级不足"):
        clear(o.head_c, "")
        services.add_scope(actor=ppl.jiyao, document=doc, person_id=o.head_c.pk)


def test_return_and_destruction_with_approval(office, ppl):
    o = office
    doc = register(o, ppl)
    year = doc.classified.year
    batch = services.request_return(actor=ppl.jiyao, agency=o.gov, year=year, note="年度清退")
    assert batch.copies.count() == 3 and batch.due_on == date(year + 1, 6, 30)
    assert o.handler_a.notifications.filter(title__startswith="密件清退").exists()
    with refused("没有待清退"):
        services.request_return(actor=ppl.jiyao, agency=o.gov, year=year)
    c1, c2 = copy(doc, "000001"), copy(doc, "000002")
    with refused("尚未清退"):
        services.request_destruction(actor=ppl.jiyao, agency=o.gov, copy_ids=[c1.pk], reason="到期销毁")
    services.confirm_return(actor=ppl.jiyao, copy_id=c1.pk)
    with refused("不能重复清退"):
        services.confirm_return(actor=ppl.jiyao, copy_id=c1.pk)
    c1.refresh_from_db()
    assert (c1.status, c1.holder) == (CopyStatus.RETURNED, None)
    assert not can_view(o.handler_a, doc) or doc.reading_scope.filter(person=o.handler_a).exists()
    with refused("请填写销毁理由"):
        services.request_destruction(actor=ppl.jiyao, agency=o.gov, copy_ids=[c1.pk], reason="")
    with refused("只有市政府办的机要员", exc=PermissionDenied):
        services.request_destruction(actor=o.clerk, agency=o.gov, copy_ids=[c1.pk], reason="到期销毁")
    d = services.request_destruction(actor=ppl.jiyao, agency=o.gov, copy_ids=[c1.pk], reason="年度清退后销毁")
    with refused("已在销毁申请中"):
        services.request_destruction(actor=ppl.jiyao, agency=o.gov, copy_ids=[c1.pk], reason="再次")
    with refused("未经审批不得销毁"):
        services.execute_destruction(actor=ppl.jiyao, destruction_id=d.pk, method="碎纸", place="机要室", witness="赵主任")
    with refused("须由机关领导或办公室主任审批", exc=PermissionDenied):
        services.approve_destruction(actor=o.handler_a, destruction_id=d.pk)
    with refused(exc=NotFound):
        services.approve_destruction(actor=o.outsider, destruction_id=d.pk)
    # A 机要员 who is also office director may not approve his own request.
    from org.models import Post
    Post.objects.create(person=ppl.jiyao, kind="office_director", agency=o.gov)
    jiyao = type(ppl.jiyao).objects.get(pk=ppl.jiyao.pk)
    with refused("不得审批自己", exc=PermissionDenied):
        services.approve_destruction(actor=jiyao, destruction_id=d.pk)
    with refused("请写明意见"):
        services.approve_destruction(actor=o.director, destruction_id=d.pk, approve=False)
    services.approve_destruction(actor=o.director, destruction_id=d.pk, opinion="同意销毁。")
    with refused("不能再审批"):
        services.approve_destruction(actor=o.leader_a, destruction_id=d.pk)
    with refused("监销人"):
        services.execute_destruction(actor=ppl.jiyao, destruction_id=d.pk, method="碎纸", place="机要室", witness="")
    with refused("监销人不能是销毁人本人"):
        services.execute_destruction(actor=ppl.jiyao, destruction_id=d.pk, method="碎纸", place="机要室", witness="高机要")
    d = services.execute_destruction(actor=ppl.jiyao, destruction_id=d.pk, method="碎纸机粉碎", place="机要室",
                                     witness="赵主任")
    c1.refresh_from_db()
    assert (d.status, c1.status) == (DestructionStatus.EXECUTED, CopyStatus.DESTROYED)
    assert list(CopyEvent.objects.filter(copy=c1).values_list("kind", flat=True))[-4:] == [
        EventKind.RETURNED, EventKind.DESTRUCTION_REQUESTED, EventKind.DESTRUCTION_APPROVED, EventKind.DESTROYED]
    assert c2.status == CopyStatus.IN_USE


def test_rejected_destruction_frees_the_copies(office, ppl):
    o = office
    doc = register(o, ppl)
    c3 = copy(doc, "000003")
    services.confirm_return(actor=ppl.jiyao, copy_id=c3.pk)
    d = services.request_destruction(actor=ppl.jiyao, agency=o.gov, copy_ids=[c3.pk], reason="销毁")
    services.approve_destruction(actor=o.leader_a, destruction_id=d.pk, approve=False, opinion="暂缓销毁。")
    c3.refresh_from_db()
    assert c3.destruction is None
    with refused("不能再审批"):
        services.approve_destruction(actor=o.director, destruction_id=d.pk)


def test_overdue_returns(office, ppl):
    o = office
    doc = register(o, ppl)
    year = doc.classified.year
    assert not services.overdue_returns(o.gov, date(year + 1, 6, 30)).exists()
    overdue = services.overdue_returns(o.gov, date(year + 1, 7, 1))
    assert [c.number for c in overdue] == ["000001", "000002", "000003"]
    services.confirm_return(actor=ppl.jiyao, copy_id=copy(doc, "000001").pk)
    assert [c.number for c in services.overdue_returns(o.gov, date(year + 1, 7, 1))] == ["000002", "000003"]


def test_the_ledger_is_append_only(office, ppl):
    doc = register(office, ppl)
    ev = CopyEvent.objects.filter(copy__document=doc).first()
    with pytest.raises(RuntimeError):
        ev.save()
    with pytest.raises(RuntimeError):
        ev.delete()
