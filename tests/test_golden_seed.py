"""The committed extraction of the seed against figures typed in by hand.

``tests/golden`` holds every amount printed in tables 表一–表十二 (177) and every figure
of the narrative (114), read off the document by a person. Amounts are compared exactly:
integers of 分 (1 万元 = 1,000,000 分), never floats.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from decimal import Decimal

import pytest
from golden.seed_claims import FIGURES
from golden.seed_tables import CELLS

FEN_PER_WAN = 10**6
TABLE_IDS = [f"t{i:02d}" for i in range(1, 13)]


def fen(value: str) -> int:
    """A golden amount in 万元 (``"605.1"``) as an integer of 分."""
    return int(Decimal(value) * FEN_PER_WAN)


def printed_amounts(budget, table_id: str) -> Counter:
    """``(side, item, column, 分)`` of every printed amount of a table; item = code or label."""
    df = budget.table(table_id)
    df = df[df["amount_fen"].notna()]
    return Counter(
        (side, code or label, column, int(amount))
        for side, code, label, column, amount in zip(
            df["side"], df["code"], df["label"], df["column"], df["amount_fen"], strict=True))


def golden_amounts(table_id: str) -> Counter:
    return Counter((side, item, column, fen(value))
                   for tid, side, item, column, value in CELLS if tid == table_id)


# ---------------------------------------------------------------------------
# Tables: all 177 printed amounts, and nothing else
# ---------------------------------------------------------------------------

def cell_id(n: int, cell: tuple[str, str, str, str, str]) -> str:
    """``t05-2060199-total`` for a coded row, ``t01-cell000-amount`` for a labelled one."""
    table_id, _, item, column, _ = cell
    return f"{table_id}-{item if item.isascii() else f'cell{n:03d}'}-{column}"


@pytest.mark.parametrize(("table_id", "side", "item", "column", "value"), CELLS,
                         ids=[cell_id(n, c) for n, c in enumerate(CELLS)])
def test_golden_cell_is_loaded_with_its_exact_value(seed_budget, table_id, side, item, column,
                                                    value):
    df = seed_budget.table(table_id)
    hit = df[((df["code"] == item) | (df["label"] == item) | (df["name"] == item))
             & (df["side"] == side) & (df["column"] == column)]
    assert fen(value) in {int(v) for v in hit["amount_fen"].dropna()}, (
        f"{table_id} {side} {item} {column}: expected {value} 万元, found"
        f" {list(hit['printed'])}")


def test_golden_lists_177_amounts_and_the_tables_print_177(seed_budget):
    assert len(CELLS) == 177
    printed = sum(sum(printed_amounts(seed_budget, t).values()) for t in TABLE_IDS)
    assert printed == 177


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_table_holds_exactly_the_golden_amounts(seed_budget, table_id):
    got, want = printed_amounts(seed_budget, table_id), golden_amounts(table_id)
    assert got - want == Counter(), f"{table_id}: amounts the golden data does not list"
    assert want - got == Counter(), f"{table_id}: golden amounts not extracted"


def test_tables_without_amounts_are_present_but_empty(seed_budget):
    """表十 and 表十一 print a header and no amount: the files exist, hold no amount."""
    for table_id in ("t10", "t11"):
        assert table_id in seed_budget.meta["tables"]
        assert seed_budget.table(table_id)["amount_fen"].notna().sum() == 0


# ---------------------------------------------------------------------------
# Narrative: all 114 figures, each matched by its own claim
# ---------------------------------------------------------------------------

def test_every_golden_figure_is_a_claim(seed_budget):
    claims = seed_budget.claims
    used: set[int] = set()
    missing = []
    for line, value, unit, quote in FIGURES:
        candidates = claims[(claims["source_line"] == line) & (claims["unit"] == unit)]
        hit = next((idx for idx, v in zip(candidates.index, candidates["value"], strict=True)
                    if idx not in used and abs(v) == Decimal(value)), None)
        if hit is None:
            missing.append(f"line {line}: {value} {unit} ({quote})")
        else:
            used.add(hit)
    assert len(FIGURES) == 114
    assert not missing, f"{len(FIGURES) - len(missing)} of {len(FIGURES)} figures matched;" \
                        f" missing: {missing}"


def test_golden_quotes_are_on_their_lines(seed_path):
    """The golden data itself: every quote stands on the line it names."""
    lines = seed_path.read_text(encoding="utf-8").split("\n")
    wrong = [(line, quote) for line, _, _, quote in FIGURES if quote not in lines[line - 1]]
    assert wrong == []


# ---------------------------------------------------------------------------
# Spot checks that read like examples
# ---------------------------------------------------------------------------

def test_t05_wrapped_row_2060199_has_no_basic(seed_budget):
    # Printed over lines 571-575: "2060199", the name, "支出 605.1   " and "605.1".
    assert seed_budget.value("t05", "2060199", "total") == Decimal("605.1")
    assert seed_budget.value("t05", "2060199", "basic") is None
    assert seed_budget.value("t05", "2060199", "project") == Decimal("605.1")
    row = seed_budget.table("t05").query("code == '2060199'")
    assert set(row["name"]) == {"其他科学技术管理事务支出"}
    assert set(row["level"]) == {3}


def test_t05_amounts_keep_their_printed_precision(seed_budget):
    row = seed_budget.table("t05").query("code == '2060199' and column == 'total'").iloc[0]
    assert (row["printed"], row["amount_fen"], row["ulp_fen"]) == ("605.1", 605_100_000,
                                                                   100_000)


def test_t09_single_row(seed_budget):
    t09 = seed_budget.table("t09")
    assert set(t09["label"]) == {"福田区科技创新局"}
    amounts = {c: Decimal(int(v)) / FEN_PER_WAN for c, v in zip(t09["column"],
                                                                t09["amount_fen"], strict=True)}
    assert amounts == {"total": Decimal("9.4"), "reception": Decimal("5.5"),
                       "vehicle_operation": Decimal("3.9")}


def test_t01_has_an_income_and_an_expense_side(seed_budget):
    assert seed_budget.value("t01", "收入总计", "amount", side="收入") == Decimal("33534.08")
    assert seed_budget.value("t01", "本年支出合计", "amount", side="支出") == Decimal("33534.08")
    assert seed_budget.value("t01", "本年支出合计", "amount", side="收入") is None
    row = seed_budget.table("t01").query("label == '收入总计'").iloc[0]
    assert (row["printed"], row["source_line"]) == ("33,534.08", 383)


def claim(budget, **where):
    """The first claim matching every ``column == value`` given."""
    df = budget.claims
    for col, val in where.items():
        df = df[df[col] == val]
    assert len(df) >= 1, f"no claim with {where}"
    return df.iloc[0]


def test_headline_change_pct(seed_budget):
    pct = claim(seed_budget, role="change_pct", source_line=131)
    assert (pct["value"], pct["unit"], pct["printed"]) == (Decimal("73.46"), "%", "73.46%")
    parent = claim(seed_budget, claim=pct["parent"])
    assert (parent["value"], parent["unit"], parent["subject"]) == (Decimal("33534.08"), "万元",
                                                                    "收支总计")


def test_headline_prior_amount_is_of_2017(seed_budget):
    prior = claim(seed_budget, role="prior_amount", source_line=129)
    assert prior["value"] == Decimal("19332.80")
    assert prior["claim_year"] == 2017
    assert prior["basis"] == "预算"
    assert prior["printed"] == "19,332.80 万元"


def test_sangong_change_is_negative(seed_budget):
    amount = claim(seed_budget, subject="三公经费", role="amount")
    change = claim(seed_budget, parent=amount["claim"], role="change")
    pct = claim(seed_budget, parent=amount["claim"], role="change_pct")
    assert amount["value"] == Decimal("9.4")
    assert (amount["table"], amount["column"]) == ("t09", "total")
    assert change["value"] == Decimal("-0.5")
    assert pct["value"] == Decimal("-5.05")


def test_industry_fund_items_sum_to_their_whole(seed_budget):
    whole = claim(seed_budget, subject="产业发展专项资金", role="amount", source_line=191)
    assert whole["value"] == Decimal("26380")
    items = seed_budget.claims.query("parent == @whole.claim and role == 'amount'")
    assert len(items) == 26
    assert list(items["source_line"]) == sorted(items["source_line"])
    assert (items["source_line"].min(), items["source_line"].max()) == (195, 223)
    assert sum(items["value"]) == whole["value"]
    assert set(items["parts"]) == {"complete"}


def test_meta_staffing_and_source(seed_budget, seed_path):
    staffing = seed_budget.meta["staffing"]
    assert (staffing["establishment"], staffing["actual"], staffing["outside"],
            staffing["retired"]) == (16, 12, 15, 6)
    assert seed_budget.meta["source_file"] == seed_path.name
    assert seed_budget.meta["source_sha256"] == hashlib.sha256(seed_path.read_bytes()).hexdigest()
    assert (seed_budget.meta["department"], seed_budget.meta["year"],
            seed_budget.meta["kind"]) == ("深圳市福田区科技创新局", 2018, "budget")
