"""The Shanghai template (上海市…区级单位/部门预算) read from a PDF's drawn tables and text.

Nine tables drawn with ruling lines, each under a title (2026年预算单位收入预算总表 …)
that ``fiscal.schema.table_id_for_title`` maps to a standard id; a table continues
over page breaks (the next page's table has no title; its repeated header is
dropped). Column ids come from the header cells over each column
(``fiscal.schema.HEADER_ALIASES``); function codes printed over 类/款/项 columns
are joined into 3/5/7-digit codes. Amounts stay as printed (元 in most tables,
万元 in the 三公 table); ``Table.unit`` carries the printed unit and the folder
stores exact 万元.

The narrative (单位预算编制说明 before the tables, 其他相关情况说明 after them)
states totals with their change against the prior year, one item per 项 with the
prior year's execution figure (basis 执行数), the budget figure restated and the
change in %, 三公 with its parts and 机关运行经费, procurement by goods/works/
services, projects with performance targets, vehicles. It is read by the one claim
reader (:func:`fiscal.extract.narrative.extract_claims`); this module gives it the
narrative's lines and the template's words (``fiscal.schema.TEMPLATE_SUBJECTS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fiscal.extract.narrative import Claim, code_names, extract_claims
from fiscal.extract.pdf import NUMBER_CELL_RE, PdfLine, PdfTable, PdfText, page_of
from fiscal.extract.tables import TOTAL_RE, UNIT_RE, Cell, Table, compact
from fiscal.schema import (
    CODE_LEVELS,
    EXHAUSTIVE_PARTS,
    HEADER_ALIASES,
    TABLES,
    TEMPLATE_SUBJECTS,
    table_id_for_title,
)

#: A table title line: ends in 表 (an optional unit note after it), not too long.
TITLE_LINE_RE = re.compile(r"^\S.{2,58}表\s*(?:[（(].{0,12}[）)])?$")
NOTE_RE = re.compile(r"^\s*(注|备注)\s*[:：]")
NUMBERING = (r"^[一二三四五六七八九十]+[、.]", r"^[（(][一二三四五六七八九十]+[）)]",
             r"^\d+[、.．](?!\d)", r"^[（(]\d+[）)]")
#: Titles of final-account (决算) tables that ``fiscal.schema.table_id_for_title`` leaves out.
FINAL_TITLES = ((r"收入决算表$", "t02"), (r"(?<!基本)支出决算表$", "t03"))
#: The nine tables of the Shanghai budget template (部门/单位预算).
BUDGET_TABLES = ("t01", "t02", "t03", "t04", "t05", "t06", "t10", "t11", "t09")
#: Header paths read before ``fiscal.schema.HEADER_ALIASES`` (one code column: 类款项 in one
#: cell) and after them (决算数: a final account's total).
EXTRA_HEADERS = ((r"(编码|代码|编号)$", "code1"),)
LAST_HEADERS = ((r"决算数?$", "total?"),)
#: Columns of a final account that the data contract has no place for: budget at the start
#: of the year, adjusted budget (the 决算 columns beside them are read).
FINAL_SKIPPED = re.compile(r"年初预算|调整预算|调整后预算|(^|/)预算数?($|/)|全年预算")
#: Words saying that a table has no content: 本部门无政府性基金预算, 本表无数据, 故本表为空表.
NONE_RE = re.compile(r"^无$|本表无数据|无数据|为空表|空表|^本(部门|单位)(20\d\d年)?(度)?无"
                     r"|本(部门|单位)[^。，,]{0,12}没有")
#: A header row of column numbers in a final account: 栏次 1 2 3 …
ORDINAL_LABELS = ("栏次", "行次")
#: A unit line: 单位：元, 金额单位：万元, 单位：人民币元.
UNIT_LINE_RE = re.compile(r"单位\s*[：:]\s*(?:人民币)?\s*(?P<unit>亿元|万元|元)")
CODE_NAME_RE = re.compile(r"^(?P<code>\d{3}(?:\s*\d{2}){0,2})\s+(?P<name>\S.*)$")


def _table_title(text: str) -> tuple[str, str] | None:
    """``(id, title)`` when a line is a standard table's title, else None."""
    text = compact(text)
    if not TITLE_LINE_RE.match(text) or re.match(r"^\d+[.．、]", text):
        return None
    tid = table_id_for_title(text) or next(
        (t for pat, t in FINAL_TITLES if re.search(pat, text)), None)
    return (tid, text) if tid else None


def _title_of(lines: list[PdfLine]) -> tuple[str, str, PdfLine] | None:
    for line in reversed(lines):
        hit = _table_title(line.text)
        if hit:
            return hit[0], hit[1], line
    return None


def matches(doc: PdfText) -> bool:
    """Does the PDF draw at least three titled standard tables (the Shanghai layout)?"""
    titled = 0
    for pt in doc.tables:
        above = [ln for ln in doc.page_lines(pt.page) if ln.bottom <= pt.bbox[1] + 1]
        titled += _title_of(above) is not None
    if titled >= 3:
        return True
    # titles printed on the page before their grid
    titles = {hit[0] for ln in doc.lines if (hit := _table_title(ln.text))}
    return titled >= 1 and len(titles) >= 3 and len(doc.tables) >= 3


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

@dataclass
class _Layout:
    """What each column of a table holds: (side, column id) by column index, and where."""

    columns: list[tuple[str, str]]
    two_sided: bool
    centres: list[float | None] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # header paths not read (决算's 年初预算)
    edges: list[float] = field(default_factory=list)  # the grid's column boundaries

    def index_of(self, box: tuple[float, float, float, float] | None, j: int, ncols: int
                 ) -> int | None:
        """The layout column of a cell: by its box (the column centre it covers), else
        by position when the grid has as many columns as the layout."""
        if box is not None and self.centres:
            for k, xc in enumerate(self.centres):
                if xc is not None and box[0] - 0.5 <= xc <= box[2] + 0.5:
                    return k
        return j if ncols == len(self.columns) and j < len(self.columns) else None


def _is_data_row(texts: list[str | None]) -> bool:
    cells = [compact(t or "") for t in texts]
    filled = [c for c in cells if c]
    if filled and filled[0] in ORDINAL_LABELS:
        return False
    if any(NUMBER_CELL_RE.match(c) for c in filled):
        return True
    return bool(filled) and (filled == ["无"] or (TOTAL_RE.match(filled[0]) is not None
                                                  and len(filled) == 1))


def _header_paths(pt: PdfTable, first_data: int) -> tuple[list[str], list[float | None]]:
    """For each column, its header cells from top to bottom joined by ``/``, and its centre."""
    ncols = max((len(r) for r in pt.boxes), default=0)
    centres: list[float | None] = [None] * ncols
    for i in [*range(first_data, len(pt.boxes)), *reversed(range(first_data))]:
        for j, box in enumerate(pt.boxes[i]):
            if centres[j] is None and box is not None:
                centres[j] = (box[0] + box[2]) / 2
    header = [i for i in range(first_data)  # a row of column numbers (栏次 1 2 3) is no header
              if compact(next((t for t in pt.rows[i] if t and t.strip()), "")) not in
              ORDINAL_LABELS]
    paths = []
    for j in range(ncols):
        xc = centres[j]
        parts = []
        for i in header:
            for k, box in enumerate(pt.boxes[i]):
                text = compact(pt.rows[i][k] or "")
                if box is None or not text or xc is None:
                    continue
                if box[0] <= xc <= box[2]:
                    parts.append((box[1], text))
        paths.append("/".join(t for _, t in sorted(parts)))
    return paths, centres


def _alias(path: str, tid: str) -> str:
    for pattern, col in (*EXTRA_HEADERS, *HEADER_ALIASES, *LAST_HEADERS):
        if re.search(pattern, path):
            if col == "total?":
                return "total" if "total" in TABLES[tid].columns else "amount"
            return col
    return ""


def _column_id(path: str, tid: str) -> str:
    """The column id a header path stands for; a header wrapped over two ruled rows
    (事业单位/经营收入) is tried joined too."""
    if not path:
        return ""
    col = _alias(path, tid)
    if not col and "/" in path:
        head, _, last = path.rpartition("/")
        prev = head.rpartition("/")[2]
        col = _alias(prev + last, tid) or _alias(path.replace("/", ""), tid)
    return col


def _layout(pt: PdfTable, first_data: int, tid: str, final: bool) -> _Layout:
    paths, centres = _header_paths(pt, first_data)
    two = TABLES[tid].two_sided
    cols = []
    skipped = []
    for path in paths:
        side = ""
        if two:
            top = path.split("/")[0]
            side = "收入" if top.endswith("收入") else "支出"
        col = _column_id(path, tid)
        if final and col and col not in ("code1", "code2", "code3", "name", "label") \
                and FINAL_SKIPPED.search(path):
            skipped.append(path)
            col = ""
        cols.append((side, col))
    return _Layout(cols, two, centres, skipped, _edges(pt, first_data))


def _edges(pt: PdfTable, first_data: int) -> list[float]:
    """Column boundaries of a grid, from its body rows (its header where it has none)."""
    xs: set[float] = set()
    rows = pt.boxes[first_data:] or pt.boxes
    for row in rows:
        for box in row:
            if box is not None:
                xs.update((round(box[0], 1), round(box[2], 1)))
    out: list[float] = []
    for x in sorted(xs):
        if not out or x - out[-1] > 3:
            out.append(x)
    return out


def _numbered_level(label: str, seen: list[int]) -> int:
    """Level of a label by its numbering style, styles ranked in order of appearance."""
    if TOTAL_RE.match(label):
        return 0
    style = next((k for k, p in enumerate(NUMBERING) if re.match(p, label)), None)
    if style is None:
        return 1
    if style not in seen:
        seen.append(style)
    return seen.index(style) + 1


def _join_code(parts: list[str], last: dict[int, str]) -> str:
    """类/款/项 parts (or one whole code) joined: ``204 06 01`` -> ``2040601``; a part that
    repeats its parent (``204 20406 2040601``) or a part printed alone on its level (款 06
    under the 类 above) is read as such."""
    code = ""
    for k, part in enumerate(parts):
        if not part:
            continue
        if code and part.startswith(code) and len(part) > len(code):
            code = part
        elif not code and k > 0 and len(part) == 2 and last.get(k - 1):
            code = last[k - 1] + part  # 款 or 项 printed without its parent on the row
        else:
            code += part
    return code


class _TableBuilder:
    def __init__(self, table: Table, layout: _Layout, row_name: str) -> None:
        self.table = table
        self.layout = layout
        self.row = 0
        self.row_name = row_name
        self.seen: dict[str, list[int]] = {"收入": [], "支出": [], "": []}
        self.last_code: dict[str, dict[int, str]] = {"收入": {}, "支出": {}, "": {}}

    def add(self, texts: list[str | None], line: int,
            boxes: list[tuple[float, float, float, float] | None] | None = None) -> None:
        """Add one printed row (its cell texts and boxes)."""
        cols = self.layout.columns
        sides = ["收入", "支出"] if self.layout.two_sided else [""]
        mapped: dict[int, str] = {}
        for j, text in enumerate(texts):
            box = boxes[j] if boxes is not None and j < len(boxes) else None
            if text is None and box is None:
                continue
            k = self.layout.index_of(box, j, len(texts))
            if k is not None and k not in mapped:
                mapped[k] = text or ""
        for side in sides:
            idx = [k for k, (s, _c) in enumerate(cols) if s == side and k in mapped]
            parts = {cols[k][1]: compact(mapped[k]) for k in idx if cols[k][1]}
            code_parts = [parts.get(k, "") for k in ("code1", "code2", "code3")]
            last = self.last_code[side]
            code = _join_code(code_parts, {i: last.get(i, "") for i in range(3)}) \
                if any(code_parts) else ""
            label = parts.get("name") or parts.get("label") or ""
            if code and not code.isdigit():  # 合计 or 无 printed across the code columns
                label, code = label or code, ""
            if not code and label and TABLES[self.table.id].codes in CODE_LEVELS:
                m = CODE_NAME_RE.match(next((mapped[k] for k in idx
                                             if cols[k][1] in ("name", "label")), ""))
                if m:  # code and name printed in one cell
                    code, label = compact(m["code"]), compact(m["name"])
            values = [(cols[k][1], compact(mapped[k])) for k in idx
                      if cols[k][1] and cols[k][1] not in ("code1", "code2", "code3", "name",
                                                           "label")]
            if not code and not label:
                first = next((compact(t or "") for t in texts if t), "")
                label = first if TOTAL_RE.match(first) else ""
            if label == "无" or (not label and not code and not any(v for _, v in values)):
                continue
            if not label and not code:
                label = self.row_name
            codes = TABLES[self.table.id].codes
            if code and codes in CODE_LEVELS:
                level = CODE_LEVELS[codes].get(len(code), 0)
            elif code:
                level = CODE_LEVELS["function"].get(len(code), 0)
            elif label == self.row_name:
                level = 1
            else:
                level = _numbered_level(label, self.seen[side])
            if code:
                for i, n in enumerate((3, 5, 7)):
                    if len(code) >= n:
                        last[i] = code[:n]
            self.row += 1
            any_cell = False
            for col, printed in values:
                if not printed:
                    continue
                if not NUMBER_CELL_RE.match(printed):
                    self.table.cells.append(Cell(self.row, side, code, label, level, col, "",
                                                 printed, line))
                else:
                    self.table.cells.append(Cell(self.row, side, code, label, level, col,
                                                 printed, "", line))
                any_cell = True
            if not any_cell:
                first_col = next((col for col, _p in values), self.table.columns[0])
                self.table.cells.append(Cell(self.row, side, code, label, level, first_col,
                                             "", "", line))


def _strip_caption(pt: PdfTable, doc: PdfText, above: list[PdfLine]) -> PdfTable:
    """A table whose ruling encloses its own title and unit line: those rows become lines
    above it (``above`` gains them) and the table starts at its header."""
    k = 0
    for i, row in enumerate(pt.rows):
        filled = [compact(x) for x in row if x and compact(x)]
        if _is_data_row(row) or len(filled) > 2:
            break
        title = len(filled) == 1 and _table_title(filled[0])
        if filled and not (title or UNIT_RE.search(" ".join(filled))
                           or filled[0].startswith("编制单位")):
            break
        k = i + 1
    if k == 0:
        return pt
    by_number = {ln.number: ln for ln in doc.lines}
    for i in range(k):
        if pt.row_lines[i] in by_number and by_number[pt.row_lines[i]] not in above:
            above.append(by_number[pt.row_lines[i]])
    above.sort(key=lambda ln: ln.number)
    return PdfTable(pt.page, pt.bbox, pt.rows[k:], pt.boxes[k:], pt.row_lines[k:])


@dataclass
class _Grid:
    """A drawn table with the lines around it: those above it since the previous grid (or
    the end of the previous page, for a title printed there) and those below it."""

    pt: PdfTable
    above: list[PdfLine]
    below: list[PdfLine]
    carried: list[PdfLine]  # lines at the foot of the previous page (a title printed there)


def _grids(doc: PdfText) -> list[_Grid]:
    out: list[_Grid] = []
    by_page: dict[int, list[PdfTable]] = {}
    for pt in doc.tables:
        by_page.setdefault(pt.page, []).append(pt)
    for page, pts in by_page.items():
        lines = doc.page_lines(page)
        prev_bottom = float("-inf")
        for n, pt in enumerate(pts):
            nxt = pts[n + 1].bbox[1] if n + 1 < len(pts) else float("inf")
            above = [ln for ln in lines
                     if prev_bottom - 1 <= ln.top and ln.bottom <= pt.bbox[1] + 1]
            below = [ln for ln in lines if ln.top >= pt.bbox[3] - 1 and ln.bottom <= nxt + 1]
            carried: list[PdfLine] = []
            if n == 0 and page > 1:
                prev_tables = by_page.get(page - 1, [])
                floor = prev_tables[-1].bbox[3] - 1 if prev_tables else float("-inf")
                carried = [ln for ln in doc.page_lines(page - 1) if ln.top >= floor][-4:]
            out.append(_Grid(pt, above, below, carried))
            prev_bottom = pt.bbox[3]
    return out


def _says_none(lines: list[PdfLine]) -> str:
    """The first line saying a table has no content (无, 本表无数据, 本部门无…预算), or ''."""
    return next((ln.text for ln in lines if NONE_RE.search(compact(NOTE_RE.sub("", ln.text)))),
                "")


def read_tables(doc: PdfText, unread: list[dict] | None = None, *, final: bool = False
                ) -> list[Table]:
    """The standard tables drawn in the PDF, joined over page breaks, in printed order.

    A table that cannot be read (no grid under its title, a header naming no known
    column, no data row and no word that it is empty, an unexpected layout) is left out
    and described in ``unread`` (``{"table", "title", "page", "line", "reason"}``); every
    other table is still read. ``final`` (a 决算) leaves out its 年初预算/调整预算 columns.
    """
    unread = [] if unread is None else unread
    out: list[Table] = []
    builders: dict[str, _TableBuilder] = {}
    current: tuple[Table, _Layout] | None = None
    last_page = 0
    used_titles: set[int] = set()
    failed_page = 0  # the last page of a table that failed: its continuation goes with it
    for g in _grids(doc):
        above = list(g.above)
        _strip_caption(g.pt, doc, above)
        if failed_page and g.pt.page == failed_page + 1 and _title_of(above) is None:
            failed_page = g.pt.page
            continue
        failed_page = 0
        try:
            current, last_page = _read_grid(doc, g, out, builders, current, last_page,
                                            used_titles, unread, final)
        except Exception as exc:  # a layout not foreseen: this table only is left out
            head = _title_of(above)
            unread.append({"table": head[0] if head else "", "title": head[1] if head else "",
                           "page": g.pt.page, "line": head[2].number if head else
                           next((n for n in g.pt.row_lines if n), 0),
                           "reason": f"表格结构无法读取（{type(exc).__name__}: {exc}）"[:160]})
            if head and head[0] in builders:
                t = builders.pop(head[0]).table
                if t in out:
                    out.remove(t)
            current = None
            failed_page = g.pt.page
    _tables_without_grid(doc, out, used_titles, unread)
    reported = {u["table"] for u in unread}
    for t in out:
        if t.id not in reported and not any(c.printed for c in t.cells) and not any(
                "空表" in n or "无" in n for n in t.notes):
            unread.append({"table": t.id, "title": t.title,
                           "page": page_of(doc.pages, t.title_line), "line": t.title_line,
                           "reason": "表中没有数据行，也未说明为空表"})
    return out


def _read_grid(doc: PdfText, g: _Grid, out: list[Table], builders: dict[str, _TableBuilder],
               current: tuple[Table, _Layout] | None, last_page: int, used_titles: set[int],
               unread: list[dict], final: bool) -> tuple[tuple[Table, _Layout] | None, int]:
    above = list(g.above)
    pt = _strip_caption(g.pt, doc, above)
    head = _title_of(above)
    context = above
    if head is None and g.carried and (current is None or current[0].id != (
            (_title_of(g.carried) or ("",))[0])):
        carried = _title_of(g.carried)
        if carried is not None and carried[2].number not in used_titles:
            head = carried
            context = [ln for ln in g.carried if ln.number >= carried[2].number] + above
    first_data = next((i for i, r in enumerate(pt.rows) if _is_data_row(r)), len(pt.rows))
    if head is not None:
        tid, title, title_line = head
        used_titles.add(title_line.number)
        if tid in builders:  # a second table of the same id: keep the first
            return None, last_page
        table = Table(id=tid, title=title, title_line=title_line.number)
        for ln in context:
            if ln.number > title_line.number:
                m = UNIT_RE.search(ln.text) or UNIT_LINE_RE.search(ln.text)
                if m:
                    table.unit, table.unit_line = m["unit"], ln.number
        org = next((re.sub(r"^编制单位[：:]\s*", "", ln.text.split()[0]) for ln in context
                    if ln.text.startswith("编制单位")), "")
        if not pt.rows:
            _note_none(table, g.below + g.above, unread, doc, "表格只有标题，没有表头和数据行")
            out.append(table)
            return None, pt.page
        layout = _layout(pt, first_data, tid, final)
        order = [c for _s, c in layout.columns
                 if c and c not in ("code1", "code2", "code3", "name", "label")]
        if not order and first_data < len(pt.rows):
            unread.append({"table": tid, "title": title, "page": pt.page,
                           "line": title_line.number, "reason": "表头中没有可识别的金额列"})
            return None, pt.page
        table.columns = tuple(dict.fromkeys(order)) or ("amount",)
        for path in layout.skipped:
            table.notes.append(f"{tid} 列“{path}”未读入：数据契约中没有这一列")
        builders[tid] = _TableBuilder(table, layout, org)
        out.append(table)
        current = (table, layout)
    elif current is None or pt.page != last_page + 1 or not _continues(pt, first_data,
                                                                        current[1]):
        if any(NUMBER_CELL_RE.match(compact(t or "")) for r in pt.rows for t in r):
            unread.append({"table": "", "title": "", "page": pt.page,
                           "line": next((n for n in pt.row_lines if n), 0),
                           "reason": "表格没有标题，也不接续上一页的表格"})
        return None, last_page
    table, layout = current
    b = builders[table.id]
    for i in range(first_data, len(pt.rows)):
        if compact(next((t for t in pt.rows[i] if t and t.strip()), "")) in ORDINAL_LABELS:
            continue
        b.add(pt.rows[i], pt.row_lines[i], pt.boxes[i])
    for ln in g.below:
        empty = not any(c.printed for c in table.cells)
        if NOTE_RE.match(ln.text) or (empty and NONE_RE.search(compact(ln.text))):
            table.notes.append(f"{table.id} {compact(ln.text)}（第 {ln.number} 行）")
    if any(compact(t or "") == "无" for r in pt.rows[first_data:] for t in r) and not any(
            "无" in n for n in table.notes):
        table.notes.append(f"{table.id} 表中印“无”：本表为空表")
    return current, pt.page


def _continues(pt: PdfTable, first_data: int, layout: _Layout) -> bool:
    """Does a grid without a title continue the table before it: same column boundaries
    (within 3 pt), with or without the header repeated?"""
    if first_data >= len(pt.rows):
        return False
    mine = _edges(pt, first_data)
    return len(mine) == len(layout.edges) and all(
        abs(a - b) <= 3 for a, b in zip(mine, layout.edges, strict=True))


def _note_none(table: Table, lines: list[PdfLine], unread: list[dict], doc: PdfText,
               reason: str) -> None:
    said = _says_none(lines)
    if said:
        table.notes.append(f"{table.id} {compact(said)}：本表为空表")
    else:
        unread.append({"table": table.id, "title": table.title,
                       "page": page_of(doc.pages, table.title_line), "line": table.title_line,
                       "reason": reason})


def _tables_without_grid(doc: PdfText, out: list[Table], used: set[int],
                         unread: list[dict]) -> None:
    """Titles printed without a grid under them: a page saying the department has none
    (本部门无政府性基金预算) is an empty table; otherwise the table could not be read."""
    have = {t.id for t in out}
    inside = set()
    for pt in doc.tables:
        for ln in doc.page_lines(pt.page):
            if pt.bbox[1] - 1 <= (ln.top + ln.bottom) / 2 <= pt.bbox[3] + 1:
                inside.add(ln.number)
    first_grid = min((n for pt in doc.tables for n in pt.row_lines if n), default=0)
    for k, ln in enumerate(doc.lines):
        hit = _table_title(ln.text)
        if hit is None or ln.number in used or ln.number in inside or hit[0] in have \
                or ln.number < first_grid - 60:  # a table of contents far ahead of the tables
            continue
        tid, title = hit
        after = []
        for nxt in doc.lines[k + 1:k + 8]:
            if _table_title(nxt.text) or nxt.number in inside:
                break
            after.append(nxt)
        table = Table(id=tid, title=title, title_line=ln.number)
        m = next((UNIT_RE.search(x.text) for x in after if UNIT_RE.search(x.text)), None)
        if m:
            table.unit = m["unit"]
        have.add(tid)
        said = _says_none(after)
        if said:
            table.notes.append(f"{tid} {compact(said)}：本表为空表")
            out.append(table)
        else:
            unread.append({"table": tid, "title": title, "page": ln.page, "line": ln.number,
                           "reason": "标题下没有找到表格"})
    out.sort(key=lambda t: t.title_line)


def missing_tables(found: list[Table], unread: list[dict]) -> list[dict]:
    """The nine budget tables neither read nor reported unreadable: ``unread`` entries."""
    have = {t.id for t in found} | {u.get("table") for u in unread}
    return [{"table": tid, "title": TABLES[tid].title, "page": 0, "line": 0,
             "reason": "PDF 中未见此表"} for tid in BUDGET_TABLES if tid not in have]


# ---------------------------------------------------------------------------
# Narrative
# ---------------------------------------------------------------------------

ITEM_START = re.compile(r"^(\d{1,2}[、.．](?!\d)|[（(][一二三四五六七八九十]+[）)]"
                        r"|[一二三四五六七八九十]+、)")
SECTION_HEAD = re.compile(r"^[一二三四五六七八九十]+、\s*(?P<title>\S.*)$")
START_RE = re.compile(r"^(\d{4}年)?(单位|部门)预算编制说明$")
OTHER_RE = re.compile(r"^其他相关情况说明$")


def _heading(text: str) -> bool:
    return bool(SECTION_HEAD.match(text)) and len(text) <= 30 and "。" not in text


def narrative_lines(doc: PdfText, found: list[Table]) -> list[str]:
    """The narrative of the template as text lines for :func:`fiscal.extract.narrative.
    extract_claims`: every other line (contents, tables, notes) blank, line numbers kept; a
    line that ends a paragraph ends with a space (the text convention of a finished line).

    A paragraph ends at 。, before a numbered item or heading, and after a heading.
    """
    titles = {t.title_line for t in found}
    first_table = min(titles, default=len(doc.lines) + 1)
    start = next((ln.number for ln in doc.lines if START_RE.match(compact(ln.text))), None)
    other = next((ln.number for ln in doc.lines
                  if OTHER_RE.match(compact(ln.text)) and ln.number > first_table), None)
    in_tables = set()
    for pt in doc.tables:
        for ln in doc.page_lines(pt.page):
            if pt.bbox[1] - 1 <= (ln.top + ln.bottom) / 2 <= pt.bbox[3] + 1:
                in_tables.add(ln.number)
    spans = []
    if start is not None:
        spans.append((start + 1, first_table))
    if other is not None:
        spans.append((other + 1, len(doc.lines) + 1))
    keep = [ln for ln in doc.lines if ln.number not in in_tables
            and any(a <= ln.number < b for a, b in spans)]
    out = [""] * len(doc.lines)
    for k, ln in enumerate(keep):
        text = ln.text.strip()
        nxt = keep[k + 1].text.strip() if k + 1 < len(keep) else ""
        ends = (k + 1 == len(keep) or keep[k + 1].number != ln.number + 1 or text.endswith("。")
                or _heading(text) or bool(ITEM_START.match(nxt)) or _heading(nxt))
        out[ln.number - 1] = text + (" " if ends else "")
    return out


def read_claims(doc: PdfText, found: list[Table], year: int, department: str = "",
                kind: str = "budget") -> tuple[list[Claim], dict]:
    """Every figure the narrative states (read by the one claim reader, with this template's
    vocabulary), and meta extras (the names the narrative gives codes)."""
    lines = narrative_lines(doc, found)
    claims = extract_claims(lines, len(lines), year, "决算" if kind == "final" else "预算",
                            department=department, vocabulary=TEMPLATE_SUBJECTS,
                            section="单位预算编制说明", pdf_style=True)
    _close_coded(claims, found)
    for whole, kinds in EXHAUSTIVE_PARTS.items():
        for w in (c for c in claims if c.subject == whole and c.role == "amount"):
            parts = [c for c in claims if c.parent == w.claim and c.parts]
            if {c.subject for c in parts} == set(kinds):
                for c in parts:
                    c.parts = "complete"
    extra = {}
    names = code_names(claims)
    if names:
        extra["narrative_code_names"] = names
    return claims, extra


def _close_coded(claims: list[Claim], found: list[Table]) -> None:
    """项 items listing every 项 of the function table are the complete parts of their whole
    (where the function table is missing, the 支出总表 t03 holds the same rows)."""
    t05 = next((t for t in found if t.id == "t05"), None) or next(
        (t for t in found if t.id == "t03"), None)
    coded = [c for c in claims if c.table == "t05" and len(c.item) == 7 and c.role == "amount"]
    if t05 is None or not coded:
        return
    if t05.id != "t05":
        for c in coded:
            c.table = t05.id
    have = {c.code for c in t05.cells if len(c.code) == 7}
    wholes = {c.parent for c in coded}
    if have and {c.item for c in coded} == have and len(wholes) == 1 and "" not in wholes:
        for c in coded:
            c.parts = "complete"
