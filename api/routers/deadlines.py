"""API of the deadlines app."""

from ninja import Router

router = Router(tags=["deadlines"])
