"""Duty (值班): the roster of who is on duty for an agency, and who gets the duty copy of
an urgent document that arrives on a non-working day.

Who may be on duty: an active person of the agency (not one of the three administrators)
who holds the 值班员 post, or is a leader (带班领导: 主要领导, 分管领导), or is office staff
(办公室主任, 文书, 秘书, 机要员). Office staff arrange the roster; everyone of the agency
sees it. Several people may be on duty at once (值班员 and 带班领导); one person is never
on two shifts at the same time. A shift that has ended is the record of who was on duty
and cannot be removed.

Routing (``flow.services.start_process``): on a non-working day of the agency's calendar
(weekends and holidays, but not make-up workdays), a 特急 or 特提 document, or an
emergency report (紧急信息报告), that enters the agency also goes to whoever is on duty,
as a side copy closed with 知悉 (like 传阅, it never holds up the main line). Outside working
hours on a working day nothing changes: the issue asks for non-working days.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit import services as audit
from gongwen.errors import DomainError, PermissionDenied

from .models import LEADER_POSTS, OFFICE_POSTS, Agency, DutyShift, Person, PostKind
from .selectors import has_post

DUTY_POSTS = (PostKind.DUTY_OFFICER, *LEADER_POSTS, *OFFICE_POSTS)
DUTY_URGENCIES = ("特急", "特提")
MAX_SHIFT = timedelta(days=7)
MAX_AHEAD = timedelta(days=400)


# --- who may do what ---------------------------------------------------------------------------


def can_view_roster(person: Person | None, agency: Agency) -> bool:
    return (person is not None and person.is_active and not person.admin_role and agency.is_internal
            and person.agency_id == agency.pk)


def can_edit_roster(person: Person | None, agency: Agency) -> bool:
    return can_view_roster(person, agency) and has_post(person, *OFFICE_POSTS)


def may_be_on_duty(person: Person, agency: Agency) -> bool:
    return (person.is_active and not person.admin_role and person.agency_id == agency.pk
            and has_post(person, *DUTY_POSTS))


def eligible_people(agency: Agency) -> QuerySet[Person]:
    """The people the roster may name, for the pages' chooser."""
    return (Person.objects.filter(agency=agency, is_active=True, admin_role="", posts__kind__in=DUTY_POSTS,
                                  posts__agency=agency)
            .distinct().select_related("unit").order_by("sort_order", "id"))


def _require_edit(actor: Person | None, agency: Agency) -> None:
    if actor is None:
        raise PermissionDenied("请先登录。")
    if not can_edit_roster(actor, agency):
        raise PermissionDenied(f"只有{agency.short_name}办公室人员可以安排值班。")


# --- the roster ------------------------------------------------------------------------------------


def _when(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{local.month}月{local.day}日{local:%H:%M}"


@transaction.atomic
def add_shift(*, actor: Person, agency: Agency, person: Person, starts_at: datetime, ends_at: datetime,
              note: str = "") -> DutyShift:
    """排班: put ``person`` on duty for ``agency`` from ``starts_at`` to ``ends_at``."""
    _require_edit(actor, agency)
    if starts_at is None or ends_at is None:
        raise DomainError("请填写值班的开始时间和结束时间。")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise DomainError("值班时间须带时区。")
    if ends_at <= starts_at:
        raise DomainError("值班的结束时间必须晚于开始时间。")
    if ends_at - starts_at > MAX_SHIFT:
        raise DomainError("一个值班时段不能超过7天，请分段安排。")
    now = timezone.now()
    if ends_at <= now:
        raise DomainError("该时段已经结束，不能补排值班。")
    if starts_at > now + MAX_AHEAD:
        raise DomainError("只能安排一年以内的值班。")
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError("备注不能超过200个字。")
    # Lock the person: two offices arranging the same person at once are serialised, so
    # the overlap check below cannot be raced past.
    person = Person.objects.select_for_update().filter(pk=person.pk).first()
    if person is None:
        raise DomainError("所选人员不存在。")
    if person.agency_id != agency.pk:
        raise DomainError(f"{person.name}不是{agency.short_name}的人员，不能在本机关值班。")
    if person.admin_role:
        raise DomainError(f"{person.name}是管理员，管理员不阅办公文，不能安排值班。")
    if not person.is_active:
        raise DomainError(f"{person.name}已离岗，不能安排值班。")
    if not has_post(person, *DUTY_POSTS):
        raise DomainError(f"{person.name}不是值班员，也不是本机关领导或办公室人员，不能安排值班。"
                          "请先由安全保密管理员授予“值班员”岗位。")
    clash = (DutyShift.objects.filter(person=person, starts_at__lt=ends_at, ends_at__gt=starts_at)
             .order_by("starts_at").first())
    if clash is not None:
        raise DomainError(f"{person.name}在{_when(clash.starts_at)}至{_when(clash.ends_at)}已有值班安排，时段重叠。")
    shift = DutyShift.objects.create(agency=agency, person=person, starts_at=starts_at, ends_at=ends_at, note=note,
                                     created_by=actor)
    audit.record(actor=actor, action="org.duty.add", target=shift,
                 new={"agency": agency.pk, "person": person.pk, "starts_at": starts_at, "ends_at": ends_at,
                      "note": note})
    return shift


@transaction.atomic
def remove_shift(*, actor: Person, shift: DutyShift) -> None:
    """取消排班: a shift that has not ended yet (an ended one is the duty record)."""
    shift = DutyShift.objects.select_for_update().select_related("agency", "person").filter(pk=shift.pk).first()
    if shift is None:
        raise DomainError("该值班安排已不存在，请刷新页面。")
    _require_edit(actor, shift.agency)
    if shift.ends_at <= timezone.now():
        raise DomainError("该值班已经结束，是值班记录，不能删除。")
    old = {"agency": shift.agency_id, "person": shift.person_id, "starts_at": shift.starts_at,
           "ends_at": shift.ends_at, "note": shift.note}
    target = ("DutyShift", shift.pk)
    shift.delete()
    audit.record(actor=actor, action="org.duty.remove", target=target, old=old)


def roster(agency: Agency, start: datetime, end: datetime) -> QuerySet[DutyShift]:
    """Shifts of the agency that overlap [start, end)."""
    return (DutyShift.objects.filter(agency=agency, starts_at__lt=end, ends_at__gt=start)
            .select_related("person", "person__unit").order_by("starts_at", "id"))


def on_duty(agency: Agency, at: datetime | None = None) -> list[Person]:
    """Who is on duty for the agency at the instant (active people only)."""
    at = at or timezone.now()
    shifts = (DutyShift.objects.filter(agency=agency, starts_at__lte=at, ends_at__gt=at, person__is_active=True)
              .select_related("person", "person__unit").order_by("starts_at", "id"))
    return list(dict.fromkeys(s.person for s in shifts))

