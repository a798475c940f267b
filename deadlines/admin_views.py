"""The system administrator's pages for working time (工作日历): the calendar of a year,
entering next year's State Council schedule, correcting a day, each agency's working
hours, the reminder policy and the time-limit rules.

Thin views: parse the form, call one service of ``deadlines.services`` or
``deadlines.rules``, show the refusal (Chinese, nothing written) or the result. Only the
system administrator (系统管理员) may open them; everyone else gets 403.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, time

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from documents.models import DocType
from flow.models import NodeKind
from gongwen.errors import DomainError
from org.access import can_manage_org
from org.models import Agency
from ui.views import allowed_if, refuse, run_service

from . import rules as rule_services
from . import services
from .models import (
    CalendarDay,
    CalendarYear,
    LimitCondition,
    LimitScope,
    LimitUnit,
    ReminderPolicy,
    TimeLimitRule,
    WorkingHours,
)
from .notice import Notice, enter_notice, parse_notice

SYSADMIN = allowed_if(can_manage_org, "只有系统管理员可以维护工作日历、作息时间和办理时限规则。")

# The seven statutory holidays (RULES.md §8), offered as the rows of the entry form.
HOLIDAY_NAMES = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
HOLIDAY_ROWS = 9
WORKDAY_ROWS = 8
WEEKDAYS = "一二三四五六日"


def _date(value: str, what: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{what}“{value}”不是有效日期，请按“2027-01-01”的格式填写。") from None


def _time(value: str, what: str) -> time:
    value = (value or "").strip()
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{what}“{value}”不是有效时间，请按“08:30”的格式填写。") from None


def _agency(value) -> Agency | None:
    """The agency a form names (blank: the deployment default)."""
    if not value:
        return None
    agency = Agency.objects.filter(pk=value if str(value).isdigit() else None).first()
    if agency is None:
        raise DomainError("所选机关不存在。")
    return agency


def _internal_agencies():
    return Agency.objects.filter(is_internal=True).order_by("sort_order", "id")


# --- the year view -----------------------------------------------------------------------------


@dataclass
class Day:
    date: date | None
    kind: str = ""  # work / weekend / holiday / makeup / blank
    name: str = ""
    today: bool = False

    @property
    def label(self) -> str:
        return {"holiday": "休", "makeup": "班"}.get(self.kind, "")

    @property
    def title(self) -> str:
        if self.date is None:
            return ""
        base = f"{self.date.month}月{self.date.day}日 星期{WEEKDAYS[self.date.weekday()]}"
        what = {"holiday": "放假", "makeup": "调休上班", "weekend": "休息日", "work": "工作日"}[self.kind]
        return f"{base}：{what}{('（' + self.name + '）') if self.name else ''}"


@dataclass
class Month:
    number: int
    weeks: list[list[Day]] = field(default_factory=list)
    holidays: int = 0
    workdays: int = 0


def _months(year: int, exceptions: dict[date, CalendarDay], today: date) -> list[Month]:
    months = []
    grid = pycalendar.Calendar(firstweekday=0)
    for number in range(1, 13):
        month = Month(number)
        for week in grid.monthdatescalendar(year, number):
            row = []
            for d in week:
                if d.month != number:
                    row.append(Day(None, "blank"))
                    continue
                row_ = exceptions.get(d)
                if row_ is not None:
                    kind = "makeup" if row_.is_workday else "holiday"
                    name = row_.name
                else:
                    kind, name = ("weekend" if d.weekday() >= 5 else "work"), ""
                if kind in ("work", "makeup"):
                    month.workdays += 1
                row.append(Day(d, kind, name, d == today))
            month.weeks.append(row)
        months.append(month)
    return months


def _ranges(days: list[CalendarDay]) -> list[dict]:
    """Consecutive days of one kind and name as ranges (for the list and the entry form)."""
    result: list[dict] = []
    for day in sorted(days, key=lambda d: d.date):
        last = result[-1] if result else None
        if (last and last["is_workday"] == day.is_workday and last["name"] == day.name
                and (day.date - last["end"]).days == 1):
            last["end"] = day.date
            last["days"] += 1
        else:
            result.append({"start": day.date, "end": day.date, "name": day.name, "is_workday": day.is_workday,
                           "days": 1})
    return result


@SYSADMIN
def calendar_year(request, year: int | None = None):
    today = timezone.localdate()
    year = year or today.year
    if not 1900 <= year <= 2200:
        year = today.year
    known = CalendarYear.objects.filter(year=year).select_related("entered_by").first()
    exceptions = {d.date: d for d in CalendarDay.objects.filter(date__year=year)} if known else {}
    months = _months(year, exceptions, today) if known else []
    years = list(CalendarYear.objects.annotate(n=Count("id")).order_by("-year"))
    ranges = _ranges(list(exceptions.values()))
    return render(request, "deadlines/calendar_year.html", {
        "year": year, "known": known, "months": months, "weekdays": WEEKDAYS, "years": years,
        "holiday_ranges": [r for r in ranges if not r["is_workday"]],
        "workday_ranges": [r for r in ranges if r["is_workday"]],
        "workday_count": sum(m.workdays for m in months),
        "missing": services.missing_next_year(today), "prev": year - 1, "next": year + 1,
        "printed_at": timezone.now(),
        "day_value": request.GET.get("day", ""),
    })


@require_POST
@SYSADMIN
def calendar_day(request):
    """Correct one day: a holiday, a make-up workday, or back to the weekday rule."""
    kind = request.POST.get("kind", "")
    year = None
    try:
        day = _date(request.POST.get("date", ""), "日期")
        if day is None:
            raise DomainError("请选择要更正的日期。")
        year = day.year
        if kind not in ("holiday", "makeup", "default"):
            raise DomainError("请选择更正为“放假”“调休上班”或“按星期恢复”。")
        is_workday = {"holiday": False, "makeup": True, "default": None}[kind]
        services.set_day(actor=request.person, day=day, is_workday=is_workday, name=request.POST.get("name", ""))
    except DomainError as exc:
        refuse(request, exc)
    else:
        what = {"holiday": "放假", "makeup": "调休上班", "default": "按星期（周一至周五上班）"}[kind]
        messages.success(request, f"已将{day.year}年{day.month}月{day.day}日更正为{what}。")
    if year is not None:
        return redirect("deadlines:calendar_year", year=year)
    return redirect("deadlines:calendar")


# --- entering a year's schedule -------------------------------------------------------------------


def _count(value: str, default: int) -> int:
    return min(int(value), 60) if value.isdigit() else default


def _form_rows(post, prefix: str, count: int) -> list[dict]:
    return [{"name": post.get(f"{prefix}_name_{i}", ""), "start": post.get(f"{prefix}_start_{i}", ""),
             "end": post.get(f"{prefix}_end_{i}", "")} for i in range(count)]


def _parse_rows(rows: list[dict], what: str) -> list[services.DayRange]:
    result = []
    for i, row in enumerate(rows, start=1):
        label = f"{what}第{i}行" + (f"（{row['name'].strip()}）" if row["name"].strip() else "")
        start = _date(row["start"], f"{label}的开始日期")
        end = _date(row["end"], f"{label}的结束日期")
        if start is None and end is None:
            continue  # an unused row (the holiday names are offered pre-filled)
        if start is None:
            raise DomainError(f"{label}只填了结束日期，请填写开始日期。")
        result.append(services.DayRange(start, end or start, row["name"].strip()))
    return result


def _initial_rows(year: int) -> tuple[list[dict], list[dict], str]:
    """The entry form for a year: its current schedule if it has one, else the holiday names."""
    known = CalendarYear.objects.filter(year=year).first()
    holidays: list[dict] = []
    workdays: list[dict] = []
    if known:
        ranges = _ranges(list(CalendarDay.objects.filter(date__year=year)))
        for r in ranges:
            row = {"name": r["name"], "start": r["start"].isoformat(),
                   "end": r["end"].isoformat() if r["end"] != r["start"] else ""}
            (workdays if r["is_workday"] else holidays).append(row)
    else:
        holidays = [{"name": n, "start": "", "end": ""} for n in HOLIDAY_NAMES]
    holidays += [{"name": "", "start": "", "end": ""}] * max(0, HOLIDAY_ROWS - len(holidays))
    workdays += [{"name": "", "start": "", "end": ""}] * max(0, WORKDAY_ROWS - len(workdays))
    return holidays, workdays, known.notice if known else ""


def _notice_preview(notice: Notice, today: date) -> dict:
    """What the administrator checks before saving a pasted notice: the year view, the
    holidays and make-up workdays as read, the days it sets in a neighbouring year."""
    days = notice.days()
    exceptions = {d: CalendarDay(date=d, is_workday=w, name=n) for d, (w, n) in days.items() if d.year == notice.year}
    known = set(CalendarYear.objects.filter(year__in={d.year for d in days if d.year != notice.year})
                .values_list("year", flat=True))
    adjacent = [{"date": d, "is_workday": w, "name": n, "applied": d.year in known} for d, w, n in notice.adjacent()]
    months = _months(notice.year, exceptions, today)
    return {"notice": notice, "months": months, "weekdays": WEEKDAYS,
            "holiday_ranges": [r for r in _ranges(list(exceptions.values())) if not r["is_workday"]],
            "workday_ranges": [r for r in _ranges(list(exceptions.values())) if r["is_workday"]],
            "workday_count": sum(m.workdays for m in months), "adjacent": adjacent,
            "replaces": CalendarYear.objects.filter(year=notice.year).first()}


def _entered(request, row):
    done = getattr(row, "resolved", 0)
    message = f"已录入{row.year}年节假日安排。请核对下面的年历。"
    if done:
        message += f"已按新日历计算{done}项时限待定待办的办理时限，并通知了承办人。"
    messages.success(request, message)
    return redirect("deadlines:calendar_year", year=row.year)


def _enter_page(request, year: int, rows: tuple[list[dict], list[dict], str] | None = None, **extra):
    holiday_rows, workday_rows, notice = rows or _initial_rows(year)
    return render(request, "deadlines/calendar_enter.html", {
        "year": year, "existing": CalendarYear.objects.filter(year=year).first(), "notice": notice,
        "holiday_rows": holiday_rows, "workday_rows": workday_rows,
        "previous": CalendarYear.objects.filter(year=year - 1).exists() and year - 1,
        "notice_text": "", "preview": None, **extra,
    })


def _year_of(value: str, default: int) -> int:
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else default


def _enter_by_notice(request, action: str):
    """The pasted notice: read it and show the year view (``preview``), or save what was
    shown (``save_notice``: read again from the same text, never from the page's copy)."""
    today = timezone.localdate()
    text = request.POST.get("notice_text", "")
    year = _year_of(request.POST.get("notice_year", ""), today.year + 1)
    try:
        if action == "save_notice":
            return _entered(request, enter_notice(actor=request.person, text=text, year=year))
        notice = parse_notice(text)
    except DomainError as exc:
        refuse(request, exc)
        return _enter_page(request, year, notice_text=text)
    return _enter_page(request, notice.year, notice_text=text, preview=_notice_preview(notice, today))


@SYSADMIN
def calendar_enter(request):
    today = timezone.localdate()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in ("preview", "save_notice"):
        return _enter_by_notice(request, action)
    if request.method != "POST":
        return _enter_page(request, _year_of(request.GET.get("year", ""), today.year + 1))
    post = request.POST
    holiday_rows = _form_rows(post, "h", _count(post.get("holiday_rows", ""), HOLIDAY_ROWS))
    workday_rows = _form_rows(post, "w", _count(post.get("workday_rows", ""), WORKDAY_ROWS))
    notice = post.get("notice", "")
    year_text = post.get("year", "")
    year = int(year_text) if year_text.isdigit() else today.year + 1
    try:
        if not year_text.isdigit():
            raise DomainError("请填写年度，如“2027”。")
        row = services.enter_year(actor=request.person, year=year, holidays=_parse_rows(holiday_rows, "放假"),
                                  workdays=_parse_rows(workday_rows, "调休上班"), notice=notice)
    except DomainError as exc:
        refuse(request, exc)
        return _enter_page(request, year, (holiday_rows, workday_rows, notice))
    return _entered(request, row)


# --- working hours ------------------------------------------------------------------------------------


@SYSADMIN
def hours(request):
    if request.method == "POST":
        try:
            agency = _agency(request.POST.get("agency"))
            if agency is not None and not agency.is_internal:
                raise DomainError(f"{agency.short_name}不使用本系统，无需设置作息时间。")
            morning = (_time(request.POST.get("morning_start"), "上午上班时间"),
                       _time(request.POST.get("morning_end"), "上午下班时间"))
            afternoon = (_time(request.POST.get("afternoon_start"), "下午上班时间"),
                         _time(request.POST.get("afternoon_end"), "下午下班时间"))
            services.set_working_hours(actor=request.person, agency=agency, morning=morning, afternoon=afternoon)
        except DomainError as exc:
            refuse(request, exc)
        else:
            messages.success(request, f"已保存{agency.short_name if agency else '默认'}作息时间。")
            return redirect("deadlines:hours")
    rows = {wh.agency_id: wh for wh in WorkingHours.objects.all()}
    default = rows.get(None) or WorkingHours()
    agencies = [{"agency": a, "hours": rows.get(a.pk)} for a in _internal_agencies()]
    selected = _selected(request)
    return render(request, "deadlines/hours.html", {
        "default": default, "agencies": agencies, "selected": selected,
        "form": rows.get(getattr(selected, "pk", None)) or default,
        "post": request.POST if request.method == "POST" else None})


def _selected(request) -> Agency | None:
    """The agency whose settings the form opens with (?agency=), if any."""
    value = request.POST.get("agency") if request.method == "POST" else request.GET.get("agency")
    if value and str(value).isdigit():
        return Agency.objects.filter(pk=int(value), is_internal=True).first()
    return None


# --- reminder policy ------------------------------------------------------------------------------------


@SYSADMIN
def policy(request):
    if request.method == "POST":
        p = request.POST
        try:
            agency = _agency(p.get("agency"))
            rule_services.save_reminder_policy(
                actor=request.person, agency=agency, at_half=p.get("at_half") == "on",
                before_minutes=p.get("before_minutes"), escalate_head_after=p.get("escalate_head_after"),
                escalate_leader_after=p.get("escalate_leader_after"), send_email=p.get("send_email") == "on")
        except DomainError as exc:
            refuse(request, exc)
        else:
            messages.success(request, f"已保存{agency.short_name if agency else '默认'}催办设置。")
            return redirect("deadlines:policy")
    rows = {p.agency_id: p for p in ReminderPolicy.objects.all()}
    default = rows.get(None) or ReminderPolicy()
    agencies = [{"agency": a, "policy": rows.get(a.pk)} for a in _internal_agencies()]
    selected = _selected(request)
    return render(request, "deadlines/policy.html", {
        "default": default, "agencies": agencies, "selected": selected,
        "form": rows.get(getattr(selected, "pk", None)) or default})


# --- time-limit rules -------------------------------------------------------------------------------------


URGENCY_CHOICES = [("", "不限")] + [(u, u) for u in rule_services.URGENCIES if u]


@SYSADMIN
def rule_list(request):
    agency_filter = request.GET.get("agency", "")
    qs = TimeLimitRule.objects.select_related("agency").order_by("agency__sort_order", "agency_id", "-is_active",
                                                                  "scope", "node_kind", "doc_type", "urgency", "id")
    if agency_filter == "default":
        qs = qs.filter(agency__isnull=True)
    elif agency_filter.isdigit():
        qs = qs.filter(Q(agency_id=int(agency_filter)) | Q(agency__isnull=True))
    return render(request, "deadlines/rules.html", {
        "rules": list(qs), "agencies": _internal_agencies(), "agency_filter": agency_filter,
    })


def _rule_form_context(rule: TimeLimitRule | None, values: dict) -> dict:
    return {
        "rule": rule, "v": values, "agencies": _internal_agencies(),
        "scopes": LimitScope.choices, "node_kinds": [("", "不限环节")] + list(NodeKind.choices),
        "doc_types": [("", "不限文种")] + list(DocType.choices), "urgencies": URGENCY_CHOICES,
        "conditions": [("", "无")] + [c for c in LimitCondition.choices if c[0]], "units": LimitUnit.choices,
    }


def _rule_values(rule: TimeLimitRule | None) -> dict:
    if rule is None:
        return {"agency": "", "name": "", "scope": LimitScope.NODE, "node_kind": "", "doc_type": "", "urgency": "",
                "condition": "", "amount": "", "unit": LimitUnit.WORK_HOURS, "is_active": True}
    return {"agency": str(rule.agency_id or ""), "name": rule.name, "scope": rule.scope, "node_kind": rule.node_kind,
            "doc_type": rule.doc_type, "urgency": rule.urgency, "condition": rule.condition,
            "amount": str(rule.amount), "unit": rule.unit, "is_active": rule.is_active}


@SYSADMIN
def rule_edit(request, rule_id: int | None = None):
    rule = get_object_or_404(TimeLimitRule.objects.select_related("agency"), pk=rule_id) if rule_id else None
    values = _rule_values(rule)
    if rule is None and request.GET.get("agency", "").isdigit():
        values["agency"] = request.GET["agency"]
    if request.method == "POST":
        p = request.POST
        values = {k: p.get(k, "") for k in ("agency", "name", "scope", "node_kind", "doc_type", "urgency",
                                             "condition", "amount", "unit")}
        values["is_active"] = p.get("is_active") == "on" if rule is not None else True
        if rule is not None:
            values["agency"] = str(rule.agency_id or "")
        if run_service(request, lambda: rule_services.save_rule(
                actor=request.person, rule=rule, agency=_agency(values["agency"]) if rule is None else None,
                name=values["name"], scope=values["scope"], node_kind=values["node_kind"],
                doc_type=values["doc_type"], urgency=values["urgency"], condition=values["condition"],
                amount=values["amount"] or None, unit=values["unit"], is_active=values["is_active"]),
                success=lambda saved: f"已保存规则“{saved.name}”。新的时限自此适用于新产生的待办，已有待办的时限不变。"):
            return redirect("deadlines:rules")
    return render(request, "deadlines/rules_edit.html", _rule_form_context(rule, values))


@require_POST
@SYSADMIN
def rule_deactivate(request, rule_id: int):
    rule = get_object_or_404(TimeLimitRule, pk=rule_id)
    run_service(request, lambda: rule_services.deactivate_rule(actor=request.person, rule=rule),
                success=lambda _: f"已停用规则“{rule.name}”。")
    return redirect("deadlines:rules")
