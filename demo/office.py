"""The demo office (演示数据): the fictional city 示范市.

``load_demo()`` builds the 市委办公室, the 市政府办公室, eight departments, a second-level
bureau, a city-owned enterprise and four provincial senders, with leaders, office staff,
division heads and handlers, then takes about fifty incoming documents through the real
services to every state of the incoming path, so that every page has content on first
start and the audit chain and the routing history are genuine.

Only the first system administrator and security administrator (and the agency they
belong to) are written directly with models: somebody must exist before the services,
which check who acts, can be called. That bootstrap is itself audited (``org.bootstrap``).

Idempotent: when the 示范市人民政府办公室 already exists nothing is changed.

Every account uses the one demo password ``DEMO_PASSWORD`` (org/passwords.py: org's login
rules know it). It is hashed once and set on all demo accounts in one audited step:
hashing it (Argon2) separately for ~90 people would take longer than the rest of the load
together.

The other parts of the office are the sibling modules of this package, each with a
``load(ctx)`` that ``load_demo`` calls in turn: the duty roster (demo/duty.py) before the
documents; after them due times, extensions and reminders (demo/deadlines.py,
demo/extensions.py), supervision items, statistics, the error book, the issuing side
(demo/drafting.py), the exchange, classified copies (demo/secrecy.py), the archive and
the search index. The demo is the top layer: it imports any app, and no app imports it.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from gongwen.errors import DomainError
from org import services as org
from org.models import AdminRole, Agency, AgencyKind, Person, PostKind, Unit
from org.passwords import DEMO_PASSWORD

from . import archive, deadlines, drafting, duty, errorbook, exchange, search, secrecy, stats, supervision
from .pdf import demo_pdf

MARKER_AGENCY = "示范市人民政府办公室"

# --- the organisation ---------------------------------------------------------------------

# key, name, short name, 代字, kind, level, parent key, internal, units [(name, "office"/"secretariat"/"both"/"")]
AGENCIES = [
    ("gov", "示范市人民政府办公室", "市政府办", "示府办", AgencyKind.GOVERNMENT, "city", None, True,
     [("办公室", "office"), ("秘书科", "secretariat"), ("综合一科", ""), ("综合二科", ""), ("综合三科", ""),
      ("督查科", "")]),
    ("prov_gov", "示范省人民政府办公厅", "省政府办公厅", "示省政办", AgencyKind.SUPERIOR, "province", None, False, []),
    ("prov_party", "中共示范省委办公厅", "省委办公厅", "示省委办", AgencyKind.SUPERIOR, "province", None, False, []),
    ("prov_jt", "示范省交通运输厅", "省交通运输厅", "示省交", AgencyKind.SUPERIOR, "province", None, False, []),
    ("prov_yj", "示范省应急管理厅", "省应急管理厅", "示省应急", AgencyKind.SUPERIOR, "province", None, False, []),
    ("party", "中共示范市委办公室", "市委办", "示委办", AgencyKind.PARTY_COMMITTEE, "city", None, True,
     [("办公室", "office"), ("文电科", "secretariat"), ("综合科", ""), ("调研科", ""), ("督查科", "")]),
    ("fgw", "示范市发展和改革委员会", "市发改委", "示发改", AgencyKind.DEPARTMENT, "city", None, True,
     [("办公室", "both"), ("投资科", "")]),
    ("jyj", "示范市教育局", "市教育局", "示教", AgencyKind.DEPARTMENT, "city", None, True,
     [("办公室", "both"), ("基础教育科", "")]),
    ("czj", "示范市财政局", "市财政局", "示财", AgencyKind.DEPARTMENT, "city", None, True,
     [("办公室", "both"), ("预算科", "")]),
    ("jtj", "示范市交通运输局", "市交通局", "示交", AgencyKind.DEPARTMENT, "city", None, True,
     [("办公室", "both"), ("综合规划科", ""), ("建设管理科", "")]),
    ("zjj", "示范市住房和城乡建设局", "市住建局", "示住建", AgencyKind.DEPARTMENT, "city", None, True,
     [("办公室", "both"), ("城市建设科", "")]),
    ("wjw", "示范市卫生健康委员会", "市卫健委", "示卫健", AgencyKind.DEPARTMENT, "city", None, True,
     [("办公室", "both"), ("医政医管科", "")]),
    ("yjj", "示范市应急管理局", "市应急局", "示应急", AgencyKind.DEPARTMENT, "city", None, True,
     [("办公室", "both"), ("安全生产综合协调科", "")]),
    ("sthj", "示范市生态环境局", "市生态环境局", "示环", AgencyKind.DEPARTMENT, "city", None, True,
     [("办公室", "both"), ("大气环境科", "")]),
    ("gonglu", "示范市公路事业发展中心", "市公路中心", "示公路", AgencyKind.BUREAU, "city", "jtj", True,
     [("办公室", "both"), ("养护科", "")]),
    ("chengtou", "示范市城市建设投资集团有限公司", "市城投集团", "示城投", AgencyKind.ENTERPRISE, "city", None, True,
     [("办公室", "both")]),
]

# Posts, in a short notation: principal, charge:<unit>,<unit>, director, head[:<unit>], clerk,
# secretary, handler, supervisor, seal, confidential, archivist, duty. Posts other than the
# leaders' sit in the person's own unit unless a unit is named.
POST_CODES = {
    "principal": PostKind.PRINCIPAL_LEADER, "charge": PostKind.LEADER_IN_CHARGE,
    "director": PostKind.OFFICE_DIRECTOR, "head": PostKind.DIVISION_HEAD, "clerk": PostKind.CLERK,
    "secretary": PostKind.SECRETARY, "handler": PostKind.HANDLER, "supervisor": PostKind.SUPERVISOR,
    "seal": PostKind.SEAL_KEEPER, "confidential": PostKind.CONFIDENTIAL_CLERK, "archivist": PostKind.ARCHIVIST,
    "duty": PostKind.DUTY_OFFICER,
}


@dataclass(frozen=True)
class PersonSpec:
    username: str
    name: str
    agency: str
    unit: str | None
    title: str
    posts: str
    role: str
    featured: bool = False
    clearance: str = ""
    admin_role: str = ""


def _p(username, name, agency, unit, title, posts, role, featured=False, clearance=""):
    return PersonSpec(username, name, agency, unit, title, posts, role, featured, clearance)


PEOPLE: list[PersonSpec] = [
    # 市政府办公室
    _p("shizhang", "陈立民", "gov", None, "市长", "principal", "市长（主要领导，批示）", True, "机密"),
    _p("fushizhang1", "刘振华", "gov", None, "常务副市长", "charge:综合一科,督查科",
       "常务副市长（分管综合一科、督查科）", True, "秘密"),
    _p("fushizhang2", "王秀梅", "gov", None, "副市长", "charge:综合二科", "副市长（分管综合二科）", True, "秘密"),
    _p("fushizhang3", "赵建军", "gov", None, "副市长", "charge:综合三科", "副市长（分管综合三科；外出培训，已委托刘振华）",
       True, "秘密"),
    _p("zhuren", "孙国强", "gov", "办公室", "市政府办公室主任", "director head", "办公室主任（拟办）", True, "机密"),
    _p("wenshu", "张敏", "gov", "办公室", "文书", "clerk", "文书（签收、登记、办结）", True),
    _p("mishu", "李晓峰", "gov", "秘书科", "秘书科科长", "secretary head", "秘书科科长（初审、分办）", True, "秘密"),
    _p("chuzhang1", "吴国庆", "gov", "综合一科", "综合一科科长", "head", "综合一科科长（承办，指定承办人）", True),
    _p("chengban1", "郑晓明", "gov", "综合一科", "综合一科四级主任科员", "handler", "综合一科承办人", True),
    _p("chengban2", "黄丽娟", "gov", "综合一科", "综合一科一级科员", "handler", "综合一科承办人", True),
    _p("chuzhang2", "周文斌", "gov", "综合二科", "综合二科科长", "head", "综合二科科长（承办）", True),
    _p("chengban3", "徐静", "gov", "综合二科", "综合二科三级主任科员", "handler", "综合二科承办人", True),
    _p("chuzhang3", "马俊", "gov", "综合三科", "综合三科科长", "head", "综合三科科长（承办）", True),
    _p("chengban4", "胡晓东", "gov", "综合三科", "综合三科一级科员", "handler", "综合三科承办人", True),
    _p("chuzhang4", "朱红梅", "gov", "督查科", "督查科科长", "head", "督查科科长（承办）", True),
    _p("duchayuan", "郭伟", "gov", "督查科", "督查员", "supervisor handler", "督查员（督查科承办人）", True),
    _p("yinzhang", "何雪", "gov", "办公室", "印章管理员", "seal", "印章管理员", True),
    _p("jiyao", "高峰", "gov", "办公室", "机要员", "confidential", "机要员（密件登记）", True, "机密"),
    _p("dangan", "罗佳", "gov", "办公室", "档案员", "archivist", "档案员", True),
    _p("zhiban", "梁志勇", "gov", "办公室", "值班员", "duty", "值班员", True),
    # 市委办公室
    _p("shuji", "杨树林", "party", None, "市委书记", "principal", "市委书记（主要领导，批示）", True, "机密"),
    _p("fushuji", "韩志明", "party", None, "市委副书记", "charge:综合科,督查科", "市委副书记（分管综合科、督查科）", True,
       "秘密"),
    _p("mishuzhang", "曹玉兰", "party", None, "市委常委、秘书长", "charge:调研科,文电科",
       "市委常委、秘书长（分管调研科、文电科）", True, "秘密"),
    _p("sw_zhuren", "冯建新", "party", "办公室", "市委办公室主任", "director head", "市委办主任（拟办）", True, "机密"),
    _p("sw_wenshu", "邓丽", "party", "办公室", "文书", "clerk", "市委办文书（签收、登记）", True),
    _p("sw_mishu", "彭亮", "party", "文电科", "文电科科长", "secretary head", "文电科科长（初审、分办）", True, "秘密"),
    _p("sw_chuzhang1", "谢明", "party", "综合科", "综合科科长", "head", "市委办综合科科长", True),
    _p("sw_chengban1", "唐晓燕", "party", "综合科", "综合科一级科员", "handler", "市委办综合科承办人", True),
    _p("sw_chuzhang2", "许海涛", "party", "调研科", "调研科科长", "head", "市委办调研科科长"),
    _p("sw_chengban2", "蒋琳", "party", "调研科", "调研科一级科员", "handler", "市委办调研科承办人"),
    _p("sw_chuzhang3", "沈涛", "party", "督查科", "督查科科长", "head", "市委办督查科科长"),
    _p("sw_duchayuan", "韦强", "party", "督查科", "督查员", "supervisor handler", "市委办督查员（督查科承办人）"),
    _p("sw_yinzhang", "钟华", "party", "办公室", "印章管理员", "seal", "市委办印章管理员"),
    _p("sw_jiyao", "袁晓光", "party", "办公室", "机要员", "confidential", "市委办机要员", clearance="机密"),
    _p("sw_dangan", "邹敏", "party", "办公室", "档案员", "archivist", "市委办档案员"),
    _p("sw_zhiban", "陆刚", "party", "办公室", "值班员", "duty", "市委办值班员"),
    # 市交通运输局: a full office, with a second division and a deputy in charge
    _p("jtj_juzhang", "侯德胜", "jtj", None, "局长", "principal", "市交通局局长", True),
    _p("jtj_fujuzhang", "邵长青", "jtj", None, "副局长", "charge:综合规划科,建设管理科",
       "市交通局副局长（分管两科）", True),
    _p("jtj_bangong", "孟凡荣", "jtj", "办公室", "办公室主任", "director secretary head",
       "市交通局办公室主任（初审、拟办、分办）", True),
    _p("jtj_wenshu", "龙小燕", "jtj", "办公室", "文书", "clerk", "市交通局文书（签收、登记）", True),
    _p("jtj_chuzhang", "万俊杰", "jtj", "综合规划科", "综合规划科科长", "head", "市交通局综合规划科科长", True),
    _p("jtj_chengban", "段晓宇", "jtj", "综合规划科", "综合规划科科员", "handler", "市交通局综合规划科承办人", True),
    _p("jtj_chuzhang2", "雷振东", "jtj", "建设管理科", "建设管理科科长", "head", "市交通局建设管理科科长"),
    _p("jtj_chengban2", "钱海波", "jtj", "建设管理科", "建设管理科科员", "handler", "市交通局建设管理科承办人"),
    # 二级局 and 市属企业
    _p("gonglu_zhuren", "严国栋", "gonglu", None, "主任", "principal", "市公路中心主任（二级局）", True),
    _p("gonglu_wenshu", "金秋", "gonglu", "办公室", "文书", "clerk director secretary", "市公路中心文书"),
    _p("gonglu_chuzhang", "陶明远", "gonglu", "养护科", "养护科科长", "head", "市公路中心养护科科长"),
    _p("gonglu_chengban", "方雨晴", "gonglu", "养护科", "养护科科员", "handler", "市公路中心养护科承办人"),
    _p("chengtou_dongshizhang", "陶志坚", "chengtou", None, "董事长", "principal", "市城投集团董事长（市属企业）"),
    _p("chengtou_wenshu", "伍小红", "chengtou", "办公室", "文书", "clerk director secretary head", "市城投集团文书"),
]

# Every other department: 主要领导, 办公室主任 (who also screens and distributes in a small
# office), 文书, one division head and one handler.
DEPARTMENT_PEOPLE = {
    # key: (principal title, principal, office director, clerk, division, head, handler)
    "fgw": ("主任", "蔡宏伟", "潘晓红", "董佳", "投资科", "任志强", "范文静"),
    "jyj": ("局长", "石国平", "白雪梅", "崔晶", "基础教育科", "康建华", "毛晓燕"),
    "czj": ("局长", "邱永明", "秦丽萍", "江涛", "预算科", "史红霞", "顾磊"),
    "zjj": ("局长", "汤建平", "尹红", "黎晓雯", "城市建设科", "易志刚", "常宇"),
    "wjw": ("主任", "武金凤", "乔志华", "贺婷", "医政医管科", "赖永红", "龚晨"),
    "yjj": ("局长", "文振国", "庞丽君", "樊晶晶", "安全生产综合协调科", "兰天宇", "殷鹏"),
    "sthj": ("局长", "施建民", "洪梅", "季佳慧", "大气环境科", "葛长春", "翟晓峰"),
}
for _key, (_title, _chief, _director, _clerk, _division, _head, _handler) in DEPARTMENT_PEOPLE.items():
    _short = next(a[2] for a in AGENCIES if a[0] == _key)
    _chief_login = f"{_key}_{'zhuren' if _title == '主任' else 'juzhang'}"
    PEOPLE += [
        _p(_chief_login, _chief, _key, None, _title, "principal", f"{_short}{_title}（主要领导）"),
        _p(f"{_key}_bangong", _director, _key, "办公室", "办公室主任", "director secretary head",
           f"{_short}办公室主任（初审、拟办、分办）"),
        _p(f"{_key}_wenshu", _clerk, _key, "办公室", "文书", "clerk", f"{_short}文书（签收、登记）"),
        _p(f"{_key}_chuzhang", _head, _key, _division, f"{_division}科长", "head", f"{_short}{_division}科长"),
        _p(f"{_key}_chengban", _handler, _key, _division, f"{_division}科员", "handler", f"{_short}{_division}承办人"),
    ]

# 印章管理员 of the other agencies that issue documents (用印; demo/drafting.py registers a
# seal for every agency of the system with its keeper).
SEAL_KEEPERS = {
    "jtj": "温小凤", "fgw": "夏晓琳", "jyj": "孔令华", "czj": "姜晓梅", "zjj": "程丽", "wjw": "魏敏", "yjj": "苏洁",
    "sthj": "吕静", "gonglu": "柳青", "chengtou": "莫晓丹",
}
for _key, _keeper in SEAL_KEEPERS.items():
    _short = next(a[2] for a in AGENCIES if a[0] == _key)
    PEOPLE.append(_p(f"{_key}_yinzhang", _keeper, _key, "办公室", "印章管理员", "seal", f"{_short}印章管理员",
                     featured=_key == "jtj"))

# The three separated administrators (三员): three people, no posts, no documents.
ADMINS = [
    PersonSpec("sysadmin", "何志远", "gov", None, "系统管理员", "", "系统管理员（组织机构、流程模板）", True,
               admin_role=AdminRole.SYSTEM),
    PersonSpec("secadmin", "马秀英", "gov", None, "安全保密管理员", "", "安全保密管理员（岗位、涉密等级）", True,
               admin_role=AdminRole.SECURITY),
    PersonSpec("auditor", "田雨", "gov", None, "安全审计员", "", "安全审计员（审计日志）", True,
               admin_role=AdminRole.AUDITOR),
]

# Default phrases (常用语) offered under every opinion box.
PHRASES = [
    "阅。", "已阅。", "同意。", "已阅，同意拟办意见。", "同意拟办意见。", "请XX科研办。", "请抓紧办理，按时反馈。",
    "请按程序办理。", "拟请XX同志阅示，XX科牵头办理。", "请认真研究，提出具体意见。", "属本机关办理范围，要素齐全，请拟办。",
    "我科无不同意见。", "同意答复意见。", "已按要求办理完毕。", "已办结，材料已整理归档。",
]


def demo_logins(include_all: bool = False) -> list[tuple[str, str, str, str]]:
    """(username, name, agency short name, role) of the demo accounts, the ones needed to
    walk a document first; every account when ``include_all``."""
    short = {a[0]: a[2] for a in AGENCIES}
    rows = []
    for spec in [*PEOPLE, *ADMINS]:
        if include_all or spec.featured:
            rows.append((spec.username, spec.name, short[spec.agency], spec.role))
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_logins(include_all: bool = False) -> str:
    """The demo logins as a plain-text table (CJK characters count double in a terminal)."""
    header = ("登录名", "姓名", "机关", "岗位")
    rows = demo_logins(include_all)
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = [f"演示账号（统一密码：{DEMO_PASSWORD}）"]
    lines.append("  ".join(_pad(h, w) for h, w in zip(header[:3], widths, strict=True)) + "  " + header[3])
    lines.append("-" * (sum(widths) + 6 + max(_width(r[3]) for r in rows)))
    for row in rows:
        lines.append("  ".join(_pad(c, w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
    if not include_all:
        total = len(PEOPLE) + len(ADMINS)
        lines.append(f"（共 {total} 个演示账号，以上为常用的 {len(rows)} 个；"
                     "全部账号：manage.py load_demo --print-logins --all-logins）")
    return "\n".join(lines)


# --- the documents --------------------------------------------------------------------------


@dataclass
class DocSpec:
    """One demo document and how far it goes.

    ``stop`` is the node kind where it waits (its holder's 待办), or "closed"; ``close_at``
    closes it early at that node (阅知件 at 拟办, a report the leader just reads); ``reject``
    returns it (退文) at a node with a kind and a reason."""

    key: str
    agency: str
    title: str
    doc_type: str
    sender: str
    number: str = ""
    slip: str = "intake"
    days: int = 1  # received that many days ago (0: within the last hour)
    deadline: str = ""  # "", "today", "overdue:<days ago>", "+<days from now>"
    urgency: str = ""
    signer: str = ""
    secrecy: str = ""
    secrecy_term: str = ""
    copy_number: str = ""
    pages: int | None = None
    attachments_note: str = ""
    direct: tuple[str, str] | None = None  # (submitter, leader): arrives as 直送件
    registrar: str = ""
    stop: str = "closed"
    close_at: str = ""
    reject: tuple[str, str, str] | None = None  # (node kind, return kind, reason)
    leaders: tuple[str, ...] = ()
    mode: str = "sequential"
    signed: int = 0  # leaders who have signed when it stops at 批示
    proxy: str = ""  # a stand-in (委托) who signs for the leader
    instructions: tuple[str, ...] = ()
    lead: str = ""
    assist: tuple[str, ...] = ()
    assist_done: bool = True
    handler: str = ""
    needs_reply: bool = False
    needs_approval: bool = False
    reply_text: str = ""
    circulate: tuple[str, ...] = ()
    read_back: tuple[str, ...] = ()
    detours: tuple[str, ...] = ()  # "recall" at 初审, "return" at 拟办, "add_signer" at 批示, "countersign" at 承办
    forward_of: str = ""
    body: bool = False
    opinions: dict = field(default_factory=dict)


def _d(key, agency, title, doc_type, sender, number="", **kw) -> DocSpec:
    return DocSpec(key, agency, title, doc_type, sender, number, **kw)


DOCS: list[DocSpec] = [
    # --- 市交通运输局 (its own registry; J3 is the bureau's request it later forwards up) ---
    _d("J4", "jtj", "关于做好2026年道路运输安全生产工作的通知", "通知", "gov", "示府办函〔{y}〕20号", slip="relay",
       days=14, leaders=("jtj_juzhang",), lead="综合规划科", handler="jtj_chengban", close_at="handle", body=True,
       instructions=("请综合规划科抓好落实，督促各运输企业开展隐患自查。",)),
    _d("J3", "jtj", "关于申请国道G328示范段水毁修复资金的请示", "请示", "gonglu", "示公路〔{y}〕11号", days=3,
       signer="严国栋", leaders=("jtj_juzhang",), lead="建设管理科", handler="jtj_chengban2", close_at="handle",
       instructions=("请建设管理科审核，符合条件的按程序转报市政府。",),
       opinions={"handle": "经审核，修复方案和资金测算属实，已以示交〔{y}〕45号转报市政府。"}),
    _d("J1", "jtj", "关于印发《示范市2026年冬季道路交通安全专项整治方案》的通知", "通知", "gov", "示府办发〔{y}〕31号",
       slip="relay", days=3, deadline="+5", leaders=("jtj_fujuzhang",), lead="综合规划科", handler="jtj_chengban",
       needs_reply=True, stop="handle", body=True, pages=9),
    _d("J2", "jtj", "关于开展农村公路安全隐患排查整治的通知", "通知", "prov_jt", "示省交〔{y}〕52号", slip="relay", days=2,
       stop="propose"),
    _d("J5", "jtj", "关于冬季公路除雪保畅工作准备情况的报告", "报告", "gonglu", "示公路〔{y}〕13号", days=0,
       signer="严国栋", direct=("gonglu_zhuren", "jtj_fujuzhang"), stop="register"),
    # --- 市委办公室 ---
    _d("P7", "party", "关于争取中央预算内投资项目有关情况的报告", "报告", "fgw", "示发改〔{y}〕55号", days=0,
       signer="蔡宏伟", direct=("fgw_zhuren", "fushuji"), stop="sign_for"),
    _d("P6", "party", "关于全市安全生产专项整治三年行动总结的报告", "报告", "yjj", "示应急〔{y}〕31号", days=20,
       signer="文振国", leaders=("shuji",), lead="综合科", handler="sw_chengban1", close_at="handle",
       instructions=("阅。请综合科汇总整理，纳入年度工作总结。",)),
    _d("P5", "party", "党委工作信息（第38期）", "简报", "prov_party", slip="misc", days=5, close_at="propose"),
    _d("P4", "party", "关于开展乡村振兴驻村帮扶工作专项督查的通知", "通知", "prov_party", "示省委办函〔{y}〕40号",
       slip="relay", days=7, deadline="+4", leaders=("fushuji",), lead="督查科", handler="sw_duchayuan",
       needs_reply=True, stop="handle", body=True),
    _d("P3", "party", "关于制定《示范市营商环境优化提升三年行动计划》的请示", "请示", "fgw", "示发改〔{y}〕47号", days=4,
       signer="蔡宏伟", leaders=("fushuji", "shuji"), signed=1, lead="综合科", stop="instruct"),
    _d("P2", "party", "关于做好2026年度党委信息工作考评的通知", "通知", "prov_party", "示省委办函〔{y}〕33号",
       slip="relay", days=3, stop="propose"),
    _d("P1", "party", "关于深入开展“走基层、解民忧”蹲点调研活动的通知", "通知", "prov_party", "示省委办发〔{y}〕16号",
       slip="relay", days=1, stop="screen", body=True),
    # --- 市政府办公室: closed ---
    _d("G33", "gov", "关于印发《示范省防汛抗旱应急预案》的通知", "通知", "prov_gov", "示省政办发〔{y}〕9号", slip="relay",
       days=25, leaders=("fushizhang3",), lead="综合三科", close_at="handle", circulate=("shizhang", "fushizhang1"),
       read_back=("shizhang", "fushizhang1"), body=True, pages=36, attachments_note="附件：示范省防汛抗旱应急预案",
       instructions=("请综合三科对照预案修订我市防汛抗旱应急预案，报市防指审定。",)),
    _d("G37", "gov", "关于印发《关于进一步激励干部担当作为的若干措施》的通知", "通知", "prov_party",
       "示省委办发〔{y}〕14号", slip="relay", days=21, close_at="propose",
       circulate=("shizhang", "fushizhang1", "fushizhang2", "fushizhang3"),
       read_back=("shizhang", "fushizhang1", "fushizhang2", "fushizhang3"),
       opinions={"propose": "已送市政府领导传阅，阅毕存档。"}),
    _d("G32", "gov", "关于示范市2026年国省干线公路养护工程计划的请示", "请示", "jtj", "示交〔{y}〕30号", days=20,
       signer="侯德胜", leaders=("fushizhang1", "shizhang"), lead="综合一科", handler="chengban1", needs_approval=True,
       reply_text="经市政府同意，原则同意养护工程计划，已以示府办函〔{y}〕23号复函市交通运输局。", body=True,
       instructions=("原则同意，请综合一科会同市财政局审核资金安排。", "同意振华同志意见。")),
    _d("G35", "gov", "关于第三轮省级生态环境保护督察反馈问题整改进展情况的报告", "报告", "sthj", "示环〔{y}〕26号",
       days=16, signer="施建民", leaders=("fushizhang2",), close_at="instruct",
       instructions=("阅。请市生态环境局对照整改清单按期销号，确保整改到位。",)),
    _d("G31", "gov", "关于做好防汛抗旱物资储备管理工作的通知", "通知", "prov_yj", "示省应急〔{y}〕28号", slip="relay",
       days=15, leaders=("fushizhang3",), lead="综合三科", handler="chengban4", needs_reply=True,
       reply_text="已以示府办函〔{y}〕25号向省应急管理厅报送我市物资储备情况。", stop="complete"),
    _d("G34", "gov", "安全生产工作简报（第12期）", "简报", "prov_yj", slip="misc", days=6, close_at="propose",
       opinions={"propose": "阅知件，已送分管领导阅，存档。"}),
    # --- 领导审定 / 答复 ---
    _d("G29", "gov", "关于报送2026年前三季度民生实事项目进展情况的通知", "通知", "prov_gov", "示省政办函〔{y}〕52号",
       slip="relay", days=13, deadline="+1", leaders=("fushizhang2",), lead="综合二科", handler="chengban3",
       needs_approval=True, stop="reply"),
    _d("G24", "gov", "关于报送农村公路“四好”建设年度目标完成情况的通知", "通知", "prov_jt", "示省交函〔{y}〕41号",
       slip="relay", days=14, deadline="overdue:1", leaders=("fushizhang1",), lead="综合一科", assist=("综合三科",),
       handler="chengban1", needs_reply=True, stop="handle"),
    _d("G17", "gov", "关于报送大气污染防治攻坚行动进展情况的函", "函", "prov_gov", "示省政办函〔{y}〕63号", slip="relay",
       days=12, deadline="overdue:2", leaders=("fushizhang2",), needs_reply=True, stop="instruct"),
    _d("G28", "gov", "关于印发《示范市营商环境评价指标提升方案》的请示", "请示", "fgw", "示发改〔{y}〕49号", days=11,
       signer="蔡宏伟", leaders=("fushizhang1", "shizhang"), lead="督查科", handler="duchayuan", needs_approval=True,
       stop="approve"),
    _d("G27", "gov", "关于征求《示范省安全生产条例（修订草案）》意见的函", "函", "prov_gov", "示省政办函〔{y}〕58号",
       slip="relay", days=10, deadline="+2", leaders=("fushizhang1",), lead="综合一科", handler="chengban2",
       needs_approval=True, stop="approve", body=True),
    _d("G30", "gov", "关于报送冬季森林防火工作部署情况的函", "函", "prov_yj", "示省应急函〔{y}〕37号", slip="relay", days=9,
       leaders=("fushizhang3",), lead="综合三科", handler="chengban4", needs_reply=True, stop="reply"),
    _d("G12", "gov", "关于报送2026年度重大项目谋划储备情况的函", "函", "prov_gov", "示省政办函〔{y}〕66号", slip="relay",
       days=9, deadline="overdue:1", needs_reply=True, stop="propose", detours=("recall",),
       opinions={"screen": "来文要求限时报送，已标注办理时限，请从速拟办。"}),
    _d("G23", "gov", "关于2026年秋季学期中小学学位保障情况的报告", "报告", "jyj", "示教〔{y}〕16号", days=8,
       signer="石国平", leaders=("fushizhang2",), lead="综合二科", stop="handle",
       circulate=("shizhang", "fushizhang1"), read_back=("fushizhang1",)),
    _d("G22", "gov", "关于开展优化营商环境专项督查的通知", "通知", "prov_gov", "示省政办函〔{y}〕71号", slip="relay",
       days=7, deadline="+3", leaders=("fushizhang1",), lead="督查科", assist=("综合一科",), assist_done=False,
       handler="duchayuan", needs_reply=True, stop="handle", body=True),
    _d("G15", "gov", "关于示范大道综合改造工程征地拆迁工作的请示", "请示", "jtj", "示交〔{y}〕36号", days=6,
       signer="侯德胜", leaders=("fushizhang1", "shizhang"), signed=1, lead="综合一科", needs_approval=True,
       stop="instruct", instructions=("拟同意。征地拆迁务必依法依规、阳光操作，请立民市长审定。",)),
    _d("G25", "gov", "关于《示范市城市更新行动实施方案（送审稿）》的请示", "请示", "zjj", "示住建〔{y}〕39号", days=6,
       signer="汤建平", leaders=("fushizhang3", "shizhang"), lead="综合三科", needs_approval=True, stop="handle",
       detours=("countersign",), body=True),
    _d("G39", "gov", "关于商请协调解决城东片区供水管网改造问题的函", "函", "zjj", "示住建函〔{y}〕12号", days=6,
       reject=("screen", "乱投件", "供水管网改造属市住房和城乡建设局职责，应直接与市水务集团协商办理，"
               "不应报送市政府办公室。请按职责自行办理。")),
    _d("G18", "gov", "关于健全突发公共卫生事件应急指挥体系的请示", "请示", "wjw", "示卫健〔{y}〕22号", days=5,
       signer="武金凤", leaders=("shizhang",), stop="instruct", detours=("add_signer",)),
    _d("G11", "gov", "关于印发《示范省2026年民生实事项目实施方案》的通知", "通知", "prov_gov", "示省政办发〔{y}〕18号",
       slip="relay", days=5, stop="propose", body=True, pages=12,
       attachments_note="附件：示范省2026年民生实事项目实施方案"),
    _d("G19", "gov", "关于申请设立城市更新专项资金的请示", "请示", "zjj", "示住建〔{y}〕41号", days=5, signer="汤建平",
       leaders=("fushizhang3",), proxy="fushizhang1", lead="综合三科", stop="distribute",
       instructions=("请综合三科会同市财政局研究提出意见。",)),
    _d("G14", "gov", "关于开展2026年度乡村振兴战略实绩考核工作的通知", "通知", "prov_gov", "示省政办函〔{y}〕77号",
       slip="relay", days=4, deadline="+10", leaders=("fushizhang3", "shizhang"), lead="综合三科",
       needs_reply=True, stop="instruct"),
    _d("G38", "gov", "关于申请召开全市教育工作会议并追加会议经费的请示", "请示", "jyj", "示教〔{y}〕20号", days=4,
       signer="石国平", reject=("screen", "退文", "一文多事：同一请示既请示召开会议又申请追加经费，"
                                               "不符合“一文一事”的要求。请分别行文后重新报送。")),
    _d("G04", "gov", "关于城区停车设施建设有关问题的报告", "报告", "", days=2, direct=("chuzhang3", "shizhang"),
       stop="screen"),
    _d("G06", "gov", "关于全市老旧小区改造项目推进情况的报告", "报告", "zjj", "示住建〔{y}〕44号", days=4,
       direct=("zjj_juzhang", "fushizhang3"), stop="propose"),
    _d("G10", "gov", "关于商请提供2027年部门预算编制基础数据的函", "函", "czj", "示财函〔{y}〕15号", days=3,
       deadline="+5", stop="screen", detours=("return",)),
    _d("G05", "gov", "关于申请将城区扬尘治理纳入市政府督办事项的报告", "报告", "sthj", "示环〔{y}〕30号", days=3,
       direct=("sthj_juzhang", "fushizhang2"),
       reject=("sign_for", "直送件", "该件直接送交王秀梅副市长个人，未经市政府办公室统一签收；且报告中夹带请示事项。"
                                     "请改用请示行文，主送市人民政府，由办公室统一签收后按程序办理。")),
    _d("G20", "gov", "关于做好2026年冬春季道路交通安全管理工作的通知", "通知", "prov_gov", "示省政办发〔{y}〕25号",
       slip="relay", days=3, leaders=("fushizhang1",), lead="综合一科", stop="distribute", body=True),
    _d("G07", "gov", "关于进一步优化营商环境降低制度性交易成本的实施意见", "意见", "prov_gov", "示省政办发〔{y}〕21号",
       slip="relay", days=1, stop="screen", body=True, pages=8),
    _d("G40", "gov", "关于做好岁末年初安全稳定工作的通知", "通知", "prov_gov", "示省政办发〔{y}〕30号", slip="relay",
       days=2, leaders=("shizhang",), stop="instruct"),
    _d("G03", "gov", "关于调整基层医疗卫生机构绩效工资总量的请示", "请示", "wjw", "示卫健〔{y}〕27号", days=1,
       signer="武金凤", direct=("wjw_zhuren", "fushizhang2"), stop="register"),
    _d("G21", "gov", "关于提请召开市安全生产委员会全体会议的请示", "请示", "yjj", "示应急〔{y}〕29号", days=1,
       urgency="加急", deadline="today", signer="文振国", leaders=("fushizhang1", "shizhang"), lead="督查科",
       stop="distribute"),
    _d("G26", "gov", "关于尽快确认2026年民生实事项目补助资金分配方案的函", "函", "czj", "示财函〔{y}〕19号", days=1,
       urgency="加急", deadline="today", leaders=("fushizhang2",), lead="综合二科", handler="chengban3",
       needs_reply=True, stop="handle"),
    _d("G41", "gov", "关于申请国道G328示范段水毁修复资金的请示", "请示", "jtj", "示交〔{y}〕45号", days=1, signer="侯德胜",
       forward_of="J3", stop="screen", attachments_note="附件：示范市公路事业发展中心关于申请国道G328示范段水毁修复资金的请示"),
    _d("G01", "gov", "关于申请解决示范大道综合改造工程资金缺口的请示", "请示", "jtj", "示交〔{y}〕41号", days=0,
       signer="侯德胜", direct=("jtj_juzhang", "fushizhang1"), stop="sign_for"),
    _d("G02", "gov", "关于申请追加城区中小学扩容项目建设资金的请示", "请示", "jyj", "示教〔{y}〕18号", days=0,
       urgency="加急", deadline="+2", signer="石国平", direct=("jyj_juzhang", "shizhang"), stop="sign_for"),
    _d("G09", "gov", "关于立即开展冬季安全生产大检查的紧急通知", "电报", "prov_yj", "示省应急明电〔{y}〕9号",
       slip="relay", days=0, urgency="特急", deadline="today", stop="screen"),
    _d("G16", "gov", "关于切实做好寒潮雨雪冰冻天气防范应对工作的紧急通知", "电报", "prov_gov", "示省政办明电〔{y}〕6号",
       slip="relay", days=0, urgency="特急", deadline="today", leaders=("shizhang", "fushizhang1"), mode="all",
       stop="instruct", circulate=("fushizhang2", "fushizhang3", "zhiban")),
]

MAIN_RECIPIENTS = {
    ("gov", "relay"): "各市人民政府，省政府各部门、各直属机构",
    ("gov", "intake"): "市人民政府",
    ("party", "relay"): "各市委，省直各单位党组（党委）",
    ("party", "intake"): "中共示范市委",
    ("jtj", "relay"): "各县（市、区）人民政府，市政府各部门",
    ("jtj", "intake"): "市交通运输局",
}
CLERKS = {"gov": "wenshu", "party": "sw_wenshu", "jtj": "jtj_wenshu"}


# --- loading ----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    created: bool
    agencies: int = 0
    people: int = 0
    documents: int = 0
    seconds: float = 0.0

    @property
    def message(self) -> str:
        if not self.created:
            return "演示数据已存在，未做改动。"
        return (f"已载入演示数据（示范市）：{self.agencies} 个机关、{self.people} 名人员、{self.documents} 件收文，"
                f"用时 {self.seconds:.1f} 秒。")


class _Ctx:
    def __init__(self, now: datetime):
        self.now = now
        self.agencies: dict[str, Agency] = {}
        self.units: dict[tuple[str, str], Unit] = {}
        self.people: dict[str, Person] = {}
        self.usernames: dict[int, str] = {}
        self.docs: dict[str, object] = {}

    def p(self, username: str) -> Person:
        return self.people[username]


def demo_exists() -> bool:
    return Agency.objects.filter(name=MARKER_AGENCY).exists()


def load_demo() -> LoadResult:
    """Load the demo office unless it is there already. All or nothing."""
    if demo_exists():
        return LoadResult(created=False)
    started = time.monotonic()
    with transaction.atomic():
        if demo_exists():  # a concurrent loader won
            return LoadResult(created=False)
        usernames = [p.username for p in [*PEOPLE, *ADMINS]]
        taken = list(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
        if taken:
            raise DomainError(f"登录名 {'、'.join(sorted(taken))} 已被使用，无法载入演示数据。"
                              "演示数据只应载入新建的数据库。")
        ctx = _Ctx(timezone.now())
        _bootstrap(ctx)
        _build_organisation(ctx)
        _set_passwords(ctx)
        _phrases(ctx)
        # The duty roster comes before the documents (a 特急 document arriving on a
        # non-working day goes to whoever is on duty).
        duty.load(ctx)
        # In order of arrival, so that 收文编号 follow the receiving times.
        for spec in sorted(DOCS, key=lambda s: _times(ctx, s, DOCS.index(s))[0]):
            ctx.docs[spec.key] = _drive(ctx, spec)
            _spread_over_working_time(ctx, ctx.docs[spec.key])
        # Then each part of the office works on the documents, in this order: due times,
        # extensions and reminders; supervision items; statistics; the error book; the
        # issuing side (series, seals, drafts); the exchange; classified copies; the
        # archive; the search index.
        deadlines.load(ctx)
        supervision.load(ctx)
        stats.load(ctx)
        errorbook.load(ctx)
        drafting.load(ctx)
        exchange.load(ctx)
        secrecy.load(ctx)
        archive.load(ctx)
        search.load(ctx)
    return LoadResult(created=True, agencies=len(ctx.agencies), people=len(ctx.people), documents=len(ctx.docs),
                      seconds=time.monotonic() - started)


def _bootstrap(ctx: _Ctx) -> None:
    """The first agency, system administrator and security administrator, written
    directly: the services need an administrator to act."""
    User = get_user_model()
    key, name, short, code, kind, level, _parent, internal, _units = AGENCIES[0]
    gov = Agency.objects.create(name=name, short_name=short, code=code, kind=kind, level=level, is_internal=internal)
    ctx.agencies[key] = gov
    made = []
    for spec in ADMINS[:2]:
        user = User(username=spec.username)
        user.set_unusable_password()
        user.save()
        person = Person.objects.create(user=user, name=spec.name, agency=gov, title=spec.title,
                                       admin_role=spec.admin_role)
        ctx.people[spec.username] = person
        ctx.usernames[person.pk] = spec.username
        made.append({"person": person.pk, "username": spec.username, "role": spec.admin_role})
    audit.record(actor=None, action="org.bootstrap", target=gov,
                 new={"agency": gov.name, "administrators": made, "source": "load_demo"})


def _build_organisation(ctx: _Ctx) -> None:
    sysadmin, secadmin = ctx.p("sysadmin"), ctx.p("secadmin")
    for order, (key, name, short, code, kind, level, parent, internal, units) in enumerate(AGENCIES):
        if key not in ctx.agencies:
            ctx.agencies[key] = org.create_agency(
                actor=sysadmin, name=name, short_name=short, kind=kind, code=code, level=level,
                parent=ctx.agencies[parent] if parent else None, is_internal=internal, sort_order=order)
        for position, (unit_name, flags) in enumerate(units):
            ctx.units[(key, unit_name)] = org.create_unit(
                actor=sysadmin, agency=ctx.agencies[key], name=unit_name, is_office=flags in ("office", "both"),
                is_secretariat=flags in ("secretariat", "both"), sort_order=position)
    # Blank password (unusable) here: the shared demo password is set once for all below.
    for order, spec in enumerate([*PEOPLE, ADMINS[2]]):
        person = org.create_person(
            actor=sysadmin, agency=ctx.agencies[spec.agency], name=spec.name, username=spec.username, password="",
            unit=ctx.units[(spec.agency, spec.unit)] if spec.unit else None, title=spec.title, sort_order=order)
        ctx.people[spec.username] = person
        ctx.usernames[person.pk] = spec.username
    org.set_admin_role(actor=secadmin, person=ctx.p("auditor"), role=AdminRole.AUDITOR)
    for spec in PEOPLE:
        person = ctx.p(spec.username)
        for code in spec.posts.split():
            name, _, arg = code.partition(":")
            kind = POST_CODES[name]
            if kind == PostKind.LEADER_IN_CHARGE:
                in_charge = [ctx.units[(spec.agency, u)] for u in arg.split(",")]
                org.grant_post(actor=secadmin, person=person, kind=kind, units_in_charge=in_charge)
            elif kind == PostKind.PRINCIPAL_LEADER:
                org.grant_post(actor=secadmin, person=person, kind=kind)
            else:
                unit = ctx.units[(spec.agency, arg)] if arg else person.unit
                org.grant_post(actor=secadmin, person=person, kind=kind, unit=unit)
        if spec.clearance:
            org.set_clearance(actor=secadmin, person=person, clearance=spec.clearance)
    # AB角: the deputy mayor in charge of 综合三科 is away at training; 刘振华 stands in.
    org.create_delegation(actor=ctx.p("zhuren"), from_person=ctx.p("fushizhang3"), to_person=ctx.p("fushizhang1"),
                          starts_at=ctx.now - timedelta(days=1), ends_at=ctx.now + timedelta(days=6),
                          reason="赴省委党校参加专题培训，期间由刘振华常务副市长代为批阅",
                          consent="本人出发前当面同意")


def _set_passwords(ctx: _Ctx) -> None:
    User = get_user_model()
    ids = [p.user_id for p in ctx.people.values()]
    User.objects.filter(pk__in=ids).update(password=make_password(DEMO_PASSWORD))
    audit.record(actor=ctx.p("sysadmin"), action="org.demo.passwords", target=("DemoOffice", "示范市"),
                 new={"accounts": len(ids), "note": "演示账号统一设置演示密码"})


def _phrases(ctx: _Ctx) -> None:
    from flow.models import PhraseBook

    # No service writes the shared phrase book yet: these are the shipped defaults.
    PhraseBook.objects.bulk_create([PhraseBook(person=None, text=t, sort_order=i) for i, t in enumerate(PHRASES)])
    audit.record(actor=ctx.p("sysadmin"), action="flow.phrasebook.defaults", target=("PhraseBook", "default"),
                 new={"phrases": len(PHRASES)})


# --- driving a document --------------------------------------------------------------------------


def _local_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone())


def _times(ctx: _Ctx, spec: DocSpec, index: int):
    """(received_at, issued_on, sender_deadline, deadline text) relative to now."""
    today = timezone.localdate(ctx.now)
    if spec.days == 0:
        received = ctx.now - timedelta(minutes=25 + 9 * (index % 5))
    else:
        received = _local_at(today - timedelta(days=spec.days), 9 + index % 7, (index * 13) % 60)
    local_received = timezone.localtime(received).date()
    issued = local_received - timedelta(days=0 if spec.days == 0 else 1 + index % 3)
    deadline, text = None, ""
    if spec.deadline == "today":
        deadline = _local_at(today, 17, 30)
        if deadline < ctx.now + timedelta(minutes=30):
            deadline = min(ctx.now + timedelta(hours=2), _local_at(today, 23, 59))
        text = "今日下班前"
    elif spec.deadline.startswith("overdue:"):
        day = today - timedelta(days=int(spec.deadline.split(":")[1]))
        deadline, text = _local_at(day, 17, 30), f"{day.month}月{day.day}日下班前"
    elif spec.deadline.startswith("+"):
        day = today + timedelta(days=int(spec.deadline[1:]))
        deadline, text = _local_at(day, 17, 30), f"{day.month}月{day.day}日下班前"
    return received, issued, deadline, text


def _open_main(document):
    from flow.models import Task, TaskRole, TaskStatus

    return (Task.objects.filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN,
                                activation__is_side=False).select_related("assignee").order_by("id").first())


def _open_tasks(document, role):
    from flow.models import Task, TaskStatus

    return list(Task.objects.filter(document=document, status=TaskStatus.OPEN, role=role).order_by("id"))


def _leader_label(ctx: _Ctx, username: str) -> str:
    p = ctx.p(username)
    return f"{p.name}{p.title}" if "、" not in p.title else f"{p.name}同志"


def _spread_over_working_time(ctx: _Ctx, document) -> None:
    """The demo drives each document's steps within a second of loading; spread them over
    the working time between its receipt and now, in their order, as an office would have
    done them, so that holding times, statistics and timelines look like a real office's.
    Written with queryset updates: these are the demo's own rows, rewritten once at load."""

    from deadlines.calendar import YearUnknown
    from deadlines.services import calendar_for
    from flow.models import Activation, HistoryEvent, Opinion, Process, Task

    start = document.received_at
    models_fields = [(Task, ("created_at", "touched_at", "done_at")), (HistoryEvent, ("at",)),
                     (Opinion, ("created_at",)), (Activation, ("created_at", "completed_at")),
                     (Process, ("started_at", "completed_at"))]
    rows = {m: list(m.objects.filter(document=document) if m is not Activation
                    else m.objects.filter(process__document=document)) for m, _ in models_fields}
    instants = sorted({getattr(r, f) for m, fields in models_fields for r in rows[m] for f in fields
                       if getattr(r, f) is not None and getattr(r, f) > start})
    if not instants:
        return
    calendar = calendar_for(document.agency)
    try:
        begin, end = calendar.position(start), calendar.position(ctx.now)
    except YearUnknown:
        begin = end = 0
    span = (end - begin) * 0.85
    if span <= 0:  # received since the last working period ended: handled just now
        return
    count = len(instants)

    def moved(t: datetime) -> datetime:
        return calendar.instant(begin + span * (instants.index(t) + 1) / (count + 1))

    mapping = {t: moved(t) for t in instants}
    for model, fields in models_fields:
        for row in rows[model]:
            values = {f: mapping[getattr(row, f)] for f in fields if getattr(row, f) in mapping}
            if values:
                model.objects.filter(pk=row.pk).update(**values)
    if document.closed_at in mapping:
        type(document).objects.filter(pk=document.pk).update(closed_at=mapping[document.closed_at])


def _drive(ctx: _Ctx, spec: DocSpec):
    from documents import services as documents
    from flow import services as flow
    from flow.models import NodeKind, TaskRole
    from incoming import services as incoming

    index = DOCS.index(spec)
    agency = ctx.agencies[spec.agency]
    clerk = ctx.p(spec.registrar or CLERKS[spec.agency])
    received, issued, deadline, deadline_text = _times(ctx, spec, index)
    year = issued.year
    sender = ctx.agencies.get(spec.sender)
    data = documents.IncomingData(
        title=spec.title, doc_type=spec.doc_type, slip_kind=spec.slip,
        sender_id=sender.pk if sender else None, sender_name="" if sender else spec.sender,
        doc_number=spec.number.format(y=year), copy_number=spec.copy_number, secrecy=spec.secrecy,
        secrecy_term=spec.secrecy_term, urgency=spec.urgency, signer=spec.signer,
        main_recipients=MAIN_RECIPIENTS.get((spec.agency, spec.slip), MAIN_RECIPIENTS[(spec.agency, "intake")]),
        issued_on=issued, received_at=received, pages=spec.pages or (2 + index % 5), copies=1,
        attachments_note=spec.attachments_note, sender_deadline=deadline, sender_deadline_text=deadline_text,
        forwarded_from_id=ctx.docs[spec.forward_of].pk if spec.forward_of else None,
    )
    if spec.direct:
        submitter, leader = spec.direct
        doc = incoming.submit_direct(actor=ctx.p(submitter), agency=agency, leader=ctx.p(leader), data=data)
    else:
        doc = incoming.register_incoming(actor=clerk, agency=agency, data=data)
    if spec.body and not spec.secrecy:
        pdf = demo_pdf(spec.title, sender=sender.name if sender else spec.sender, doc_number=doc.doc_number,
                       recipients=doc.main_recipients, issued_on=issued)
        documents.upload_file(actor=clerk, document=doc, name=f"{spec.title}.pdf", data=pdf)

    def text(node: str, default: str) -> str:
        return spec.opinions.get(node, default).format(y=year)

    lead_unit = ctx.units[(spec.agency, spec.lead)] if spec.lead else None
    detours = list(spec.detours)
    circulated = False
    signed = 0
    for _ in range(40):
        doc.refresh_from_db()
        if not doc.is_open:
            return doc
        if spec.circulate and not circulated and doc.registry_seq:
            circulated = True
            readers = [ctx.p(u) for u in spec.circulate]
            flow.circulate(doc.pk, actor=clerk, readers=readers, note="请阅，阅毕请退回办公室。")
            for task in _open_tasks(doc, TaskRole.CIRCULATE):
                if ctx.usernames[task.assignee_id] in spec.read_back:
                    flow.read_back(task.pk, actor=task.assignee, opinion="已阅。")
            continue
        task = _open_main(doc)
        kind = task.node_kind
        actor = task.assignee
        if spec.reject and spec.reject[0] == kind:
            _, return_kind, reason = spec.reject
            flow.reject(doc.pk, actor=actor if kind == NodeKind.SCREEN else clerk, reason=reason, kind=return_kind)
            continue
        if kind == NodeKind.HANDLE:
            head_name = ctx.usernames[actor.pk]
            if spec.handler and head_name != spec.handler:
                flow.assign_handler(task.pk, actor=actor, handler=ctx.p(spec.handler), note="请抓紧办理，按时反馈。")
                continue
            if "countersign" in detours:
                detours.remove("countersign")
                others = [u for (a, n), u in ctx.units.items() if a == spec.agency and n.startswith("综合")
                          and u != lead_unit][:2]
                flow.request_countersign(task.pk, actor=actor, units=others, note="请就实施方案中涉及贵科职责的内容会签。")
                first = _open_tasks(doc, TaskRole.COUNTERSIGN)[0]
                flow.countersign(first.pk, actor=first.assignee, decision="agree", opinion="无修改意见。")
                continue
            if spec.assist_done:
                for assist in _open_tasks(doc, TaskRole.ASSIST):
                    flow.send_on(assist.pk, actor=assist.assignee, opinion="我科无不同意见，相关材料已提供主办科室。")
        later_detour = "return" in detours  # goes past the stop node and comes back to it
        if kind == spec.stop and not later_detour and (kind != NodeKind.INSTRUCT or signed >= spec.signed):
            if kind == NodeKind.INSTRUCT and "add_signer" in detours:
                flow.add_signer(task.pk, actor=actor, people=[ctx.p("fushizhang2")],
                                note="请秀梅同志先提出意见。")
            return doc
        if spec.close_at == kind:
            defaults = {NodeKind.PROPOSE: "阅知件，存档。", NodeKind.INSTRUCT: "阅。",
                        NodeKind.HANDLE: "已按领导批示办理完毕，办结。"}
            opinion = text(kind, spec.instructions[0] if kind == NodeKind.INSTRUCT and spec.instructions
                           else defaults.get(kind, "办结。"))
            flow.complete(task.pk, actor=actor, opinion=opinion)
            continue
        _act(ctx, spec, doc, task, lead_unit, detours, text, signed)
        if kind == NodeKind.INSTRUCT:
            signed += 1
    raise RuntimeError(f"演示公文“{spec.title}”未能到达预定环节。")


def _act(ctx: _Ctx, spec: DocSpec, doc, task, lead_unit, detours, text, signed) -> None:
    """One step along the main line, by the holder of ``task``."""
    from flow import services as flow
    from flow.models import NodeKind, Task, TaskStatus
    from incoming import services as incoming

    kind, actor = task.node_kind, task.assignee
    lead_name = spec.lead or "相关科室"
    if kind == NodeKind.SIGN_FOR:
        flow.send_on(task.pk, actor=actor, opinion="已签收，份数、页数无误。")
    elif kind == NodeKind.REGISTER:
        incoming.register_at_node(task.pk, actor=actor, opinion="要素齐全，予以登记。直送件转办公室按程序办理。")
    elif kind == NodeKind.SCREEN:
        if "recall" in detours:  # sent too early, taken back before the director opened it
            detours.remove("recall")
            flow.send_on(task.pk, actor=actor, opinion="请拟办。")
            flow.recall(Task.objects.get(pk=task.pk, status=TaskStatus.DONE).pk, actor=actor)
            return
        flow.send_on(task.pk, actor=actor, opinion=text("screen", "属本机关办理范围，要素齐全，请拟办。"))
    elif kind == NodeKind.PROPOSE:
        if "return" in detours:
            detours.remove("return")
            screen = next(a for a in flow.return_targets(task) if a.node_kind == NodeKind.SCREEN)
            flow.return_task(task.pk, actor=actor, to_activation_id=screen.pk,
                             reason="附件不全：请补登来文所附《2027年预算编制口径说明》后再送拟办。")
            return
        leaders = [ctx.p(u) for u in spec.leaders]
        names = "、".join(_leader_label(ctx, u) for u in spec.leaders)
        default = f"拟请{names}阅示，{lead_name}牵头办理。" if spec.lead else f"拟请{names}阅示。"
        flow.send_on(task.pk, actor=actor, opinion=text("propose", default), next_assignees=leaders,
                     next_mode=spec.mode if len(leaders) > 1 else None,
                     needs_reply=spec.needs_reply or None, needs_leader_approval=spec.needs_approval or None)
    elif kind == NodeKind.INSTRUCT:
        if signed < len(spec.instructions):
            opinion = spec.instructions[signed]
        elif signed == 0:
            opinion = f"请{lead_name}抓紧研究办理，按时反馈。" if spec.lead else "请抓紧办理，按时反馈。"
        else:
            opinion = "同意。"
        flow.send_on(task.pk, actor=ctx.p(spec.proxy) if spec.proxy else actor, opinion=text("instruct", opinion))
    elif kind == NodeKind.DISTRIBUTE:
        assists = [ctx.units[(spec.agency, u)] for u in spec.assist]
        opinion = f"请{spec.lead}牵头办理" + (f"，{'、'.join(spec.assist)}协办" if spec.assist else "") + "。"
        flow.send_on(task.pk, actor=actor, opinion=text("distribute", opinion), lead_unit=lead_unit,
                     assist_units=assists)
    elif kind == NodeKind.HANDLE:
        if spec.needs_approval:
            default = "已会同有关部门研究，拟定答复意见，请领导审定。"
        elif spec.needs_reply:
            default = "已按要求办理，拟答复意见已备好。"
        else:
            default = "已按领导批示办理完毕。"
        flow.send_on(task.pk, actor=actor, opinion=text("handle", default))
    elif kind == NodeKind.APPROVE:
        flow.send_on(task.pk, actor=actor, opinion=text("approve", "同意答复意见。"))
    elif kind == NodeKind.REPLY:
        sender = spec.sender if spec.sender not in ctx.agencies else ctx.agencies[spec.sender].short_name
        reply = (spec.reply_text or f"已按要求书面答复{sender}。").format(y=timezone.localdate(ctx.now).year)
        flow.send_on(task.pk, actor=actor, reply_text=reply)
    elif kind == NodeKind.COMPLETE:
        flow.complete(task.pk, actor=actor, opinion=text("complete", "已办结，材料已整理归档。"))
    else:
        raise RuntimeError(f"演示数据不处理“{task.node_name}”环节。")
