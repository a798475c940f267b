"""The 用印 panel of the document page and the navigation test of the seal ledger."""

from django import template

register = template.Library()


@register.filter
def reads_seal_ledger(person) -> bool:
    """Whether the person sees the 用印登记簿 (seal keepers and office staff)."""
    from sealing import access

    return access.can_read_ledger(person)


@register.inclusion_tag("sealing/_panel.html", takes_context=True)
def seal_panel(context, document, person):
    """For an outgoing document: whether and how it was sealed (with the sealed PDF and a
    link to verify it); what it still lacks before 用印 (red list); and, for the person
    holding the 用印 task, the seal select and the 用印 button."""
    from flow.models import NodeKind, Task, TaskRole, TaskStatus
    from sealing import selectors, services

    if document is None or person is None or not getattr(document, "is_outgoing", False):
        return {"show": False}
    csrf = context.get("csrf_token")
    uses = list(selectors.uses_of(document))
    missing = [] if uses else services.seal_check(document)
    holds = document.is_open and Task.objects.filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN,
                                                     node_kind=NodeKind.SEAL, assignee=person).exists()
    return {"show": True, "document": document, "uses": uses, "missing": missing, "can_seal": holds and not uses,
            "seals": list(selectors.usable_seals(person, document)) if holds else [], "csrf_token": csrf}
