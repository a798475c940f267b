"""The gate of the 分发 node (named in flow.gates' table of node-kind gates, checked by the
engine when the node is left).

It takes (document, activation) and returns None when it holds or the Chinese message
naming what is missing.
"""

from __future__ import annotations

from django.db.models import Q

from .models import Delivery


def dispatched(document, activation):
    """Every recipient of the outgoing document delivered to (exchange.services.dispatch)."""
    pending = document.recipients.filter(~Q(pk__in=Delivery.objects.filter(document=document).values("recipient_id")))
    names = [r.name for r in pending[:5]]
    if names:
        return f"尚未分发：{'、'.join(names)}。"
    return None
