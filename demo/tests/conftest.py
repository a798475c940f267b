"""The demo office, loaded once per test module and shared by the module's tests.

Loading the demo office (``demo.office.load_demo``) takes some fifty documents through the
real services: 7–9 s on SQLite, about 20 s on PostgreSQL. The tests of what it holds
therefore share one load: a test asks for ``demo_office``; the first such test of a module
loads the demo inside an outer transaction that stays open (``_shared_demo``), every test
runs in a savepoint inside it (pytest-django's ``db``: Django's TestCase atomics nest), so
what one test changes is rolled back before the next, and the outer transaction is rolled
back when the module is done. Every other test, here and elsewhere, starts from the empty
test database as before. (So a module either shares the demo office or does without it: a
test of a sharing module that does not ask for ``demo_office`` may still see it.) The sharing
modules are marked demo_content: `make test` runs them on SQLite only (scripts/test.sh).

The clock: the demo is loaded at the module's ``demo_clock``, by default the test clock
(conftest.frozen_instant(): GONGWEN_TEST_NOW, ticking; the wall clock without it). A module
whose tests need another instant (the duty roster of a Saturday in March, the supervision
ledger of a week in November) overrides ``demo_clock`` with it, so the tests that need the
same instant share a module and one load. Each test starts at the instant the load ended
(on a stopped clock, the instant itself), as if it had just loaded the demo: a ticking
test must not travel back to the instant the load began, or what the load wrote in its
last seconds would lie in the test's future.

The demo's files (its documents' PDF bodies) are written to a directory of the load; each
test gets a copy in its own file store (conftest._private_file_store).
"""

from __future__ import annotations

import shutil
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from conftest import frozen_instant
from demo.office import LoadResult, load_demo


@dataclass(frozen=True)
class SharedDemo:
    result: LoadResult
    ended_at: datetime  # when the load was done: each test starts there
    tick: bool
    files: Path  # FILES_ROOT of the load


@pytest.fixture(scope="module")
def demo_clock() -> tuple[datetime | None, bool]:
    """(instant, tick) the module's demo office is loaded at; None: the test clock as it is."""
    return frozen_instant(), True


@pytest.fixture(scope="module")
def _shared_demo(demo_clock, django_db_setup, django_db_blocker, tmp_path_factory):
    at, tick = demo_clock
    store = tmp_path_factory.mktemp("demo-office")
    # What the function-scoped fixtures of conftest.py give a test, for the load.
    private = override_settings(
        FILES_ROOT=store / "files", AUDIT_DIR=store / "audit", AUDIT_KEY_FILE=None, AUDIT_CHECKPOINT_FILE=None,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with django_db_blocker.unblock(), private, time_machine.travel(at, tick=tick) if at else nullcontext():
            result = load_demo()
            ended_at = timezone.now()
        yield SharedDemo(result, ended_at, tick, store / "files")
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo_office(_shared_demo, db, settings) -> LoadResult:
    """The demo office, loaded (once for the module); what the test changes is rolled back."""
    if _shared_demo.files.exists():
        shutil.copytree(_shared_demo.files, settings.FILES_ROOT, dirs_exist_ok=True)
    with time_machine.travel(_shared_demo.ended_at, tick=_shared_demo.tick):
        yield _shared_demo.result
