"""What other apps do when the engine signs for, sends back or returns a document (签收 /
退回 / 退文).

The engine knows only the names: each effect is a dotted path called lazily, the way
``flow.gates`` calls the drafting gates, so flow imports no app that builds on it. An
effect runs inside the engine's transaction; if it raises, the whole operation is undone.
No Django signals: the table below is the complete list.
"""

from django.utils.module_loading import import_string

# 签收 at the sign-for node (or recorded as done when a process starts past it).
SIGN_FOR_EFFECTS = ("exchange.receipts.signed_for",)
# 退文 of an incoming document (flow.services.reject).
REJECT_EFFECTS = ("exchange.receipts.refused",)
# 退回 to an earlier node (flow.services.return_task): a sealed draft sent back must be
# sealed again (the seal use is voided).
RETURN_EFFECTS = ("sealing.services.returned",)


def _run(names, *args, **kwargs) -> None:
    for name in names:
        import_string(name)(*args, **kwargs)


def signed_for(document, *, actor, at) -> None:
    _run(SIGN_FOR_EFFECTS, document, actor=actor, at=at)


def rejected(document, *, actor, reason: str, kind: str) -> None:
    _run(REJECT_EFFECTS, document, actor=actor, reason=reason, kind=kind)


def returned(document, *, actor, to_node: str, reason: str) -> None:
    _run(RETURN_EFFECTS, document, actor=actor, to_node=to_node, reason=reason)
