"""Fixtures of the search tests: the test office plus the committed relevance corpus loaded
as documents of 市政府办 (o.gov), with opinions by the office's people."""

import json
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from documents.models import Document
from flow.models import Opinion
from org.models import Unit
from tests.factories import person

CORPUS = Path(__file__).resolve().parent / "corpus"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def load_documents():
    return json.loads((CORPUS / "documents.json").read_text())


def load_queries():
    return json.loads((CORPUS / "queries.json").read_text())


def load_corpus(o) -> dict[str, Document]:
    """Create the corpus documents in o.gov; returns them by key."""
    people = {p.name: p for p in o.people()}
    for name in ("郑处长", "冯处长", "卫主任", "赵主任", "陈市长", "周副市长", "吴副市长"):
        assert name in people
    units = {u.name: u for u in Unit.objects.filter(agency=o.gov)}
    out = {}
    for d in load_documents():
        unit = units.get(d["unit"]) or Unit.objects.create(agency=o.gov, name=d["unit"])
        units[d["unit"]] = unit
        day = datetime.fromisoformat(d["date"]).date()
        outgoing = d["direction"] == "outgoing"
        doc = Document.objects.create(
            agency=o.gov, direction=d["direction"], slip_kind="routine" if outgoing else "intake",
            doc_type=d["doc_type"], title=d["title"], doc_number=d["doc_number"], sender_name=d["sender"],
            lead_unit=unit, urgency=d["urgency"], issued_on=day if outgoing else None,
            received_at=datetime.combine(day, time(9), tzinfo=SHANGHAI),
            body_blocks=[{"level": 0, "text": d["body"]}], body_mode="structured" if outgoing else "")
        for op in d["opinions"]:
            Opinion.objects.create(document=doc, author=people[op["author"]], node_kind="instruct",
                                   node_name="批示", text=op["text"])
        out[d["key"]] = doc
    return out


@pytest.fixture
def corpus(office):
    return load_corpus(office)


@pytest.fixture
def head_fin(office):
    fin = Unit.objects.get_or_create(agency=office.gov, name="财务处")[0]
    return person(office.gov, "何处长", "head_fin", "division_head", unit=fin)
