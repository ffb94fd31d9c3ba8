"""Formats disclosures are downloaded in that ``fiscal`` does not read: one line naming the
format and what to give instead, exit 2, no traceback — whatever the file is called."""

from __future__ import annotations

import io
import zipfile

import pytest


def _zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "<x/>")
    return buf.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
CASES = [
    ("budget.xlsx", _zip("[Content_Types].xml", "xl/workbook.xml"), "Excel spreadsheet (.xlsx)"),
    ("budget.docx", _zip("[Content_Types].xml", "word/document.xml"), "Word document (.docx)"),
    ("budget.xls", OLE + "Workbook".encode("utf-16-le") + bytes(100), "Excel spreadsheet (.xls)"),
    ("budget.doc", OLE + "WordDocument".encode("utf-16-le") + bytes(100), "Word document (.doc)"),
    ("page.html", "<!DOCTYPE html><html><head><meta charset='utf-8'><title>2026年部门预算"
                  "</title></head><body>收入预算 100 万元</body></html>".encode(), "web page"),
    ("page.txt", b"\xef\xbb\xbf<html><body>\xe9\xa2\x84\xe7\xae\x97</body></html>", "web page"),
    ("saved.mht", b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n",
     "web page"),
    ("scan.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG image"),
    ("scan.jpg", b"\xff\xd8\xff\xe0" + bytes(64), "JPEG image"),
    ("scan.tif", b"II*\x00" + bytes(64), "TIFF image"),
    ("budget.pdf", _zip("[Content_Types].xml", "xl/workbook.xml"), "Excel spreadsheet"),
    ("notes.rtf", b"{\\rtf1\\ansi 2026}", "RTF document"),
]


@pytest.mark.parametrize("name,data,words", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["check", "extract"])
def test_other_formats_are_refused_by_name(tmp_path, tmp_data, fiscal_cli, name, data, words,
                                           command):
    src = tmp_path / name
    src.write_bytes(data)
    code, out, err = fiscal_cli(command, src)
    assert code == 2, (code, out, err)
    assert err.startswith("fiscal: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and str(src) in err and words in err, err
    assert " — " in err  # says what to do instead
    assert not any(tmp_data.rglob("meta.json"))


def test_a_pdf_named_otherwise_is_read_as_pdf(tmp_path, fiscal_cli):
    from conftest import FIXTURES

    pdf = FIXTURES / "pdf" / "shpt_sfj_2026_unit_budget.pdf"
    src = tmp_path / "download.do"
    src.write_bytes(pdf.read_bytes())
    code, out, err = fiscal_cli("check", src)
    assert code == 1 and "10 error(s)" in out, err


def test_sniff_leaves_texts_and_pdfs_alone():
    from fiscal.extract.formats import sniff

    assert sniff(b"%PDF-1.7\n...") is None
    assert sniff("2026年部门预算\n收入 100 万元".encode()) is None
    assert sniff("2026年部门预算".encode("utf-16")) is None
