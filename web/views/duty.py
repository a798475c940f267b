"""值班表: the duty roster of the person's agency, a month at a time, printable. Everyone of
the agency sees it; the office staff add and remove shifts (``org.duty``)."""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from deadlines.calendar import YearUnknown
from deadlines.models import CalendarDay
from deadlines.services import calendar_for
from gongwen.errors import DomainError
from org import duty
from org.models import DutyShift, Person
from ui.views import person_required, refuse, run_service

WEEKDAYS = "一二三四五六日"


def _month(value: str) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


def _instant(day: str, clock: str, what: str) -> datetime:
    try:
        naive = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock or "08:00"))
    except ValueError:
        raise DomainError(f"请填写有效的{what}（日期和时刻）。") from None
    return timezone.make_aware(naive)


def _day_kinds(agency, first: date, last: date) -> dict[date, str]:
    exceptions = dict(CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "is_workday"))
    cal = calendar_for(agency)
    kinds = {}
    d = first
    while d <= last:
        try:
            cal.check_year(d.year)
            if d in exceptions:
                kinds[d] = "调休上班" if exceptions[d] else "节假日"
            else:
                kinds[d] = "休息日" if d.weekday() >= 5 else "工作日"
        except YearUnknown:
            kinds[d] = "休息日" if d.weekday() >= 5 else ""
        d += timedelta(days=1)
    return kinds


def _allowed(person: Person):
    if not duty.can_view_roster(person, person.agency):
        raise DjangoPermissionDenied("值班表只对本机关人员开放。")


@person_required
def roster(request):
    person = request.person
    _allowed(person)
    agency = person.agency
    can_edit = duty.can_edit_roster(person, agency)
    form = {}
    if request.method == "POST":
        if not can_edit:
            raise DjangoPermissionDenied(f"只有{agency.short_name}办公室人员可以安排值班。")
        p = request.POST
        form = {k: p.get(k, "") for k in ("person", "starts_on", "starts_time", "ends_on", "ends_time", "note")}
        try:
            chosen = Person.objects.filter(pk=int(form["person"]) if form["person"].isdigit() else None).first()
            if chosen is None:
                raise DomainError("请选择值班人员。")
            shift = duty.add_shift(actor=person, agency=agency, person=chosen,
                                   starts_at=_instant(form["starts_on"], form["starts_time"], "开始时间"),
                                   ends_at=_instant(form["ends_on"], form["ends_time"], "结束时间"), note=form["note"])
        except DomainError as exc:
            refuse(request, exc)
        else:
            start = timezone.localtime(shift.starts_at)
            messages.success(request, f"已安排{chosen.name}值班（{start.month}月{start.day}日{start:%H:%M}起）。")
            return redirect(f"{request.path}?month={start:%Y-%m}")
    first = _month(request.GET.get("month") or (form.get("starts_on") or "")[:7])
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)
    shifts = list(duty.roster(agency, start, end))
    now = timezone.now()
    kinds = _day_kinds(agency, first, last)
    days = []
    d = first
    while d <= last:
        day_shifts = [s for s in shifts if max(timezone.localtime(s.starts_at).date(), first) == d]
        days.append({"date": d, "weekday": WEEKDAYS[d.weekday()], "kind": kinds.get(d, ""),
                     "shifts": day_shifts, "today": d == timezone.localdate()})
        d += timedelta(days=1)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    tomorrow = timezone.localdate() + timedelta(days=1)
    return render(request, "web/duty.html", {
        "agency": agency, "days": days, "first": first, "prev_month": prev_month, "next_month": next_month,
        "can_edit": can_edit, "now": now, "on_duty_now": duty.on_duty(agency, now),
        "people": duty.eligible_people(agency) if can_edit else [], "form": form,
        "default_start": form.get("starts_on") or tomorrow.isoformat(),
        "default_end": form.get("ends_on") or (tomorrow + timedelta(days=1)).isoformat(),
        "printed_at": now,
    })


@require_POST
@person_required
def remove(request, shift_id: int):
    person = request.person
    _allowed(person)
    shift = DutyShift.objects.filter(pk=shift_id, agency=person.agency).select_related("person").first()
    if not duty.can_edit_roster(person, person.agency):
        raise DjangoPermissionDenied(f"只有{person.agency.short_name}办公室人员可以安排值班。")
    month = ""
    if shift is None:
        messages.error(request, "该值班安排已不存在，请刷新页面。")
    else:
        month = f"{timezone.localtime(shift.starts_at):%Y-%m}"
        run_service(request, lambda: duty.remove_shift(actor=person, shift=shift),
                    success=lambda _: f"已取消{shift.person.name}的值班安排。")
    url = reverse("web:duty")
    return redirect(f"{url}?month={month}" if month else url)
