"""Results: a department's checks computed once, stored beside its reports, read back.

A report and the index read the stored results instead of checking again; they must show
exactly what a check in the kernel would, and a result must never outlive its inputs.
"""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal

import pandas.testing as pdt
import pytest

from fiscal import plots, results, view
from fiscal.config import DeptYear, Settings
from fiscal.load import load_budget
from tests.conftest import COMMITTED_DATA

GUILIN_2016 = DeptYear("guilin-sfj", 2016)
SEED = DeptYear("futian-sti", 2018)


@pytest.fixture
def data(tmp_path, monkeypatch) -> Settings:
    """A data folder with the seed's department and guilin-sfj's three years (copies), an
    empty reports folder; FISCAL_DATA / FISCAL_REPORTS point at them."""
    root = tmp_path / "data"
    root.mkdir()
    shutil.copy(COMMITTED_DATA / "departments.csv", root / "departments.csv")
    for slug in ("futian-sti", "guilin-sfj"):
        shutil.copytree(COMMITTED_DATA / slug, root / slug)
    s = Settings(data_dir=root, reports_dir=tmp_path / "reports")
    monkeypatch.setenv("FISCAL_DATA", str(s.data_dir))
    monkeypatch.setenv("FISCAL_REPORTS", str(s.reports_dir))
    return s


def same(a: results.Results, b: results.Results) -> None:
    for name in ("findings", "coverage", "sangong"):
        pdt.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False)
    assert a.headline == b.headline
    assert (a.numbers is None) == (b.numbers is None)
    if a.numbers is not None:
        assert a.numbers[0] == b.numbers[0]
        pdt.assert_frame_equal(a.numbers[1], b.numbers[1], check_dtype=False)


def test_a_department_year_is_checked_with_its_other_years(data):
    """2016 says its 2015 公务用车 spending was 32.65 万元; the 2015 document's 三公 table
    prints 0 on that row (its parts, 32.65 and 0, are printed beneath it): the cross-year
    rule finds it, so the 2016 report shows it, as the index and `check --all` do."""
    res = results.department("guilin-sfj", data)
    assert sorted(res) == ["guilin-sfj/2015", "guilin-sfj/2016", "guilin-sfj/2017"]
    f = res[GUILIN_2016.key].findings
    (row,) = f[f["rule"] == "prior_year"].itertuples()
    assert (row.severity, row.item) == ("error", "公务用车购置及运行维护费")
    assert (row.expected, row.actual) == (Decimal("0"), Decimal("32.65"))
    cov = res[GUILIN_2016.key].coverage.set_index("rule")
    assert cov.loc["prior_year", "status"] == "applies"


def test_stored_results_read_back_as_computed(data):
    assert results.store(data, data.dept_years()) == 4
    assert data.results_path(SEED).is_file()
    for dy in (SEED, GUILIN_2016):
        stored = results.read(dy, data)
        assert stored is not None
        computed = results.department(dy.slug, data,
                                      budget=load_budget(dy.slug, dy.year, dy.kind, data))
        same(stored, computed[dy.key])
    seed = results.read(SEED, data)
    assert seed.headline["total_wan"] == Decimal("33534.08")
    assert seed.headline["change_pct"] == Decimal("73.46")


def test_store_computes_only_departments_whose_inputs_changed(data):
    assert results.store(data, data.dept_years()) == 4
    assert results.store(data, data.dept_years()) == 0
    t09 = data.dept_year_dir(DeptYear("guilin-sfj", 2015)) / "t09.csv"
    t09.write_text(t09.read_text(encoding="utf-8").replace(",0,0,1,,7", ",32.65,32.65,0.01,,7"),
                   encoding="utf-8")
    assert results.read(GUILIN_2016, data) is None  # another year of its department changed
    assert results.read(SEED, data) is not None
    assert results.store(data, data.dept_years()) == 3
    f = results.read(GUILIN_2016, data).findings
    assert "prior_year" not in set(f["rule"])  # 2015 now prints 32.65: the years agree


def test_a_result_of_other_code_is_stale(data, monkeypatch):
    results.store(data, [SEED])
    assert results.read(SEED, data) is not None
    monkeypatch.setattr("fiscal.results.department_inputs",
                        lambda slug, settings: "inputs of another build")
    assert results.read(SEED, data) is None


def test_a_department_year_that_does_not_load_leaves_its_department_checked(data):
    broken = DeptYear("guilin-sfj", 2017)
    claims = data.dept_year_dir(broken) / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace(",amount,21.56,", ",amount,abc,", 1), encoding="utf-8")
    assert results.store(data, data.dept_years()) == 3
    assert results.read(broken, data) is None
    assert "'abc' is not a number" in data.results_path(broken).read_text(encoding="utf-8")
    assert results.read(GUILIN_2016, data) is not None
    assert results.store(data, data.dept_years()) == 0  # not tried again: nothing changed
    assert sorted(results.department("guilin-sfj", data)) == ["guilin-sfj/2015",
                                                              "guilin-sfj/2016"]
    page = view.index(data).body
    assert "无法读取" in page and "2017" in page


def test_a_department_that_cannot_be_checked_does_not_stop_the_others(data, monkeypatch):
    """A department whose check raises gets nothing stored (its report checks it itself and
    says what failed); the other departments are stored."""
    compute = results.compute

    def failing(budgets, *args, **kwargs):
        if any(b.dept_year.slug == "guilin-sfj" for b in budgets):
            raise RuntimeError("a rule's bug")
        return compute(budgets, *args, **kwargs)

    monkeypatch.setattr(results, "compute", failing)
    assert results.store(data, data.dept_years()) == 1
    assert results.read(SEED, data) is not None
    assert not data.results_path(GUILIN_2016).exists()


def test_report_sections_and_index_are_the_same_from_stored_and_computed_results(data):
    def sections(dy: DeptYear) -> list:
        view._CACHE.clear()
        plots._DRAWN.clear()
        b = view.budget(dy.slug, dy.year, dy.kind)
        out = [view.findings(b).body, view.coverage(b).body, view.claims(b).body]
        out += [x.png if isinstance(x, plots.Chart) else x.body for x in view.sangong(b)]
        return [*out, view.index(data).body]

    computed = {dy: sections(dy) for dy in (SEED, GUILIN_2016)}
    assert not data.results_path(SEED).exists()  # a report does not store: the batch does
    results.store(data, data.dept_years())
    for dy, want in computed.items():
        assert sections(dy) == want


def test_a_budget_changed_in_memory_is_checked_as_it_is(data):
    results.store(data, [SEED])
    b = load_budget(SEED.slug, SEED.year)
    claims = b.claims.copy()
    claims.loc[claims["subject"] == "基本支出", "value"] = Decimal("640.34")
    changed = dataclasses.replace(b, claims=claims)
    f = results.department(SEED.slug, data, budget=changed)[SEED.key].findings
    hit = f[(f["rule"] == "claim_table") & (f["severity"] == "error")]
    assert list(zip(hit["item"], hit["expected"], hit["actual"], strict=True)) == [
        ("基本支出", Decimal("630.34"), Decimal("640.34"))]  # the narrative vs 表五 合计
    assert "640.34" in view.findings(changed).body
    assert "640.34" not in view.findings(view.budget(SEED.slug, SEED.year, "budget")).body


def test_departments_of_the_same_name_keep_their_own_rows_and_charts(data):
    """Two departments that share a name (here a copy of guilin-sfj's 2015 and 2016 under
    another slug, with other 三公 figures) each keep their row of the overview's 三公 table
    and their own chart panel, told apart by slug; before, the table showed the first's
    figures for both and the chart drew their four years as one department's."""
    import json

    from tests.conftest import copy_dept_year

    for year in (2015, 2016):
        copy_dept_year(data.data_dir, "guilin-sfj-b", source=COMMITTED_DATA / "guilin-sfj"
                       / str(year))
    out = view.sangong_panel(data)
    chart, table = out[0], out[-1].body
    assert "桂林市司法局（guilin-sfj）" in table and "桂林市司法局（guilin-sfj-b）" in table
    assert "深圳市福田区科技创新局" in table  # a name no other department has: as it is
    assert "（futian-sti）" not in table
    assert "桂林市司法局（guilin-sfj-b） 2015年" in chart.alt
    assert chart.alt.count("2015年") == 2  # one panel each, not one with both
    meta = json.loads((data.data_dir / "guilin-sfj-b/2016/meta.json").read_text("utf-8"))
    assert meta["department"] == "桂林市司法局"


def test_a_long_label_keeps_its_slug_in_the_panel_title():
    assert plots._short("桂林市司法局") == "桂林市司法局"
    assert plots._short("深圳市福田区科技创新局（bench-01）") == "深圳市…（bench-01）"
    long = "深圳市福田区科技创新局政务服务数据管理中心"
    assert plots._short(long) == "深圳市福田区科技创新局政务…"
