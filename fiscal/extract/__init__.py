"""Disclosure text to a department-year folder: tables, claims, meta, the source copied.

``extract(path)`` reads a source in memory; ``write(extraction, folder)`` writes
the folder atomically (a temporary sibling renamed into place), so a failed run
leaves nothing half-written and a rerun reproduces the folder byte for byte.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fiscal.config import KIND_LABELS, DeptYear, Settings
from fiscal.errors import (
    AmountError,
    NotADisclosureError,
    OutputExistsError,
    RegistryError,
    UnknownDepartmentError,
)
from fiscal.extract import narrative, shanghai, tables
from fiscal.extract.pdf import PdfText, page_of, read_pdf  # PDFium itself loads on first read
from fiscal.extract.text import (
    Source,
    cjk_count,
    normalize_text,
    parse_number,
    plain,
    read_source,
    to_wan,
)
from fiscal.schema import (
    CLAIM_CSV_COLUMNS,
    MAX_AMOUNT_WAN,
    REVIEW_FILE,
    SECTION_TABLES,
    TABLE_CSV_COLUMNS,
)

SOURCE_STEM = "source"


@dataclass
class Extraction:
    """Everything read from one source, before it is written."""

    source: Source
    dept_year: DeptYear
    department: str
    tables: list[tables.Table]
    claims: list[narrative.Claim]
    meta: dict


def _detect_kind(text: str, path: Path) -> str:
    head = "\n".join(line for line in text.split("\n")
                     if tables.TITLE_RE.match(line) or narrative.SECTION_RE.match(line)
                     or len(line.strip()) < 40)
    # 一般公共预算 / 年初预算 name a budget inside a final account too: not counted.
    budget_word = r"(?<!一般公共)(?<!年初)(?<!政府性基金)(?<!国有资本经营)预算(?!数)"
    n_final = len(re.findall(r"决算", head))
    n_budget = len(re.findall(budget_word, head))
    if not n_final and not n_budget:
        n_final = len(re.findall(r"决算", text))
        n_budget = len(re.findall(budget_word, text)) or len(re.findall(r"预算", text))
    # "较 2022 年度决算数增加": only a final account compares itself with last year's 决算
    if re.search(r"(较|比|与)\s*(上年|上年度|去年|(19|20)\d{2}\s*年度?)\s*决算", text):
        n_final += len(re.findall(r"决算", text))
    spent = (r"支出\s*(?:为|是)?\s*\d[\d,.]*\s*(?:万元|元)[^。]{0,30}?"
             r"(?:比|较|与)\s*(?:上年|去年)")
    if not n_final and not n_budget and re.search(spent, text):
        return "final"   # money spent, compared with last year's spending: a final account
    if not n_final and not n_budget:
        raise NotADisclosureError(
            "the text mentions neither 预算 (budget) nor 决算 (final account)",
            path=path, fix="give a department budget or final-account disclosure")
    return "final" if n_final > n_budget else "budget"


#: A year stated as the one compared with, or as a date inside the year: not the document's.
_OTHER_YEAR = re.compile(r"(?:比|较|与|对比|同口径比)\s*$|截至\s*$")


def _detect_year(text: str, path: Path) -> int:
    heads = [line for line in text.split("\n")
             if tables.TITLE_RE.match(line) or narrative.SECTION_RE.match(line)]
    for pool in (heads, text.split("\n")):
        years = Counter(int(m[1]) for line in pool
                        for m in re.finditer(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)", line)
                        if not _OTHER_YEAR.search(line[:m.start()]))
        if years:
            return years.most_common(1)[0][0]
    # a title whose 年 was lost in conversion (岳阳县2015-“三公”经费…表): its year, if alone
    title = next((line for line in text.split("\n") if line.strip()), "")
    found = set(re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", title))
    if len(found) == 1:
        return int(found.pop())
    raise NotADisclosureError("no year (such as 2018 年) is stated", path=path,
                              fix="give the year with --year (fiscal extract, fiscal check),"
                              " or check that this is a disclosure")


def read_departments(settings: Settings) -> list[dict[str, str]]:
    """Rows of ``data/departments.csv`` (slug, name, region, parent, aliases)."""
    path = settings.departments_csv
    if not path.is_file():
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RegistryError(f"the department registry cannot be read ({exc})",
                            path=path, fix="save it as UTF-8 CSV with the header"
                            " slug,name,region,parent,aliases") from None
    if rows and not {"slug", "name"} <= set(rows[0]):
        raise RegistryError("the department registry has no slug and name columns",
                            path=path, fix="start it with the header line"
                            " slug,name,region,parent,aliases")
    return [{k: (v or "") for k, v in r.items() if k is not None} for r in rows]


def _identify(text: str, path: Path, settings: Settings, slug: str | None,
              department: str | None, unregistered: str = "refuse") -> tuple[str, str]:
    registry = read_departments(settings)
    flat = re.sub(r"\s+", "", text)
    if slug:
        for row in registry:
            if row["slug"] == slug:
                return slug, department or row["name"]
        if department:
            return slug, department
        raise UnknownDepartmentError(
            f"slug '{slug}' is not in {settings.departments_csv}", path=path,
            fix="add a row (slug,name,region,parent,aliases) to departments.csv"
                " or pass --department")
    best: tuple[int, dict[str, str]] | None = None
    for row in registry:
        names = [row["name"], *[a for a in row.get("aliases", "").split("|") if a]]
        for name in names:
            if name and name in flat and (best is None or len(name) > best[0]):
                best = (len(name), row)
    if best is None:
        if unregistered == "provisional":
            return provisional_slug(path), department or _named_in_text(text) or UNREGISTERED
        named = _named_in_text(text)
        raise UnknownDepartmentError(
            (f"the text names '{named}', which" if named else "no department that")
            + f" {settings.departments_csv} registers" + ("" if named else " is named in the text"),
            path=path,
            fix="add the department to departments.csv (slug,name,region,parent,aliases)"
                " or pass --slug and --department")
    return best[1]["slug"], department or best[1]["name"]


#: The name given to a department that the registry does not know and the text does not name.
UNREGISTERED = "未登记部门"
_DEPT_NAME_RE = re.compile(
    r"(?:^|[\s：:>])(?P<name>[\u4e00-\u9fff（）()]{2,24}?"
    r"(?:局|委员会|委|办公厅|办公室|中心|站|院|园|支队|政协|研究室|部))"
    r"\s*(?:\d{4}\s*年|主要职能|[（(]汇总[）)])")


def _named_in_text(text: str) -> str:
    """A department name as the text prints it (``XX局2018年…``), or ''."""
    m = _DEPT_NAME_RE.search(text[:3000])
    return m["name"] if m else ""


def provisional_slug(path: Path) -> str:
    """A slug for a department that is not registered: the file name, made a slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:63].strip("-")
    return slug or "unregistered"


def extract(path: Path, settings: Settings | None = None, *, slug: str | None = None,
            department: str | None = None, year: int | None = None,
            kind: str | None = None, unregistered: str = "refuse") -> Extraction:
    """Read one disclosure (a text file or a PDF) into tables, claims and meta (nothing is
    written).

    One pipeline for every source: read (text, or a PDF's text lines and drawn tables) →
    identify (kind, year, department) → lay out (tables, then claims, by the template's
    reader: the Shanghai drawn-table template, or text laid out line by line) → meta.

    A department that ``departments.csv`` does not register is refused
    (:class:`UnknownDepartmentError`) unless ``unregistered="provisional"``: then
    the slug is made from the file name and meta says ``department_registered: false``
    (for checking a text that is not going into ``data/``).
    """
    from fiscal.extract.formats import is_pdf, refuse_other_formats  # lazy: read on first use

    refuse_other_formats(path)  # spreadsheets, Word files, web pages, images: one clear line
    path = Path(path)
    settings = settings or Settings.from_env()
    doc = None
    if path.suffix.lower() == ".pdf" or is_pdf(path):
        doc = read_pdf(path)
        source = Source(path=path, sha256=doc.sha256, encoding="pdf", text=doc.text)
    else:
        source = read_source(path)
    what = "the PDF's text" if doc is not None else "the text"
    text = normalize_text(source.text)
    if cjk_count(text) < 20:
        raise NotADisclosureError(f"{what} holds almost no Chinese: it is not a disclosure",
                                  path=path, fix="give the text of a 部门预算/决算 disclosure")
    kind = kind or _detect_kind(text, path)
    year = year or _detect_year(text, path)
    slug, name = _identify(text, path, settings, slug, department, unregistered)
    dy = DeptYear(slug, year, kind)
    drawn = doc is not None and shanghai.matches(doc)
    extra: dict = {}
    unread: list[dict] = []
    if drawn:
        named = []
        found, claims, extra = _drawn_layout(doc, year, kind, name, unread)
    else:
        found, named, claims = read_layout(source.lines, year, kind)
    if not any(c.printed for t in found for c in t.cells) and not any(
            c.unit == "万元" for c in claims):
        what = "no amount in a table and no amount stated in the narrative"
        if named:
            what += f" (it names {len(named)} table(s) without printing them)"
        raise NotADisclosureError(what, path=path,
                                  fix="give the part of the disclosure that holds the figures")
    _guard_magnitudes(found, claims, path)
    meta = _meta(source, dy, name, found, claims)
    _meta_extras(meta, slug, settings, found, named, claims)
    if doc is not None:
        _pdf_meta(meta, doc, found, claims, drawn)
    meta.update(extra)
    if unread:
        meta["unread"] = unread
    return Extraction(source=source, dept_year=dy, department=name, tables=found,
                      claims=claims, meta=meta)


def _drawn_layout(doc: PdfText, year: int, kind: str, name: str, unread: list[dict]
                  ) -> tuple[list[tables.Table], list[narrative.Claim], dict]:
    """Tables and claims of a PDF in the Shanghai template (drawn tables by title); a
    narrative that cannot be read is reported in ``unread`` and the tables still checked."""
    found = shanghai.read_tables(doc, unread, final=kind == "final")
    if kind == "budget":
        unread.extend(shanghai.missing_tables(found, unread))
    try:
        claims, extra = shanghai.read_claims(doc, found, year, name, kind)
    except Exception as exc:  # the tables are still checked; the narrative is reported
        claims, extra = [], {}
        unread.append({"table": "", "title": "预算编制说明（正文）", "page": 0, "line": 0,
                       "reason": f"正文无法读取（{type(exc).__name__}: {exc}）"[:160]})
    return found, claims, extra


def _pdf_meta(meta: dict, doc: PdfText, found: list[tables.Table],
              claims: list[narrative.Claim], drawn: bool) -> None:
    """What meta says of a PDF source: its pages, where each table stands, staff counts."""
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


def read_layout(lines: list[str], year: int, kind: str
                ) -> tuple[list[tables.Table], list[tuple[str, str, int]], list[narrative.Claim]]:
    """Tables, tables only named, and claims of a text laid out line by line.

    Claims are linked to the table cells they name; uncoded rows get their level.
    """
    found, named = tables.extract_tables(lines, with_named=True)
    basis = "决算" if kind == "final" else "预算"
    claims = narrative.extract_claims(_outside_tables(lines, found), len(lines), year, basis)
    _align_levels(found)
    _resolve_refs(claims, found)
    _sangong_rows_refs(claims, found)
    return found, named, claims


def _outside_tables(lines: list[str], found: list[tables.Table]) -> list[str]:
    """The lines with every table (title to last cell) blanked: the narrative, wherever it
    stands (before the tables, between them, or after a 三公 table), keeping line numbers."""
    out = list(lines)
    for t in found:
        last = max((c.source_line for c in t.cells), default=t.title_line)
        for i in range(max(t.title_line - 1, 0), min(last, len(out))):
            out[i] = ""
    return out


def _guard_magnitudes(found: list[tables.Table], claims: list[narrative.Claim],
                      path: Path) -> None:
    """Refuse a figure no budget can have: it is a misread number, not data."""
    for t in found:
        for c in t.cells:
            if c.printed and abs(to_wan(parse_number(c.printed).value, t.unit)) > MAX_AMOUNT_WAN:
                raise AmountError(
                    f"table {t.id} ({t.title}), row '{c.label}': {c.printed} {t.unit} is beyond"
                    " any department budget", path=path, where=f"line {c.source_line}",
                    fix="check the cell: digits may have run together, or the unit is wrong")
    for c in claims:
        if c.unit == "万元" and abs(Decimal(c.value)) > MAX_AMOUNT_WAN:
            raise AmountError(f"the narrative states {c.printed}, beyond any department budget",
                              path=path, where=f"line {c.source_line}",
                              fix="check the figure: digits may have run together")


def _align_levels(found: list[tables.Table]) -> None:
    """Give uncoded expense rows (t01, t03, t04) the level of the same row in t05.

    Summary tables print function names without codes and often without
    indentation; their rows follow t05's order, so a walk in step recovers the
    level of each (类 1, 款 2, 项 3).
    """
    by_id = {t.id: t for t in found}
    t05 = by_id.get("t05")
    if t05 is None:
        return
    ref = []
    for c in t05.cells:
        if c.code and (not ref or ref[-1][0] != c.row):
            ref.append((c.row, c.name, c.level))
    for tid in ("t01", "t03", "t04"):
        t = by_id.get(tid)
        if t is None:
            continue
        rows: dict[int, list[tables.Cell]] = {}
        for c in t.cells:
            if not c.code and c.side in ("", "支出"):
                rows.setdefault(c.row, []).append(c)
        j = 0
        for _row, cells in sorted(rows.items()):
            name = cells[0].name
            k = next((k for k in range(j, len(ref)) if ref[k][1] == name), None)
            if k is None:
                continue
            for c in cells:
                c.level = ref[k][2]
            j = k + 1


def _resolve_refs(claims: list[narrative.Claim], found: list[tables.Table]) -> None:
    """Name the table cell of each amount whose subject names a row of the section's tables."""
    by_id = {t.id: t for t in found}
    for c in claims:
        if c.table or c.role != "amount":
            continue
        ids = next((ts for pat, ts in SECTION_TABLES if re.search(pat, c.section)), ())
        subject = re.sub(r"(的)?支出$", "", c.subject)
        for tid in ids:
            t = by_id.get(tid)
            if t is None:
                continue
            order = {col: i for i, col in enumerate(t.columns)}
            names: dict[str, tables.Cell] = {}
            for cell in sorted((x for x in t.cells if x.printed),
                               key=lambda x: (x.row, order.get(x.column, 99))):
                names.setdefault(cell.name, cell)
            hit = names.get(c.subject) or names.get(subject)
            if hit is None:
                close = difflib.get_close_matches(subject, list(names), n=2, cutoff=0.8)
                hit = names[close[0]] if len(close) == 1 else None
            if hit is not None:
                c.table, c.item, c.column = tid, hit.code or hit.name, hit.column
                break


def _sangong_rows_refs(claims: list[narrative.Claim], found: list[tables.Table]) -> None:
    """Point 三公 claims at the rows of a 三公 table printed as rows (column ``amount``).

    A claim whose item has no row there no longer names the table (nothing to
    compare it with).
    """
    t09 = next((t for t in found if t.id == "t09"), None)
    if t09 is None or "amount" not in t09.columns:
        return
    rows: dict[str, str] = {}
    for c in t09.cells:
        if c.column != "amount":
            continue
        canon = "三公经费" if c.level == 0 or re.search(r"三公.*合计|^支出合计$", c.name) else \
            narrative.canonical_subject(c.name)
        rows.setdefault(canon, c.name)
    for c in claims:
        if c.table != "t09" or c.column == "amount":
            continue
        if c.subject in rows:
            c.item, c.column = rows[c.subject], "amount"
        else:
            c.table = c.item = c.column = ""


def _meta_extras(meta: dict, slug: str, settings: Settings, found: list[tables.Table],
                 named: list[tuple[str, str, int]], claims: list[narrative.Claim]) -> None:
    """Meta keys that only partial or unusual disclosures need (absent otherwise)."""
    if not any(row["slug"] == slug for row in read_departments(settings)):
        meta["department_registered"] = False
    if not found:
        units = Counter(re.sub(r"[\d.,\s]", "", c.printed) for c in claims if c.unit == "万元")
        units = Counter({("万元" if u == "万" else u): n for u, n in units.items()
                         if u in ("元", "万元", "万", "亿元")})
        if units:
            meta["unit"] = units.most_common(1)[0][0]
    have = {t.id for t in found}
    missing = [{"table": tid, "title": title, "line": line} for tid, title, line in named
               if tid not in have]
    if missing:
        meta["tables_named_not_printed"] = missing
    notes = [n for t in found for n in t.notes]
    if notes:
        meta["notes"] = notes
    if found:  # a text cut off inside its last table: that table has no closing total
        last = max(found, key=lambda t: t.title_line)
        totals = [c for c in last.cells if c.printed and (
            re.search(r"合计|总计", c.label) or c.column == "total" and not c.label)]
        if last.id not in ("t12", "t13") and last.cells and not totals:
            meta["tables"][last.id]["complete"] = False


def _meta(source: Source, dy: DeptYear, name: str, found: list[tables.Table],
          claims: list[narrative.Claim]) -> dict:
    from fiscal import __version__

    table_meta = {}
    for t in found:
        amounts = [c for c in t.cells if c.printed]
        table_meta[t.id] = {
            "title": t.title, "title_line": t.title_line, "unit": t.unit,
            "columns": list(t.columns), "rows": len({c.row for c in t.cells}),
            "cells": len(amounts), "file": f"{t.id}.csv",
        }
    units = Counter(t.unit for t in found)
    return {
        "department": name,
        "slug": dy.slug,
        "year": dy.year,
        "kind": dy.kind,
        "kind_label": KIND_LABELS[dy.kind],
        "unit": units.most_common(1)[0][0] if units else "万元",
        "source_file": source.path.name,
        "source_copy": SOURCE_STEM + (source.path.suffix.lower() or ".txt"),
        "source_sha256": source.sha256,
        "source_encoding": source.encoding,
        "staffing": narrative.staffing(claims),
        "vehicles": narrative.vehicles(claims),
        "tables": table_meta,
        "claims": {"file": "claims.csv", "count": len(claims)},
        "extracted_by": f"fiscal {__version__}",
    }


def table_rows(t: tables.Table) -> list[dict[str, object]]:
    """CSV rows of one table (long form, amounts in exact 万元)."""
    out = []
    for c in t.cells:
        if c.printed:
            n = parse_number(c.printed)
            amount, ulp = plain(to_wan(n.value, t.unit)), plain(to_wan(n.ulp, t.unit))
        else:
            amount = ulp = ""
        out.append({
            "row": c.row, "side": c.side, "code": c.code, "label": c.label, "name": c.name,
            "level": c.level, "column": c.column, "printed": c.printed, "amount_wan": amount,
            "ulp_wan": ulp, "text": c.text, "source_line": c.source_line,
        })
    return out


def _csv_bytes(columns: tuple[str, ...], rows: list[dict[str, object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def files_of(ex: Extraction) -> dict[str, bytes]:
    """Every file of the department-year folder, by name."""
    files = {f"{t.id}.csv": _csv_bytes(TABLE_CSV_COLUMNS, table_rows(t)) for t in ex.tables}
    files["claims.csv"] = _csv_bytes(CLAIM_CSV_COLUMNS, [c.as_row() for c in ex.claims])
    files["meta.json"] = (json.dumps(ex.meta, ensure_ascii=False, indent=2, sort_keys=False)
                          + "\n").encode("utf-8")
    files[ex.meta["source_copy"]] = ex.source.path.read_bytes()
    return files


def write(ex: Extraction, out_dir: Path) -> Path:
    """Write the department-year folder atomically; replaces an earlier extraction."""
    out_dir = Path(out_dir)
    blocker = next((p for p in (out_dir, *out_dir.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise OutputExistsError(f"{blocker} is a file, not a folder", path=out_dir,
                                fix="choose an --out folder that is not inside a file")
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / "meta.json").is_file():
        raise OutputExistsError("the folder exists and is not a department-year folder",
                                path=out_dir, fix="choose another --out or empty the folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    tmp.chmod(0o755)
    try:
        for name, data in sorted(files_of(ex).items()):
            (tmp / name).write_bytes(data)
        if (out_dir / REVIEW_FILE).is_file():  # a reviewer's verdicts: kept, never rewritten
            shutil.copy2(out_dir / REVIEW_FILE, tmp / REVIEW_FILE)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old.{os.getpid()}")
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
