"""Line and character differences between two body versions, and their safe HTML."""

from __future__ import annotations

import pytest

from documents.models import DocumentFile
from drafting import body
from drafting.diff import diff_html, diff_texts, diff_versions, has_changes
from drafting.tests.test_body import BLOCKS, new_draft


def ops_of(old, new):
    return [(op["op"], op.get("a"), op.get("b")) for op in diff_texts("\n".join(old), "\n".join(new))]


def test_identical_texts_are_all_equal():
    ops = diff_texts("甲\n乙", "甲\n乙")
    assert [op["op"] for op in ops] == ["equal", "equal"]
    assert not has_changes(ops)


def test_inserted_line():
    assert ops_of(["一、总体要求", "各单位要高度重视。"], ["一、总体要求", "（一）工作目标", "各单位要高度重视。"]) == [
        ("equal", 1, 1), ("insert", None, 2), ("equal", 2, 3)]


def test_deleted_line():
    ops = diff_texts("第一段。\n第二段要删去。\n第三段。", "第一段。\n第三段。")
    assert [(op["op"], op.get("a"), op.get("b")) for op in ops] == [("equal", 1, 1), ("delete", 2, None),
                                                                    ("equal", 3, 2)]
    assert ops[1]["text"] == "第二段要删去。"


def test_changed_line_has_character_segments():
    ops = diff_texts("标题\n各单位要在3月底前报送材料。", "标题\n各区要在4月底前报送书面材料。")
    change = ops[1]
    assert change["op"] == "change" and (change["a"], change["b"]) == (2, 2)
    assert change["old"] == "各单位要在3月底前报送材料。" and change["new"] == "各区要在4月底前报送书面材料。"
    segments = [(s["op"], s["text"]) for s in change["segments"]]
    assert ("delete", "单位") in segments and ("insert", "区") in segments
    assert ("delete", "3") in segments and ("insert", "4") in segments
    assert ("insert", "书面") in segments
    # the segments rebuild both lines
    assert "".join(s["text"] for s in change["segments"] if s["op"] != "insert") == change["old"]
    assert "".join(s["text"] for s in change["segments"] if s["op"] != "delete") == change["new"]


def test_unlike_lines_are_a_deletion_and_an_insertion():
    ops = diff_texts("开头\n完全不同的一句话\n结尾", "开头\n另起炉灶写别的\n结尾")
    assert [op["op"] for op in ops] == ["equal", "delete", "insert", "equal"]


def test_a_replaced_block_pairs_the_alike_lines():
    old = ["一、总体要求", "各单位要高度重视防汛工作。", "二、工作措施"]
    new = ["一、总体要求", "全新插入的说明文字内容", "各单位要高度重视防汛救灾工作。", "二、工作措施"]
    kinds = [op["op"] for op in diff_texts("\n".join(old), "\n".join(new))]
    assert kinds.count("change") + kinds.count("insert") + kinds.count("delete") >= 2
    assert "change" in kinds


def test_empty_sides():
    assert diff_texts("", "") == []
    assert [op["op"] for op in diff_texts("", "新增一行")] == ["insert"]
    assert [op["op"] for op in diff_texts("删去一行", "")] == ["delete"]


def test_html_escapes_text_and_marks_changes():
    ops = diff_texts("<script>alert(1)</script>\n保留", "<script>alert(2)</script>\n保留\n<b>新\"增\"</b>")
    html = diff_html(ops)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(" in html
    assert '<del class="diff-del">1</del><ins class="diff-ins">2</ins>' in html
    assert '<ins class="diff-ins">&lt;b&gt;新&quot;增&quot;&lt;/b&gt;</ins>' in html
    assert '<div class="diff-line diff-equal" data-a="2" data-b="2">保留</div>' in html
    assert diff_html([]) == '<div class="diff diff-empty">两个版本均无文字。</div>'


def test_a_deleted_line_in_html():
    html = diff_html(diff_texts("甲\n乙", "甲"))
    assert '<div class="diff-line diff-delete" data-a="2" data-b=""><del class="diff-del">乙</del></div>' in html


@pytest.mark.django_db
def test_diff_between_two_saved_versions(office):
    o = office
    document = new_draft(o)
    first = body.save_structured(actor=o.handler_a, document=document, blocks=BLOCKS)
    changed = [BLOCKS[0], {"level": 1, "text": "一、切实加强组织领导"}, BLOCKS[2], {"level": 0, "text": "特此通知。"}]
    second = body.save_structured(actor=o.handler_a, document=document, blocks=changed)
    assert first.file.role == DocumentFile.Role.BODY
    ops = diff_versions(first, second)
    changes = [op for op in ops if op["op"] != "equal"]
    assert {"op": "insert", "b": next(op["b"] for op in changes if op["op"] == "insert"),
            "text": "特此通知。"} in changes
    change = next(op for op in changes if op["op"] == "change")
    assert change["old"] == "一、加强组织领导" and change["new"] == "一、切实加强组织领导"
    assert [s for s in change["segments"] if s["op"] != "equal"] == [{"op": "insert", "text": "切实"}]
    assert diff_versions(second, second) and not has_changes(diff_versions(second, second))
