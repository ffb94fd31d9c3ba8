"""Tiny panels for tests, written like the tables and sentences they stand for.

``cell("t05", "20601", "total", "1,691.71", name="科学技术管理事务")`` is one printed
cell; ``claim("c1", "人员经费", "486.72", table="t07", item="人员经费", column="amount")``
is one figure the narrative states; ``panel(cells=[...], claims=[...])`` makes a
:class:`fiscal.load.Panel` whose frames have the columns and dtypes ``load_panel``
produces, validated against the contract in ``fiscal.schema``.

Amounts are printed 万元 strings: the unit of the last printed digit (ulp) is derived
from the decimals as printed (``"605.1"`` → 0.1 万元, ``"26,380"`` → 1 万元,
``"10.00"`` → 0.01 万元).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from fiscal.load import Panel, _plain_strings
from fiscal.schema import CODE_LEVELS, FEN_PER_WAN, TABLES, ClaimFrame, TableFrame

#: The department-year of a cell or claim unless told otherwise.
KEY = "test-dept/2018"
DEPARTMENT = "测试局"

CELL_COLUMNS = ["key", "slug", "department", "year", "kind", "table", "row", "side", "code",
                "label", "name", "level", "column", "printed", "amount_fen", "ulp_fen", "text",
                "source_line"]
CLAIM_COLUMNS = ["key", "slug", "department", "year", "kind", "claim", "section", "subject",
                 "table", "item", "column", "claim_year", "basis", "role", "value", "ulp", "unit",
                 "printed", "parent", "parts", "base", "certainty", "sentence",
                 "source_line"]
_INT64 = ("year", "claim_year", "row", "level", "source_line")
_NULLABLE = ("amount_fen", "ulp_fen")

_CODE = re.compile(r"^(\d{3,9}|[ABC]\d{2,8})$")
#: Outline markers as printed and the level they stand for.
_MARKERS = ((re.compile(r"^[一二三四五六七八九十]+、"), 1),
            (re.compile(r"^（[一二三四五六七八九十]+）"), 2),
            (re.compile(r"^\d+、"), 3),
            (re.compile(r"^（\d+）"), 4))


def split_key(key: str) -> tuple[str, int, str]:
    """``"a/2018"`` → ``("a", 2018, "budget")``; ``"a/2017-final"`` → final."""
    slug, _, folder = key.partition("/")
    kind = "final" if folder.endswith("-final") else "budget"
    return slug, int(folder.removesuffix("-final")), kind


def ulp_of(printed: str) -> Decimal:
    """The unit of the last printed digit: ``"605.1"`` → ``Decimal("0.1")``."""
    _, _, frac = printed.replace(",", "").partition(".")
    return Decimal(1).scaleb(-len(frac))


def fen(wan: str | Decimal) -> int:
    """万元 (as printed, commas allowed) → integer 分."""
    value = Decimal(str(wan).replace(",", "")) * FEN_PER_WAN
    assert value == value.to_integral(), f"{wan} 万元 is not a whole number of 分"
    return int(value)


def _level(code: str, label: str, table: str) -> int:
    if code:
        return CODE_LEVELS.get(TABLES[table].codes, {}).get(len(code), 1)
    if label.endswith(("合计", "总计")):
        return 0
    for pattern, level in _MARKERS:
        if pattern.match(label):
            return level
    return 1


def _bare(label: str) -> str:
    for pattern, _ in _MARKERS:
        label = pattern.sub("", label)
    return label


def cell(table: str, code_or_label: str, column: str, printed: str, *, level: int | None = None,
         side: str = "", row: int | None = None, name: str | None = None,
         ulp: str | None = None, key: str = KEY, text: str = "",
         source_line: int | None = None) -> dict:
    """One printed cell of a table.

    ``code_or_label`` is a code (``"20601"``, ``"A0302"``) or a row label as printed
    (``"（一）人员经费"``). For a code, ``name`` is the row title (default ``科目<code>``);
    for a label, the name is the label without its outline marker. The level defaults to
    the code's length (类 1, 款 2, 项 3) or the label's marker (``一、`` 1, ``（一）`` 2,
    ``1、`` 3, ``（1）`` 4; ``…合计``/``…总计`` 0; none 1). ``printed=""`` is an empty
    cell. Cells without ``row`` get one in :func:`panel` (same side/code/label, same row);
    ``source_line`` defaults to ``100 + row``.
    """
    is_code = bool(_CODE.match(code_or_label))
    code = code_or_label if is_code else ""
    if is_code:
        name = name or f"科目{code}"
        label = name
    else:
        label = code_or_label
        name = name or _bare(label)
    slug, year, kind = split_key(key)
    amount = printed.replace(",", "").strip()
    return {
        "key": key, "slug": slug, "department": DEPARTMENT, "year": year, "kind": kind,
        "table": table, "row": row, "side": side, "code": code, "label": label, "name": name,
        "level": _level(code, label, table) if level is None else level, "column": column,
        "printed": printed,
        "amount_fen": fen(amount) if amount else None,
        "ulp_fen": (fen(ulp) if ulp else fen(ulp_of(amount))) if amount else None,
        "text": text, "source_line": source_line,
    }


def claim(claim_id: str, subject: str, value: str, *, role: str = "amount", table: str = "",
          item: str = "", column: str = "", year: int | None = None, basis: str = "预算",
          unit: str | None = None, ulp: str | None = None, parent: str = "", parts: str = "",
          key: str = KEY, section: str = "", sentence: str = "", source_line: int = 10,
          printed: str | None = None, base: str = "", certainty: str = "explicit") -> dict:
    """One figure the narrative states.

    ``value`` is written as printed (signed: a decrease is ``"-0.5"``); its ulp comes
    from its decimals unless given. ``unit`` defaults to ``%`` for change_pct, share and
    completion_pct, else 万元. ``base`` is a share's whole; ``certainty`` how the figure's
    relation to its parent was read (``inferred`` makes a failure ``review``). ``year``
    (the claim's year) defaults to the document's year, one earlier for a
    ``prior_amount``.
    """
    slug, doc_year, kind = split_key(key)
    number = value.replace(",", "")
    if year is None:
        year = doc_year - 1 if role == "prior_amount" else doc_year
    if unit is None:
        unit = "%" if role in ("change_pct", "share", "completion_pct") else "万元"
    return {
        "key": key, "slug": slug, "department": DEPARTMENT, "year": doc_year, "kind": kind,
        "claim": claim_id, "section": section, "subject": subject, "table": table,
        "item": item, "column": column, "claim_year": year, "basis": basis, "role": role,
        "value": Decimal(number), "ulp": Decimal(ulp) if ulp is not None else ulp_of(number),
        "unit": unit, "printed": printed if printed is not None else f"{value}{unit}",
        "parent": parent, "parts": parts, "base": base, "certainty": certainty,
        "sentence": sentence or f"{subject} {value}{unit}",
        "source_line": source_line,
    }


def table_meta(table: str, columns: list[str] | None = None, *, title: str | None = None,
               title_line: int = 1) -> dict:
    """The meta entry of one table (standard title and every standard column by default)."""
    return {"title": TABLES[table].title if title is None else title,
            "columns": list(TABLES[table].columns if columns is None else columns),
            "title_line": title_line}


def _number_rows(cells: list[dict]) -> list[dict]:
    """Give each cell without a row the row of its side/code/label, else the next free one."""
    taken: dict[tuple, set[int]] = {}
    for c in cells:
        if c["row"] is not None:
            taken.setdefault((c["key"], c["table"]), set()).add(c["row"])
    out, rows, last = [], {}, {}
    for c in cells:
        c = dict(c)
        where = (c["key"], c["table"])
        ident = (*where, c["side"], c["code"], c["label"])
        if c["row"] is None:
            if ident not in rows:
                n = last.get(where, 0) + 1
                while n in taken.get(where, ()):
                    n += 1
                last[where] = rows[ident] = n
            c["row"] = rows[ident]
        if c["source_line"] is None:
            c["source_line"] = 100 + c["row"]
        out.append(c)
    return out


def _typed(records: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records, columns=columns)
    for col in columns:
        if col in _INT64:
            df[col] = df[col].astype("int64")
        elif col in _NULLABLE:
            df[col] = pd.array(list(df[col]), dtype="Int64")
        elif col not in ("value", "ulp"):
            df[col] = df[col].astype(str)
    return df


def _default_meta(key: str, cells: pd.DataFrame) -> dict:
    slug, year, kind = split_key(key)
    mine = cells[cells["key"] == key] if len(cells) else cells
    tables = {}
    for tid in sorted(set(mine["table"])) if len(mine) else []:
        used = set(mine.loc[mine["table"] == tid, "column"])
        tables[tid] = table_meta(tid, [c for c in TABLES[tid].columns if c in used])
    return {"department": DEPARTMENT, "slug": slug, "year": year, "kind": kind,
            "tables": tables}


def panel(cells: list[dict] = (), claims: list[dict] = (), meta: dict | None = None,
          *, validate: bool = True) -> Panel:
    """A Panel of the given cells and claims, typed as ``load_panel`` types them.

    ``meta`` maps a key to entries that replace the defaults (slug, year, kind,
    department, and ``tables``: each table present with the standard title and the
    columns its cells use). Keys named only in ``meta`` are department-years without
    cells or claims. ``validate`` checks both frames against the contract.
    """
    cell_df = _typed(_number_rows(list(cells)), CELL_COLUMNS)
    claim_df = _typed(list(claims), CLAIM_COLUMNS) if claims else pd.DataFrame()
    keys = set(cell_df["key"]) | (set(claim_df["key"]) if len(claim_df) else set())
    keys |= set(meta or {})
    metas = {k: {**_default_meta(k, cell_df), **(meta or {}).get(k, {})} for k in sorted(keys)}
    if validate:
        if len(cell_df):
            TableFrame.validate(cell_df.drop(columns=["key", "slug"]), lazy=True)
        if len(claim_df):
            ClaimFrame.validate(claim_df.drop(columns=["key", "slug"]), lazy=True)
    return Panel(cells=_plain_strings(cell_df), claims=_plain_strings(claim_df), meta=metas)
