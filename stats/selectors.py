"""Reading the monthly statistics: the filters shared by the page, the Excel export and
the API, and the report they select. Reads only the precomputed rows; a month that is
stale (``services.is_stale``) is recomputed first, for the one agency asked about (or for
every agency when the whole deployment is asked about)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.utils import timezone

from gongwen.errors import DomainError, PermissionDenied
from org.models import Agency, Unit

from . import services
from .access import Scope
from .control import DocumentControl, document_control
from .models import AgencyMonthStat, LeaderMonthStat, TaskFigures, UnitMonthStat, rate
from .services import DOC_FIELDS, SIGN_FOR_FIELDS, TASK_FIELDS

ALL = "all"
TREND_MONTHS = 12


@dataclass(frozen=True)
class StatsFilter:
    year: int
    month: int
    agency_id: int | None  # None: the whole deployment
    unit_id: int | None = None

    def query(self) -> str:
        params = {"agency": self.agency_id or ALL, "year": self.year, "month": self.month}
        if self.unit_id:
            params["unit"] = self.unit_id
        return urlencode(params)


def _int(value, what: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(f"{what}应为数字。") from None


def parse_filter(scope: Scope, *, agency=None, year=None, month=None, unit=None,
                 now: datetime | None = None) -> StatsFilter:
    """The filter from raw values (query string or API), checked against the person's
    scope: a month that has begun, an agency and a unit they may read."""
    cy, cm = services.current_month(now)
    y, m = _int(year, "年份"), _int(month, "月份")
    y = y or cy
    m = m or (cm if y == cy else 12)
    services.check_month(y, m, now)
    if agency == ALL:
        if not scope.deployment:
            raise PermissionDenied("您只能查看本机关的统计。")
        agency_id = None
    else:
        agency_id = _int(agency, "机关") or scope.agency_id
        if not scope.allows_agency(agency_id):
            raise PermissionDenied("您只能查看本机关的统计。")
    unit_id = _int(unit, "处室")
    if unit_id is not None:
        if agency_id is None or not Unit.objects.filter(pk=unit_id, agency_id=agency_id).exists():
            raise DomainError("所选处室不属于所选机关。")
        if scope.unit_ids is not None and unit_id not in scope.unit_ids:
            raise PermissionDenied("处室负责人只能查看本处室的统计。")
    elif scope.unit_ids is not None and len(scope.unit_ids) == 1:
        (unit_id,) = scope.unit_ids
    return StatsFilter(year=y, month=m, agency_id=agency_id, unit_id=unit_id)


# --- totals -----------------------------------------------------------------------------------


@dataclass
class Totals:
    """Figures summed over rows (several units, or every agency). The average working
    time is weighted by the tasks measured; a median does not add up, so it is kept only
    when there is a single row."""

    rows: int = 0
    values: dict = field(default_factory=dict)
    minutes_avg: float | None = None
    minutes_median: float | None = None
    minutes_count: int = 0

    @classmethod
    def of(cls, rows, fields=TASK_FIELDS + DOC_FIELDS + SIGN_FOR_FIELDS) -> Totals:
        rows = list(rows)
        total = cls(rows=len(rows), values=dict.fromkeys(fields, 0))
        weighted = 0.0
        for row in rows:
            for f in fields:
                total.values[f] += getattr(row, f, 0) or 0
            if getattr(row, "minutes_count", 0):
                total.minutes_count += row.minutes_count
                weighted += row.minutes_avg * row.minutes_count
        if total.minutes_count:
            total.minutes_avg = round(weighted / total.minutes_count, 1)
        if len(rows) == 1:
            total.minutes_median = rows[0].minutes_median
        return total

    def __getattr__(self, name):
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    completion_rate = TaskFigures.completion_rate
    on_time_rate = TaskFigures.on_time_rate

    @property
    def docs_completion_rate(self):
        return rate(self.docs_closed, self.docs_closed + self.docs_open_end)

    @property
    def docs_on_time_rate(self):
        return rate(self.docs_on_time, self.docs_closed)


# --- the report ---------------------------------------------------------------------------------


@dataclass
class Report:
    filter: StatsFilter
    scope: Scope
    agency: Agency | None
    unit: Unit | None
    computed_at: datetime | None
    as_of: datetime | None
    summary: object  # AgencyMonthStat or Totals
    units: list[UnitMonthStat]
    leaders: list[LeaderMonthStat]
    agencies: list[AgencyMonthStat]  # the agencies' own rows (sign-for and totals)
    trend: list[dict]

    @property
    def deployment(self) -> bool:
        return self.agency is None

    @property
    def period(self) -> str:
        return f"{self.filter.year}年{self.filter.month}月"

    @property
    def month_under_way(self) -> bool:
        return self.as_of is not None and self.as_of < services.month_bounds(self.filter.year, self.filter.month)[1]


def ensure_fresh(year: int, month: int, agency_id: int | None, now: datetime | None = None) -> None:
    """Recompute the month when its rows are missing or stale."""
    now = now or timezone.now()
    _, end = services.month_bounds(year, month)
    rows = AgencyMonthStat.objects.filter(year=year, month=month)
    if agency_id is not None:
        computed = rows.filter(agency_id=agency_id).values_list("computed_at", flat=True).first()
        if services.is_stale(computed, end, now):
            services.compute_month(year, month, Agency.objects.get(pk=agency_id), now=now)
        return
    computed = list(rows.values_list("computed_at", flat=True))
    internal = Agency.objects.filter(is_internal=True).count()
    if len(computed) < internal or any(services.is_stale(c, end, now) for c in computed):
        services.compute_month(year, month, now=now)


def _months_back(year: int, month: int, n: int) -> list[tuple[int, int]]:
    out = [(year, month)]
    for _ in range(n - 1):
        year, month = services.previous_month(year, month)
        out.append((year, month))
    return list(reversed(out))


def _trend(f: StatsFilter, unit_ids) -> list[dict]:
    months = _months_back(f.year, f.month, TREND_MONTHS)
    first_year = months[0][0]
    if unit_ids is not None:
        qs = UnitMonthStat.objects.filter(unit_id__in=unit_ids)
    elif f.agency_id is not None:
        qs = AgencyMonthStat.objects.filter(agency_id=f.agency_id)
    else:
        qs = AgencyMonthStat.objects.all()
    qs = qs.filter(year__gte=first_year, year__lte=f.year).order_by()
    by_month: dict[tuple[int, int], list] = {}
    for row in qs.only(*TASK_FIELDS, *DOC_FIELDS, "year", "month", "minutes_count", "minutes_avg", "minutes_median"):
        by_month.setdefault((row.year, row.month), []).append(row)
    out = []
    for y, m in months:
        if (y, m) not in by_month:
            continue
        t = Totals.of(by_month[(y, m)], TASK_FIELDS + DOC_FIELDS)
        out.append({"year": y, "month": m, "label": f"{y}年{m}月", "received": t.received, "finished": t.finished,
                    "completion_rate": t.completion_rate, "on_time_rate": t.on_time_rate,
                    "overdue_end": t.overdue_end, "docs_closed": t.docs_closed,
                    "docs_late_extended": t.docs_late_extended})
    return out


def monthly_report(scope: Scope, f: StatsFilter, now: datetime | None = None) -> Report:
    ensure_fresh(f.year, f.month, f.agency_id, now)
    month = {"year": f.year, "month": f.month}
    if f.agency_id is None:
        agencies = list(AgencyMonthStat.objects.filter(**month, agency__is_internal=True).select_related("agency"))
        return Report(
            filter=f, scope=scope, agency=None, unit=None,
            computed_at=min((a.computed_at for a in agencies), default=None),
            as_of=max((a.as_of for a in agencies), default=None),
            summary=Totals.of(agencies), units=[], leaders=[], agencies=agencies, trend=_trend(f, None))
    agency = Agency.objects.get(pk=f.agency_id)
    own = AgencyMonthStat.objects.filter(agency=agency, **month).first()
    units = UnitMonthStat.objects.filter(agency=agency, **month).select_related("unit")
    unit_ids = None
    if f.unit_id is not None:
        unit_ids = [f.unit_id]
    elif scope.unit_ids is not None:
        unit_ids = sorted(scope.unit_ids)
    if unit_ids is not None:
        units = units.filter(unit_id__in=unit_ids)
    units = list(units)
    leaders = []
    if scope.sees_leaders and f.unit_id is None:
        leaders = list(LeaderMonthStat.objects.filter(agency=agency, **month).select_related("leader"))
    summary = own if unit_ids is None else Totals.of(units, TASK_FIELDS + DOC_FIELDS)
    return Report(
        filter=f, scope=scope, agency=agency,
        unit=Unit.objects.filter(pk=f.unit_id).first() if f.unit_id else None,
        computed_at=own.computed_at if own else None, as_of=own.as_of if own else None,
        summary=summary, units=units, leaders=leaders, agencies=[own] if own and unit_ids is None else [],
        trend=_trend(f, unit_ids))


# --- 控文 (C13) ---------------------------------------------------------------------------------


def control_day(f: StatsFilter, now: datetime | None = None) -> date:
    """The day the 控文 figures run to: today in the month under way, else the last day of
    the chosen month (the year to that day against last year to the same day)."""
    today = timezone.localdate(now or timezone.now())
    _, end = services.month_bounds(f.year, f.month)
    return min(today, (end - timedelta(days=1)).date())


def control_report(scope: Scope, f: StatsFilter, now: datetime | None = None) -> DocumentControl | None:
    """The 控文 figures for the filter; none for a division head's or a unit's view (they
    are the agency's figures). The leaders' shares only for those who see the leaders."""
    if scope.unit_ids is not None or f.unit_id is not None:
        return None
    agency = Agency.objects.get(pk=f.agency_id) if f.agency_id is not None else None
    control = document_control(agency, control_day(f, now))
    if not scope.sees_leaders:
        control.leaders = []
    return control
