"""The issuing part of the demo office (发文演示数据), loaded by ``demo.office.load_demo``
after the incoming documents.

* 发文代字 for every agency of the system: “<机关代字>发” (e.g. 示府办发) and “<机关代字>函”.
* A seal (印章) for every agency of the system, registered by the 安全保密管理员 through
  ``sealing.services.register_seal`` with the agency's 印章管理员 (demo.office's PEOPLE give
  every agency one; an agency still without one gets none here rather than a made-up keeper).
* Outgoing drafts of the 市政府办公室 in different states, driven through the services so
  that their history is real: one at 拟稿 with a body written in the page, a policy
  document at 领导审核, a 请示 to the provincial government office waiting for the mayor's
  签发, one at 编号 and one numbered and waiting at 用印.

Running it again adds nothing (the series and seals are looked up first; the drafts are
made only when the agency has none).
"""

from __future__ import annotations

from audit import services as audit
from documents.models import Direction, Document, NumberSeries
from drafting import body
from drafting import services as drafting
from flow import services as flow
from flow.models import Task, TaskRole, TaskStatus
from org.models import PostKind
from org.selectors import persons_with_post

# A short body of a notice, written in the page (structured blocks).
NOTICE = [
    {"level": 0, "text": "为进一步做好全市道路运输安全工作，切实保障人民群众生命财产安全，现将有关事项通知如下。"},
    {"level": 1, "text": "一、提高思想认识"},
    {"level": 0, "text": "各单位要充分认识做好道路运输安全工作的重要性，切实加强组织领导，层层压实责任。"},
    {"level": 1, "text": "二、加强隐患排查"},
    {"level": 0, "text": "各单位要组织开展隐患排查整治，建立问题清单，明确整改时限，确保整改到位。"},
    {"level": 1, "text": "三、强化督促检查"},
    {"level": 0, "text": "市政府督查科将适时组织督查，督查情况纳入年度考核。"},
]
REQUEST = [
    {"level": 0, "text": "为加快推进全市农村公路安全生命防护工程建设，拟申请省级道路运输安全专项资金500万元，"
                         "用于农村公路临水临崖路段防护设施建设。"},
    {"level": 0, "text": "妥否，请批示。"},
]


def _open(document, person) -> Task:
    return Task.objects.get(document=document, assignee=person, status=TaskStatus.OPEN, role=TaskRole.MAIN)


def _series(ctx) -> dict[str, NumberSeries]:
    """Two 发文代字 per agency of the system; the 发 series of each by agency key."""
    made, result = [], {}
    for key, agency in ctx.agencies.items():
        if not agency.is_internal or not agency.code:
            continue
        for order, (suffix, label) in enumerate((("发", "发文"), ("函", "函件"))):
            series, created = NumberSeries.objects.get_or_create(
                agency=agency, code=f"{agency.code}{suffix}",
                defaults={"name": f"{agency.short_name}{label}", "sort_order": order})
            if created:
                made.append(series.code)
            if suffix == "发":
                result[key] = series
    if made:
        audit.record(actor=ctx.p("sysadmin"), action="drafting.demo.series", target=("NumberSeries", "demo"),
                     new={"codes": made})
    return result


def _seals(ctx) -> None:
    from sealing.models import Seal
    from sealing.services import register_seal

    secadmin = ctx.p("secadmin")
    for agency in ctx.agencies.values():
        if not agency.is_internal or Seal.objects.filter(agency=agency).exists():
            continue
        keeper = persons_with_post(agency, PostKind.SEAL_KEEPER).order_by("id").first()
        if keeper is None:
            continue
        register_seal(actor=secadmin, agency=agency, name=f"{agency.name}印", keeper=keeper)


def _draft(ctx, drafter: str, blocks, **data) -> Document:
    person = ctx.p(drafter)
    document = drafting.create_draft(actor=person, data=drafting.DraftData(**data))
    body.save_structured(actor=person, document=document, blocks=blocks)
    return document


def _send(ctx, document, *steps) -> None:
    """(username, opinion[, send_on keyword arguments]) in turn."""
    for username, opinion, *kw in steps:
        person = ctx.p(username)
        flow.send_on(_open(document, person).pk, actor=person, opinion=opinion, **(kw[0] if kw else {}))


def _notice(ctx, title: str, **over) -> Document:
    data = {"doc_type": "通知", "title": title, "main_to": ["各县（市、区）人民政府", ctx.agencies["jtj"].pk],
            "copy_to": [ctx.agencies["yjj"].pk], "publicity": "主动公开", "number_series_id": None}
    data.update(over)
    return _draft(ctx, "chengban1", NOTICE, **data)


REVIEWS = (("chengban1", "请审核。"), ("chuzhang1", "同意，请办公室核稿。"), ("mishu", "已核，文字、格式无误。"))


def _drafts(ctx, series: NumberSeries) -> None:
    gov = ctx.agencies["gov"]
    if Document.objects.filter(agency=gov, direction=Direction.OUTGOING).exists():
        return
    # 1. At 拟稿: the drafter has written the body in the page.
    _notice(ctx, "示范市人民政府办公室关于开展2026年道路运输安全隐患排查整治的通知", number_series_id=series.pk)

    # 2. A policy document (六次校核) at 领导审核, the leader in charge.
    policy = _notice(ctx, "示范市人民政府办公室关于印发示范市道路运输安全管理办法的通知", is_policy=True,
                     number_series_id=series.pk)
    _send(ctx, policy, *REVIEWS, ("mishu", "复核无误。"), ("zhuren", "拟同意，请刘振华常务副市长审核。"))

    # 3. A 请示 to the provincial government office, waiting for the mayor's 签发.
    request = _draft(ctx, "chengban1", REQUEST, doc_type="请示",
                     title="示范市人民政府办公室关于申请农村公路安全生命防护工程专项资金的请示",
                     main_to=[ctx.agencies["prov_gov"].pk], publicity="不予公开", publicity_reason="内部请示事项",
                     number_series_id=series.pk)
    _send(ctx, request, *REVIEWS, ("zhuren", "上行文，请陈市长签发。"))

    # 4. Signed off and rechecked, at 编号.
    at_number = _notice(ctx, "示范市人民政府办公室关于做好冬春季农村道路交通安全工作的通知",
                        number_series_id=series.pk)
    _send(ctx, at_number, *REVIEWS, ("zhuren", "拟同意，请刘振华常务副市长签发。"))
    drafting.sign_off(_open(at_number, ctx.p("fushizhang1")).pk, actor=ctx.p("fushizhang1"), opinion="同意印发。")
    _send(ctx, at_number, ("mishu", "签发后复核无误。"))

    # 5. Numbered, waiting at 用印.
    numbered = _notice(ctx, "示范市人民政府办公室关于进一步加强校车安全管理工作的通知", number_series_id=series.pk,
                       copy_to=[ctx.agencies["jyj"].pk])
    _send(ctx, numbered, *REVIEWS, ("zhuren", "拟同意，请刘振华常务副市长签发。"))
    drafting.sign_off(_open(numbered, ctx.p("fushizhang1")).pk, actor=ctx.p("fushizhang1"), opinion="同意。")
    _send(ctx, numbered, ("mishu", "签发后复核无误。"))
    drafting.number(_open(numbered, ctx.p("wenshu")).pk, actor=ctx.p("wenshu"), series_id=series.pk)
    _send(ctx, numbered, ("wenshu", "已编号，请用印。"))

    # 6. A joint document of the two offices (两办联合发文) at the mayor's 签发; the 市委
    #    secretary has been asked to sign it in the system (/joint-signoffs/).
    joint = _notice(ctx, "中共示范市委办公室 示范市人民政府办公室关于做好2027年元旦春节期间有关工作的通知",
                    number_series_id=series.pk, joint_agency_ids=[ctx.agencies["party"].pk])
    _send(ctx, joint, *REVIEWS, ("zhuren", "两办联合发文，请陈市长签发，并请市委办杨书记会签签发。",
                                 {"next_assignees": [ctx.p("shizhang")]}))
    from drafting import joint as joint_signoff

    joint_signoff.request_joint_signoff(joint.pk, actor=ctx.p("wenshu"), agency_id=ctx.agencies["party"].pk,
                                        note="两办联合发文，请杨树林书记签发。")


def load(ctx) -> None:
    series = _series(ctx)
    _seals(ctx)
    if "gov" in series:
        _drafts(ctx, series["gov"])
