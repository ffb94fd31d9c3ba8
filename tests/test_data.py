"""The committed data folder is derived, never edited: every department-year in data/
comes out of `fiscal extract` of its source under tests/fixtures, byte for byte."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fiscal.config import DeptYear, Settings
from fiscal.extract import extract, files_of

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DATA = ROOT / "data"


def _sources() -> list[dict[str, str]]:
    lines = [ln for ln in (DATA / "sources.tsv").read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


SOURCES = _sources()


def test_every_department_year_folder_has_a_source_row():
    listed = {DeptYear(r["slug"], int(r["year"]), r["kind"]).key for r in SOURCES}
    found = {dy.key for dy in Settings(data_dir=DATA).dept_years()}
    assert found == listed


@pytest.mark.parametrize("row", SOURCES, ids=[f"{r['slug']}/{r['year']}" for r in SOURCES])
def test_folder_is_reproduced_by_extract(row):
    source = FIXTURES / row["source"]
    ex = extract(source, Settings(data_dir=DATA), slug=row["slug"], year=int(row["year"]),
                 kind=row["kind"])
    folder = Settings(data_dir=DATA).dept_year_dir(ex.dept_year)
    want = files_of(ex)
    have = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert sorted(have) == sorted(want)
    for name, data in want.items():
        assert have[name] == data, f"{folder / name} differs from a fresh extraction"
