"""The page tests' fixtures (tests/pages.py): ``login`` and ``document``."""

from tests.pages import document, login  # noqa: F401
