"""Shared pytest fixtures: the small test office, a private file store and the test clock.

The test clock (``GONGWEN_TEST_NOW``): with an ISO instant such as
``2026-12-31T16:00+08:00`` in the environment, every test starts at that instant and the
clock ticks from there (time-machine patches the whole process, so the live server's
threads see it too, and tests/browser.py gives Chromium the same time). ``make test`` runs
the suites that touch time at several such instants (scripts/test.sh), so that a test whose
expectation silently depends on the wall clock fails in CI at once, not at 17:27 on some
working day or on 31 December. A test that needs a particular moment still freezes its own
clock inside (time-machine nests).
"""

import os
from datetime import datetime

import pytest
import time_machine

from tests.office import Office, build_office


@pytest.fixture(autouse=True)
def _private_file_store(settings, tmp_path):
    settings.FILES_ROOT = tmp_path / "files"
    # the audit key and checkpoint file (outside the database) are the test's own too
    settings.AUDIT_DIR = tmp_path / "audit"
    settings.AUDIT_KEY_FILE = settings.AUDIT_CHECKPOINT_FILE = None


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs ~0.4 s a hash and the test office has 17 accounts; production keeps
    Argon2 (settings.PASSWORD_HASHERS), tests hash cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def frozen_instant() -> datetime | None:
    """The instant every test starts at (``GONGWEN_TEST_NOW``), or None for the wall clock."""
    value = os.environ.get("GONGWEN_TEST_NOW", "").strip()
    if not value:
        return None
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise pytest.UsageError(f"GONGWEN_TEST_NOW={value!r} needs a UTC offset, e.g. 2026-12-31T16:00+08:00")
    return instant


def pytest_report_header(config):
    instant = frozen_instant()
    return f"test clock: every test starts at {instant.isoformat()}" if instant else "test clock: wall clock"


@pytest.fixture(autouse=True)
def _test_clock():
    instant = frozen_instant()
    if instant is None:
        yield
        return
    with time_machine.travel(instant, tick=True):
        yield


@pytest.fixture
def office(db) -> Office:
    return build_office()


def reinstall_data_migrations() -> None:
    """Run every data migration's forward function again (each is idempotent). A
    transactional test's database is flushed after each test, which empties the tables
    the data migrations filled: the default templates, the working calendar and the
    time-limit rules, the audit head row, the worker's schedules."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    ours = {"audit", "org", "documents", "flow", "deadlines", "supervision", "stats", "api", "web"}
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    for node in sorted(n for n in loader.graph.nodes if n[0] in ours):
        for operation in loader.graph.nodes[node].operations:
            if isinstance(operation, RunPython):
                operation.code(apps, None)


@pytest.fixture(autouse=True)
def _data_migrations_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server"))
    if transactional:
        request.getfixturevalue("transactional_db")
        reinstall_data_migrations()


# Fixtures through which a test reaches the database. A test whose fixture closure holds none
# of them (and that has no django_db mark) runs the same code whatever the database is.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
                     "live_server"}


def uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(DATABASE_FIXTURES & set(item.fixturenames))


def pytest_collection_modifyitems(config, items):
    """``GONGWEN_DATABASE_TESTS_ONLY=1`` (the PostgreSQL run of ``make test``): only the tests
    that use the database. The others (a PDF rendered, a checker's corpus, the calendar's
    properties) run the same code on any database and already ran on SQLite.

    The browser walks of ``make test`` collect only the modules that name the marker
    (scripts/test.sh, ``browser_modules``: a grep for ``mark.browser``); a browser test marked
    some other way would be left out of them, so it stops the run here instead."""
    for item in items:
        if item.get_closest_marker("browser") and "mark.browser" not in item.path.read_text(encoding="utf-8"):
            raise pytest.UsageError(f"{item.nodeid}: mark browser tests with pytest.mark.browser in their own "
                                    "module (scripts/test.sh finds the browser walks by that text)")
    if os.environ.get("GONGWEN_DATABASE_TESTS_ONLY") != "1":
        return
    keep = [item for item in items if uses_database(item)]
    dropped = [item for item in items if not uses_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
