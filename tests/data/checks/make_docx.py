"""Builds a DOCX from a sample's fields (tests/data/checks/samples.json), in document order:
发文字号 (with 签发人 on 上行文), 标题, 主送, 正文, 附件说明, 署名, 成文日期, 抄送, 印发.

Used by the corpus test (each sample checked again as a DOCX) and by bench/checks.py.
Standalone, it writes a few example files next to itself:
``.venv/bin/python tests/data/checks/make_docx.py``.
"""

import io
import json
from pathlib import Path

from docx import Document

HERE = Path(__file__).resolve().parent
# Samples also committed as DOCX files (for trying ``manage.py check_document`` by hand).
COMMITTED = ("ok-req", "ok-notice", "heading-1dun", "punct-quote", "req-two-closings", "many")


def paragraphs(fields: dict) -> list[str]:
    out = [v for v in (fields.get("copy_number"), fields.get("secrecy")) if v]
    head = fields.get("number") or ""
    if fields.get("signer"):
        head = f"{head}　　签发人：{fields['signer']}".strip()
    if head:
        out.append(head)
    out.append(fields.get("title") or "")
    if fields.get("main_to"):
        out.append(fields["main_to"])
    out += list(fields.get("body") or [])
    note = fields.get("attachment_note") or []
    out += note.splitlines() if isinstance(note, str) else list(note)
    title = fields.get("title") or ""
    out.append(title.split("关于")[0] if "关于" in title else "示范市人民政府")
    if fields.get("date"):
        out.append(fields["date"])
    if fields.get("copy_to"):
        out.append(f"抄送：{fields['copy_to']}")
    out.append("示范市人民政府办公室　　　　2026年3月9日印发")
    return [p for p in out if p]


def build_docx(fields: dict, repeat_body: int = 1) -> bytes:
    """The DOCX bytes; ``repeat_body`` repeats the body paragraphs (for a long document)."""
    document = Document()
    paras = paragraphs({**fields, "body": list(fields.get("body") or []) * repeat_body})
    for text in paras:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    corpus = json.loads((HERE / "samples.json").read_text(encoding="utf-8"))
    for sample in corpus["samples"]:
        if sample["name"] in COMMITTED:
            (HERE / f"{sample['name']}.docx").write_bytes(build_docx(sample["fields"]))
