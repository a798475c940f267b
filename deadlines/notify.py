"""In-app notifications (消息) and their e-mail copies: the one way every app tells a
person something (reminders, escalations, supervision notices). E-mail goes through
Django's mail settings (the console backend in the demo) after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .models import Notification


def notify(recipient, *, title: str, body: str = "", url: str = "", document=None, email: bool = True) -> Notification:
    """Tell ``recipient`` something; must run inside the caller's transaction. About a
    classified document, someone outside its scope is told only 密件（份号…） (C07)."""
    if document is not None and getattr(document, "secrecy", ""):
        from documents.classified import masked_notice

        masked = masked_notice(recipient, document, title, body)
        if masked is not None:
            (title, body), url = masked, ""
    note = Notification.objects.create(recipient=recipient, title=title[:200], body=body[:1000], url=url[:200],
                                       document=document)
    address = getattr(getattr(recipient, "user", None), "email", "")
    if email and address:
        def _send():
            send_mail(f"【公文系统】{title}"[:200], f"{body}\n\n{url}".strip(), settings.DEFAULT_FROM_EMAIL, [address],
                      fail_silently=True)
        transaction.on_commit(_send)
    return note


def unread_count(person) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()
