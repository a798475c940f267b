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
    link to verify it), each seal use 有效 or 已作废 with the reason, and why the last one no
    longer holds; what it still lacks before 用印 (red list); and, for the person holding the
    用印 task, the seal select and the 用印 button (again, when the seal no longer holds)."""
    from flow.models import NodeKind, Task, TaskRole, TaskStatus
    from sealing import selectors, services

    if document is None or person is None or not getattr(document, "is_outgoing", False):
        return {"show": False}
    csrf = context.get("csrf_token")
    uses = list(selectors.uses_of(document))
    # A seal use that no longer binds the document (voided, or changed since) asks for a new one.
    stale = services.current_seal_blocker(document) if uses else None
    valid = bool(uses) and stale is None
    missing = [] if valid else services.seal_check(document)
    holds = document.is_open and Task.objects.filter(document=document, status=TaskStatus.OPEN, role=TaskRole.MAIN,
                                                     node_kind=NodeKind.SEAL, assignee=person).exists()
    return {"show": True, "document": document, "uses": uses, "missing": missing, "stale": stale,
            "can_seal": holds and not valid,
            "seals": list(selectors.usable_seals(person, document)) if holds else [], "csrf_token": csrf}
