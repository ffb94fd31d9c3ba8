"""Standard tables out of a disclosure text.

Each table section starts at a printed title (表一：…, 公开01表, 表 1 …) that
``fiscal.schema.table_id_for_title`` maps to a standard id. Rows are read from
logical lines (wrapped lines joined); an empty cell is a run of two or more
spaces between printed cells, as pdftotext writes it. Every printed cell keeps
its physical source line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fiscal.extract.text import (
    CELL_NUMBER_RE,
    LogicalLine,
    clean,
    logical_lines,
    normalize,
)
from fiscal.schema import CODE_LEVELS, CODE_RE, TABLES, table_id_for_title

TITLE_RE = re.compile(
    r"^\s*(?:表\s*[一二三四五六七八九十]+|公开\s*\d+\s*表|表\s*\d+)\s*[：:.、]?\s*(?P<title>\S.*?)\s*$")
UNIT_RE = re.compile(r"单位\s*[：:]\s*(?P<unit>亿元|万元|元)")
NUMBERING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十]+[）)]|\d+[、.](?!\d)"
    r"|[（(]\d+[）)])\s*")
TOTAL_RE = re.compile(r"^(合计|总计|本年.*合计|.*总计)$")
INCOME_RE = re.compile(r"(拨款|收入|收入合计|收入总计|弥补收支差额|结余)$|^(上年|年初)结转")
DATE_RANGE_RE = re.compile(r"\d{4}[.\-/年]\d{1,2}[.\-/月]\d{1,2}日?\s*[-—~至]+\s*"
                           r"\d{4}[.\-/年]\d{1,2}[.\-/月]\d{1,2}日?")

#: Header words to column ids, in the order they may appear in a header.
HEADER_COLUMNS: tuple[tuple[str, str], ...] = (
    (r"(支出总计|合计|总额|小计)", "total"),
    (r"基本支出", "basic"),
    (r"项目支出", "project"),
    (r"人员经费", "personnel"),
    (r"公用经费", "public"),
    (r"一般公共预算(拨款)?", "general_public"),
    (r"(政府性)?基金预算", "fund"),
    (r"其他资金", "other"),
    (r"因公出国", "abroad"),
    (r"公务接待", "reception"),
    (r"公务用车购置及运行(维护)?费", "vehicle"),
    (r"公务用车购置费", "vehicle_purchase"),
    (r"(公务用车)?运行维护费|公务用车运行费", "vehicle_operation"),
    (r"机关运行经费", "office_operation"),
    (r"(预算数|决算数|金额)", "amount"),
)

#: Column layout of the Shenzhen 2018 template, used where a header names no column.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "t01": ("amount",), "t02": ("amount",), "t03": ("amount",), "t04": ("amount",),
    "t05": ("total", "basic", "project"), "t06": ("amount",), "t07": ("amount",),
    "t08": ("total", "general_public", "fund"),
    "t09": ("total", "abroad", "reception", "vehicle_purchase", "vehicle_operation"),
    "t10": ("amount",), "t11": ("total", "basic", "project"),
    "t12": ("total", "general_public", "other"),
}


@dataclass
class Cell:
    """One printed cell (or one empty row, with ``printed == ''``)."""

    row: int
    side: str
    code: str
    label: str
    level: int
    column: str
    printed: str
    text: str
    source_line: int
    name_as: str = ""  # the row's name where it is not its label without numbering

    @property
    def name(self) -> str:
        return self.name_as or name_of(self.label)


@dataclass
class Table:
    """One table section found in the text."""

    id: str
    title: str
    title_line: int
    unit: str = "万元"
    unit_line: int = 0
    columns: tuple[str, ...] = ()
    cells: list[Cell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def name_of(label: str) -> str:
    """A row label without its numbering: ``（一）一般公共预算拨款`` -> ``一般公共预算拨款``.

    """
    return NUMBERING_RE.sub("", label).strip()


def compact(text: str) -> str:
    """Text with every whitespace removed (labels are stored like this)."""
    return re.sub(r"\s+", "", text)


#: A table title without a number (``2015年桂林市司法局部门“三公”经费情况统计表``).
LOOSE_TITLE_RE = re.compile(r"^\s*(?P<title>[^。；;，,]{2,58}?表)\s*(?:[（(].{0,12}[）)])?\s*$")
#: What follows a table title within a few lines: its unit or its header.
TABLE_START_RE = re.compile(r"单位\s*[：:]\s*(亿元|万元|元)|^\s*项\s*目|^\s*公开\s*\d+\s*表")


def _norm_lines(lines: list[str]) -> list[str]:
    return [normalize(clean(line))[0] for line in lines]


def _loose_heads(norm: list[str]) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """Unnumbered titles followed by a unit or header line; and titles named without a body."""
    heads, named = [], []
    for idx, line in enumerate(norm):
        m = LOOSE_TITLE_RE.match(line)
        if not m:
            continue
        title = compact(re.sub(r"^\s*(?:[一二三四五六七八九十]+[、.]"
                               r"|[（(][一二三四五六七八九十\d]+[）)]"
                               r"|\d+[、.])", "", m["title"])).strip("《》")
        tid = table_id_for_title(title)
        if not tid:
            continue
        after = [x for x in norm[idx + 1:idx + 12] if x.strip()][:3]
        if any(TABLE_START_RE.search(x) for x in after):
            heads.append((tid, title, idx))
        else:
            named.append((tid, title, idx + 1))
    return heads, named


def find_sections(lines: list[str], named: list | None = None
                  ) -> list[tuple[str, str, int, int]]:
    """``(table_id, title, start, end)`` for every table title found (0-based lines).

    Titles are numbered (表一：…, 公开01表, 表 1); a text with no numbered title may
    print unnumbered ones, accepted where a unit or header line follows. Titles
    named without a body (tables of contents, cut-off pages) go to ``named``.
    """
    heads = []
    for idx, line in enumerate(lines):
        m = TITLE_RE.match(line)
        if not m or len(line.strip()) > 60:
            continue
        tid = table_id_for_title(m["title"])
        if tid:
            heads.append((tid, compact(m["title"]), idx))
    if not heads:
        heads, loose_named = _loose_heads(_norm_lines(lines))
        if named is not None:
            named.extend(loose_named)
    sections = []
    for i, (tid, title, idx) in enumerate(heads):
        end = heads[i + 1][2] if i + 1 < len(heads) else len(lines)
        if tid != "t13":  # a form's cells hold sentences; other tables end where prose begins
            end = _prose_start(lines, idx + 1, end)
        sections.append((tid, title, idx, end))
    return sections


#: A line of prose: a numbered heading that explains (二、…情况说明), or a sentence.
PROSE_HEAD_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])"
                           r"[^|｜]*(?:说明|情况|分析)\s*$")


def _prose_start(lines: list[str], start: int, end: int) -> int:
    """The first line of prose after a table's first number (the table's end), else ``end``.

    A 三公 table printed before its 情况说明 ends where the explanation begins.
    """
    seen_number = False
    for i in range(start, end):
        line = lines[i].strip()
        if not seen_number:
            seen_number = bool(CELL_NUMBER_RE.search(line)) and not TITLE_RE.match(line)
            continue
        cjk = sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff")
        sentence = "。" in line or len(re.findall(r"[，,；;]", line)) >= 2
        if PROSE_HEAD_RE.match(line) or (sentence and cjk >= 20 and "|" not in line):
            return i
    return end


def header_columns(header: str, table_id: str) -> tuple[str, ...]:
    """Column ids named by a header text, in printed order; the default layout if none."""
    text = compact(header)
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, col in HEADER_COLUMNS:
        for m in re.finditer(pattern, text):
            span = (m.start(), m.end())
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue
            taken.append(span)
            found.append((m.start(), col))
    cols = [c for _, c in sorted(found)]
    if "vehicle_purchase" in cols and "vehicle_operation" in cols and "vehicle" in cols:
        # a group header over its leaf columns (小计, 购置费, 运行费), whose cells stand where
        # the group does, even when a two-row header prints the leaves after every group
        at = cols.index("vehicle")
        group = re.search(r"公务用车.*小计|小计.*公务用车购置费", text) is not None
        leaves = (["vehicle"] if group else []) + ["vehicle_purchase", "vehicle_operation"]
        rest = [c for c in cols if c not in ("vehicle", "vehicle_purchase", "vehicle_operation")]
        before = sum(1 for c in cols[:at] if c in rest)
        cols = rest[:before] + leaves + rest[before:]
    allowed = set(TABLES[table_id].columns)
    cols = [c for c in dict.fromkeys(cols) if c in allowed]
    if table_id in ("t01", "t02", "t03", "t04", "t07") and cols != ["amount"]:
        cols = [c for c in cols if c != "amount"] or ["amount"]
        if cols == ["total"]:
            cols = ["amount"]
    return tuple(cols) if cols else DEFAULT_COLUMNS.get(table_id, ("amount",))


def split_cells(pieces: list[tuple[str, int, LogicalLine]]) -> list[tuple[str, int] | None]:
    """The numbers of a row's value area, ``None`` where a run of spaces marks an empty cell.

    ``pieces`` are ``(text, offset, logical_line)``: a row's value area may run over
    several logical lines, and the spaces that end one piece count towards the gap.
    """
    out: list[tuple[str, int] | None] = []
    carried: int | None = None  # spaces since the last number, across pieces
    for text, offset, line in pieces:
        prev_end: int | None = None
        for m in CELL_NUMBER_RE.finditer(text):
            if prev_end is not None:
                gap = m.start() - prev_end
            elif carried is not None:
                gap = carried + m.start()
            else:
                gap = 0
            out.extend([None] * (gap // 2))
            out.append((m.group(), line.line_at(offset + m.start())))
            prev_end = m.end()
        if prev_end is not None:
            carried = len(text) - prev_end
        elif carried is not None:
            carried += len(text)
    return out


def _value_column(b: _Builder, data: list[LogicalLine]) -> bool:
    """A wide table's one row printed as one value per line (cells of a web page, ``79 |``):
    read in header order when there is exactly one value for every column."""
    values: list[tuple[str, int] | None] = []
    for ll in data:
        text = ll.text.replace("|", " ").replace("｜", " ").strip()
        if not text:
            continue
        if not CELL_NUMBER_RE.fullmatch(text):
            return False
        values.append((text, ll.first_line))
    if len(values) != len(b.table.columns) or len(values) < 2:
        return False
    b.add_row("", "", "", 1, values, values[0][1])
    return True


def _level(label: str, code: str, codes: str, indent: int, indents: list[int]) -> int:
    if code and codes in CODE_LEVELS:
        return CODE_LEVELS[codes].get(len(code), 0)
    if TOTAL_RE.match(compact(label)):
        return 0
    for level, pattern in enumerate((r"^[一二三四五六七八九十]+[、.]",
                                     r"^[（(][一二三四五六七八九十]+[）)]",
                                     r"^\d+[、.](?!\d)", r"^[（(]\d+[）)]"), start=1):
        if re.match(pattern, label):
            return level
    return (indents.index(indent) + 1) if indent in indents else 1


class _Builder:
    """Collects rows of one table into cells."""

    def __init__(self, table: Table, codes: str) -> None:
        self.table = table
        self.codes = codes
        self.row = 0

    def add_row(self, side: str, code: str, label: str, level: int,
                values: list[tuple[str, int] | None], label_line: int,
                texts: dict[str, tuple[str, int]] | None = None) -> None:
        self.row += 1
        label = compact(label)
        any_cell = False
        for col, val in zip(self.table.columns, values, strict=False):
            if val is None:
                continue
            printed, line_no = val
            self.table.cells.append(Cell(self.row, side, code, label, level, col, printed, "",
                                         line_no))
            any_cell = True
        for col, (text, line_no) in (texts or {}).items():
            self.table.cells.append(Cell(self.row, side, code, label, level, col, "", text,
                                         line_no))
            any_cell = True
        if not any_cell:
            self.table.cells.append(Cell(self.row, side, code, label, level,
                                         self.table.columns[0], "", "", label_line))


def _body(lines: list[str], start: int, end: int, table: Table) -> list[LogicalLine]:
    """Logical lines of a section after its title, with the unit line consumed."""
    body = logical_lines(lines, start + 1, end, table=True)
    kept = []
    for ll in body:
        m = UNIT_RE.search(ll.text)
        if m and not table.unit_line:
            table.unit = m["unit"]
            table.unit_line = ll.first_line
            rest = ll.text[:m.start()] + ll.text[m.end():]
            if not rest.strip():
                continue
            ll.text = rest
        kept.append(ll)
    return kept


def _split_header(body: list[LogicalLine]) -> tuple[str, list[LogicalLine]]:
    """Header text (lines before the first line holding a number) and the data lines."""
    for i, ll in enumerate(body):
        if CELL_NUMBER_RE.search(ll.text) and not DATE_RANGE_RE.fullmatch(ll.text.strip()):
            return " ".join(x.text for x in body[:i]), body[i:]
    return " ".join(x.text for x in body), []


def parse_section(lines: list[str], table_id: str, title: str, start: int, end: int) -> Table:
    """Parse one table section (``start`` is the title line, 0-based)."""
    table = Table(id=table_id, title=title, title_line=start + 1)
    body = _body(lines, start, end, table)
    if table_id == "t13":
        _parse_form(table, body)
        return table
    if table_id == "t09" and _sangong_rows(table, body):
        return table
    if TABLES[table_id].two_sided and _cell_stream(body):
        table.columns = ("amount",)
        _parse_two_sided(_Builder(table, ""), _reflow(body))
        return table
    header, data = _split_header(body)
    table.columns = header_columns(header, table_id)
    spec = TABLES[table_id]
    builder = _Builder(table, spec.codes)
    if table_id == "t09" and _value_column(builder, data):
        return table
    if spec.two_sided:
        _parse_two_sided(builder, data)
    elif spec.codes in ("function", "economic"):
        _parse_coded(builder, data)
    else:
        _parse_labelled(builder, data, seq="序号" in header)
    return table


#: Value cells of a 三公 table that are words, not numbers.
TEXT_CELL_RE = re.compile(r"^(单位不需填列|不需填列|无|—+|-+|/)$")
#: A percentage cell of a 三公 table (增减幅度 ``-7.03%``): a value, never part of a label.
PCT_CELL_RE = re.compile(r"[-−+]?\d+(?:\.\d+)?%")
SANGONG_ITEMS = ("因公出国", "公务接待", "公务用车")


def _sangong_rows(table: Table, body: list[LogicalLine]) -> bool:
    """A 三公 table printed as rows (合计, 1.因公出国…, 其中…) with one or two amount columns.

    Stored in long form: one row per printed row, column ``amount`` (and
    ``general_public`` for a "其中：一般公共预算" column). Levels follow the
    outline: 合计 0, the items 1, their 其中 rows 2. Returns False for the wide
    layout (one row, a column per item), which the generic parser reads.
    """
    items: list[dict] = []
    for ll in body:
        tokens = list(re.finditer(r"\S+", ll.text))
        k = len(tokens)
        while k > 0 and (CELL_NUMBER_RE.fullmatch(tokens[k - 1].group())
                         or TEXT_CELL_RE.match(tokens[k - 1].group())
                         or PCT_CELL_RE.fullmatch(tokens[k - 1].group())):
            k -= 1
        label = "".join(t.group() for t in tokens[:k])
        values = [(t.group(), ll.line_at(t.start())) for t in tokens[k:]]
        if not label and values and items and items[-1]["label"]:
            items[-1]["values"] = items[-1]["values"] + values  # one cell per line
            items[-1]["alone"] &= len(values) == 1
            continue
        # "alone": the label has a line of its own and each of its cells one after it
        items.append({"label": label, "values": values, "line": ll.first_line,
                      "alone": not values and len(set(ll.numbers)) == 1})
    first = next((i for i, it in enumerate(items) if it["values"]), None)
    if first is None:
        return False
    header = "".join(it["label"] for it in items[:first])
    if sum(1 for w in SANGONG_ITEMS if w in header) >= 2:
        return False
    if re.search(r"执行数|预算数", header) and re.search(r"(?<!年初)预算数|决算数", header) and (
            "执行数" in header or "决算数" in header):
        # 上年执行数 | 本年预算数, or 预算数 | 决算数: the document's own figure is the last
        table.columns = ("_prior", "amount")
    elif -1 < header.find("上年") < header.find("本年"):
        # 上年决算数 | 本年决算数 | 增减额 | 增减幅度: the document's own figure is the second;
        # the change and its percentage that follow are not stored
        table.columns = ("_prior", "amount")
    elif re.search(r"其中.*公共预算|一般公共预算安排", header):
        table.columns = ("amount", "general_public")
    else:
        table.columns = ("amount",)
    rows = []
    for it in items[first:]:
        label = it["label"]
        if re.match(r"^(备注|注)[：:]", label):
            break
        if re.search(r"说明|口径|注释", label) and not it["values"]:
            break   # "“三公”经费口径说明": the notes under the table
        if re.search(r"相关统计|统计数", label) and not it["values"]:
            stats = [f"{x['label']} {' '.join(v for v, _ in x['values'])}".strip()
                     for x in items[items.index(it) + 1:] if x["values"]]
            table.notes.extend(f"{table.id} 统计数：{x}" for x in stats)
            break
        if not label:
            continue
        rows.append(it)
    levels = _sangong_levels([r["label"] for r in rows])
    b = _Builder(table, "")
    for i, (r, level) in enumerate(zip(rows, levels, strict=True)):
        vals: list[tuple[str, int] | None] = list(r["values"])
        placed = (_by_line(r, rows[i + 1]["line"], len(table.columns))
                  if len(vals) < len(table.columns) and i + 1 < len(rows) else None)
        vals = placed or [None] * (len(table.columns) - len(vals)) + vals
        numbers: list[tuple[str, int] | None] = []
        texts = {}
        for col, v in zip(table.columns, vals, strict=False):
            if v is not None and not CELL_NUMBER_RE.fullmatch(v[0]):
                texts[col] = v
                numbers.append(None)
            else:
                numbers.append(v)
        if table.columns[0] == "_prior":
            if numbers[0] is not None:
                table.notes.append(f"{table.id} {compact(r['label'])} 上年执行数 {numbers[0][0]}"
                                   f"（第 {numbers[0][1]} 行，未入表）")
            numbers[0] = None
            texts.pop("_prior", None)
        b.add_row("", "", r["label"], level, numbers, r["line"], texts)
    table.columns = tuple(c for c in table.columns if c != "_prior")
    for c in table.cells:
        if c.column == "_prior":
            c.column = table.columns[0]
        c.name_as = _sangong_name(c)
    return True


def _by_line(item: dict, next_line: int, n: int) -> list[tuple[str, int] | None] | None:
    """The cells of a 三公 row printed one per line (a web page's table that lost its rows:
    ``因公出国(境)费 |``, ``20 |``, ``|``, then the next label), placed by their line.

    Only when the label stands alone on its line and exactly ``n`` lines (one per column)
    lie between it and the next row's label: then the k-th line after the label is column
    k, and a line without a value was an empty cell. Otherwise ``None`` (the values are
    read from the right, as printed rows are).
    """
    if not item["alone"] or next_line - item["line"] - 1 != n:
        return None
    out: list[tuple[str, int] | None] = [None] * n
    for value in item["values"]:
        k = value[1] - item["line"] - 1
        if not 0 <= k < n or out[k] is not None:
            return None
        out[k] = value
    return out


def _sangong_name(c: Cell) -> str:
    """A 三公 row's canonical name in the claim vocabulary.

    E.g. 公务用车费 -> 公务用车购置及运行维护费.

    The printed label stays in ``label``.
    """
    from fiscal.schema import CLAIM_SUBJECTS

    name = name_of(re.sub(r"^其中[：:]", "", c.label))
    if c.level == 0 or re.search(r"三公.*合计|^支出合计$", name):
        return "三公经费"
    for pattern, canon, table, _item, _col in CLAIM_SUBJECTS:
        if table == "t09" and re.search(pattern, name):
            return canon
    return name


def _sangong_levels(labels: list[str]) -> list[int]:
    """Outline levels of a 三公 table's rows: 合计 0, items 1, their 其中 parts 2 …"""
    raw = []
    for label in labels:
        text = compact(label)
        sub = bool(re.match(r"^其中[：:]", text))
        text = re.sub(r"^其中[：:]", "", text)
        numbered = _level(text, "", "", 0, [0]) if NUMBERING_RE.match(text) else 0
        total = not NUMBERING_RE.match(text) and bool(re.search(r"(合计|总计)$", text))
        raw.append((numbered, sub, total))
    ranks = sorted({n for n, sub, _ in raw if n and not sub})
    out: list[int] = []
    last_item = 0
    in_sub = False
    for numbered, sub, total in raw:
        if total:
            out.append(0)
            in_sub = False
            continue
        if sub or (not numbered and in_sub) or (numbered and numbered not in ranks):
            out.append(last_item + 1)
            in_sub = True
            continue
        level = ranks.index(numbered) + 1 if numbered else 1
        last_item = level
        in_sub = False
        out.append(level)
    return out


_HEADER_WORDS = {"收入", "支出", "项目", "行次", "金额", "栏次", "决算数", "预算数", "年初预算数"}


def _cell_stream(body: list[LogicalLine]) -> bool:
    """A table printed one cell per line (web pages that lost the table's rows)."""
    cells = [ll for ll in body if ll.text.strip()]
    return len(cells) >= 8 and all(len(ll.text.split()) <= 1 for ll in cells)


def _reflow(body: list[LogicalLine]) -> list[LogicalLine]:
    """Rows of a one-cell-per-line two-sided table: ``label amount label amount``.

    Header cells are skipped; where the header has 行次, the first integer after a
    label is its row number, not an amount.
    """
    cells = [ll for ll in body if ll.text.strip()]
    words = {compact(ll.text) for ll in cells}
    has_rowno = "行次" in words
    i = 0
    while i < len(cells) and (compact(cells[i].text) in _HEADER_WORDS
                              or CELL_NUMBER_RE.fullmatch(cells[i].text.strip())):
        i += 1
    groups: list[list[LogicalLine]] = []
    for ll in cells[i:]:
        text = ll.text.strip()
        if CELL_NUMBER_RE.fullmatch(text):
            if groups:
                groups[-1].append(ll)
        else:
            groups.append([ll])
    rows = []
    for g in groups:
        label, *nums = g
        if has_rowno and nums and re.fullmatch(r"\d{1,3}", nums[0].text.strip()):
            nums = nums[1:]
        rows.append([label, *nums[:1]])
    out = []
    for k in range(0, len(rows), 2):
        line = LogicalLine()
        for cell in (x for row in rows[k:k + 2] for x in row):
            line.add(cell.text.strip() + "   ", cell.first_line)
        out.append(line)
    return out


def _parse_two_sided(b: _Builder, data: list[LogicalLine]) -> None:
    """收入 | 支出 side by side: each label is income or expense by its own words."""
    rows: list[tuple[str, str, int, list, int]] = []
    for ll in data:
        text = ll.text
        pos = 0
        pending: list[tuple[str, int]] = []
        for m in CELL_NUMBER_RE.finditer(text):
            pending.extend(_labels(text[pos:m.start()], pos))
            if pending:
                *empty, last = pending
                rows.extend((lab, "", off, [], ll.line_at(off)) for lab, off in empty)
                rows.append((last[0], "", last[1], [(m.group(), ll.line_at(m.start()))],
                             ll.line_at(last[1])))
            pending = []
            pos = m.end()
        pending.extend(_labels(text[pos:], pos))
        rows.extend((lab, "", off, [], ll.line_at(off)) for lab, off in pending)
    for label, _code, _off, values, line_no in rows:
        side = "收入" if INCOME_RE.search(name_of(compact(label))) else "支出"
        level = _level(label, "", "", 0, [])
        b.add_row(side, "", label, level, values, line_no)


def _labels(segment: str, base: int) -> list[tuple[str, int]]:
    """Labels in a text segment: runs separated by three or more spaces."""
    out = []
    for m in re.finditer(r"\S+(?:\s{1,2}\S+)*", segment):
        out.append((m.group(), base + m.start()))
    return out


def _parse_coded(b: _Builder, data: list[LogicalLine]) -> None:
    """Rows keyed by function or economic codes; a row may run over several lines."""
    code_re = CODE_RE[b.codes]
    rows: list[dict] = []
    for ll in data:
        text = ll.text
        base = len(text) - len(text.lstrip())
        tokens = text.split()
        if not tokens:
            continue
        first = tokens[0]
        current = rows[-1] if rows else None
        is_code = code_re.match(first) and (len(tokens) == 1
                                            or not CELL_NUMBER_RE.fullmatch(tokens[1]))
        if is_code:
            current = {"code": first, "label": "", "pieces": [], "line": ll.first_line}
            rows.append(current)
            base += len(first)
        elif CELL_NUMBER_RE.fullmatch(first) and current is not None:
            pass  # values continuing the current row
        elif current is None or current["label"]:
            current = {"code": "", "label": "", "pieces": [], "line": ll.first_line}
            rows.append(current)
        m = CELL_NUMBER_RE.search(text, base)
        label_part = text[base:m.start()] if m else text[base:]
        current["label"] += compact(label_part)
        if m:
            current["pieces"].append((text[m.start():], m.start(), ll))
    for r in rows:
        values = split_cells(r["pieces"])
        level = _level(r["label"], r["code"], b.codes, 0, [])
        b.add_row("", r["code"], r["label"], level, values, r["line"])


def _parse_labelled(b: _Builder, data: list[LogicalLine], seq: bool) -> None:
    """One row per logical line: [序号] [code] label values [date range]."""
    indents = sorted({len(ll.text) - len(ll.text.lstrip()) for ll in data})
    code_re = CODE_RE.get(b.codes)
    for ll in data:
        text = ll.text
        if re.match(r"^\s*(备注|注)[：:]", text):
            break
        indent = len(text) - len(text.lstrip())
        texts: dict[str, tuple[str, int]] = {}
        dm = DATE_RANGE_RE.search(text)
        if dm and "period" in TABLES[b.table.id].columns:
            texts["period"] = (compact(dm.group()), ll.line_at(dm.start()))
            text = text[:dm.start()] + " " * (dm.end() - dm.start()) + text[dm.end():]
        body = text.strip()
        if seq:
            body = re.sub(r"^\d{1,3}\s+(?=\D)", "", body)
        code = ""
        first = body.split()[0] if body else ""
        if code_re and code_re.match(first):
            code = first
            body = body[len(first):].strip()
        offset = text.index(body) if body and body in text else 0
        m = CELL_NUMBER_RE.search(text, offset)
        label = text[offset:m.start()] if m else text[offset:]
        values = split_cells([(text[m.start():], m.start(), ll)]) if m else []
        level = _level(compact(label), code, b.codes, indent, indents)
        if not compact(label) and not values:
            continue
        b.add_row("", code, label, level, values, ll.first_line, texts)


#: Field labels of the performance-target form (表十三), in printed order.
FORM_FIELDS = (
    "项目名称", "项目属性名称", "项目起止时间", "项目主管部门", "续存属性名称", "项目实施单位",
    "本年预算金额（万元）", "其中：财政拨款（万元）", "其他资金（万元）", "项目中长期目标",
    "项目年度目标", "年度绩效指标",
)
FORM_INDICATORS = (
    ("投入指标", "测算明细"), ("投入指标", "资金支出进度"), ("产出指标", "数量指标"),
    ("产出指标", "质量指标"), ("产出指标", "工作时效"), ("效益指标", "经济效益指标"),
    ("效益指标", "社会效益指标"), ("效益指标", "生态效益指标"), ("效益指标", "可持续影响"),
    ("服务对象满意度指标", "服务对象满意度指标"),
)
TARGET_RE = re.compile(r"(\d+(?:\.\d+)?%|无)\s*$")


def _parse_form(table: Table, body: list[LogicalLine]) -> None:
    """The form layout of a performance-target table: field -> value, indicator -> target."""
    table.columns = ("value", "content", "target")
    # One stream of characters with a line number per character, whitespace kept.
    chars: list[tuple[str, int]] = []
    for ll in body:
        for i, ch in enumerate(ll.text):
            chars.append((ch, ll.line_at(i)))
        chars.append((" ", ll.numbers[-1]))
    squeezed = [(c, n) for c, n in chars if not c.isspace()]
    flat = "".join(c for c, _ in squeezed)
    keys: list[tuple[int, int, str, str]] = []
    pos = 0
    for key in FORM_FIELDS:
        k = flat.find(key, pos)
        if k >= 0:
            keys.append((k, k + len(key), "", key))
            pos = k + len(key)
    for group, key in FORM_INDICATORS:
        k = flat.find(key, pos)
        if k >= 0:
            keys.append((k, k + len(key), group, key))
            pos = k + len(key)
    header = flat.find("一级指标二级指标指标内容指标值")
    b = _Builder(table, "")
    for i, (_s, e, group, key) in enumerate(keys):
        nxt = keys[i + 1][0] if i + 1 < len(keys) else len(flat)
        if key == "年度绩效指标":
            continue
        stop = header if e <= header < nxt else nxt
        value = flat[e:stop]
        line_no = squeezed[e][1] if e < len(squeezed) else squeezed[-1][1]
        label = f"{group}/{key}" if group else key
        if group:
            tm = TARGET_RE.search(value)
            content, target = (value[:tm.start()], tm.group(1)) if tm else (value, "")
            texts = {"content": (content, line_no)}
            if target:
                texts["target"] = (target, squeezed[e + tm.start()][1] if tm else line_no)
            b.add_row("", "", label, 2, [], line_no, texts)
        elif "万元" in key and CELL_NUMBER_RE.fullmatch(value or "x"):
            b.table.columns = ("value",)
            b.add_row("", "", label, 1, [(value, line_no)], line_no)
            b.table.columns = ("value", "content", "target")
        else:
            b.add_row("", "", label, 1, [], line_no, {"value": (value, line_no)} if value else None)


def extract_tables(lines: list[str], with_named: bool = False):
    """Every standard table section of a text, in printed order.

    With ``with_named``, also ``(table_id, title, line)`` of the tables the text
    names without printing them; a section without any cell is not a table.
    """
    tables = []
    named: list[tuple[str, str, int]] = []
    numbered = any(TITLE_RE.match(line) for line in lines)
    for tid, title, start, end in find_sections(lines, named):
        t = parse_section(lines, tid, title, start, end)
        if numbered or any(c.printed or c.text for c in t.cells):
            tables.append(t)
        else:
            named.append((tid, title, start + 1))
    return (tables, named) if with_named else tables
