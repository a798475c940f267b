"""The client's address behind a reverse proxy we run (`make cluster`'s haproxy).

Behind a proxy every connection comes from the proxy, so the connection's address
(REMOTE_ADDR) is the same for every user: django-axes' lock per address would then lock the
login for everyone after five failures from anyone, and the audit log would name the proxy.
With GONGWEN_TRUSTED_PROXIES (the proxies' own addresses, comma-separated, e.g. 127.0.0.1),
a request *from one of them* is taken to come from the address the proxy put in
X-Forwarded-For (the last entry: the one the nearest proxy saw; our haproxy drops what the
client sent and adds only that). From any other address the header is ignored: a client that
reaches the app servers directly cannot choose its address with it. Without the setting,
REMOTE_ADDR as before.

Django has no such setting and django-axes would need python-ipware for it; the rule is
these few lines (AXES_CLIENT_IP_CALLABLE in settings)."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    trusted = getattr(settings, "TRUSTED_PROXIES", ())
    if remote and remote in trusted:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return _address(forwarded[-1]) or remote
    return remote
