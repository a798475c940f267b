"""The gate of the 用印 node (named in flow.gates' table of node-kind gates, checked by the
engine when the node is left).

It takes (document, activation) and returns None when it holds or the Chinese message
naming what is missing.
"""

from __future__ import annotations

from .services import current_seal_blocker


def sealed(document, activation):
    """The 用印 node: a current seal use that binds the 成品, the body, the printed elements
    and the valid sign-offs as they are now (sealing.services.current_seal_blocker, the
    same check as 分发's)."""
    return current_seal_blocker(document)
