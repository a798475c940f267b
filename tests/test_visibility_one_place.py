"""Who sees a document is decided in one place: ``documents.access`` (issue 15, item 4).

Static: ``documents`` imports nothing above it (the rule reaches tasks, copies,
registration and reading scope through the reverse relations on ``Document``); outside
``secrecy`` no module asks ``secrecy.access`` a visibility question (it supplies data:
registrar, approver, clearance); no module outside ``documents.access`` writes its own
"unclassified only" / "within these levels" filter on documents.

Dynamic (extends tests/test_leak.py, whose scene and crawl it reuses): the classified
draft of the leak scene is given a 发文字号, so the 发文登记簿 — page, print, Excel and
the API's ``/numbers``, all read through ``drafting.selectors.issued_numbers`` — holds a
row about it. Office staff outside its reach (the clerk cleared for 绝密, the office
director) crawl every list, ledger, export, search and API path: the title is nowhere,
and voiding the number is 404; the agency's 机要员 does see the row (the test can fail).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

from documents import access
from documents.models import Document, IssuedNumber, NumberSeries

from .test_leak import crawl, leaks, scene  # noqa: F401  (the leak test's scene, reused)

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", "node_modules", "var", "test-artifacts", "static", "migrations", "__pycache__", ".git",
             "tests", "bench", "scripts"}
# The packages above ``documents`` in the layers (.importlinter).
ABOVE_DOCUMENTS = {"ui", "flow", "deadlines", "incoming", "drafting", "supervision", "secrecy", "sealing",
                   "exchange", "archive", "stats", "search", "web", "api", "demo", "server"}
# What secrecy.access supplies to the rest of the code: data, not visibility.
SECRECY_DATA = {"APPROVER_POSTS", "can_approve", "clears", "is_registrar", "may_use_pages", "require_registrar"}
# Modules that still filter documents by 密级 themselves, each with the reason it is not a
# second visibility rule (or why it is left for now).
OWN_SECRECY_FILTERS: dict[str, str] = {}


def _sources(top: str | None = None):
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if SKIP_DIRS & set(rel.parts) or len(rel.parts) < 2 or (top and rel.parts[0] != top):
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))


def _imported_modules(tree) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
    return out


def test_documents_imports_nothing_above_it():
    """Not even inside a function: the visibility rule needs neither flow nor secrecy."""
    offences = [f"{rel}:{line} imports {module}" for rel, tree in _sources("documents")
                for line, module in _imported_modules(tree) if module.split(".")[0] in ABOVE_DOCUMENTS]
    assert not offences, offences


def test_the_rule_reads_the_models_above_through_document():
    from flow.models import Task, TaskStatus
    from secrecy.models import ClassifiedCopy, CopyStatus, ReadingScope, Registration

    assert Document.tasks.rel.related_model is Task and access.TASK_OPEN == TaskStatus.OPEN
    assert Document.classified_copies.rel.related_model is ClassifiedCopy and access.COPY_IN_USE == CopyStatus.IN_USE
    assert Document.reading_scope.rel.related_model is ReadingScope
    assert Document.classified.related.related_model is Registration


def test_secrecy_access_supplies_data_not_a_second_rule():
    from secrecy import access as secrecy_access

    # Scope membership and clearance are the rule's own; secrecy.access only passes them on.
    assert secrecy_access.in_scope is access.in_scope and secrecy_access.clears is access.clears
    for name in ("classified_ways_in", "in_registered_scope", "visible_documents", "_post_q"):
        assert not hasattr(secrecy_access, name), name
    # Outside secrecy, nobody asks it who may see a document.
    offences = []
    for rel, tree in _sources():
        if rel.parts[0] in ("secrecy", "documents"):
            continue
        aliases = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "secrecy.access":
                offences += [f"{rel}:{node.lineno} {a.name}" for a in node.names if a.name not in SECRECY_DATA]
            elif isinstance(node, ast.ImportFrom) and node.module == "secrecy":
                aliases |= {a.asname or a.name for a in node.names if a.name == "access"}
            elif isinstance(node, ast.Import):
                aliases |= {a.asname or a.name for a in node.names if a.name == "secrecy.access"}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr not in SECRECY_DATA):
                offences.append(f"{rel}:{node.lineno} access.{node.attr}")
    assert not offences, offences


def _secrecy_filters(tree) -> list[int]:
    """Lines that narrow documents to some 密级 in a filter (secrecy="" or secrecy__in=…)."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in ("filter", "get", "Q"):  # exclude() only narrows what it is given
            continue
        for kw in node.keywords:
            key = kw.arg or ""
            if key.split("__")[-1] == "in" and key.split("__")[-2:-1] == ["secrecy"]:
                lines.append(node.lineno)
            elif key.split("__")[-1] == "secrecy" and isinstance(kw.value, ast.Constant) and kw.value.value == "":
                lines.append(node.lineno)
    return lines


def test_no_module_outside_documents_access_filters_documents_by_secrecy():
    """"Unclassified only" is documents.access.seen_by_all; "within clearance" is its
    allowed_secrecy. A list, ledger, count or search that writes its own has a second rule."""
    offences = []
    for rel, tree in _sources():
        key = rel.as_posix()
        if key == "documents/access.py" or key in OWN_SECRECY_FILTERS or "demo" in rel.parts[0] or "demo" in rel.stem:
            continue  # demo data picks documents for the demo office, for nobody's eyes
        offences += [f"{key}:{line}" for line in _secrecy_filters(tree)]
    assert not offences, offences


def test_search_reads_the_agency_branch_from_the_rule(office):
    """Search's index-range branch (whole_agency) is exactly the agency's unclassified documents
    that visible_documents gives; no one else gets it."""
    from drafting import services as drafting
    from secrecy.tests.build import clear

    o = office
    clear(o.handler_a, "机密")
    drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title="关于做好普通工作的通知", main_to=["各区人民政府"], publicity="主动公开"))
    drafting.create_draft(actor=o.handler_a, data=drafting.DraftData(
        doc_type="通知", title="关于做好保密工作的通知", main_to=["各区人民政府"], secrecy="秘密", secrecy_term="5年",
        publicity="不予公开", publicity_reason="涉密"))
    for p in o.people():
        agency = access.whole_agency(p)
        if agency is None:
            continue
        everything = set(Document.objects.filter(access.seen_by_all(), agency_id=agency).values_list("pk", flat=True))
        seen = set(access.visible_documents(p).filter(access.seen_by_all()).values_list("pk", flat=True))
        assert seen == everything, p
    assert access.whole_agency(o.clerk) == o.gov.pk and Document.objects.filter(agency=o.gov, secrecy="").exists()
    assert access.whole_agency(o.handler_a) is None and access.whole_agency(o.sysadmin) is None


# --- the 发文登记簿 and every other surface, for office staff outside the reach ------------------


@pytest.fixture
def numbered(scene):  # noqa: F811 (the leak scene, from tests.test_leak)
    """The classified draft of the leak scene, numbered in the agency's 发文登记簿 by the 机要员."""
    from documents import numbering

    s = scene
    series = NumberSeries.objects.create(agency=s.o.gov, code="示府办发", name="府办发文")
    with transaction.atomic():
        s.issued = numbering.allocate(series, document=s.routed, actor=s.ppl.jiyao)
    return s


@pytest.mark.parametrize("who", ["clerk", "director"])
def test_office_staff_outside_the_reach_see_no_row_about_it(client, numbered, who):
    s = numbered
    person = getattr(s.o, who)
    assert not access.can_view(person, s.routed)
    client.force_login(person.user)
    for url in ("/outgoing/ledger/", "/outgoing/ledger/print/", "/outgoing/ledger/export.xlsx", "/api/v1/numbers"):
        response = client.get(url)
        assert response.status_code == 200, url
    shown, fetched, _ = crawl(client, s)
    assert {"/outgoing/ledger/", "/api/v1/numbers"} <= set(fetched)
    assert not shown, f"{who} sees the classified title on: {shown}"
    # Nor may they act on the number: as missing as a number that does not exist.
    response = client.post(f"/outgoing/ledger/{s.issued.pk}/void/", {"reason": "试探"})
    assert response.status_code == 404
    assert IssuedNumber.objects.get(pk=s.issued.pk).voided_at is None


def test_the_registrar_sees_the_row_on_page_and_api(client, numbered):
    """The 机要员 reaches it (within clearance): page and API show the same row."""
    from drafting.selectors import issued_numbers

    s = numbered
    jiyao = s.ppl.jiyao
    assert list(issued_numbers(jiyao).values_list("pk", flat=True)) == [s.issued.pk]
    client.force_login(jiyao.user)
    assert leaks(client.get("/outgoing/ledger/").content.decode())
    assert [row["id"] for row in client.get("/api/v1/numbers").json()["items"]] == [s.issued.pk]
