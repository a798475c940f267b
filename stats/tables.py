"""The tables of a report, defined once: the page renders them, the Excel export writes
them, so a figure on paper is the figure on screen."""

from __future__ import annotations

from dataclasses import dataclass

from .control import DocumentControl
from .selectors import Report, Totals
from .services import DOC_FIELDS, TASK_FIELDS


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # count, hours (stored as working minutes), rate, change (signed count),
    #                       change_rate (signed rate), text; a change without a basis is the text 无上年同期数据
    help: str = ""


TASK_COLUMNS = [
    Column("received", "收件", help="当月到达的待办"),
    Column("finished", "办结", help="当月办结的待办"),
    Column("on_time", "按时办结", help="在办理时限（含延期）内办结"),
    Column("late_original", "超原定时限", help="晚于原定办理时限办结"),
    Column("late_extended", "超延期后时限", help="晚于延期后的办理时限办结"),
    Column("returned", "退回", help="当月退回前面环节"),
    Column("open_end", "未办结", help="月末（本月为当前）仍在办理"),
    Column("overdue_end", "逾期未办结", help="未办结且已过办理时限"),
    Column("minutes_avg", "平均用时（工作小时）", "hours", "办结件的平均办理用时（工作小时）"),
    Column("minutes_median", "用时中位数（工作小时）", "hours", "办结件办理用时的中位数（工作小时）"),
    Column("completion_rate", "办结率", "rate", "办结 ÷（办结 + 未办结）"),
    Column("on_time_rate", "按时办结率", "rate", "按时办结 ÷ 办结"),
]
LEADER_COLUMNS = [
    Column("received", "收到批示件"),
    Column("finished", "已批示"),
    Column("on_time", "按时"),
    Column("late_original", "超原定时限"),
    Column("late_extended", "超延期后时限"),
    Column("returned", "退回"),
    Column("open_end", "待批示"),
    Column("overdue_end", "逾期待批示"),
    Column("minutes_avg", "平均用时（工作小时）", "hours"),
    Column("minutes_median", "用时中位数（工作小时）", "hours"),
    Column("on_time_rate", "按时率", "rate"),
]
DOC_COLUMNS = [
    Column("docs_received", "收文", help="当月收文（按收文时间）"),
    Column("docs_closed", "办结", help="当月办结的公文"),
    Column("docs_on_time", "按时办结", help="在公文办理时限（含延期）内办结"),
    Column("docs_late_original", "超原定时限", help="晚于原定办理时限办结"),
    Column("docs_late_extended", "超延期后时限", help="晚于延期后的办理时限办结"),
    Column("docs_open_end", "未办结"),
    Column("docs_overdue_end", "逾期未办结"),
    Column("docs_completion_rate", "办结率", "rate"),
    Column("docs_on_time_rate", "按时办结率", "rate"),
]
SIGN_FOR_COLUMNS = [
    Column("sign_for_arrived", "到达签收", help="当月进入签收环节的公文"),
    Column("sign_for_signed", "已签收"),
    Column("sign_for_signed_late", "超时签收", help="超过签收时限才签收"),
    Column("sign_for_waiting", "待签收", help="月末（本月为当前）仍待签收"),
    Column("sign_for_waiting_late", "超时未签收", help="已过签收时限仍未签收"),
]

@dataclass
class Table:
    key: str
    title: str
    first: str  # heading of the label column
    columns: list[Column]
    rows: list[tuple[str, list]]
    total: list | None = None
    note: str = ""


def values(obj, columns) -> list:
    out = []
    for c in columns:
        value = getattr(obj, c.key, None)
        if c.kind == "hours" and value is not None:
            value = round(value / 60, 1)
        out.append(value)
    return out


def tables(report: Report) -> list[Table]:
    result = []
    if report.deployment:
        rows = [(a.agency.short_name or a.agency.name, a) for a in report.agencies]
        result.append(Table("agencies", "各机关办件统计", "机关", TASK_COLUMNS,
                            [(label, values(a, TASK_COLUMNS)) for label, a in rows],
                            values(report.summary, TASK_COLUMNS),
                            "各机关处室办件合计；合计行的平均用时按件数加权，中位数不可相加，不列。"))
        result.append(Table("agency_documents", "各机关收文办结统计", "机关", DOC_COLUMNS,
                            [(label, values(a, DOC_COLUMNS)) for label, a in rows],
                            values(report.summary, DOC_COLUMNS)))
        result.append(Table("sign_for", "签收统计", "机关", SIGN_FOR_COLUMNS,
                            [(label, values(a, SIGN_FOR_COLUMNS)) for label, a in rows],
                            values(report.summary, SIGN_FOR_COLUMNS)))
        return result
    units = report.units
    unit_total = values(Totals.of(units, TASK_FIELDS + DOC_FIELDS), TASK_COLUMNS) if len(units) > 1 else None
    result.append(Table("units", "处室办件统计", "处室", TASK_COLUMNS,
                        [(u.unit.name, values(u, TASK_COLUMNS)) for u in units], unit_total,
                        "各处室承担的待办（办理人所在处室），不含转办、交办和撤回前的待办。"))
    doc_total = values(Totals.of(units, TASK_FIELDS + DOC_FIELDS), DOC_COLUMNS) if len(units) > 1 else None
    result.append(Table("unit_documents", "处室主办公文统计", "主办处室", DOC_COLUMNS,
                        [(u.unit.name, values(u, DOC_COLUMNS)) for u in units], doc_total,
                        "各处室主办的公文，按收文时间计入收文月份；对照公文的原定和延期后办理时限。"))
    if report.scope.sees_leaders and report.unit is None:
        leaders = report.leaders
        result.append(Table("leaders", "领导批示统计", "领导", LEADER_COLUMNS,
                            [(leader_row.leader.name, values(leader_row, LEADER_COLUMNS)) for leader_row in leaders],
                            values(Totals.of(leaders, TASK_FIELDS), LEADER_COLUMNS) if len(leaders) > 1 else None,
                            "领导在“领导批示”“领导审定”环节的待办（含加签）。"))
    if report.agencies:
        result.append(Table("sign_for", "签收统计", "机关", SIGN_FOR_COLUMNS,
                            [(a.agency.short_name or a.agency.name, values(a, SIGN_FOR_COLUMNS))
                             for a in report.agencies], None,
                            "签收时限：普通件8个工作小时，加急件4个工作小时，特急件随到随签（30个工作分钟）。"))
    return result


# --- 控文 (C13) ---------------------------------------------------------------------------------


def control_columns(control: DocumentControl) -> list[Column]:
    this, last = control.this_period, control.last_period
    return [
        Column("this_year", f"本年（{this.label}）", help="已编号并分发的发文，按成文日期计"),
        Column("last_year", f"上年同期（{last.label}）"),
        Column("change", "增减（件）", "change", "本年减上年同期"),
        Column("change_rate", "增减幅度", "change_rate", "（本年 − 上年同期）÷ 上年同期"),
    ]


PROPOSAL_COLUMNS = [
    Column("instructed", "经领导批示的拟办意见", help="拟办意见经领导批示的件数，按首次批示日期计"),
    Column("unchanged", "照准（未作改动）", help="领导批示为同意、同意拟办意见、阅等，或与拟办意见一字不差"),
    Column("share", "照准率", "rate", "照准 ÷ 经领导批示的拟办意见"),
]
LEADER_PROPOSAL_COLUMNS = [
    Column("instructed", "批示拟办意见"),
    Column("unchanged", "照准"),
    Column("share", "照准率", "rate"),
]


def _change_values(row) -> list:
    if not row.has_basis:
        return [row.this_year, row.last_year, row.change_display, row.change_rate_display]
    return [row.this_year, row.last_year, row.change, row.change_rate]


def control_tables(control: DocumentControl | None) -> list[Table]:
    """The 控文 tables: documents issued under each name, and the proposals approved
    unchanged (with the leaders' shares when the person sees the leaders)."""
    if control is None:
        return []
    note = "发文：已编号并分发（办结）的发文，文号作废的不计，按成文日期计入；联合发文计入主办机关。"
    if not control.has_last_year:
        note += "上年同期没有发文记录，增减为“无上年同期数据”。"
    result = [Table("control", "控文统计（发文数量）", "发文名义", control_columns(control),
                    [(row.label, _change_values(row)) for row in control.names], _change_values(control.total),
                    note)]
    result.append(Table(
        "proposals", "拟办意见照准情况", "期间", PROPOSAL_COLUMNS,
        [(f"本年（{control.this_period.label}）", values(control.proposals, PROPOSAL_COLUMNS)),
         (f"上年同期（{control.last_period.label}）", values(control.proposals_last, PROPOSAL_COLUMNS))], None,
        "领导批示与拟办意见一致（同意、同意拟办意见、按拟办意见办理、阅等）即为照准；另作批示的为改动。"))
    if control.leaders:
        result.append(Table("proposal_leaders", "各领导批示拟办意见照准情况（本年）", "领导", LEADER_PROPOSAL_COLUMNS,
                            [(x.name, values(x, LEADER_PROPOSAL_COLUMNS)) for x in control.leaders]))
    return result
