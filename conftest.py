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
