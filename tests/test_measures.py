"""fiscal.measures against figures worked out by hand from the seed disclosure.

The seed is the 2018 budget of 深圳市福田区科技创新局
(tests/fixtures/seeds/000_718dc356a2b2d93e.txt); each expected figure below is computed in a
comment from the numbers the text prints, with the seed's line. Amounts are Decimal 万元 and
compared exactly; percentages are Decimal rounded half-up to 0.01. Tiny inline budgets
(tests/panels.py) pin the edge cases.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from panels import KEY, cell, claim, panel

from fiscal import measures
from fiscal.config import DeptYear
from fiscal.load import Budget, load_budget
from fiscal.measures import concentration, pct

D = Decimal


def tiny(cells=(), claims=(), meta: dict | None = None, key: str = KEY) -> Budget:
    """A Budget built from inline cells and claims, shaped as ``load_folder`` shapes it."""
    p = panel(cells, claims, {key: meta or {}})
    cells_df = p.cells.drop(columns=["key", "slug"])
    frames = {tid: df.reset_index(drop=True) for tid, df in cells_df.groupby("table", sort=True)}
    claims_df = p.claims.drop(columns=["key", "slug"], errors="ignore").reset_index(drop=True)
    slug, _, folder = key.partition("/")
    return Budget(dept_year=DeptYear(slug, int(folder)), meta=p.meta[key], tables=frames,
                  claims=claims_df, folder=Path("."))


@pytest.fixture(scope="module")
def b(committed_settings) -> Budget:
    return load_budget("futian-sti", 2018, settings=committed_settings)


# ---------------------------------------------------------------------------
# Growth (seed line 129: "2018 年部门预算收支均为 33,534.08 万元，比 2017 年 19,332.80 万元
# 增加 14,201.28 万元，增加 73.46%")
# ---------------------------------------------------------------------------

def test_growth_of_the_total_matches_the_hand_figures(b):
    g = measures.growth(b).set_index("subject")
    row = g.loc["收支总计"]
    # 33,534.08 − 19,332.80 = 14,201.28 万元
    assert row["current_wan"] == D("33534.08")
    assert row["prior_wan"] == D("19332.80")
    assert row["change_wan"] == D("14201.28")
    assert row["current_wan"] - row["prior_wan"] == row["change_wan"]
    # 14,201.28 / 19,332.80 = 0.734571… → 73.46% (half-up)
    assert row["change_pct"] == D("73.46")
    assert row["stated_pct"] == D("73.46")
    assert (row["year"], row["prior_year"]) == (2018, 2017)
    assert row["prior_source"] == "正文所列上年数"
    # the general budget appropriation has the same figures (same sentence)
    assert g.loc["一般公共预算拨款", "change_pct"] == D("73.46")


def test_headline_gives_total_prior_change_basic_and_project(b):
    h = measures.headline(b)
    assert h["department"] == "深圳市福田区科技创新局"
    assert (h["year"], h["kind"]) == (2018, "budget")
    assert h["total_wan"] == D("33534.08")
    assert h["prior_wan"] == D("19332.80")
    assert h["change_wan"] == D("14201.28")
    assert h["change_pct"] == D("73.46")
    # t05 合计 (seed line 561): basic 630.34 + project 32,903.74 = 33,534.08
    assert h["basic_wan"] == D("630.34")
    assert h["project_wan"] == D("32903.74")
    assert h["basic_wan"] + h["project_wan"] == h["total_wan"]


def test_growth_values_are_exact_decimals(b):
    g = measures.growth(b)
    for col in ("current_wan", "prior_wan", "change_wan"):
        assert all(isinstance(v, Decimal) for v in g[col]), col


# ---------------------------------------------------------------------------
# 三公 (seed lines 227–245) and 机关运行经费 (line 267)
# ---------------------------------------------------------------------------

def test_sangong_2017_is_derived_from_the_stated_changes(b):
    s = measures.sangong(b)
    assert set(s["slug"]) == {"futian-sti"}
    assert set(s["year"]) == {2017, 2018}
    by = {(int(r.year), r.component): (r.amount_wan, r.source) for r in s.itertuples()}
    # line 227: 三公 9.4, "减少 0.5 万元" → 2017: 9.4 + 0.5 = 9.9
    assert by[(2018, "三公经费")][0] == D("9.4")
    assert by[(2017, "三公经费")][0] == D("9.9")
    assert by[(2017, "三公经费")][1] == "由2018年文件增减额推算"
    # line 235: 公务接待费 5.5, "减少 0.5 万元" → 2017: 5.5 + 0.5 = 6.0
    assert by[(2018, "公务接待费")][0] == D("5.5")
    assert by[(2017, "公务接待费")][0] == D("6.0")
    # lines 241–245: vehicles 3.9, "与 2017 年预算数持平" → 2017: 3.9
    assert by[(2018, "公务用车运行维护费")][0] == D("3.9")
    assert by[(2017, "公务用车运行维护费")][0] == D("3.9")
    assert by[(2017, "公务用车购置及运行维护费")][0] == D("3.9")
    # line 229: abroad 0, "与 2017 年持平" → 2017: 0
    assert by[(2018, "因公出国（境）费")][0] == 0
    assert by[(2017, "因公出国（境）费")][0] == 0
    # the components add up to the total in both years: 0 + 6.0 + 3.9 = 9.9; 0 + 5.5 + 3.9 = 9.4
    for year in (2017, 2018):
        parts = sum(by[(year, c)][0] for c in ("因公出国（境）费", "公务接待费",
                                               "公务用车购置及运行维护费"))
        assert parts == by[(year, "三公经费")][0]


def test_sangong_2018_figures_come_from_the_document_itself(b):
    s = measures.sangong(b)
    this_year = s[s["year"] == 2018]
    # the year's own document wins over anything derived
    assert set(this_year["source"]) <= {"表九", "正文", "由购置费与运行维护费相加"}
    assert this_year.set_index("component").loc["三公经费", "source"] == "表九"
    assert s.columns.tolist() == ["slug", "year", "component", "amount_wan", "source"]


def test_sangong_change_pct_is_the_stated_minus_five_point_zero_five(b):
    g = measures.growth(b).set_index("subject")
    # −0.5 / 9.9 = −0.050505… → −5.05%; 公务接待费 −0.5 / 6.0 = −0.08333… → −8.33%
    assert g.loc["三公经费", "change_pct"] == D("-5.05")
    assert g.loc["三公经费", "stated_pct"] == D("-5.05")
    assert g.loc["公务接待费", "change_pct"] == D("-8.33")


def test_office_operation_30_to_29_is_minus_3_33_percent(b):
    oo = measures.office_operation(b)
    assert len(oo) == 1
    r = oo.iloc[0]
    # line 267: 29 万元, "减少 1万元" → 2017: 29 + 1 = 30; −1 / 30 = −0.0333… → −3.33%
    assert (r["current_wan"], r["prior_wan"], r["change_wan"]) == (D("29"), D("30"), D("-1"))
    assert r["change_pct"] == D("-3.33")
    assert r["stated_pct"] == D("-3.33")


# ---------------------------------------------------------------------------
# Staff, structure, special funds
# ---------------------------------------------------------------------------

def test_per_staff_personnel_cost(b):
    per = measures.per_staff(b)
    assert len(per) == 1
    r = per.iloc[0]
    # 表七 （一）人员经费 486.71 (line 675) / 编制内实有人数 12 (line 15) = 40.5591… → 40.56
    assert r["personnel_wan"] == D("486.71")
    assert r["staff"] == 12
    assert r["per_staff_wan"] == D("40.56")
    assert r["source"] == "表七 人员经费"


def test_function_structure_by_class(b):
    fs = measures.function_structure(b, 1)
    assert fs["code"].tolist() == ["206", "208"]  # largest first
    by = fs.set_index("code")
    # 206 科学技术支出 28,425.71 / 33,534.08 = 0.847667… → 84.77%
    assert by.loc["206", "name"] == "科学技术支出"
    assert by.loc["206", "amount_wan"] == D("28425.71")
    assert by.loc["206", "share_pct"] == D("84.77")
    # 208 社会保障和就业支出 5,108.36 / 33,534.08 = 0.152332… → 15.23%
    assert by.loc["208", "amount_wan"] == D("5108.36")
    assert by.loc["208", "share_pct"] == D("15.23")
    # the classes add up to the t05 total: 28,425.71 + 5,108.36 = 33,534.07 (0.01 rounding)
    assert sum(fs["amount_wan"]) == D("33534.07")


def test_function_structure_by_kuan(b):
    fs = measures.function_structure(b, 2)
    by = fs.set_index("code")
    # 20699 其他科学技术支出 26,380 / 33,534.08 = 0.786662… → 78.67%
    assert fs["code"].iloc[0] == "20699"
    assert by.loc["20699", "share_pct"] == D("78.67")
    # 20807 就业补助 5,000 / 33,534.08 = 0.149102… → 14.91%
    assert by.loc["20807", "share_pct"] == D("14.91")
    assert len(fs) == 6  # 20601 20607 20608 20699 20805 20807


def test_economic_structure(b):
    es = measures.economic_structure(b).set_index("code")
    # t06 (lines 611–637): 301 456.91 / 630.34 = 0.724866… → 72.49%
    assert es.loc["301", "amount_wan"] == D("456.91")
    assert es.loc["301", "share_pct"] == D("72.49")
    # 303 114.96 / 630.34 = 0.182378… → 18.24%; 302 54.73 → 8.68%; 310 3.73 → 0.59%
    assert es.loc["303", "share_pct"] == D("18.24")
    assert es.loc["302", "share_pct"] == D("8.68")
    assert es.loc["310", "share_pct"] == D("0.59")
    # 456.91 + 54.73 + 114.96 + 3.73 = 630.33 (the printed 630.34 is 0.01 off by rounding)
    assert sum(es["amount_wan"]) == D("630.33")


def test_basic_versus_project(b):
    bp = measures.basic_project(b).set_index("name")
    # 630.34 / 33,534.08 = 0.018797… → 1.88%; 32,903.74 / 33,534.08 = 0.981203… → 98.12%
    assert bp.loc["基本支出", "amount_wan"] == D("630.34")
    assert bp.loc["项目支出", "amount_wan"] == D("32903.74")
    assert bp.loc["基本支出", "share_pct"] == D("1.88")
    assert bp.loc["项目支出", "share_pct"] == D("98.12")


# lines 195–223, as printed: (1) 2,000 (2) 1,750 (3) 300 (4) 360 (5) 100 (6) 600 (7) 250 (8) 600
# (9) 3,000 (10) 6,000 (11) 900 (12) 1,000 (13) 1,000 (14) 200 (15) 500 (16) 50 (17) 700
# (18) 700 (19) 2,000 (20) 1,000 (21) 100 (22) 50 (23) 1,685 (24) 735 (25) 300 (26) 500
SPECIAL_FUND_ITEMS = [2000, 1750, 300, 360, 100, 600, 250, 600, 3000, 6000, 900, 1000, 1000, 200,
                      500, 50, 700, 700, 2000, 1000, 100, 50, 1685, 735, 300, 500]


def test_special_fund_items_sum_to_the_stated_26380(b):
    sf = measures.parts_of(b, "产业发展专项资金")
    assert len(sf) == 26 == len(SPECIAL_FUND_ITEMS)
    # 2,000 + 1,750 + 300 + 360 + 100 + 600 + 250 + 600 + 3,000 + 6,000 + 900 + 1,000 + 1,000
    # + 200 + 500 + 50 + 700 + 700 + 2,000 + 1,000 + 100 + 50 + 1,685 + 735 + 300 + 500 = 26,380
    assert sum(SPECIAL_FUND_ITEMS) == 26380
    assert sum(sf["amount_wan"]) == D("26380")
    assert sorted(sf["amount_wan"], reverse=True) == [D(v) for v in
                                                      sorted(SPECIAL_FUND_ITEMS, reverse=True)]
    by = sf.set_index("name")
    # (10) 国高企业认定支持 6,000 / 26,380 = 0.227445… → 22.74%
    assert sf["name"].iloc[0] == "国高企业认定支持"
    assert by.loc["国高企业认定支持", "share_pct"] == D("22.74")
    assert by.loc["国高企业认定支持", "source_line"] == 205
    # (16) 科学技术奖配套支持 50 / 26,380 = 0.001895… → 0.19%
    assert by.loc["科学技术奖配套支持", "share_pct"] == D("0.19")


def test_special_fund_concentration_top_five(b):
    sf = measures.parts_of(b, "产业发展专项资金")
    # top five: 6,000 + 3,000 + 2,000 + 2,000 + 1,750 = 14,750; 14,750 / 26,380 = 0.559135… → 55.91%
    assert sum(sorted(SPECIAL_FUND_ITEMS, reverse=True)[:5]) == 14750
    assert concentration(sf) == D("55.91")
    # the single largest: 6,000 / 26,380 → 22.74%; all 26 → 100.00%
    assert concentration(sf, n=1) == D("22.74")
    assert concentration(sf, n=26) == D("100.00")


def test_parts_of_an_unknown_subject_is_empty(b):
    out = measures.parts_of(b, "没有这一项")
    assert out.empty
    assert out.columns.tolist() == ["name", "amount_wan", "share_pct", "source_line"]


# ---------------------------------------------------------------------------
# Tiny inline frames
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("part", "whole", "expected"), [
    ("1", "8", "12.50"),           # 12.5 exactly
    ("0.00125", "1", "0.13"),      # 0.125 → half-up gives 0.13 (half-even would give 0.12)
    ("0.00135", "1", "0.14"),      # 0.135 → 0.14
    ("-0.00125", "1", "-0.13"),    # ties away from zero on the negative side too
    ("1", "3", "33.33"),
    ("2", "3", "66.67"),
    ("-0.5", "9.9", "-5.05"),
    ("14201.28", "19332.80", "73.46"),
    ("0", "5", "0.00"),
])
def test_pct_rounds_half_up_to_two_places(part, whole, expected):
    got = pct(D(part), D(whole))
    assert got == D(expected)
    assert str(got) == expected  # always two places


@pytest.mark.parametrize(("part", "whole"), [(D("1"), D("0")), (None, D("1")), (D("1"), None)])
def test_pct_of_zero_or_missing_is_none(part, whole):
    assert pct(part, whole) is None


def test_concentration_of_an_empty_frame_is_none():
    assert concentration(pd.DataFrame({"amount_wan": []})) is None


def test_concentration_of_fewer_items_than_n_is_everything():
    df = pd.DataFrame({"amount_wan": [D("3"), D("1")]})
    assert concentration(df, n=5) == D("100.00")
    # top one: 3 / 4 = 75%
    assert concentration(df, n=1) == D("75.00")


def test_concentration_reads_another_column():
    df = pd.DataFrame({"v": [D("1"), D("1"), D("2")]})
    assert concentration(df, n=1, value="v") == D("50.00")


def test_growth_derives_the_prior_figure_from_a_stated_change():
    b = tiny(claims=[
        claim("c001", "三公经费", "9.4"),
        claim("c002", "三公经费", "-0.5", role="change", parent="c001"),
        claim("c003", "三公经费", "-5.05", role="change_pct", parent="c001"),
    ])
    g = measures.growth(b)
    assert len(g) == 1
    r = g.iloc[0]
    # 9.4 − (−0.5) = 9.9; −0.5 / 9.9 → −5.05%
    assert (r["prior_wan"], r["change_wan"], r["change_pct"]) == (D("9.9"), D("-0.5"), D("-5.05"))
    assert r["stated_pct"] == D("-5.05")
    assert r["prior_source"] == "由增减额推算"
    assert r["prior_year"] == 2017


def test_growth_prefers_a_stated_prior_figure():
    b = tiny(claims=[
        claim("c001", "收支总计", "120"),
        claim("c002", "收支总计", "100", role="prior_amount", parent="c001"),
    ])
    r = measures.growth(b).iloc[0]
    # 120 − 100 = 20; 20 / 100 = 20.00%
    assert (r["prior_wan"], r["change_wan"], r["change_pct"]) == (D("100"), D("20"), D("20.00"))
    assert r["prior_source"] == "正文所列上年数"
    assert pd.isna(r["stated_pct"])


def test_growth_of_a_document_without_comparisons_is_empty():
    b = tiny(claims=[claim("c001", "收支总计", "120")])
    g = measures.growth(b)
    assert g.empty
    assert "change_pct" in g.columns
    assert measures.headline(b)["prior_wan"] is None


def test_sangong_own_document_wins_over_a_later_stated_prior():
    # the 2017 document prints 三公 10.0; the 2018 document says 9.4, down 0.5 (→ 9.9)
    b2017 = tiny(claims=[claim("c001", "三公经费", "10.0", key="d/2017")], key="d/2017")
    b2018 = tiny(claims=[claim("c001", "三公经费", "9.4", key="d/2018"),
                         claim("c002", "三公经费", "-0.5", role="change", parent="c001",
                               key="d/2018")], key="d/2018")
    s = measures.sangong([b2017, b2018])
    total = s[s["component"] == "三公经费"].set_index("year")
    assert total.loc[2017, "amount_wan"] == D("10.0")
    assert total.loc[2017, "source"] == "正文"
    assert total.loc[2018, "amount_wan"] == D("9.4")


def test_sangong_total_not_printed_is_the_sum_of_its_parts():
    b = tiny(claims=[claim("c001", "公务接待费", "5.5"), claim("c002", "公务用车购置费", "0"),
                     claim("c003", "公务用车运行维护费", "3.9")])
    s = measures.sangong(b).set_index("component")
    # vehicles 0 + 3.9 = 3.9; total 5.5 + 3.9 = 9.4 (abroad not printed)
    assert s.loc["公务用车购置及运行维护费", "amount_wan"] == D("3.9")
    assert s.loc["三公经费", "amount_wan"] == D("9.4")
    assert s.loc["三公经费", "source"] == "未印总额，由各项相加"


def test_sangong_of_a_document_without_sangong_is_empty():
    assert measures.sangong(tiny(claims=[claim("c001", "收支总计", "1")])).empty


def test_per_staff_falls_back_to_t06_301_and_needs_a_staff_count():
    cells = [cell("t06", "合计", "amount", "100"), cell("t06", "301", "amount", "81",
                                                        name="工资福利支出")]
    b = tiny(cells=cells, meta={"staffing": {"actual": 4}})
    r = measures.per_staff(b).iloc[0]
    # 81 / 4 = 20.25
    assert (r["personnel_wan"], r["staff"], r["per_staff_wan"]) == (D("81"), 4, D("20.25"))
    assert r["source"] == "表六 301 工资福利支出"
    assert measures.per_staff(tiny(cells=cells)).empty  # no 实有人数


def test_structure_of_a_partial_disclosure_is_empty():
    b = tiny(claims=[claim("c001", "三公经费", "9.4")])
    assert measures.function_structure(b).empty
    assert measures.economic_structure(b).empty
    assert measures.basic_project(b).empty
    assert measures.per_staff(b).empty
    assert measures.office_operation(b).empty


def test_function_structure_of_tiny_t05_with_a_negative_item():
    cells = [cell("t05", "合计", "total", "100"), cell("t05", "206", "total", "110"),
             cell("t05", "208", "total", "-10")]
    fs = measures.function_structure(tiny(cells=cells), 1)
    # 110 / 100 = 110.00%; −10 / 100 = −10.00%
    assert fs["code"].tolist() == ["206", "208"]
    assert fs["share_pct"].tolist() == [D("110.00"), D("-10.00")]


def test_growth_is_computed_once_per_budget_and_handed_out_as_a_copy(seed_budget):
    first = measures.growth(seed_budget)
    assert len(first) > 0
    first["subject"] = "改过"
    again = measures.growth(seed_budget)
    assert "改过" not in set(again["subject"])
    assert measures._GROWTH[seed_budget] is not again  # the cached frame stays untouched
