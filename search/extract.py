"""Text of a body file: DOCX (python-docx), PDF (pdfplumber), OFD (by hand).

OFD (GB/T 33190) is a ZIP of XML: OFD.xml names the documents (Doc_0/Document.xml), each
page's content is Doc_N/Pages/Page_M/Content.xml and its text sits in ``TextCode``
elements inside ``TextObject``s. No OFD reader is installable here (and the ones that
exist render, which we do not need), so the pages are read in order straight from the ZIP
with the standard library: every TextCode's text, a line per TextObject.

DOCX and OFD are ZIPs: both are read through ``gongwen.safezip`` (bounded inflation), since
the file indexed here may be one stored before uploads were checked, and a decompression
bomb must not inflate inside the indexer or the web server. A file outside the bounds has
no text.
"""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree

from gongwen import safezip

MAX_CHARS = 200_000


def sniff_kind(data: bytes, name: str = "") -> str:
    name = name.lower()
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:2] == b"PK":
        try:
            with safezip.SafeZip(data) as z:
                names = set(z.namelist())
        except safezip.ZipRefused:
            return ""
        if "word/document.xml" in names:
            return "docx"
        if "OFD.xml" in names or any(n.endswith("Content.xml") for n in names) or name.endswith(".ofd"):
            return "ofd"
    if name.endswith(".txt"):
        return "txt"
    return ""


def docx_text(data: bytes) -> str:
    d = safezip.docx_document(data)
    lines = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(line for line in lines if line.strip())


def pdf_text(data: bytes) -> str:
    import pdfplumber

    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            out.append(page.extract_text() or "")
            if sum(len(t) for t in out) > MAX_CHARS:
                break
    return "\n".join(out)


def _page_key(name: str):
    return [int(n) for n in re.findall(r"\d+", name)]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def ofd_text(data: bytes) -> str:
    lines = []
    with safezip.SafeZip(data, what="OFD 文件") as z:
        pages = sorted((n for n in z.namelist()
                        if re.fullmatch(r"(?:.*/)?Doc_\d+/Pages/Page_\d+/Content\.xml", n)), key=_page_key)
        for name in pages:
            root = ElementTree.fromstring(z.read(name))  # noqa: S314 (our own stored files, no DTDs)
            for element in root.iter():
                if _local(element.tag) == "TextObject":
                    text = "".join(code.text or "" for code in element.iter() if _local(code.tag) == "TextCode")
                    if text.strip():
                        lines.append(text)
    return "\n".join(lines)


def extract(data: bytes, name: str = "") -> str:
    """The text of a file, or '' when its kind is unknown or it cannot be read."""
    kind = sniff_kind(data, name)
    try:
        if kind == "docx":
            text = docx_text(data)
        elif kind == "pdf":
            text = pdf_text(data)
        elif kind == "ofd":
            text = ofd_text(data)
        elif kind == "txt":
            text = data.decode("utf-8", "replace")
        else:
            return ""
    except Exception:  # a damaged file must not stop the indexing of everything else
        return ""
    return text[:MAX_CHARS]
