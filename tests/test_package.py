"""`fiscal export`: a Frictionless Data Package with the Fiscal Data Package's column types,
valid under frictionless, read back into the frames fiscal.load gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from fiscal.checks import check
from fiscal.config import Settings
from fiscal.load import load_folder, load_panel
from fiscal.package import export, frames, validate, write

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = "futian-sti/2018"
CLAIMS = 118  # lines of data/futian-sti/2018/claims.csv


@pytest.fixture(scope="module")
def seed_package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pkg") / "seed"
    return write(load_panel({SEED: DATA / SEED}), out, "fiscal-futian-sti-2018")


def _fields(descriptor: Path, resource: str) -> dict[str, dict]:
    d = json.loads(descriptor.read_text(encoding="utf-8"))
    res = next(r for r in d["resources"] if r["name"] == resource)
    return {f["name"]: f for f in res["schema"]["fields"]}


def test_cells_carry_the_fiscal_data_package_column_types(seed_package):
    types = {n: f.get("columnType") for n, f in _fields(seed_package, "cells").items()}
    assert {n: t for n, t in types.items() if t} == {
        "department": "administrative-classification:generic:level1:code",
        "department_name": "administrative-classification:generic:level1:label",
        "year": "date:fiscal-year", "kind": "phase:id", "side": "direction",
        "function_level1_code": "functional-classification:generic:level1:code",
        "function_level1_label": "functional-classification:generic:level1:label",
        "function_level2_code": "functional-classification:generic:level2:code",
        "function_level2_label": "functional-classification:generic:level2:label",
        "function_level3_code": "functional-classification:generic:level3:code",
        "function_level3_label": "functional-classification:generic:level3:label",
        "economic_level1_code": "economic-classification:generic:level1:code",
        "economic_level1_label": "economic-classification:generic:level1:label",
        "economic_level2_code": "economic-classification:generic:level2:code",
        "economic_level2_label": "economic-classification:generic:level2:label",
        "column": "value-kind:code", "column_label": "value-kind:label",
        "amount_wan": "value", "currency": "value-currency:code"}
    amount = _fields(seed_package, "cells")["amount_wan"]
    assert (amount["type"], amount["unit"], amount["currency"], amount["factor"]) == (
        "number", "万元", "CNY", 10000)


def test_a_function_row_gets_its_class_levels_and_names(seed_package):
    cells = pd.read_csv(seed_package.parent / "cells.csv", dtype=str, keep_default_na=False)
    row = cells[(cells["table"] == "t05") & (cells["code"] == "2060101")
                & (cells["column"] == "total")].iloc[0]
    assert [row[f"function_level{n}_{p}"] for n in (1, 2, 3) for p in ("code", "label")] == [
        "206", "科学技术支出", "20601", "科学技术管理事务", "2060101", "行政运行"]
    assert (row["amount_wan"], row["currency"], row["printed_unit"]) == ("521.98", "CNY", "万元")
    t06 = cells[(cells["table"] == "t06") & (cells["code"].str.len() == 5)].iloc[0]
    assert t06["economic_level2_code"] == t06["code"]
    assert t06["economic_level1_code"] == t06["code"][:3] and t06["function_level1_code"] == ""


def test_the_seed_package_is_valid_and_reads_back_into_the_same_frames(seed_package):
    assert validate(seed_package) == []
    back = frames(seed_package)
    panel = load_panel({SEED: DATA / SEED})
    order = ["key", "table", "row", "column"]
    pd.testing.assert_frame_equal(
        back["cells"].sort_values(order).reset_index(drop=True),
        panel.cells.sort_values(order).reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(
        back["claims"].sort_values(["key", "claim"]).reset_index(drop=True),
        panel.claims.sort_values(["key", "claim"]).reset_index(drop=True), check_dtype=False)
    found = check(load_folder(DATA / SEED))
    assert sorted(back["findings"]["id"]) == sorted(found["id"])
    assert (len(back["cells"]), len(back["claims"])) == (238, CLAIMS)


def test_the_same_inputs_give_the_same_bytes(seed_package, tmp_path):
    again = write(load_panel({SEED: DATA / SEED}), tmp_path / "again", "fiscal-futian-sti-2018")
    for name in ("datapackage.json", "cells.csv", "claims.csv", "findings.csv"):
        assert (again.parent / name).read_bytes() == (seed_package.parent / name).read_bytes()


def test_shanghai_prints_yuan_and_its_amounts_stay_exact(tmp_path):
    path = write(load_panel({"shpt-sfj/2026": DATA / "shpt-sfj/2026"}), tmp_path / "p")
    cells = pd.read_csv(path.parent / "cells.csv", dtype=str, keep_default_na=False)
    row = cells[(cells["table"] == "t05") & (cells["code"] == "2040601")
                & (cells["column"] == "total")].iloc[0]
    assert (row["printed"], row["amount_wan"], row["printed_unit"]) == (
        "14,348,853.34", "1434.885334", "元")


def test_export_refuses_a_folder_that_is_not_a_package(tmp_data, fiscal_cli, tmp_path):
    shutil.copytree(DATA / SEED, tmp_data / SEED)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x", encoding="utf-8")
    code, _, err = fiscal_cli("export", SEED, "--to", tmp_path / "mine")
    assert code == 2 and "holds something other than a package" in err
    code, out, err = fiscal_cli("export", SEED, "--to", tmp_path / "pkg")
    assert (code, err) == (0, "")
    assert out == f"{tmp_path / 'pkg' / 'datapackage.json'}: 1 department-year(s)\n"


def test_one_package_of_all_committed_department_years_is_valid(tmp_path):
    settings = Settings(data_dir=DATA)
    targets = [("dept_year", dy) for dy in settings.dept_years()]
    path = export(targets, tmp_path / "all", settings)
    assert validate(path) == []
    assert len(json.loads(path.read_text(encoding="utf-8"))["sources"]) == len(targets) == 26


@pytest.mark.slow
def test_the_package_of_every_committed_department_year_is_valid(tmp_path):
    """What CI holds (about 40 s): each committed department-year's own package."""
    settings = Settings(data_dir=DATA)
    for n, dy in enumerate(settings.dept_years()):
        path = export([("dept_year", dy)], tmp_path / str(n), settings)
        assert validate(path) == [], dy.key
