"""Settings and department-year identifiers: the one place every path is built."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fiscal.config import DeptYear, Settings
from fiscal.errors import FiscalError, TargetError, UnknownDepartmentYearError

# ---------------------------------------------------------------------------
# DeptYear
# ---------------------------------------------------------------------------

def test_parse_a_budget():
    dy = DeptYear.parse("futian-sti/2018")
    assert dy == DeptYear("futian-sti", 2018, "budget")
    assert (dy.key, dy.folder_name) == ("futian-sti/2018", "2018")


def test_parse_a_final_account():
    dy = DeptYear.parse("futian-sti/2018-final")
    assert dy == DeptYear("futian-sti", 2018, "final")
    assert (dy.key, dy.folder_name) == ("futian-sti/2018-final", "2018-final")


@pytest.mark.parametrize("target", ["futian-sti/2018/", " futian-sti/2018 "])
def test_parse_forgives_a_trailing_slash_and_spaces(target):
    assert DeptYear.parse(target).key == "futian-sti/2018"


def test_key_round_trips():
    for dy in (DeptYear("futian-sti", 2018), DeptYear("a1-b2", 2026, "final")):
        assert DeptYear.parse(dy.key) == dy


def test_budget_sorts_before_final_and_years_in_order():
    found = sorted([DeptYear("b", 2018), DeptYear("a", 2019, "final"), DeptYear("a", 2019),
                    DeptYear("a", 2017)])
    assert [d.key for d in found] == ["a/2017", "a/2019", "a/2019-final", "b/2018"]


@pytest.mark.parametrize("target", [
    "../x", "../x/2018", "a/b", "a/b/2018", "Upper/2018", "futian-sti", "futian-sti/18",
    "futian-sti/2018-draft", "futian-sti\\2018", "", "/2018",
])
def test_parse_refuses_what_is_not_a_department_year(target):
    with pytest.raises(TargetError):
        DeptYear.parse(target)


@pytest.mark.parametrize("slug", ["../x", "Upper", "a/b", "..", "-lead", "trail-", "有中文",
                                  "a b", ""])
def test_invalid_slugs_are_refused(slug):
    with pytest.raises(TargetError, match="not a valid department slug"):
        DeptYear(slug, 2018)


def test_slug_with_a_trailing_newline_is_refused():
    with pytest.raises(TargetError):
        DeptYear("futian-sti\n", 2018)


def test_unknown_kind_and_year_out_of_range():
    with pytest.raises(TargetError, match="kind 'draft'"):
        DeptYear("futian-sti", 2018, "draft")
    with pytest.raises(TargetError, match="out of range"):
        DeptYear("futian-sti", 1800)


def test_target_errors_are_fiscal_errors_with_exit_code_2():
    with pytest.raises(FiscalError) as info:
        DeptYear.parse("futian-sti")
    assert info.value.exit_code == 2
    assert "e.g. futian-sti/2018" in str(info.value)


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------

def test_from_env_honours_fiscal_data_and_fiscal_reports(tmp_path):
    s = Settings.from_env({"FISCAL_DATA": str(tmp_path / "d"),
                           "FISCAL_REPORTS": str(tmp_path / "r")})
    assert s.data_dir == tmp_path / "d"
    assert s.reports_dir == tmp_path / "r"
    assert s.departments_csv == tmp_path / "d" / "departments.csv"
    dy = DeptYear("futian-sti", 2018, "final")
    assert s.dept_year_dir(dy) == tmp_path / "d" / "futian-sti" / "2018-final"
    assert s.report_path(dy) == tmp_path / "r" / "futian-sti" / "2018-final.html"
    assert s.index_path == tmp_path / "r" / "index.html"


def test_from_env_resolves_relative_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Settings.from_env({"FISCAL_DATA": "d"})
    assert s.data_dir == tmp_path.resolve() / "d"


def test_without_env_the_project_folders_are_used(monkeypatch):
    monkeypatch.delenv("FISCAL_DATA", raising=False)
    monkeypatch.delenv("FISCAL_REPORTS", raising=False)
    repo = Path(__file__).resolve().parents[1]
    assert Settings.from_env() == Settings.from_env({}) == Settings()
    assert (Settings().data_dir, Settings().reports_dir) == (repo / "data", repo / "reports")
    assert Settings().notebook("budget_report.ipynb") == (
        repo / "notebooks" / "budget_report.ipynb")


def test_from_env_reads_the_process_environment(tmp_data):
    assert Settings.from_env().data_dir == tmp_data


def make_folder(data: Path, rel: str, meta: bool = True) -> None:
    folder = data / rel
    folder.mkdir(parents=True)
    if meta:
        (folder / "meta.json").write_text("{}", encoding="utf-8")


def test_dept_years_finds_every_folder_with_meta_and_ignores_others(tmp_path):
    data = tmp_path / "data"
    for rel in ("futian-sti/2018", "futian-sti/2017-final", "luohu-edu/2019"):
        make_folder(data, rel)
    make_folder(data, "futian-sti/2016", meta=False)         # no meta.json
    make_folder(data, "futian-sti/.2018.tmp123")             # a write in progress
    make_folder(data, "futian-sti/2018-draft")               # not a year folder
    make_folder(data, "Upper/2018")                          # not a slug
    make_folder(data, "futian-sti/2018/nested")              # too deep
    (data / "departments.csv").write_text("slug,name\n", encoding="utf-8")

    found = Settings(data_dir=data).dept_years()

    assert [d.key for d in found] == ["futian-sti/2017-final", "futian-sti/2018",
                                      "luohu-edu/2019"]
    one = Settings(data_dir=data).dept_years("futian-sti")
    assert [d.key for d in one] == ["futian-sti/2017-final", "futian-sti/2018"]


def test_dept_years_of_a_missing_data_folder_is_empty(tmp_path):
    assert Settings(data_dir=tmp_path / "absent").dept_years() == []


def test_existing_dept_year_dir(tmp_path):
    make_folder(tmp_path, "futian-sti/2018")
    s = Settings(data_dir=tmp_path)
    assert s.existing_dept_year_dir(DeptYear("futian-sti", 2018)) == tmp_path / "futian-sti/2018"
    with pytest.raises(UnknownDepartmentYearError, match=r"nope/2018 .*found: futian-sti/2018"):
        s.existing_dept_year_dir(DeptYear("nope", 2018))


def test_fiscal_list(fiscal_cli, tmp_data):
    make_folder(tmp_data, "futian-sti/2018")
    make_folder(tmp_data, "futian-sti/2018-final")
    assert fiscal_cli("list") == (0, "futian-sti/2018\nfutian-sti/2018-final\n", "")


def test_fiscal_list_of_an_empty_data_folder(fiscal_cli, tmp_data):
    code, out, err = fiscal_cli("list")
    assert (code, out) == (0, "")
    assert str(tmp_data) in err


# ---------------------------------------------------------------------------
# import fiscal
# ---------------------------------------------------------------------------

def test_import_fiscal_is_cheap_and_side_effect_free(tmp_path):
    code = ("import fiscal, sys; print('pandas' in sys.modules, 'pandera' in sys.modules,"
            " fiscal.__version__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False", "0.1.0"]
    assert proc.stderr == ""
    assert list(tmp_path.iterdir()) == []  # nothing written where it ran


def test_public_api_is_imported_on_first_use():
    import fiscal

    assert fiscal.DeptYear is DeptYear
    assert fiscal.Settings is Settings
    with pytest.raises(AttributeError):
        _ = fiscal.no_such_name
