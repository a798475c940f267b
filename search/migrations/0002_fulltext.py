"""Full-text structures, each only on its own database:

* SQLite: ``search_fts``, an FTS5 table with external content (the ``*_tokens`` columns
  of search_searchentry, rowid = its id, tokenizer unicode61 over our space-separated
  tokens), and the three triggers that keep it in step with the table.
* PostgreSQL: ``tsv``, a generated tsvector column built straight from the token lists
  (cast to tsvector: no text-search parser, the tokens are the lexemes; title and 文号 weight A,
  opinions B, body C), plus the scope tokens (agency, 密级 class, year, 文种 …) prefixed
  with ``_`` (weight D) so a clerk's query intersects in the GIN index; and the GIN index.
"""

from django.db import migrations

FTS_COLUMNS = "title_tokens, number_tokens, body_tokens, opinion_tokens, scope_tokens"
NEW = ", ".join(f"new.{c.strip()}" for c in FTS_COLUMNS.split(","))
OLD = ", ".join(f"old.{c.strip()}" for c in FTS_COLUMNS.split(","))

SQLITE = [
    f"CREATE VIRTUAL TABLE search_fts USING fts5({FTS_COLUMNS}, content='search_searchentry', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0', detail='column')",
    f"CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN "
    f"INSERT INTO search_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, {NEW}); END",
    f"CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchentry BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, {FTS_COLUMNS}) VALUES ('delete', old.id, {OLD}); END",
    f"CREATE TRIGGER search_fts_au AFTER UPDATE ON search_searchentry BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, {FTS_COLUMNS}) VALUES ('delete', old.id, {OLD}); "
    f"INSERT INTO search_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, {NEW}); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_fts_au", "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai", "DROP TABLE IF EXISTS search_fts",
]


def _vec(column, weight, prefix=""):
    # Each token gets position 1 and the column's weight ("tok:1A"): array_to_tsvector would
    # give lexemes without positions, and a weight lives on a position.
    return f"regexp_replace({column}, '(\\S+)', '{prefix}\\1:1{weight}', 'g')::tsvector"


POSTGRES = [
    "ALTER TABLE search_searchentry ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    + " || ".join([_vec("title_tokens", "A"), _vec("number_tokens", "A"), _vec("opinion_tokens", "B"),
                   _vec("body_tokens", "C"), _vec("scope_tokens", "D", "_")])
    + ") STORED",
    "CREATE INDEX search_tsv_gin ON search_searchentry USING gin (tsv)",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS search_tsv_gin", "ALTER TABLE search_searchentry DROP COLUMN tsv"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
