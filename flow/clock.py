"""The engine's clock seam: due times, reminder checks, working days and notices.

The deadlines app computes all of these from its calendar, its time-limit rules and its
reminder policy; it reads tasks, so it sits above the engine (docs/architecture.md) and the
engine must not import it. The engine names the implementation by a dotted path
(``CLOCK``) and imports it on first use, the way it names gates and effects
(flow/gates.py, flow/effects.py). tests/test_seams.py imports every dotted path.

The implementation (``deadlines.engine``) provides:

- ``task_due(document, node, start) -> (due_at, due_pending_year)``: a node's limit
  counted from ``start``; ``(None, year)`` when it falls in a year whose calendar is not
  entered (时限待定);
- ``document_due(document)``: the document's own due time (``.at``, ``.pending_year``);
- ``first_check(document, start, due)``: when the reminder scan first looks at a task;
- ``is_non_working_day(agency, at)``: weekends and holidays of the agency's calendar;
- ``notify(person, title=, body=, url=, document=)``: an in-app notice (消息).
"""

from functools import cache
from importlib import import_module

CLOCK = "deadlines.engine"


@cache
def _impl():
    return import_module(CLOCK)


def task_due(document, node: dict, start):
    return _impl().task_due(document, node, start)


def document_due(document):
    return _impl().document_due(document)


def first_check(document, start, due):
    return _impl().first_check(document, start, due)


def is_non_working_day(agency, at) -> bool:
    return _impl().is_non_working_day(agency, at)


def notify(person, **message):
    return _impl().notify(person, **message)
