"""Checker precision on the committed corpus (tests/data/checks/samples.json): each faulty
sample yields exactly its expected rules, each correct sample none (no false alarm), both
as structured fields and as a DOCX built from the same fields."""

import json
import sys
from pathlib import Path

import pytest

from drafting.checks import check_docx, check_fields

CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "checks"
CORPUS = json.loads((CORPUS_DIR / "samples.json").read_text(encoding="utf-8"))
SAMPLES = CORPUS["samples"]
SUBORDINATES = CORPUS["subordinates"]
# A DOCX carries no attachment count of its own (the attachments are separate files).
NOT_IN_DOCX = {"attach-count"}
RULES = {
    "number.brackets", "number.form", "date.padding", "date.invalid", "heading.form", "heading.sequence",
    "punct.ascii", "punct.pair", "main_to.colon", "copy_to.stop", "attachment.trailing", "attachment.count",
    "closing.count", "closing.in_report", "text.duplicate", "text.placeholder", "text.address",
    "secrecy.form", "copy_number.form", "routing.one_main", "routing.copy_subordinate", "routing.signer", "title.form", "title.punct",
}

sys.path.insert(0, str(CORPUS_DIR))
from make_docx import build_docx  # noqa: E402


def test_the_corpus_is_large_and_covers_every_rule_both_ways():
    assert len(SAMPLES) >= 60
    assert len({s["name"] for s in SAMPLES}) == len(SAMPLES)
    faulty = {rule for s in SAMPLES for rule in s["expect"]}
    assert faulty == RULES
    correct = [s for s in SAMPLES if not s["expect"]]
    assert len(correct) >= 15
    # "both ways": every rule's field is present and right in some correct sample of each kind
    assert {s["fields"]["doc_type"] for s in correct} >= {"请示", "报告", "通知", "函"}


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["name"] for s in SAMPLES])
def test_fields(sample):
    found = check_fields(sample["fields"], SUBORDINATES)
    assert sorted({f.rule for f in found}) == sorted(sample["expect"]), [str(f) for f in found]


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s["name"] not in NOT_IN_DOCX],
                         ids=[s["name"] for s in SAMPLES if s["name"] not in NOT_IN_DOCX])
def test_docx(sample):
    fields = sample["fields"]
    found = check_docx(build_docx(fields), SUBORDINATES, doc_type=fields["doc_type"], direction=fields["direction"])
    assert sorted({f.rule for f in found}) == sorted(sample["expect"]), [str(f) for f in found]


@pytest.mark.parametrize("path", sorted(CORPUS_DIR.glob("*.docx")), ids=lambda p: p.name)
def test_committed_docx_files(path):
    sample = next(s for s in SAMPLES if s["name"] == path.stem)
    fields = sample["fields"]
    found = check_docx(path.read_bytes(), SUBORDINATES, doc_type=fields["doc_type"], direction=fields["direction"])
    assert sorted({f.rule for f in found}) == sorted(sample["expect"])
