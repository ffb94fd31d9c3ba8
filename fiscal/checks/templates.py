"""Templates with more columns (Shanghai): restatements, row parts, shared columns, names."""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from fiscal.checks.claims import _claim_findings, _doubt
from fiscal.checks.findings import (
    KEY,
    Msg,
    _col,
    _concat,
    _findings,
    _frame,
    _item,
    _one,
    _record_rows,
    _txt,
    empty_findings,
)
from fiscal.checks.hierarchy import hierarchy_findings
from fiscal.checks.params import FUND_SCOPE, ROW_PARTS, SHARED_COLUMNS
from fiscal.checks.registry import DOUBT, rule
from fiscal.checks.shape import CODED_TABLES
from fiscal.load import Panel
from fiscal.schema import CODE_LEVELS, TABLES

#: Tables whose standard layout is not keyed by code (their rows may still carry codes).
UNCODED_TABLES = tuple(t for t, s in TABLES.items() if s.codes not in CODE_LEVELS)


@rule("claim_restated", name="复述数字",
      description="同一项中再次写出的数字（如“2026年预算安排 X”）等于该项的数字",
      roles=("amount",), severity=DOUBT)
def rule_claim_restated(p: Panel) -> pd.DataFrame:
    """A figure restated later in its item (``2026年预算安排 X``) equals the item's figure."""
    cl = p.money_claims
    if cl.empty:
        return empty_findings()
    heads = cl.loc[cl["role"] == "amount", ["key", "claim", "subject", "claim_year", "basis",
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


@rule("code_hierarchy_rows", name="总表科目层级", emits={"code_hierarchy": "科目层级"},
      description="不按编码排版但行带功能科目编码的表（上海收入/支出预算总表）中，"
                  "类 = Σ款，款 = Σ项",
      tables=UNCODED_TABLES)
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
        out.append(hierarchy_findings(m, parent_len, child_len))
    return _concat(out)


@functools.cache
def _row_fits(cols: frozenset[str]) -> tuple[int, ...]:
    """The ``ROW_PARTS`` (by index) a table with these columns uses: those whose columns
    it has, but not one whose parts are fewer than another's of the same whole."""
    fits = [i for i, (w, ps) in enumerate(ROW_PARTS) if w in cols and set(ps) <= cols]
    return tuple(i for i in fits
                 if not any(ROW_PARTS[j].whole == ROW_PARTS[i].whole
                            and set(ROW_PARTS[i].parts) < set(ROW_PARTS[j].parts)
                            for j in fits))


@rule("row_parts", name="列间分项",
      description="一行的总数列等于其分项列之和（合计 = 人员经费 + 公用经费 …）",
      params=("ROW_PARTS",))
def rule_row_parts(p: Panel) -> pd.DataFrame:
    """A row's whole equals its parts where a table splits it into columns (``ROW_PARTS``):
    合计 = 人员经费 + 公用经费 (+ 项目支出), 合计 = Σ收入来源, 三公合计 = Σ三项 …

    Compared for every department-year and table at once, listed table by table (in the
    order of their keys), split by split (in the order of ``ROW_PARTS``), row by row."""
    v = p.values
    if v.empty:
        return empty_findings()
    kt = v[["key", "table", "column"]].drop_duplicates()
    cols_of: dict[tuple[str, str], set[str]] = {}
    for k, t, c in zip(kt["key"].tolist(), kt["table"].tolist(), kt["column"].tolist(),
                       strict=True):
        cols_of.setdefault((k, t), set()).add(c)
    plan = pd.DataFrame([(k, t, i) for (k, t), cols in cols_of.items()
                         for i in _row_fits(frozenset(cols))], columns=["key", "table", "_fit"])
    v = v.assign(_pos=np.arange(len(v)))
    idx = ["key", "table", "side", "row"]
    out = []
    for i, (whole, parts) in enumerate(ROW_PARTS):
        tables = plan.loc[plan["_fit"] == i, ["key", "table"]]
        if tables.empty:
            continue
        sub = v[v["column"].isin([whole, *parts])].merge(tables, on=["key", "table"])
        s = sub[sub["column"].isin(parts)].groupby(idx, sort=False).agg(
            s=("amount_fen", "sum"), u=("ulp_fen", "sum"), n=("amount_fen", "size"))
        m = sub[sub["column"] == whole].merge(s.reset_index(), on=idx)
        m = m[m["n"] == len(parts)]
        if len(m):
            out.append(m.assign(_fit=i, _whole=_col(whole),
                                _names=" + ".join(_col(c) for c in parts)))
    if not out:
        return empty_findings()
    m = pd.concat(out, ignore_index=True).sort_values(["key", "table", "_fit", "_pos"],
                                                      kind="stable", ignore_index=True)
    m["s"] = m["s"].astype("int64")
    msg = Msg(lambda m: (m["label"] + "：" + m["_whole"] + " " + _txt(m["amount_fen"]) + " ≠ "
                         + m["_names"] + " " + _txt(m["s"])))
    return _findings(m, "row_parts", m["table"], _item(m), m["s"], m["amount_fen"],
                     m["ulp_fen"] + m["u"].astype("int64"), msg, m["source_line"])


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


@rule("shared_columns", name="表间共有列",
      description="两表共有的一列逐行相等；资金范围不同的表仅在全部为一般公共预算时比较",
      tables=tuple(sorted({t for s in SHARED_COLUMNS for t in (s.table_a, s.table_b)})),
      params=("SHARED_COLUMNS", "FUND_SCOPE"))
def rule_shared_columns(p: Panel) -> pd.DataFrame:
    """A column two tables share agrees between them row by row (``SHARED_COLUMNS``); tables
    of different fund scope only where all the money is 一般公共预算."""
    v = p.values
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


@rule("code_names", name="科目名称", description="正文给功能科目所称的名称与表中印出的名称相同",
      severity="warning", tables=CODED_TABLES)
def rule_code_names(p: Panel) -> pd.DataFrame:
    """The name the narrative gives a function code is the name the tables print for it."""
    rows, checked = [], []
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
            ok = code in printed.index and name in printed[code]
            checked.append({"key": key, "rule": "code_names", "source_line":
                            int(d.get("source_line", 0)), "verdict": "holds" if ok else "warning"})
            if code not in printed.index:
                rows.append(_one(r, "code_names", "warning", "narrative", code, None, None,
                                 f"正文所列科目 {code}（{name}）在各表中找不到",
                                 d.get("source_line", 0)))
            elif name not in printed[code]:
                shown = "、".join(printed[code])
                rows.append(_one(r, "code_names", "warning", "narrative", code, None, None,
                                 f"科目 {code} 正文称“{name}”，表中称“{shown}”",
                                 d.get("source_line", 0)))
    _record_rows(checked)
    return _frame(rows)
