"""Fixtures of the audit page and API tests: a client signed in as the 等保 controls require
(an administrator with a verified second factor, tests/auth.py), and the API suite's JSON
client with tokens."""

import pytest

from api.tests.conftest import api  # noqa: F401
from tests.auth import sign_in


@pytest.fixture
def login(client):
    def _login(person):
        return sign_in(client, person)

    return _login
