"""What other apps do when the engine signs for, sends back or returns a document (签收 /
退回 / 退文).

The engine knows only the names: each effect is a dotted path called lazily, the way
``flow.gates`` names the gates of other apps (NODE_GATES), so flow imports no app that
builds on it. An effect runs inside the engine's transaction; if it raises, the whole
operation is undone. No Django signals: the tables below are the complete list.
"""

from django.utils.module_loading import import_string

# 签收 at the sign-for node (or recorded as done when a process starts past it).
SIGN_FOR_EFFECTS = ("exchange.receipts.signed_for",)
# 退文 of an incoming document (flow.services.reject): an error-book entry (错题本, C14)
# against the sending agency; a refused receipt to the sender of an exchanged document.
REJECT_EFFECTS = ("supervision.errorbook.services.rejected", "exchange.receipts.refused")
# 退回 to an earlier node (flow.services.return_task): an error-book entry against the unit
# of whoever handled the node returned to; a sealed draft sent back must be sealed again
# (the seal use is voided).
RETURN_EFFECTS = ("supervision.errorbook.services.returned", "sealing.services.returned")

# Checks run before the engine writes anything. Each may refuse (DomainError, written
# nothing) and returns what it settled — the error category with its default applied —
# which the engine records in its audit event and passes on to every effect.
RETURN_CHECKS = ("supervision.errorbook.services.check_return",)
REJECT_CHECKS = ("supervision.errorbook.services.check_reject",)

TABLES = {"SIGN_FOR_EFFECTS": SIGN_FOR_EFFECTS, "REJECT_EFFECTS": REJECT_EFFECTS, "RETURN_EFFECTS": RETURN_EFFECTS,
          "RETURN_CHECKS": RETURN_CHECKS, "REJECT_CHECKS": REJECT_CHECKS}


def _run(names, *args, **kwargs) -> None:
    for name in names:
        import_string(name)(*args, **kwargs)


def _settle(names, **kwargs) -> dict:
    settled: dict = {}
    for name in names:
        settled.update(import_string(name)(**kwargs))
    return settled


def check_return(*, error_category: str | None) -> dict:
    return _settle(RETURN_CHECKS, error_category=error_category)


def check_reject(*, error_category: str | None, kind: str) -> dict:
    return _settle(REJECT_CHECKS, error_category=error_category, kind=kind)


def signed_for(document, *, actor, at) -> None:
    _run(SIGN_FOR_EFFECTS, document, actor=actor, at=at)


def rejected(document, *, actor, reason: str, kind: str, **settled) -> None:
    _run(REJECT_EFFECTS, document, actor=actor, reason=reason, kind=kind, **settled)


def returned(document, *, actor, task, handlers, to_node: str, reason: str, **settled) -> None:
    """``task`` is the task that sent the document back, ``handlers`` the done tasks of
    the node returned to (whose unit is at fault)."""
    _run(RETURN_EFFECTS, document, actor=actor, task=task, handlers=handlers, to_node=to_node, reason=reason,
         **settled)
