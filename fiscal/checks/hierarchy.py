"""Hierarchy: every total of a table is the sum of the rows it stands over."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fiscal.checks.findings import (
    KEY,
    Msg,
    _col,
    _concat,
    _findings,
    _item,
    _txt,
    empty_findings,
)
from fiscal.checks.params import OUTLINE_TABLES
from fiscal.checks.registry import rule
from fiscal.checks.shape import CODED_TABLES
from fiscal.load import Panel
from fiscal.schema import CODE_LEVELS, TABLES

#: What identifies a printed row: the department-year's key (which fixes its slug, year
#: and kind: grouping, sorting and matching by it alone is grouping by all of ``KEY``, for
#: less), table, side and row.
ROW = ["key", "table", "side", "row"]


def _values(cells: pd.DataFrame) -> pd.DataFrame:
    return cells[cells["amount_fen"].notna()]


@rule("code_hierarchy", name="科目层级",
      description="按编码前缀，类 = Σ款，款 = Σ项（每个编码表的每一列）", tables=CODED_TABLES,
      core=True)
def rule_code_hierarchy(p: Panel) -> pd.DataFrame:
    """类 = Σ款 and 款 = Σ项 by code prefix, in every coded table and column."""
    v = p.values
    coded_tables = [t for t, s in TABLES.items() if s.codes in CODE_LEVELS]
    coded = v.loc[(v["code"] != "") & v["table"].isin(coded_tables),
                  ["key", "table", "side", "column", "code", "amount_fen", "ulp_fen"]]
    # (what a finding names and compares: every filter and merge copies every column)
    allrows = p.cells.loc[(p.cells["code"] != "") & p.cells["table"].isin(coded_tables),
                          [*KEY, "table", "side", "code", "label", "column", "amount_fen",
                           "ulp_fen", "source_line"]]
    out = []
    for child_len, parent_len in ((5, 3), (7, 5)):
        ch = coded[coded["code"].str.len() == child_len].copy()
        ch["parent_code"] = ch["code"].str[:parent_len]
        sums = ch.groupby(["key", "table", "side", "column", "parent_code"], sort=False).agg(
            child_fen=("amount_fen", "sum"), child_ulp=("ulp_fen", "sum"),
            n=("amount_fen", "size")).reset_index()
        parents = allrows[allrows["code"].str.len() == parent_len]
        kids = allrows[allrows["code"].str.len() == child_len]
        has_children = kids.assign(parent_code=kids["code"].str[:parent_len])[
            ["key", "table", "side", "parent_code"]].drop_duplicates()
        par = parents[parents["amount_fen"].notna()].merge(
            has_children, left_on=["key", "table", "side", "code"],
            right_on=["key", "table", "side", "parent_code"], how="inner")
        m = par.merge(sums, on=["key", "table", "side", "column", "parent_code"], how="left")
        m["child_fen"] = m["child_fen"].fillna(0).astype("int64")
        m["child_ulp"] = m["child_ulp"].fillna(0).astype("int64")
        if m.empty:
            continue
        out.append(hierarchy_findings(m, parent_len, child_len))
    return _concat(out)


def hierarchy_findings(m: pd.DataFrame, parent_len: int, child_len: int) -> pd.DataFrame:
    """Findings of 类 = Σ款 / 款 = Σ项: rows of parents with their children's sum
    (``child_fen``, ``child_ulp``)."""
    level, sub = {3: "类", 5: "款"}[parent_len], {5: "款", 7: "项"}[child_len]
    msg = Msg(lambda m: (
        m["label"] + "（" + m["code"] + "）" + m["column"].map(_col) + "：" + level + " "
        + _txt(m["amount_fen"]) + " ≠ Σ" + sub + " " + _txt(m["child_fen"])))
    return _findings(m, "code_hierarchy", m["table"], m["code"], m["child_fen"],
                     m["amount_fen"], m["ulp_fen"] + m["child_ulp"], msg, m["source_line"])


@rule("row_total", name="行内合计", description="每行 合计 = 基本支出 + 项目支出",
      tables=("t03", "t05", "t10", "t11"))
def rule_row_total(p: Panel) -> pd.DataFrame:
    """合计 = 基本支出 + 项目支出 on every row that has those columns."""
    v = p.values
    idx = [*KEY, "table", "side", "row"]
    v = v.loc[v["column"].isin(["total", "basic", "project"]),
              [*idx, "column", "amount_fen", "ulp_fen"]]
    if v.empty:
        return empty_findings()
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
    info = p.cells[[*idx, "code", "label", "source_line"]].drop_duplicates(idx)
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
    rows = rows.sort_values(ROW)
    grp = [rows[k] for k in ROW[:-1]]
    parent = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    for lvl in sorted(rows["level"].unique()):
        if lvl <= 1:
            continue
        marker = pd.Series(np.where(rows["level"] < lvl, rows["uid"], np.nan), index=rows.index)
        filled = marker.groupby(grp, sort=False).ffill()
        at = rows["level"] == lvl
        parent[at] = filled[at].astype("Int64")
    return parent.reindex(rows.index)


@rule("outline", name="分级合计",
      description="带序号或缩进的行等于其下级各行之和（一、 = Σ（一）…）", tables=OUTLINE_TABLES,
      params=("OUTLINE_TABLES",))
def rule_outline(p: Panel) -> pd.DataFrame:
    """A numbered or indented row equals the sum of the rows beneath it (一、 = Σ（一）…)."""
    c = p.cells[p.cells["table"].isin(OUTLINE_TABLES) & (p.cells["code"] == "")]
    if c.empty:
        return empty_findings()
    idx = ROW
    rows = c[[*idx, "level", "label"]].drop_duplicates(idx)
    rows["uid"] = np.arange(len(rows))
    rows["parent"] = _parents(rows)
    # a total row (level 0) is no outline parent
    lvl0 = set(rows.loc[rows["level"] == 0, "uid"])
    rows.loc[rows["parent"].isin(lvl0), "parent"] = pd.NA
    v = _values(c)[[*KEY, "table", "side", "row", "label", "column", "amount_fen", "ulp_fen",
                    "source_line"]].merge(rows[[*idx, "uid", "parent"]], on=idx)
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


@rule("totals", name="合计行",
      description="合计 = Σ一级行；本年…合计 = Σ其上各行；…总计 = 本年合计 + 其余各行", core=True)
def rule_totals(p: Panel) -> pd.DataFrame:
    """合计 rows: 合计 = Σ top-level rows; 本年…合计 = Σ rows above; …总计 = 本年合计 + rest."""
    c = p.cells
    idx = ROW
    rows = c[[*idx, "level", "name"]].drop_duplicates(idx)
    rows = rows.sort_values(idx)
    is_total = rows["level"] == 0
    # segment: how many totals come before a row (a total belongs to the rows above it)
    rows["segment"] = (is_total.groupby([rows[k] for k in ROW[:-1]]).cumsum()
                       - is_total.astype(int))
    v = _values(c)[[*KEY, "table", "side", "row", "level", "name", "column", "amount_fen",
                    "ulp_fen", "source_line"]].merge(rows[[*idx, "segment"]], on=idx)
    top = v[v["level"] == 1]
    out = []
    totals = v[v["level"] == 0].copy()
    if totals.empty:
        return empty_findings()
    kind = np.where(totals["name"].str.match(r"^本年.*合计$"), "year",
                    np.where(totals["name"].str.match(r"^.+总计$"), "grand", "all"))
    totals["tkind"] = kind
    g = ["key", "table", "side", "column"]
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
