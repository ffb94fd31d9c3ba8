"""fiscal.coverage: the ledger of what each rule could check, and the index's honest state."""

from __future__ import annotations

import pandas as pd
from panels import cell, panel

from fiscal.checks import REGISTRY, Rule, relations
from fiscal.coverage import COVERAGE_COLUMNS, coverage, state, summary, table_word
from fiscal.load import load_budget


def _row(ledger: pd.DataFrame, rule: str) -> dict:
    return ledger[ledger["rule"] == rule].iloc[0].to_dict()


def test_the_seed_ledger_lists_every_rule_with_what_it_checked():
    ledger = coverage(load_budget("futian-sti", 2018, "budget"))
    assert list(ledger.columns) == COVERAGE_COLUMNS
    assert list(ledger["rule"]) == list(REGISTRY)
    # the row-dict rules count what held, not only what failed
    assert _row(ledger, "code_level")["holds"] == 78
    assert _row(ledger, "tables_present")["relations"] == 26
    cross = _row(ledger, "cross_table")
    assert (cross["status"], cross["relations"], cross["holds"]) == ("applies", 13, 13)
    totals = _row(ledger, "totals")
    assert (totals["holds"], totals["rounding"], totals["error"]) == (14, 5, 0)
    assert _row(ledger, "prior_year")["reason"] == "无同一部门其他年度的文件"
    assert _row(ledger, "claim_completion")["reason"] == "正文无所述预算完成率"
    assert int(ledger["relations"].sum()) == 316
    assert summary(ledger).startswith(
        "核对 316 项关系；其中 303 项一致、13 项舍入差异；11 条规则不适用")
    assert state(ledger) == ("通过", "212 项关系")


def test_a_rule_whose_tables_are_not_printed_is_not_applicable_and_says_which():
    p = panel([cell("t09", "", "total", "12"), cell("t09", "", "abroad", "2"),
               cell("t09", "", "reception", "4"), cell("t09", "", "vehicle", "6")])
    ledger = coverage(p)
    shared = _row(ledger, "row_total")
    assert (shared["status"], shared["reason"]) == ("not applicable", "无表三、表五、表十、表十一")
    parts = _row(ledger, "row_parts")
    assert (parts["status"], parts["relations"], parts["holds"]) == ("applies", 1, 1)
    assert state(ledger) == ("部分核对", "0/4 项核心规则适用，1 项关系")


def test_a_document_with_no_figure_compared_is_not_checked():
    p = panel([cell("t09", "", "total", "12")])
    assert state(coverage(p))[0] == "未核对"


def test_a_rule_that_raises_could_not_check_with_its_reason(monkeypatch):
    def rule_broken(p):
        raise ValueError("boom")

    broken = Rule("totals", rule_broken, {"totals": "合计行"}, "合计行", "…", "…", core=True)
    monkeypatch.setitem(REGISTRY, "totals", broken)
    p = panel([cell("t05", "206", "total", "1"), cell("t05", "20601", "total", "1")])
    rel, found = relations(p)
    row = _row(coverage(p, rel, found), "totals")
    assert row["status"] == "could not check"
    assert row["reason"].startswith("无法核对（规则 totals 运行出错：ValueError('boom')")
    assert row["relations"] == 0


def test_relations_name_the_registered_rule_that_made_them():
    rel, _ = relations(panel([cell("t05", "206", "total", "3"),
                              cell("t05", "20601", "total", "1"),
                              cell("t05", "20602", "total", "2")]))
    hier = rel[rel["rule"] == "code_hierarchy"]
    assert set(hier["by_rule"]) == {"code_hierarchy"} and set(hier["verdict"]) == {"holds"}


def test_table_words():
    assert [table_word(t) for t in ("t01", "t06", "t10", "t11", "t13")] == [
        "表一", "表六", "表十", "表十一", "表十三"]
