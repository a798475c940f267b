"""Fixtures of the API suite: a client that speaks JSON with a bearer token per person."""

import pytest
from django.test import Client

from .helpers import ApiClient


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow and the test office makes a score of accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api(db) -> ApiClient:
    return ApiClient(Client())
