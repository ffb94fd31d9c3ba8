"""fiscal.checks: each rule quiet on a clean tiny panel and firing on a planted fault.

Tolerance (fiscal.schema): a comparison is ``rounding`` when 2·|difference| <= Σ ulp over
every compared figure (inclusive), else ``error``. With four figures printed to 0.01 万元,
Σ ulp = 0.04, so 0.02 off is still rounding and 0.03 off is an error.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from panels import KEY, cell, claim, panel, table_meta

from fiscal import check
from fiscal.checks import (
    FACTS,
    FINDING_COLUMNS,
    IDENTITIES,
    INNER_COLUMNS,
    REGISTRY,
    REQUIRED_TABLES,
    RULES,
    SEVERITIES,
    Rule,
    finding_schema,
    fmt,
    pct_range,
    relations,
    rule_claim_change,
    rule_claim_change_pct,
    rule_claim_completion,
    rule_claim_itemised_change,
    rule_claim_parts,
    rule_claim_prior_parts,
    rule_claim_restated,
    rule_claim_same_figure,
    rule_claim_share,
    rule_claim_table,
    rule_code_hierarchy,
    rule_code_hierarchy_rows,
    rule_code_level,
    rule_code_names,
    rule_cross_table,
    rule_function_rows,
    rule_outline,
    rule_prior_year,
    rule_row_parts,
    rule_row_total,
    rule_shared_columns,
    rule_tables_present,
    rule_totals,
    run_rules,
)
from fiscal.load import load_panel

D = Decimal


def one(findings: pd.DataFrame, rule: str, severity: str, *, expected, actual,
        item: str | None = None, table: str | None = None) -> dict:
    """The single finding of a frame, checked field by field (amounts as Decimal 万元)."""
    assert len(findings) == 1, findings[["rule", "severity", "item", "message"]].to_string()
    f = findings.iloc[0].to_dict()
    assert (f["rule"], f["severity"]) == (rule, severity), f["message"]
    for field, want in (("expected", expected), ("actual", actual)):
        if want is None:
            assert f[field] is None
        else:
            assert isinstance(f[field], Decimal), f"{field} is {type(f[field])}"
            assert f[field] == D(want), f"{field}: {f[field]} != {want}"
    if expected is not None and actual is not None:
        assert f["difference"] == D(actual) - D(expected)
    if item is not None:
        assert f["item"] == item
    if table is not None:
        assert f["table"] == table
    return f


def quiet(findings: pd.DataFrame) -> None:
    assert findings.empty, findings[["rule", "severity", "item", "message"]].to_string()


# ---------------------------------------------------------------------------
# The panel builders behave like load_panel
# ---------------------------------------------------------------------------

def test_built_panels_have_the_dtypes_of_load_panel(committed_dir):
    real = load_panel({"futian-sti/2018": committed_dir})
    built = panel([cell("t05", "20601", "total", "1,691.71"), cell("t05", "20601", "basic", "")],
                  [claim("c001", "人员经费", "486.72", table="t07", item="人员经费",
                         column="amount")])
    assert list(built.cells.columns) == list(real.cells.columns)
    assert list(built.claims.columns) == list(real.claims.columns)
    assert built.cells.dtypes.to_dict() == real.cells.dtypes.to_dict()
    assert built.claims.dtypes.to_dict() == real.claims.dtypes.to_dict()
    assert isinstance(built.claims["value"].iloc[0], Decimal)


def test_a_table_file_with_windows_line_endings_loads_among_its_table(committed_dir, tmp_path):
    """Every table of every folder is read in one parse; a file with CRLF line endings is
    read on its own, and its rows still come with its table's, after the other folders'."""
    import shutil

    crlf = tmp_path / "crlf"
    shutil.copytree(committed_dir, crlf)
    for name in ("t05.csv", "t09.csv"):
        (crlf / name).write_bytes((crlf / name).read_bytes().replace(b"\n", b"\r\n"))
    plain = load_panel({"a/2018": committed_dir, "b/2018": committed_dir}).cells
    mixed = load_panel({"a/2018": crlf, "b/2018": committed_dir}).cells
    assert mixed["table"].tolist() == sorted(mixed["table"])  # grouped by table, t01 … t13
    for table, rows in mixed.groupby("table", sort=False):
        keys = list(dict.fromkeys(rows["key"]))
        assert keys == (["b/2018", "a/2018"] if table in ("t05", "t09") else
                        ["a/2018", "b/2018"]), table
    by = ["key", "table", "row", "column"]
    pd.testing.assert_frame_equal(mixed.sort_values(by, ignore_index=True),
                                  plain.sort_values(by, ignore_index=True))


def test_findings_are_the_same_whether_text_is_plain_or_arrow_backed(committed_dir,
                                                                    monkeypatch):
    """A small panel is checked with its text as plain Python strings (faster on small
    frames), a large one with pandas' Arrow-backed strings: the seed checked both ways gives
    the same findings, dtypes included, and the same relations."""
    from fiscal.checks import relations

    small = relations(load_panel({"futian-sti/2018": committed_dir}))
    monkeypatch.setattr("fiscal.load.SMALL_PANEL_ROWS", 0)
    monkeypatch.setattr("fiscal.checks.runner.SMALL_PANEL_ROWS", 0)
    large = relations(load_panel({"futian-sti/2018": committed_dir}))
    assert large[0].columns.dtype != object  # the Arrow-backed path was taken
    pd.testing.assert_frame_equal(small[1], large[1])
    assert small[0].astype(str).values.tolist() == large[0].astype(str).values.tolist()


def test_cell_derives_fen_and_ulp_from_the_printed_string():
    c = cell("t05", "2060199", "total", "605.1")
    assert (c["amount_fen"], c["ulp_fen"], c["level"]) == (605_100_000, 100_000, 3)
    c = cell("t05", "合计", "total", "33,534.08")
    assert (c["amount_fen"], c["ulp_fen"], c["level"]) == (33_534_080_000, 10_000, 0)
    c = cell("t07", "（一）人员经费", "amount", "")
    assert (c["amount_fen"], c["name"], c["level"]) == (None, "人员经费", 2)


# ---------------------------------------------------------------------------
# Every rule: columns, empty panel, planted fault
# ---------------------------------------------------------------------------

def _fault_code_level():
    return panel([cell("t05", "2060", "total", "1")])


def _fault_tables_present():
    return panel(meta={KEY: {"tables": {t: table_meta(t) for t in REQUIRED_TABLES
                                        if t != "t06"}}})


def _fault_code_hierarchy():
    return panel([cell("t05", "206", "total", "10"), cell("t05", "20601", "total", "5")])


def _fault_row_total():
    return panel([cell("t05", "206", "total", "10"), cell("t05", "206", "basic", "5")])


def _fault_outline():
    return panel([cell("t07", "一、基本支出", "amount", "10"),
                  cell("t07", "（一）人员经费", "amount", "5")])


def _fault_totals():
    return panel([cell("t05", "合计", "total", "10"), cell("t05", "206", "total", "5")])


def _fault_cross_table():
    return panel([cell("t05", "合计", "basic", "10"), cell("t06", "合计", "amount", "5")])


def _fault_function_rows():
    return panel([cell("t05", "20601", "total", "10", name="科学技术管理事务"),
                  cell("t03", "科学技术管理事务", "amount", "5", level=2)])


def _fault_claim_table():
    return panel([cell("t07", "（一）人员经费", "amount", "10")],
                 [claim("c001", "人员经费", "5", table="t07", item="人员经费", column="amount")])


def _fault_claim_change():
    return panel(claims=[claim("c001", "收支总计", "10"),
                         claim("c002", "收支总计", "5", role="prior_amount", parent="c001"),
                         claim("c003", "收支总计", "1", role="change", parent="c001")])


def _fault_claim_change_pct():
    return panel(claims=[claim("c001", "收支总计", "10"),
                         claim("c002", "收支总计", "5", role="prior_amount", parent="c001"),
                         claim("c003", "收支总计", "1", role="change_pct", parent="c001")])


def _fault_claim_parts():
    return panel(claims=[claim("c001", "基本支出", "10"),
                         claim("c002", "人员经费", "5", parent="c001", parts="complete")])


def _fault_prior_year():
    return panel(claims=[claim("c001", "收支总计", "10", key="d/2018"),
                         claim("c002", "收支总计", "5", role="prior_amount", parent="c001",
                               key="d/2018"),
                         claim("c001", "收支总计", "8", key="d/2017")])


def _fault_claim_restated():
    return panel(claims=[claim("c001", "购房补贴", "207", ulp="1"),
                         claim("c002", "购房补贴", "170.03", parent="c001")])


def _fault_claim_share():
    # 寻甸县塘子街道 2023 决算: 公车 4.02 of 三公 11.96 is 33.61%, printed 占 89.33%
    return panel(claims=[claim("c002", "三公经费", "11.96", basis="决算", key="d/2023-final"),
                         claim("c020", "公务用车购置及运行维护费", "4.02", basis="决算",
                               key="d/2023-final"),
                         claim("c021", "公务用车购置及运行维护费", "89.33", role="share",
                               parent="c020", base="c002", basis="决算", key="d/2023-final")])


def _fault_claim_completion():
    # 金华市救助管理站 2021: 500.12 against 年初预算 472.9 is 105.76%, printed 完成 27.22%
    return panel(claims=[claim("c001", "财政拨款支出", "500.12", basis="决算",
                               key="d/2021-final"),
                         claim("c002", "财政拨款支出", "472.9", role="prior_amount",
                               parent="c001", year=2021, basis="预算", key="d/2021-final"),
                         claim("c003", "财政拨款支出", "27.22", role="completion_pct",
                               parent="c001", base="c002", basis="决算", key="d/2021-final")])


def _sangong_changes(operation: str) -> list[dict]:
    # 昆明市科技局 2018 决算 (元 → 万元): 三公 比2017年减少 51.837824 = 46.69648 + 3.334844
    # + 1.8065
    k, b = "d/2018-final", "决算"
    return [claim("c002", "三公经费", "11.574956", key=k, basis=b),
            claim("c004", "因公出国（境）费", "3.8069", parent="c002", parts="complete", key=k,
                  basis=b),
            claim("c006", "公务用车购置及运行维护费", "6.105156", parent="c002",
                  parts="complete", key=k, basis=b),
            claim("c008", "公务接待费", "1.6629", parent="c002", parts="complete", key=k,
                  basis=b),
            claim("c010", "三公经费", "-51.837824", role="change", parent="c002", year=2017,
                  key=k, basis=b),
            claim("c012", "因公出国（境）费", "-46.69648", role="change", parent="c004",
                  year=2017, key=k, basis=b),
            claim("c014", "公务用车购置及运行维护费", operation, role="change", parent="c006",
                  year=2017, key=k, basis=b),
            claim("c016", "公务接待费", "-1.8065", role="change", parent="c008", year=2017,
                  key=k, basis=b)]


def _fault_claim_itemised_change():
    return panel(claims=_sangong_changes("-2.334844"))


def _sangong_priors(vehicle: str) -> list[dict]:
    # 三公 57 in 2015 = 出国 0 + 接待 12 + 车辆 45, each printed as 2015 年 … 万元
    return [claim("c001", "三公经费", "50"),
            claim("c002", "三公经费", "57", role="prior_amount", parent="c001"),
            claim("c003", "因公出国（境）费", "0", parent="c001", parts="complete"),
            claim("c004", "因公出国（境）费", "0", role="prior_amount", parent="c003"),
            claim("c005", "公务接待费", "10", parent="c001", parts="complete"),
            claim("c006", "公务接待费", "12", role="prior_amount", parent="c005"),
            claim("c007", "公务用车购置及运行维护费", "40", parent="c001", parts="complete"),
            claim("c008", "公务用车购置及运行维护费", vehicle, role="prior_amount",
                  parent="c007")]


def _fault_claim_prior_parts():
    return panel(claims=_sangong_priors("40"))


def _fault_claim_same_figure():
    # 基本支出 stated in the structure section and again in its own section, one digit swapped
    return panel(claims=[
        claim("c004", "基本支出", "630.34", table="t05", item="合计", column="basic",
              sentence="基本支出 630.34 万元，占 1.88%"),
        claim("c012", "基本支出", "603.34", table="t05", item="合计", column="basic",
              sentence="基本支出 603.34 万元", source_line=137)])


def _fault_code_hierarchy_rows():
    return panel([cell("t03", "204", "project", "10"), cell("t03", "20406", "project", "20")])


def _fault_row_parts():
    return panel([cell("t06", "301", "amount", "10.00"),
                  cell("t06", "301", "personnel", "5.00"), cell("t06", "301", "public", "4.00")])


def _fault_shared_columns():
    return panel([cell("t01", "支出总计", "personnel", "20.00", side="支出"),
                  cell("t01", "支出总计", "amount", "30.00", side="支出"),
                  cell("t05", "合计", "total", "30.00"),
                  cell("t06", "合计", "personnel", "19.00")])


def _fault_code_names():
    return panel([cell("t05", "210", "total", "1", name="卫生健康支出")],
                 meta={KEY: {"narrative_code_names": [
                     {"code": "210", "name": "医疗卫生与计划生育支出", "source_line": 9}]}})


FAULTS = {
    rule_code_level: _fault_code_level, rule_tables_present: _fault_tables_present,
    rule_code_hierarchy: _fault_code_hierarchy, rule_row_total: _fault_row_total,
    rule_outline: _fault_outline, rule_totals: _fault_totals,
    rule_cross_table: _fault_cross_table, rule_function_rows: _fault_function_rows,
    rule_claim_table: _fault_claim_table, rule_claim_change: _fault_claim_change,
    rule_claim_change_pct: _fault_claim_change_pct, rule_claim_parts: _fault_claim_parts,
    rule_claim_share: _fault_claim_share, rule_claim_completion: _fault_claim_completion,
    rule_claim_itemised_change: _fault_claim_itemised_change,
    rule_claim_prior_parts: _fault_claim_prior_parts,
    rule_claim_same_figure: _fault_claim_same_figure,
    rule_prior_year: _fault_prior_year,
    rule_claim_restated: _fault_claim_restated,
    rule_code_hierarchy_rows: _fault_code_hierarchy_rows, rule_row_parts: _fault_row_parts,
    rule_shared_columns: _fault_shared_columns, rule_code_names: _fault_code_names,
}
RULE_IDS = [r.__name__ for r in RULES]


def test_every_rule_has_a_planted_fault_here():
    assert set(FAULTS) == set(RULES)


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_rule_fires_on_its_fault_with_the_finding_columns(rule):
    found = rule(FAULTS[rule]())
    assert len(found) >= 1
    assert sorted(found.columns) == sorted([*INNER_COLUMNS, *FINDING_COLUMNS])
    assert set(found["severity"]) <= set(SEVERITIES)
    finding_schema().validate(found)


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_rule_emits_only_the_ids_it_declares(rule):
    declared = REGISTRY[rule.__name__.removeprefix("rule_")].emits
    assert set(rule(FAULTS[rule]())["rule"]) <= set(declared)


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_rule_is_quiet_on_an_empty_panel(rule):
    found = rule(panel(meta={KEY: {}}))
    assert found.empty
    assert sorted(found.columns) == sorted([*INNER_COLUMNS, *FINDING_COLUMNS])


# ---------------------------------------------------------------------------
# code_level
# ---------------------------------------------------------------------------

def test_code_level_quiet_on_valid_codes():
    quiet(rule_code_level(panel([
        cell("t05", "206", "total", "1"), cell("t05", "20601", "total", "1"),
        cell("t05", "2060101", "total", "1"),
        cell("t06", "301", "amount", "1"), cell("t06", "30101", "amount", "1")])))


def test_code_level_flags_a_four_digit_function_code():
    one(rule_code_level(panel([cell("t05", "2060", "total", "1")])), "code_level", "error",
        expected=None, actual=None, item="2060", table="t05")


def test_code_level_flags_a_seven_digit_economic_code():
    one(rule_code_level(panel([cell("t06", "3010101", "amount", "1")])), "code_level", "error",
        expected=None, actual=None, item="3010101", table="t06")


def test_a_code_printed_on_two_rows_is_a_duplicate_row():
    f = one(rule_code_level(panel([cell("t05", "20601", "total", "1", row=1),
                                   cell("t05", "20601", "total", "1", row=2,
                                        source_line=7)])),
            "duplicate_row", "error", expected=None, actual=None, item="20601")
    assert f["source_line"] == 7


# ---------------------------------------------------------------------------
# tables_present
# ---------------------------------------------------------------------------

def _tables(*tids, **titles):
    return {t: table_meta(t, title=titles.get(t), title_line=9) for t in tids}


def test_tables_present_quiet_on_the_full_template():
    quiet(rule_tables_present(panel(meta={KEY: {"tables": _tables(*REQUIRED_TABLES)}})))


def test_tables_present_quiet_on_a_partial_disclosure():
    quiet(rule_tables_present(panel(meta={KEY: {"tables": _tables("t09")}})))


def test_full_template_lacking_t06_is_a_warning():
    tids = [t for t in REQUIRED_TABLES if t != "t06"]
    one(rule_tables_present(panel(meta={KEY: {"tables": _tables(*tids)}})), "table_missing",
        "warning", expected=None, actual=None, table="t06")


def test_title_year_other_than_the_document_year_is_a_warning():
    f = one(rule_tables_present(panel(meta={KEY: {"tables": _tables(
        "t09", t09="2017年“三公”经费预算表")}})), "title_year", "warning", expected=None,
        actual=None, table="t09", item="2017年“三公”经费预算表")
    assert f["source_line"] == 9


def test_title_with_the_document_year_is_quiet():
    quiet(rule_tables_present(panel(meta={KEY: {"tables": _tables(
        "t09", t09="2018年“三公”经费预算表")}})))


# ---------------------------------------------------------------------------
# code_hierarchy: 类 = Σ款, 款 = Σ项
# ---------------------------------------------------------------------------

def _lei(lei: str, *kuan: str):
    return panel([cell("t05", "206", "total", lei)]
                 + [cell("t05", f"2060{i + 1}", "total", v) for i, v in enumerate(kuan)])


def test_lei_equal_to_its_kuan_is_quiet():
    quiet(rule_code_hierarchy(_lei("28,425.71", "1,691.71", "26,734.00")))


def test_lei_not_equal_to_its_kuan_is_an_error():
    one(rule_code_hierarchy(_lei("28,425.71", "1,691.71", "26,000.00")), "code_hierarchy",
        "error", expected="27691.71", actual="28425.71", item="206", table="t05")


def _kuan(kuan: str):
    # four figures printed to 0.01: Σ ulp = 0.04, so up to 0.02 off is rounding
    return panel([cell("t05", "20601", "total", kuan),
                  cell("t05", "2060101", "total", "0.01"),
                  cell("t05", "2060102", "total", "0.01"),
                  cell("t05", "2060199", "total", "1.00")])


def test_kuan_equal_to_its_xiang_is_quiet():
    quiet(rule_code_hierarchy(_kuan("1.02")))


@pytest.mark.parametrize(("kuan", "severity"), [
    ("1.03", "rounding"),  # 0.01 off: just inside
    ("1.04", "rounding"),  # 0.02 off: 2 × 0.02 = Σ ulp 0.04, the inclusive boundary
    ("1.05", "error"),     # 0.03 off: just outside
])
def test_kuan_against_its_xiang_within_and_beyond_rounding(kuan, severity):
    one(rule_code_hierarchy(_kuan(kuan)), "code_hierarchy", severity, expected="1.02",
        actual=kuan, item="20601")


def test_code_hierarchy_checks_every_column():
    p = panel([cell("t05", "20601", "total", "10"), cell("t05", "20601", "basic", "7"),
               cell("t05", "2060101", "total", "10"), cell("t05", "2060101", "basic", "4")])
    f = one(rule_code_hierarchy(p), "code_hierarchy", "error", expected="4", actual="7")
    assert "基本支出" in f["message"]


def test_procurement_codes_are_no_function_hierarchy():
    quiet(rule_code_hierarchy(panel([cell("t08", "A02", "total", "5"),
                                     cell("t08", "A0201", "total", "5", level=2)])))


# ---------------------------------------------------------------------------
# row_total: 合计 = 基本支出 + 项目支出
# ---------------------------------------------------------------------------

def _row(total: str, basic: str, project: str):
    return panel([cell("t05", "206", "total", total), cell("t05", "206", "basic", basic),
                  cell("t05", "206", "project", project)])


def test_row_total_equal_to_basic_plus_project_is_quiet():
    quiet(rule_row_total(_row("28,425.71", "521.98", "27,903.73")))


@pytest.mark.parametrize(("project", "severity"), [
    ("40.05", "rounding"),  # Σ ulp = 0.1 + 0.01 + 0.01 = 0.12: 0.05 off is inside
    ("40.06", "rounding"),  # 2 × 0.06 = 0.12: the inclusive boundary
    ("40.07", "error"),     # 2 × 0.07 = 0.14 > 0.12
])
def test_row_total_within_and_beyond_rounding(project, severity):
    one(rule_row_total(_row("100.0", "60.00", project)), "row_total", severity,
        expected=str(D("60.00") + D(project)), actual="100", item="206")


def test_row_total_reads_an_empty_basic_cell_as_zero():
    one(rule_row_total(_row("100.00", "", "60.00")), "row_total", "error", expected="60",
        actual="100")


# ---------------------------------------------------------------------------
# outline: 一、 = Σ（一）…
# ---------------------------------------------------------------------------

def _t07(basic: str, *parts: str):
    labels = ("（一）人员经费", "（二）离退休经费", "（三）公用经费")
    return panel([cell("t07", "合计", "amount", "9,999"),  # a level-0 total is no outline parent
                  cell("t07", "一、基本支出", "amount", basic)]
                 + [cell("t07", label, "amount", v) for label, v in zip(labels, parts,
                                                                         strict=False)]
                 + [cell("t07", "二、项目支出", "amount", "5")])


def test_outline_parent_equal_to_its_children_is_quiet():
    quiet(rule_outline(_t07("630.33", "486.71", "108.36", "35.26")))


def test_outline_seed_basic_expenditure_is_rounding():
    # the seed's t07: 486.71 + 108.36 + 35.26 = 630.33, printed 630.34
    one(rule_outline(_t07("630.34", "486.71", "108.36", "35.26")), "outline", "rounding",
        expected="630.33", actual="630.34", item="一、基本支出", table="t07")


def test_outline_parent_far_from_its_children_is_an_error():
    one(rule_outline(_t07("640", "486.71", "108.36", "35.26")), "outline", "error",
        expected="630.33", actual="640", item="一、基本支出")


# ---------------------------------------------------------------------------
# totals: 合计 = Σ类; 本年支出合计 = Σ rows above; 支出总计 = 本年支出合计 + rows between
# ---------------------------------------------------------------------------

def _t05_total(total: str):
    return panel([cell("t05", "合计", "total", total), cell("t05", "206", "total", "60.00"),
                  cell("t05", "20601", "total", "60.00"), cell("t05", "208", "total", "40.00")])


def test_total_equal_to_the_sum_of_lei_is_quiet():
    quiet(rule_totals(_t05_total("100.00")))


@pytest.mark.parametrize(("total", "severity"), [("100.01", "rounding"), ("100.02", "error")])
def test_total_against_the_sum_of_lei(total, severity):
    # three figures of 0.01: Σ ulp = 0.03, so 0.01 is inside and 0.02 outside
    one(rule_totals(_t05_total(total)), "totals", severity, expected="100", actual=total,
        item="合计", table="t05")


def _t03(year_total: str, grand: str):
    return panel([cell("t03", "科学技术支出", "amount", "60"),
                  cell("t03", "科学技术管理事务", "amount", "60", level=2),
                  cell("t03", "社会保障和就业支出", "amount", "40"),
                  cell("t03", "本年支出合计", "amount", year_total),
                  cell("t03", "结转下年", "amount", "5"),
                  cell("t03", "支出总计", "amount", grand)])


def test_year_and_grand_totals_that_add_up_are_quiet():
    quiet(rule_totals(_t03("100", "105")))


def test_year_total_not_equal_to_the_rows_above_is_an_error():
    # 60 + 40 = 100 (the level-2 row is not counted); 支出总计 107 = 102 + 5 holds
    one(rule_totals(_t03("102", "107")), "totals", "error", expected="100", actual="102",
        item="本年支出合计", table="t03")


def test_grand_total_not_equal_to_year_total_plus_rows_between_is_an_error():
    one(rule_totals(_t03("100", "107")), "totals", "error", expected="105", actual="107",
        item="支出总计")


def test_grand_total_without_a_year_total_is_still_checked():
    one(rule_totals(panel([cell("t02", "一、财政预算拨款", "amount", "100"),
                           cell("t02", "二、事业收入", "amount", "50"),
                           cell("t02", "收入总计", "amount", "200")])),
        "totals", "error", expected="150", actual="200")


# ---------------------------------------------------------------------------
# cross_table: the same total printed in different tables
# ---------------------------------------------------------------------------

_FACT = {fact: (tid, side, item, column) for fact, tid, side, item, column in FACTS}


def _fact(fact: str, printed: str, key: str = KEY) -> dict:
    tid, side, item, column = _FACT[fact]
    return cell(tid, item or "测试局", column, printed, side=side, key=key)


@pytest.mark.parametrize(("a", "b"), IDENTITIES, ids=[f"{a} = {b}" for a, b in IDENTITIES])
def test_cross_table_identity(a, b):
    # two department-years in one panel: equal in one (quiet), different in the other
    p = panel([_fact(a, "630.34", "same/2018"), _fact(b, "630.34", "same/2018"),
               _fact(a, "630.34", "diff/2018"), _fact(b, "630.00", "diff/2018")])
    f = one(rule_cross_table(p), "cross_table", "error", expected="630.34", actual="630.00",
            item=f"{a} = {b}", table=f"{a.split()[0]}/{b.split()[0]}")
    assert f["key"] == "diff/2018"


def test_t05_basic_against_t06_total_one_cent_off_is_rounding():
    one(rule_cross_table(panel([_fact("t05 基本支出", "630.34"), _fact("t06 合计", "630.35")])),
        "cross_table", "rounding", expected="630.34", actual="630.35")


def test_t06_vehicle_operation_against_t09():
    p = panel([cell("t06", "30231", "amount", "3.9", name="公务用车运行维护费"),
               cell("t09", "测试局", "vehicle_operation", "4.5")])
    one(rule_cross_table(p), "cross_table", "error", expected="3.9", actual="4.5",
        table="t06/t09")


# ---------------------------------------------------------------------------
# function_rows: t01/t03/t04 rows against t05 rows of the same name and level
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "side"), [("t01", "支出"), ("t03", ""), ("t04", "支出")])
@pytest.mark.parametrize(("printed", "severity"), [
    ("1,691.71", None), ("1,691.72", "rounding"), ("1,700.00", "error")])
def test_function_row_against_t05(table, side, printed, severity):
    p = panel([cell("t05", "20601", "total", "1,691.71", name="科学技术管理事务"),
               cell(table, "科学技术管理事务", "amount", printed, level=2, side=side)])
    found = rule_function_rows(p)
    if severity is None:
        quiet(found)
    else:
        one(found, "function_rows", severity, expected="1691.71", actual=printed.replace(
            ",", ""), item="科学技术管理事务", table=table)


def test_function_rows_match_on_level_as_well_as_name():
    # 其他科学技术支出 is both a 款 (20699) and a 项 (2069999): each is matched at its level
    p = panel([cell("t05", "20699", "total", "26,380", name="其他科学技术支出"),
               cell("t05", "2069999", "total", "26,000", name="其他科学技术支出"),
               cell("t03", "其他科学技术支出", "amount", "26,380", level=2),
               cell("t03", "其他科学技术支出", "amount", "26,380", level=3)])
    one(rule_function_rows(p), "function_rows", "error", expected="26000", actual="26380")


# ---------------------------------------------------------------------------
# claim_table: a narrative figure against its table cell
# ---------------------------------------------------------------------------

_T07 = [cell("t07", "一、基本支出", "amount", "630.34"),
        cell("t07", "（一）人员经费", "amount", "486.71")]


@pytest.mark.parametrize(("stated", "severity"), [
    ("486.71", None),
    ("486.72", "rounding"),  # the seed: 2 × 0.01 = 0.01 + 0.01, the inclusive boundary
    ("486.73", "error"),
])
def test_claim_against_its_table_cell(stated, severity):
    found = rule_claim_table(panel(_T07, [claim("c021", "人员经费", stated, table="t07",
                                                item="人员经费", column="amount")]))
    if severity is None:
        quiet(found)
    else:
        one(found, "claim_table", severity, expected="486.71", actual=stated, item="人员经费",
            table="t07")


_T09 = [cell("t09", "测试局", "total", "5.0"), cell("t09", "测试局", "abroad", ""),
        cell("t09", "测试局", "vehicle_purchase", "1.0"),
        cell("t09", "测试局", "vehicle_operation", "3.9")]
# t09 as the seed prints it: no 公务用车购置及运行维护费 and no 机关运行经费 column
_T09_META = {KEY: {"tables": {"t09": table_meta(
    "t09", ["total", "abroad", "reception", "vehicle_purchase", "vehicle_operation"])}}}


def test_vehicle_claim_equal_to_purchase_plus_operation_is_quiet():
    quiet(rule_claim_table(panel(_T09, [claim("c087", "公务用车购置及运行维护费", "4.9",
                                              table="t09", column="vehicle")], _T09_META)))


def test_vehicle_claim_against_purchase_plus_operation():
    # t09 prints 购置费 1.0 and 运行维护费 3.9 but no 购置及运行维护费 column: 1.0 + 3.9 = 4.9
    one(rule_claim_table(panel(_T09, [claim("c087", "公务用车购置及运行维护费", "5.9",
                                            table="t09", column="vehicle")], _T09_META)),
        "claim_table", "error", expected="4.9", actual="5.9")


def test_claim_of_zero_on_an_empty_cell_is_quiet():
    quiet(rule_claim_table(panel(_T09, [claim("c082", "因公出国（境）费", "0", table="t09",
                                              column="abroad")], _T09_META)))


def test_an_empty_cell_is_read_as_zero_and_shown_for_review():
    # a blank may be a cell the reader did not see: 1.5 against it is for a person to look at
    one(rule_claim_table(panel(_T09, [claim("c082", "因公出国（境）费", "1.5", table="t09",
                                            column="abroad")], _T09_META)),
        "claim_table", "review", expected="0", actual="1.5")


def test_claim_naming_a_row_not_in_the_table_is_a_warning():
    one(rule_claim_table(panel(_T07, [claim("c030", "差旅费", "12.5", table="t07",
                                            item="差旅费", column="amount")])),
        "claim_table", "warning", expected=None, actual="12.5", table="t07")


def test_claim_on_a_column_the_table_does_not_print_is_not_checked():
    # the seed's 机关运行经费 29 万元 names t09 office_operation, which t09 does not print
    quiet(rule_claim_table(panel(_T09, [claim("c103", "机关运行经费", "29", table="t09",
                                              column="office_operation")], _T09_META)))


@pytest.mark.parametrize(("stated", "severity"), [("455", None), ("500", "error")])
def test_claim_on_the_sum_of_a_column(stated, severity):
    p = panel([cell("t12", "智慧福田“WIFI”通工程维护费", "total", "300"),
               cell("t12", "技术平台运营", "total", "155")],
              [claim("c097", "绩效项目金额", stated, table="t12", item="Σ", column="total")])
    found = rule_claim_table(p)
    if severity is None:
        quiet(found)
    else:
        one(found, "claim_table", "error", expected="455", actual=stated)


# ---------------------------------------------------------------------------
# claim_change: change = amount − prior
# ---------------------------------------------------------------------------

def _change(amount: str, prior: str, change: str):
    return panel(claims=[claim("c010", "收支总计", amount),
                         claim("c011", "收支总计", prior, role="prior_amount", parent="c010"),
                         claim("c012", "收支总计", change, role="change", parent="c010")])


def test_stated_change_equal_to_amount_minus_prior_is_quiet():
    # the seed: 33,534.08 − 19,332.80 = 14,201.28
    quiet(rule_claim_change(_change("33,534.08", "19,332.80", "14,201.28")))


def test_stated_change_far_from_amount_minus_prior_is_an_error():
    one(rule_claim_change(_change("33,534.08", "19,332.80", "14,201.00")), "claim_change",
        "error", expected="14201.28", actual="14201.00", item="收支总计")


def test_stated_change_within_the_rounding_of_three_figures():
    # 9.4 − 9.9 = −0.5, stated −0.4: 2 × 0.1 = 0.2 <= 0.1 × 3
    one(rule_claim_change(_change("9.4", "9.9", "-0.4")), "claim_change", "rounding",
        expected="-0.5", actual="-0.4")


# ---------------------------------------------------------------------------
# claim_change_pct and pct_range
# ---------------------------------------------------------------------------

def box(printed: str) -> tuple[Fraction, Fraction]:
    """A printed figure as the interval of values it may round from."""
    value, ulp = Fraction(printed), Fraction(10) ** -len(printed.partition(".")[2])
    return value - ulp / 2, value + ulp / 2


def test_pct_range_of_062_against_050_holds_2222():
    lo, hi = pct_range(None, box("0.50"), box("0.62"))
    # (0.615 − 0.505) / 0.505 and (0.625 − 0.495) / 0.495, exactly
    assert lo == Fraction("0.110") / Fraction("0.505") * 100
    assert hi == Fraction("0.130") / Fraction("0.495") * 100
    assert lo <= Fraction("22.22") <= hi


def test_pct_range_of_143489_against_169069_excludes_minus_110():
    lo, hi = pct_range(None, box("1690.69"), box("1434.89"))
    assert Fraction("-15.14") < lo < hi < Fraction("-15.12")
    assert not lo <= Fraction("-1.10") <= hi


def test_pct_range_from_change_and_prior_and_from_amount_and_change():
    # 14,201.28 / 19,332.80 = 73.4566…%: 73.46% ± 0.005 (half its last digit) meets the range
    lo, hi = pct_range(box("14201.28"), box("19332.80"), None)
    assert Fraction("73.4568") < lo < hi < Fraction("73.4570")
    assert Fraction("73.455") <= hi and lo <= Fraction("73.465")
    # 三公: 9.4 万元, change −0.5: prior 9.9, −0.5 / 9.9 = −5.0505…%
    lo, hi = pct_range(box("-0.5"), None, box("9.4"))
    assert lo <= Fraction("-5.05") <= hi


def test_pct_range_is_none_when_the_prior_can_be_zero():
    assert pct_range(None, box("0"), box("5")) is None


def _pct(stated: str, amount: str, prior: str | None = None, change: str | None = None):
    claims = [claim("c010", "测试", amount)]
    if prior is not None:
        claims.append(claim("c011", "测试", prior, role="prior_amount", parent="c010"))
    if change is not None:
        claims.append(claim("c012", "测试", change, role="change", parent="c010"))
    claims.append(claim("c013", "测试", stated, role="change_pct", parent="c010"))
    return panel(claims=claims)


@pytest.mark.parametrize(("stated", "amount", "prior", "change"), [
    ("73.46", "33,534.08", "19,332.80", "14,201.28"),  # the seed's 收支总计
    ("-5.05", "9.4", None, "-0.5"),                     # the seed's 三公: prior 9.9 derived
    ("-8.33", "5.5", None, "-0.5"),                     # the seed's 公务接待费
    ("-3.33", "29", None, "-1"),                        # the seed's 机关运行经费
], ids=["73.46%", "三公 -5.05%", "接待 -8.33%", "机关运行 -3.33%"])
def test_seed_percentages_are_quiet(stated, amount, prior, change):
    quiet(rule_claim_change_pct(_pct(stated, amount, prior, change)))


def test_2222_for_062_against_050_is_consistent():
    # exact (0.62 − 0.50) / 0.50 = 24.00%, but 22.22% is inside [21.78%, 26.26%]
    found = rule_claim_change_pct(_pct("22.22", "0.62", "0.50"))
    assert "error" not in set(found["severity"])
    one(found, "claim_change_pct", "rounding", expected="24.00", actual="22.22")


def test_minus_110_for_143489_against_169069_is_an_error():
    # (1434.89 − 1690.69) / 1690.69 = −15.13%
    one(rule_claim_change_pct(_pct("-1.10", "1434.89", "1690.69")), "claim_change_pct",
        "error", expected="-15.13", actual="-1.10")


@pytest.mark.parametrize(("stated", "severity"), [("30.1", "rounding"), ("30.2", "error")])
def test_percentage_half_a_unit_past_the_range_is_the_boundary(stated, severity):
    # change 0.1502 ∈ [0.15015, 0.15025], prior 1 ∈ [0.5, 1.5]: the range tops at
    # 0.15025 / 0.5 = 30.05%; 30.1 − 0.05 = 30.05 touches it, 30.2 − 0.05 does not
    one(rule_claim_change_pct(_pct(stated, "1.1502", "1", "0.1502")), "claim_change_pct",
        severity, expected="15.0", actual=stated)


# ---------------------------------------------------------------------------
# claim_parts: complete parts sum to the whole; partial parts do not exceed it
# ---------------------------------------------------------------------------

def _parts(whole: str, parts: list[str], kind: str):
    return panel(claims=[claim("c020", "基本支出", whole)]
                 + [claim(f"c02{i + 1}", f"第{i + 1}项", v, parent="c020", parts=kind)
                    for i, v in enumerate(parts)])


_SEED_BASIC = ["486.72", "108.36", "35.26"]  # the seed's narrative: 486.72 + 108.36 + 35.26


@pytest.mark.parametrize(("whole", "severity"), [
    ("630.34", None),
    ("630.35", "rounding"),  # 0.01 off, four 0.01 figures
    ("630.36", "rounding"),  # 0.02 off: the inclusive boundary
    ("630.37", "error"),
])
def test_complete_parts_against_the_whole(whole, severity):
    found = rule_claim_parts(_parts(whole, _SEED_BASIC, "complete"))
    if severity is None:
        quiet(found)
    else:
        one(found, "claim_parts", severity, expected="630.34", actual=whole, item="基本支出")


def test_complete_parts_far_below_the_whole_are_an_error():
    one(rule_claim_parts(_parts("630.34", ["400", "108.36", "35.26"], "complete")),
        "claim_parts", "error", expected="543.62", actual="630.34")


def test_partial_parts_exceeding_the_whole_are_an_error():
    one(rule_claim_parts(_parts("5.5", ["5.0", "0.8"], "partial")), "claim_parts", "error",
        expected="5.8", actual="5.5")


@pytest.mark.parametrize("parts", [["5.0"], ["5", "0.5"]], ids=["below", "equal"])
def test_partial_parts_not_exceeding_the_whole_are_quiet(parts):
    quiet(rule_claim_parts(_parts("5.5", parts, "partial")))


def test_counts_are_exact():
    p = panel(claims=[claim("c005", "编外", "16", role="count", unit="人"),
                      claim("c006", "雇员人数", "2", role="count", unit="人", parent="c005",
                            parts="complete"),
                      claim("c007", "劳务派遣人数", "13", role="count", unit="人",
                            parent="c005", parts="complete")])
    f = rule_claim_parts(p)
    assert list(f["severity"]) == ["error"]


# ---------------------------------------------------------------------------
# prior_year: a prior-year figure against that year's own document
# ---------------------------------------------------------------------------

def _years(stated: str, then: str, *, basis: str = "预算", then_key: str = "d/2017",
           extra: list[dict] = ()):
    return panel(claims=[
        claim("c010", "收支总计", "33,534.08", key="d/2018"),
        claim("c011", "收支总计", stated, role="prior_amount", parent="c010", basis=basis,
              key="d/2018"),
        # a final account states its own figures as 决算
        claim("c001", "收支总计", then, key=then_key,
              basis="决算" if then_key.endswith("-final") else "预算"), *extra])


def test_prior_year_figure_equal_to_that_years_document_is_quiet():
    quiet(rule_prior_year(_years("19,332.80", "19,332.80")))


def test_prior_year_figure_not_in_that_years_document_is_an_error():
    f = one(rule_prior_year(_years("19,332.80", "19,000")), "prior_year", "error",
            expected="19000", actual="19332.80", item="收支总计")
    assert (f["key"], f["year"]) == ("d/2018", 2018)


def test_a_stated_budget_is_not_compared_with_a_final_account():
    quiet(rule_prior_year(_years("19,332.80", "19,000", then_key="d/2017-final")))


def test_a_stated_execution_figure_is_compared_with_the_final_account():
    one(rule_prior_year(_years("19,332.80", "19,000", basis="执行数", then_key="d/2017-final")),
        "prior_year", "error", expected="19000", actual="19332.80")


def test_a_stated_budget_is_compared_with_the_budget_when_both_exist():
    extra = [claim("c001", "收支总计", "19,000", key="d/2017-final", basis="决算")]
    quiet(rule_prior_year(_years("19,332.80", "19,332.80", extra=extra)))


@pytest.mark.parametrize(("then", "severity"), [("9.9", None), ("12.0", "error")])
def test_prior_year_implied_by_a_stated_change(then, severity):
    # 三公 2018: 9.4 万元, 减少 0.5 万元 → 2017 was 9.9 万元
    p = panel(claims=[claim("c079", "三公经费", "9.4", key="d/2018"),
                      claim("c080", "三公经费", "-0.5", role="change", parent="c079",
                            key="d/2018"),
                      claim("c001", "三公经费", then, key="d/2017")])
    found = rule_prior_year(p)
    if severity is None:
        quiet(found)
    else:
        one(found, "prior_year", "error", expected=then, actual="9.9")


def test_a_single_department_year_has_no_prior_year_finding():
    quiet(rule_prior_year(_change("33,534.08", "19,000", "14,534.08")))


# ---------------------------------------------------------------------------
# Running over a panel
# ---------------------------------------------------------------------------

def test_findings_stay_with_their_department_year():
    p = panel([cell("t05", "206", "total", "10", key="a/2018"),
               cell("t05", "20601", "total", "10", key="a/2018"),
               cell("t05", "206", "total", "10", key="b/2018"),
               cell("t05", "20601", "total", "7", key="b/2018")])
    f = one(rule_code_hierarchy(p), "code_hierarchy", "error", expected="7", actual="10")
    assert (f["key"], f["department"]) == ("b/2018", "b")


def test_run_rules_sorts_errors_before_rounding_before_warnings():
    tids = [t for t in REQUIRED_TABLES if t != "t06"]
    # a part read from position (inferred) that exceeds its whole: review
    doubtful = [claim("c001", "三公经费", "10"),
                claim("c002", "公务接待费", "12", parent="c001", parts="partial",
                      certainty="inferred")]
    p = panel([cell("t05", "20601", "total", "1.03"), cell("t05", "2060101", "total", "1.02"),
               cell("t05", "206", "total", "9"), cell("t05", "20602", "total", "1")],
              doubtful, meta={KEY: {"tables": {t: table_meta(t) for t in tids}}})
    found = run_rules(p)
    assert list(found["severity"]) == sorted(found["severity"], key=SEVERITIES.index)
    assert set(found["severity"]) == set(SEVERITIES)


# ---------------------------------------------------------------------------
# The real seed: 深圳市福田区科技创新局 2018 budget
# ---------------------------------------------------------------------------

#: The 13 real small inconsistencies of the seed, each checked by hand in the seed text.
SEED_ROUNDING = {
    # line 139: 在职人员经费支出 486.72 万元; t07 line 675: （一）人员经费 486.71
    ("claim_table", "t07", "人员经费", "486.71", "486.72"),
    # t05 line 565: 20601 1,691.71; its 项 521.98 + 564.64 + 605.1 = 1,691.72
    ("code_hierarchy", "t05", "20601", "1691.72", "1691.71"),
    # t01 line 329, t03 line 441, t04 line 501: 科学技术管理事务 1,691.71 over
    # 行政运行 521.98 + 一般行政管理事务 564.64 + 其他科学技术管理事务支出 605.1 = 1,691.72
    ("outline", "t01", "科学技术管理事务", "1691.72", "1691.71"),
    ("outline", "t03", "科学技术管理事务", "1691.72", "1691.71"),
    ("outline", "t04", "科学技术管理事务", "1691.72", "1691.71"),
    # t07 line 673: 一、基本支出 630.34; 486.71 + 108.36 + 35.26 = 630.33
    ("outline", "t07", "一、基本支出", "630.33", "630.34"),
    # t05 line 563: 206 合计 28,425.71; 基本 521.98 + 项目 27,903.74 = 28,425.72
    ("row_total", "t05", "206", "28425.72", "28425.71"),
    # t05 line 565: 20601 合计 1,691.71; 基本 521.98 + 项目 1,169.74 = 1,691.72
    ("row_total", "t05", "20601", "1691.72", "1691.71"),
    # t01 line 373, t03 line 475, t04 line 545: 本年支出合计 33,534.08 over
    # 科学技术支出 28,425.71 + 社会保障和就业支出 5,108.36 = 33,534.07
    ("totals", "t01", "本年支出合计", "33534.07", "33534.08"),
    ("totals", "t03", "本年支出合计", "33534.07", "33534.08"),
    ("totals", "t04", "本年支出合计", "33534.07", "33534.08"),
    # t05 line 561: 合计 33,534.08; 类 206 28,425.71 + 类 208 5,108.36 = 33,534.07
    ("totals", "t05", "合计", "33534.07", "33534.08"),
    # t06 line 613: 合计 630.34; 类 456.91 + 54.73 + 114.96 + 3.73 = 630.33
    ("totals", "t06", "合计", "630.33", "630.34"),
}


@pytest.fixture(scope="module")
def seed_findings(seed_budget) -> pd.DataFrame:
    """``fiscal.check(load_budget("futian-sti", 2018))`` on the committed data."""
    return check(seed_budget)


def test_seed_has_no_error(seed_findings):
    assert not (seed_findings["severity"] == "error").any()


def test_seed_has_exactly_its_13_rounding_findings(seed_findings):
    assert list(seed_findings.columns) == [*FINDING_COLUMNS, "id"]
    assert (seed_findings["severity"] == "rounding").all()
    got = {(r.rule, r.table, r.item, r.expected, r.actual) for r in seed_findings.itertuples()}
    want = {(rule, t, item, D(e), D(a)) for rule, t, item, e, a in SEED_ROUNDING}
    assert got == want
    assert len(seed_findings) == 13


@pytest.mark.parametrize("finding", sorted(SEED_ROUNDING), ids=lambda f: f"{f[0]}-{f[1]}-{f[2]}")
def test_seed_rounding_finding(seed_findings, finding):
    rule, table, item, expected, actual = finding
    hit = seed_findings[(seed_findings["rule"] == rule) & (seed_findings["table"] == table)
                        & (seed_findings["item"] == item)]
    f = one(hit, rule, "rounding", expected=expected, actual=actual)
    assert (f["department"], f["year"], f["kind"]) == ("futian-sti", 2018, "budget")


def test_seed_findings_point_at_the_line_that_prints_the_figure(seed_findings, seed_path):
    lines = seed_path.read_text(encoding="utf-8").splitlines()
    for f in seed_findings.itertuples():
        assert fmt(f.actual) in lines[f.source_line - 1], f.message


def test_panel_loader_and_budget_loader_give_the_same_findings(seed_findings, committed_dir):
    found = run_rules(load_panel({"futian-sti/2018": committed_dir}))[[*FINDING_COLUMNS, "id"]]
    pd.testing.assert_frame_equal(found.reset_index(drop=True),
                                  seed_findings.reset_index(drop=True))


# ---------------------------------------------------------------------------
# Templates with more columns (Shanghai): restated figures, row parts, shared columns, names
# ---------------------------------------------------------------------------

def test_claim_restated_error_and_quiet_when_equal():
    one(rule_claim_restated(_fault_claim_restated()), "claim_restated", "error",
        expected="207", actual="170.03", item="购房补贴")
    same = panel(claims=[claim("c001", "普法宣传", "124.29"),
                         claim("c002", "普法宣传", "124.29", parent="c001")])
    assert rule_claim_restated(same).empty
    # a part of a whole (parts set) is no restatement
    part = panel(claims=[claim("c001", "三公经费", "10.71"),
                         claim("c002", "公务接待费", "0.73", parent="c001", parts="complete")])
    assert rule_claim_restated(part).empty


def test_code_hierarchy_rows_in_an_uncoded_table():
    one(rule_code_hierarchy_rows(_fault_code_hierarchy_rows()), "code_hierarchy", "error",
        expected="20", actual="10", item="204", table="t03")


def test_row_parts_widest_split_and_rounding():
    one(rule_row_parts(_fault_row_parts()), "row_parts", "error", expected="9", actual="10")
    # t01: amount = personnel + public + project (not personnel + public alone)
    t01 = panel([cell("t01", "一、公共安全支出", c, v, side="支出")
                 for c, v in (("amount", "7918.94"), ("personnel", "1260.42"),
                              ("public", "174.47"), ("project", "6484.05"))])
    assert rule_row_parts(t01).empty
    off = panel([cell("t01", "一、公共安全支出", c, v, side="支出")
                 for c, v in (("amount", "7918.94"), ("personnel", "1260.42"),
                              ("public", "174.47"), ("project", "6484.06"))])
    one(rule_row_parts(off), "row_parts", "rounding", expected="7918.95", actual="7918.94")


def test_shared_columns_only_where_the_scopes_match():
    one(rule_shared_columns(_fault_shared_columns()), "shared_columns", "error",
        expected="19", actual="20", item="合计", table="t01/t06")
    # all funds (t01) differ from 一般公共预算 (t05): t01 and t06 are not comparable
    other = panel([cell("t01", "支出总计", "personnel", "20", side="支出"),
                   cell("t01", "支出总计", "amount", "40", side="支出"),
                   cell("t05", "合计", "total", "30"),
                   cell("t06", "合计", "personnel", "19")])
    assert rule_shared_columns(other).empty


def test_shared_columns_class_rows_by_name():
    p = panel([cell("t01", "一、公共安全支出", "amount", "10.00", side="支出"),
               cell("t03", "204", "total", "11.00", name="公共安全支出")])
    one(rule_shared_columns(p), "shared_columns", "error", expected="11", actual="10",
        item="204")


def test_code_names_warning():
    found = rule_code_names(_fault_code_names())
    f = one(found, "code_names", "warning", expected=None, actual=None, item="210")
    assert "卫生健康支出" in f["message"]
    same = panel([cell("t05", "210", "total", "1", name="卫生健康支出")],
                 meta={KEY: {"narrative_code_names": [{"code": "210", "name": "卫生健康支出"}]}})
    assert rule_code_names(same).empty


# ---------------------------------------------------------------------------
# Relations read with certainty; the rule families of shares, completion rates, itemised
# changes, prior-year parts and one figure stated twice
# ---------------------------------------------------------------------------

def test_a_share_of_its_whole_within_rounding_is_quiet():
    # 深圳市罗湖区清水河街道 2024 决算: 因公出国 0.94 of 三公 34.08 is 2.76%, printed 占 2.8%
    k = "d/2024-final"
    quiet(rule_claim_share(panel(claims=[
        claim("c001", "三公经费", "34.08", basis="决算", key=k),
        claim("c020", "因公出国（境）费", "0.94", basis="决算", key=k),
        claim("c021", "因公出国（境）费", "2.8", role="share", parent="c020", base="c001",
              basis="决算", key=k)])))


def test_a_share_that_is_another_figures_completion_rate_is_an_error():
    f = one(rule_claim_share(_fault_claim_share()), "claim_share", "error",
            expected="33.61", actual="89.33")
    assert "4.02" in f["message"] and "11.96" in f["message"]


def test_a_share_of_a_whole_taken_from_position_is_for_review():
    p = _fault_claim_share()
    p.claims.loc[p.claims["claim"] == "c021", "certainty"] = "inferred"
    one(rule_claim_share(p), "claim_share", "review", expected="33.61", actual="89.33")


@pytest.mark.parametrize(("stated", "severity", "computed"), [
    ("105.76", None, None), ("105.7", "rounding", "105.8"), ("27.22", "error", "105.76")])
def test_completion_rate_is_the_final_figure_over_the_budget(stated, severity, computed):
    # 500.12 / 472.9 = 105.7557…%; 105.7 lies in the range the printed figures allow
    p = _fault_claim_completion()
    p.claims.loc[p.claims["claim"] == "c003", "value"] = D(stated)
    p.claims.loc[p.claims["claim"] == "c003", "ulp"] = D("0.01") if "." in stated and len(
        stated.split(".")[1]) == 2 else D("0.1")
    found = rule_claim_completion(p)
    if severity is None:
        quiet(found)
    else:
        one(found, "claim_completion", severity, expected=computed, actual=stated)


def test_itemised_changes_that_add_up_are_quiet():
    quiet(rule_claim_itemised_change(panel(claims=_sangong_changes("-3.334844"))))


def test_an_itemised_change_off_by_one_is_an_error():
    one(rule_claim_itemised_change(_fault_claim_itemised_change()),
        "claim_itemised_change", "error", expected="-50.837824", actual="-51.837824")


def test_itemised_changes_need_every_part_to_state_one():
    claims = [c for c in _sangong_changes("-2.334844") if c["claim"] != "c016"]
    quiet(rule_claim_itemised_change(panel(claims=claims)))


def test_last_years_parts_add_up_to_last_years_whole():
    quiet(rule_claim_prior_parts(panel(claims=_sangong_priors("45"))))
    one(rule_claim_prior_parts(_fault_claim_prior_parts()), "claim_prior_parts", "error",
        expected="52", actual="57")


def test_one_figure_stated_twice_with_two_values_is_an_error():
    one(rule_claim_same_figure(_fault_claim_same_figure()), "claim_same_figure", "error",
        expected="630.34", actual="603.34")


def test_one_subject_under_two_scopes_is_for_review():
    p = _fault_claim_same_figure()
    p.claims.loc[p.claims["claim"] == "c012", "sentence"] = "全口径基本支出 603.34 万元"
    one(rule_claim_same_figure(p), "claim_same_figure", "review", expected="630.34",
        actual="603.34")


def test_parts_of_different_wholes_are_not_one_figure():
    # 深圳市政府办公厅 2011: 基本支出 4,453 of the whole, 基本支出 3,931 of one function item
    quiet(rule_claim_same_figure(panel(claims=[
        claim("c001", "支出总计", "6198", ulp="1"),
        claim("c002", "基本支出", "4453", ulp="1", table="t05", item="合计", column="basic",
              parent="c001", parts="complete"),
        claim("c004", "政府办公厅(室)及相关事务", "5631", ulp="1"),
        claim("c005", "基本支出", "3931", ulp="1", table="t05", item="合计", column="basic",
              parent="c004", parts="partial")])))


def test_two_bases_in_one_sentence_each_have_their_own_percentage():
    # 广东省财政厅 2023 决算: 62.07, 比上年决算数增加 38.97 增长 168.7%; 比2019年决算数减少
    # 24.87, 降低 28.6%
    k, b = "d/2023-final", "决算"
    claims = [claim("c001", "三公经费", "62.07", key=k, basis=b),
              claim("c002", "三公经费", "38.97", role="change", parent="c001", year=2022,
                    key=k, basis=b),
              claim("c003", "三公经费", "168.7", role="change_pct", parent="c001", year=2022,
                    key=k, basis=b),
              claim("c004", "三公经费", "-24.87", role="change", parent="c001", year=2019,
                    key=k, basis=b),
              claim("c005", "三公经费", "-28.6", role="change_pct", parent="c001", year=2019,
                    key=k, basis=b)]
    quiet(rule_claim_change_pct(panel(claims=claims)))
    claims[4]["value"] = D("-38.6")
    one(rule_claim_change_pct(panel(claims=claims)), "claim_change_pct", "error",
        expected="-28.6", actual="-38.6")


def test_a_change_read_with_doubt_that_fails_is_for_review():
    p = _fault_claim_change()
    p.claims.loc[p.claims["claim"] == "c003", "certainty"] = "inferred"
    one(rule_claim_change(p), "claim_change", "review", expected="5", actual="1")


def test_a_rule_that_raises_is_reported_and_the_others_still_run():
    def rule_broken(p):
        raise ValueError("max() arg is an empty sequence")

    broken = Rule("broken", rule_broken, {"broken": "坏规则"}, "坏规则", "总是出错", "review")
    found = run_rules(_fault_claim_change(), rules=[broken, *REGISTRY.values()])
    broken = found[found["rule"] == "broken"]
    assert list(broken["severity"]) == ["review"]
    assert "无法核对" in broken["message"].iloc[0]
    assert "claim_change" in set(found["rule"])


def test_relations_hold_or_fail_and_each_names_its_figures():
    rel, found = relations(_fault_claim_change())
    change = rel[rel["rule"] == "claim_change"]
    assert list(change["verdict"]) == ["error"]
    assert set(change["figures"].iloc[0]) == {"10万元", "5万元", "1万元"}
    rel, _ = relations(panel(claims=_sangong_changes("-3.334844")))
    assert set(rel.loc[rel["rule"] == "claim_itemised_change", "verdict"]) == {"holds"}
