"""Calls raced against each other on a real PostgreSQL server (the invariant-4 suites:
flow/tests/test_concurrency_pg.py, documents/tests/test_numbering_pg.py,
archive/tests/test_concurrency_pg.py). Each call runs in its own thread, on its own database
connection (closed when the thread ends), released together behind a ``threading.Barrier``."""

import threading
from collections.abc import Callable

from django.db import connection

from gongwen.errors import DomainError


def race(*calls: Callable[[], object], timeout: float = 30,
         expected: tuple[tuple[type[BaseException], str], ...] = ((DomainError, "refused"),),
         fail_on: tuple[str, ...] = ("error",)) -> list[tuple[str, object]]:
    """Run the calls together; per call, in the order given, ("ok", result), or (label, the
    exception) for an exception of an ``expected`` class, or ("error", exception). An outcome
    whose label is in ``fail_on`` fails the test; a stuck thread always does."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout)
            outcomes[i] = ("ok", call())
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            label = next((name for cls, name in expected if isinstance(exc, cls)), "error")
            outcomes[i] = (label, exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    failed = [o[1] for o in outcomes if o[0] in fail_on]
    assert not failed, f"unexpected errors: {failed!r}"
    return outcomes
