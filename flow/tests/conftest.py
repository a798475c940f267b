"""Fixtures of the service-level suites.

Argon2 is deliberately slow; the test office creates a score of accounts per test, so
the suites hash with MD5 (login itself is tested by the web and API suites).
"""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
