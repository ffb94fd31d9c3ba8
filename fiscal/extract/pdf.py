"""PDF disclosures: the text layer with page and line positions, and the tables drawn in it.

A PDF is read with pdfplumber (pdfminer.six underneath; no system tool). The
source copied into the department-year folder is the PDF itself, unchanged
(``source.pdf``); figures are located in a *text rendering* of it:

- every text line of every page, top to bottom, numbered from 1 over the whole
  document — that running number is the ``source_line`` of every table cell
  and claim;
- ``meta["pages"]`` lists the first line number of each page, so line ``n``
  is on page ``k`` where ``pages[k-1] <= n < pages[k]`` (see :func:`page_of`);
- ``meta["source_lines"]`` says so in words, for a reader of ``meta.json``.

The rendering is :func:`read_pdf`\\ ``(path).text``; the same PDF and the same
pdfplumber give the same lines. Tables are found from the ruling the PDF draws
(pdfplumber's table finder); each row keeps the line number of its text.

A PDF that cannot be read ends in :class:`PdfError` (exit 2): no text layer
(a scan), encrypted with a password, or damaged.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from fiscal.errors import FiscalError
from fiscal.extract.text import read_bounded

#: A cell holding a printed amount (thousands separators allowed; ``-`` for negatives).
NUMBER_CELL_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


#: Reading time and memory grow with pages (about 0.1 s and a few MB each): a disclosure
#: of one department-year has a few dozen; a compendium of hundreds is refused.
MAX_PAGES = 300
MAX_PDF_BYTES = 100 * 1024 * 1024


class PdfError(FiscalError):
    """A PDF that cannot be read: no text layer, encrypted, or damaged."""


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
    metadata: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The text rendering: one line per text line, in reading order."""
        return "\n".join(line.text for line in self.lines)

    def page_lines(self, page: int) -> list[PdfLine]:
        return [line for line in self.lines if line.page == page]


def page_of(pages: list[int], line: int) -> int:
    """The page (from 1) that holds a line number, given ``meta["pages"]``."""
    return max(bisect_right(pages, line), 1)


def _open(path: Path):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    data = read_bounded(path, MAX_PDF_BYTES, PdfError, "the PDF", "a disclosure",
                        "split out the one department-year's disclosure")
    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfError("the file does not start with %PDF-: it is no PDF", path=path,
                       fix="give the PDF as downloaded, or the disclosure's text")
    try:
        pdf = pdfplumber.open(path)
        _ = pdf.pages  # parses the page tree: damage shows here
    except Exception as exc:  # pdfminer raises many types on damaged files; pdfplumber wraps
        inner = [exc, *exc.args, exc.__cause__, exc.__context__]
        if any(isinstance(x, (PDFPasswordIncorrect, PDFEncryptionError)) for x in inner):
            raise PdfError("the PDF is encrypted and cannot be opened without its password",
                           path=path, fix="save an unencrypted copy (print to PDF) and give"
                                          " that") from None
        detail = next((f"{type(x).__name__}: {x}" for x in inner[1:]
                       if isinstance(x, Exception) and str(x)), f"{type(exc).__name__}: {exc}")
        raise PdfError(f"the PDF is damaged and cannot be parsed ({detail[:80]})", path=path,
                       fix="download the file again; a truncated download is the usual"
                           " cause") from None
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


def read_pdf(path: Path) -> PdfText:
    """Read a PDF's text layer into numbered lines and its drawn tables.

    Raises :class:`PdfError` for a PDF without a text layer, an encrypted or a
    damaged one.
    """
    path = Path(path)
    pdf, sha = _open(path)
    lines: list[PdfLine] = []
    pages: list[int] = []
    tables: list[PdfTable] = []
    try:
        with pdf:
            if not pdf.pages:
                raise PdfError("the PDF has no page", path=path,
                               fix="download the file again")
            if len(pdf.pages) > MAX_PAGES:
                raise PdfError(f"the PDF has {len(pdf.pages)} pages; a department-year's"
                               f" disclosure has at most {MAX_PAGES}", path=path,
                               fix="split out the one department-year's disclosure")
            for pno, page in enumerate(pdf.pages, start=1):
                pages.append(len(lines) + 1)
                page_lines = []
                for item in page.extract_text_lines(strip=True, return_chars=False):
                    text = item["text"].strip()
                    if not text:
                        continue
                    page_lines.append(PdfLine(len(lines) + len(page_lines) + 1, pno, text,
                                              float(item["top"]), float(item["bottom"])))
                lines.extend(page_lines)
                if not page.rects and not page.lines:
                    continue  # no ruling: no drawn table on this page
                for t in page.find_tables():
                    rows = t.extract()
                    boxes = [list(r.cells) for r in t.rows]
                    row_lines = []
                    for r, texts in zip(t.rows, rows, strict=True):
                        has_text = any(x for x in texts if x)
                        row_lines.append(_line_for(page_lines, r.bbox[1], r.bbox[3])
                                         if has_text else 0)
                    tables.append(PdfTable(pno, tuple(t.bbox), rows, boxes, row_lines))
            metadata = {k: v for k, v in (pdf.metadata or {}).items() if isinstance(v, str)}
    except PdfError:
        raise
    except Exception as exc:
        raise PdfError(f"the PDF is damaged: reading its pages failed ({type(exc).__name__}:"
                       f" {str(exc)[:80]})", path=path,
                       fix="download the file again; a truncated download is the usual"
                           " cause") from None
    if sum(len(line.text) for line in lines) < 20:
        raise PdfError(f"the PDF has no text layer ({len(pages)} page(s) of images: a scan)",
                       path=path, fix="give a PDF with text (the one published, not a scan),"
                       " or run OCR on it first and give the resulting text")
    return PdfText(path=path, sha256=sha, lines=lines, pages=pages, tables=tables,
                   metadata=metadata)


def extract_pdf(path: Path, settings=None, *, slug: str | None = None,
                department: str | None = None, year: int | None = None,
                kind: str | None = None, unregistered: str = "refuse"):
    """Read one PDF disclosure into tables, claims and meta (nothing is written).

    The Shanghai template (drawn tables titled 预算单位…预算表, a 单位预算编制说明)
    is read by :mod:`fiscal.extract.shanghai`; any other PDF's text rendering goes
    through the text extractor, as a text file would.
    """
    from fiscal.config import DeptYear, Settings
    from fiscal.errors import NotADisclosureError
    from fiscal.extract import (
        Extraction,
        _detect_kind,
        _detect_year,
        _guard_magnitudes,
        _identify,
        _meta,
        _meta_extras,
        narrative,
        read_layout,
        shanghai,
    )
    from fiscal.extract.text import Source, cjk_count, normalize_text

    settings = settings or Settings.from_env()
    path = Path(path)
    doc = read_pdf(path)
    source = Source(path=path, sha256=doc.sha256, encoding="pdf", text=doc.text)
    text = normalize_text(doc.text)
    if cjk_count(text) < 20:
        raise NotADisclosureError("the PDF's text holds almost no Chinese: it is not a"
                                  " disclosure", path=path,
                                  fix="give the PDF of a 部门预算/决算 disclosure")
    kind = kind or _detect_kind(text, path)
    year = year or _detect_year(text, path)
    slug, name = _identify(text, path, settings, slug, department, unregistered)
    dy = DeptYear(slug, year, kind)
    named: list[tuple[str, str, int]] = []
    extra: dict = {}
    drawn = shanghai.matches(doc)
    if drawn:
        found = shanghai.read_tables(doc)
        claims, extra = shanghai.read_claims(doc, found, year, name)
    else:
        found, named, claims = read_layout(source.lines, year, kind)
    if not any(c.printed for t in found for c in t.cells) and not claims:
        raise NotADisclosureError("the PDF holds no amount in a table and none in its text",
                                  path=path, fix="give the PDF of a 部门预算/决算 disclosure")
    _guard_magnitudes(found, claims, path)
    meta = _meta(source, dy, name, found, claims)
    _meta_extras(meta, slug, settings, found, named, claims)
    # counts of vehicles (离退休干部用车 0 辆) are no staff counts
    meta["staffing"] = narrative.staffing([c for c in claims if c.unit != "辆"])
    if drawn:  # drawn tables end where their ruling ends: none is cut off
        for info in meta["tables"].values():
            info.pop("complete", None)
    meta["source_encoding"] = "pdf"
    meta["pages"] = doc.pages
    meta["source_lines"] = ("source_line counts the text lines of source.pdf over all its pages"
                            " (fiscal.extract.pdf.read_pdf(path).text); pages[k] is the first"
                            " line of page k+1")
    for t in found:
        lines_of = [c.source_line for c in t.cells if c.source_line]
        if lines_of:
            first_page = page_of(doc.pages, min(lines_of))
            last_page = page_of(doc.pages, max(lines_of))
            meta["tables"][t.id]["pages"] = list(range(first_page, last_page + 1))
    meta.update(extra)
    return Extraction(source=source, dept_year=dy, department=name, tables=found,
                      claims=claims, meta=meta)
