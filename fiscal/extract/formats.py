"""Formats people download disclosures in that ``fiscal`` does not read, told by content.

Government sites publish a department-year as a PDF, but also as spreadsheet and word
processor attachments, as web pages (saved from a browser) and as scanned images. Each
is recognised from its first bytes (whatever its name says) and refused in one line
that names the format and says what to give instead (:class:`FormatError`, exit 2).
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

from fiscal.errors import FormatError

_TO_PDF = "open it and save or print it as PDF (or save it as plain text), and give that"
_OCR = "a scan needs OCR first: give the published PDF with its text, or the OCR'd text"

_IMAGES = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
           (b"GIF8", "a GIF image"), (b"BM", "a BMP image"), (b"II*\x00", "a TIFF image"),
           (b"MM\x00*", "a TIFF image"))
_HTML_RE = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head"
                      rb"|<meta|<body|<table|<div)", re.I | re.S)


def _zip_kind(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return "a zip archive"
    if any(n.startswith("xl/") for n in names):
        return "an Excel spreadsheet (.xlsx)"
    if any(n.startswith("word/") for n in names):
        return "a Word document (.docx)"
    if any(n.startswith("ppt/") for n in names):
        return "a PowerPoint file (.pptx)"
    if "OFD.xml" in names or any(n.endswith("/OFD.xml") for n in names):
        return "an OFD document (.ofd)"
    if "mimetype" in names:
        return "an OpenDocument file (.odt/.ods)"
    return "a zip archive"


def _ole_kind(data: bytes) -> str:
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data[:65536]:
        return "an old Excel spreadsheet (.xls)"
    if "WordDocument".encode("utf-16-le") in data:
        return "an old Word document (.doc)"
    return "an old Office document (.doc/.xls)"


def sniff(data: bytes, path: Path | None = None) -> tuple[str, str] | None:
    """``(format, what to do instead)`` for a file that is no PDF or text ``fiscal`` reads.

    Args:
        data: the file's bytes (the first few KB suffice except for zip-based formats).
        path: its name, for formats told by name only when the bytes are ambiguous.

    Returns:
        None for a PDF or anything that may be a text disclosure.
    """
    head = data[:4096]
    if head.lstrip()[:5] == b"%PDF-":
        return None
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
        fix = _TO_PDF if kind != "a zip archive" else (
            "unpack it and give the disclosure's PDF or text inside")
        return kind, fix
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _ole_kind(data), _TO_PDF
    if head.startswith(b"{\\rtf"):
        return "an RTF document", _TO_PDF
    for magic, what in _IMAGES:
        if head.startswith(magic):
            return what, _OCR
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image", _OCR
    text = head.lstrip(b"\xef\xbb\xbf")
    if text[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = head.decode("utf-16", "ignore").encode("utf-8", "ignore")
    if _HTML_RE.match(text) or re.match(rb"^\s*MIME-Version:.*multipart/related", text,
                                        re.I | re.S):
        return ("a web page (HTML saved from a browser)",
                "print the page to PDF from the browser, or copy its text into a .txt file,"
                " and give that")
    return None


def refuse_other_formats(path: Path) -> None:
    """Raise :class:`FormatError` when ``path`` holds a format ``fiscal`` does not read."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return  # the reader that follows names the problem
    data = head
    if head.startswith(b"PK\x03\x04") and path.stat().st_size <= 200 * 2**20:
        data = path.read_bytes()
    found = sniff(data, path)
    if found:
        what, fix = found
        raise FormatError(f"the file is {what}: no PDF or text that fiscal reads", path=path,
                          fix=fix)


def is_pdf(path: Path) -> bool:
    """Does the file start like a PDF (``%PDF-``), whatever its name?"""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(1024).lstrip()[:5] == b"%PDF-"
    except OSError:
        return False
