"""Precomputed monthly statistics (月度统计). What each figure counts is defined once, in
``stats.services``; these tables only hold the results, so that reading the dashboard
of a 135-agency deployment reads a few hundred rows instead of a million tasks."""

from django.db import models
from django.utils import timezone

from org.models import Agency, Person, Unit


class TaskFigures(models.Model):
    """The figures of one holder (a unit, a leader, an agency's units together) over one
    month of tasks (待办). Definitions in ``stats.services``."""

    received = models.PositiveIntegerField("收件", default=0)
    finished = models.PositiveIntegerField("办结", default=0)
    returned = models.PositiveIntegerField("退回", default=0)
    on_time = models.PositiveIntegerField("按时办结", default=0)
    late_original = models.PositiveIntegerField("超原定时限办结", default=0)
    late_extended = models.PositiveIntegerField("超延期后时限办结", default=0)
    open_end = models.PositiveIntegerField("未办结", default=0)
    overdue_end = models.PositiveIntegerField("未办结且逾期", default=0)
    minutes_count = models.PositiveIntegerField("计时件数", default=0)
    minutes_avg = models.FloatField("平均办理用时（工作分钟）", null=True, blank=True)
    minutes_median = models.FloatField("办理用时中位数（工作分钟）", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def completion_rate(self) -> float | None:
        """办结率: finished in the month over finished plus still open at its end."""
        return rate(self.finished, self.finished + self.open_end)

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率: finished on time over finished."""
        return rate(self.on_time, self.finished)


class DocumentFigures(models.Model):
    """The figures of documents (公文) over one month: those led by a unit (主办), or all
    of an agency's incoming documents."""

    docs_received = models.PositiveIntegerField("收文", default=0)
    docs_closed = models.PositiveIntegerField("办结", default=0)
    docs_on_time = models.PositiveIntegerField("按时办结", default=0)
    docs_late_original = models.PositiveIntegerField("超原定时限办结", default=0)
    docs_late_extended = models.PositiveIntegerField("超延期后时限办结", default=0)
    docs_open_end = models.PositiveIntegerField("未办结", default=0)
    docs_overdue_end = models.PositiveIntegerField("未办结且逾期", default=0)

    class Meta:
        abstract = True

    @property
    def docs_completion_rate(self) -> float | None:
        return rate(self.docs_closed, self.docs_closed + self.docs_open_end)

    @property
    def docs_on_time_rate(self) -> float | None:
        return rate(self.docs_on_time, self.docs_closed)


def rate(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


class UnitMonthStat(TaskFigures, DocumentFigures):
    """A unit's month (处室月度统计): its own tasks, and the documents it leads (主办)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name="机关")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="month_stats", verbose_name="处室")
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    as_of = models.DateTimeField("统计截至")
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        ordering = ["agency", "unit__sort_order", "unit_id"]
        verbose_name = verbose_name_plural = "处室月度统计"
        constraints = [models.UniqueConstraint(fields=["unit", "year", "month"], name="unit_month_stat_unique")]
        indexes = [models.Index(fields=["agency", "year", "month"], name="unit_month_stat_agency")]


class LeaderMonthStat(TaskFigures):
    """A leader's month of instructions (领导批示月度统计): tasks at 批示 and 审定 nodes."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name="机关")
    leader = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="month_stats", verbose_name="领导")
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    as_of = models.DateTimeField("统计截至")
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        ordering = ["agency", "leader__sort_order", "leader_id"]
        verbose_name = verbose_name_plural = "领导批示月度统计"
        constraints = [models.UniqueConstraint(fields=["leader", "year", "month"], name="leader_month_stat_unique")]
        indexes = [models.Index(fields=["agency", "year", "month"], name="leader_month_stat_agency")]


class AgencyMonthStat(TaskFigures, DocumentFigures):
    """An agency's month (机关月度统计): its units' tasks together, all its incoming
    documents, and signing for at the 签收 node (C06). Its ``computed_at`` says how fresh
    the agency's rows of that month are."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="month_stats", verbose_name="机关")
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    sign_for_arrived = models.PositiveIntegerField("到达签收", default=0)
    sign_for_signed = models.PositiveIntegerField("已签收", default=0)
    sign_for_signed_late = models.PositiveIntegerField("超时签收", default=0)
    sign_for_waiting = models.PositiveIntegerField("待签收", default=0)
    sign_for_waiting_late = models.PositiveIntegerField("超时未签收", default=0)
    as_of = models.DateTimeField("统计截至")
    computed_at = models.DateTimeField("计算时间", default=timezone.now)
    compute_ms = models.PositiveIntegerField("计算用时（毫秒）", default=0)

    class Meta:
        ordering = ["agency__sort_order", "agency_id"]
        verbose_name = verbose_name_plural = "机关月度统计"
        constraints = [models.UniqueConstraint(fields=["agency", "year", "month"], name="agency_month_stat_unique")]
        indexes = [models.Index(fields=["year", "month"], name="agency_month_stat_month")]
