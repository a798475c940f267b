"""The duty roster (值班表) of the caller's agency: everyone of the agency reads it; the
office staff add and remove shifts (``org.duty``). A duty copy (值班知悉) on a document is
closed like a circulation copy: POST /tasks/{task_id}/read_back (知悉)."""

import calendar as pycalendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from gongwen.errors import NotFound, PermissionDenied
from org import duty
from org.models import DutyShift

from ..common import ERRORS_WRITE, PathId, caller, person_ref
from ..errors import error_responses
from ..schemas import Id, InSchema, LocalDateTime, Ref, ref

router = Router(tags=["值班"])


class ShiftOut(Schema):
    id: int
    agency: Ref
    person: Ref
    phone: str = Field(description="值班人员电话")
    starts_at: datetime
    ends_at: datetime
    note: str
    created_by: Ref | None


class ShiftIn(InSchema):
    person_id: Id
    starts_at: LocalDateTime = Field(description="开始时间（如 2026-10-01T08:00:00+08:00；不带时区时按北京时间）")
    ends_at: LocalDateTime = Field(description="结束时间（不带时区时按北京时间）")
    note: str = Field("", max_length=1000)


class RosterQuery(InSchema):
    month: str | None = Field(None, pattern=r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", description="月份，如 2026-10；默认本月")


def _out(shift: DutyShift) -> dict:
    return {"id": shift.pk, "agency": ref(shift.agency), "person": ref(shift.person), "phone": shift.person.phone,
            "starts_at": shift.starts_at, "ends_at": shift.ends_at, "note": shift.note,
            "created_by": ref(shift.created_by) if shift.created_by_id else None}


def _viewer(request):
    me = caller(request)
    if not duty.can_view_roster(me, me.agency):
        raise PermissionDenied("值班表只对本机关人员开放。")
    return me


@router.get("/shifts", response={200: list[ShiftOut], **error_responses(401, 403, 422)}, summary="值班表（本机关，按月）")
def list_shifts(request, query: Query[RosterQuery]):
    me = _viewer(request)
    if query.month:
        year, month = (int(x) for x in query.month.split("-"))
        first = date(year, month, 1)
    else:
        first = timezone.localdate().replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)
    return [_out(s) for s in duty.roster(me.agency, start, end).select_related("agency", "created_by")]


@router.get("/now", response={200: list[Ref], **error_responses(401, 403)}, summary="现在值班的人员")
def on_duty_now(request):
    me = _viewer(request)
    return [ref(p) for p in duty.on_duty(me.agency)]


@router.post("/shifts", response={201: ShiftOut, **error_responses(*ERRORS_WRITE)},
             summary="安排值班（办公室人员）",
             description="值班人员须为本机关值班员、领导（带班）或办公室人员；同一人的值班时段不得重叠，单个时段不超过7天。")
def add_shift(request, payload: ShiftIn):
    me = caller(request)
    person = person_ref(payload.person_id, "值班人员")
    shift = duty.add_shift(actor=me, agency=me.agency, person=person, starts_at=payload.starts_at,
                           ends_at=payload.ends_at, note=payload.note)
    shift = DutyShift.objects.select_related("agency", "person", "created_by").get(pk=shift.pk)
    return Status(201, _out(shift))


@router.delete("/shifts/{shift_id}", response={204: None, **error_responses(*ERRORS_WRITE)},
               summary="取消值班安排（办公室人员）", description="已结束的值班是值班记录，不能删除。")
def remove_shift(request, shift_id: PathId):
    me = caller(request)
    # Another agency's shift answers as a missing one.
    shift = DutyShift.objects.filter(pk=shift_id, agency_id=me.agency_id).first()
    if shift is None:
        raise NotFound("未找到该值班安排。")
    duty.remove_shift(actor=me, shift=shift)
    return Status(204, None)
