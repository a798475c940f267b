"""Shared pytest fixtures: the small test office and a private file store."""

import pytest

from tests.office import Office, build_office


@pytest.fixture(autouse=True)
def _private_file_store(settings, tmp_path):
    settings.FILES_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs ~0.4 s a hash and the test office has 17 accounts; production keeps
    Argon2 (settings.PASSWORD_HASHERS), tests hash cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
