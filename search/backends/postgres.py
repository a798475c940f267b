"""PostgreSQL backend: the generated ``tsv`` column (the token lists cast to tsvector,
weights A title/文号, B opinions, C body; scope tokens prefixed ``_`` so no content token can
equal one) and its GIN index (migration 0002). Newest-first orders by the id (the order
key); relevance is ts_rank with weights D 0, C 0.2, B 0.5, A 1 over the content tokens OR-ed (with
AND, ts_rank scores by the distance between the terms' positions, which mean nothing here)."""

# ruff: noqa: S608 — the SQL is assembled from fixed fragments and integers; every value the
# user typed (the match expression / tsquery) is passed as a query parameter.

from __future__ import annotations

from django.db import connection, transaction

from .base import COUNT_CAP, RANK_CANDIDATES, Backend, Branch, Query, key_range

WEIGHTS = "'{0.0, 0.2, 0.5, 1.0}'"


def _q(token: str) -> str:
    return "'" + token.replace("'", "").replace("\\", "") + "'"


def tsquery(query: Query, branch: Branch) -> str:
    parts = []
    for term in query.terms:
        parts += [_q(t) for t in term]
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
        # search's own transaction room for an exact bitmap.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
            return super().run(query)

    def _where(self, query, branch):
        tsq = tsquery(query, branch)
        where, params = (["tsv @@ %s::tsquery"], [tsq]) if tsq else (["TRUE"], [])
        if branch.agency is not None:
            lo, hi = key_range(branch.agency, query.date_from, query.date_to)
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

    def branch_page(self, query, branch, n):
        sql_where, params = self._where(query, branch)
        capped = False
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM (SELECT id FROM search_searchentry WHERE {sql_where} "
                           f"LIMIT {COUNT_CAP}) capped", params)
            total = cursor.fetchone()[0]
            if not total or n <= 0:
                return [], total, False
            rank_query = " | ".join(_q(t) for term in query.terms for t in term)
            if query.sort == "relevance" and rank_query:
                if total > RANK_CANDIDATES:
                    capped = True
                cursor.execute(
                    f"SELECT -ts_rank({WEIGHTS}, tsv, %s::tsquery) AS score, id FROM ("
                    f"SELECT id, tsv FROM search_searchentry WHERE {sql_where} ORDER BY id DESC "
                    f"LIMIT {RANK_CANDIDATES}) c ORDER BY score, id DESC LIMIT {int(n)}",
                    [rank_query, *params])
                rows = [(float(score), int(i)) for score, i in cursor.fetchall()]
            else:
                cursor.execute(f"SELECT id FROM search_searchentry WHERE {sql_where} ORDER BY id DESC "
                               f"LIMIT {int(n)}", params)
                rows = [(-float(i), int(i)) for (i,) in cursor.fetchall()]
        return rows, total, capped
