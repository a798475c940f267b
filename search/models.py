"""The search index: one row per document (SearchEntry), written only by search.indexing.

The segmented token columns (``*_tokens``) are what the backends search: SQLite keeps an
FTS5 table (``search_fts``, external content over this table, kept in step by triggers),
PostgreSQL a generated ``tsv`` tsvector column with a GIN index; both are created by
migration 0002 for their own database only. The raw ``title``/``doc_number``/``body``/
``opinions`` are kept for the result list and its highlighted snippets. The small filter
columns come first (a row lookup reads only the start of the row).
"""

from django.db import models


class SearchEntry(models.Model):
    # The id is the order key (search.backends.base.order_key): agency, date, document.
    id = models.BigIntegerField(primary_key=True)
    document = models.OneToOneField("documents.Document", on_delete=models.CASCADE, related_name="search_entry")
    agency_id = models.BigIntegerField(db_index=False)
    secrecy = models.CharField(max_length=4, blank=True)
    doc_date = models.DateField()
    direction = models.CharField(max_length=10)
    doc_type = models.CharField(max_length=10)
    year = models.IntegerField()
    status = models.CharField(max_length=20)
    urgency = models.CharField(max_length=4, blank=True)
    lead_unit_id = models.BigIntegerField(null=True, blank=True)
    units = models.CharField(max_length=200, blank=True, help_text="|3|5|: lead and assisting units")
    received_at = models.DateTimeField(null=True, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    indexed_at = models.DateTimeField()
    title = models.CharField(max_length=300)
    doc_number = models.CharField(max_length=60, blank=True)
    sender = models.CharField(max_length=100, blank=True)
    scope_tokens = models.TextField(blank=True)
    title_tokens = models.TextField(blank=True)
    number_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    opinion_tokens = models.TextField(blank=True)
    body = models.TextField(blank=True)
    opinions = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检索索引"
        indexes = [
            models.Index(fields=["agency_id", "secrecy", "doc_date"], name="search_agency_date"),
        ]


class SearchState(models.Model):
    """The watermarks of search.indexing.refresh (one row, pk 1)."""

    document_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    opinion_id = models.BigIntegerField(default=0)
    version_id = models.BigIntegerField(default=0)
    instruction_id = models.BigIntegerField(default=0)
    history_id = models.BigIntegerField(default=0)
    audit_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
