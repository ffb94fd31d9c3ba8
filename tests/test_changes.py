"""`fiscal check --since FILE.json`: findings new, gone and unchanged since an earlier run.

Works on a copy of the committed seed (13 rounding findings) in a throw-away data folder;
a planted error in t05 (2060101 行政运行 合计 521.98 → 531.98) brings 4 new findings and turns
the 款 20601 rounding finding into an error (same id).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from fiscal.changes import compare, counts

SEED = "futian-sti/2018"
COMMITTED_T05 = Path(__file__).resolve().parents[1] / "data" / SEED / "t05.csv"
ROW = "4,,2060101,行政运行,行政运行,3,total,521.98,521.98,0.01,,567"


@pytest.fixture
def data(tmp_data, committed_dir) -> Path:
    shutil.copytree(committed_dir, tmp_data / SEED)
    return tmp_data


def _plant(folder: Path) -> None:
    path = folder / "t05.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(ROW) == 1
    path.write_text(text.replace(ROW, ROW.replace("521.98,521.98", "531.98,531.98")),
                    encoding="utf-8")


def test_compare_marks_new_and_unchanged_and_returns_the_gone():
    now = pd.DataFrame({"key": ["k/2018", "k/2018"], "id": ["totals-00000001",
                                                           "totals-00000002"]})
    before = pd.DataFrame({"key": ["k/2018", "k/2018", "other/2018"],
                           "id": ["totals-00000002", "totals-00000003", "totals-00000009"]})
    found, gone = compare(now, before, ["k/2018"])
    assert list(found["since"]) == ["new", "unchanged"]
    assert list(gone["id"]) == ["totals-00000003"]  # other/2018 was not checked now
    assert counts(found, gone) == {"new": 1, "gone": 1, "unchanged": 1}


def test_since_lists_new_then_gone_findings(data, fiscal_cli, tmp_path):
    code, out, _ = fiscal_cli("check", SEED, "--format", "json")
    baseline = tmp_path / "before.json"
    baseline.write_text(out, encoding="utf-8")
    _plant(data / SEED)
    code, out, err = fiscal_cli("check", SEED, "--since", baseline)
    assert (code, err) == (1, "")
    assert out.splitlines()[0] == ("futian-sti/2018: 5 error, 12 rounding — since: 4 new,"
                                   " 0 gone, 13 unchanged")
    new = [line for line in out.splitlines() if line.endswith("  NEW")]
    assert len(new) == 4 and all("行政运行" in line for line in new)
    assert out.splitlines()[-1] == (f"1 department-year(s), 17 finding(s), 5 error(s); since"
                                    f" {baseline}: 4 new, 0 gone, 13 unchanged.")
    # the planted run as the baseline, the fix as the current run: 4 gone
    planted = tmp_path / "planted.json"
    planted.write_text(fiscal_cli("check", SEED, "--format", "json")[1], encoding="utf-8")
    shutil.copy(COMMITTED_T05, data / SEED / "t05.csv")  # the error fixed
    code, out, _ = fiscal_cli("check", SEED, "--since", planted, "--format", "json")
    items = json.loads(out)["findings"]
    assert code == 0
    assert [i["since"] for i in items].count("unchanged") == 13
    gone = [i for i in items if i["since"] == "gone"]
    assert sorted((i["rule"], i["table"]) for i in gone) == [
        ("function_rows", "t01"), ("function_rows", "t03"), ("function_rows", "t04"),
        ("row_total", "t05")]


def test_a_baseline_without_ids_exits_2_saying_so(data, fiscal_cli, tmp_path):
    old = json.loads(fiscal_cli("check", SEED, "--format", "json")[1])["findings"]
    for item in old:  # a version-1 baseline: a bare list of findings
        del item["id"]
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    code, out, err = fiscal_cli("check", SEED, "--since", baseline)
    assert (code, out) == (2, "")
    assert err == (f"fiscal: error: {baseline}: finding 1 has no id: the file was written"
                   " before findings had ids — run `fiscal check --format json` again to get"
                   " a baseline with ids\n")


def test_a_baseline_that_is_not_json_exits_2(data, fiscal_cli, tmp_path):
    baseline = tmp_path / "old.json"
    baseline.write_text("department,year\n", encoding="utf-8")
    code, _, err = fiscal_cli("check", SEED, "--since", baseline)
    assert code == 2 and err.startswith(f"fiscal: error: {baseline}: not JSON")
