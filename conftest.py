"""Shared pytest fixtures: the small test office and a private file store."""

import pytest

from tests.office import Office, build_office


@pytest.fixture(autouse=True)
def _private_file_store(settings, tmp_path):
    settings.FILES_ROOT = tmp_path / "files"


@pytest.fixture
def office(db) -> Office:
    return build_office()
