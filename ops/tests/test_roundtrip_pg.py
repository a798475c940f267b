"""The round trip on PostgreSQL: the test database (the test office, a document with three
stored files, audit events and a signed checkpoint) is backed up with ``manage.py backup``
(``pg_dump --format=custom``); ``manage.py restore`` then runs in a subprocess against a
second database on the same server — once a database just created (no tables), once one
``migrate`` has just filled (default rows only; restore drops its tables and ``pg_restore``
fills it) — with its own files root and audit directory. The restored deployment must hold
the same rows in every table, every stored file under its SHA-256, and ``verify_audit`` must
pass.

Runs only on PostgreSQL (GONGWEN_PG_URL; ``scripts/with_postgres.sh`` makes a throwaway
server, whose role may create databases). pg_dump and pg_restore come with Debian's
postgresql package (``scripts/sysdeps.sh test``).
"""

import hashlib
import os
import uuid
from io import StringIO
from urllib.parse import urlparse, urlunparse

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from ops.tests.support import build_source, state, target

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set GONGWEN_PG_URL)"),
]


@pytest.fixture
def source(transactional_db):
    return build_source()


@pytest.fixture
def database_url():
    """A new, empty database on the test server; its URL. Dropped afterwards."""
    names = []

    def make() -> str:
        name = f"gongwen_restore_{uuid.uuid4().hex[:12]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return urlunparse(urlparse(os.environ["GONGWEN_PG_URL"])._replace(path=f"/{name}"))

    yield make
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_round_trip_into_a_new_and_into_a_migrated_database(source, database_url, tmp_path):
    out = StringIO()
    call_command("backup", str(tmp_path / "backup"), stdout=out)
    assert "备份完成" in out.getvalue() and (tmp_path / "backup" / "database.pgdump").exists()
    expected = state()
    assert len(expected["files"]) == source.files

    for kind in ("new", "migrated"):
        deployment = target(tmp_path / kind, pg_url=database_url())
        if kind == "migrated":
            done = deployment.manage("migrate", "--noinput", "-v", "0")
            assert done.returncode == 0, done.stderr
        done = deployment.manage("restore", str(tmp_path / "backup"))
        assert done.returncode == 0, f"{kind}: {done.stdout}\n{done.stderr}"
        assert "恢复完成，校验通过" in done.stdout.splitlines()[-1]

        restored = deployment.state()
        assert restored["audit"] == "ok", restored["audit"]
        assert restored["counts"] == expected["counts"], kind
        assert restored["files"] == expected["files"]
        for rel, sha256 in restored["files"]:
            assert hashlib.sha256((deployment.files_root / rel).read_bytes()).hexdigest() == sha256

        again = deployment.manage("restore", str(tmp_path / "backup"))  # now it holds data
        assert again.returncode != 0 and "目标部署不是空的" in again.stderr
