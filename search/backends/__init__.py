"""Search backends behind one interface (base.Backend), chosen by the database vendor."""

from django.db import connection

from .base import Backend, Branch, Query  # noqa: F401


def get_backend() -> "Backend":
    if connection.vendor == "postgresql":
        from .postgres import PostgresBackend

        return PostgresBackend()
    from .sqlite import SqliteBackend

    return SqliteBackend()
