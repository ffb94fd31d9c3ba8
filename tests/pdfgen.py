"""Shanghai-style disclosure PDFs drawn for tests: budgets and final accounts, random or
from ``data/``, with layout variations and planted faults.

A department-year is a list of :class:`TableModel` (title, unit, header, printed rows)
plus a short narrative; :func:`render` draws it with reportlab (built-in CID font
STSong-Light, so nothing is embedded or downloaded) as the template prints it: one
table per page under its title and an ``编制单位 … 单位：元`` line, ruled grids, merged
header cells. :class:`Style` varies what real documents vary: rows per page (page
breaks anywhere), the header repeated or not on continuation pages, header cells
wrapped over two lines, whole 元 or 元 to two decimals, 类/款/项 in one code column or
three, a title left alone at the foot of a page, and how an empty table is shown.

:func:`random_doc` makes a consistent department-year from a seed (``random.Random``:
deterministic) and plants faults — one printed amount changed so that its row or its
parent no longer adds up; :func:`doc_from_folder` redraws an extracted folder.
``expected_cells`` is what the extractor must give back, amount for amount.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

FEN = {"元": 100, "万元": 1_000_000}

# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


@dataclass
class Row:
    """One printed row: its side (two-sided tables), code, label and printed values."""

    side: str
    code: str
    label: str
    values: dict[str, str]  # column id -> printed text ("" for a blank cell)
    blank: bool = False     # an empty ruled row (no text at all)


@dataclass
class Fault:
    """A printed amount changed on purpose: the cell and what it should have been."""

    table: str
    side: str
    code: str
    label: str
    column: str
    was: str
    printed: str


@dataclass
class TableModel:
    """A table as printed: id, title, unit, header spans, leaf columns and rows."""

    id: str
    title: str
    unit: str
    header: list[tuple[int, int, int, int, str]]  # (row0, row1, col0, col1, text)
    columns: list[tuple[str, str]]  # leaf columns: (side, column id or code1/name/label/x)
    widths: list[float]
    rows: list[Row]
    empty: str = ""   # "" | "none_row" | "text" | "blank_grid" | "missing"
    note: str = ""

    @property
    def header_rows(self) -> int:
        return max(r1 for _r0, r1, _c0, _c1, _t in self.header) + 1


@dataclass
class Style:
    """How a department-year is drawn."""

    decimals: bool = True         # 元 to two decimals, else whole 元
    codes3: bool = True           # 类/款/项 in three columns, else one
    repeat_header: bool = True    # header repeated on a continuation page
    wrap: bool = False            # long header cells wrapped over two lines
    rows_per_page: int = 20       # page break after this many body rows
    title_alone: tuple[str, ...] = ()  # tables whose title ends a page, the grid on the next
    lone_chars: bool = False      # one-character CJK strings drawn alone (PDFium cannot place
    #                               them in a font that is not embedded: pdfminer reads them)


@dataclass
class Doc:
    """A department-year to draw."""

    name: str
    year: int
    kind: str                     # "budget" | "final"
    scope: str                    # "单位" | "部门"
    tables: list[TableModel]
    style: Style
    narrative: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def table(self, tid: str) -> TableModel | None:
        return next((t for t in self.tables if t.id == tid), None)


def to_fen(printed: str, unit: str) -> int:
    """A printed amount in 分 (exact)."""
    return int(Decimal(printed.replace(",", "")) * FEN[unit])


def expected_cells(doc: Doc) -> dict[str, list[tuple[str, str, str, int]]]:
    """Per table id, the sorted ``(side, code or label, column, amount in 分)`` printed."""
    out = {}
    for t in doc.tables:
        if t.empty in ("missing", "text"):
            continue
        cells = []
        for r in t.rows:
            for col, printed in r.values.items():
                if printed and not col.startswith("x"):
                    cells.append((r.side, r.code or r.label, col, to_fen(printed, t.unit)))
        out[t.id] = sorted(cells)
    return out


# ---------------------------------------------------------------------------
# Random consistent department-years
# ---------------------------------------------------------------------------

FUNCTIONS = {
    "201": ("一般公共服务支出", {"20103": ("政府办公厅（室）及相关机构事务", {
        "2010301": "行政运行", "2010302": "一般行政管理事务", "2010350": "事业运行",
        "2010399": "其他政府办公厅（室）及相关机构事务支出"})}),
    "204": ("公共安全支出", {"20406": ("司法", {
        "2040601": "行政运行", "2040604": "基层司法业务", "2040605": "普法宣传",
        "2040607": "公共法律服务", "2040613": "信息化建设", "2040699": "其他司法支出"})}),
    "205": ("教育支出", {"20502": ("普通教育", {"2050201": "学前教育", "2050202": "小学教育",
                                           "2050203": "初中教育"})}),
    "208": ("社会保障和就业支出", {"20805": ("行政事业单位养老支出", {
        "2080501": "行政单位离退休", "2080502": "事业单位离退休",
        "2080505": "机关事业单位基本养老保险缴费支出",
        "2080506": "机关事业单位职业年金缴费支出"}),
        "20808": ("抚恤", {"2080801": "死亡抚恤"})}),
    "210": ("卫生健康支出", {"21011": ("行政事业单位医疗", {
        "2101101": "行政单位医疗", "2101102": "事业单位医疗", "2101103": "公务员医疗补助"})}),
    "213": ("农林水支出", {"21301": ("农业农村", {"2130101": "行政运行",
                                              "2130104": "事业运行"})}),
    "221": ("住房保障支出", {"22102": ("住房改革支出", {
        "2210201": "住房公积金", "2210202": "提租补贴", "2210203": "购房补贴"})}),
}
PERSONNEL_ECON = {"301": ("工资福利支出", {
    "30101": "基本工资", "30102": "津贴补贴", "30103": "奖金",
    "30108": "机关事业单位基本养老保险缴费", "30109": "职业年金缴费", "30113": "住房公积金"}),
    "303": ("对个人和家庭的补助", {"30302": "退休费", "30305": "生活补助"})}
PUBLIC_ECON = {"302": ("商品和服务支出", {
    "30201": "办公费", "30202": "印刷费", "30207": "邮电费", "30211": "差旅费", "30216": "培训费",
    "30228": "工会经费", "30299": "其他商品和服务支出"}),
    "310": ("资本性支出", {"31002": "办公设备购置"})}
NUMERALS = "一二三四五六七八九十"
DEPARTMENTS = ("上海市普陀区司法局", "上海市普陀区教育局", "上海市普陀区卫生健康委员会",
               "上海市普陀区民政局", "上海市普陀区农业农村委员会", "上海市普陀区档案馆")


def _split(rng: random.Random, total: int, n: int, unit: int) -> list[int]:
    """``total`` (a multiple of ``unit``) split into ``n`` positive-or-zero multiples."""
    if n == 1:
        return [total]
    cuts = sorted(rng.randint(0, total // unit) for _ in range(n - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total // unit], strict=True)]
    return [p * unit for p in parts]


def _fmt(fen: int, decimals: bool) -> str:
    if decimals:
        return f"{Decimal(fen) / 100:,.2f}"
    assert fen % 100 == 0
    return f"{fen // 100:,}"


def _fmt_wan(fen: int) -> str:
    return f"{Decimal(fen) / 1_000_000:,.2f}"


def random_doc(seed: int, *, kind: str | None = None, faults: int | None = None,
               style: Style | None = None) -> Doc:
    """A consistent random department-year (``seed`` decides everything), faults planted."""
    rng = random.Random(seed)
    kind = kind or ("final" if rng.random() < 0.25 else "budget")
    drawn = Style(decimals=rng.random() < 0.6, codes3=rng.random() < 0.6,
                  repeat_header=rng.random() < 0.5, wrap=rng.random() < 0.5,
                  rows_per_page=rng.choice([3, 5, 8, 12, 40]),
                  title_alone=tuple(t for t in ("t02", "t03", "t05", "t06")
                                    if rng.random() < 0.15),
                  lone_chars=rng.random() < 0.3)
    style = style or drawn
    year = rng.choice([2024, 2025, 2026])
    scope = rng.choice(["单位", "部门"])
    name = rng.choice(DEPARTMENTS)
    unit = 1 if style.decimals else 100  # smallest printed step in 分
    # items: class -> 款 -> 项 with personnel, public, project (分)
    classes = rng.sample(sorted(FUNCTIONS), rng.randint(2, 4 if scope == "单位" else 6))
    items: list[tuple[str, str, int, int, int]] = []
    names: dict[str, str] = {}
    for c in sorted(classes):
        cname, kuans = FUNCTIONS[c]
        names[c] = cname
        for k in sorted(rng.sample(sorted(kuans), rng.randint(1, len(kuans)))):
            kname, xiangs = kuans[k]
            names[k] = kname
            n = rng.randint(1, len(xiangs) if scope == "部门" else min(3, len(xiangs)))
            for x in sorted(rng.sample(sorted(xiangs), n)):
                names[x] = xiangs[x]
                scale = rng.choice([10_000, 100_000, 1_000_000, 5_000_000]) * 100
                p = rng.randrange(0, scale, unit) if rng.random() < 0.7 else 0
                u = rng.randrange(0, scale // 5, unit) if p and rng.random() < 0.6 else 0
                j = rng.randrange(0, scale, unit) if rng.random() < 0.6 or not p else 0
                items.append((x, xiangs[x], p, u, j))
    doc = Doc(name=name, year=year, kind=kind, scope=scope, tables=[], style=style)
    _build_tables(doc, rng, items, names)
    if faults is None:
        faults = rng.choice([0, 1, 1, 1, 2])
    _plant(doc, rng, faults)
    return doc


def _sums(items, names) -> list[tuple[str, str, int, int, int]]:
    """类, 款 and 项 rows in printed order with (personnel, public, project) sums."""
    rows: list[tuple[str, str, int, int, int]] = []
    for c in sorted({x[:3] for x, *_ in items}):
        sub = [i for i in items if i[0].startswith(c)]
        rows.append((c, names[c], *(sum(i[k] for i in sub) for k in (2, 3, 4))))
        for k in sorted({x[:5] for x, *_ in sub}):
            sub2 = [i for i in sub if i[0].startswith(k)]
            rows.append((k, names[k], *(sum(i[k2] for i in sub2) for k2 in (2, 3, 4))))
            rows.extend(sub2)
    return rows


def _prefix(doc: Doc) -> str:
    return f"{doc.year}年" + ("预算单位" if doc.scope == "单位" else "部门")


def _titles(doc: Doc) -> dict[str, str]:
    y, s = doc.year, doc.scope
    if doc.kind == "final":
        return {"t01": f"{y}年度{s}收入支出决算总表", "t02": f"{y}年度{s}收入决算表",
                "t03": f"{y}年度{s}支出决算表", "t04": f"{y}年度{s}财政拨款收入支出决算总表",
                "t05": f"{y}年度{s}一般公共预算财政拨款支出决算表",
                "t06": f"{y}年度{s}一般公共预算财政拨款基本支出决算表",
                "t10": f"{y}年度{s}政府性基金预算财政拨款支出决算表",
                "t11": f"{y}年度{s}国有资本经营预算财政拨款支出决算表",
                "t09": f"{y}年度{s}“三公”经费和机关运行经费决算表"}
    p = _prefix(doc)
    return {"t01": f"{p}财务收支预算总表", "t02": f"{p}收入预算总表", "t03": f"{p}支出预算总表",
            "t04": f"{p}财政拨款收支预算总表", "t05": f"{p}一般公共预算支出功能分类预算表",
            "t06": f"{p}一般公共预算基本支出部门预算经济分类预算表",
            "t10": f"{p}政府性基金预算支出功能分类预算表",
            "t11": f"{p}国有资本经营预算支出功能分类预算表",
            "t09": f"{y}年{s}“三公”经费和机关运行经费预算表"}


def _coded_header(style: Style, top: str, money: list[str], economic: bool = False,
                  final_extra: bool = False) -> tuple[list, list, list[float]]:
    """Header, leaf columns and widths of a coded table (function or economic codes)."""
    word = "经济分类科目编码" if economic else "功能分类科目编码"
    name = "部门经济分类科目名称" if economic else "功能分类科目名称"
    levels = ["类", "款"] if economic else ["类", "款", "项"]
    ncode = len(levels) if style.codes3 else 1
    header: list[tuple[int, int, int, int, str]] = []
    cols: list[tuple[str, str]] = []
    widths: list[float] = []
    if style.codes3:
        header.append((1, 1, 0, ncode - 1, word))
        for k, lv in enumerate(levels):
            header.append((2, 2, k, k, lv))
            cols.append(("", f"code{k + 1}"))
            widths.append(30)
    else:
        header.append((1, 2, 0, 0, word))
        cols.append(("", "code1"))
        widths.append(80)
    header.append((1, 2, ncode, ncode, name))
    cols.append(("", "name"))
    widths.append(190)
    header.append((0, 0, 0, ncode, "项目"))
    c = ncode + 1
    if final_extra:
        for k, text in enumerate(("年初预算数", "调整预算数")):
            header.append((0, 2, c, c, text))
            cols.append(("", f"x{k + 1}"))
            widths.append(80)
            c += 1
    header.append((0, 0, c, c + len(money) - 1, top))
    for text, col in money:
        header.append((1, 2, c, c, text))
        cols.append(("", col))
        widths.append(88)
        c += 1
    return header, cols, widths


def _build_tables(doc: Doc, rng: random.Random, items, names) -> None:
    st, dec, final = doc.style, doc.style.decimals, doc.kind == "final"
    titles = _titles(doc)
    budget_word = "决算数" if final else "预算数"
    rows = _sums(items, names)
    total = [sum(i[k] for i in items) for k in (2, 3, 4)]
    f = lambda v: _fmt(v, dec)  # noqa: E731
    P, U, J = total
    T = P + U + J
    # t01
    header = [(0, 0, 0, 1, "本年收入"), (0, 0, 2, 6, "本年支出"), (1, 3, 0, 0, "项目"),
              (1, 3, 1, 1, budget_word), (1, 3, 2, 2, "项目"), (1, 1, 3, 6, budget_word),
              (2, 3, 3, 3, "合计"), (2, 2, 4, 5, "基本支出"), (2, 3, 6, 6, "项目支出"),
              (3, 3, 4, 4, "人员经费"), (3, 3, 5, 5, "公用经费")]
    cols = [("收入", "label"), ("收入", "amount"), ("支出", "label"), ("支出", "amount"),
            ("支出", "personnel"), ("支出", "public"), ("支出", "project")]
    income = [("一、财政拨款收入", T), ("1、一般公共预算", T), ("2、政府性基金预算", 0),
              ("3、国有资本经营预算", 0), ("二、事业收入", 0), ("三、事业单位经营收入", 0),
              ("四、其他收入", 0)]
    expense = [(f"{NUMERALS[i]}、{n}", p, u, j) for i, (c, n, p, u, j) in
               enumerate(r for r in rows if len(r[0]) == 3)]
    t01 = []
    for k in range(max(len(income), len(expense))):
        if k < len(income):
            t01.append(Row("收入", "", income[k][0], {"amount": f(income[k][1])}))
        if k < len(expense):
            lab, p, u, j = expense[k]
            t01.append(Row("支出", "", lab, {"amount": f(p + u + j), "personnel": f(p),
                                              "public": f(u), "project": f(j)}))
    t01.append(Row("收入", "", "收入总计", {"amount": f(T)}))
    t01.append(Row("支出", "", "支出总计", {"amount": f(T), "personnel": f(P), "public": f(U),
                                          "project": f(J)}))
    doc.tables.append(TableModel("t01", titles["t01"], "元", header, cols,
                                 [120, 92, 150, 92, 88, 80, 88], t01))
    # t02, t03, t05 (coded by function)
    money02 = [("合计", "amount"), ("财政拨款收入", "fiscal_grant"),
               ("事业收入", "business_income"), ("事业单位经营收入", "operating_income"),
               ("其他收入", "other_income")]
    money03 = [("合计", "total"), ("基本支出", "basic"), ("项目支出", "project")]
    for tid, top, money in (("t02", "本年收入" if final else "收入预算", money02),
                            ("t03", "本年支出" if final else "支出预算", money03),
                            ("t05", "一般公共预算支出", money03)):
        header, cols, widths = _coded_header(st, top, money, final_extra=final and tid != "t02")
        body = []
        for code, name, p, u, j in rows:
            vals = ({"amount": f(p + u + j), "fiscal_grant": f(p + u + j),
                     "business_income": f(0), "operating_income": f(0), "other_income": f(0)}
                    if tid == "t02" else
                    {"total": f(p + u + j), "basic": f(p + u), "project": f(j)})
            body.append(Row("", code, name, vals))
        vals = ({"amount": f(T), "fiscal_grant": f(T), "business_income": f(0),
                 "operating_income": f(0), "other_income": f(0)} if tid == "t02" else
                {"total": f(T), "basic": f(P + U), "project": f(J)})
        body.append(Row("", "", "合计", vals))
        if final and tid != "t02":  # budget columns beside the 决算 (not read)
            for r in body:
                r.values = {"x1": f(rng.randrange(0, 10**9, 100)),
                            "x2": f(rng.randrange(0, 10**9, 100)), **r.values}
        doc.tables.append(TableModel(tid, titles[tid], "元", header, cols, widths, body))
    # t04
    header = [(0, 0, 0, 1, "财政拨款收入"), (0, 0, 2, 6, "财政拨款支出"), (1, 1, 0, 0, "项目"),
              (1, 1, 1, 1, budget_word), (1, 1, 2, 2, "项目"), (1, 1, 3, 3, "合计"),
              (1, 1, 4, 4, "一般公共预算"), (1, 1, 5, 5, "政府性基金预算"),
              (1, 1, 6, 6, "国有资本经营预算")]
    cols = [("收入", "label"), ("收入", "amount"), ("支出", "label"), ("支出", "amount"),
            ("支出", "general_public"), ("支出", "fund"), ("支出", "state_capital")]
    inc4 = [("一、一般公共预算", T), ("二、政府性基金预算", 0), ("三、国有资本经营预算", 0)]
    t04 = []
    for k in range(max(len(inc4), len(expense))):
        if k < len(inc4):
            t04.append(Row("收入", "", inc4[k][0], {"amount": f(inc4[k][1])}))
        if k < len(expense):
            lab, p, u, j = expense[k]
            t04.append(Row("支出", "", lab, {"amount": f(p + u + j),
                                              "general_public": f(p + u + j),
                                              "fund": f(0), "state_capital": f(0)}))
    t04.append(Row("收入", "", "收入总计", {"amount": f(T)}))
    t04.append(Row("支出", "", "支出总计", {"amount": f(T), "general_public": f(T),
                                          "fund": f(0), "state_capital": f(0)}))
    doc.tables.append(TableModel("t04", titles["t04"], "元", header, cols,
                                 [130, 92, 150, 92, 96, 96, 96], t04))
    # t06 (economic codes): personnel into 301/303, public into 302/310
    unit = 1 if dec else 100
    econ: list[tuple[str, str, int, int]] = []
    for pool, amount, is_personnel in ((PERSONNEL_ECON, P, True), (PUBLIC_ECON, U, False)):
        if not amount:
            continue
        kinds = sorted(rng.sample(sorted(pool), rng.randint(1, len(pool))))
        for cls, share in zip(kinds, _split(rng, amount, len(kinds), unit), strict=True):
            cname, kuans = pool[cls]
            ks = sorted(rng.sample(sorted(kuans), rng.randint(1, min(4, len(kuans)))))
            parts = _split(rng, share, len(ks), unit)
            econ.append((cls, cname, share if is_personnel else 0, 0 if is_personnel else share))
            for k, v in zip(ks, parts, strict=True):
                econ.append((k, kuans[k], v if is_personnel else 0, 0 if is_personnel else v))
    econ.sort(key=lambda e: e[0])
    header, cols, widths = _coded_header(st, "一般公共预算基本支出", [
        ("合计", "amount"), ("人员经费", "personnel"), ("公用经费", "public")], economic=True)
    body = [Row("", c, n, {"amount": f(p + u), "personnel": f(p), "public": f(u)})
            for c, n, p, u in econ]
    body.append(Row("", "", "合计", {"amount": f(P + U), "personnel": f(P), "public": f(U)}))
    doc.tables.append(TableModel("t06", titles["t06"], "元", header, cols, widths, body))
    # t10, t11: empty, shown in one of the ways departments show it
    for tid, top, what in (("t10", "政府性基金预算支出", "政府性基金"),
                           ("t11", "国有资本经营预算支出", "国有资本经营")):
        header, cols, widths = _coded_header(st, top, money03)
        how = rng.choice(["none_row", "none_row", "text", "blank_grid", "missing"])
        body = []
        note = ""
        if how == "none_row":
            body = [Row("", "", "无", {}), *[Row("", "", "", {}, blank=True)] * 2,
                    Row("", "", "合计", {})]
            note = f"注:本{doc.scope}{doc.year}年无{what}预算财政拨款安排的预算，故本表为空表。"
        elif how == "blank_grid":
            body = [Row("", "", "", {}, blank=True)] * 3
        elif how == "text":
            note = f"本{doc.scope}{doc.year}年无{what}预算。"
        doc.tables.append(TableModel(tid, titles[tid], "元", header, cols, widths, body,
                                     empty=how, note=note))
    # t09 in 万元
    steps = [rng.randrange(0, 5000) for _ in range(4)]  # 0.01 万元
    a, r, vp, vo = (s * 10_000 for s in steps)
    o = rng.randrange(0, 50_000) * 10_000
    header = [(0, 0, 0, 5, f"“三公”经费{budget_word}"), (0, 2, 6, 6, f"机关运行经费{budget_word}"),
              (1, 2, 0, 0, "合计"), (1, 2, 1, 1, "因公出国(境)费"), (1, 2, 2, 2, "公务接待费"),
              (1, 1, 3, 5, "公务用车购置及运行费"), (2, 2, 3, 3, "小计"),
              (2, 2, 4, 4, "购置费"), (2, 2, 5, 5, "运行费")]
    cols = [("", "total"), ("", "abroad"), ("", "reception"), ("", "vehicle"),
            ("", "vehicle_purchase"), ("", "vehicle_operation"), ("", "office_operation")]
    body = [Row("", "", "", {"total": _fmt_wan(a + r + vp + vo), "abroad": _fmt_wan(a),
                             "reception": _fmt_wan(r), "vehicle": _fmt_wan(vp + vo),
                             "vehicle_purchase": _fmt_wan(vp),
                             "vehicle_operation": _fmt_wan(vo), "office_operation": _fmt_wan(o)})]
    doc.tables.append(TableModel("t09", titles["t09"], "万元", header, cols, [100] * 7, body))
    # one of the main tables missing now and then
    if rng.random() < 0.08:
        gone = rng.choice(["t02", "t03", "t04", "t06"])
        doc.tables = [t for t in doc.tables if t.id != gone]
    if not final:
        w = f"{Decimal(T) / 1_000_000:.2f}"
        doc.narrative = [
            f"{doc.year}年{doc.scope}预算编制说明",
            f"{doc.year}年，{doc.name}收入预算{w}万元，其中：财政拨款收入{w}万元；事业收入0万元；"
            "事业单位经营收入0万元；其他收入0万元。",
            f"支出预算{w}万元，其中：财政拨款支出预算{w}万元。",
        ]


def _plant(doc: Doc, rng: random.Random, n: int) -> None:
    """Change ``n`` printed amounts (in different tables) so that a relation breaks."""
    dec = doc.style.decimals
    candidates = [t for t in doc.tables if t.id in ("t01", "t02", "t03", "t04", "t05", "t06")]
    for t in rng.sample(candidates, min(n, len(candidates))):
        rows = [r for r in t.rows if r.values and r.code or (
            t.id in ("t01", "t04") and r.side == "支出" and r.values and "总计" not in r.label)]
        if not rows:
            continue
        r = rng.choice(rows)
        cols = [c for c, v in r.values.items() if v and not c.startswith("x")]
        col = rng.choice(cols)
        was = r.values[col]
        new = to_fen(was, t.unit) + rng.choice([100, 700, 2500, 10_000, 123_456]) * 100
        r.values[col] = _fmt(new, dec)
        doc.faults.append(Fault(t.id, r.side, r.code, r.label, col, was, r.values[col]))


# ---------------------------------------------------------------------------
# From an extracted folder
# ---------------------------------------------------------------------------

def doc_from_folder(folder: Path, style: Style | None = None) -> Doc:
    """The department-year of a ``data/`` folder, drawn back as printed (its own figures)."""
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    style = style or Style(decimals=True, codes3=True)
    doc = Doc(name=meta["department"], year=meta["year"], kind=meta["kind"], scope="单位",
              tables=[], style=style)
    template = random_doc(0, kind=meta["kind"], faults=0, style=style)
    for tid in ("t01", "t02", "t03", "t04", "t05", "t06", "t10", "t11", "t09"):
        info = meta["tables"].get(tid)
        base = template.table(tid)
        if info is None or base is None:
            continue
        with (folder / info["file"]).open(encoding="utf-8") as fh:
            cells = list(csv.DictReader(fh))
        rows: dict[tuple[str, str], Row] = {}
        for c in cells:
            key = (c["row"], c["side"])
            r = rows.setdefault(key, Row(c["side"], c["code"], c["label"], {}))
            if c["printed"]:
                r.values[c["column"]] = c["printed"]
        body = list(rows.values())
        if tid in ("t01", "t04"):  # income and expense rows side by side, in order
            inc = [r for r in body if r.side == "收入"]
            exp = [r for r in body if r.side == "支出"]
            body = [r for k in range(max(len(inc), len(exp)))
                    for r in (inc[k:k + 1] + exp[k:k + 1])]
        empty = ""
        note = ""
        if not any(r.values for r in body):
            empty, note = "none_row", "注:本单位无此项预算，故本表为空表。"
            body = [Row("", "", "无", {}), Row("", "", "合计", {})]
        doc.tables.append(TableModel(tid, info["title"], info["unit"], base.header, base.columns,
                                     base.widths, body, empty=empty, note=note))
    return doc


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------

PAGE = (842.0, 595.0)
LEFT, TOP_Y, BOTTOM_Y = 56.0, 520.0, 50.0
ROW_H, FONT = 22.0, "STSong-Light"


def _font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _lone(text: str, style: Style) -> str:
    """A one-character CJK string gets a trailing space unless the style draws it alone."""
    if len(text) == 1 and ord(text) >= 0x2E80 and not style.lone_chars:
        return text + " "
    return text


def _wrap(text: str, width: float, size: float, wrap: bool) -> list[str]:
    if not wrap or len(text) <= 4 or len(text) * size < width * 0.55:
        return [text]
    half = (len(text) + 1) // 2
    return [text[:half], text[half:]]


def render(doc: Doc, path: Path) -> Path:
    """Draw ``doc`` as a PDF at ``path``."""
    from reportlab.pdfgen import canvas

    _font()
    c = canvas.Canvas(str(path), pagesize=PAGE, invariant=1)
    c.setTitle(f"{doc.name}{doc.year}")
    c.setFont(FONT, 16)
    word = "决算" if doc.kind == "final" else "预算"
    c.drawCentredString(PAGE[0] / 2, 420, f"上海市普陀区{doc.year}年区级{doc.scope}{word}")
    c.setFont(FONT, 12)
    c.drawCentredString(PAGE[0] / 2, 390, f"{word}{doc.scope}：{doc.name}")
    c.showPage()
    if doc.narrative:
        c.setFont(FONT, 16)
        c.drawCentredString(PAGE[0] / 2, TOP_Y, doc.narrative[0])
        y = TOP_Y - 36
        c.setFont(FONT, 11)
        for para in doc.narrative[1:]:
            for k in range(0, len(para), 60):
                c.drawString(LEFT, y, para[k:k + 60])
                y -= 18
        c.showPage()
    for t in doc.tables:
        if t.empty == "missing":
            continue
        _draw_table(c, doc, t)
    c.save()
    return path


def _draw_title(c, doc: Doc, t: TableModel, y: float) -> float:
    c.setFont(FONT, 16)
    c.drawCentredString(PAGE[0] / 2, y, t.title)
    c.setFont(FONT, 10)
    c.drawString(LEFT, y - 24, f"编制单位：{doc.name}")
    c.drawRightString(LEFT + 730, y - 24, f"单位：{t.unit}")
    return y - 34


def _xs(t: TableModel) -> list[float]:
    xs = [LEFT]
    scale = min(1.0, 730 / sum(t.widths))
    for w in t.widths:
        xs.append(xs[-1] + w * scale)
    return xs


def _draw_header(c, doc: Doc, t: TableModel, y: float) -> float:
    xs = _xs(t)
    h = ROW_H * (1.4 if doc.style.wrap else 1.0)
    c.setLineWidth(0.8)
    for r0, r1, c0, c1, text in t.header:
        x0, x1 = xs[c0], xs[c1 + 1]
        top, bottom = y - r0 * h, y - (r1 + 1) * h
        c.rect(x0, bottom, x1 - x0, top - bottom)
        lines = _wrap(text, x1 - x0, 10, doc.style.wrap)
        size = min(10.0, (x1 - x0 - 4) / max(len(line) for line in lines))
        c.setFont(FONT, size)
        mid = (top + bottom) / 2
        for k, line in enumerate(lines):
            c.drawCentredString((x0 + x1) / 2, mid - 3 + (len(lines) - 1) * 6 - k * 12,
                                _lone(line, doc.style))
    return y - t.header_rows * h


def _cell_texts(doc: Doc, t: TableModel, r: Row) -> list[tuple[str, str]]:
    """(text, align) per leaf column of a row (two-sided tables: its own side only)."""
    out = []
    for side, col in t.columns:
        if r.blank or (side and side != r.side):
            out.append(("", "l"))
            continue
        if col.startswith("code"):
            code = r.code
            if doc.style.codes3:
                k = int(col[-1])
                part = code[:3] if k == 1 else code[3 + 2 * (k - 2):5 + 2 * (k - 2)]
                if not code and k == 1 and r.label == "无":
                    part = "无"
                out.append((part, "c"))
            else:
                out.append((code or ("无" if r.label == "无" else ""), "c"))
        elif col in ("name", "label"):
            out.append(("" if r.label == "无" and t.columns[0][1].startswith("code")
                        else r.label, "l"))
        else:
            out.append((r.values.get(col, ""), "r"))
    return out


def _draw_table(c, doc: Doc, t: TableModel) -> None:
    st = doc.style
    y = _draw_title(c, doc, t, TOP_Y)
    if t.empty == "text":
        c.setFont(FONT, 11)
        c.drawString(LEFT, y - 20, t.note)
        c.showPage()
        return
    if t.id in st.title_alone:  # the title ends a page; the grid starts the next
        c.showPage()
        c.setFont(FONT, 10)
        y = TOP_Y
    y = _draw_header(c, doc, t, y)
    xs = _xs(t)
    if doc.kind == "final" and t.columns[0][1].startswith("code"):  # 栏次 1 2 3 … under it
        c.setFont(FONT, 10)
        n = 0
        for k, (_side, col) in enumerate(t.columns):
            c.rect(xs[k], y - ROW_H, xs[k + 1] - xs[k], ROW_H)
            text = "栏次" if col == "name" else ""
            if col not in ("name", "code1", "code2", "code3"):
                n += 1
                text = str(n)
            if text:
                c.drawCentredString((xs[k] + xs[k + 1]) / 2, y - ROW_H + 7, text)
        y -= ROW_H
    body = list(t.rows)
    if t.id in ("t01", "t04"):  # one printed line holds an income and an expense row
        lines: list[list[Row]] = []
        for r in body:
            if r.side == "支出" and lines and len(lines[-1]) == 1 and lines[-1][0].side == "收入":
                lines[-1].append(r)
            else:
                lines.append([r])
        printed = lines
    else:
        printed = [[r] for r in body]
    count = 0
    for line in printed:
        if count >= st.rows_per_page or y - ROW_H < BOTTOM_Y:
            c.showPage()
            y = TOP_Y
            if st.repeat_header:
                y = _draw_header(c, doc, t, y)
            count = 0
        texts = [("", "l")] * len(t.columns)
        for r in line:
            for k, (text, align) in enumerate(_cell_texts(doc, t, r)):
                if text:
                    texts[k] = (text, align)
        c.setFont(FONT, 10)
        for k, (text, align) in enumerate(texts):
            x0, x1 = xs[k], xs[k + 1]
            c.rect(x0, y - ROW_H, x1 - x0, ROW_H)
            if not text:
                continue
            text = _lone(text, st)
            if align == "r":
                c.drawRightString(x1 - 3, y - ROW_H + 7, text)
            elif align == "c":
                c.drawCentredString((x0 + x1) / 2, y - ROW_H + 7, text)
            else:
                c.drawString(x0 + 3, y - ROW_H + 7, text)
        y -= ROW_H
        count += 1
    if t.note:
        c.setFont(FONT, 9)
        c.drawString(LEFT, y - 14, t.note)
    c.showPage()
