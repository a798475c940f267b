"""Unit tests of the document checker: places, severities, messages, the DOCX mapping and
the refusals for files that are not DOCX."""

import io
import json
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from drafting.checks import ADVISE, MUST, check_docx, check_fields, cn_number, docx_fields, has_must
from gongwen.errors import DomainError

CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "checks"
sys.path.insert(0, str(CORPUS_DIR))
from make_docx import build_docx  # noqa: E402

SAMPLES = {s["name"]: s["fields"] for s in json.loads((CORPUS_DIR / "samples.json").read_text("utf-8"))["samples"]}


def test_chinese_numerals():
    assert [cn_number(t) for t in ("一", "九", "十", "十一", "二十", "二十三")] == [1, 9, 10, 11, 20, 23]


def test_finding_names_place_severity_message_and_fix():
    fields = dict(SAMPLES["ok-notice"], number="示府办发[2026]3号")
    [finding] = check_fields(fields)
    assert finding.rule == "number.brackets"
    assert finding.place == "发文字号"
    assert finding.severity == MUST and finding.severity_label == "必须修改"
    assert "〔〕" in finding.message and "〔2026〕" in finding.fix
    assert finding.excerpt == "示府办发[2026]3号"
    assert str(finding).startswith("[必须修改] 发文字号")
    assert finding.as_dict()["severity_label"] == "必须修改"


def test_body_findings_name_the_paragraph():
    body = list(SAMPLES["ok-rep"]["body"])
    body[2] = "全年开展的的检查36次。"
    [finding] = check_fields(dict(SAMPLES["ok-rep"], body=body))
    assert finding.place == "正文第3段"
    assert finding.severity == ADVISE
    assert "的的" in finding.excerpt and finding.fix == "改为“的”。"
    assert not has_must([finding])


def test_padded_date_suggests_the_unpadded_form():
    [finding] = check_fields(dict(SAMPLES["ok-notice"], date="2026年03月08日"))
    assert finding.fix == "改为“2026年3月8日”。"


def test_subordinates_are_a_parameter():
    fields = dict(SAMPLES["ok-req"], copy_to="市财政局，示范区教育局。")
    assert check_fields(fields) == []
    assert [f.rule for f in check_fields(fields, ["示范区教育局"])] == ["routing.copy_subordinate"]


def test_direction_defaults_from_the_type_and_accepts_chinese_names():
    fields = dict(SAMPLES["ok-notice"], main_to="省教育厅：", copy_to="")
    assert check_fields(fields) == []
    assert [f.rule for f in check_fields(dict(fields, direction="上行文"))] == ["routing.signer"]
    req = dict(SAMPLES["ok-req"], direction="", signer="")
    assert [f.rule for f in check_fields(req)] == ["routing.signer"]


def test_doc_type_is_read_from_the_title_when_missing():
    fields = dict(SAMPLES["ok-rep"], doc_type="")
    fields["body"] = fields["body"] + ["妥否，请批示。"]
    assert [f.rule for f in check_fields(fields)] == ["closing.in_report"]


def test_docx_parts_are_mapped():
    data = build_docx(SAMPLES["ok-req"])
    from drafting.checks import docx_paragraphs

    fields, places = docx_fields(docx_paragraphs(data))
    assert fields["number"] == "示教发〔2026〕7号"
    assert fields["signer"] == "王明"
    assert fields["title"] == "示范市教育局关于增拨校舍维修经费的请示"
    assert fields["main_to"] == "市人民政府："
    assert fields["body"] == SAMPLES["ok-req"]["body"]
    assert fields["attachment_note"] == SAMPLES["ok-req"]["attachment_note"]
    assert fields["date"] == "2026年3月8日"
    assert fields["copy_to"] == "市财政局。"
    assert places["title"] == "第2段（标题）"
    assert places[("body", 0)] == "第4段（正文）"


def test_docx_findings_name_the_paragraph_of_the_document():
    body = list(SAMPLES["ok-rep"]["body"])
    body[2] = "全年开展检查36次,成效明显。"
    [finding] = check_docx(build_docx(dict(SAMPLES["ok-rep"], body=body)))
    assert finding.rule == "punct.ascii"
    assert finding.place == "第6段（正文）"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空的"),
        (b"%PDF-1.7 not a docx", "不是 DOCX 文件"),
        (b"PK\x03\x04 broken", "不是 DOCX 文件"),
    ],
)
def test_not_a_docx_is_refused_in_chinese(data, message):
    with pytest.raises(DomainError, match=message):
        check_docx(data)


def test_a_zip_that_is_not_a_docx_is_refused_in_chinese():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(DomainError, match="文件可能已损坏"):
        check_docx(buffer.getvalue())


def test_command_prints_findings_and_exits_1_on_a_must_fix(tmp_path, capsys):
    good = tmp_path / "good.docx"
    good.write_bytes(build_docx(SAMPLES["ok-notice"]))
    call_command("check_document", str(good))
    assert "未发现问题" in capsys.readouterr().out

    bad = tmp_path / "bad.docx"
    bad.write_bytes(build_docx(dict(SAMPLES["ok-notice"], number="示府办发(2026)3号", date="2026年03月8日")))
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_document", str(bad))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "必须修改" in out and "发文字号" in out and "成文日期" in out and "共 2 处" in out


def test_command_exits_0_on_advice_only(tmp_path, capsys):
    body = list(SAMPLES["ok-rep"]["body"])
    body[2] = "全年开展的的检查36次。"
    path = tmp_path / "advice.docx"
    path.write_bytes(build_docx(dict(SAMPLES["ok-rep"], body=body)))
    call_command("check_document", str(path))
    assert "建议修改" in capsys.readouterr().out


def test_command_refuses_a_missing_or_broken_file(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("check_document", str(tmp_path / "none.docx"))
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a docx")
    with pytest.raises(CommandError, match="不是 DOCX 文件"):
        call_command("check_document", str(broken))


def test_docx_title_over_two_lines_and_a_red_head():
    from docx import Document

    document = Document()
    for text in ("示范市教育局文件", "示教发〔2026〕7号", "示范市教育局关于做好校园安全",
                 "隐患排查整治工作的通知", "各区教育局：", "现将有关事项通知如下。", "示范市教育局", "2026年3月1日"):
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    from drafting.checks import docx_paragraphs

    fields, _ = docx_fields(docx_paragraphs(buffer.getvalue()))
    assert fields["number"] == "示教发〔2026〕7号"
    assert fields["title"] == "示范市教育局关于做好校园安全隐患排查整治工作的通知"
    assert fields["main_to"] == "各区教育局："
    assert fields["body"] == ["现将有关事项通知如下。"]
    assert fields["date"] == "2026年3月1日"
    assert check_docx(buffer.getvalue()) == []
