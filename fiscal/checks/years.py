"""Across years: a prior-year figure agrees with that year's own document."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fiscal.checks.claims import _claim_findings, _compared
from fiscal.checks.findings import (
    Msg,
    _txt,
    empty_findings,
)
from fiscal.checks.params import T09_SUBJECTS
from fiscal.checks.registry import rule
from fiscal.load import Panel


def _figures_then(p: Panel) -> pd.DataFrame:
    """Every department-year's own figures by subject: its narrative amounts, then its 三公
    table (rows by canonical name, or wide columns), for comparing with later years."""
    cl = p.money_claims
    cols = ["slug", "kind", "year", "subject", "value_fen", "ulp_fen", "printed", "source_line"]
    out = []
    if not cl.empty:
        own = np.where(cl["kind"] == "final", "决算", "预算")
        cur = cl[(cl["role"] == "amount") & (cl["claim_year"] == cl["year"])
                 & (cl["basis"] == own)]
        out.append(cur[cols].assign(_src=0))
    v = p.values
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


@rule("prior_year", name="上年数与上年文件",
      description="第 N 年所述上年数（或由增减额推得）等于第 N−1 年本身文件所载之数",
      tables=("t09",), roles=("amount", "prior_amount", "change"), params=("T09_SUBJECTS",),
      years=True)
def rule_prior_year(p: Panel) -> pd.DataFrame:
    """A prior-year figure stated in year N equals year N−1's own document, like with like.

    The earlier figure is stated (比上年 X) or implied by a stated change (this − change);
    that year's document gives it in its narrative or its 三公 table.
    """
    if len({m["slug"] for m in p.meta.values()}) == len(p.meta):
        return empty_findings()  # one document per department: no other year to compare
    cl = p.money_claims
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
