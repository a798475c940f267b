"""What changed between two versions of a body: line by line (difflib), and within a changed
line character by character (Chinese has no spaces between words, so words are no unit).

``diff_versions(a, b)`` returns a list of operations, in the order of the text:

- ``{"op": "equal", "a": n, "b": m, "text": ...}`` an unchanged line (1-based line numbers),
- ``{"op": "insert", "b": m, "text": ...}`` a line only in ``b``,
- ``{"op": "delete", "a": n, "text": ...}`` a line only in ``a``,
- ``{"op": "change", "a": n, "b": m, "old": ..., "new": ..., "segments": [{"op": "equal"|
  "insert"|"delete", "text": ...}, ...]}`` a line changed in place.

``diff_html(ops)`` renders them as safe HTML for the page (every text escaped).
"""

from __future__ import annotations

import difflib
from html import escape

from documents.models import FileVersion

# A pair of lines is shown as one changed line when at least this share of them is alike;
# below it, the old line is deleted and the new one inserted.
CHANGE_RATIO = 0.4


def _segments(old: str, new: str) -> list[dict]:
    segments: list[dict] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append({"op": "equal", "text": old[i1:i2]})
            continue
        if tag in ("delete", "replace"):
            segments.append({"op": "delete", "text": old[i1:i2]})
        if tag in ("insert", "replace"):
            segments.append({"op": "insert", "text": new[j1:j2]})
    return segments


def _replace_block(old: list[str], new: list[str], a0: int, b0: int) -> list[dict]:
    """Pair the lines of a replaced block that are alike as changed lines, in order; the rest
    are deletions and insertions."""
    ops: list[dict] = []
    i = j = 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new):
            ratio = difflib.SequenceMatcher(None, old[i], new[j], autojunk=False).ratio()
            if ratio >= CHANGE_RATIO:
                ops.append({"op": "change", "a": a0 + i + 1, "b": b0 + j + 1, "old": old[i], "new": new[j],
                            "segments": _segments(old[i], new[j])})
                i += 1
                j += 1
                continue
            # not alike: drop whichever side has more lines left, or the old line first
            if len(old) - i >= len(new) - j:
                ops.append({"op": "delete", "a": a0 + i + 1, "text": old[i]})
                i += 1
            else:
                ops.append({"op": "insert", "b": b0 + j + 1, "text": new[j]})
                j += 1
        elif i < len(old):
            ops.append({"op": "delete", "a": a0 + i + 1, "text": old[i]})
            i += 1
        else:
            ops.append({"op": "insert", "b": b0 + j + 1, "text": new[j]})
            j += 1
    return ops


def diff_lines(old: list[str], new: list[str]) -> list[dict]:
    ops: list[dict] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops += [{"op": "equal", "a": i1 + k + 1, "b": j1 + k + 1, "text": old[i1 + k]} for k in range(i2 - i1)]
        elif tag == "delete":
            ops += [{"op": "delete", "a": i + 1, "text": old[i]} for i in range(i1, i2)]
        elif tag == "insert":
            ops += [{"op": "insert", "b": j + 1, "text": new[j]} for j in range(j1, j2)]
        else:
            ops += _replace_block(old[i1:i2], new[j1:j2], i1, j1)
    return ops


def diff_texts(old: str, new: str) -> list[dict]:
    return diff_lines((old or "").splitlines(), (new or "").splitlines())


def diff_versions(a: FileVersion, b: FileVersion) -> list[dict]:
    """The differences from version ``a`` to version ``b`` of a body (their extracted text)."""
    from .body import version_text

    return diff_texts(version_text(a), version_text(b))


def has_changes(ops: list[dict]) -> bool:
    return any(op["op"] != "equal" for op in ops)


def _segment_html(segment: dict) -> str:
    text = escape(segment["text"])
    if segment["op"] == "insert":
        return f'<ins class="diff-ins">{text}</ins>'
    if segment["op"] == "delete":
        return f'<del class="diff-del">{text}</del>'
    return text


def diff_html(ops: list[dict]) -> str:
    """The operations as HTML: one ``div.diff-line`` a line, insertions in ``<ins>``, deletions
    in ``<del>``; every piece of text is escaped."""
    if not ops:
        return '<div class="diff diff-empty">两个版本均无文字。</div>'
    rows = []
    for op in ops:
        kind = op["op"]
        if kind == "equal":
            body = escape(op["text"])
        elif kind == "insert":
            body = f'<ins class="diff-ins">{escape(op["text"])}</ins>'
        elif kind == "delete":
            body = f'<del class="diff-del">{escape(op["text"])}</del>'
        else:
            body = "".join(_segment_html(s) for s in op["segments"])
        a = op.get("a", "")
        b = op.get("b", "")
        rows.append(f'<div class="diff-line diff-{kind}" data-a="{a}" data-b="{b}">{body}</div>')
    return '<div class="diff">' + "".join(rows) + "</div>"
