"""Checks: every inconsistency of a disclosure, with rounding told apart from error.

Each rule takes a :class:`~fiscal.load.Panel` (one or many department-years)
and returns a findings frame; every rule runs over the whole panel at once and
all findings are reported. A difference is ``rounding`` when it is within what
the printed precision explains (see ``fiscal.schema`` for the tolerances),
``error`` beyond that; ``warning`` marks what a person should look at that is
not arithmetic.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from contextvars import ContextVar
from decimal import Decimal
from fractions import Fraction
from itertools import product

import numpy as np
import pandas as pd

from fiscal.ids import about, with_ids
from fiscal.load import Budget, Panel, fen_to_wan
from fiscal.schema import (
    CODE_LEVELS,
    CODE_RE,
    COLUMN_LABELS,
    FEN_PER_WAN,
    PERCENT_HALF_UNIT,
    ROUNDING_HALF_UNITS,
    TABLES,
)

FINDING_COLUMNS = ["department", "year", "kind", "rule", "severity", "table", "item",
                   "expected", "actual", "difference", "message", "source_line"]
#: ``review`` ("check by eye"): a relation that does not hold but was read with doubt (a
#: figure whose role, whole or basis was inferred, not stated), or a table or rule that could
#: not be read or run. Never counted as an error, never the cause of exit 1.
SEVERITIES = ("error", "review", "rounding", "warning")
KEY = ["key", "slug", "year", "kind"]
#: Columns a rule's findings carry besides ``FINDING_COLUMNS``: the department-year and
#: what identifies the figures compared (``fiscal.ids.about``), for the finding's id.
INNER_COLUMNS = ["key", "about"]

#: Tables whose rows follow a numbered or indented outline (一、（一）1、（1）).
OUTLINE_TABLES = ("t01", "t02", "t03", "t04", "t07", "t08", "t09")
#: Tables printed in the full Shenzhen-style template, for the missing-table warning.
REQUIRED_TABLES = tuple(t for t, spec in TABLES.items() if spec.required)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def wan(fen) -> Decimal | None:
    """分 to 万元 (Decimal), None for missing."""
    return None if fen is None or pd.isna(fen) else fen_to_wan(int(fen))


def fmt(value: Decimal | None) -> str:
    """``33534.08`` -> ``33,534.08``; None -> ``空``."""
    if value is None:
        return "空"
    text = format(value.normalize() if value == value.to_integral() else value, ",f")
    return text


def _txt(fen: pd.Series) -> pd.Series:
    """Amounts in 分 as printed text in 万元 (object dtype, also when empty)."""
    return pd.Series([fmt(wan(f)) for f in fen], index=fen.index, dtype=object)


#: Where relations are collected while rules run (see :func:`relations`): every comparison
#: a rule makes, held or not, with its verdict, lines and printed figures.
_RELATIONS: ContextVar[list[pd.DataFrame] | None] = ContextVar("_RELATIONS", default=None)
RELATION_COLUMNS = ["key", "rule", "verdict", "source_line", "lines", "figures"]


def _record(df: pd.DataFrame, rule: str, verdict, lines=None, figures=None) -> None:
    """Add the comparisons of ``df`` (one per row) to the relations being collected."""
    sink = _RELATIONS.get()
    if sink is None or df.empty:
        return
    n = len(df)
    src = df["source_line"].to_numpy() if "source_line" in df else np.zeros(n, dtype=int)
    sink.append(pd.DataFrame({
        "key": df["key"].to_numpy(), "rule": rule,
        "verdict": np.where(np.asarray(verdict) == "", "holds", verdict) if not isinstance(
            verdict, str) else verdict,
        "source_line": src,
        "lines": list(lines) if lines is not None else [(int(x),) for x in src],
        "figures": list(figures) if figures is not None else [()] * n,
    }))


class Msg:
    """A message built only for the comparisons that differ: ``Msg(lambda m: …)`` gets the
    frame of those rows and returns their messages (the rest are recorded as held)."""

    def __init__(self, build: Callable[[pd.DataFrame], pd.Series]) -> None:
        self.build = build


def _severity(diff: pd.Series, tol2: pd.Series) -> np.ndarray:
    """'' for equal, 'rounding' within tolerance, 'error' beyond (exact integers of 分)."""
    d = diff.astype("int64").abs() * 2
    t = tol2.astype("int64") * ROUNDING_HALF_UNITS
    return np.where(d == 0, "", np.where(d <= t, "rounding", "error"))


def _findings(df: pd.DataFrame, rule: str, table: pd.Series | str, item: pd.Series,
              expected_fen: pd.Series, actual_fen: pd.Series, tol2: pd.Series,
              message: Callable[[pd.Series], str] | pd.Series | Msg,
              source_line: pd.Series, doubt=None, lines=None, figures=None) -> pd.DataFrame:
    """Findings of an amount comparison: only rows that differ.

    ``doubt`` marks comparisons that need a reading made with doubt: beyond rounding they
    are ``review``, not ``error``. Every comparison, held or not, is recorded as a relation.
    """
    if df.empty:
        return empty_findings()
    diff = actual_fen.astype("int64") - expected_fen.astype("int64")
    sev = _severity(diff, tol2)
    if doubt is not None:
        sev = np.where((sev == "error") & np.asarray(doubt, dtype=bool), "review", sev)
    _record(df.assign(source_line=source_line.to_numpy()), rule, sev, lines, figures)
    keep = sev != ""
    if not keep.any():
        return empty_findings()
    sub = df[keep]
    out = pd.DataFrame({
        "key": sub["key"].to_numpy(), "department": sub["slug"].to_numpy(),
        "year": sub["year"].to_numpy(), "kind": sub["kind"].to_numpy(), "rule": rule,
        "severity": sev[keep],
        "table": table[keep].to_numpy() if isinstance(table, pd.Series) else table,
        "item": item[keep].to_numpy(),
        "expected": [wan(v) for v in expected_fen[keep]],
        "actual": [wan(v) for v in actual_fen[keep]],
        "difference": [wan(v) for v in diff[keep]],
        "source_line": source_line[keep].to_numpy(),
        "about": about(sub).to_numpy(),
    })
    if isinstance(message, Msg):
        out["message"] = list(message.build(sub))
    elif isinstance(message, pd.Series):
        out["message"] = message[keep].to_numpy()
    else:
        out["message"] = [message(r) for _, r in out.iterrows()]
    return out


def empty_findings() -> pd.DataFrame:
    """A findings frame with no row."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in [*INNER_COLUMNS, *FINDING_COLUMNS]})


def _values(cells: pd.DataFrame) -> pd.DataFrame:
    return cells[cells["amount_fen"].notna()]


def _cached(p: Panel, name: str, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Frames several rules derive from a panel, computed once per panel."""
    cache = p.__dict__.setdefault("_check_cache", {})
    if name not in cache:
        cache[name] = make()
    return cache[name]


def _panel_values(p: Panel) -> pd.DataFrame:
    return _cached(p, "values", lambda: _values(p.cells))


def _item(df: pd.DataFrame) -> pd.Series:
    return df["code"].where(df["code"] != "", df["label"])


def _col(column: str) -> str:
    return COLUMN_LABELS.get(column, column)


# ---------------------------------------------------------------------------
# 1. Shape and schema
# ---------------------------------------------------------------------------

def rule_code_level(p: Panel) -> pd.DataFrame:
    """Codes must have a valid length for their table (类 3, 款 5, 项 7 digits)."""
    c = p.cells
    rows = []
    for codes in ("function", "economic"):
        tids = [t for t, s in TABLES.items() if s.codes == codes]
        sub = c[c["table"].isin(tids) & (c["code"] != "")].drop_duplicates(
            [*KEY, "table", "row"])
        bad = sub[~sub["code"].str.match(CODE_RE[codes].pattern)
                  | ~sub["code"].str.len().isin(list(CODE_LEVELS[codes]))]
        what = "功能科目编码（类 3 位、款 5 位、项 7 位）" if codes == "function" \
            else "经济科目编码（类 3 位、款 5 位）"
        for _, r in bad.iterrows():
            rows.append(_one(r, "code_level", "error", r["table"], r["code"], None, None,
                             f"{r['label']}：编码 {r['code']} 不是有效的{what}",
                             r["source_line"]))
        dup = sub[sub.duplicated([*KEY, "table", "side", "code"], keep="first")]
        for _, r in dup.iterrows():
            rows.append(_one(r, "duplicate_row", "error", r["table"], r["code"], None, None,
                             f"编码 {r['code']}（{r['label']}）在表中出现不止一次",
                             r["source_line"]))
    return _frame(rows)


def _one(r, rule, severity, table, item, expected, actual, message, line) -> dict:
    diff = (actual - expected) if expected is not None and actual is not None else None
    return {"key": r["key"], "department": r["slug"], "year": r["year"], "kind": r["kind"],
            "rule": rule, "severity": severity, "table": table, "item": item,
            "expected": expected, "actual": actual, "difference": diff, "message": message,
            "source_line": line, "about": about(r)}


def _frame(rows: list[dict]) -> pd.DataFrame:
    return (pd.DataFrame(rows, columns=[*INNER_COLUMNS, *FINDING_COLUMNS]) if rows
            else empty_findings())


def rule_tables_present(p: Panel) -> pd.DataFrame:
    """Warn about required tables missing from a disclosure that prints the full set."""
    rows = []
    for key, meta in p.meta.items():
        have = set(meta.get("tables", {}))
        r = {"key": key, "slug": meta["slug"], "year": int(meta["year"]), "kind": meta["kind"]}
        # the full Shenzhen-style set (t07 项目分类 is its mark); other templates print fewer
        if "t07" in have and len(have & set(REQUIRED_TABLES)) >= len(REQUIRED_TABLES) // 2:
            for tid in REQUIRED_TABLES:
                if tid not in have:
                    rows.append(_one(r, "table_missing", "warning", tid, TABLES[tid].title, None,
                                     None, f"未见{TABLES[tid].title}（{tid}）", 0))
        for tid, info in meta.get("tables", {}).items():
            if info.get("complete") is False:
                rows.append(_one(r, "table_incomplete", "warning", tid, info.get("title", ""),
                                 None, None, f"{info.get('title', tid)}在原文中被截断（无合计行）："
                                 "只读入已印出的行，缺失的行未作推算", info.get("title_line", 0)))
            years = {int(y) for y in re.findall(r"((?:19|20)\d{2})年", info.get("title", ""))}
            if years and int(meta["year"]) not in years:
                rows.append(_one(r, "title_year", "warning", tid, info.get("title", ""), None,
                                 None, f"表题年份 {sorted(years)} 与正文年份 {meta['year']} 不一致",
                                 info.get("title_line", 0)))
        for gap in meta.get("unread", []):
            where = f"第 {gap['page']} 页" if gap.get("page") else ""
            rows.append(_one(r, "table_unreadable", "review", gap.get("table", ""),
                             gap.get("title", ""), None, None,
                             f"{gap.get('title') or gap.get('table', '表')}{where}未能读入："
                             f"{gap.get('reason', '')}；其余表格与正文照常核对",
                             gap.get("line", 0)))
        for name in meta.get("_unknown_files", []):
            rows.append(_one(r, "unknown_file", "warning", "", name, None, None,
                             f"文件夹中有不属于数据契约的文件 {name}：fiscal 不读取它", 0))
    return _frame(rows)


# ---------------------------------------------------------------------------
# 2. Hierarchy
# ---------------------------------------------------------------------------

def rule_code_hierarchy(p: Panel) -> pd.DataFrame:
    """类 = Σ款 and 款 = Σ项 by code prefix, in every coded table and column."""
    v = _panel_values(p)
    coded = v[(v["code"] != "") & v["table"].isin(
        [t for t, s in TABLES.items() if s.codes in CODE_LEVELS])]
    coded_tables = [t for t, s in TABLES.items() if s.codes in CODE_LEVELS]
    allrows = p.cells[(p.cells["code"] != "") & p.cells["table"].isin(coded_tables)]
    out = []
    for child_len, parent_len in ((5, 3), (7, 5)):
        ch = coded[coded["code"].str.len() == child_len].copy()
        ch["parent_code"] = ch["code"].str[:parent_len]
        sums = ch.groupby([*KEY, "table", "side", "column", "parent_code"], sort=False).agg(
            child_fen=("amount_fen", "sum"), child_ulp=("ulp_fen", "sum"),
            n=("amount_fen", "size")).reset_index()
        parents = allrows[allrows["code"].str.len() == parent_len]
        kids = allrows[allrows["code"].str.len() == child_len]
        has_children = kids.assign(parent_code=kids["code"].str[:parent_len])[
            [*KEY, "table", "side", "parent_code"]].drop_duplicates()
        par = parents[parents["amount_fen"].notna()].merge(
            has_children, left_on=[*KEY, "table", "side", "code"],
            right_on=[*KEY, "table", "side", "parent_code"], how="inner")
        m = par.merge(sums, on=[*KEY, "table", "side", "column", "parent_code"], how="left")
        m["child_fen"] = m["child_fen"].fillna(0).astype("int64")
        m["child_ulp"] = m["child_ulp"].fillna(0).astype("int64")
        if m.empty:
            continue
        level = {3: "类", 5: "款"}[parent_len]
        sub = {5: "款", 7: "项"}[child_len]
        msg = Msg(lambda m, level=level, sub=sub: (
            m["label"] + "（" + m["code"] + "）" + m["column"].map(_col) + "：" + level + " "
            + _txt(m["amount_fen"]) + " ≠ Σ" + sub + " " + _txt(m["child_fen"])))
        out.append(_findings(m, "code_hierarchy", m["table"], m["code"], m["child_fen"],
                             m["amount_fen"], m["ulp_fen"] + m["child_ulp"], msg,
                             m["source_line"]))
    return _concat(out)


def rule_row_total(p: Panel) -> pd.DataFrame:
    """合计 = 基本支出 + 项目支出 on every row that has those columns."""
    v = _panel_values(p)
    v = v[v["column"].isin(["total", "basic", "project"])]
    if v.empty:
        return empty_findings()
    idx = [*KEY, "table", "side", "row"]
    wide = v.pivot_table(index=idx, columns="column", values=["amount_fen", "ulp_fen"],
                         aggfunc="first")
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    wide = wide.reset_index()
    for col in ("total", "basic", "project"):
        for what in ("amount_fen", "ulp_fen"):
            name = f"{what}_{col}"
            if name not in wide:
                wide[name] = pd.NA
    wide = wide[wide["amount_fen_total"].notna()
                & (wide["amount_fen_basic"].notna() | wide["amount_fen_project"].notna())]
    if wide.empty:
        return empty_findings()
    info = p.cells.drop_duplicates(idx)[[*idx, "code", "label", "source_line"]]
    wide = wide.merge(info, on=idx, how="left")
    parts = (wide["amount_fen_basic"].fillna(0) + wide["amount_fen_project"].fillna(0)).astype(
        "int64")
    tol = (wide["ulp_fen_total"].fillna(0) + wide["ulp_fen_basic"].fillna(0)
           + wide["ulp_fen_project"].fillna(0)).astype("int64")
    wide = wide.assign(_parts=parts)
    msg = Msg(lambda m: m["label"] + "：合计 " + _txt(m["amount_fen_total"])
              + " ≠ 基本支出 + 项目支出 " + _txt(m["_parts"]))
    return _findings(wide, "row_total", wide["table"], _item(wide), parts,
                     wide["amount_fen_total"].astype("int64"), tol, msg, wide["source_line"])


def _parents(rows: pd.DataFrame) -> pd.Series:
    """Row id of each row's parent in an outline (nearest preceding row of lower level)."""
    rows = rows.sort_values([*KEY, "table", "side", "row"])
    grp = [rows[k] for k in [*KEY, "table", "side"]]
    parent = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    for lvl in sorted(rows["level"].unique()):
        if lvl <= 1:
            continue
        marker = pd.Series(np.where(rows["level"] < lvl, rows["uid"], np.nan), index=rows.index)
        filled = marker.groupby(grp, sort=False).ffill()
        at = rows["level"] == lvl
        parent[at] = filled[at].astype("Int64")
    return parent.reindex(rows.index)


def rule_outline(p: Panel) -> pd.DataFrame:
    """A numbered or indented row equals the sum of the rows beneath it (一、 = Σ（一）…)."""
    c = p.cells[p.cells["table"].isin(OUTLINE_TABLES) & (p.cells["code"] == "")]
    if c.empty:
        return empty_findings()
    idx = [*KEY, "table", "side", "row"]
    rows = c.drop_duplicates(idx)[[*idx, "level", "label"]].copy()
    rows["uid"] = np.arange(len(rows))
    rows["parent"] = _parents(rows)
    # a total row (level 0) is no outline parent
    lvl0 = set(rows.loc[rows["level"] == 0, "uid"])
    rows.loc[rows["parent"].isin(lvl0), "parent"] = pd.NA
    v = _values(c).merge(rows[[*idx, "uid", "parent"]], on=idx)
    kids = v[v["parent"].notna()].groupby(["parent", "column"]).agg(
        child_fen=("amount_fen", "sum"), child_ulp=("ulp_fen", "sum")).reset_index()
    has_kids = set(rows["parent"].dropna().astype(int))
    par = v[v["uid"].isin(has_kids)]
    m = par.merge(kids, left_on=["uid", "column"], right_on=["parent", "column"], how="inner",
                  suffixes=("", "_k"))
    if m.empty:
        return empty_findings()
    m["child_fen"] = m["child_fen"].astype("int64")
    msg = Msg(lambda m: m["label"] + m["column"].map(
        lambda x: "" if x in ("amount", "total") else f"（{_col(x)}）") + "："
        + _txt(m["amount_fen"]) + " ≠ 下级各项之和 " + _txt(m["child_fen"]))
    return _findings(m, "outline", m["table"], m["label"], m["child_fen"], m["amount_fen"],
                     m["ulp_fen"] + m["child_ulp"].astype("int64"), msg, m["source_line"])


def rule_totals(p: Panel) -> pd.DataFrame:
    """合计 rows: 合计 = Σ top-level rows; 本年…合计 = Σ rows above; …总计 = 本年合计 + rest."""
    c = p.cells
    idx = [*KEY, "table", "side", "row"]
    rows = c.drop_duplicates(idx)[[*idx, "level", "name"]].copy()
    rows = rows.sort_values(idx)
    is_total = rows["level"] == 0
    # segment: how many totals come before a row (a total belongs to the rows above it)
    rows["segment"] = (is_total.groupby([rows[k] for k in [*KEY, "table", "side"]]).cumsum()
                       - is_total.astype(int))
    v = _values(c).merge(rows[[*idx, "segment"]], on=idx)
    top = v[v["level"] == 1]
    out = []
    totals = v[v["level"] == 0].copy()
    if totals.empty:
        return empty_findings()
    kind = np.where(totals["name"].str.match(r"^本年.*合计$"), "year",
                    np.where(totals["name"].str.match(r"^.+总计$"), "grand", "all"))
    totals["tkind"] = kind
    g = [*KEY, "table", "side", "column"]
    # 合计 / 总计 alone: every top-level row of the table side
    all_sum = top.groupby(g).agg(s=("amount_fen", "sum"), u=("ulp_fen", "sum")).reset_index()
    t_all = totals[totals["tkind"] == "all"].merge(all_sum, on=g)
    # 本年…合计: top-level rows above it (its segment)
    seg_sum = top.groupby([*g, "segment"]).agg(s=("amount_fen", "sum"),
                                               u=("ulp_fen", "sum")).reset_index()
    t_year = totals[totals["tkind"] == "year"].merge(seg_sum, on=[*g, "segment"])
    # …总计: the previous total plus the top-level rows between
    grand = totals[totals["tkind"] == "grand"].copy()
    prev = totals[["key", "table", "side", "column", "segment", "amount_fen", "ulp_fen"]].copy()
    prev["segment"] = prev["segment"] + 1
    grand = grand.merge(prev, on=["key", "table", "side", "column", "segment"], how="left",
                        suffixes=("", "_prev"))
    # a 总计 with no 本年…合计 above it sums the top-level rows above it
    grand["amount_fen_prev"] = grand["amount_fen_prev"].fillna(0).astype("int64")
    grand["ulp_fen_prev"] = grand["ulp_fen_prev"].fillna(0).astype("int64")
    between = seg_sum.rename(columns={"s": "s_b", "u": "u_b"})
    grand = grand.merge(between, on=[*g, "segment"], how="left")
    grand["s"] = grand["amount_fen_prev"] + grand["s_b"].fillna(0).astype("int64")
    grand["u"] = grand["ulp_fen_prev"] + grand["u_b"].fillna(0).astype("int64")
    for m in (t_all, t_year, grand[t_all.columns.intersection(grand.columns)]):
        if m.empty:
            continue
        m = m.copy()
        m["s"] = m["s"].astype("int64")
        msg = Msg(lambda m: m["name"] + m["column"].map(
            lambda x: "" if x in ("amount", "total") else f"（{_col(x)}）")
            + "：" + _txt(m["amount_fen"]) + " ≠ 各项之和 " + _txt(m["s"]))
        out.append(_findings(m, "totals", m["table"], m["name"], m["s"], m["amount_fen"],
                             m["ulp_fen"] + m["u"].astype("int64"), msg, m["source_line"]))
    return _concat(out)


# ---------------------------------------------------------------------------
# 3. Cross-table identities
# ---------------------------------------------------------------------------

#: Named cells: (fact, table, side, name or code, column).
FACTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("t01 收入总计", "t01", "收入", "收入总计", "amount"),
    ("t01 支出总计", "t01", "支出", "支出总计", "amount"),
    ("t01 本年收入合计", "t01", "收入", "本年收入合计", "amount"),
    ("t01 本年支出合计", "t01", "支出", "本年支出合计", "amount"),
    ("t02 收入总计", "t02", "", "收入总计", "amount"),
    ("t02 本年收入合计", "t02", "", "本年收入合计", "amount"),
    ("t03 支出总计", "t03", "", "支出总计", "amount"),
    ("t03 本年支出合计", "t03", "", "本年支出合计", "amount"),
    ("t04 收入总计", "t04", "收入", "收入总计", "amount"),
    ("t04 支出总计", "t04", "支出", "支出总计", "amount"),
    ("t04 一般公共预算拨款", "t04", "收入", "一般公共预算拨款", "amount"),
    ("t05 合计", "t05", "", "合计", "total"),
    ("t05 基本支出", "t05", "", "合计", "basic"),
    ("t05 项目支出", "t05", "", "合计", "project"),
    ("t06 合计", "t06", "", "合计", "amount"),
    ("t06 公务用车运行维护费", "t06", "", "30231", "amount"),
    ("t07 合计", "t07", "", "合计", "amount"),
    ("t07 基本支出", "t07", "", "基本支出", "amount"),
    ("t07 项目支出", "t07", "", "项目支出", "amount"),
    ("t08 合计", "t08", "", "合计", "total"),
    ("t09 公务用车运行维护费", "t09", "", "", "vehicle_operation"),
)

#: Pairs of facts that must agree.
IDENTITIES: tuple[tuple[str, str], ...] = (
    ("t01 收入总计", "t01 支出总计"),
    ("t01 本年收入合计", "t01 本年支出合计"),
    ("t01 收入总计", "t02 收入总计"),
    ("t01 本年收入合计", "t02 本年收入合计"),
    ("t01 支出总计", "t03 支出总计"),
    ("t01 本年支出合计", "t03 本年支出合计"),
    ("t04 收入总计", "t04 支出总计"),
    ("t04 一般公共预算拨款", "t05 合计"),
    ("t05 合计", "t07 合计"),
    ("t05 基本支出", "t06 合计"),
    ("t05 基本支出", "t07 基本支出"),
    ("t05 项目支出", "t07 项目支出"),
    ("t06 公务用车运行维护费", "t09 公务用车运行维护费"),
)


_FACTS = pd.DataFrame(FACTS, columns=["fact", "table", "fside", "item", "column"])


def facts(p: Panel) -> pd.DataFrame:
    """The named cells of every department-year (one row per key and fact)."""
    v = _panel_values(p)
    v = v[v["table"].isin(set(_FACTS["table"]))]
    named = _FACTS[_FACTS["item"] != ""]
    hits = [v.merge(named, left_on=["table", "column", field], right_on=["table", "column",
                                                                        "item"])
            for field in ("code", "name")]
    first = v[v["level"] <= 1].merge(_FACTS[_FACTS["item"] == ""], on=["table", "column"])
    m = pd.concat([*hits, first], ignore_index=True)
    m = m[(m["fside"] == "") | (m["fside"] == m["side"])]
    return m.sort_values(["key", "fact", "row"]).drop_duplicates(["key", "fact"])


def rule_cross_table(p: Panel) -> pd.DataFrame:
    """The same total printed in different tables must agree."""
    f = facts(p)
    out = []
    for a, b in IDENTITIES:
        fa = f[f["fact"] == a]
        fb = f[f["fact"] == b][["key", "amount_fen", "ulp_fen", "source_line"]]
        m = fa.merge(fb, on="key", suffixes=("", "_b"))
        if m.empty:
            continue
        msg = Msg(lambda m, a=a, b=b: pd.Series(
            [f"{a} {fmt(wan(x))} ≠ {b} {fmt(wan(y))}"
             for x, y in zip(m["amount_fen"], m["amount_fen_b"], strict=True)], index=m.index))
        out.append(_findings(m, "cross_table", pd.Series(f"{a.split()[0]}/{b.split()[0]}",
                                                         index=m.index),
                             pd.Series(f"{a} = {b}", index=m.index), m["amount_fen"],
                             m["amount_fen_b"], m["ulp_fen"] + m["ulp_fen_b"], msg,
                             m["source_line_b"]))
    return _concat(out)


def rule_function_rows(p: Panel) -> pd.DataFrame:
    """Function rows of the summary tables (t01, t03, t04) equal t05's 合计 column."""
    v = _panel_values(p)
    ref = v[(v["table"] == "t05") & (v["column"] == "total") & (v["code"] != "")]
    ref = ref.drop_duplicates([*KEY, "name", "level"], keep=False)
    other = v[v["table"].isin(["t01", "t03", "t04"]) & (v["side"].isin(["", "支出"]))
              & (v["code"] == "") & (v["level"] >= 1)]
    other = other.drop_duplicates([*KEY, "table", "name", "level"], keep=False)
    m = other.merge(ref[[*KEY, "name", "level", "code", "amount_fen", "ulp_fen"]],
                    on=[*KEY, "name", "level"], suffixes=("", "_ref"))
    if m.empty:
        return empty_findings()
    msg = Msg(lambda m: m["table"] + " " + m["label"] + " " + _txt(m["amount_fen"])
              + " ≠ t05 " + m["code_ref"] + " " + _txt(m["amount_fen_ref"]))
    return _findings(m, "function_rows", m["table"], m["label"], m["amount_fen_ref"],
                     m["amount_fen"], m["ulp_fen"] + m["ulp_fen_ref"], msg, m["source_line"])


# ---------------------------------------------------------------------------
# 4. Narrative claims
# ---------------------------------------------------------------------------

def _money_claims(p: Panel) -> pd.DataFrame:
    return _cached(p, "money", lambda: _make_money_claims(p))


def _make_money_claims(p: Panel) -> pd.DataFrame:
    cl = p.claims
    if cl.empty:
        return cl
    m = cl[cl["unit"] == "万元"].copy()
    m["value_fen"] = [int(v * FEN_PER_WAN) for v in m["value"]]
    m["ulp_fen"] = [int(u * FEN_PER_WAN) for u in m["ulp"]]
    return m


def _claim_findings(m: pd.DataFrame, rule: str, expected: pd.Series, actual: pd.Series,
                    tol2: pd.Series, msg: pd.Series, doubt=None,
                    parts: tuple[str, ...] = ("printed",),
                    lines: tuple[str, ...] = ("source_line",), figures=None,
                    line_tuples=None) -> pd.DataFrame:
    """Findings of claim comparisons; ``parts``/``lines`` name the columns of the figures used."""
    table = m["table"].where(m["table"] != "", "narrative")
    if _RELATIONS.get() is None:  # nobody collects relations: no figures to list
        figures = line_tuples = None
    else:
        if figures is None:
            figures = _tuples(*[m[c] for c in parts])
        if line_tuples is None:
            line_tuples = [tuple(int(x) for x in row) for row in zip(
                *[m[c].to_numpy() for c in lines], strict=True)]
    return _findings(m, rule, table, m["subject"], expected, actual, tol2, msg, m["source_line"],
                     doubt=doubt, lines=line_tuples, figures=figures)


def _claim_cells(p: Panel) -> pd.DataFrame:
    """Cells a claim can name: printed cells, plus 公务用车购置及运行维护费 as the sum of its
    two leaf columns where only those are printed."""
    v = _panel_values(p)
    leaf = v[v["column"].isin(["vehicle_purchase", "vehicle_operation"])]
    if leaf.empty:
        return v
    have = v[v["column"] == "vehicle"][["key", "table", "row"]].drop_duplicates()
    g = leaf.groupby(["key", "table", "row"], sort=False)
    vsum = g.agg(amount_fen=("amount_fen", "sum"), ulp_fen=("ulp_fen", "sum")).reset_index()
    first = leaf.drop_duplicates(["key", "table", "row"]).drop(columns=["amount_fen", "ulp_fen"])
    syn = first.merge(vsum, on=["key", "table", "row"]).assign(column="vehicle")
    syn = syn.merge(have, on=["key", "table", "row"], how="left", indicator=True)
    syn = syn[syn["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([v, syn[v.columns]], ignore_index=True)


def rule_claim_table(p: Panel) -> pd.DataFrame:
    """Each figure the narrative states against the table cell it refers to."""
    cl = _money_claims(p)
    if cl.empty:
        return empty_findings()
    # this year's figures on the document's own basis (a 决算 compares 决算 figures)
    own = np.where(cl["kind"] == "final", "决算", "预算")
    cl = cl[(cl["table"] != "") & (cl["role"] == "amount") & (cl["claim_year"] == cl["year"])
            & ((cl["basis"] == own) | (cl["basis"] == "执行数"))]
    # only tables the disclosure prints, and columns those tables have
    declared = {(k, tid, col) for k, m in p.meta.items()
                for tid, info in m.get("tables", {}).items()
                for col in [*info.get("columns", []), "vehicle"]}
    cl = cl[[(k, t, c) in declared for k, t, c in zip(cl["key"], cl["table"], cl["column"],
                                                       strict=True)]]
    if cl.empty:
        return empty_findings()
    v = _claim_cells(p)
    on = ["key", "table", "column"]
    named = cl[~cl["item"].isin(["", "Σ"])]
    hits = []
    for field in ("code", "name", "label"):
        h = named.merge(v[[*on, field, "row", "amount_fen", "ulp_fen", "source_line",
                           "printed"]],
                        left_on=[*on, "item"], right_on=[*on, field],
                        suffixes=("", "_cell"))
        hits.append(h.drop(columns=[field]))
    single = v.assign(_tot=(v["name"] == "合计").astype(int)).sort_values(
        ["key", "table", "column", "_tot", "row"], ascending=[True, True, True, False, True])
    single = single.drop_duplicates(on)
    hits.append(cl[cl["item"] == ""].merge(
        single[[*on, "row", "amount_fen", "ulp_fen", "source_line", "printed"]], on=on,
        suffixes=("", "_cell")))
    top = v[v["level"] >= 1].groupby(on).agg(
        amount_fen=("amount_fen", "sum"), ulp_fen=("ulp_fen", "sum"), row=("row", "min"),
        source_line=("source_line", "min"), printed=("printed", "first")).reset_index()
    hits.append(cl[cl["item"] == "Σ"].merge(top, on=on, suffixes=("", "_cell")))
    m = pd.concat(hits, ignore_index=True).sort_values(["key", "claim", "row"])
    m = m.drop_duplicates(["key", "claim"])
    m = m.rename(columns={"amount_fen": "cell_fen", "ulp_fen_cell": "cell_ulp"})
    # a declared column with no printed cell: an empty cell, read as 0
    missing = cl.merge(m[["key", "claim"]], on=["key", "claim"], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge")
    rows_of = pd.concat([p.cells[["key", "table", f]].rename(columns={f: "item"})
                         for f in ("code", "name", "label")], ignore_index=True)
    rows_of = rows_of.drop_duplicates()
    found_row = missing.merge(rows_of.assign(_hit=True), on=["key", "table", "item"],
                              how="left")["_hit"].notna().to_numpy()
    row_found = missing["item"].isin(["", "Σ"]).to_numpy() | found_row
    # (read with doubt: a blank may be a cell the reader did not see)
    empty = missing[row_found].assign(cell_fen=0, cell_ulp=0, source_line_cell=0,
                                      printed_cell="", _blank=True)
    unmatched = missing[~row_found & (missing["value_fen"] != 0).to_numpy()]
    m = pd.concat([m, empty], ignore_index=True)
    out = []
    if not m.empty:
        m["cell_fen"] = m["cell_fen"].astype("int64")
        differ = m[m["cell_fen"] != m["value_fen"]]
        where = (differ["table"] + (" " + differ["item"]).where(differ["item"] != "", "")
                 + " " + differ["column"].map(_col))
        msg = pd.Series("", index=m.index, dtype=object)
        msg[differ.index] = ("正文“" + differ["subject"] + "”" + _txt(differ["value_fen"])
                             + "万元 ≠ " + where + " " + _txt(differ["cell_fen"]) + "万元")
        tol = (m["cell_ulp"].fillna(0) + m["ulp_fen"]).astype("int64")
        blank = m["_blank"].fillna(False).to_numpy(dtype=bool) if "_blank" in m else None
        out.append(_claim_findings(m, "claim_table", m["cell_fen"], m["value_fen"], tol, msg,
                                   doubt=blank, parts=("printed", "printed_cell"),
                                   lines=("source_line", "source_line_cell")))
    if not unmatched.empty:
        out.append(_frame([_one(c, "claim_table", "warning", c["table"], c["subject"], None,
                                wan(c["value_fen"]),
                                f"正文“{c['subject']}”{fmt(wan(c['value_fen']))}万元 在"
                                f"{c['table']}中找不到“{c['item']}”", c["source_line"])
                           for _, c in unmatched.iterrows()]))
    return _concat(out)


def _doubt(*certainties: pd.Series) -> np.ndarray:
    """True where any of the claims compared was read with doubt (``inferred``)."""
    out = np.zeros(len(certainties[0]), dtype=bool)
    for c in certainties:
        out |= (c.fillna("explicit").to_numpy() == "inferred")
    return out


def _tuples(*cols: pd.Series) -> list[tuple]:
    """Row-wise tuples of the non-empty printed values of several columns."""
    return [tuple(str(v) for v in vals if isinstance(v, str) and v)
            for vals in zip(*[c.to_numpy() for c in cols], strict=True)]


def _compared(p: Panel, role: str) -> pd.DataFrame:
    """Claims of ``role`` with the amount they qualify (``_amount`` columns)."""
    # changes and earlier figures are money (in 分); percentages are not
    cl = _money_claims(p) if role in ("change", "prior_amount") else p.claims
    if cl.empty:
        return cl
    cl = cl[cl["role"] == role]
    amt = _money_claims(p)
    amt = amt[amt["role"] == "amount"][["key", "claim", "claim_year", "value", "ulp",
                                        "value_fen", "ulp_fen", "printed", "source_line",
                                        "certainty"]]
    return cl.merge(amt, left_on=["key", "parent"], right_on=["key", "claim"],
                    suffixes=("", "_amount")).drop(columns="claim_amount")


def _with(m: pd.DataFrame, p: Panel, role: str, suffix: str, how: str = "inner"
          ) -> pd.DataFrame:
    """Add the ``role`` figure stated for the same amount and comparison basis.

    The comparison year must agree, unless the relative figure's year is the amount's own
    (the text gave no year: 同比, 比执行数).
    """
    rel = _money_claims(p)
    cols = ["key", "parent", "claim", "claim_year", "basis", "value", "ulp", "value_fen",
            "ulp_fen", "printed", "source_line", "certainty", "sentence"]
    rel = rel[rel["role"] == role][cols] if not rel.empty else pd.DataFrame(columns=cols)
    rel = rel.rename(columns={c: c + suffix for c in cols if c not in ("key", "parent",
                                                                        "basis")})
    out = m.merge(rel, on=["key", "parent", "basis"], how=how)
    ok = ((out["claim_year"] == out["claim_year" + suffix])
          | (out["claim_year"] == out["claim_year_amount"])
          | out["claim_year" + suffix].isna())
    out = out[ok.to_numpy()]
    # several candidates (two changes on one basis): the one stated in the same sentence
    near = (out["sentence"] == out["sentence" + suffix]).to_numpy()
    out = out.assign(_far=~near).sort_values(["key", "claim", "_far"], kind="stable")
    return out.drop_duplicates(["key", "claim"]).drop(columns="_far")


def rule_claim_change(p: Panel) -> pd.DataFrame:
    """A stated change equals the figure minus the figure it is compared with (same basis)."""
    ch = _compared(p, "change")
    if ch.empty:
        return empty_findings()
    m = _with(ch, p, "prior_amount", "_prior")
    if m.empty:
        return empty_findings()
    m["value_fen_prior"] = m["value_fen_prior"].astype("int64")
    m["ulp_fen_prior"] = m["ulp_fen_prior"].astype("int64")
    expected = m["value_fen_amount"] - m["value_fen_prior"]
    tol = m["ulp_fen"] + m["ulp_fen_amount"] + m["ulp_fen_prior"]
    msg = ("“" + m["subject"] + "”增减额 " + _txt(m["value_fen"])
           + " ≠ " + _txt(m["value_fen_amount"]) + " − "
           + _txt(m["value_fen_prior"]) + " = " + _txt(expected))
    return _claim_findings(m, "claim_change", expected, m["value_fen"], tol, msg,
                           doubt=_doubt(m["certainty"], m["certainty_prior"]),
                           parts=("printed_amount", "printed_prior", "printed"),
                           lines=("source_line_amount", "source_line_prior", "source_line"))


def _box(value: Fraction, ulp: Fraction) -> tuple[Fraction, Fraction]:
    return value - ulp / 2, value + ulp / 2


def pct_range(change: tuple[Fraction, Fraction] | None, prior: tuple[Fraction, Fraction] | None,
              amount: tuple[Fraction, Fraction] | None) -> tuple[Fraction, Fraction] | None:
    """The range of 100 × change / prior when every figure varies within its rounding.

    Any two of change, prior and current amount determine the ratio; each is a
    ``(low, high)`` interval. Returns None when the prior can be zero.
    """
    corners = []
    if change is not None and prior is not None:
        if prior[0] <= 0 <= prior[1]:
            return None
        corners = [c / q for c, q in product(change, prior)]
    elif amount is not None and prior is not None:
        if prior[0] <= 0 <= prior[1]:
            return None
        corners = [(a - q) / q for a, q in product(amount, prior)]
    elif amount is not None and change is not None:
        q_lo, q_hi = amount[0] - change[1], amount[1] - change[0]
        if q_lo <= 0 <= q_hi:
            return None
        corners = [c / (a - c) for a, c in product(amount, change)]
    else:
        return None
    return min(corners) * 100, max(corners) * 100


def _dec(x: Fraction) -> Decimal:
    return Decimal(x.numerator) / Decimal(x.denominator)


def _pct_verdict(value: Decimal, ulp: Decimal, exact: Fraction,
                 rng: tuple[Fraction, Fraction]) -> tuple[str, Decimal, Decimal, Decimal]:
    """``(verdict, computed %, low, high)``: a stated % against the range its figures allow.

    ``holds`` where the % computed from the printed figures rounds to the stated one;
    ``rounding`` where the stated % lies in the range (widened by half its last digit).
    """
    unit = Decimal(ulp) if ulp else Decimal(1)
    shown = _dec(exact).quantize(unit)
    if shown == value:
        return "holds", shown, _dec(rng[0]), _dec(rng[1])
    stated = Fraction(value)
    half = Fraction(unit) * Fraction(PERCENT_HALF_UNIT)
    consistent = stated - half <= rng[1] and stated + half >= rng[0]
    return ("rounding" if consistent else "error"), shown, _dec(rng[0]), _dec(rng[1])


def _pct_rows(m: pd.DataFrame, rule: str, compute, describe) -> pd.DataFrame:
    """Findings of stated percentages; every one evaluated is recorded as a relation.

    Rows that state the same figures (a panel of many alike department-years) are
    computed once."""
    rows, verdicts, lines, figures = [], [], [], []
    cache: dict[tuple, object] = {}
    skip = {"key", "slug", "department", "year", "kind", "claim", "section", "sentence"}
    for r in m.to_dict("records"):
        sig = tuple(str(v) for k, v in r.items() if k not in skip)
        if sig not in cache:
            cache[sig] = compute(r)
        got = cache[sig]
        if got is None:
            verdicts.append("")
            lines.append(())
            figures.append(())
            continue
        exact, rng, used_lines, used_figs, doubt = got
        verdict, shown, lo, hi = _pct_verdict(r["value"], r["ulp"], exact, rng)
        if verdict == "error" and doubt:
            verdict = "review"
        verdicts.append(verdict)
        lines.append(used_lines)
        figures.append(used_figs)
        if verdict != "holds":
            rows.append(_one(r, rule, verdict, r["table"] or "narrative", r["subject"], shown,
                             r["value"], describe(r, shown, lo, hi), r["source_line"]))
    done = np.array([v != "" for v in verdicts], dtype=bool)
    if done.any():
        _record(m[done], rule, np.array(verdicts, dtype=object)[done],
                [x for x, d in zip(lines, done, strict=True) if d],
                [x for x, d in zip(figures, done, strict=True) if d])
    return _frame(rows)


def _fr(v) -> Fraction:
    return Fraction(v)


def rule_claim_change_pct(p: Panel) -> pd.DataFrame:
    """A stated % change lies in the range its figures allow, widened by half its last digit.

    The % is compared with the change and the earlier figure stated for the same basis
    (比上年 / 比预算 / 比2019年 each have their own).
    """
    m = _compared(p, "change_pct")
    if m.empty:
        return empty_findings()
    m = _with(m, p, "change", "_chg", how="left")
    m = _with(m, p, "prior_amount", "_pri", how="left")

    def compute(r):
        has_c = isinstance(r["value_chg"], Decimal)
        has_q = isinstance(r["value_pri"], Decimal)
        if not (has_c or has_q):
            return None
        a = _box(_fr(r["value_amount"]), _fr(r["ulp_amount"]))
        c = _box(_fr(r["value_chg"]), _fr(r["ulp_chg"])) if has_c else None
        q = _box(_fr(r["value_pri"]), _fr(r["ulp_pri"])) if has_q else None
        rng = pct_range(c, q, None if (c and q) else a)
        if rng is None:
            return None
        mid_c = _fr(r["value_chg"]) if has_c else _fr(r["value_amount"]) - _fr(r["value_pri"])
        mid_q = _fr(r["value_pri"]) if has_q else _fr(r["value_amount"]) - mid_c
        if mid_q == 0:
            return None
        used = [(r["source_line_amount"], r["printed_amount"])]
        if has_c:
            used.append((r["source_line_chg"], r["printed_chg"]))
        if has_q:
            used.append((r["source_line_pri"], r["printed_pri"]))
        used.append((r["source_line"], r["printed"]))
        doubt = "inferred" in (r["certainty"], r["certainty_chg"], r["certainty_pri"])
        return (mid_c / mid_q * 100, rng, tuple(int(x) for x, _ in used),
                tuple(y for _, y in used), doubt)

    return _pct_rows(m, "claim_change_pct", compute, lambda r, shown, lo, hi: (
        f"“{r['subject']}”增减 {r['value']}% ≠ 按所列数字计算 {shown}%"
        f"（舍入容许范围 {lo:.4f}% 至 {hi:.4f}%）"))


def _ratio(num: tuple[Fraction, Fraction], den: tuple[Fraction, Fraction]
           ) -> tuple[Fraction, Fraction] | None:
    if den[0] <= 0 <= den[1]:
        return None
    corners = [a / b for a, b in product(num, den)]
    return min(corners) * 100, max(corners) * 100


def _share_like(p: Panel, role: str, rule: str, word: str) -> pd.DataFrame:
    """A stated share or completion rate: 100 × the figure ÷ its whole (or its budget)."""
    m = _compared(p, role)
    if m.empty:
        return empty_findings()
    money = _money_claims(p)
    den = money[["key", "claim", "value", "ulp", "printed", "source_line", "certainty"]]
    den = den.rename(columns=lambda c: c if c == "key" else c + "_den")
    m = m.merge(den, left_on=["key", "base"], right_on=["key", "claim_den"], how="left")
    if role == "completion_pct":  # the budget stated as 完成全年预算 B 万元
        budget = money[(money["role"] == "prior_amount") & (money["basis"] == "预算")][
            ["key", "parent", "value", "ulp", "printed", "source_line", "certainty"]]
        budget = budget.rename(columns=lambda c: c if c in ("key", "parent") else c + "_b")
        m = m.merge(budget.drop_duplicates(["key", "parent"]), on=["key", "parent"],
                    how="left")
        for c in ("value", "ulp", "printed", "source_line", "certainty"):
            m[c + "_den"] = m[c + "_den"].where(m[c + "_den"].notna(), m[c + "_b"])

    def compute(r):
        if not isinstance(r["value_den"], Decimal) or _fr(r["value_den"]) == 0:
            return None
        num = _box(_fr(r["value_amount"]), _fr(r["ulp_amount"]))
        rng = _ratio(num, _box(_fr(r["value_den"]), _fr(r["ulp_den"])))
        if rng is None:
            return None
        exact = _fr(r["value_amount"]) / _fr(r["value_den"]) * 100
        lines = (int(r["source_line_amount"]), int(r["source_line_den"]), int(r["source_line"]))
        figs = (r["printed_amount"], r["printed_den"], r["printed"])
        doubt = "inferred" in (r["certainty"], r["certainty_den"] if role == "completion_pct"
                               else "explicit")
        return exact, rng, lines, figs, doubt

    return _pct_rows(m, rule, compute, lambda r, shown, lo, hi: (
        f"“{r['subject']}”{word} {r['value']}% ≠ {r['printed_amount']} ÷ {r['printed_den']}"
        f" = {shown}%（舍入容许范围 {lo:.4f}% 至 {hi:.4f}%）"))


def rule_claim_share(p: Panel) -> pd.DataFrame:
    """A stated share (占…的 p%) is the part over its whole, within rounding."""
    return _share_like(p, "share", "claim_share", "占比")


def rule_claim_completion(p: Panel) -> pd.DataFrame:
    """A stated completion rate (完成预算的 p%) is the 决算 over the budget, within rounding."""
    return _share_like(p, "completion_pct", "claim_completion", "完成预算")


def rule_claim_parts(p: Panel) -> pd.DataFrame:
    """Parts listed completely sum to their whole; parts listed partly do not exceed it."""
    cl = p.claims
    if cl.empty:
        return empty_findings()
    cl = cl[cl["role"].isin(["amount", "count"])].copy()
    scale = cl["unit"].map(lambda u: FEN_PER_WAN if u == "万元" else 1)
    cl["v"] = [int(v * s) for v, s in zip(cl["value"], scale, strict=True)]
    # counts (人, 辆, 个 …) are exact: no rounding tolerance
    cl["u"] = [int(u * s) if unit == "万元" else 0
               for u, s, unit in zip(cl["ulp"], scale, cl["unit"], strict=True)]
    parts = cl[(cl["parent"] != "") & (cl["parts"] != "")]
    if parts.empty:
        return empty_findings()
    parts = parts.assign(_doubt=parts["certainty"] == "inferred")
    collect = _RELATIONS.get() is not None
    listing = {"figs": ("printed", tuple), "ls": ("source_line", tuple)} if collect else {}
    sums = parts.groupby(["key", "parent", "parts", "unit"]).agg(
        s=("v", "sum"), su=("u", "sum"), n=("v", "size"), doubt=("_doubt", "any"),
        **listing).reset_index()
    m = sums.merge(cl, left_on=["key", "parent", "unit"], right_on=["key", "claim", "unit"],
                   suffixes=("_p", ""))
    out = []
    for kind, word in (("complete", "各组成部分之和"), ("partial", "其中各项之和超过总数")):
        df = m[m["parts_p"] == kind].copy()
        if df.empty:
            continue
        money = df["unit"] == "万元"
        to_fen = np.where(money, 1, FEN_PER_WAN)  # counts compare as whole units
        exp = (df["s"] * to_fen).astype("int64")
        act = (df["v"] * to_fen).astype("int64")
        tol = ((df["su"] + df["u"]) * to_fen).astype("int64")
        if kind == "partial":  # only parts that exceed their whole are wrong
            over = (df["s"] - df["v"]) * 2 > (df["su"] + df["u"])
            exp = exp.where(over, act)
        msg = ("“" + df["subject"] + "” " + df["value"].map(str) + df["unit"] + " ≠ " + word
               + " " + (df["s"] / np.where(money, FEN_PER_WAN, 1)).map(
                   lambda x: fmt(Decimal(str(x)))) + df["unit"] + "（" + df["n"].map(str) + " 项）")
        figs = lines = None
        if collect:
            figs = [(w, *f) for w, f in zip(df["printed"], df["figs"], strict=True)]
            lines = [(int(w), *map(int, f)) for w, f in zip(df["source_line"], df["ls"],
                                                            strict=True)]
        out.append(_claim_findings(df, "claim_parts", exp, act, tol, msg,
                                   doubt=df["doubt"].to_numpy(dtype=bool),
                                   figures=figs, line_tuples=lines))
    return _concat(out)


def _part_relatives(p: Panel, role: str, rule: str, word: str
                    ) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """The ``role`` figures (changes, earlier figures) of complete parts add up to the whole's.

    ``三公 比上年减少 D``, each item ``比上年减少 d_i``: Σ d_i = D, for each comparison basis
    and year; likewise last year's parts against last year's whole. Also returns the
    ``(key, claim)`` of the wholes' figures compared.
    """
    cl = _money_claims(p)
    none: tuple[pd.DataFrame, set[tuple[str, str]]] = (empty_findings(), set())
    if cl.empty:
        return none
    parts = cl[(cl["role"] == "amount") & (cl["parts"] == "complete")][
        ["key", "claim", "parent", "certainty"]]
    rel = cl[cl["role"] == role][["key", "parent", "claim_year", "basis", "value_fen",
                                  "ulp_fen", "printed", "source_line", "certainty"]]
    if parts.empty or rel.empty:
        return none
    n_parts = parts.groupby(["key", "parent"]).size().rename("n_all").reset_index()
    pr = parts.rename(columns={"claim": "part", "parent": "whole", "certainty": "c_part"}).merge(
        rel, left_on=["key", "part"], right_on=["key", "parent"]).drop(columns="parent")
    if pr.empty:
        return none
    pr["_d"] = (pr["certainty"] == "inferred") | (pr["c_part"] == "inferred")
    pr = pr.drop_duplicates(["key", "part", "claim_year", "basis"])
    g = pr.groupby(["key", "whole", "claim_year", "basis"]).agg(
        s=("value_fen", "sum"), su=("ulp_fen", "sum"), n=("part", "nunique"),
        doubt=("_d", "any"), figs=("printed", tuple), ls=("source_line", tuple)).reset_index()
    g = g.merge(n_parts, left_on=["key", "whole"], right_on=["key", "parent"]).drop(
        columns="parent")
    g = g[g["n"] == g["n_all"]]  # every part states one
    whole = cl[cl["role"] == role]
    m = g.merge(whole, left_on=["key", "whole", "claim_year", "basis"],
                right_on=["key", "parent", "claim_year", "basis"])
    if m.empty:
        return none
    m = m.drop_duplicates(["key", "whole", "claim_year", "basis"])
    msg = ("“" + m["subject"] + "”" + word + " " + _txt(m["value_fen"]) + "万元 ≠ 各项之和 "
           + _txt(m["s"]) + "万元")
    figs = [(w, *f) for w, f in zip(m["printed"], m["figs"], strict=True)]
    lines = [(int(w), *map(int, f)) for w, f in zip(m["source_line"], m["ls"], strict=True)]
    found = _claim_findings(m, rule, m["s"], m["value_fen"], m["su"] + m["ulp_fen"], msg,
                            doubt=(m["doubt"].to_numpy(dtype=bool)
                                   | (m["certainty"] == "inferred").to_numpy()),
                            figures=figs, line_tuples=lines)
    return found, set(zip(m["key"], m["claim"], strict=True))


def _defined_changes(p: Panel, done: set[tuple[str, str]]) -> pd.DataFrame:
    """Itemised changes by definition (三公 = 出国 + 接待 + 公车, 公车 = 购置 + 运行), where the
    items' amounts are not printed but their changes are: ``因公出国费比上年减少 9 万元 …``.

    A change of the whole with the changes of all its parts, or of all the parts of a part,
    stated once each on the same basis and year. ``done`` holds the wholes' changes already
    compared (as listed parts).
    """
    from fiscal.schema import COMPLETE_WHOLES, PART_OF

    cl = _money_claims(p)
    ch = cl[cl["role"] == "change"] if not cl.empty else cl
    if ch.empty:
        return empty_findings()
    keys = ["key", "claim_year", "basis"]
    ch = ch[ch["subject"].isin(set(PART_OF) | set(PART_OF.values()))]
    ch = ch[ch.groupby([*keys, "subject"])["claim"].transform("size") == 1]
    if ch.empty:
        return empty_findings()
    cols = ["value_fen", "ulp_fen", "printed", "source_line", "certainty", "claim"]
    wide = ch.set_index([*keys, "subject"])[cols].unstack("subject")
    children: dict[str, list[str]] = {}
    for child, whole in PART_OF.items():
        children.setdefault(whole, []).append(child)

    def has(subject: str) -> pd.Series:
        return (wide["claim"][subject].notna() if subject in wide["claim"]
                else pd.Series(False, index=wide.index))

    def cover(subject: str) -> list[tuple[pd.Series, list[str]]]:
        """Ways to cover ``subject`` by its parts: (rows where it works, subjects used)."""
        ways: list[tuple[pd.Series, list[str]]] = [(pd.Series(True, index=wide.index), [])]
        for child in children.get(subject, []):
            options = [(has(child), [child])]
            if child in COMPLETE_WHOLES:
                grand = children.get(child, [])
                ok = pd.Series(True, index=wide.index)
                for g in grand:
                    ok &= has(g)
                options.append((ok & ~has(child), grand))
            ways = [(m & m2, used + u2) for m, used in ways for m2, u2 in options]
        return ways

    found = []
    for whole in sorted(COMPLETE_WHOLES):
        if whole not in wide["claim"]:
            continue
        mine = has(whole) & pd.Series([(k[0], c) not in done for k, c in zip(
            wide.index, wide["claim"][whole], strict=True)], index=wide.index)
        for rows, used in cover(whole):
            at = wide[mine & rows]
            if at.empty or not used:
                continue
            m = pd.DataFrame({c: at[c][whole] for c in cols}).reset_index()
            m["subject"] = whole
            m["s"] = sum(at["value_fen"][u].astype("int64") for u in used).to_numpy()
            m["su"] = sum(at["ulp_fen"][u].astype("int64") for u in used).to_numpy()
            m["doubt"] = (at["certainty"][[whole, *used]] == "inferred").any(axis=1).to_numpy()
            m["figs"] = [tuple(x) for x in at["printed"][[whole, *used]].to_numpy()]
            m["ls"] = [tuple(int(y) for y in x) for x in
                       at["source_line"][[whole, *used]].to_numpy()]
            found.append(m)
    if not found:
        return empty_findings()
    m = pd.concat(found, ignore_index=True).merge(
        ch[["key", "claim", "slug", "year", "kind", "table"]], on=["key", "claim"])
    msg = Msg(lambda m: "“" + m["subject"] + "”增减额 " + _txt(m["value_fen"])
              + "万元 ≠ 各项之和 " + _txt(m["s"]) + "万元")
    return _claim_findings(m, "claim_itemised_change", m["s"].astype("int64"),
                           m["value_fen"].astype("int64"), (m["su"] + m["ulp_fen"]).astype(
                               "int64"), msg, doubt=m["doubt"].to_numpy(dtype=bool),
                           figures=list(m["figs"]), line_tuples=list(m["ls"]))


def rule_claim_itemised_change(p: Panel) -> pd.DataFrame:
    """Each item's stated change adds up to the whole's stated change (same basis): the
    items listed as its parts, or (三公) the items it is made of by definition."""
    listed, compared = _part_relatives(p, "change", "claim_itemised_change", "增减额")
    return _concat([listed, _defined_changes(p, compared)])


def rule_claim_prior_parts(p: Panel) -> pd.DataFrame:
    """Last year's figures of the parts, where printed, add up to last year's whole."""
    return _part_relatives(p, "prior_amount", "claim_prior_parts", "上年数")[0]


#: Words that set the scope of a figure (财政拨款三公 vs 全口径三公, 部门 vs 单位): two
#: statements of one subject are compared at error level only where they use the same ones.
SCOPE_WORDS = ("财政拨款", "一般公共预算", "政府性基金", "全口径", "部门", "单位", "本级", "汇总",
               "收入", "支出")


def _scope(text: str) -> frozenset[str]:
    return frozenset(w for w in SCOPE_WORDS if w in text)


#: Scope words that exclude each other: 全口径 money is not 财政拨款 money, a 部门 is not
#: one of its 单位.
SCOPE_CONFLICTS = ((("全口径", "含政府性基金"), ("财政拨款", "一般公共预算")),
                   (("政府性基金",), ("一般公共预算",)), (("部门",), ("单位",)))


def _scopes_conflict(a: str, b: str) -> bool:
    """Does one sentence speak of a scope of money that the other excludes?"""
    for x, y in SCOPE_CONFLICTS:
        ax, ay = any(w in a for w in x), any(w in a for w in y)
        bx, by = any(w in b for w in x), any(w in b for w in y)
        if (ax and not ay and by and not bx) or (ay and not ax and bx and not by):
            return True
    return False


def rule_claim_same_figure(p: Panel) -> pd.DataFrame:
    """One quantity (subject, year, basis) stated twice with different amounts.

    Amounts of the vocabulary (those that name a table cell) at the same place in a listing,
    and changes of one amount on one basis (比上年减少 X … 比上年增加 Y). Two statements of
    different scope words (全口径 / 财政拨款, 部门 / 单位 …) are shown for review, not as error:
    a subject read without its qualifier is the likelier cause than a misprint. Two changes
    of one stated amount are compared unless their scopes exclude each other.
    """
    cl = _money_claims(p)
    if cl.empty:
        return empty_findings()
    a = cl[((cl["role"] == "amount") & (cl["table"] != "")) | (cl["role"] == "change")]
    a = a[["key", "slug", "year", "kind", "claim", "subject", "claim_year", "basis", "table",
           "value_fen", "ulp_fen", "printed", "source_line", "sentence", "section",
           "certainty", "parent", "role"]].copy()
    a["scope"] = a["sentence"]
    m = a.merge(a, on=["key", "subject", "claim_year", "basis", "role"], suffixes=("", "_2"))
    # the same place in the listing: both stated on their own, or parts of one whole
    m = m[(m["claim"] < m["claim_2"]) & (m["parent"] == m["parent_2"])
          & ((m["role"] == "amount") | (m["parent"] != ""))]
    if m.empty:
        return empty_findings()
    m = m.drop_duplicates(["key", "claim_2"])
    m = m.drop(columns=[c for c in m.columns if c.endswith("_2") and c[:-2] in (
        "slug", "year", "kind", "table")])
    # an amount is one quantity only under the same scope words; two changes of one stated
    # amount on one basis, unless their sentences name scopes that exclude each other
    other_scope = np.array([
        _scopes_conflict(x, y) if role == "change" else _scope(x) != _scope(y)
        for x, y, role in zip(m["scope"], m["scope_2"], m["role"], strict=True)], dtype=bool)
    msg = Msg(lambda m: "“" + m["subject"] + "” 第 " + m["source_line"].map(str) + " 行为 "
              + m["printed"] + "，第 " + m["source_line_2"].map(str) + " 行为 " + m["printed_2"])
    figs = list(zip(m["printed"], m["printed_2"], strict=True))
    lines = [(int(x), int(y)) for x, y in zip(m["source_line"], m["source_line_2"],
                                              strict=True)]
    return _claim_findings(m, "claim_same_figure", m["value_fen"], m["value_fen_2"],
                           m["ulp_fen"] + m["ulp_fen_2"], msg,
                           doubt=other_scope | _doubt(m["certainty"], m["certainty_2"]),
                           figures=figs, line_tuples=lines)


# ---------------------------------------------------------------------------
# 5. Across years
# ---------------------------------------------------------------------------

#: A 三公 table's columns (wide layout) and the subjects they hold.
T09_SUBJECTS = {"total": "三公经费", "abroad": "因公出国（境）费", "reception": "公务接待费",
                "vehicle": "公务用车购置及运行维护费", "vehicle_purchase": "公务用车购置费",
                "vehicle_operation": "公务用车运行维护费"}


def _figures_then(p: Panel) -> pd.DataFrame:
    """Every department-year's own figures by subject: its narrative amounts, then its 三公
    table (rows by canonical name, or wide columns), for comparing with later years."""
    cl = _money_claims(p)
    cols = ["slug", "kind", "year", "subject", "value_fen", "ulp_fen", "printed", "source_line"]
    out = []
    if not cl.empty:
        own = np.where(cl["kind"] == "final", "决算", "预算")
        cur = cl[(cl["role"] == "amount") & (cl["claim_year"] == cl["year"])
                 & (cl["basis"] == own)]
        out.append(cur[cols].assign(_src=0))
    v = _panel_values(p)
    t = v[v["table"] == "t09"]
    if not t.empty:
        rows = t[t["column"] == "amount"].assign(subject=t["name"])
        wide = t[t["column"].isin(list(T09_SUBJECTS))].assign(
            subject=lambda d: d["column"].map(T09_SUBJECTS))
        both = pd.concat([rows, wide], ignore_index=True).rename(
            columns={"amount_fen": "value_fen"})
        out.append(both[cols].assign(_src=1))
    if not out:
        return pd.DataFrame(columns=[*cols, "_src"])
    then = pd.concat(out, ignore_index=True).sort_values(["slug", "kind", "year", "subject",
                                                          "_src"], kind="stable")
    return then.drop_duplicates(["slug", "kind", "year", "subject"])


def rule_prior_year(p: Panel) -> pd.DataFrame:
    """A prior-year figure stated in year N equals year N−1's own document, like with like.

    The earlier figure is stated (比上年 X) or implied by a stated change (this − change);
    that year's document gives it in its narrative or its 三公 table.
    """
    if len({m["slug"] for m in p.meta.values()}) == len(p.meta):
        return empty_findings()  # one document per department: no other year to compare
    cl = _money_claims(p)
    if cl.empty:
        return empty_findings()
    stated = _compared(p, "prior_amount")
    ch = _compared(p, "change")
    if not ch.empty:
        has_prior = set(zip(stated["key"], stated["parent"], strict=True))
        ch = ch[[(k, par) not in has_prior for k, par in zip(ch["key"], ch["parent"],
                                                              strict=True)]].copy()
        ch["value_fen"] = ch["value_fen_amount"] - ch["value_fen"]
        ch["ulp_fen"] = ch["ulp_fen_amount"] + ch["ulp_fen"]
        # a change whose year is its amount's own compares with the year before
        ch["claim_year"] = ch["claim_year"].where(ch["claim_year"] != ch["claim_year_amount"],
                                                  ch["claim_year"] - 1)
        ch["printed"] = ch["printed_amount"] + " − " + ch["printed"]
        stated = pd.concat([stated, ch[stated.columns.intersection(ch.columns)]],
                           ignore_index=True)
    if stated.empty:
        return empty_findings()
    stated["want_kind"] = np.where(stated["basis"] == "预算", "budget", "final")
    then = _figures_then(p)
    m = stated.merge(then, left_on=["slug", "want_kind", "claim_year", "subject"],
                     right_on=["slug", "kind", "year", "subject"], suffixes=("", "_then"))
    if m.empty:
        return empty_findings()
    m = m.drop_duplicates(["key", "claim"])
    m = m.rename(columns={"kind_x": "kind"}) if "kind_x" in m else m
    msg = Msg(lambda m: "“" + m["subject"] + "” " + m["claim_year"].map(str) + " 年数 "
              + _txt(m["value_fen"]) + "万元 ≠ 该年文件所载 " + _txt(m["value_fen_then"])
              + "万元")
    figs = [tuple(x for x in (a.split(" − ") if " − " in a else [a]) if x) + (b,)
            for a, b in zip(m["printed"], m["printed_then"], strict=True)]
    lines = [(int(x),) for x in m["source_line"]]
    return _claim_findings(m, "prior_year", m["value_fen_then"], m["value_fen"],
                           m["ulp_fen"] + m["ulp_fen_then"], msg, figures=figs,
                           line_tuples=lines)


# ---------------------------------------------------------------------------
# 6. Templates with more columns (Shanghai): restatements, row parts, shared columns, names
# ---------------------------------------------------------------------------

def rule_claim_restated(p: Panel) -> pd.DataFrame:
    """A figure restated later in its item (``2026年预算安排 X``) equals the item's figure."""
    cl = _money_claims(p)
    if cl.empty:
        return empty_findings()
    heads = cl[cl["role"] == "amount"][["key", "claim", "subject", "claim_year", "basis",
                                         "value_fen", "ulp_fen", "printed", "source_line"]]
    again = cl[(cl["role"] == "amount") & (cl["parent"] != "") & (cl["parts"] == "")]
    m = again.merge(heads, left_on=["key", "parent", "subject", "claim_year", "basis"],
                    right_on=["key", "claim", "subject", "claim_year", "basis"],
                    suffixes=("", "_head"))
    if m.empty:
        return empty_findings()
    msg = ("“" + m["subject"] + "” 同一项中再次写作 " + m["printed"] + "，与前文 "
           + m["printed_head"] + " 不一致")
    return _claim_findings(m, "claim_restated", m["value_fen_head"], m["value_fen"],
                           m["ulp_fen"] + m["ulp_fen_head"], msg,
                           doubt=_doubt(m["certainty"]), parts=("printed_head", "printed"),
                           lines=("source_line_head", "source_line"))


def rule_code_hierarchy_rows(p: Panel) -> pd.DataFrame:
    """类 = Σ款 and 款 = Σ项 in tables whose standard layout is not coded but whose rows
    carry function codes (the Shanghai 收入/支出预算总表)."""
    tids = [t for t, s in TABLES.items() if s.codes not in CODE_LEVELS]
    cells = p.cells[p.cells["table"].isin(tids) & p.cells["code"].str.fullmatch(r"\d{3,7}")]
    v = cells[cells["amount_fen"].notna()]
    out = []
    for child_len, parent_len in ((5, 3), (7, 5)):
        ch = v[v["code"].str.len() == child_len]
        if ch.empty:
            continue
        sums = ch.assign(code=ch["code"].str[:parent_len]).groupby(
            [*KEY, "table", "side", "column", "code"], sort=False).agg(
            child_fen=("amount_fen", "sum"), child_ulp=("ulp_fen", "sum")).reset_index()
        m = v[v["code"].str.len() == parent_len].merge(
            sums, on=[*KEY, "table", "side", "column", "code"])
        if m.empty:
            continue
        level, sub = {3: "类", 5: "款"}[parent_len], {5: "款", 7: "项"}[child_len]
        msg = Msg(lambda m, level=level, sub=sub: (
            m["label"] + "（" + m["code"] + "）" + m["column"].map(_col) + "：" + level + " "
            + _txt(m["amount_fen"]) + " ≠ Σ" + sub + " " + _txt(m["child_fen"])))
        out.append(_findings(m, "code_hierarchy", m["table"], m["code"], m["child_fen"],
                             m["amount_fen"], m["ulp_fen"] + m["child_ulp"], msg,
                             m["source_line"]))
    return _concat(out)


def rule_row_parts(p: Panel) -> pd.DataFrame:
    """A row's whole equals its parts where a table splits it into columns (``ROW_PARTS``):
    合计 = 人员经费 + 公用经费 (+ 项目支出), 合计 = Σ收入来源, 三公合计 = Σ三项 …"""
    from fiscal.schema import ROW_PARTS

    v = _panel_values(p)
    if v.empty:
        return empty_findings()
    have = v.groupby(["key", "table"])["column"].agg(frozenset)
    out = []
    for (key, tid), cols in have.items():
        fits = [(w, ps) for w, ps in ROW_PARTS if w in cols and set(ps) <= cols]
        fits = [(w, ps) for w, ps in fits
                if not any(w2 == w and set(ps) < set(ps2) for w2, ps2 in fits)]
        for whole, parts in fits:
            sub = v[(v["key"] == key) & (v["table"] == tid) & v["column"].isin([whole, *parts])]
            idx = ["side", "row"]
            w = sub[sub["column"] == whole].set_index(idx)
            s = sub[sub["column"].isin(parts)].groupby(idx).agg(
                s=("amount_fen", "sum"), u=("ulp_fen", "sum"), n=("amount_fen", "size"))
            m = w.join(s, how="inner").reset_index()
            m = m[m["n"] == len(parts)]
            if m.empty:
                continue
            m["s"] = m["s"].astype("int64")
            names = " + ".join(_col(c) for c in parts)
            msg = Msg(lambda m, whole=whole, names=names: (
                m["label"] + "：" + _col(whole) + " " + _txt(m["amount_fen"]) + " ≠ "
                + names + " " + _txt(m["s"])))
            out.append(_findings(m, "row_parts", m["table"], _item(m), m["s"], m["amount_fen"],
                                 m["ulp_fen"] + m["u"].astype("int64"), msg, m["source_line"]))
    return _concat(out)


def _shared_rows(v: pd.DataFrame, specs: list[tuple[str, str]], ref_codes: pd.DataFrame
                 ) -> pd.DataFrame:
    """Rows of tables' columns (``a+b`` summed) keyed by function code or ``Σ``, for every
    ``(table, column)`` of ``specs`` at once (``spec``: its index), each in the order one
    spec alone gives: coded rows, rows coded by name, the total."""
    want = pd.DataFrame([(i, tid, c, len(column.split("+")))
                         for i, (tid, column) in enumerate(specs) for c in column.split("+")],
                        columns=["spec", "table", "column", "width"])
    sub = v[v["side"].isin(["", "支出"])]
    sub = sub.assign(_pos=np.arange(len(sub))).merge(want, on=["table", "column"])
    if sub.empty:
        return sub
    sub = sub.sort_values(["spec", "_pos"], kind="stable")
    g = sub.groupby(["spec", "key", "side", "row"], sort=False)
    rows = g.agg(amount_fen=("amount_fen", "sum"), ulp_fen=("ulp_fen", "sum"),
                 n=("amount_fen", "size"), width=("width", "first"), code=("code", "first"),
                 name=("name", "first"), level=("level", "first"), label=("label", "first"),
                 source_line=("source_line", "first")).reset_index()
    rows = rows[rows["n"] == rows["width"]]
    uncoded = rows[(rows["code"] == "") & (rows["level"] >= 1)].drop(columns="code").merge(
        ref_codes, on=["key", "name", "level"])
    coded = rows[rows["code"] != ""]
    total = rows[(rows["code"] == "") & (rows["level"] == 0)].assign(code="Σ")
    out = pd.concat([coded.assign(_part=0), uncoded.assign(_part=1), total.assign(_part=2)],
                    ignore_index=True).sort_values(["spec", "_part"], kind="stable")
    return out.drop_duplicates(["spec", "key", "code"], keep=False)


def rule_shared_columns(p: Panel) -> pd.DataFrame:
    """A column two tables share agrees between them row by row (``SHARED_COLUMNS``); tables
    of different fund scope only where all the money is 一般公共预算."""
    from fiscal.schema import FUND_SCOPE, SHARED_COLUMNS

    v = _panel_values(p)
    if v.empty:
        return empty_findings()
    ref = v[v["table"].isin(["t05", "t03"]) & (v["code"] != "")].drop_duplicates(
        ["key", "name", "level", "code"])[["key", "name", "level", "code"]]
    ref_codes = ref.drop_duplicates(["key", "name", "level"], keep=False)
    totals = v[(v["level"] == 0) & v["side"].isin(["", "支出"])
               & v["column"].isin(["amount", "total"])]
    t05 = totals[totals["table"] == "t05"].groupby("key")["amount_fen"].first()
    whole = totals[totals["table"].isin(["t03", "t01"])].groupby("key")["amount_fen"].first()
    single_fund = {k for k in t05.index if k in whole.index and whole[k] == t05[k]}
    # Every pair at once: the rows of each (table, column) once, each pair's a-side rows
    # matched to its b-side, in the order pair by pair, a-side row by row.
    specs = list(dict.fromkeys(s for ta, ca, tb, cb in SHARED_COLUMNS
                               for s in ((ta, ca), (tb, cb))))
    rows = _shared_rows(v, specs, ref_codes)
    if rows.empty:
        return empty_findings()
    pairs = pd.DataFrame([
        (i, specs.index((ta, ca)), specs.index((tb, cb)), f"{ta}/{tb}",
         f"{ta} {'+'.join(_col(c) for c in ca.split('+'))}",
         f"{tb} {'+'.join(_col(c) for c in cb.split('+'))}",
         ("general_public" if ca == "general_public" else FUND_SCOPE.get(ta, ""))
         != FUND_SCOPE.get(tb, ""))
        for i, (ta, ca, tb, cb) in enumerate(SHARED_COLUMNS)],
        columns=["pair", "spec", "spec_b", "tables", "what_a", "what_b", "mixed"])
    a = rows.merge(pairs, on="spec").sort_values("pair", kind="stable")
    b = rows[["spec", "key", "code", "amount_fen", "ulp_fen", "source_line"]].rename(
        columns={"spec": "spec_b", "amount_fen": "amount_fen_b", "ulp_fen": "ulp_fen_b",
                 "source_line": "source_line_b"})
    m = a.merge(b, on=["spec_b", "key", "code"])
    m = m[~m["mixed"] | m["key"].isin(single_fund)]
    if m.empty:
        return empty_findings()
    m = m.merge(p.cells.drop_duplicates("key")[KEY], on="key")
    item = m["code"].where(m["code"] != "Σ", "合计")
    msg = Msg(lambda m: (
        m["code"].where(m["code"] != "Σ", "合计") + "（" + m["label"] + "）：" + m["what_a"]
        + " " + _txt(m["amount_fen"]) + " ≠ " + m["what_b"] + " " + _txt(m["amount_fen_b"])))
    return _findings(m, "shared_columns", m["tables"], item, m["amount_fen_b"],
                     m["amount_fen"], m["ulp_fen"] + m["ulp_fen_b"], msg, m["source_line"])


def rule_code_names(p: Panel) -> pd.DataFrame:
    """The name the narrative gives a function code is the name the tables print for it."""
    rows = []
    cells = p.cells[p.cells["code"] != ""]
    for key, meta in p.meta.items():
        named = meta.get("narrative_code_names") or []
        if not named:
            continue
        here = cells[cells["key"] == key]
        printed = here.groupby("code")["name"].agg(lambda s: sorted(set(s)))
        r = {"key": key, "slug": meta["slug"], "year": int(meta["year"]), "kind": meta["kind"]}
        for d in named:
            code, name = d["code"], re.sub(r"\s+", "", d["name"])
            if code not in printed.index:
                rows.append(_one(r, "code_names", "warning", "narrative", code, None, None,
                                 f"正文所列科目 {code}（{name}）在各表中找不到",
                                 d.get("source_line", 0)))
            elif name not in printed[code]:
                shown = "、".join(printed[code])
                rows.append(_one(r, "code_names", "warning", "narrative", code, None, None,
                                 f"科目 {code} 正文称“{name}”，表中称“{shown}”",
                                 d.get("source_line", 0)))
    return _frame(rows)


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

RULES: tuple[Callable[[Panel], pd.DataFrame], ...] = (
    rule_code_level, rule_tables_present, rule_code_hierarchy, rule_row_total, rule_outline,
    rule_totals, rule_cross_table, rule_function_rows, rule_claim_table, rule_claim_change,
    rule_claim_change_pct, rule_claim_parts, rule_claim_share, rule_claim_completion,
    rule_claim_itemised_change, rule_claim_prior_parts, rule_claim_same_figure, rule_prior_year,
    rule_claim_restated, rule_code_hierarchy_rows, rule_row_parts, rule_shared_columns,
    rule_code_names,
)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty_findings()


def _subpanel(p: Panel, key: str) -> Panel:
    cl = p.claims[p.claims["key"] == key] if not p.claims.empty else p.claims
    return Panel(cells=p.cells[p.cells["key"] == key], claims=cl, meta={key: p.meta[key]})


def _run_rule(rule: Callable[[Panel], pd.DataFrame], p: Panel) -> pd.DataFrame:
    """One rule over the panel; where it raises, it is run per department-year, and a
    department-year it still fails on gets a ``review`` finding "could not check"."""
    try:
        return rule(p)
    except Exception:  # noqa: BLE001 - a rule's own bug must not stop the others
        if len(p.meta) == 1:
            key, meta = next(iter(p.meta.items()))
            rid = rule.__name__.removeprefix("rule_")
            return _frame([_one({"key": key, "slug": meta["slug"], "year": int(meta["year"]),
                                 "kind": meta["kind"]}, rid, "review", "", rid, None, None,
                                f"无法核对（规则 {rid} 运行出错：{sys.exc_info()[1]!r}）；"
                                "其余规则照常核对", 0)])
        return _concat([_run_rule(rule, _subpanel(p, key)) for key in p.meta])


def run_rules(p: Panel) -> pd.DataFrame:
    """Every rule over the panel; findings sorted by department-year, severity, rule, each
    with its stable ``id`` (``fiscal.ids``)."""
    found = with_ids(_concat([_run_rule(rule, p) for rule in RULES]))
    if found.empty:
        return found
    found["_sev"] = found["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    found = found.sort_values(["key", "_sev", "rule", "table", "source_line", "item"],
                              kind="stable").drop(columns="_sev")
    return found.reset_index(drop=True)


def relations(budget: Budget | list[Budget] | Panel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every relation the rules evaluated, with its verdict, and the findings.

    Returns:
        ``(relations, findings)``: relations have ``RELATION_COLUMNS`` — the rule, the
        verdict (holds / rounding / review / error), the source lines and the printed
        figures compared; findings are those of :func:`check`.
    """
    if isinstance(budget, Panel):
        panel = budget
    else:
        panel = Panel.from_budgets(budget if isinstance(budget, list) else [budget])
    sink: list[pd.DataFrame] = []
    token = _RELATIONS.set(sink)
    try:
        found = run_rules(panel)
    finally:
        _RELATIONS.reset(token)
    rel = (pd.concat(sink, ignore_index=True) if sink
           else pd.DataFrame({c: pd.Series(dtype=object) for c in RELATION_COLUMNS}))
    return rel, found


def check(budget: Budget | list[Budget]) -> pd.DataFrame:
    """The findings of one or more loaded department-years, as a frame.

    Args:
        budget: a :class:`~fiscal.load.Budget` (from ``load_budget``) or a list of them.

    Returns:
        One row per finding with the columns of ``FINDING_COLUMNS`` and its ``id``.
    """
    budgets = budget if isinstance(budget, list) else [budget]
    found = run_rules(Panel.from_budgets(budgets))
    return found[[*FINDING_COLUMNS, "id"]]


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def _panel_for(args) -> Panel:
    from fiscal.cli import resolve_targets
    from fiscal.extract import extract
    from fiscal.load import load_panel

    settings, targets = resolve_targets(args.targets, args.all)
    folders = {}
    extracted = []
    for kind, target in targets:
        if kind == "dept_year":
            folders[target.key] = settings.existing_dept_year_dir(target)
        elif kind == "folder":
            meta = json.loads((target / "meta.json").read_text(encoding="utf-8")) \
                if (target / "meta.json").is_file() else None
            if meta is None:
                from fiscal.errors import MissingTableError
                raise MissingTableError("meta.json is missing: this is not a department-year"
                                        " folder", path=target, fix="run `fiscal extract`")
            key = f"{meta['slug']}/{meta['year']}" + ("-final" if meta["kind"] == "final" else "")
            folders[key] = target
        else:
            extracted.append(_budget_from_source(target, settings, extract))
    panel = load_panel(folders) if folders else Panel.from_budgets([])
    if extracted:
        extra = Panel.from_budgets(extracted)
        panel = Panel(cells=pd.concat([panel.cells, extra.cells], ignore_index=True),
                      claims=pd.concat([panel.claims, extra.claims], ignore_index=True),
                      meta={**panel.meta, **extra.meta})
    return panel


def _budget_from_source(path, settings, extract) -> Budget:
    """A Budget built in memory from a disclosure text (nothing written): the frames
    ``load_folder`` would give for the folder ``fiscal extract`` writes, validated alike."""
    from fiscal.extract import table_rows
    from fiscal.load import budget_from_rows

    ex = extract(path, settings, unregistered="provisional")
    return budget_from_rows(ex.dept_year, ex.meta, {t.id: table_rows(t) for t in ex.tables},
                            [c.as_row() for c in ex.claims], origin=ex.source.path)


#: The fields of ``fiscal check``'s JSON and CSV: the finding's, its id, a reviewer's verdict
#: (``review.csv``) and, with ``--since``, whether it is new, unchanged or gone.
OUTPUT_COLUMNS = [*FINDING_COLUMNS, "id", "verdict", "note"]


def to_json(found: pd.DataFrame, gone: pd.DataFrame | None = None) -> str:
    """Findings as a JSON list: the finding keys (amounts as numbers in 万元), ``id``,
    ``verdict`` and ``note``; with ``gone`` (``--since``), ``since`` and the gone ones."""
    def num(v):
        if v is None or (not isinstance(v, Decimal) and pd.isna(v)):
            return None
        if not isinstance(v, Decimal):
            return v
        return float(v) if v != v.to_integral() else int(v)

    def text(r, c):
        return r[c] if c in r and isinstance(r[c], str) else ""

    items = []
    for _, r in found.iterrows():
        items.append({
            "department": r["department"], "year": int(r["year"]), "kind": r["kind"],
            "rule": r["rule"], "severity": r["severity"], "table": r["table"],
            "item": r["item"], "expected": num(r["expected"]), "actual": num(r["actual"]),
            "difference": num(r["difference"]), "message": r["message"],
            "source_line": int(r["source_line"]) if pd.notna(r["source_line"]) else None,
            "id": r["id"], "verdict": text(r, "verdict"), "note": text(r, "note"),
            **({"since": r["since"]} if gone is not None else {}),
        })
    if gone is not None:
        items += [{c: (None if c not in r or (not isinstance(r[c], str) and pd.isna(r[c]))
                       else r[c]) for c in [*OUTPUT_COLUMNS, "since"]}
                  for r in gone.to_dict("records")]
    return json.dumps(items, ensure_ascii=False, indent=2)


def to_table(found: pd.DataFrame, keys: list[str], gone: pd.DataFrame | None = None,
             unchecked: tuple[str, ...] | list[str] = ()) -> str:
    """Findings grouped by department-year and severity, expected and actual side by side,
    each with its id and verdict; with ``gone`` (``--since``) new ones marked and gone ones
    listed."""
    from fiscal.changes import counts

    lines = []
    for key in keys:
        sub = found[found["key"] == key] if not found.empty else found
        n = {s: int((sub["severity"] == s).sum()) for s in SEVERITIES} if len(sub) else {}
        head = ", ".join(f"{v} {k}" for k, v in n.items() if v)
        if key in unchecked:
            head += ("; " if head else "") + "nothing could be checked (no figure to compare)"
        head = head or "no finding"
        if gone is not None:
            c = counts(found, gone, key)
            head += f" — since: {c['new']} new, {c['gone']} gone, {c['unchanged']} unchanged"
        lines.append(f"{key}: {head}")
        for sev in SEVERITIES:
            part = sub[sub["severity"] == sev] if len(sub) else sub
            if part.empty:
                continue
            lines.append(f"  {sev.upper()}")
            for _, r in part.iterrows():
                exp = "" if r["expected"] is None else fmt(r["expected"])
                act = "" if r["actual"] is None else fmt(r["actual"])
                loc = f"line {r['source_line']}" if r["source_line"] else ""
                tag = f"  {r['id']}"
                if r.get("verdict"):
                    tag += f"  [{r['verdict']}" + (f": {r['note']}" if r["note"] else "") + "]"
                if r.get("since") == "new":
                    tag += "  NEW"
                lines.append(f"    {r['rule']:<17} {r['table']:<9} {exp:>14} {act:>14}  "
                             f"{r['message']}  [{loc}]{tag}")
        went = gone[gone["key"] == key] if gone is not None else []
        if len(went):
            lines.append("  GONE")
            lines += [f"    {r['rule']:<17} {r['table']:<9} {r['message']}  {r['id']}"
                      for _, r in went.iterrows()]
    return "\n".join(lines)


def _unchecked(p: Panel, found: pd.DataFrame) -> list[str]:
    """The department-years where no rule found any relation to evaluate. Only those with no
    finding beyond a warning can be such; their relations are collected (a second, smaller
    run: collecting relations costs more than running the rules)."""
    busy = set(found.loc[found["severity"] != "warning", "key"]) if not found.empty else set()
    maybe = [k for k in sorted(p.meta) if k not in busy]
    if not maybe:
        return []
    sub = Panel(cells=p.cells[p.cells["key"].isin(maybe)],
                claims=p.claims[p.claims["key"].isin(maybe)] if not p.claims.empty
                else p.claims, meta={k: p.meta[k] for k in maybe})
    rel, _ = relations(sub)
    return sorted(set(maybe) - set(rel["key"]))


def run_cli(args) -> int:
    """``fiscal check``: exit 1 on a finding of a level ``--fail-on`` names (``error`` by
    default; ``review`` adds review-level findings and department-years where nothing could
    be checked) that no reviewer marked ``not-a-problem``; 0 otherwise; 2 on bad input."""
    from fiscal import changes, verdicts

    fail_on = getattr(args, "fail_on", "error")
    before = changes.read(args.since) if getattr(args, "since", None) else None
    panel = _panel_for(args)
    found = run_rules(panel)
    keys = sorted(panel.meta)
    unchecked = _unchecked(panel, found)
    found, stale = verdicts.apply(found, {k: pd.DataFrame(m["_review"])
                                          for k, m in panel.meta.items() if m.get("_review")})
    gone = None
    if before is not None:
        found, gone = changes.compare(found, before, keys)
    if args.format == "json":
        out = to_json(found, gone)
    elif args.format == "csv":
        cols = [*OUTPUT_COLUMNS, *(["since"] if gone is not None else [])]
        frame = pd.concat([found.reindex(columns=cols), *([gone.reindex(columns=cols)]
                                                          if gone is not None else [])])
        out = frame.to_csv(index=False, lineterminator="\n").rstrip("\n")
    else:
        out = to_table(found, keys, gone, unchecked)
    sys.stdout.write(out + "\n")
    for v in stale.to_dict("records"):
        print(f"fiscal: warning: {v.get('file', v['key'])}, line {v['line']}: stale verdict"
              f" ({v['verdict']}) on {v['id']}: no current finding of {v['key']} has this id"
              " (the source was corrected, or the finding is gone) — delete the line",
              file=sys.stderr)
    failing = verdicts.failing(found, fail_on)
    if args.format == "table":
        errors = int((failing["severity"] == "error").sum()) if len(failing) else 0
        line = f"{len(keys)} department-year(s), {len(found)} finding(s), {errors} error(s)"
        dismissed = int((found["verdict"] == "not-a-problem").sum()) if len(found) else 0
        if dismissed:
            line += f", {dismissed} marked not-a-problem"
        if unchecked:
            line += f"; nothing could be checked in {', '.join(unchecked)}"
        if gone is not None:
            c = changes.counts(found, gone)
            line += (f"; since {args.since}: {c['new']} new, {c['gone']} gone,"
                     f" {c['unchanged']} unchanged")
        print(line + ".")
    return 1 if len(failing) or (fail_on == "review" and unchecked) else 0
