"""Invariant 5 on a real PostgreSQL server: 发文字号 are consecutive per 代字 and year under
concurrency. Twenty clerks' requests number twenty different documents at their 编号 node
at the same moment: the numbers are 1..20, none twice, none missing. An allocation whose
transaction rolls back (while another numbering waits on the counter) gives its number
back: the next document gets it, and the ledger has no gap.

Threads start together behind a ``threading.Barrier``, each on its own database
connection (closed at the end of the thread), as in flow/tests/test_concurrency_pg.py. Runs
only on PostgreSQL (GONGWEN_PG_URL; ``scripts/with_postgres.sh`` makes a throwaway one).
"""

import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import AuditHead
from audit.services import verify_chain
from documents.models import IssuedNumber, NumberCounter, NumberSeries
from drafting import body
from drafting import services as drafting
from flow import defaults
from flow import services as flow
from flow.models import NodeDefinition, ProcessTemplate
from gongwen.errors import DomainError
from tests import concurrency
from tests.helpers import open_task
from tests.office import build_office

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set GONGWEN_PG_URL)"),
]

BLOCKS = [{"level": 0, "text": "为进一步做好道路运输安全工作，现将有关事项通知如下。"},
          {"level": 1, "text": "一、提高认识"}, {"level": 0, "text": "各单位要高度重视。"}]


class Rollback(Exception):
    pass


def race(*calls: Callable[[], object], timeout: float = 60) -> list[tuple[str, object]]:
    """Run the calls in threads released together (tests.concurrency): ("ok", result) or
    ("rolled back", None) per call, in the order given; anything else fails the test."""
    outcomes = concurrency.race(*calls, timeout=timeout,
                                expected=((Rollback, "rolled back"), (DomainError, "refused")),
                                fail_on=("error", "refused"))
    return [(label, None if label == "rolled back" else value) for label, value in outcomes]


@pytest.fixture
def office(transactional_db):
    defaults.install(ProcessTemplate, NodeDefinition)
    AuditHead.objects.get_or_create(pk=1)
    return build_office()


def at_number_node(o, n: int):
    """A routine draft driven through the services to its 编号 node: the clerk's task."""
    document = drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title=f"示范市人民政府办公室关于做好第{n}批道路运输安全检查工作的通知",
        main_to=[o.dept.pk], publicity="主动公开"))
    body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    for person, opinion in ((o.handler_a, "请审核。"), (o.head_a, "同意。"), (o.secretary, "已核。"),
                            (o.director, "请签发。")):
        flow.send_on(open_task(document, person).pk, actor=person, opinion=opinion)
    drafting.sign_off(open_task(document, o.leader_a).pk, actor=o.leader_a, opinion="同意印发。")
    flow.send_on(open_task(document, o.secretary).pk, actor=o.secretary, opinion="已复核。")
    return open_task(document, o.clerk)


def test_twenty_documents_numbered_at_once_get_1_to_20(office):
    o = office
    series = NumberSeries.objects.create(agency=o.gov, code="示府办发", name="府办发文")
    tasks = [at_number_node(o, n) for n in range(1, 21)]
    outcomes = race(*[lambda t=t: drafting.number(t.pk, actor=o.clerk, series_id=series.pk) for t in tasks])
    year = timezone.localdate().year
    numbers = [result for _, result in outcomes]
    assert sorted(n.seq for n in numbers) == list(range(1, 21))
    assert len({n.number for n in numbers}) == 20
    assert len({n.document_id for n in numbers}) == 20
    ledger = list(IssuedNumber.objects.filter(series=series, year=year).order_by("seq"))
    assert [n.seq for n in ledger] == list(range(1, 21))
    assert all(n.number == f"示府办发〔{year}〕{n.seq}号" and n.document.doc_number == n.number for n in ledger)
    assert NumberCounter.objects.get(series=series, year=year).last == 20
    ok, message, _ = verify_chain()
    assert ok, message


def test_a_rolled_back_allocation_leaves_no_gap(office):
    o = office
    series = NumberSeries.objects.create(agency=o.gov, code="示府办函", name="府办函")
    first, dropped, waiting = (at_number_node(o, n) for n in (1, 2, 3))
    drafting.number(first.pk, actor=o.clerk, series_id=series.pk)  # 1

    def allocate_then_fail():
        with transaction.atomic():
            issued = drafting.number(dropped.pk, actor=o.clerk, series_id=series.pk)
            assert issued.seq == 2
            time.sleep(0.5)  # the other numbering waits on the counter meanwhile
            raise Rollback

    def number_after_a_moment():
        time.sleep(0.1)  # let the failing one take the counter first
        return drafting.number(waiting.pk, actor=o.clerk, series_id=series.pk)

    outcomes = race(allocate_then_fail, number_after_a_moment)
    assert outcomes[0] == ("rolled back", None)
    assert outcomes[1][1].seq == 2  # the rolled-back number is given again: no gap
    dropped_doc = dropped.document
    dropped_doc.refresh_from_db()
    assert dropped_doc.doc_number == ""
    drafting.number(dropped.pk, actor=o.clerk, series_id=series.pk)
    year = timezone.localdate().year
    assert list(IssuedNumber.objects.filter(series=series, year=year).order_by("seq").values_list(
        "seq", flat=True)) == [1, 2, 3]
