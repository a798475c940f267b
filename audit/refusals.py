"""Refused accesses (拒绝访问) in the audit log, without a deployment-wide lock on the request.

等保 asks that every refused access to a document be recorded as a security event. The
audit chain is written under one lock (``audit.services.record`` locks the head row): taking
it on every 403 and 404 would let a crawler or a probing script queue every office's writes
behind its own refusals. So a refused request only inserts an ``AccessRefusal`` row (no lock,
no chain), and the worker folds the waiting rows into the chain as ``access.refused`` events
in batches (one lock per batch), each with the instant, the method, the path and the answer
it got, then deletes the folded rows — all in one transaction, so a row is never lost and
never folded twice.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import services
from .middleware import client_address
from .models import AccessRefusal

REFUSED = (403, 404)
# Requests whose refusal says nothing about a document: static files, the browser's icon
# request, the login pages.
SKIP = ("/static/", "/favicon.ico", "/login/", "/logout/")
BATCH = 500


def note(request, response) -> None:
    """Called by ``RefusalMiddleware`` after the response: record a 403/404 answered to a
    signed-in person or an API token holder (anonymous 404s are the internet's noise)."""
    if response.status_code not in REFUSED or request.path.startswith(SKIP):
        return
    person = getattr(request, "auth", None)  # an API caller (django-ninja sets it)
    if person is None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            person = getattr(user, "person", None)
    if person is None or getattr(person, "pk", None) is None:
        return
    AccessRefusal.objects.create(
        at=timezone.now(), actor_id=person.pk, actor_name=str(getattr(person, "name", ""))[:100],
        method=request.method[:10], path=request.get_full_path()[:300], status=response.status_code,
        client_address=client_address.get() or request.META.get("REMOTE_ADDR", "") or "")


def fold(batch: int = BATCH) -> int:
    """Move the waiting refusals into the audit chain; returns how many were folded."""
    folded = 0
    while True:
        with transaction.atomic():
            rows = list(AccessRefusal.objects.select_for_update().order_by("id")[:batch])
            if not rows:
                return folded
            for row in rows:
                token = client_address.set(row.client_address)
                try:
                    services.record(actor=_Actor(row.actor_id, row.actor_name), action="access.refused",
                                    target=("Path", row.path[:60]),
                                    new={"at": row.at, "method": row.method, "path": row.path, "status": row.status})
                finally:
                    client_address.reset(token)
            AccessRefusal.objects.filter(pk__in=[r.pk for r in rows]).delete()
            folded += len(rows)


class _Actor:
    """The person refused, as ``audit.services.record`` reads an actor (pk and name)."""

    def __init__(self, pk, name):
        self.pk, self.name = pk, name

    def __str__(self):
        return self.name
