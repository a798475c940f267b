"""Who gets a node (办理人): the engine's assignee resolution.

Every way a task is given to people goes through here: a template's assignee rule
(``AssigneeRule``), the people an actor chooses, 签发's rule for who signs off (RULES.md §4),
and C04 (a document addressed to a leader personally reaches leaders only through the
office). ``eligible_assignees`` is what the page choosers offer.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from documents.models import Document
from gongwen.errors import DomainError
from org.models import Person, PostKind, Unit
from org.selectors import has_post, leaders_in_charge, persons_with_post, unit_heads

from .models import AssigneeRule, NodeKind, Task, TaskRole, TaskStatus

__all__ = ["OFFICE_ONLY_NODES", "check_chosen", "eligible", "eligible_assignees", "not_to_addressed_leader",
           "resolve", "same_agency_people", "signers"]


def eligible(person: Person, document: Document) -> bool:
    """Whether the person may hold a task of the document: in post, not an administrator,
    of the document's agency (a task never goes to someone who cannot act on it: 漏球)."""
    return person.is_active and not person.admin_role and person.agency_id == document.agency_id


def eligible_assignees(document: Document) -> QuerySet[Person]:
    """Everyone who may hold a task of the document, in the order of the agency's list:
    what the page choosers offer (the engine checks the same rule, ``eligible``)."""
    return (Person.objects.filter(agency_id=document.agency_id, is_active=True, admin_role="")
            .select_related("unit").order_by("unit__sort_order", "unit_id", "sort_order", "id"))


def check_chosen(people: Iterable[Person], document: Document, node: dict) -> list[Person]:
    people = list(dict.fromkeys(people))
    for person in people:
        if not eligible(person, document):
            raise DomainError(f"{person.name}不是{document.agency.short_name}的在岗人员，不能接收本件。")
        if node["kind"] in (NodeKind.INSTRUCT, NodeKind.APPROVE) and not has_post(
                person, PostKind.PRINCIPAL_LEADER, PostKind.LEADER_IN_CHARGE):
            raise DomainError(f"{person.name}不是领导，不能“{node['name']}”。")
        if node.get("post_kind") and not has_post(person, node["post_kind"]):
            raise DomainError(f"{person.name}不担任{PostKind(node['post_kind']).label}，不能办理“{node['name']}”。")
    return people


def resolve(document: Document, node: dict, chosen: list[Person] | None) -> list[tuple[Person, Unit | None, str]]:
    """Who gets the node: (person, unit, role) triples. Chosen people override a post rule."""
    rule = node["assignee_rule"]
    result: list[tuple[Person, Unit | None, str]] = []
    if rule == AssigneeRule.CHOSEN or (chosen and rule == AssigneeRule.POST):
        if not chosen:
            raise DomainError(f"请选择“{node['name']}”的办理人。")
        result = [(p, p.unit, TaskRole.MAIN) for p in check_chosen(chosen, document, node)]
    elif rule == AssigneeRule.POST:
        people = list(persons_with_post(document.agency, node["post_kind"]).select_related("unit"))
        if not people:
            raise DomainError(f"{document.agency.short_name}没有{PostKind(node['post_kind']).label}，"
                              f"无法送“{node['name']}”。请联系安全保密管理员配置岗位。")
        result = [(p, p.unit, TaskRole.MAIN) for p in people]
    elif rule == AssigneeRule.LEAD_UNIT_HEAD:
        if not document.lead_unit_id:
            raise DomainError("尚未确定主办单位，无法送承办。")
        heads = list(unit_heads(document.lead_unit))
        if not heads:
            raise DomainError(f"主办单位{document.lead_unit.name}没有处长，无法送承办。")
        result = [(h, document.lead_unit, TaskRole.MAIN) for h in heads]
        for unit in document.assist_units.all():
            heads = list(unit_heads(unit))
            if not heads:
                raise DomainError(f"协办单位{unit.name}没有处长，无法送协办。")
            result.append((heads[0], unit, TaskRole.ASSIST))
    elif rule == AssigneeRule.LEADER_IN_CHARGE:
        if chosen:
            result = [(p, None, TaskRole.MAIN) for p in check_chosen(chosen, document, node)]
        else:
            if not document.lead_unit_id:
                raise DomainError("尚未确定主办单位，无法确定分管领导。")
            people = list(leaders_in_charge(document.lead_unit))
            if not people:
                people = list(persons_with_post(document.agency, PostKind.PRINCIPAL_LEADER))
            if not people:
                raise DomainError(f"{document.lead_unit.name}没有分管领导，也没有主要领导，无法送审定。")
            result = [(p, None, TaskRole.MAIN) for p in people]
    elif rule == AssigneeRule.PRINCIPAL_LEADER:
        people = list(persons_with_post(document.agency, PostKind.PRINCIPAL_LEADER))
        if not people:
            raise DomainError(f"{document.agency.short_name}没有主要领导，无法送“{node['name']}”。")
        result = [(p, None, TaskRole.MAIN) for p in people]
    elif rule == AssigneeRule.LEAD_HANDLER:
        last = (Task.objects.filter(document=document, node_kind=NodeKind.HANDLE, role=TaskRole.MAIN,
                                    status=TaskStatus.DONE).select_related("assignee", "assignee_unit")
                .order_by("-done_at", "-id").first())
        if last is None:
            raise DomainError("本件尚未经承办，无法确定答复人。")
        result = [(last.assignee, last.assignee_unit, TaskRole.MAIN)]
    elif rule == AssigneeRule.DRAFTER:
        if not document.drafted_by_id:
            raise DomainError("本件没有拟稿人。")
        result = [(document.drafted_by, document.drafted_by.unit, TaskRole.MAIN)]
    elif rule == AssigneeRule.SIGNER:
        result = [(p, None, TaskRole.MAIN) for p in signers(document, node, chosen)]
    elif rule == AssigneeRule.REGISTRAR:
        if not document.registered_by_id:
            raise DomainError("本件尚无登记人。")
        result = [(document.registered_by, document.registered_by.unit, TaskRole.MAIN)]
        if not eligible(document.registered_by, document):  # the registrar has left: the clerks close it
            result = [(p, p.unit, TaskRole.MAIN) for p in persons_with_post(document.agency, PostKind.CLERK)] or result
    else:
        raise DomainError(f"模板中的办理人规则“{rule}”无效，请联系系统管理员。")
    # A document addressed to a leader personally reaches leaders only through the office
    # (C04): whatever a rule says, the first three nodes never land on the addressed leader.
    if document.is_direct_submission and node["kind"] in OFFICE_ONLY_NODES:
        result = [r for r in result if r[0].pk != document.addressed_to_id]
        if not result:
            raise DomainError("直送件只能由办公室签收登记，不能送交所直送的领导。")
    return result


OFFICE_ONLY_NODES = (NodeKind.SIGN_FOR, NodeKind.REGISTER, NodeKind.SCREEN)


def signers(document: Document, node: dict, chosen: list[Person] | None) -> list[Person]:
    """Who signs off (签发, RULES.md §4): 上行文 and important documents the principal head —
    whoever else is chosen, the principal head must be among them; other documents the
    leader(s) chosen, by default the leader in charge of the drafting unit."""
    principals = list(persons_with_post(document.agency, PostKind.PRINCIPAL_LEADER))
    if chosen:
        people = check_chosen(chosen, document, {**node, "kind": NodeKind.APPROVE})
        if document.needs_principal_signoff and not any(p in principals for p in people):
            what = "上行文" if document.is_upward else "重要文件"
            names = "、".join(p.name for p in principals) or "主要领导"
            raise DomainError(f"{what}须由机关主要负责人签发：请选择{names}。")
        return people
    if document.needs_principal_signoff:
        if not principals:
            raise DomainError(f"{document.agency.short_name}没有主要领导，无法送签发。")
        return principals
    people = list(leaders_in_charge(document.lead_unit)) if document.lead_unit_id else []
    if not people:
        people = principals
    if not people:
        raise DomainError("没有可签发的领导，请选择签发人。")
    return people


def not_to_addressed_leader(task: Task, document: Document, people: Iterable[Person]) -> None:
    """C04 for 转办 and 加签: they must not hand a direct submission to the leader it was
    addressed to while it is still at the office's own nodes."""
    if document.is_direct_submission and task.node_kind in OFFICE_ONLY_NODES and any(
            p.pk == document.addressed_to_id for p in people):
        raise DomainError("直送件只能由办公室签收登记、初审，不能转办或加签给所直送的领导。")


def same_agency_people(people, document, what) -> list[Person]:
    people = list(dict.fromkeys(people))
    if not people:
        raise DomainError(f"请选择{what}。")
    for p in people:
        if not eligible(p, document):
            raise DomainError(f"{p.name}不是{document.agency.short_name}的在岗人员，不能{what}。")
    return people
