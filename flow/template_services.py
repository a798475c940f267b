"""Editing process templates (流程模板) by the system administrator.

One service function validates the whole list of nodes of a template and replaces
them atomically, with an audit event carrying the old and new node lists. Running
processes are unaffected: each copied its template's nodes when it started.
"""

import re

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from gongwen.errors import DomainError
from org.access import require_manage_org
from org.models import PostKind

from .gates import GATES
from .models import AssigneeRule, Condition, Mode, NodeDefinition, NodeKind, Operation, ProcessTemplate

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
NODE_FIELDS = ("position", "key", "name", "kind", "assignee_rule", "post_kind", "mode", "mode_choosable",
               "operations", "gates", "condition", "time_limit_hours")


def _clean_node(raw: dict, number: int) -> dict:
    where = f"第 {number} 个环节"
    name = (raw.get("name") or "").strip()
    if not name:
        raise DomainError(f"{where}：请填写环节名称。")
    where = f"环节“{name}”"
    key = (raw.get("key") or "").strip()
    if not KEY_RE.match(key):
        raise DomainError(f"{where}：标识“{key}”无效，应以小写字母开头，只含小写字母、数字和下划线（最多30个字符）。")
    kind = raw.get("kind") or ""
    if kind not in NodeKind.values:
        raise DomainError(f"{where}：环节类型“{kind}”无效。")
    rule = raw.get("assignee_rule") or ""
    if rule not in AssigneeRule.values:
        raise DomainError(f"{where}：办理人规则“{rule}”无效。")
    post_kind = raw.get("post_kind") or ""
    if post_kind and post_kind not in PostKind.values:
        raise DomainError(f"{where}：岗位“{post_kind}”无效。")
    if rule == AssigneeRule.POST and not post_kind:
        raise DomainError(f"{where}：办理人规则为“{AssigneeRule.POST.label}”时必须指定岗位。")
    mode = raw.get("mode") or Mode.SINGLE
    if mode not in Mode.values:
        raise DomainError(f"{where}：办理方式“{mode}”无效。")
    operations = list(dict.fromkeys(raw.get("operations") or []))
    unknown = [o for o in operations if o not in Operation.values]
    if unknown:
        raise DomainError(f"{where}：未知的操作“{'、'.join(unknown)}”。")
    if Operation.SEND_ON not in operations and Operation.COMPLETE not in operations:
        raise DomainError(f"{where}：至少要允许“送下一步”或“办结”，否则公文会停在此环节。")
    gates = list(dict.fromkeys(raw.get("gates") or []))
    unknown = [g for g in gates if g not in GATES]
    if unknown:
        raise DomainError(f"{where}：未知的关卡“{'、'.join(unknown)}”。")
    condition = raw.get("condition") or ""
    if condition not in Condition.values:
        raise DomainError(f"{where}：经过条件“{condition}”无效。")
    hours = raw.get("time_limit_hours")
    if hours is not None and hours != "":
        try:
            hours = int(hours)
        except (TypeError, ValueError):
            raise DomainError(f"{where}：时限应为正整数（工作小时）。") from None
        if hours <= 0:
            raise DomainError(f"{where}：时限应为正整数（工作小时）。")
    else:
        hours = None
    try:
        position = int(raw.get("position") or number)
    except (TypeError, ValueError):
        raise DomainError(f"{where}：顺序应为整数。") from None
    return {"position": position, "key": key, "name": name, "kind": kind, "assignee_rule": rule,
            "post_kind": post_kind, "mode": mode, "mode_choosable": bool(raw.get("mode_choosable")),
            "operations": operations, "gates": gates, "condition": condition, "time_limit_hours": hours}


@transaction.atomic
def save_template(*, actor, template: ProcessTemplate, nodes: list[dict], name: str | None = None,
                  is_active: bool | None = None) -> ProcessTemplate:
    """Replace the nodes of a template (and optionally its name and whether it is active)."""
    require_manage_org(actor)
    template = ProcessTemplate.objects.select_for_update().get(pk=template.pk)
    if name is not None:
        name = name.strip()
        if not name:
            raise DomainError("请填写模板名称。")
    if not nodes:
        raise DomainError("模板至少要有一个环节。")
    cleaned = [_clean_node(raw, i) for i, raw in enumerate(nodes, start=1)]
    cleaned.sort(key=lambda n: n["position"])
    keys = [n["key"] for n in cleaned]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise DomainError(f"环节标识不能重复：{'、'.join(duplicates)}。")
    if Operation.COMPLETE not in cleaned[-1]["operations"]:
        raise DomainError(f"最后一个环节“{cleaned[-1]['name']}”必须允许“办结”。")
    if cleaned[-1]["condition"]:
        raise DomainError(f"最后一个环节“{cleaned[-1]['name']}”必须总是经过，否则公文可能无处办结。")
    old = {"name": template.name, "is_active": template.is_active, "nodes": template.snapshot()}
    template.nodes.all().delete()
    for position, node in enumerate(cleaned, start=1):
        node["position"] = position
    NodeDefinition.objects.bulk_create([NodeDefinition(template=template, **node) for node in cleaned])
    if name is not None:
        template.name = name
    if is_active is not None:
        template.is_active = bool(is_active)
    template.updated_at = timezone.now()
    template.save(update_fields=["name", "is_active", "updated_at"])
    new = {"name": template.name, "is_active": template.is_active, "nodes": template.snapshot()}
    audit.record(actor=actor, action="flow.template.update", target=template, old=old, new=new)
    return template
