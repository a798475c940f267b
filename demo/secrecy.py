"""The secrecy part of the demo office (loaded by demo.office.load_demo after the documents): classified paper
documents of 市政府办 registered by its 机要员 高峰 (jiyao).

* A 机密 notice of this year: copies 000001–000003, 000001 with 陈立民 (signed for), 000002
  with 孙国强 (waiting to be signed for), 000003 kept in the 机要室; scope 陈立民, 孙国强.
* A 秘密 notice of an earlier year still out with 刘振华 after its 30 June: an overdue return.
* A 秘密 notice of that year returned in full, its destruction requested and waiting for
  the approval of a leader or the office director.
Every step goes through secrecy.services (the ledger and the audit log are written).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from documents.services import IncomingData
from secrecy import services
from secrecy.models import ClassifiedCopy


def _data(ctx, title, number, secrecy, term, received_at, numbers, holders, scope):
    sender = ctx.agencies.get("prov_gov")
    return services.ClassifiedData(
        incoming=IncomingData(title=title, doc_type="通知", sender_id=sender.pk if sender else None,
                              sender_name="" if sender else "示范省人民政府办公厅", doc_number=number,
                              secrecy=secrecy, secrecy_term=term, received_at=received_at,
                              issued_on=timezone.localdate(received_at) - timedelta(days=2)),
        copy_numbers=numbers, holders={n: ctx.p(u).pk for n, u in holders.items()},
        scope_people=[ctx.p(u).pk for u in scope])


def load(ctx) -> None:
    if "jiyao" not in ctx.people or "gov" not in ctx.agencies:
        return
    for username in ("jiyao", "shizhang", "zhuren", "fushizhang1"):
        ctx.p(username).refresh_from_db()  # clearances were set through org.services on other instances
    jiyao, gov = ctx.p("jiyao"), ctx.agencies["gov"]
    now = timezone.now()
    year = timezone.localdate(now).year

    doc = services.register_classified(actor=jiyao, agency=gov, data=_data(
        ctx, "关于做好重要目标安全保卫工作的通知", f"示省政办发〔{year}〕33号", "机密", "10年", now - timedelta(days=3),
        ["000001", "000002", "000003"], {"000001": "shizhang", "000002": "zhuren"}, ["shizhang", "zhuren"]))
    services.sign_for_copy(actor=ctx.p("shizhang"), copy_id=ClassifiedCopy.objects.get(document=doc, number="000001").pk)
    ctx.docs["S01"] = doc

    # Due back by 30 June of the next year: a year whose deadline has passed already.
    back = year - 1 if timezone.localdate(now).timetuple().tm_yday > 181 else year - 2
    last = now.replace(year=back, month=9, day=15)
    overdue = services.register_classified(actor=jiyao, agency=gov, data=_data(
        ctx, "关于加强重点时段值班值守工作的通知", f"示省政办发〔{back}〕41号", "秘密", "6个月", last,
        ["000005", "000006"], {"000005": "fushizhang1"}, ["fushizhang1", "shizhang"]))
    for copy in ClassifiedCopy.objects.filter(document=overdue, holder__isnull=False):
        services.sign_for_copy(actor=copy.holder, copy_id=copy.pk)
    ctx.docs["S02"] = overdue

    spent = services.register_classified(actor=jiyao, agency=gov, data=_data(
        ctx, "关于做好年度安全稳定形势分析工作的通知", f"示省政办发〔{back}〕18号", "秘密", "1年",
        last - timedelta(days=60), ["000011", "000012"], {"000011": "fushizhang1"}, ["fushizhang1"]))
    held = ClassifiedCopy.objects.get(document=spent, number="000011")
    services.sign_for_copy(actor=ctx.p("fushizhang1"), copy_id=held.pk)
    ids = []
    for copy in ClassifiedCopy.objects.filter(document=spent).order_by("number"):
        services.confirm_return(actor=jiyao, copy_id=copy.pk, note="年度清退")
        ids.append(copy.pk)
    services.request_destruction(actor=jiyao, agency=gov, copy_ids=ids, reason="已清退，保密期限已满，申请销毁")
    ctx.docs["S03"] = spent
