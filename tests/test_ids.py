"""Finding ids: built from what a finding is about, so that they survive re-extraction and
a corrected figure changes only the findings that involve it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from fiscal.checks import check, run_rules
from fiscal.config import Settings
from fiscal.extract import extract, write
from fiscal.ids import about, finding_ids, skeleton
from fiscal.load import load_folder, load_panel

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHPT = DATA / "shpt-sfj" / "2026"


def test_skeleton_blanks_figures_but_keeps_table_ids_and_words():
    msg = "合计（支出总计）：t01 人员经费 2,037.4181 ≠ t06 人员经费 -2,027.2981"
    assert skeleton(msg) == "合计（支出总计）：t01 人员经费 # ≠ t06 人员经费 #"


def test_about_names_the_side_column_and_a_stated_figures_year_basis_role():
    rows = pd.DataFrame({"side": ["支出", ""], "column": ["basic", "amount"],
                         "label": ["x", "y"], "amount_fen": [1, 2]})
    assert list(about(rows)) == ["side=支出|column=basic", "column=amount"]
    claim = {"column": "", "claim_year": 2025, "basis": "预算", "role": "change", "value": 3}
    assert about(claim) == "claim_year=2025|basis=预算|role=change"


def _finding(**kw) -> dict:
    base = {"key": "a-dept/2018", "rule": "totals", "table": "t05", "item": "合计",
            "about": "column=total", "message": "合计：33,534.08 ≠ 各项之和 33,534.07",
            "source_line": 561}
    return {**base, **kw}


def test_an_id_ignores_figures_lines_severity_and_order():
    a = finding_ids(pd.DataFrame([_finding(), _finding(table="t06")]))
    b = finding_ids(pd.DataFrame([
        _finding(table="t06", source_line=9),
        _finding(message="合计：33,534.08 ≠ 各项之和 30,000", source_line=3)]))
    assert list(a) == list(b[::-1])
    assert a[0].startswith("totals-") and len(a[0]) == len("totals-") + 8


def test_an_id_changes_with_the_column_basis_or_department_year():
    one = finding_ids(pd.DataFrame([_finding(), _finding(about="column=basic"),
                                    _finding(key="a-dept/2019")]))
    assert one.nunique() == 3


def test_two_findings_about_the_very_same_thing_get_a_suffix_in_line_order():
    ids = finding_ids(pd.DataFrame([_finding(source_line=20), _finding(source_line=10)]))
    assert ids[1] + "-2" == ids[0]


def test_every_committed_department_year_has_unique_ids_without_a_suffix():
    settings = Settings(data_dir=DATA)
    found = run_rules(load_panel({dy.key: settings.existing_dept_year_dir(dy)
                                  for dy in settings.dept_years()}))
    assert len(found) >= 60
    assert not found.duplicated(["key", "id"]).any()
    assert found["id"].str.fullmatch(r"[a-z_]+-[0-9a-f]{8}").all()


def test_the_two_shanghai_shared_columns_findings_are_told_apart_by_their_column():
    found = check(load_folder(SHPT))
    pair = found[(found["rule"] == "shared_columns") & (found["table"] == "t01/t06")]
    assert list(pair["item"]) == ["合计", "合计"]
    assert pair["id"].nunique() == 2


def _reextract(source: Path, out: Path, slug: str, year: int) -> pd.DataFrame:
    ex = extract(source, Settings(data_dir=DATA), slug=slug, year=year, kind="budget")
    write(ex, out)
    return check(load_folder(out))


def test_re_extracting_the_seed_keeps_every_id(tmp_path, committed_dir):
    before = check(load_folder(committed_dir))
    after = _reextract(committed_dir / "source.txt", tmp_path / "2018", "futian-sti", 2018)
    assert len(before) == 13
    assert list(after["id"]) == list(before["id"])


def test_re_extracting_the_shanghai_pdf_keeps_every_id(tmp_path):
    before = check(load_folder(SHPT))
    after = _reextract(SHPT / "source.pdf", tmp_path / "2026", "shpt-sfj", 2026)
    assert list(after["id"]) == list(before["id"])


def test_changing_one_figure_changes_only_the_findings_that_involve_it(tmp_path, committed_dir):
    """t05 2060101 行政运行 合计 521.98 → 531.98 in a copy of the seed's source."""
    source = tmp_path / "source.txt"
    shutil.copy(committed_dir / "source.txt", source)
    lines = source.read_text(encoding="utf-8").split("\n")
    assert lines[566].split() == ["2060101", "行政运行", "521.98", "521.98"]
    lines[566] = lines[566].replace("521.98 521.98", "531.98 521.98")
    source.write_text("\n".join(lines), encoding="utf-8")
    before = check(load_folder(committed_dir))
    after = _reextract(source, tmp_path / "2018", "futian-sti", 2018)
    # every earlier finding is still there, under its id
    assert set(before["id"]) <= set(after["id"])
    new = after[~after["id"].isin(before["id"])]
    assert sorted(zip(new["rule"], new["table"], new["item"], strict=True)) == [
        ("function_rows", "t01", "行政运行"), ("function_rows", "t03", "行政运行"),
        ("function_rows", "t04", "行政运行"), ("row_total", "t05", "2060101")]
    # the 款 20601 = Σ项 finding involves the figure: same id, now an error
    kept = after.merge(before[["id", "severity", "message"]], on="id", suffixes=("", "_was"))
    moved = kept[kept["message"] != kept["message_was"]]
    assert list(zip(moved["rule"], moved["item"], moved["severity_was"], moved["severity"],
                    strict=True)) == [("code_hierarchy", "20601", "rounding", "error")]
