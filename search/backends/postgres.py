"""PostgreSQL backend: the generated ``tsv`` column (the token lists cast to tsvector,
weights A title/文号, B opinions, C body; scope tokens prefixed ``_`` so no content token can
equal one) and its GIN index (migration 0002). Newest-first orders by the id (the order
key); relevance is ts_rank with weights D 0, C 0.2, B 0.5, A 1 over the content tokens OR-ed (with
AND, ts_rank scores by the distance between the terms' positions, which mean nothing here)."""

# ruff: noqa: S608 — the SQL is assembled from fixed fragments and integers; every value the
# user typed (the match expression / tsquery) is passed as a query parameter.

from __future__ import annotations

import re
from datetime import date

from django.db import connection, transaction

from .base import COUNT_CAP, DAY_SHIFT, RANK_CANDIDATES, Backend, Branch, Query, key_range

WEIGHTS = "'{0.0, 0.2, 0.5, 1.0}'"
FIRST_WINDOW = 30  # days: the first date window probed for the newest matches (see _newest)
WALK_ROWS = 25_000  # a window of at most this many rows is walked by primary key, not bitmapped
WINDOW_ABOVE = 2000  # fewer matches than this: one query over the whole range


def _q(token: str) -> str:
    return "'" + token.replace("'", "").replace("\\", "") + "'"


def agency_range(query: Query, branch: Branch) -> tuple[int, int]:
    """The branch's agency id range, narrowed to the year of a year filter (``y2025``: the year
    of the document date, search/indexing.py) so the date windows start inside it."""
    date_from, date_to = query.date_from, query.date_to
    for group in query.facets:
        m = re.fullmatch(r"y(\d{4})", group[0]) if len(group) == 1 else None
        if m:
            year = int(m.group(1))
            date_from = max(date_from or date(year, 1, 1), date(year, 1, 1))
            date_to = min(date_to or date(year, 12, 31), date(year, 12, 31))
    if date_from and date_to and date_from > date_to:
        date_to = date_from  # nothing matches both; the year token in the tsquery says so
    return key_range(branch.agency, date_from, date_to)


def tsquery(query: Query, branch: Branch) -> str:
    parts = []
    weight = ":A" if query.fields == "meta" else ""  # title and 文号/来文机关 are weight A
    for term in query.terms:
        parts += [_q(t) + weight for t in term]
    parts += [_q("_" + t) for t in branch.scope]
    if branch.agency is not None:  # the GIN index intersects with the agency's lexeme too
        parts.append(_q(f"_a{int(branch.agency)}"))
    for group in query.facets:
        parts.append("(" + " | ".join(_q("_" + t) for t in group) + ")")
    parts += ["!" + _q("_" + t) for t in branch.exclude]
    return " & ".join(parts)


class PostgresBackend(Backend):
    name = "postgresql-tsvector"

    def run(self, query):
        # A common term's bitmap over a large agency outgrows the default 4 MB work_mem and
        # goes lossy (every row of a lossy page rechecked, its tsvector read): give the
        # search's own transaction room for an exact bitmap. JIT compiling pays off only for
        # long analytic queries; for these it adds its compile time to every query.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute("SET LOCAL jit = off")
            return super().run(query)

    def _where(self, query, branch, ranged=True):
        """ranged=False: without the agency's id range when no date narrows it (the agency's
        lexeme in the tsquery already selects exactly those rows; for a count the range only
        adds a bitmap of the agency's whole id range to intersect)."""
        tsq = tsquery(query, branch)
        where, params = (["tsv @@ %s::tsquery"], [tsq]) if tsq else (["TRUE"], [])
        lo, hi = agency_range(query, branch) if branch.agency is not None else (0, 0)
        if branch.agency is not None and not ranged and tsq and (lo, hi) == key_range(branch.agency, None, None):
            pass
        elif branch.agency is not None:
            where.append("id BETWEEN %s AND %s")
            params += [lo, hi]
        if branch.document_ids is not None or (branch.agency is None and (query.date_from or query.date_to)):
            inner, inner_params = [], []
            if branch.document_ids is not None:
                inner.append("document_id IN (" + ",".join(str(int(i)) for i in branch.document_ids) + ")")
            if branch.agency is None and query.date_from:
                inner.append("doc_date >= %s")
                inner_params.append(query.date_from)
            if branch.agency is None and query.date_to:
                inner.append("doc_date <= %s")
                inner_params.append(query.date_to)
            where.append(f"id IN (SELECT id FROM search_searchentry WHERE {' AND '.join(inner)})")
            params += inner_params
        return " AND ".join(where), params

    def matching_document_ids(self, query, branch, cap):
        sql_where, params = self._where(query, branch)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT document_id FROM search_searchentry WHERE {sql_where} ORDER BY id DESC "
                           f"LIMIT {int(cap)}", params)
            return [row[0] for row in cursor.fetchall()]

    def _newest(self, cursor, query, branch, sql_where, params, n, total):
        """The ids of the n newest matches. Over an agency's id range with many matches, date
        windows are probed from its newest row backwards: a window is a narrow id range. The
        first (the last ``FIRST_WINDOW`` days) is read by walking the primary key backwards and
        testing each row (a few thousand rows, where the GIN bitmap of a common term would
        cost more than the whole query); the next is sized from the matches found in the first
        (walked too when it holds at most WALK_ROWS rows, else the planner's choice, which
        intersects the GIN bitmap with the range), then the whole range. The first window holding n matches gives exactly the n newest."""
        sql = f"SELECT id FROM search_searchentry WHERE {sql_where} AND id >= %s ORDER BY id DESC LIMIT {int(n)}"
        lo, hi = agency_range(query, branch) if branch.agency is not None else (0, 0)
        if branch.agency is None or total <= WINDOW_ABOVE:
            cursor.execute(sql, [*params, lo])
            return [int(i) for (i,) in cursor.fetchall()]
        cursor.execute("SELECT max(id) FROM search_searchentry WHERE id BETWEEN %s AND %s", [lo, hi])
        top = cursor.fetchone()[0] or hi
        start = max(lo, top - (FIRST_WINDOW << DAY_SHIFT))
        ids = self._walk(cursor, sql, params, start)
        if len(ids) >= n or start <= lo:
            return ids
        days = int(FIRST_WINDOW * 2 * n / max(len(ids), 1)) + 1
        first = start
        start = max(lo, top - (days << DAY_SHIFT)) if days < (1 << 16) else lo
        cursor.execute("SELECT count(*) FROM search_searchentry WHERE id BETWEEN %s AND %s", [first, hi])
        if cursor.fetchone()[0] * days / FIRST_WINDOW <= WALK_ROWS:
            ids = self._walk(cursor, sql, params, start)
        else:
            cursor.execute(sql, [*params, start])
            ids = [int(i) for (i,) in cursor.fetchall()]
        if len(ids) >= n or start <= lo:
            return ids
        cursor.execute(sql, [*params, lo])
        return [int(i) for (i,) in cursor.fetchall()]

    def _walk(self, cursor, sql, params, start):
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        try:
            cursor.execute(sql, [*params, start])
            return [int(i) for (i,) in cursor.fetchall()]
        finally:
            cursor.execute("SET LOCAL enable_bitmapscan = on")

    def branch_page(self, query, branch, n):
        sql_where, params = self._where(query, branch)
        count_where, count_params = self._where(query, branch, ranged=False)
        capped = False
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM search_searchentry WHERE {count_where} "
                           f"LIMIT {COUNT_CAP}) capped", count_params)
            total = cursor.fetchone()[0]
            if not total or n <= 0:
                return [], total, False
            rank_query = " | ".join(_q(t) for term in query.terms for t in term)
            if query.sort == "relevance" and rank_query:
                capped = total > RANK_CANDIDATES
                # Rank the RANK_CANDIDATES newest matches, read by primary key.
                ids = self._newest(cursor, query, branch, sql_where, params, RANK_CANDIDATES, total)
                cursor.execute(
                    f"SELECT -ts_rank({WEIGHTS}, tsv, %s::tsquery) AS score, id FROM search_searchentry "
                    f"WHERE id = ANY(%s) ORDER BY score, id DESC LIMIT {int(n)}", [rank_query, ids])
                rows = [(float(score), int(i)) for score, i in cursor.fetchall()]
            else:
                ids = self._newest(cursor, query, branch, sql_where, params, n, total)
                rows = [(-float(i), i) for i in ids]
        return rows, total, capped
