"""The working calendar (工作日历), working hours (作息时间) and time-limit rules (办理时限
规则). Everyone signed in may read them (they explain the due times on every page);
only the system administrator changes them, through ``deadlines.services`` and
``deadlines.rules``, which refuse in Chinese and write nothing on a refusal."""

from datetime import date, datetime, time
from typing import Annotated

from django.db.models import Count, Q
from ninja import Path, Router, Schema, Status
from pydantic import Field

from deadlines import rules as rule_services
from deadlines import services
from deadlines.models import CalendarDay, CalendarYear, LimitScope, LimitUnit, TimeLimitRule, WorkingHours
from deadlines.notice import enter_notice, parse_notice
from gongwen.errors import NotFound

from ..common import ERRORS_READ, ERRORS_WRITE, PathId, agency_ref, caller
from ..errors import error_responses
from ..schemas import Id, InSchema, Ref, ref

router = Router(tags=["工作日历与办理时限"])

YearPath = Path[int, {"ge": 1, "le": 9999, "description": "年度，如 2027"}]


# --- schemas ------------------------------------------------------------------------------------------


class YearOut(Schema):
    year: int
    source: str = Field(description="chinesecalendar（数据包）或 manual（管理员录入）")
    notice: str = Field(description="依据，如国务院办公厅的通知")
    holidays: int = Field(description="放假天数（含周末的节日）")
    workdays: int = Field(description="调休上班天数")
    updated_at: datetime


class DayOut(Schema):
    date: date
    is_workday: bool = Field(description="是否上班")
    name: str = Field(description="节日名称或“调休上班”")


class RangeIn(InSchema):
    start: date
    end: date | None = Field(None, description="结束日期（含）；单日可不填")
    name: str = Field("", max_length=40, description="名称，如“春节”")


class YearIn(InSchema):
    year: int = Field(ge=1, le=9999)
    notice: str = Field("", max_length=200, description="依据（通知名称或文号）")
    holidays: list[RangeIn] = Field(max_length=60, description="放假日期段")
    workdays: list[RangeIn] = Field(default_factory=list, max_length=60, description="调休上班日期段")


class NoticeIn(InSchema):
    text: str = Field(max_length=20000, description="国务院办公厅关于某年部分节假日安排的通知全文（标题至落款日期）")
    confirm: bool = Field(False, description="false：只解析，返回解析结果供核对，不保存；true：保存（整体替换该年度安排）")


class NoticeDayOut(Schema):
    date: date
    is_workday: bool
    name: str


class NoticeOut(Schema):
    year: int
    title: str
    days: list[NoticeDayOut] = Field(description="通知安排的全部日子（放假、补休、调休上班），含相邻年度的")
    notes: list[str] = Field(description="不改变日历的提示，如鼓励安排职工在除夕休息")
    saved: bool = Field(description="是否已保存")
    resolved: int = Field(description="保存后计算出办理时限的时限待定待办数")


class DayPatch(InSchema):
    is_workday: bool | None = Field(description="true：上班（调休）；false：放假；null：按星期恢复（周一至周五上班）")
    name: str = Field("", max_length=40)


# Working hours as "08:30": JSON Schema's "time" format would demand a time zone, and a
# working period is local time, never a zone.
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="当地时间，如 08:30")]


class HoursIn(InSchema):
    agency_id: Id | None = Field(None, description="机关；不填为默认（所有机关）")
    morning_start: ClockTime
    morning_end: ClockTime
    afternoon_start: ClockTime
    afternoon_end: ClockTime


class HoursOut(Schema):
    agency: Ref | None = Field(description="机关；null 为默认")
    morning_start: ClockTime
    morning_end: ClockTime
    afternoon_start: ClockTime
    afternoon_end: ClockTime


class RuleOut(Schema):
    id: int
    agency: Ref | None = Field(description="适用机关；null 为默认规则")
    name: str
    scope: str = Field(description="node：环节时限；document：全文办理时限")
    node_kind: str
    doc_type: str
    urgency: str
    condition: str
    amount: int
    unit: str
    unit_display: str
    is_active: bool


class RuleIn(InSchema):
    agency_id: Id | None = Field(None, description="机关；不填为默认规则（所有机关）")
    name: str = Field(max_length=200)
    scope: str = Field(LimitScope.NODE, max_length=20)
    node_kind: str = Field("", max_length=30)
    doc_type: str = Field("", max_length=20)
    urgency: str = Field("", max_length=10)
    condition: str = Field("", max_length=30)
    amount: int = Field(ge=-(2**31), le=2**31, description="时限，正整数")
    unit: str = Field(LimitUnit.WORK_HOURS, max_length=20)


class RulePatch(InSchema):
    name: str | None = Field(None, max_length=200)
    scope: str | None = Field(None, max_length=20)
    node_kind: str | None = Field(None, max_length=30)
    doc_type: str | None = Field(None, max_length=20)
    urgency: str | None = Field(None, max_length=10)
    condition: str | None = Field(None, max_length=30)
    amount: int | None = Field(None, ge=-(2**31), le=2**31)
    unit: str | None = Field(None, max_length=20)
    is_active: bool | None = Field(None, description="false：停用")


def _year_out(row: CalendarYear) -> dict:
    return {"year": row.year, "source": row.source, "notice": row.notice, "updated_at": row.updated_at,
            "holidays": getattr(row, "n_holidays", 0), "workdays": getattr(row, "n_workdays", 0)}


def _years():
    rows = list(CalendarYear.objects.order_by("year"))
    counts = {(c["date__year"], c["is_workday"]): c["n"] for c in
              CalendarDay.objects.values("date__year", "is_workday").annotate(n=Count("id")).order_by()}
    for row in rows:
        row.n_holidays = counts.get((row.year, False), 0)
        row.n_workdays = counts.get((row.year, True), 0)
    return rows


def _hours_out(row: WorkingHours) -> dict:
    return {"agency": ref(row.agency) if row.agency_id else None,
            **{f: getattr(row, f).strftime("%H:%M") for f in ("morning_start", "morning_end", "afternoon_start",
                                                               "afternoon_end")}}


def _rule_out(rule: TimeLimitRule) -> dict:
    return {"id": rule.pk, "agency": ref(rule.agency) if rule.agency_id else None, "name": rule.name,
            "scope": rule.scope, "node_kind": rule.node_kind, "doc_type": rule.doc_type, "urgency": rule.urgency,
            "condition": rule.condition, "amount": rule.amount, "unit": rule.unit,
            "unit_display": rule.get_unit_display(), "is_active": rule.is_active}


# --- the calendar ------------------------------------------------------------------------------------------


@router.get("/years", response={200: list[YearOut], **error_responses(401)}, summary="已录入节假日安排的年度")
def list_years(request):
    return [_year_out(r) for r in _years()]


@router.get("/years/{year}/days", response={200: list[DayOut], **error_responses(*ERRORS_READ)},
            summary="某年度的节假日与调休上班日",
            description="只列出不按星期规则的日子：放假的日子（含节日所在的周末）和调休上班的周末。")
def list_days(request, year: YearPath):
    if not CalendarYear.objects.filter(year=year).exists():
        raise NotFound(f"{year}年的节假日安排尚未录入。")
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))


@router.post("/years", response={201: YearOut, **error_responses(*ERRORS_WRITE)},
             summary="录入某年度节假日安排（系统管理员）",
             description="按国务院办公厅公布的安排录入放假日期段和调休上班日期；整体替换该年度原有安排。")
def enter_year(request, payload: YearIn):
    def ranges(items):
        return [services.DayRange(r.start, r.end or r.start, r.name) for r in items]

    row = services.enter_year(actor=caller(request), year=payload.year, holidays=ranges(payload.holidays),
                              workdays=ranges(payload.workdays), notice=payload.notice)
    return Status(201, _year_out(next(r for r in _years() if r.pk == row.pk)))


@router.post("/notice", response={200: NoticeOut, **error_responses(*ERRORS_WRITE)},
             summary="按国务院通知全文录入某年度节假日安排（系统管理员）",
             description="粘贴通知全文，逐行解析放假、补休和调休上班日期，核对星期和天数；读不懂的行原样指出并拒绝。"
                         "confirm=false 只返回解析结果；confirm=true 保存该年度安排、一并更正通知涉及的相邻已录入年度的日子，"
                         "并立即计算所有因缺少该年日历而时限待定的待办。")
def enter_by_notice(request, payload: NoticeIn):
    me = caller(request)
    services.require_calendar_admin(me)
    parsed = parse_notice(payload.text)
    resolved = 0
    if payload.confirm:
        resolved = getattr(enter_notice(actor=me, text=payload.text, year=parsed.year), "resolved", 0)
    return {"year": parsed.year, "title": parsed.title, "notes": parsed.notes, "saved": payload.confirm,
            "resolved": resolved,
            "days": [{"date": d, "is_workday": w, "name": n} for d, (w, n) in parsed.days().items()]}


@router.patch("/days/{day}", response={200: DayOut, **error_responses(*ERRORS_WRITE)},
              summary="更正某一天（系统管理员）")
def patch_day(request, day: date, payload: DayPatch):
    services.set_day(actor=caller(request), day=day, is_workday=payload.is_workday, name=payload.name)
    row = CalendarDay.objects.filter(date=day).first()
    if row is not None:
        return row
    return {"date": day, "is_workday": day.weekday() < 5, "name": ""}


# --- working hours -----------------------------------------------------------------------------------------


@router.get("/hours", response={200: list[HoursOut], **error_responses(401)}, summary="作息时间",
            description="第一项为默认作息（agency 为 null），其后为单独设置作息的机关。")
def list_hours(request):
    rows = list(WorkingHours.objects.select_related("agency").order_by("agency__sort_order", "agency_id"))
    rows.sort(key=lambda r: r.agency_id is not None)
    return [_hours_out(r) for r in rows]


@router.put("/hours", response={200: HoursOut, **error_responses(*ERRORS_WRITE)},
            summary="设置作息时间（系统管理员）")
def put_hours(request, payload: HoursIn):
    agency = agency_ref(payload.agency_id)
    t = {f: time.fromisoformat(getattr(payload, f)) for f in ("morning_start", "morning_end", "afternoon_start",
                                                               "afternoon_end")}
    row = services.set_working_hours(actor=caller(request), agency=agency,
                                     morning=(t["morning_start"], t["morning_end"]),
                                     afternoon=(t["afternoon_start"], t["afternoon_end"]))
    return _hours_out(WorkingHours.objects.select_related("agency").get(pk=row.pk))


# --- time-limit rules --------------------------------------------------------------------------------------


@router.get("/rules", response={200: list[RuleOut], **error_responses(401, 422)}, summary="办理时限规则",
            description="agency_id：只列出该机关自己的规则和默认规则。")
def list_rules(request, agency_id: int | None = None, active: bool | None = None):
    qs = TimeLimitRule.objects.select_related("agency").order_by("agency_id", "scope", "node_kind", "id")
    if agency_id is not None:
        qs = qs.filter(Q(agency_id=agency_id) | Q(agency__isnull=True))
    if active is not None:
        qs = qs.filter(is_active=active)
    return [_rule_out(r) for r in qs]


def _rule(rule_id: int) -> TimeLimitRule:
    rule = TimeLimitRule.objects.select_related("agency").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("未找到该规则。")
    return rule


@router.post("/rules", response={201: RuleOut, **error_responses(*ERRORS_WRITE)},
             summary="新增办理时限规则（系统管理员）", description="不填机关为默认规则；填机关为该机关自己的规则，优先于默认规则。")
def create_rule(request, payload: RuleIn):
    data = payload.dict()
    agency = agency_ref(data.pop("agency_id"))
    rule = rule_services.save_rule(actor=caller(request), agency=agency, **data)
    return Status(201, _rule_out(_rule(rule.pk)))


@router.patch("/rules/{rule_id}", response={200: RuleOut, **error_responses(*ERRORS_WRITE)},
              summary="修改或停用办理时限规则（系统管理员）", description="只传 is_active=false 即停用。")
def patch_rule(request, rule_id: PathId, payload: RulePatch):
    rule = _rule(rule_id)
    changes = payload.dict(exclude_none=True)
    me = caller(request)
    if changes == {"is_active": False}:
        rule = rule_services.deactivate_rule(actor=me, rule=rule)
    else:
        values = {f: getattr(rule, f) for f in ("name", "scope", "node_kind", "doc_type", "urgency", "condition",
                                                "amount", "unit", "is_active")}
        values.update(changes)
        rule = rule_services.save_rule(actor=me, rule=rule, **values)
    return _rule_out(_rule(rule.pk))
