"""件号 under concurrency on a real PostgreSQL server: eight archivist requests filing eight
documents of one partition at the same moment get 0001..0008, none twice; two requests
filing the same document file it once (the other is refused as already filed).

Runs only on PostgreSQL (GONGWEN_PG_URL; ``scripts/with_postgres.sh`` makes a throwaway one).
"""


import pytest
from django.conf import settings

from archive import services
from archive.models import ArchiveItem, ItemDocument
from audit.models import AuditHead
from flow import defaults
from flow.models import NodeDefinition, ProcessTemplate
from tests import concurrency
from tests.office import build_office

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set GONGWEN_PG_URL)"),
]


@pytest.fixture
def office(transactional_db):
    defaults.install(ProcessTemplate, NodeDefinition)
    AuditHead.objects.get_or_create(pk=1)
    return build_office()


def race(*calls, timeout: float = 60):
    """The calls raced (tests.concurrency); an unexpected error is the caller's to check."""
    return concurrency.race(*calls, timeout=timeout, fail_on=())


def test_eight_filings_at_once_get_consecutive_numbers(arch):
    docs = [arch.doc(f"第{i}件") for i in range(8)]
    services.schedule(arch.o.gov)
    outcomes = race(*[lambda d=d: services.file_item(actor=arch.archivist, documents=[d], retention="D10")
                      for d in docs])
    assert all(o[0] == "ok" for o in outcomes), outcomes
    seqs = sorted(ArchiveItem.objects.filter(retention="D10").values_list("seq", flat=True))
    assert seqs == list(range(1, 9))


def test_the_same_document_filed_twice_at_once_is_filed_once(arch):
    d = arch.doc("同一件")
    services.schedule(arch.o.gov)
    outcomes = race(lambda: services.file_item(actor=arch.archivist, documents=[d], retention="Y"),
                    lambda: services.file_item(actor=arch.archivist, documents=[d], retention="Y"))
    kinds = sorted(o[0] for o in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    assert ItemDocument.objects.filter(document=d).count() == 1
    assert ArchiveItem.objects.count() == 1
