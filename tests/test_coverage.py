"""fiscal.coverage: the ledger of what each rule could check, and the index's honest state."""

from __future__ import annotations

import pandas as pd
from panels import cell, panel

from fiscal.checks import REGISTRY, Rule, relations
from fiscal.config import Settings
from fiscal.coverage import (
    COVERAGE_COLUMNS,
    REASONS,
    account,
    coverage,
    numbers,
    numbers_line,
    state,
    summary,
    table_word,
)
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
    assert state(ledger) == ("通过", "4/4 项核心规则适用，316 项关系")


def test_a_rule_whose_tables_are_not_printed_is_not_applicable_and_says_which():
    p = panel([cell("t09", "", "total", "12"), cell("t09", "", "abroad", "2"),
               cell("t09", "", "reception", "4"), cell("t09", "", "vehicle", "6")])
    ledger = coverage(p)
    shared = _row(ledger, "row_total")
    assert (shared["status"], shared["reason"]) == ("not applicable", "无表三、表五、表十、表十一")
    parts = _row(ledger, "row_parts")
    assert (parts["status"], parts["relations"], parts["holds"]) == ("applies", 1, 1)
    assert state(ledger) == ("部分核对", "0/4 项核心规则适用，2 项关系")  # + t09 not cut


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


def test_every_number_the_seed_prints_is_accounted_for():
    b = load_budget("futian-sti", 2018, "budget")
    counts, uncaptured = numbers(b)
    assert counts == {"printed": 476, "captured": 330, "amounts_printed": 237,
                      "amounts_captured": 237}
    assert set(uncaptured["reason"]) <= set(REASONS)
    # Justified: the four unexplained numbers are the asset standard of the 国有资产 section
    # (单位价值 50 万以上通用设备, 100 万以上专用设备): thresholds that name which equipment is
    # counted, not figures of the budget, so no rule has anything to compare them with.
    odd = uncaptured[uncaptured["reason"] == "unexplained"]
    assert list(zip(odd["line"], odd["number"], strict=True)) == [
        (277, "50"), (279, "100"), (283, "50"), (283, "100")]
    lines = (b.folder / "source.txt").read_text(encoding="utf-8").split("\n")
    assert all(f"{n} 万以上" in lines[line - 1] for line, n in zip(odd["line"], odd["number"],
                                                                   strict=True))
    assert numbers_line(counts, uncaptured).startswith(
        "原文印出数字 476 个，已读入 330 个；金额 237 个全部读入；未读入的 146 个：日期 3、年份 23")


def test_each_uncaptured_number_gets_its_reason():
    text = "\n".join([
        "截至 2018 年 1月 31 日，共有车辆 3辆。",   # 2018 year, 1 and 31 a date, 3 a count
        "一、部门收入 1,234.56 万元",                # 一、 no digit; the amount captured below
        "依据福财〔2018〕12号文，科目 2080501。",     # 〔2018〕 year, 12号 a code, 2080501 code
        "联系电话：83918888",                        # phone
        "第 3 页",                                   # page
        "另有 77 元不知所云",                         # unexplained amount
    ])
    claims = pd.DataFrame({"source_line": [2], "printed": ["1,234.56 万元"],
                           "value": ["1234.56"]})
    counts, odd = account(text, pd.DataFrame(), claims)
    assert list(zip(odd["number"], odd["reason"], strict=True)) == [
        ("2018", "year"), ("1", "date"), ("31", "date"), ("3", "count"), ("2018", "year"),
        ("12", "code"), ("2080501", "code"), ("83918888", "phone"), ("3", "page"),
        ("77", "unexplained")]
    assert (counts["amounts_printed"], counts["amounts_captured"]) == (2, 1)


def test_the_index_state_of_five_committed_department_years():
    settings = Settings.from_env()
    budgets = [load_budget(dy.slug, dy.year, dy.kind, settings) for dy in settings.dept_years()]
    rel, found = relations(budgets)
    ledger = coverage(budgets, rel, found)

    def of(slug: str, year: int, kind: str) -> tuple[str, str]:
        mine = ledger[(ledger["department"] == slug) & (ledger["year"] == year)
                      & (ledger["kind"] == kind)]
        errors = int(((found["department"] == slug) & (found["year"] == year)
                      & (found["kind"] == kind) & (found["severity"] == "error")).sum())
        return state(mine, errors)

    # the seed: the full Shenzhen set of tables and a narrative; every core rule applied and
    # only rounding differences
    assert of("futian-sti", 2018, "budget") == ("通过", "4/4 项核心规则适用，316 项关系")
    # a 三公 note of 福田民政 without a table: its two lists of parts add up (5.3 = 0 + 0.50
    # + 4.80; 4.80 = 0 + 4.80), but no core rule applies — 部分核对, not 通过 as before
    assert of("szft-minzheng", 2026, "budget") == ("部分核对", "0/4 项核心规则适用，2 项关系")
    # a 三公 table alone: its 合计 row and its own narrative figure check, no coded table and
    # no second table to compare it with
    assert of("cqjb-qubenji", 2021, "budget") == ("部分核对", "2/4 项核心规则适用，12 项关系")
    # a 三公 narrative without tables: its figures add up among themselves (21 relations) but
    # no core rule applies; it was shown as 通过 before the ledger
    assert of("guilin-sfj", 2017, "budget") == ("部分核对", "0/4 项核心规则适用，21 项关系")
    # a final account cut off after the header of its first table (t01 read without one
    # amount; the only relation is the warning that the table is cut): no amount checked
    assert of("nanzhang-zsfw", 2019, "final") == (
        "未核对", "无表五、表六、表十、表十一；无可比较的数字")


def test_the_report_section_and_the_index_link_to_it():
    from fiscal import view  # lazy: the report stack

    body = view.coverage(load_budget("futian-sti", 2018, "budget")).body
    assert body.startswith(
        '<div id="coverage"><p>核对 316 项关系；其中 303 项一致、13 项舍入差异；')
    assert "<details><summary>无法解释的数字 4 个</summary>" in body
    index = view.index().body
    assert ('<a href="futian-sti/2018.html#coverage"><span class="ok">通过</span></a>'
            in index)
    assert ('<a href="nanzhang-zsfw/2019-final.html#coverage"><span class="bad">未核对</span>'
            in index)
    assert index.count(">通过<") == 1 and index.count(">部分核对<") == 23
