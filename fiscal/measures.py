"""Measures: growth, spending structure, the 三公 trend, per-staff cost.

Every function takes a loaded :class:`~fiscal.load.Budget` (or a list of them)
and returns a tidy frame. Amounts are exact ``Decimal`` in 万元 (columns end in
``_wan``); percentages are ``Decimal`` rounded half-up to two places (``_pct``).
An empty frame means the disclosure does not print what the measure needs.
"""

from __future__ import annotations

import weakref
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from fiscal.load import Budget, fen_to_wan

PCT = Decimal("0.01")
SANGONG_ALL = ("三公经费", "因公出国（境）费", "公务接待费", "公务用车购置及运行维护费",
               "公务用车购置费", "公务用车运行维护费")
_T09_COLUMNS = {"total": "三公经费", "abroad": "因公出国（境）费", "reception": "公务接待费",
                "vehicle": "公务用车购置及运行维护费", "vehicle_purchase": "公务用车购置费",
                "vehicle_operation": "公务用车运行维护费"}


def pct(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """100 × part / whole, rounded half-up to 0.01 (None when whole is 0 or missing)."""
    if part is None or whole is None or whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PCT, rounding=ROUND_HALF_UP)


def _money_claims(b: Budget) -> pd.DataFrame:
    cl = b.claims
    if cl.empty:
        return cl
    return cl[cl["unit"] == "万元"]


# ---------------------------------------------------------------------------
# Growth
# ---------------------------------------------------------------------------

def growth(b: Budget) -> pd.DataFrame:
    """Current against prior year for every figure the narrative compares.

    The prior figure is the one stated, else current − stated change. Columns:
    subject, year, prior_year, current_wan, prior_wan, change_wan, change_pct
    (computed), stated_pct (as printed), prior_source.
    """
    if b not in _GROWTH:
        _GROWTH[b] = _growth(b)
    return _GROWTH[b].copy()


#: The growth frame of each Budget, computed once (growth feeds several measures and the
#: report's sections); an entry goes when its Budget does.
_GROWTH: weakref.WeakKeyDictionary[Budget, pd.DataFrame] = weakref.WeakKeyDictionary()


def _growth(b: Budget) -> pd.DataFrame:
    cl = _money_claims(b)
    cols = ["subject", "year", "prior_year", "current_wan", "prior_wan", "change_wan",
            "change_pct", "stated_pct", "prior_source"]
    if cl.empty:
        return pd.DataFrame(columns=cols)
    pct_claims = b.claims[b.claims["role"] == "change_pct"]
    # each claim's children, found once (not a filter of every claim per amount)
    kids_of = dict(tuple(cl.groupby("parent", sort=False)))
    pct_of = dict(tuple(pct_claims.groupby("parent", sort=False)))
    rows = []
    seen = set()
    for _, a in cl[(cl["role"] == "amount") & (cl["claim_year"] == b.year)].iterrows():
        kids = kids_of.get(a["claim"])
        if kids is None:
            continue
        prior = kids[kids["role"] == "prior_amount"]
        change = kids[kids["role"] == "change"]
        if prior.empty and change.empty:
            continue
        if a["subject"] in seen:
            continue
        seen.add(a["subject"])
        cur = a["value"]
        if not prior.empty:
            pri, source = prior["value"].iloc[0], "正文所列上年数"
            prior_year = int(prior["claim_year"].iloc[0])
        else:
            pri, source = cur - change["value"].iloc[0], "由增减额推算"
            prior_year = b.year - 1
        chg = change["value"].iloc[0] if not change.empty else cur - pri
        stated = pct_of.get(a["claim"], pct_claims.iloc[:0])["value"]
        rows.append({"subject": a["subject"], "year": b.year, "prior_year": prior_year,
                     "current_wan": cur, "prior_wan": pri, "change_wan": chg,
                     "change_pct": pct(chg, pri),
                     "stated_pct": stated.iloc[0] if not stated.empty else None,
                     "prior_source": source})
    return pd.DataFrame(rows, columns=cols)


def headline(b: Budget) -> dict:
    """The figures a report opens with: total, prior, change, basic and project spending."""
    g = growth(b)
    total = b.value("t01", "收入总计", "amount", side="收入") or b.value("t05", "合计", "total")
    row = g[g["subject"] == "收支总计"]
    out = {
        "department": b.department, "year": b.year, "kind": b.kind, "total_wan": total,
        "prior_wan": None, "change_wan": None, "change_pct": None, "stated_pct": None,
        "basic_wan": b.value("t05", "合计", "basic"),
        "project_wan": b.value("t05", "合计", "project"),
    }
    if not row.empty:
        r = row.iloc[0]
        out.update(total_wan=out["total_wan"] or r["current_wan"], prior_wan=r["prior_wan"],
                   change_wan=r["change_wan"], change_pct=r["change_pct"],
                   stated_pct=r["stated_pct"])
    return out


# ---------------------------------------------------------------------------
# Structure
# ---------------------------------------------------------------------------

def _rows(b: Budget, table: str, column: str, level: int) -> pd.DataFrame:
    df = b.table(table)
    df = df[(df["column"] == column) & (df["level"] == level) & df["amount_fen"].notna()]
    return df


def function_structure(b: Budget, level: int = 1) -> pd.DataFrame:
    """Spending by function class (level 1, 类) or 款 (level 2) from t05, with shares."""
    df = _rows(b, "t05", "total", level)
    total = b.value("t05", "合计", "total")
    out = pd.DataFrame({
        "code": df["code"], "name": df["name"],
        "amount_wan": [fen_to_wan(v) for v in df["amount_fen"]],
    })
    out["share_pct"] = [pct(v, total) for v in out["amount_wan"]]
    return out.sort_values("amount_wan", ascending=False, kind="stable").reset_index(drop=True)


def economic_structure(b: Budget) -> pd.DataFrame:
    """Basic spending by economic class (t06 类), with shares of the t06 total."""
    df = _rows(b, "t06", "amount", 1)
    total = b.value("t06", "合计", "amount")
    out = pd.DataFrame({"code": df["code"], "name": df["name"],
                        "amount_wan": [fen_to_wan(v) for v in df["amount_fen"]]})
    out["share_pct"] = [pct(v, total) for v in out["amount_wan"]]
    return out.sort_values("amount_wan", ascending=False, kind="stable").reset_index(drop=True)


def basic_project(b: Budget) -> pd.DataFrame:
    """基本支出 against 项目支出 (t05 合计), with shares."""
    total = b.value("t05", "合计", "total")
    rows = [("基本支出", b.value("t05", "合计", "basic")),
            ("项目支出", b.value("t05", "合计", "project"))]
    rows = [(n, v) for n, v in rows if v is not None]
    return pd.DataFrame({"name": [n for n, _ in rows], "amount_wan": [v for _, v in rows],
                         "share_pct": [pct(v, total) for _, v in rows]})


def parts_of(b: Budget, subject: str) -> pd.DataFrame:
    """The listed parts of a stated figure (e.g. the items of 产业发展专项资金), with shares."""
    cl = _money_claims(b)
    cols = ["name", "amount_wan", "share_pct", "source_line"]
    if cl.empty:
        return pd.DataFrame(columns=cols)
    whole = cl[(cl["subject"] == subject) & (cl["role"] == "amount")]
    if whole.empty:
        return pd.DataFrame(columns=cols)
    w = whole.iloc[0]
    parts = cl[(cl["parent"] == w["claim"]) & (cl["role"] == "amount")]
    out = pd.DataFrame({"name": parts["subject"], "amount_wan": parts["value"],
                        "share_pct": [pct(v, w["value"]) for v in parts["value"]],
                        "source_line": parts["source_line"]})
    return out.sort_values("amount_wan", ascending=False, kind="stable").reset_index(drop=True)


def concentration(df: pd.DataFrame, n: int = 5, value: str = "amount_wan") -> Decimal | None:
    """Share (%) of the ``n`` largest items in the sum of all items."""
    if df.empty:
        return None
    values = sorted((Decimal(v) for v in df[value]), reverse=True)
    return pct(sum(values[:n], Decimal(0)), sum(values, Decimal(0)))


# ---------------------------------------------------------------------------
# 三公 trend
# ---------------------------------------------------------------------------

SANGONG_CANDIDATE_COLUMNS = ["slug", "year", "component", "amount_wan", "source", "rank"]


def sangong(budgets: Budget | list[Budget]) -> pd.DataFrame:
    """三公 figures of every year the documents give, one row per year and component.

    A year's own document wins; otherwise a later document's stated prior
    figure, else one derived from a stated change. A total that is not printed
    is the sum of its components. Columns: slug, year, component, amount_wan, source.
    """
    budgets = budgets if isinstance(budgets, list) else [budgets]
    return sangong_of([sangong_candidates(b) for b in budgets])


def sangong_candidates(b: Budget) -> pd.DataFrame:
    """Every 三公 figure one document gives, of its own year or an earlier one, with its rank
    (0 its 三公 table, 1 its narrative, 2 a stated prior figure, 3 one derived from a stated
    change): what :func:`sangong_of` chooses from. Stored with a department-year's results
    (:mod:`fiscal.results`), so that the trend of a department needs no document loaded."""
    rows = []

    def put(year: int, comp: str, value: Decimal, source: str, rank: int) -> None:
        rows.append((b.dept_year.slug, year, comp, value, source, rank))

    t09 = b.table("t09")
    if not t09.empty:
        for col, comp in _T09_COLUMNS.items():
            v = t09[(t09["column"] == col) & t09["amount_fen"].notna()]
            if "amount" in set(t09["column"]):  # the 三公 table printed as rows
                v = t09[(t09["column"] == "amount") & (t09["name"] == comp)]
                v = v[v["amount_fen"].notna()]
            if not v.empty:
                put(b.year, comp, fen_to_wan(v["amount_fen"].iloc[0]), "表九", 0)
    cl = _money_claims(b)
    if not cl.empty:
        sg = cl[cl["subject"].isin(SANGONG_ALL)]
        for _, c in sg[(sg["role"] == "amount") & (sg["claim_year"] == b.year)].iterrows():
            put(b.year, c["subject"], c["value"], "正文", 1)
            kids = sg[sg["parent"] == c["claim"]]
            prior = kids[kids["role"] == "prior_amount"]
            change = kids[kids["role"] == "change"]
            if not prior.empty:
                put(int(prior["claim_year"].iloc[0]), c["subject"], prior["value"].iloc[0],
                    f"{b.year}年文件所列上年数", 2)
            elif not change.empty:
                put(b.year - 1, c["subject"], c["value"] - change["value"].iloc[0],
                    f"由{b.year}年文件增减额推算", 3)
    return pd.DataFrame(rows, columns=SANGONG_CANDIDATE_COLUMNS)


def sangong_of(candidates: list[pd.DataFrame]) -> pd.DataFrame:
    """The 三公 figures chosen from the candidates of several documents (in their order):
    the lowest rank wins, the first of equal ranks; a vehicle item or a total that is not
    given is the sum of its parts. Columns: slug, year, component, amount_wan, source."""
    rows: dict[tuple[str, int, str], tuple[Decimal, str, int]] = {}

    def put(slug: str, year: int, comp: str, value: Decimal, source: str, rank: int) -> None:
        key = (slug, year, comp)
        if key not in rows or rank < rows[key][2]:
            rows[key] = (value, source, rank)

    for frame in candidates:
        for slug, year, comp, value, source, rank in frame.itertuples(index=False):
            put(slug, int(year), comp, value, source, int(rank))
    # 公务用车购置及运行维护费 and the total, summed from their parts where not printed
    years = {(s, y) for s, y, _ in rows}
    for slug, year in sorted(years):
        def get(comp: str, s: str = slug, y: int = year) -> Decimal | None:
            hit = rows.get((s, y, comp))
            return hit[0] if hit else None
        if get("公务用车购置及运行维护费") is None and (
                get("公务用车购置费") is not None or get("公务用车运行维护费") is not None):
            put(slug, year, "公务用车购置及运行维护费",
                (get("公务用车购置费") or Decimal(0)) + (get("公务用车运行维护费") or Decimal(0)),
                "由购置费与运行维护费相加", 4)
        if get("三公经费") is None:
            parts = [get("因公出国（境）费"), get("公务接待费"), get("公务用车购置及运行维护费")]
            if any(p is not None for p in parts):
                put(slug, year, "三公经费", sum((p or Decimal(0) for p in parts), Decimal(0)),
                    "未印总额，由各项相加", 4)
    out = pd.DataFrame([{"slug": s, "year": y, "component": c, "amount_wan": v[0],
                         "source": v[1]} for (s, y, c), v in rows.items()],
                       columns=["slug", "year", "component", "amount_wan", "source"])
    order = {c: i for i, c in enumerate(SANGONG_ALL)}
    out["_o"] = out["component"].map(order)
    return out.sort_values(["slug", "year", "_o"]).drop(columns="_o").reset_index(drop=True)


# ---------------------------------------------------------------------------
# Staff and running costs
# ---------------------------------------------------------------------------

def per_staff(b: Budget) -> pd.DataFrame:
    """Personnel cost per actual staff member (人员经费 / 实有人数)."""
    staff = b.meta.get("staffing", {}).get("actual")
    personnel = b.value("t07", "人员经费", "amount")
    source = "表七 人员经费"
    if personnel is None:
        personnel = b.value("t06", "301", "amount")
        source = "表六 301 工资福利支出"
    if personnel is None or not staff:
        return pd.DataFrame(columns=["personnel_wan", "staff", "per_staff_wan", "source"])
    per = (personnel / Decimal(staff)).quantize(PCT, rounding=ROUND_HALF_UP)
    return pd.DataFrame([{"personnel_wan": personnel, "staff": staff, "per_staff_wan": per,
                          "source": source}])


def office_operation(b: Budget) -> pd.DataFrame:
    """机关运行经费: this year, the prior year and the change."""
    g = growth(b)
    return g[g["subject"] == "机关运行经费"].reset_index(drop=True)
