"""Request ids (请求编号): one short id per request, shown on every error page and in every
JSON error, sent back in the ``X-Request-ID`` header and written into every log record.

A user who meets an error reads the id out to the help desk; the help desk finds the
request (and the traceback, which only the log holds) by it. A proxy in front of the
application may already have given the request an id: a sane incoming ``X-Request-ID``
is kept, so the proxy's log and ours name the same request.

Written by hand because it is a dozen lines: the id lives in a context variable, so the
logging filter and the error views read it without the request being passed around.
"""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

from django.conf import settings

HEADER = "X-Request-ID"
# Twelve hex digits (48 bits): short enough to read out over the phone, unique enough to
# find one request in the log; the same form as a proxy's ids (nginx's $request_id is hex).
OWN_ID = re.compile(r"[0-9a-f]{12}")
# What we accept from a proxy: the usual id forms (UUIDs, hex, nginx's $request_id), and
# nothing that could break a log line or a header.
SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{5,63}")

_current: ContextVar[str | None] = ContextVar("gongwen_request_id", default=None)


def new_id() -> str:
    return secrets.token_hex(6)


def current() -> str | None:
    """The id of the request being served on this thread, or None outside a request."""
    return _current.get()


def of(request) -> str:
    """The request's id; one is made (and kept on the request) if the middleware did not
    run, e.g. when a middleware before it failed, so that an error page always has one."""
    rid = getattr(request, "request_id", None) or current()
    if not rid:
        rid = new_id()
        try:
            request.request_id = rid
        except AttributeError:
            pass
    return rid


def _incoming(request) -> str | None:
    if not getattr(settings, "REQUEST_ID_FROM_PROXY", True):
        return None
    value = request.headers.get(HEADER, "")
    return value if SANE.fullmatch(value) else None


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that everything after it (and every log record written
    while the request is served) knows the id, and every response carries it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = _incoming(request) or new_id()
        request.request_id = rid
        token = _current.set(rid)
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            return response
        finally:
            _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` ("-" outside a request) for the log format to print.
    Django logs a response's status ("Not Found: /x") after the middleware has returned;
    that record carries the request, and the id is taken from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            request = getattr(record, "request", None)
            record.request_id = current() or getattr(request, "request_id", None) or "-"
        return True
