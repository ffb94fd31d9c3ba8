"""PDF disclosures: the text layer with page and line positions, and the tables drawn in it.

A PDF is read with PDFium (pypdfium2; no system tool): its characters with their
boxes and its ruling (path objects), from which :mod:`fiscal.extract.pdflayout`
builds text lines and ruled tables by pdfplumber's rules. The source copied into
the department-year folder is the PDF itself, unchanged (``source.pdf``); figures
are located in a *text rendering* of it:

- every text line of every page, top to bottom, numbered from 1 over the whole
  document — that running number is the ``source_line`` of every table cell
  and claim;
- ``meta["pages"]`` lists the first line number of each page, so line ``n``
  is on page ``k`` where ``pages[k-1] <= n < pages[k]`` (see :func:`page_of`);
- ``meta["source_lines"]`` says so in words, for a reader of ``meta.json``.

The rendering is :func:`read_pdf`\\ ``(path).text``; the same PDF gives the same
lines. Tables are found from the ruling the PDF draws; each row keeps the line
number of its text.

A PDF that cannot be read ends in :class:`PdfError` (exit 2): no text layer
(a scan), encrypted with a password, or damaged.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from fiscal.errors import PdfError
from fiscal.extract.text import read_bounded

#: A cell holding a printed amount (thousands separators allowed; ``-`` for negatives).
NUMBER_CELL_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


#: Reading time and memory grow with pages (a few ms and well under a MB each): a
#: disclosure of one department-year has a few dozen; a compendium of hundreds is refused.
MAX_PAGES = 300
MAX_PDF_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class PdfLine:
    """One text line of the rendering: running number, page, text and vertical band."""

    number: int
    page: int
    text: str
    top: float
    bottom: float


@dataclass
class PdfTable:
    """A table drawn on one page: cell texts by row and the geometry to read its header.

    ``rows[i][j]`` is the text of cell ``j`` of row ``i`` (None where a merged cell
    covers it); ``boxes`` the same cells' ``(x0, top, x1, bottom)``; ``row_lines``
    the line number of each row's text (0 for a row without text).
    """

    page: int
    bbox: tuple[float, float, float, float]
    rows: list[list[str | None]]
    boxes: list[list[tuple[float, float, float, float] | None]]
    row_lines: list[int]


@dataclass
class PdfText:
    """A PDF read: its lines, its tables, the first line of every page."""

    path: Path
    sha256: str
    lines: list[PdfLine]
    pages: list[int]  # first line number of each page (1-based pages, in order)
    tables: list[PdfTable] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text rendering: one line per text line, in reading order."""
        return "\n".join(line.text for line in self.lines)

    def page_lines(self, page: int) -> list[PdfLine]:
        """The lines of one page (from 1), top to bottom."""
        if not 1 <= page <= len(self.pages):
            return []
        first = self.pages[page - 1]
        last = self.pages[page] if page < len(self.pages) else len(self.lines) + 1
        return self.lines[first - 1:last - 1]


def page_of(pages: list[int], line: int) -> int:
    """The page (from 1) that holds a line number, given ``meta["pages"]``."""
    return max(bisect_right(pages, line), 1)


_FIX_DOWNLOAD = "download the file again; a truncated download is the usual cause"


def _open(path: Path):
    import pypdfium2 as pdfium

    data = read_bounded(path, MAX_PDF_BYTES, PdfError, "the PDF", "a disclosure",
                        "split out the one department-year's disclosure")
    if data.lstrip()[:5] != b"%PDF-":
        from fiscal.extract.formats import sniff

        found = sniff(data, path)
        what = f"it is no PDF but {found[0]}" if found else "it is no PDF"
        raise PdfError(f"the file does not start with %PDF-: {what}", path=path,
                       fix=found[1] if found else "give the PDF as downloaded, or the"
                                                  " disclosure's text")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PdfError("the PDF is encrypted and cannot be opened without its password",
                           path=path, fix="save an unencrypted copy (print to PDF) and give"
                                          " that") from None
        detail = str(exc).replace("Failed to load document ", "").strip("(). ")
        raise PdfError(f"the PDF is damaged and cannot be parsed ({detail[:80]})", path=path,
                       fix=_FIX_DOWNLOAD) from None
    return pdf, hashlib.sha256(data).hexdigest()


def _line_for(lines: list[PdfLine], top: float, bottom: float) -> int:
    """The number of the line whose middle lies in ``[top, bottom]``, else the nearest."""
    best, dist = 0, float("inf")
    for line in lines:
        mid = (line.top + line.bottom) / 2
        if top <= mid <= bottom:
            return line.number
        d = min(abs(mid - top), abs(mid - bottom))
        if d < dist:
            best, dist = line.number, d
    return best


# ---------------------------------------------------------------------------
# PDFium: characters and ruling of a page
# ---------------------------------------------------------------------------

_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _compose(outer: _Matrix, inner: _Matrix) -> _Matrix:
    """The matrix applying ``inner`` first, then ``outer`` (PDF convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _chars(raw, textpage, height: float):
    """Every character of a page, in content order, with pdfplumber's box convention."""
    from fiscal.extract.pdflayout import Char

    n = raw.FPDFText_CountChars(textpage)
    rect = raw.FS_RECTF()
    m = raw.FS_MATRIX()
    get_unicode, generated = raw.FPDFText_GetUnicode, raw.FPDFText_IsGenerated
    loose, matrix, size_of = (raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetMatrix,
                              raw.FPDFText_GetFontSize)
    out: list = []
    last = None
    for i in range(n):
        u = get_unicode(textpage, i)
        text = chr(u) if 0 < u < 0x110000 else ""
        if text.isspace():  # a space (printed or inferred by PDFium): a word break
            if last is not None:
                out.append(Char(" ", last.x1, last.x1, last.top, last.bottom, last.upright))
            continue
        if not text or u < 32 or generated(textpage, i):
            continue
        loose(textpage, i, rect)
        matrix(textpage, i, m)
        scale = (m.c * m.c + m.d * m.d) ** 0.5
        bottom = height - rect.bottom
        last = Char(text, rect.left, rect.right, bottom - size_of(textpage, i) * scale, bottom,
                    m.b == 0 and m.c == 0)
        out.append(last)
    return out


def _ruling(raw, page, height: float):
    """Horizontal ``(top, x0, x1)`` and vertical ``(x, top, bottom)`` ruling of a page, and
    whether a text object in a font that is not embedded has no extent (PDFium then drops
    its text: a one-character CJK string in a standard CID font such as STSong-Light)."""
    import ctypes

    h: list[tuple[float, float, float]] = []
    v: list[tuple[float, float, float]] = []
    fm = raw.FS_MATRIX()
    px, py = ctypes.c_float(), ctypes.c_float()
    box = [ctypes.c_float() for _ in range(4)]
    eps = 0.01
    lost = False

    def add(p, q) -> None:
        (x0, y0), (x1, y1) = p, q
        if abs(x0 - x1) < eps and abs(y0 - y1) >= eps:
            v.append((x0, min(y0, y1), max(y0, y1)))
        elif abs(y0 - y1) < eps and abs(x0 - x1) >= eps:
            h.append((y0, min(x0, x1), max(x0, x1)))

    def walk(count, get, outer: _Matrix, depth: int) -> None:
        nonlocal lost
        for k in range(count):
            obj = get(k)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_TEXT and not lost:
                raw.FPDFPageObj_GetBounds(obj, *box)
                lost = (box[2].value - box[0].value < eps and box[3].value - box[1].value < eps
                        and not raw.FPDFFont_GetIsEmbedded(raw.FPDFTextObj_GetFont(obj)))
            if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
                continue
            raw.FPDFPageObj_GetMatrix(obj, fm)
            mat = _compose(outer, (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f))
            if kind == raw.FPDF_PAGEOBJ_FORM:
                if depth < 8:
                    walk(raw.FPDFFormObj_CountObjects(obj),
                         lambda j, o=obj: raw.FPDFFormObj_GetObject(o, j), mat, depth + 1)
                continue
            a, b, c, d, e, f = mat
            start = prev = None
            for s in range(raw.FPDFPath_CountSegments(obj)):
                seg = raw.FPDFPath_GetPathSegment(obj, s)
                raw.FPDFPathSegment_GetPoint(seg, px, py)
                x, y = px.value, py.value
                pt = (a * x + c * y + e, height - (b * x + d * y + f))
                typ = raw.FPDFPathSegment_GetType(seg)
                if typ == raw.FPDF_SEGMENT_MOVETO:
                    start = prev = pt
                    continue
                if typ == raw.FPDF_SEGMENT_LINETO and prev is not None:
                    add(prev, pt)
                prev = pt
                if raw.FPDFPathSegment_GetClose(seg) and start is not None:
                    if start != pt:
                        add(pt, start)
                    prev = start

    walk(raw.FPDFPage_CountObjects(page), lambda j: raw.FPDFPage_GetObject(page, j),
         _IDENTITY, 0)
    return h, v, lost


def _pdfminer_chars(path: Path, pno: int):
    """A page's characters read by pdfminer (pdfplumber): for the rare page whose text
    PDFium cannot place."""
    import pdfplumber

    from fiscal.extract.pdflayout import Char

    with pdfplumber.open(path) as pdf:
        return [Char(c["text"], float(c["x0"]), float(c["x1"]), float(c["top"]),
                     float(c["bottom"]), bool(c.get("upright", True)))
                for c in pdf.pages[pno - 1].chars]


def read_pdf(path: Path) -> PdfText:
    """Read a PDF's text layer into numbered lines and its drawn tables.

    Raises :class:`PdfError` for a PDF without a text layer, an encrypted or a
    damaged one.
    """
    import pypdfium2.raw as raw

    from fiscal.extract.pdflayout import find_tables, merge_ruling, text_lines

    path = Path(path)
    pdf, sha = _open(path)
    lines: list[PdfLine] = []
    pages: list[int] = []
    tables: list[PdfTable] = []
    try:
        n_pages = len(pdf)
        if not n_pages:
            raise PdfError("the PDF has no page", path=path, fix="download the file again")
        if n_pages > MAX_PAGES:
            raise PdfError(f"the PDF has {n_pages} pages; a department-year's"
                           f" disclosure has at most {MAX_PAGES}", path=path,
                           fix="split out the one department-year's disclosure")
        for pno in range(1, n_pages + 1):
            page = pdf[pno - 1]
            try:
                left, bottom, right, top = page.get_mediabox()
                height = top
                textpage = page.get_textpage()
                try:
                    chars = _chars(raw, textpage.raw, height)
                finally:
                    textpage.close()
                h, v, lost = _ruling(raw, page.raw, height)
            finally:
                page.close()
            if lost:
                chars = _pdfminer_chars(path, pno)
            pages.append(len(lines) + 1)
            page_lines = []
            for text, t, b in text_lines(chars):
                text = text.strip()
                if text:
                    page_lines.append(PdfLine(len(lines) + len(page_lines) + 1, pno, text,
                                              float(t), float(b)))
            lines.extend(page_lines)
            if not h or not v:
                continue  # no ruling: no drawn table on this page
            h, v = merge_ruling(h, v)
            for grid in find_tables(h, v, chars):
                row_lines = [_line_for(page_lines, rb[1], rb[3])
                             if any(x for x in texts if x) else 0
                             for rb, texts in zip(grid.row_boxes, grid.rows, strict=True)]
                tables.append(PdfTable(pno, grid.bbox, grid.rows, grid.boxes, row_lines))
    except PdfError:
        raise
    except Exception as exc:  # PDFium reports damage on a page as it reads it
        raise PdfError(f"the PDF is damaged: reading its pages failed ({type(exc).__name__}:"
                       f" {str(exc)[:80]})", path=path, fix=_FIX_DOWNLOAD) from None
    finally:
        pdf.close()
    if sum(len(line.text) for line in lines) < 20:
        raise PdfError(f"the PDF has no text layer ({len(pages)} page(s) of images: a scan)",
                       path=path, fix="give a PDF with text (the one published, not a scan),"
                       " or run OCR on it first and give the resulting text")
    return PdfText(path=path, sha256=sha, lines=lines, pages=pages, tables=tables)
