"""Monthly statistics (月度统计): the tables of the statistics page as JSON, with the same
filters and the same scope (stats.access): office staff, supervisors and leaders read
their agency, a division head their unit, administrators nothing."""

from datetime import date, datetime

from ninja import Query, Router, Schema

from gongwen.errors import PermissionDenied
from stats import access, selectors

from ..common import caller
from ..errors import error_responses
from ..schemas import InSchema, Ref

router = Router(tags=["统计"])


class StatsFilterIn(InSchema):
    agency: str | None = None
    year: int | None = None
    month: int | None = None
    unit: int | None = None


class TaskFiguresOut(Schema):
    received: int
    finished: int
    returned: int
    on_time: int
    late_original: int
    late_extended: int
    open_end: int
    overdue_end: int
    minutes_count: int
    minutes_avg: float | None = None
    minutes_median: float | None = None
    completion_rate: float | None = None
    on_time_rate: float | None = None


class DocumentFiguresOut(Schema):
    docs_received: int
    docs_closed: int
    docs_on_time: int
    docs_late_original: int
    docs_late_extended: int
    docs_open_end: int
    docs_overdue_end: int
    docs_completion_rate: float | None = None
    docs_on_time_rate: float | None = None


class SignForOut(Schema):
    sign_for_arrived: int
    sign_for_signed: int
    sign_for_signed_late: int
    sign_for_waiting: int
    sign_for_waiting_late: int


class UnitRowOut(TaskFiguresOut, DocumentFiguresOut):
    unit: Ref

    @staticmethod
    def resolve_unit(obj):
        return {"id": obj.unit_id, "name": obj.unit.name}


class LeaderRowOut(TaskFiguresOut):
    leader: Ref

    @staticmethod
    def resolve_leader(obj):
        return {"id": obj.leader_id, "name": obj.leader.name}


class AgencyRowOut(TaskFiguresOut, DocumentFiguresOut, SignForOut):
    agency: Ref
    computed_at: datetime

    @staticmethod
    def resolve_agency(obj):
        return {"id": obj.agency_id, "name": obj.agency.name}


class SummaryOut(TaskFiguresOut, DocumentFiguresOut):
    sign_for_arrived: int | None = None
    sign_for_signed: int | None = None
    sign_for_signed_late: int | None = None
    sign_for_waiting: int | None = None
    sign_for_waiting_late: int | None = None


class TrendOut(Schema):
    year: int
    month: int
    received: int
    finished: int
    completion_rate: float | None = None
    on_time_rate: float | None = None
    overdue_end: int
    docs_closed: int
    docs_late_extended: int


class MonthlyOut(Schema):
    year: int
    month: int
    agency: Ref | None = None
    unit: Ref | None = None
    as_of: datetime | None = None
    computed_at: datetime | None = None
    summary: SummaryOut | None = None
    units: list[UnitRowOut]
    leaders: list[LeaderRowOut]
    agencies: list[AgencyRowOut]
    trend: list[TrendOut]


def _summary(summary) -> dict | None:
    if summary is None:
        return None
    out = {}
    for name in SummaryOut.model_fields:
        try:
            out[name] = getattr(summary, name)
        except AttributeError:
            out[name] = None
    return out


@router.get("/monthly", response={200: MonthlyOut, **error_responses(400, 401, 403, 422)},
            summary="月度统计",
            description="处室办件、处室主办公文、领导批示和签收的月度统计，与统计页面及其 Excel 导出相同。"
                        "参数：agency（机关编号，或 all 表示全部机关，仅市委、市政府办公室和督查人员可用；"
                        "默认本机关），year、month（默认本月），unit（处室编号）。口径见统计页面的“统计口径”。")
def monthly(request, filters: Query[StatsFilterIn]):
    scope = access.require_scope(caller(request))
    f = selectors.parse_filter(scope, agency=filters.agency, year=filters.year, month=filters.month,
                               unit=filters.unit)
    report = selectors.monthly_report(scope, f)
    return {
        "year": f.year, "month": f.month,
        "agency": {"id": report.agency.pk, "name": report.agency.name} if report.agency else None,
        "unit": {"id": report.unit.pk, "name": report.unit.name} if report.unit else None,
        "as_of": report.as_of, "computed_at": report.computed_at, "summary": _summary(report.summary),
        "units": report.units, "leaders": report.leaders, "agencies": report.agencies, "trend": report.trend,
    }


# --- 控文 (C13) ---------------------------------------------------------------------------------


class ControlFilterIn(InSchema):
    agency: str | None = None
    year: int | None = None
    month: int | None = None


class ControlPeriodOut(Schema):
    start: date
    end: date


class ControlNameOut(Schema):
    key: str
    label: str
    this_year: int
    last_year: int
    change: int | None = None
    change_rate: float | None = None
    change_display: str
    change_rate_display: str


class ControlProposalsOut(Schema):
    instructed: int
    unchanged: int
    share: float | None = None


class ControlLeaderOut(ControlProposalsOut):
    leader: Ref

    @staticmethod
    def resolve_leader(obj):
        return {"id": obj.leader_id, "name": obj.name}


class DocumentControlOut(Schema):
    agency: Ref | None = None
    today: date
    this_period: ControlPeriodOut
    last_period: ControlPeriodOut
    has_last_year: bool
    names: list[ControlNameOut]
    total: ControlNameOut
    proposals: ControlProposalsOut
    proposals_last: ControlProposalsOut
    leaders: list[ControlLeaderOut]

    @staticmethod
    def resolve_agency(obj):
        return {"id": obj.agency.pk, "name": obj.agency.name} if obj.agency else None


@router.get("/document-control", response={200: DocumentControlOut, **error_responses(400, 401, 403, 422)},
            summary="控文统计",
            description="本年（1月1日至今天，或所选月份的最后一天）以政府（本机关）名义、以办公室名义和联合发文的"
                        "发文数量，与上年同期比较的增减（上年同期没有发文时 has_last_year 为 false，增减为"
                        "“无上年同期数据”）；经领导批示的拟办意见中照准（未作改动）的件数和比例，及各领导的照准率。"
                        "参数：agency（机关编号，或 all），year、month。处室负责人不能查看。口径见统计页面的“统计口径”。")
def document_control(request, filters: Query[ControlFilterIn]):
    scope = access.require_scope(caller(request))
    if scope.unit_ids is not None:
        raise PermissionDenied("控文统计是全机关的统计，只有办公室、督查室人员和机关领导可以查看。")
    f = selectors.parse_filter(scope, agency=filters.agency, year=filters.year, month=filters.month)
    return selectors.control_report(scope, f)
