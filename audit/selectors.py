"""Reading the audit log: one filter for the auditor's page, its Excel export and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from .labels import GROUPS, actions_matching, target_type_label
from .models import AuditEvent


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class AuditFilter:
    q: str = ""  # free text: an action (code or Chinese label), a person, a target type or id
    actor: str = ""  # part of the actor's name
    action: str = ""  # an action code ("flow.send_on") or a group ("flow": every flow action)
    target_type: str = ""  # a target type as stored ("Document")
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_params(cls, params) -> AuditFilter:
        def text(name, limit=60):
            return str(params.get(name) or "").strip()[:limit]

        return cls(q=text("q"), actor=text("actor", 100), action=text("action"), target_type=text("target_type"),
                   date_from=_date(params.get("from") or params.get("date_from")),
                   date_to=_date(params.get("to") or params.get("date_to")))

    def describe(self) -> str:
        """The filter in words, for the export's heading."""
        from .labels import action_label, group_label

        parts = []
        if self.action:
            parts.append(f"操作：{group_label(self.action) if self.action in GROUPS else action_label(self.action)}")
        if self.actor:
            parts.append(f"操作人：{self.actor}")
        if self.target_type:
            parts.append(f"对象类型：{target_type_label(self.target_type)}")
        if self.date_from or self.date_to:
            parts.append(f"日期：{self.date_from or '…'} 至 {self.date_to or '…'}")
        if self.q:
            parts.append(f"关键词：{self.q}")
        return "；".join(parts) or "全部"


def events(f: AuditFilter | None = None) -> QuerySet[AuditEvent]:
    """Audit events, newest first, filtered. The caller has checked that the reader is the
    security auditor (org.access.can_read_audit)."""
    f = f or AuditFilter()
    qs = AuditEvent.objects.order_by("-seq")
    if f.q:
        match = (Q(action__contains=f.q) | Q(actor_name__contains=f.q) | Q(target_type__contains=f.q)
                 | Q(target_id=f.q))
        labelled = actions_matching(f.q)
        if labelled:
            match |= Q(action__in=labelled)
        qs = qs.filter(match)
    if f.actor:
        qs = qs.filter(actor_name__contains=f.actor)
    if f.action:
        qs = qs.filter(action__startswith=f"{f.action}.") if f.action in GROUPS else qs.filter(action=f.action)
    if f.target_type:
        qs = qs.filter(target_type=f.target_type)
    if f.date_from:
        qs = qs.filter(at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(at__date__lte=f.date_to)
    return qs


def target_types() -> list[tuple[str, str]]:
    """The target types present in the log, with their Chinese names (for the filter)."""
    present = AuditEvent.objects.order_by().values_list("target_type", flat=True).distinct()
    return sorted(((t, target_type_label(t)) for t in present), key=lambda pair: pair[1])


def oldest_event() -> AuditEvent | None:
    return AuditEvent.objects.order_by("seq").only("seq", "at").first()
