"""The shipped time limits (RULES.md §6), installed by a data migration as the
deployment-wide defaults; the system administrator edits them or adds an agency's own."""

from flow.models import NodeKind as K

from .models import LimitCondition as C
from .models import LimitScope as S
from .models import LimitUnit as U

RULES = [
    # name, scope, node kind, doc type, urgency, condition, amount, unit
    ("签收（普通件）", S.NODE, K.SIGN_FOR, "", "", C.NONE, 8, U.WORK_HOURS),
    ("签收（加急件）", S.NODE, K.SIGN_FOR, "", "加急", C.NONE, 4, U.WORK_HOURS),
    ("签收（特急件，随到随签）", S.NODE, K.SIGN_FOR, "", "特急", C.NONE, 30, U.WORK_MINUTES),
    ("签收（特提电报，随到随签）", S.NODE, K.SIGN_FOR, "", "特提", C.NONE, 30, U.WORK_MINUTES),
    ("特提电报（随到随办）", S.DOCUMENT, "", "电报", "特提", C.NONE, 60, U.WORK_MINUTES),
    ("特急电报（2日内办结）", S.DOCUMENT, "", "电报", "特急", C.NONE, 2, U.WORK_DAYS),
    ("电报（6日内办结）", S.DOCUMENT, "", "电报", "", C.NONE, 6, U.WORK_DAYS),
    ("代拟稿（1个工作日）", S.NODE, K.HANDLE, "", "", C.PROXY_DRAFT, 1, U.WORK_DAYS),
    ("政策性文件核稿（3个工作日）", S.NODE, K.REVIEW, "", "", C.POLICY, 3, U.WORK_DAYS),
    ("一般文件核稿（1个工作日）", S.NODE, K.REVIEW, "", "", C.NONE, 1, U.WORK_DAYS),
    ("印制（4个工作小时）", S.NODE, K.PRINT, "", "", C.NONE, 4, U.WORK_HOURS),
    ("紧急信息报告（1小时，含节假日）", S.DOCUMENT, "", "", "", C.EMERGENCY_REPORT, 1, U.CLOCK_HOURS),
]


def install(TimeLimitRule) -> int:
    """Create the default rules that are missing (by name); never touches an existing one."""
    created = 0
    for name, scope, kind, doc_type, urgency, cond, amount, unit in RULES:
        _, made = TimeLimitRule.objects.get_or_create(
            agency=None, name=name, defaults={
                "scope": str(scope), "node_kind": str(kind), "doc_type": doc_type, "urgency": urgency,
                "condition": str(cond), "amount": amount, "unit": str(unit)})
        created += made
    return created


def seed_calendar(CalendarYear, CalendarDay) -> int:
    """Copy the chinesecalendar package's years into our tables (years already there are
    left alone: the administrator's corrections win)."""
    import chinese_calendar

    known = set(CalendarYear.objects.values_list("year", flat=True))
    days = {}
    for table, is_workday in ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True)):
        for day, name in table.items():
            if day.year in known:
                continue
            # Store only what breaks the weekday rule, plus named holidays on weekends
            # (so the calendar page can show the whole break).
            if is_workday and day.weekday() < 5:
                continue
            days[day] = (is_workday, _cn(name, is_workday))
    years = sorted({d.year for d in days})
    CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n) for d, (w, n) in sorted(days.items())],
                                    ignore_conflicts=True)
    CalendarYear.objects.bulk_create([CalendarYear(year=y, source="chinesecalendar",
                                                   notice="chinesecalendar 数据包（国务院办公厅节假日安排）")
                                      for y in years], ignore_conflicts=True)
    return len(years)


NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _cn(name, is_workday: bool) -> str:
    base = NAMES.get(getattr(name, "value", name) or "", str(getattr(name, "value", name) or ""))
    return f"{base}调休上班" if is_workday else base
