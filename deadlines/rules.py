"""The system administrator's edits of the time-limit rules (办理时限规则) and of the
reminder policy (催办设置).

Rules are data (RULES.md §6 ships as the deployment-wide defaults); an agency may have
its own rules, which win over the defaults (``deadlines.services.rule_for``). A rule is
never deleted, only deactivated, so a due time stamped earlier can still be explained.
Every refusal is a Chinese DomainError and writes nothing.
"""

from __future__ import annotations

from django.db import transaction

import audit.services as audit
from documents.models import DocType
from documents.validators import TELEGRAM_URGENCIES
from flow.models import NodeKind
from gongwen.errors import DomainError, PermissionDenied
from org.models import AdminRole, Agency, Person

from .models import LimitCondition, LimitScope, LimitUnit, ReminderPolicy, TimeLimitRule

__all__ = ["save_rule", "deactivate_rule", "save_reminder_policy", "URGENCIES", "MAX_AMOUNT"]

URGENCIES = ("",) + TELEGRAM_URGENCIES  # 特提 and 平急 for telegrams, 特急/加急 for all
# A limit longer than this is a typing error (a year of working days, 10,000 minutes...).
MAX_AMOUNT = {LimitUnit.WORK_MINUTES: 10_000, LimitUnit.WORK_HOURS: 2_000, LimitUnit.WORK_DAYS: 250,
              LimitUnit.CLOCK_MINUTES: 10_000, LimitUnit.CLOCK_HOURS: 2_000, LimitUnit.CLOCK_DAYS: 365}
# Limits on the reminder policy, in working minutes (a working day is about 420).
MAX_POLICY_MINUTES = 10 * 420

RULE_FIELDS = ("agency_id", "name", "scope", "node_kind", "doc_type", "urgency", "condition", "amount", "unit",
               "is_active")


def _require_system_admin(actor: Person | None) -> None:
    if actor is None or actor.admin_role != AdminRole.SYSTEM:
        raise PermissionDenied("只有系统管理员可以维护办理时限规则和催办设置。")


def _check_agency(agency: Agency | None) -> None:
    if agency is not None and not agency.is_internal:
        raise DomainError(f"{agency.short_name}不使用本系统，不能为其设置规则。")


def _snapshot(rule: TimeLimitRule) -> dict:
    return {f: getattr(rule, f) for f in RULE_FIELDS}


def _clean(*, name: str, scope: str, node_kind: str, doc_type: str, urgency: str, condition: str, amount,
           unit: str) -> dict:
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写规则名称，如“签收（加急件）”。")
    if len(name) > 60:
        raise DomainError("规则名称不能超过60个字。")
    if scope not in LimitScope.values:
        raise DomainError("时限类别无效：应为“环节时限”或“全文办理时限”。")
    node_kind = node_kind or ""
    if node_kind and node_kind not in NodeKind.values:
        raise DomainError(f"环节“{node_kind}”无效。")
    if scope == LimitScope.DOCUMENT and node_kind:
        raise DomainError("全文办理时限自收文起算，不针对某个环节：请不选环节，或改为“环节时限”。")
    doc_type = (doc_type or "").strip()
    if doc_type and doc_type not in DocType.values:
        raise DomainError(f"文种“{doc_type}”无效。")
    urgency = (urgency or "").strip()
    if urgency not in URGENCIES:
        raise DomainError(f"紧急程度“{urgency}”无效，应为：{'、'.join(u for u in URGENCIES if u)}，或不限。")
    if urgency in ("特提", "平急") and doc_type and doc_type != DocType.TELEGRAM:
        raise DomainError(f"“{urgency}”只用于电报：请把文种选为电报，或改选紧急程度。")
    condition = condition or ""
    if condition not in LimitCondition.values:
        raise DomainError("适用条件无效。")
    if unit not in LimitUnit.values:
        raise DomainError("时限单位无效：应为工作分钟、工作小时、工作日，或自然时间的分钟、小时、天。")
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise DomainError("时限应为正整数。") from None
    if amount <= 0:
        raise DomainError("时限应大于零。")
    if amount > MAX_AMOUNT[unit]:
        raise DomainError(f"时限过长：以{LimitUnit(unit).label}计不能超过{MAX_AMOUNT[unit]}，请核对。")
    return {"name": name, "scope": scope, "node_kind": node_kind, "doc_type": doc_type, "urgency": urgency,
            "condition": condition, "amount": amount, "unit": unit}


@transaction.atomic
def save_rule(*, actor: Person, rule: TimeLimitRule | None = None, agency: Agency | None = None, name: str,
              scope: str = LimitScope.NODE, node_kind: str = "", doc_type: str = "", urgency: str = "",
              condition: str = "", amount, unit: str = LimitUnit.WORK_HOURS, is_active: bool = True) -> TimeLimitRule:
    """Create a rule (``rule`` None; ``agency`` None for a deployment default, else that
    agency's own) or change one. Two active rules with the same conditions for the same
    agency would make the outcome depend on their order: refused."""
    _require_system_admin(actor)
    values = _clean(name=name, scope=scope, node_kind=node_kind, doc_type=doc_type, urgency=urgency,
                    condition=condition, amount=amount, unit=unit)
    if rule is None:
        _check_agency(agency)
        old = None
        rule = TimeLimitRule(agency=agency)
    else:
        rule = TimeLimitRule.objects.select_for_update().get(pk=rule.pk)
        old = _snapshot(rule)
    if is_active:
        same = TimeLimitRule.objects.filter(
            agency=rule.agency_id, is_active=True, **{k: values[k] for k in
                                                      ("scope", "node_kind", "doc_type", "urgency", "condition")})
        if rule.pk:
            same = same.exclude(pk=rule.pk)
        clash = same.first()
        if clash is not None:
            raise DomainError(f"已有条件相同的启用规则“{clash.name}”：请修改该规则，或先停用它。")
    for key, value in values.items():
        setattr(rule, key, value)
    rule.is_active = bool(is_active)
    rule.save()
    audit.record(actor=actor, action="deadlines.rule.create" if old is None else "deadlines.rule.update",
                 target=rule, old=old, new=_snapshot(rule))
    return rule


@transaction.atomic
def deactivate_rule(*, actor: Person, rule: TimeLimitRule) -> TimeLimitRule:
    """停用: the rule no longer applies to new tasks; due times already stamped stay."""
    _require_system_admin(actor)
    rule = TimeLimitRule.objects.select_for_update().get(pk=rule.pk)
    if not rule.is_active:
        raise DomainError(f"规则“{rule.name}”已停用。")
    rule.is_active = False
    rule.save(update_fields=["is_active"])
    audit.record(actor=actor, action="deadlines.rule.deactivate", target=rule, old={"is_active": True},
                 new={"is_active": False})
    return rule


def _minutes(value, label: str) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(f"“{label}”应为整数（工作分钟）。") from None
    if not 0 <= value <= MAX_POLICY_MINUTES:
        raise DomainError(f"“{label}”应在0到{MAX_POLICY_MINUTES}工作分钟（10个工作日）之间。")
    return value


@transaction.atomic
def save_reminder_policy(*, actor: Person, agency: Agency | None, at_half: bool, before_minutes,
                         escalate_head_after, escalate_leader_after, send_email: bool) -> ReminderPolicy:
    """Set when reminders go out for an agency (``agency`` None: the deployment default)."""
    _require_system_admin(actor)
    _check_agency(agency)
    before = _minutes(before_minutes, "到期前提醒")
    head = _minutes(escalate_head_after, "逾期后报处室负责人")
    leader = _minutes(escalate_leader_after, "逾期后报分管领导")
    if leader < head:
        raise DomainError("逾期后报分管领导不能早于报处室负责人：应先报处室负责人，再报分管领导。")
    existing = ReminderPolicy.objects.select_for_update().filter(agency=agency).first()
    old = None
    if existing is not None:
        old = {"at_half": existing.at_half, "before_minutes": existing.before_minutes,
               "escalate_head_after": existing.escalate_head_after,
               "escalate_leader_after": existing.escalate_leader_after, "send_email": existing.send_email}
    row, _ = ReminderPolicy.objects.update_or_create(agency=agency, defaults={
        "at_half": bool(at_half), "before_minutes": before, "escalate_head_after": head,
        "escalate_leader_after": leader, "send_email": bool(send_email)})
    audit.record(actor=actor, action="deadlines.reminder_policy", target=row, old=old, new={
        "agency": getattr(agency, "pk", None), "at_half": row.at_half, "before_minutes": before,
        "escalate_head_after": head, "escalate_leader_after": leader, "send_email": row.send_email})
    return row
