"""Across tables: the same total printed in different tables agrees."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fiscal.checks.findings import (
    KEY,
    Msg,
    _findings,
    _txt,
    empty_findings,
    fmt,
    wan,
)
from fiscal.checks.params import FACTS, IDENTITIES
from fiscal.checks.registry import rule
from fiscal.load import Panel

_FACTS = pd.DataFrame(FACTS, columns=["fact", "table", "fside", "item", "column"])


def facts(p: Panel) -> pd.DataFrame:
    """The named cells of every department-year (one row per key and fact)."""
    v = p.values
    v = v[v["table"].isin(set(_FACTS["table"]))]
    named = _FACTS[_FACTS["item"] != ""]
    hits = [v.merge(named, left_on=["table", "column", field], right_on=["table", "column",
                                                                        "item"])
            for field in ("code", "name")]
    first = v[v["level"] <= 1].merge(_FACTS[_FACTS["item"] == ""], on=["table", "column"])
    m = pd.concat([*hits, first], ignore_index=True)
    m = m[(m["fside"] == "") | (m["fside"] == m["side"])]
    return m.sort_values(["key", "fact", "row"]).drop_duplicates(["key", "fact"])


@rule("cross_table", name="表间勾稽", description="不同表中印出的同一总数相等",
      tables=tuple(sorted({f.table for f in FACTS})), params=("FACTS", "IDENTITIES"), core=True)
def rule_cross_table(p: Panel) -> pd.DataFrame:
    """The same total printed in different tables must agree."""
    f = facts(p)
    # every identity at once: identity by identity, in the order of the facts
    fa = f.assign(_pos=np.arange(len(f))).merge(_PAIRS, left_on="fact", right_on="_a")
    fb = f[["key", "fact", "amount_fen", "ulp_fen", "source_line"]].rename(
        columns={"fact": "_b"})
    m = fa.merge(fb, on=["key", "_b"], suffixes=("", "_b")).sort_values(
        ["_pair", "_pos"], kind="stable", ignore_index=True)
    if m.empty:
        return empty_findings()
    msg = Msg(lambda m: pd.Series(
        [f"{a} {fmt(wan(x))} ≠ {b} {fmt(wan(y))}" for a, b, x, y in zip(
            m["_a"].tolist(), m["_b"].tolist(), m["amount_fen"].tolist(),
            m["amount_fen_b"].tolist(), strict=True)], index=m.index, dtype=object))
    return _findings(m, "cross_table", m["_tables"], m["_item"], m["amount_fen"],
                     m["amount_fen_b"], m["ulp_fen"] + m["ulp_fen_b"], msg, m["source_line_b"])


_PAIRS = pd.DataFrame([(i, a, b, f"{a.split()[0]}/{b.split()[0]}", f"{a} = {b}")
                       for i, (a, b) in enumerate(IDENTITIES)],
                      columns=["_pair", "_a", "_b", "_tables", "_item"])


@rule("function_rows", name="功能科目行",
      description="收支总表、支出总表、财政拨款收支总表的功能科目行等于 t05 的合计列",
      tables=("t01", "t03", "t04", "t05"))
def rule_function_rows(p: Panel) -> pd.DataFrame:
    """Function rows of the summary tables (t01, t03, t04) equal t05's 合计 column."""
    v = p.values
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
