"""SQLite FTS5 backend: ``search_fts`` (external content over search_searchentry, see
migration 0002). Content tokens are searched in the four text columns, scope tokens only in
``scope_tokens``; newest-first walks the FTS rowids backwards (ORDER BY rowid DESC)."""

# ruff: noqa: S608 — the SQL is assembled from fixed fragments and integers; every value the
# user typed (the match expression / tsquery) is passed as a query parameter.

from __future__ import annotations

from django.db import connection

from .base import COUNT_CAP, RANK_CANDIDATES, Backend, Branch, Query, key_range

TEXT = "{title_tokens number_tokens body_tokens opinion_tokens}"
META = "{title_tokens number_tokens}"  # Query.fields == "meta"
# bm25 weights by column: title, number/sender, body, opinions, scope.
BM25 = "bm25(search_fts, 10.0, 8.0, 1.0, 3.0, 0.0)"


def _q(token: str) -> str:
    return '"' + token.replace('"', "") + '"'


def match_expression(query: Query, branch: Branch) -> str:
    parts = []
    columns = META if query.fields == "meta" else TEXT
    for term in query.terms:
        parts.append("(" + " AND ".join(f"{columns} : {_q(t)}" for t in term) + ")")
    for token in branch.scope:
        parts.append(f"scope_tokens : {_q(token)}")
    for group in query.facets:
        parts.append("(" + " OR ".join(f"scope_tokens : {_q(t)}" for t in group) + ")")
    expr = " AND ".join(parts)
    # FTS5's NOT needs something to take away from: with no term, scope or facet (an empty
    # search with only a date range) the exclusion is made in SQL instead (SqliteBackend._where).
    for token in branch.exclude if expr else ():
        expr = f"({expr}) NOT scope_tokens : {_q(token)}"
    return expr


# Up to this many visible documents, a term's matches are looked up row by row (see _where).
ROWID_LOOKUPS = 500


class SqliteBackend(Backend):
    name = "sqlite-fts5"

    def _where(self, query, branch):
        expr = match_expression(query, branch)
        # No term and no scope token (someone's visible ids with a date range only): the
        # rowid list alone (FTS5 looks rowids up one by one).
        where, params = (["search_fts MATCH %s"], [expr]) if expr else (["1"], [])
        if branch.exclude and not expr:
            # The excluded scope (s1, the classified documents) is a short posting list.
            where.append("rowid NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)")
            params.append(" OR ".join(f"scope_tokens : {_q(t)}" for t in branch.exclude))
        if branch.agency is not None:
            lo, hi = key_range(branch.agency, query.date_from, query.date_to)
            where.append("rowid BETWEEN %s AND %s")
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
            # With a term, FTS5 drives a plain ``rowid IN`` by rowid: one full-text lookup per
            # listed row (0.1 ms each: 3.1 s for a leader who may see 25,000 documents, at
            # 100,000 measured). Past a few hundred rows, ``+rowid`` (not a constraint FTS5 is
            # offered) scans the term's matches once and filters them: 80 ms there.
            many = branch.document_ids is None or len(branch.document_ids) > ROWID_LOOKUPS
            column = "+rowid" if expr and many else "rowid"
            where.append(f"{column} IN (SELECT id FROM search_searchentry WHERE {' AND '.join(inner)})")
            params += inner_params
        return " AND ".join(where), params

    def matching_document_ids(self, query, branch, cap):
        sql_where, params = self._where(query, branch)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT e.document_id FROM search_searchentry e WHERE e.id IN ("
                           f"SELECT rowid FROM search_fts WHERE {sql_where} ORDER BY rowid DESC LIMIT {int(cap)})",
                           params)
            return [row[0] for row in cursor.fetchall()]

    def branch_page(self, query, branch, n):
        sql_where, params = self._where(query, branch)
        capped = False
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM (SELECT rowid FROM search_fts WHERE {sql_where} "
                           f"LIMIT {COUNT_CAP}) capped", params)
            total = cursor.fetchone()[0]
            if not total or n <= 0:
                return [], total, False
            if query.sort == "relevance":
                rank_where, rank_params = sql_where, list(params)
                if total > RANK_CANDIDATES:
                    capped = True
                    cursor.execute(f"SELECT rowid FROM search_fts WHERE {sql_where} ORDER BY rowid DESC "
                                   f"LIMIT 1 OFFSET {RANK_CANDIDATES - 1}", params)
                    rank_where += " AND rowid >= %s"
                    rank_params.append(cursor.fetchone()[0])
                cursor.execute(f"SELECT {BM25}, rowid FROM search_fts WHERE {rank_where} "
                               f"ORDER BY 1, rowid DESC LIMIT {int(n)}", rank_params)
                rows = [(float(score), int(rowid)) for score, rowid in cursor.fetchall()]
            else:
                cursor.execute(f"SELECT rowid FROM search_fts WHERE {sql_where} ORDER BY rowid DESC "
                               f"LIMIT {int(n)}", params)
                rows = [(-float(rowid), int(rowid)) for (rowid,) in cursor.fetchall()]
        return rows, total, capped
