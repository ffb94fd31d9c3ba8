"""`fiscal check --format xlsx | csv --out`: the exports reviewers work in."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from fiscal.coverage import COVERAGE_COLUMNS
from fiscal.workbook import CHECKLIST_COLUMNS

SEED = "futian-sti/2018"


@pytest.fixture
def data(tmp_data, committed_dir) -> Path:
    shutil.copytree(committed_dir, tmp_data / SEED)
    return tmp_data


def _blank(v):
    return None if v == "" else v


def test_the_workbook_holds_the_rows_of_the_json(data, fiscal_cli, tmp_path):
    from openpyxl import load_workbook  # lazy: only these tests read workbooks

    doc = json.loads(fiscal_cli("check", SEED, "--format", "json")[1])
    code, out, err = fiscal_cli("check", SEED, "--format", "xlsx", "--out",
                                tmp_path / "a.xlsx")
    assert (code, err, out) == (0, "", f"wrote {tmp_path / 'a.xlsx'}\n")
    wb = load_workbook(tmp_path / "a.xlsx")
    assert wb.sheetnames == ["findings", "coverage", "检查表"]
    rows = list(wb["findings"].iter_rows(values_only=True))
    assert rows[0] == tuple(doc["findings"][0])
    assert [tuple(map(_blank, r)) for r in rows[1:]] == [
        tuple(_blank(v) for v in f.values()) for f in doc["findings"]]
    rows = list(wb["coverage"].iter_rows(values_only=True))
    assert rows[0] == tuple(COVERAGE_COLUMNS)
    assert [tuple(map(_blank, r)) for r in rows[1:]] == [
        tuple(_blank(v) for v in c.values()) for c in doc["coverage"]]
    # the checklist: the narrative by section, then each table by title
    checks = list(wb["检查表"].iter_rows(values_only=True))
    assert checks[0] == tuple(CHECKLIST_COLUMNS)
    parts = [r[3] for r in checks[1:]]
    assert parts[0] == "正文说明：机构编制及交通工具情况" and parts[6] == "t01 部门收支预算总表"
    assert parts[-1] == "t13 2018年部门预算重点项目绩效目标表"
    t07 = next(r for r in checks if r[3].startswith("t07"))
    assert t07[4] == "是" and "正文“人员经费”486.72万元 ≠ t07 人员经费 预算数 486.71万元" in t07[5]
    assert next(r for r in checks if r[3].startswith("t10"))[4] == "未核对"
    # same inputs, same bytes
    fiscal_cli("check", SEED, "--format", "xlsx", "--out", tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_an_error_makes_its_part_of_the_checklist_fail(data, fiscal_cli, tmp_path):
    from openpyxl import load_workbook  # lazy: as above

    t05 = data / SEED / "t05.csv"
    t05.write_text(t05.read_text(encoding="utf-8").replace(
        "total,521.98,521.98", "total,531.98,531.98"), encoding="utf-8")
    code, _, _ = fiscal_cli("check", SEED, "--format", "xlsx", "--out", tmp_path / "x.xlsx")
    assert code == 1
    checks = {r[3]: r for r in load_workbook(tmp_path / "x.xlsx")["检查表"].iter_rows(
        values_only=True)}
    t05_row = checks["t05 一般公共预算支出表（按功能科目）"]
    assert t05_row[4] == "否" and "错误：" in t05_row[5]
    assert checks["t02 部门收入预算总表"][4] == "是"


def test_csv_out_writes_findings_and_coverage(data, fiscal_cli, tmp_path):
    code, out, _ = fiscal_cli("check", SEED, "--format", "csv", "--out", tmp_path / "csv")
    assert code == 0
    with open(tmp_path / "csv" / "coverage.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == COVERAGE_COLUMNS and len(rows) == 23
    cross = next(r for r in rows if r["rule"] == "cross_table")
    assert (cross["status"], cross["relations"], cross["holds"]) == ("applies", "13", "13")
    with open(tmp_path / "csv" / "findings.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 13


def test_xlsx_without_out_exits_2(data, fiscal_cli):
    code, out, err = fiscal_cli("check", SEED, "--format", "xlsx")
    assert (code, out) == (2, "")
    assert err == ("fiscal: error: --format xlsx writes a workbook: --out FILE.xlsx is needed"
                   " — add --out findings.xlsx\n")
