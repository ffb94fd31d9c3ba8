"""Checking a source in memory: the same frames and errors as writing and loading its folder,
the frame contracts checked without pandera unless a frame breaks them, and a check of a
source that imports nothing it does not need."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fiscal.config import Settings
from fiscal.errors import AmountError, TableFileError
from fiscal.extract import extract, table_rows, write
from fiscal.load import _conforms, budget_from_rows, load_folder
from fiscal.schema import CLAIM_FRAME, TABLE_FRAME, frame_schema

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCES = [FIXTURES / "seeds" / "000_718dc356a2b2d93e.txt",
           FIXTURES / "corpus" / "122_dyrmt_baojianyuan_2020_final.txt",
           FIXTURES / "pdf" / "shpt_sfj_2026_unit_budget.pdf"]


def _extract(path: Path):
    return extract(path, Settings.from_env(), unregistered="provisional")


def _in_memory(ex):
    return budget_from_rows(ex.dept_year, ex.meta, {t.id: table_rows(t) for t in ex.tables},
                            [c.as_row() for c in ex.claims], origin=ex.source.path)


def _on_disk(ex, tmp_path: Path):
    return load_folder(write(ex, tmp_path / "dy"), ex.dept_year)


@pytest.fixture(scope="module")
def seed_extraction():
    return _extract(SOURCES[0])


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_in_memory_frames_are_those_of_the_written_folder(source, tmp_path):
    ex = _extract(source)
    disk, mem = _on_disk(ex, tmp_path), _in_memory(ex)
    assert mem.meta == disk.meta
    assert list(mem.tables) == list(disk.tables)
    for tid in disk.tables:
        pd.testing.assert_frame_equal(mem.tables[tid], disk.tables[tid], check_exact=True)
    pd.testing.assert_frame_equal(mem.claims, disk.claims, check_exact=True)


@pytest.mark.parametrize(("change", "error", "words"), [
    (lambda ex: setattr(ex.tables[0].cells[3], "level", 99), TableFileError,
     "column level: '99' breaks in_range(0, 9)"),
    (lambda ex: setattr(ex.tables[0].cells[3], "code", "x1"), TableFileError,
     "column code: 'x1' breaks str_matches"),
    (lambda ex: setattr(ex.claims[0], "value", "abc"), AmountError,
     "column value: 'abc' is not a number (claim c001)"),
    (lambda ex: setattr(ex.claims[0], "role", "bogus"), TableFileError,
     "column role: 'bogus' breaks isin"),
    (lambda ex: ex.meta.update(year="2018"), TableFileError, "'year' should be a int"),
], ids=["level", "code", "claim-value", "claim-role", "meta-year"])
def test_in_memory_errors_are_those_of_the_written_folder(seed_extraction, tmp_path, change,
                                                          error, words):
    ex = copy.deepcopy(seed_extraction)
    change(ex)
    with pytest.raises(error) as on_disk:
        _on_disk(ex, tmp_path)
    with pytest.raises(error) as in_memory:
        _in_memory(ex)
    assert words in str(on_disk.value) and words in str(in_memory.value)
    assert in_memory.value.exit_code == on_disk.value.exit_code == 2
    # the same message, the file named after the source instead of a temporary folder
    tail = str(on_disk.value).split(str(tmp_path / "dy") + "/", 1)[-1]
    assert str(in_memory.value).endswith(tail.split(",", 1)[-1])


@pytest.fixture(scope="module")
def valid_frames(seed_extraction):
    b = _in_memory(seed_extraction)
    return {"TableFrame": (TABLE_FRAME, b.cells), "ClaimFrame": (CLAIM_FRAME, b.claims)}


@pytest.mark.parametrize("name", ["TableFrame", "ClaimFrame"])
def test_valid_frames_conform_without_pandera(valid_frames, name):
    contract, df = valid_frames[name]
    assert _conforms(df, contract)
    assert _conforms(df.astype({c: "str" for c in df if contract[c][0] == "str"}), contract)


BAD_VALUES = [None, np.nan, "", "x", "c1", "2018", 0, -1, 1, 10, 1800, 2101, 3.5, "支出", "Σ",
              "budget", "t99", "amount", "abc\n", "预算"]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_conforms_is_never_more_lenient_than_pandera(valid_frames, data):
    """Whatever breaks a frame (a value, a dtype, a column), ``_conforms`` passes it only
    where pandera's schema does too: a frame it does not pass goes to pandera."""
    name = data.draw(st.sampled_from(["TableFrame", "ClaimFrame"]))
    contract, df = valid_frames[name]
    df = df.copy()
    how = data.draw(st.sampled_from(["value", "dtype", "drop", "add"]))
    col = data.draw(st.sampled_from(sorted(contract)))
    if how == "value":
        row = data.draw(st.integers(0, len(df) - 1))
        value = data.draw(st.sampled_from(BAD_VALUES))
        values = df[col].astype(object).tolist()
        values[row] = value
        keep = df[col].dtype if data.draw(st.booleans()) else object
        try:
            df[col] = pd.Series(values, index=df.index, dtype=keep)
        except (TypeError, ValueError):
            df[col] = pd.Series(values, index=df.index, dtype=object)
    elif how == "dtype":
        to = data.draw(st.sampled_from(["int32", "float64", "Int64", "str", object, "category"]))
        try:
            df[col] = df[col].astype(to)
        except (TypeError, ValueError):
            return
    elif how == "drop":
        df = df.drop(columns=col)
    else:
        df["extra"] = ""
    if _conforms(df, contract):
        frame_schema(name).validate(df, lazy=True)  # must not raise


def test_checking_a_source_imports_only_what_it_needs():
    code = ("import sys; from fiscal.cli import main; rc = main(['check', sys.argv[1]]);"
            " print([m for m in ('pandera', 'hypothesis', 'matplotlib', 'seaborn', 'dask',"
            " 'distributed', 'pdfplumber', 'nbformat', 'papermill') if m in sys.modules])")
    for source in (SOURCES[0], SOURCES[2]):
        proc = subprocess.run([sys.executable, "-c", code, str(source)], capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[-1] == "[]", proc.stdout
