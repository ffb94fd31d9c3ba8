"""`fiscal check` from the command line: formats, exit codes and targets.

Every test works on a copy of the committed department-year in a throw-away data folder
(``tmp_data`` from conftest: FISCAL_DATA points there); the real data/ is only read.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from fiscal.checks import FINDING_COLUMNS
from fiscal.cli import OUTPUT_EXTRA


@pytest.fixture
def data(tmp_data, committed_dir) -> Path:
    """FISCAL_DATA holding a copy of the committed futian-sti/2018."""
    shutil.copytree(committed_dir, tmp_data / "futian-sti" / "2018")
    return tmp_data


@pytest.fixture
def run(fiscal_cli):
    """``fiscal check ARGS…`` in-process: ``(exit code, stdout, stderr)``."""
    return lambda *argv: fiscal_cli("check", *argv)


#: t05 2060101 行政运行, 合计 column, as committed.
ROW_2060101 = "4,,2060101,行政运行,行政运行,3,total,521.98,521.98,0.01,,567"


def plant_error(folder: Path) -> None:
    """t05 2060101 合计 521.98 → 531.98 (ulp kept): 20601 款 1,691.71 now against
    Σ项 531.98 + 564.64 + 605.1 = 1,701.72, and the row no longer equals its 基本支出."""
    edit(folder / "t05.csv", ROW_2060101, ROW_2060101.replace("521.98,521.98", "531.98,531.98"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def edit_meta(folder: Path, change) -> None:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    change(meta)
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def sections(out: str) -> list[str]:
    """The severity headings of the table output, in order."""
    return [line.strip() for line in out.splitlines() if line.startswith("  ")
            and not line.startswith("    ")]


# ---------------------------------------------------------------------------
# The committed seed
# ---------------------------------------------------------------------------

def test_seed_exits_0_with_a_table_grouped_by_severity(data, run):
    code, out, err = run("futian-sti/2018")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "futian-sti/2018: 13 rounding"
    assert sections(out) == ["ROUNDING"]
    assert len([line for line in lines if line.startswith("    ")]) == 13
    assert lines[-1] == "1 department-year(s), 13 finding(s), 0 error(s)."
    staff = next(line for line in lines if "claim_table" in line)  # 人员经费
    assert "486.71" in staff and "486.72" in staff and "[line 139]" in staff


SCHEMA = Path(__file__).resolve().parents[1] / "fiscal" / "schemas" / "check.schema.json"


def test_json_output_meets_its_schema_and_holds_the_ledger(data, run, tmp_path):
    import jsonschema  # lazy: only this test validates

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.loads(run("futian-sti/2018", "--format", "json")[1])
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    cross = next(c for c in doc["coverage"] if c["rule"] == "cross_table")
    assert cross == {"department": "futian-sti", "year": 2018, "kind": "budget",
                     "rule": "cross_table", "name": "表间勾稽", "core": True,
                     "status": "applies", "reason": "", "relations": 13, "holds": 13,
                     "rounding": 0, "review": 0, "error": 0, "warning": 0}
    # the schema refuses what it should: a finding without an id, an unknown status
    del doc["findings"][0]["id"]
    with pytest.raises(jsonschema.ValidationError, match="'id' is a required property"):
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    # --since reads this object, and the bare list earlier versions wrote
    doc = json.loads(run("futian-sti/2018", "--format", "json")[1])
    for name, baseline in (("v2.json", doc), ("v1.json", doc["findings"])):
        (tmp_path / name).write_text(json.dumps(baseline, ensure_ascii=False), encoding="utf-8")
        out = run("futian-sti/2018", "--since", str(tmp_path / name))[1]
        assert "since: 0 new, 0 gone, 13 unchanged" in out.splitlines()[0]


def test_json_objects_have_exactly_the_finding_keys_and_numbers_in_wan(data, run):
    code, out, _ = run("futian-sti/2018", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["version", "findings", "coverage", "numbers"] and doc["version"] == 2
    found = doc["findings"]
    assert isinstance(found, list) and len(found) == 13
    for f in found:
        assert list(f) == [*FINDING_COLUMNS, *OUTPUT_EXTRA]
        for field in ("expected", "actual", "difference"):
            assert type(f[field]) in (int, float), (field, f)
        assert type(f["year"]) is int and type(f["source_line"]) is int
    claim = next(f for f in found if f["rule"] == "claim_table")
    assert claim == {
        "department": "futian-sti", "year": 2018, "kind": "budget", "rule": "claim_table",
        "severity": "rounding", "table": "t07", "item": "人员经费", "expected": 486.71,
        "actual": 486.72, "difference": 0.01, "message": claim["message"],
        "source_line": 139, "id": claim["id"], "verdict": "", "note": ""}
    total = next(f for f in found if f["rule"] == "totals" and f["table"] == "t05")
    assert (total["expected"], total["actual"]) == (33534.07, 33534.08)


def test_csv_has_the_finding_columns_and_one_row_per_finding(data, run):
    code, out, _ = run("futian-sti/2018", "--format", "csv")
    assert code == 0
    reader = csv.DictReader(io.StringIO(out))
    rows = list(reader)
    assert reader.fieldnames == [*FINDING_COLUMNS, *OUTPUT_EXTRA]
    assert len(rows) == 13
    assert {r["severity"] for r in rows} == {"rounding"}
    row = next(r for r in rows if r["rule"] == "code_hierarchy")
    assert (row["table"], row["item"], row["expected"], row["actual"], row["difference"]) == (
        "t05", "20601", "1691.72", "1691.71", "-0.01")


# ---------------------------------------------------------------------------
# Planted faults in a copied folder
# ---------------------------------------------------------------------------

def test_planted_error_exits_1_and_names_the_rule(data, run):
    plant_error(data / "futian-sti" / "2018")
    code, out, _ = run("futian-sti/2018")
    assert code == 1
    errors = out.split("  ERROR\n")[1].split("  ROUNDING\n")[0].splitlines()
    hierarchy = next(line for line in errors if "code_hierarchy" in line)
    assert "1,701.72" in hierarchy and "1,691.71" in hierarchy
    assert any("row_total" in line for line in errors)
    assert out.splitlines()[-1].endswith("error(s).") and " 0 error(s)" not in out


def test_errors_come_before_rounding_before_warnings(data, run):
    folder = data / "futian-sti" / "2018"
    plant_error(folder)
    edit_meta(folder, lambda m: m["tables"].pop("t06"))
    code, out, _ = run(str(folder))
    assert code == 1
    assert sections(out) == ["ERROR", "ROUNDING", "WARNING"]
    assert "table_missing" in out.split("  WARNING\n")[1]


def test_warnings_alone_exit_0(data, run):
    edit_meta(data / "futian-sti" / "2018", lambda m: m["tables"].pop("t06"))
    code, out, _ = run("futian-sti/2018")
    assert code == 0
    assert sections(out) == ["ROUNDING", "WARNING"]


# ---------------------------------------------------------------------------
# Targets: a disclosure text, --all, bad input
# ---------------------------------------------------------------------------

def test_checking_the_seed_text_writes_nothing(data, tmp_path, seed_path, run, monkeypatch):
    source = tmp_path / "src" / seed_path.name
    source.parent.mkdir()
    shutil.copy2(seed_path, source)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before_data, before_src = snapshot(data), snapshot(source.parent)
    code, out, err = run(str(source))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "futian-sti/2018: 13 rounding"
    assert snapshot(data) == before_data
    assert snapshot(source.parent) == before_src
    assert list(scratch.iterdir()) == []


#: A 罗山-style execution report: the period (1-5月) but no year anywhere in the text.
NO_YEAR = ("某县部门预算执行情况\n1-5月，我县一般公共预算收入累计完成34096万元，同比降低10.2%。"
           "其中：税务部门完成21334万元；财政部门完成12762万元。税收占比为62.57%。\n")


def test_a_file_stating_no_year_is_refused_then_checked_with_year(data, tmp_path, run):
    source = tmp_path / "某县部门预算.txt"
    source.write_text(NO_YEAR, encoding="utf-8")
    code, out, err = run(str(source))
    assert code == 2 and "no year" in err and "--year" in err and "Traceback" not in err
    code, out, err = run(str(source), "--year", "2021")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].endswith("/2021: no finding")  # 21334 + 12762 = 34096
    wrong = tmp_path / "wrong" / source.name
    wrong.parent.mkdir()
    wrong.write_text(NO_YEAR.replace("21334", "23134"), encoding="utf-8")
    code, out, err = run(str(wrong), "--year", "2021")
    assert code == 1 and "35,896" in out, out  # the parts exceed the whole


def test_all_checks_every_department_year_in_the_data_folder(data, run):
    other = data / "other-sti" / "2018"
    shutil.copytree(data / "futian-sti" / "2018", other)
    edit_meta(other, lambda m: m.update(slug="other-sti"))
    code, out, _ = run("--all")
    assert code == 0
    lines = out.splitlines()
    assert "futian-sti/2018: 13 rounding" in lines
    assert "other-sti/2018: 13 rounding" in lines
    assert lines[-1] == "2 department-year(s), 26 finding(s), 0 error(s)."


def test_all_compares_a_stated_prior_year_with_that_years_document(data, run):
    # the 2018 text states 2017 as 19,332.80 万元; a 2017 document that says 19,000 万元
    folder = data / "futian-sti" / "2017"
    folder.mkdir()
    meta = {"department": "深圳市福田区科技创新局", "slug": "futian-sti", "year": 2017,
            "kind": "budget", "source_file": "x.txt", "source_sha256": "0" * 64, "tables": {}}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    header = (data / "futian-sti" / "2018" / "claims.csv").read_text(
        encoding="utf-8").splitlines()[0]
    (folder / "claims.csv").write_text(
        header + "\nc001,部门预算,收支总计,t01,收入总计,amount,2017,预算,amount,19000,1,万元,"
        "\"19,000 万元\",,,,explicit,\"2017 年部门预算收支均为 19,000 万元\",5\n",
        encoding="utf-8")
    code, out, _ = run("--all", "--format", "json")
    assert code == 1
    prior = [f for f in json.loads(out)["findings"] if f["rule"] == "prior_year"]
    assert {(f["year"], f["severity"], f["expected"], f["actual"]) for f in prior} == {
        (2018, "error", 19000, 19332.8)}


def _no_meta(tmp_path: Path) -> list[str]:
    (tmp_path / "empty").mkdir()
    return [str(tmp_path / "empty")]


def _not_a_disclosure(tmp_path: Path) -> list[str]:
    (tmp_path / "note.txt").write_text("hello world\n", encoding="utf-8")
    return [str(tmp_path / "note.txt")]


@pytest.mark.parametrize("argv", [
    lambda _: ["nope"], lambda _: ["futian-sti/1999"], lambda _: ["futian-sti/2018-final"],
    lambda _: [], _no_meta, _not_a_disclosure,
], ids=["not-a-target", "unknown-year", "unknown-final", "no-target", "folder-without-meta",
        "text-not-a-disclosure"])
def test_bad_target_exits_2_with_a_one_line_message(data, tmp_path, run, argv):
    code, out, err = run(*argv(tmp_path))
    assert code == 2
    assert out == ""
    assert err.startswith("fiscal: error: ") and err.count("\n") == 1, err


def test_a_non_number_amount_exits_2_naming_the_file(data, run):
    edit(data / "futian-sti" / "2018" / "t05.csv", ROW_2060101,
         ROW_2060101.replace("521.98,521.98", "521.98,abc"))
    code, out, err = run("futian-sti/2018")
    assert (code, out) == (2, "")
    assert err.startswith("fiscal: error: ") and err.count("\n") == 1
    assert "t05.csv" in err and "abc" in err
