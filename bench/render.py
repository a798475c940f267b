"""Bench of the GB/T 9704 rendering (issue 4): a ten-page document to DOCX and PDF.

    .venv/bin/python bench/render.py

Measures the DOCX (python-docx), a cold PDF conversion (a fresh LibreOffice with its own
profile, as `render_pdf` does by default) and repeated conversions with a warm converter
(`WarmConverter`: one LibreOffice kept running, each job handed to it). Target: DOCX + PDF
with the warm converter under 3 s. Also times the electronic seal on that PDF (the seal
picture placed over the 成文日期, SM3 digest, SM2 signature) and its verification.
Writes bench/render_report.json.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 3.0
REPEAT = 3


def run(report: dict) -> None:
    """Add the rendering figures to ``report["render"]`` with a pass/fail check."""
    import pdfplumber

    from drafting.render import WarmConverter, render_docx, render_pdf, soffice_path
    from drafting.render_sample import sample

    data = sample(10)
    t = time.perf_counter()
    docx = render_docx(data)
    docx_s = time.perf_counter() - t
    out: dict = {"docx_seconds": round(docx_s, 3), "target_seconds": TARGET_SECONDS}
    if soffice_path() is None:
        out.update(ok=False, note="LibreOffice (soffice) 未安装，无法测 PDF")
        report["render"] = out
        return
    t = time.perf_counter()
    pdf = render_pdf(docx)
    out["pdf_cold_seconds"] = round(time.perf_counter() - t, 3)
    with pdfplumber.open(BytesIO(pdf)) as doc:
        out["pages"] = len(doc.pages)
    warm = []
    with WarmConverter() as conv:
        time.sleep(3)  # let the office start, as a server's converter would have long since
        first = time.perf_counter()
        conv.convert(render_docx(data))
        out["pdf_warm_first_seconds"] = round(time.perf_counter() - first, 3)
        for _ in range(REPEAT):
            t = time.perf_counter()
            conv.convert(render_docx(data))  # DOCX and PDF, end to end
            warm.append(time.perf_counter() - t)
    out.update(_seal(pdf, data.date))
    out["docx_and_pdf_warm_seconds"] = [round(x, 3) for x in warm]
    out["docx_and_pdf_warm_median"] = round(statistics.median(warm), 3)
    out["ok"] = (out["docx_and_pdf_warm_median"] < TARGET_SECONDS and out["pages"] >= 10
                 and out["verify_detects_one_flipped_byte"])
    report["render"] = out


def _seal(pdf: bytes, date_text: str) -> dict:
    from gongwen import crypto
    from sealing import stamp

    private, public = crypto.generate_keypair()
    t = time.perf_counter()
    picture = stamp.seal_image_png("某市人民政府办公室")
    sealed, _where = stamp.place_seal(pdf, picture, date_text=date_text)
    digest = crypto.sm3_hex(sealed)
    signature = crypto.sign(private, public, bytes.fromhex(digest))
    seal_s = time.perf_counter() - t
    t = time.perf_counter()
    intact = crypto.verify(public, bytes.fromhex(crypto.sm3_hex(sealed)), signature)
    verify_s = time.perf_counter() - t
    flipped = bytearray(sealed)
    flipped[len(flipped) // 2] ^= 0x01
    modified = not crypto.verify(public, bytes.fromhex(crypto.sm3_hex(bytes(flipped))), signature)
    return {"seal_seconds": round(seal_s, 3), "verify_seconds": round(verify_s, 4),
            "verify_detects_one_flipped_byte": modified and intact}


def main() -> None:
    report: dict = {}
    run(report)
    path = ROOT / "bench" / "render_report.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    sys.exit(0 if report["render"]["ok"] else 1)


if __name__ == "__main__":
    main()
