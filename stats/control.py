"""控文 (C13, fewer documents, not more): documents issued under each name this year against
the same period last year, and the share of proposals (拟办意见) the leaders approved
unchanged. Computed on reading (two small queries per figure, no precomputed rows).

The period — this year from 1 January up to and including ``today`` (local date), against
last year from 1 January up to the same month and day (29 February → 28 February).

A document counts as issued (发文) when it is an outgoing document (``direction``
outgoing, not a 签报) of the agency that
  - has been dispatched: it passed the last node, 分发 (status 已办结);
  - carries a 发文字号 (``doc_number``) that was not voided — a voided number is cleared
    from the document by ``drafting.services.void_number``; a document whose current
    number is nonetheless recorded void in the numbers ledger is not counted either,
    and a document renumbered after a void counts once;
and it is dated by its 成文日期 (``issued_on``, the date of the last sign-off), or, where
that is missing, by the day it was dispatched (``closed_at``, local time).

Under which name (发文名义):
  - 联合发文 (joint): ``is_joint`` — counted by the agency that led it (its ``agency``),
    not again by the co-issuing agencies, so nothing is counted twice;
  - 以办公室名义 (office): the 发文机关代字 is an office's, for now derived from the 代字:
    with its last character (发, 函, 电, 字 …) taken off it ends with 办 — 示府办发,
    示府办函, 示委办发 are the office's; 示府发, 示府函 the government's own. The 代字 is the
    number's (the part of ``doc_number`` before 〔), so a number typed in is classified
    too. (An explicit ``NumberSeries`` field for the name would replace this rule for an
    agency whose own 代字 ends with 办, e.g. a 扶贫办.)
  - 以政府名义 (government; 以党委名义 for a Party committee, 以本机关名义 otherwise):
    every other document.
The change is this year's count less last year's, and that difference over last year's
count; when the agency issued nothing at all in last year's period there is no basis:
``has_last_year`` is false and the change reads 无上年同期数据.

Proposals approved unchanged (拟办意见照准): an incoming document's proposal is the
拟办 opinion (node 拟办, main role); every main-role opinion at the 领导批示 node written
after it (and before the next proposal on the same document) is a leader's instruction
on it. The instruction approves the proposal unchanged when it is plain agreement: the
decision is not 不同意 and its text, without spaces and punctuation, is one of
``AGREEMENT`` (同意, 同意拟办意见, 按拟办意见办理, 阅 …) or repeats the proposal word for
word. Anything else — a leader naming another unit, adding a requirement, "同意，请抓紧"
— changed the proposal. A proposal counts in the period of its first instruction, and
is approved unchanged when every leader's instruction on it is. Per leader (the leader
the instruction is signed for, when a secretary entered it on their behalf), each of
their instructions in the period counts once. Documents sent to a leader without a
proposal (直送件) are not counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from deadlines.calendar import LOCAL
from documents.access import seen_by_all
from documents.models import Direction, Document, IssuedNumber
from documents.models import Status as DocumentStatus
from flow.models import Decision, NodeKind, Opinion, TaskRole
from org.models import Agency, AgencyKind, Person

from .models import rate

GOVERNMENT, OFFICE, JOINT = "government", "office", "joint"
NAMES = (GOVERNMENT, OFFICE, JOINT)
NO_BASIS = "无上年同期数据"

# Plain agreement, as normalised by ``_plain`` (no spaces, no punctuation).
AGREEMENT = frozenset({
    "同意", "拟同意", "同意拟办", "同意拟办意见", "同意所拟", "同意所拟意见", "按拟办意见办", "按拟办意见办理",
    "按拟办意见执行", "照拟办意见办理", "按拟办", "照办", "可", "阅", "已阅", "圈阅", "阅同意", "已阅同意",
    "阅同意拟办意见", "已阅同意拟办意见", "已阅同意拟办", "阅同意拟办",
})
_PUNCTUATION = re.compile(r"[\s，。、；：！？,.;:!?\"'“”‘’（）()【】\[\]…—-]+")


def _plain(text: str) -> str:
    return _PUNCTUATION.sub("", text or "")


def agrees(text: str, decision: str = "", proposal: str = "") -> bool:
    """Whether a leader's instruction approves the proposal unchanged (module docstring)."""
    if decision == Decision.DISAGREE:
        return False
    plain = _plain(text)
    if not plain:
        return decision == Decision.AGREE
    return plain in AGREEMENT or (bool(proposal) and plain == _plain(proposal))


def code_of(doc_number: str) -> str:
    """The 发文机关代字 of a 发文字号: 示府办发〔2026〕7号 → 示府办发."""
    return (doc_number or "").split("〔", 1)[0].split("[", 1)[0].strip()


def name_of(doc_number: str, is_joint: bool) -> str:
    """Under which name a document was issued: joint, office or government."""
    if is_joint:
        return JOINT
    code = code_of(doc_number)
    return OFFICE if len(code) > 1 and code[:-1].endswith("办") else GOVERNMENT


def own_name_label(agency: Agency | None) -> str:
    if agency is None:
        return "以机关名义"
    if agency.kind == AgencyKind.GOVERNMENT:
        return "以政府名义"
    if agency.kind == AgencyKind.PARTY_COMMITTEE:
        return "以党委名义"
    return "以本机关名义"


# --- the periods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def label(self) -> str:
        return f"{self.start.year}年{self.start.month}月{self.start.day}日至{self.end.month}月{self.end.day}日"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def periods(today: date) -> tuple[Period, Period]:
    """This year up to ``today``, and last year up to the same month and day."""
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    return (Period(date(today.year, 1, 1), today),
            Period(date(today.year - 1, 1, 1), date(today.year - 1, today.month, day)))


# --- the figures --------------------------------------------------------------------------------


@dataclass
class NameRow:
    key: str
    label: str
    this_year: int = 0
    last_year: int = 0
    has_basis: bool = True  # False: nothing issued at all in last year's period

    @property
    def change(self) -> int | None:
        return self.this_year - self.last_year if self.has_basis else None

    @property
    def change_rate(self) -> float | None:
        """The change over last year's count; None without a basis or when last year's is 0."""
        return rate(self.this_year - self.last_year, self.last_year) if self.has_basis else None

    @property
    def change_display(self) -> str:
        return f"{self.change:+d}" if self.has_basis else NO_BASIS

    @property
    def change_rate_display(self) -> str:
        if not self.has_basis:
            return NO_BASIS
        return "—" if self.change_rate is None else f"{self.change_rate * 100:+.1f}%"


@dataclass
class Proposals:
    instructed: int = 0  # proposals a leader instructed on (for a leader: their instructions)
    unchanged: int = 0

    @property
    def share(self) -> float | None:
        return rate(self.unchanged, self.instructed)


@dataclass
class LeaderProposals(Proposals):
    leader_id: int = 0
    name: str = ""


@dataclass
class DocumentControl:
    agency: Agency | None
    today: date
    this_period: Period
    last_period: Period
    names: list[NameRow]
    total: NameRow
    proposals: Proposals
    proposals_last: Proposals
    leaders: list[LeaderProposals] = field(default_factory=list)

    @property
    def has_last_year(self) -> bool:
        return self.total.has_basis

    def name(self, key: str) -> NameRow:
        return next(row for row in self.names if row.key == key)


def issued_documents(agency: Agency | None, start: date, end: date):
    """(day, doc_number, is_joint) of the documents issued from ``start`` to ``end``."""
    void = IssuedNumber.objects.filter(document=OuterRef("pk"), number=OuterRef("doc_number"),
                                       voided_at__isnull=False)
    # Counted for everyone who reads statistics: never a classified document (documents.access.seen_by_all).
    qs = (Document.objects.filter(seen_by_all(), direction=Direction.OUTGOING, status=DocumentStatus.COMPLETED)
          .exclude(doc_number="").exclude(Exists(void))
          .annotate(day=Coalesce("issued_on", TruncDate("closed_at", tzinfo=LOCAL())))
          .filter(day__gte=start, day__lte=end))
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs.order_by().values_list("day", "doc_number", "is_joint")


def _issued(agency, this: Period, last: Period) -> tuple[list[NameRow], NameRow]:
    labels = {GOVERNMENT: own_name_label(agency), OFFICE: "以办公室名义", JOINT: "联合发文"}
    rows = {key: NameRow(key, labels[key]) for key in NAMES}
    for day, number, is_joint in issued_documents(agency, last.start, this.end).iterator():
        row = rows[name_of(number, is_joint)]
        if day in this:
            row.this_year += 1
        elif day in last:
            row.last_year += 1
    total = NameRow("total", "合计", sum(r.this_year for r in rows.values()), sum(r.last_year for r in rows.values()))
    basis = total.last_year > 0
    for row in [*rows.values(), total]:
        row.has_basis = basis
    return list(rows.values()), total


def _instant(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL())


def _proposals(agency, this: Period, last: Period) -> tuple[Proposals, Proposals, list[LeaderProposals]]:
    tz = LOCAL()
    window = Opinion.objects.filter(
        seen_by_all("document"), node_kind=NodeKind.INSTRUCT, role=TaskRole.MAIN, document__direction=Direction.INCOMING,
        created_at__gte=_instant(last.start), created_at__lt=_instant(this.end + timedelta(days=1)))
    if agency is not None:
        window = window.filter(document__agency=agency)
    documents = window.values("document_id")
    opinions = (Opinion.objects.filter(Q(node_kind=NodeKind.INSTRUCT) | Q(node_kind=NodeKind.PROPOSE),
                                       role=TaskRole.MAIN, document_id__in=documents)
                .order_by("document_id", "created_at", "id")
                .values_list("document_id", "node_kind", "created_at", "author_id", "on_behalf_of_id", "decision",
                             "text"))
    # Per proposal: [first instruction's day, all agree?]; per leader and period: counts.
    proposal_of: dict[int, tuple[int, str]] = {}  # document -> (proposal key, text)
    found: dict[tuple[int, int], list] = {}
    by_leader: dict[int, LeaderProposals] = {}
    for number, (document_id, kind, created_at, author_id, behalf_id, decision, text) in enumerate(
            opinions.iterator()):
        if kind == NodeKind.PROPOSE:
            proposal_of[document_id] = (number, text)
            continue
        if document_id not in proposal_of:
            continue  # an instruction without a proposal before it (直送件)
        key, proposal = proposal_of[document_id]
        day = timezone.localtime(created_at, tz).date()
        ok = agrees(text, decision, proposal)
        entry = found.setdefault((document_id, key), [day, True])
        entry[1] = entry[1] and ok
        if day in this:
            leader = by_leader.setdefault(behalf_id or author_id, LeaderProposals(leader_id=behalf_id or author_id))
            leader.instructed += 1
            leader.unchanged += ok
    this_year, last_year = Proposals(), Proposals()
    for day, ok in found.values():
        target = this_year if day in this else last_year if day in last else None
        if target is not None:
            target.instructed += 1
            target.unchanged += ok
    names = dict(Person.objects.filter(pk__in=list(by_leader)).values_list("id", "name"))
    leaders = sorted(by_leader.values(), key=lambda x: (-x.instructed, names.get(x.leader_id, "")))
    for leader in leaders:
        leader.name = names.get(leader.leader_id, "")
    return this_year, last_year, leaders


def document_control(agency: Agency | None, today: date | None = None) -> DocumentControl:
    """The 控文 figures of an agency (every agency of the system when None) up to ``today``."""
    today = today or timezone.localdate(timezone.now(), LOCAL())
    this, last = periods(today)
    names, total = _issued(agency, this, last)
    proposals, proposals_last, leaders = _proposals(agency, this, last)
    return DocumentControl(agency=agency, today=today, this_period=this, last_period=last, names=names,
                           total=total, proposals=proposals, proposals_last=proposals_last, leaders=leaders)
