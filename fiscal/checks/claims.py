"""Narrative claims: every figure the text states against the tables and the text itself."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import product

import numpy as np
import pandas as pd

from fiscal.checks.findings import (
    _RELATIONS,
    Msg,
    _col,
    _concat,
    _findings,
    _frame,
    _one,
    _record,
    _txt,
    empty_findings,
    fmt,
    wan,
)
from fiscal.checks.params import SCOPE_CONFLICTS, SCOPE_WORDS
from fiscal.checks.registry import DOUBT, rule
from fiscal.load import Panel, per_distinct
from fiscal.schema import COMPLETE_WHOLES, FEN_PER_WAN, PART_OF, PERCENT_HALF_UNIT


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
    v = p.values
    leaf = v[v["column"].isin(["vehicle_purchase", "vehicle_operation"])]
    if leaf.empty:
        return v
    have = v.loc[v["column"] == "vehicle", ["key", "table", "row"]].drop_duplicates()
    g = leaf.groupby(["key", "table", "row"], sort=False)
    vsum = g.agg(amount_fen=("amount_fen", "sum"), ulp_fen=("ulp_fen", "sum")).reset_index()
    first = leaf.drop_duplicates(["key", "table", "row"]).drop(columns=["amount_fen", "ulp_fen"])
    syn = first.merge(vsum, on=["key", "table", "row"]).assign(column="vehicle")
    syn = syn.merge(have, on=["key", "table", "row"], how="left", indicator=True)
    syn = syn[syn["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([v, syn[v.columns]], ignore_index=True)


@rule("claim_table", name="正文与表",
      description="正文所述本年数等于它所指的表格单元格（表中无此行：warning）",
      severity=DOUBT + "；表中找不到所指的行为 warning", roles=("amount",), core=True)
def rule_claim_table(p: Panel) -> pd.DataFrame:
    """Each figure the narrative states against the table cell it refers to."""
    cl = p.money_claims
    if cl.empty:
        return empty_findings()
    # this year's figures on the document's own basis (a 决算 compares 决算 figures)
    own = np.where(cl["kind"] == "final", "决算", "预算")
    cl = cl[(cl["table"] != "") & (cl["role"] == "amount") & (cl["claim_year"] == cl["year"])
            & ((cl["basis"] == own) | (cl["basis"] == "执行数"))]
    # (only what is compared and what a finding names: every merge copies every column)
    cl = cl[["key", "slug", "year", "kind", "claim", "subject", "table", "item", "column",
             "claim_year", "basis", "role", "value_fen", "ulp_fen", "printed", "source_line"]]
    # only tables the disclosure prints, and columns those tables have
    declared = {(k, tid, col) for k, m in p.meta.items()
                for tid, info in m.get("tables", {}).items()
                for col in [*info.get("columns", []), "vehicle"]}
    cl = cl[[(k, t, c) in declared for k, t, c in zip(
        cl["key"].tolist(), cl["table"].tolist(), cl["column"].tolist(), strict=True)]]
    if cl.empty:
        return empty_findings()
    v = _claim_cells(p)
    # (only the tables and columns claims name can match: the rest need not be sorted)
    v = v[v["table"].isin(cl["table"].unique()) & v["column"].isin(cl["column"].unique())]
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
    cells = p.cells[p.cells["key"].isin(missing["key"].unique())]  # (most claims matched)
    rows_of = pd.concat([cells[["key", "table", f]].rename(columns={f: "item"})
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
    cl = p.money_claims if role in ("change", "prior_amount") else p.claims
    if cl.empty:
        return cl
    cl = cl[cl["role"] == role]
    amt = p.money_claims
    amt = amt.loc[amt["role"] == "amount", ["key", "claim", "claim_year", "value", "ulp",
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
    rel = p.money_claims
    cols = ["key", "parent", "claim", "claim_year", "basis", "value", "ulp", "value_fen",
            "ulp_fen", "printed", "source_line", "certainty", "sentence"]
    rel = rel.loc[rel["role"] == role, cols] if not rel.empty else pd.DataFrame(columns=cols)
    rel = rel.rename(columns={c: c + suffix for c in cols if c not in ("key", "parent",
                                                                        "basis")})
    out = m.merge(rel, on=["key", "parent", "basis"], how=how)
    ok = ((out["claim_year"] == out["claim_year" + suffix])
          | (out["claim_year"] == out["claim_year_amount"])
          | out["claim_year" + suffix].isna())
    out = out[ok.to_numpy()]
    if role == "prior_amount":
        out = _or_stated_amount(out, m, p, cols, suffix)
    # several candidates (two changes on one basis): the one stated in the same sentence
    near = (out["sentence"] == out["sentence" + suffix]).to_numpy()
    out = out.assign(_far=~near).sort_values(["key", "claim", "_far"], kind="stable")
    return out.drop_duplicates(["key", "claim"]).drop(columns="_far")


def _or_stated_amount(out: pd.DataFrame, m: pd.DataFrame, p: Panel, cols: list[str],
                      suffix: str) -> pd.DataFrame:
    """Where no prior figure is stated with the amount, the same subject's amount stated for
    the compared year and basis (``2021年…公务接待 12.39 万元`` … ``2022年…公务接待较上年减少
    0.58 万元``), if the text states that year's figure once (or always alike)."""
    known = out[f"claim{suffix}"].notna()
    done = set(zip(out.loc[known, "key"].tolist(), out.loc[known, "claim"].tolist(),
                   strict=True))
    rest = m[[k not in done for k in zip(m["key"].tolist(), m["claim"].tolist(), strict=True)]]
    amt = p.money_claims
    if rest.empty or amt.empty:
        return out
    amt = amt.loc[amt["role"] == "amount", [c for c in cols if c != "parent"] + ["subject"]]
    alike = amt.groupby(["key", "subject", "claim_year", "basis"])["value_fen"].transform(
        "nunique") == 1
    amt = amt[alike].drop_duplicates(["key", "subject", "claim_year", "basis"], keep="last")
    amt = amt.rename(
        columns={c: c + suffix for c in cols if c not in ("key", "parent", "basis")})
    found = rest.merge(amt, left_on=["key", "subject", "basis", "claim_year"],
                       right_on=["key", "subject", "basis", f"claim_year{suffix}"])
    found = found[found[f"claim_year{suffix}"] != found["claim_year_amount"]]
    if found.empty:
        return out
    # (how="left": the rows kept without a prior figure give way to the ones found)
    filled = set(zip(found["key"].tolist(), found["claim"].tolist(), strict=True))
    keep = [k not in filled for k in zip(out["key"].tolist(), out["claim"].tolist(), strict=True)]
    return pd.concat([out[keep], found], ignore_index=True)


@rule("claim_change", name="增减额",
      description="所述增减额 = 本年数 − 比较数（同一比较口径）",
      roles=("amount", "change", "prior_amount"), severity=DOUBT)
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
    names = list(m.columns)
    values = [m[c].tolist() for c in names]  # (far quicker than to_dict on Arrow columns)
    # what the figures are, whatever department-year states them (a missing figure, NaN,
    # is never equal to itself: None stands for it in the key)
    sigs = (tuple(None if x is pd.NA or (x.__class__ is float and x != x) else x
                  for x in sig) for sig in zip(
        *[v for c, v in zip(names, values, strict=True) if c not in skip], strict=True))
    for vals, sig in zip(zip(*values, strict=True), sigs, strict=True):
        r = dict(zip(names, vals, strict=True))
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


@rule("claim_change_pct", name="增减幅度",
      description="所述增减百分比落在所列数字按舍入可容许的范围内",
      roles=("amount", "change", "prior_amount", "change_pct"), severity=DOUBT)
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


@rule("claim_parts", name="分项之和",
      description="列全的分项之和等于总数；只列部分的分项之和不超过总数",
      roles=("amount", "count"), params=("PART_OF", "COMPLETE_WHOLES"), severity=DOUBT)
def rule_claim_parts(p: Panel) -> pd.DataFrame:
    """Parts listed completely sum to their whole; parts listed partly do not exceed it."""
    cl = p.claims
    if cl.empty:
        return empty_findings()
    cl = cl[cl["role"].isin(["amount", "count"])].copy()
    money = (cl["unit"] == "万元").to_numpy()
    cl["v"] = np.where(money, _scaled(cl["value"], FEN_PER_WAN), _scaled(cl["value"], 1))
    # counts (人, 辆, 个 …) are exact: no rounding tolerance
    cl["u"] = np.where(money, _scaled(cl["ulp"], FEN_PER_WAN), 0)
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
        msg = Msg(lambda df, word=word: (
            "“" + df["subject"] + "” " + df["value"].map(str) + df["unit"] + " ≠ " + word + " "
            + (df["s"] / np.where(df["unit"] == "万元", FEN_PER_WAN, 1)).map(
                lambda x: fmt(Decimal(str(x)))) + df["unit"] + "（" + df["n"].map(str) + " 项）"))
        figs = lines = None
        if collect:
            figs = [(w, *f) for w, f in zip(df["printed"], df["figs"], strict=True)]
            lines = [(int(w), *map(int, f)) for w, f in zip(df["source_line"], df["ls"],
                                                            strict=True)]
        # (a complete listing of one part that is not its whole, "基本支出 300，包括人员经费
        # 250": one part named of several, read with doubt)
        doubt = df["doubt"].to_numpy(dtype=bool) | ((df["n"] == 1).to_numpy()
                                                    & (kind == "complete"))
        out.append(_claim_findings(df, "claim_parts", exp, act, tol, msg, doubt=doubt,
                                   figures=figs, line_tuples=lines))
    return _concat(out)


def _scaled(values: pd.Series, scale: int) -> np.ndarray:
    """Decimal values times ``scale`` as whole numbers (truncated), each distinct value
    converted once."""
    return per_distinct(values, lambda v: int(v * scale), "int64").to_numpy()


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
    money = p.money_claims
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


@rule("claim_share", name="占比", description="所述占比 = 部分 ÷ 总数（舍入以内）",
      roles=("amount", "share"), severity=DOUBT)
def rule_claim_share(p: Panel) -> pd.DataFrame:
    """A stated share (占…的 p%) is the part over its whole, within rounding."""
    return _share_like(p, "share", "claim_share", "占比")


@rule("claim_completion", name="预算完成率",
      description="所述完成预算百分比 = 决算数 ÷ 预算数（舍入以内）",
      roles=("amount", "prior_amount", "completion_pct"), severity=DOUBT)
def rule_claim_completion(p: Panel) -> pd.DataFrame:
    """A stated completion rate (完成预算的 p%) is the 决算 over the budget, within rounding."""
    return _share_like(p, "completion_pct", "claim_completion", "完成预算")


def _part_relatives(p: Panel, role: str, rule: str, word: str
                    ) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """The ``role`` figures (changes, earlier figures) of complete parts add up to the whole's.

    ``三公 比上年减少 D``, each item ``比上年减少 d_i``: Σ d_i = D, for each comparison basis
    and year; likewise last year's parts against last year's whole. Also returns the
    ``(key, claim)`` of the wholes' figures compared.
    """
    cl = p.money_claims
    none: tuple[pd.DataFrame, set[tuple[str, str]]] = (empty_findings(), set())
    if cl.empty:
        return none
    parts = cl[(cl["role"] == "amount") & (cl["parts"] == "complete")][
        ["key", "claim", "parent", "certainty"]]
    rel = cl.loc[cl["role"] == role, ["key", "parent", "claim_year", "basis", "value_fen",
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
    return found, set(zip(m["key"].tolist(), m["claim"].tolist(), strict=True))


def _defined_changes(p: Panel, done: set[tuple[str, str]]) -> pd.DataFrame:
    """Itemised changes by definition (三公 = 出国 + 接待 + 公车, 公车 = 购置 + 运行), where the
    items' amounts are not printed but their changes are: ``因公出国费比上年减少 9 万元 …``.

    A change of the whole with the changes of all its parts, or of all the parts of a part,
    stated once each on the same basis and year. ``done`` holds the wholes' changes already
    compared (as listed parts).
    """
    cl = p.money_claims
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


@rule("claim_itemised_change", name="分项增减额",
      description="各分项的增减额之和等于总数的增减额（同一比较口径）",
      roles=("amount", "change"), params=("PART_OF", "COMPLETE_WHOLES"), severity=DOUBT)
def rule_claim_itemised_change(p: Panel) -> pd.DataFrame:
    """Each item's stated change adds up to the whole's stated change (same basis): the
    items listed as its parts, or (三公) the items it is made of by definition."""
    listed, compared = _part_relatives(p, "change", "claim_itemised_change", "增减额")
    return _concat([listed, _defined_changes(p, compared)])


@rule("claim_prior_parts", name="分项上年数",
      description="各分项的上年数（印出时）之和等于总数的上年数", roles=("amount", "prior_amount"),
      severity=DOUBT)
def rule_claim_prior_parts(p: Panel) -> pd.DataFrame:
    """Last year's figures of the parts, where printed, add up to last year's whole."""
    return _part_relatives(p, "prior_amount", "claim_prior_parts", "上年数")[0]


def _scope(text: str) -> frozenset[str]:
    return frozenset(w for w in SCOPE_WORDS if w in text)


def _scopes_conflict(a: str, b: str) -> bool:
    """Does one sentence speak of a scope of money that the other excludes?"""
    for x, y in SCOPE_CONFLICTS:
        ax, ay = any(w in a for w in x), any(w in a for w in y)
        bx, by = any(w in b for w in x), any(w in b for w in y)
        if (ax and not ay and by and not bx) or (ay and not ax and bx and not by):
            return True
    return False


@rule("claim_same_figure", name="同一数字前后一致",
      description="同一数量（或同一增减额）在正文中两次出现时数值相同",
      severity=DOUBT + "；两处口径用词不同时为 review", roles=("amount", "change"),
      params=("SCOPE_WORDS", "SCOPE_CONFLICTS"))
def rule_claim_same_figure(p: Panel) -> pd.DataFrame:
    """One quantity (subject, year, basis) stated twice with different amounts.

    Amounts of the vocabulary (those that name a table cell) at the same place in a listing,
    and changes of one amount on one basis (比上年减少 X … 比上年增加 Y). Two statements of
    different scope words (全口径 / 财政拨款, 部门 / 单位 …) are shown for review, not as error:
    a subject read without its qualifier is the likelier cause than a misprint. Two changes
    of one stated amount are compared unless their scopes exclude each other.
    """
    cl = p.money_claims
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
        for x, y, role in zip(m["scope"].tolist(), m["scope_2"].tolist(), m["role"].tolist(),
                              strict=True)], dtype=bool)
    # the same digits under 元 and 万元 (1.58元 … 1.58万元): a slip of the unit, for the eye
    m = m.assign(_slip=(m["value_fen"] * 10000 == m["value_fen_2"])
                 | (m["value_fen_2"] * 10000 == m["value_fen"]))
    slip = m["_slip"].to_numpy(dtype=bool)
    msg = Msg(lambda m: "“" + m["subject"] + "” 第 " + m["source_line"].map(str) + " 行为 "
              + m["printed"] + "，第 " + m["source_line_2"].map(str) + " 行为 " + m["printed_2"]
              + np.where(m["_slip"], "（数字相同而单位不同，疑为单位笔误）", ""))
    figs = list(zip(m["printed"].tolist(), m["printed_2"].tolist(), strict=True))
    lines = [(int(x), int(y)) for x, y in zip(m["source_line"].tolist(),
                                              m["source_line_2"].tolist(), strict=True)]
    return _claim_findings(m, "claim_same_figure", m["value_fen"], m["value_fen_2"],
                           m["ulp_fen"] + m["ulp_fen_2"], msg,
                           doubt=other_scope | slip | _doubt(m["certainty"], m["certainty_2"]),
                           figures=figs, line_tuples=lines)
