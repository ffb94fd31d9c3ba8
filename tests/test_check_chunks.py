"""`fiscal check` in chunks of whole departments, here, over a process pool or over Dask:
the same findings in the same order as one panel of everything.

The committed data folder is only read (FISCAL_DATA points at it); guilin-sfj has three
years, and its 2016 budget states a 2015 figure (公务用车 32.65万元) that the 2015 document
contradicts: a finding (``prior_year``) only a chunk holding both years can make.
"""

from __future__ import annotations

import csv
import io

import pytest

from fiscal.cli import PARALLEL_FROM, chunks_for, workers_for
from fiscal.config import DeptYear

GUILIN = ["guilin-sfj/2015", "guilin-sfj/2016", "guilin-sfj/2017"]


@pytest.fixture
def committed(monkeypatch, committed_settings):
    monkeypatch.setenv("FISCAL_DATA", str(committed_settings.data_dir))
    return committed_settings


def test_chunks_hold_whole_departments_in_key_order(committed):
    keys = [dy.key for dy in committed.dept_years()]
    chunks = chunks_for([], True, size=2)
    assert [k for folders, _ in chunks for k in folders] == sorted(keys)
    for folders, _ in chunks:
        slugs = {DeptYear.parse(k).slug for k in folders}
        assert len(folders) <= 2 or len(slugs) == 1, folders
    guilin = [sorted(f) for f, _ in chunks if "guilin-sfj/2015" in f]
    assert guilin == [GUILIN]  # three years: more than 2, kept together, alone


def test_workers_share_the_chunk_budget_in_even_chunks(committed):
    # 26 department-years, two workers holding at most 10 together: chunks of at most 5
    # (a department with more years goes alone), six of them (a multiple of the workers)
    keys = sorted(dy.key for dy in committed.dept_years())
    chunks = chunks_for([], True, size=10, jobs=2)
    assert [k for folders, _ in chunks for k in folders] == keys
    sizes = [len(folders) for folders, _ in chunks]
    for (folders, _), n in zip(chunks, sizes, strict=True):
        assert n <= 5 or len({DeptYear.parse(k).slug for k in folders}) == 1, folders
    assert len(keys) == 26 and sum(sizes) == 26 and 6 <= len(chunks) <= 7


def test_workers_default_to_one_per_core_only_for_large_checks(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert workers_for(PARALLEL_FROM - 1, None) == 1  # starting workers costs more
    assert workers_for(PARALLEL_FROM, None) == 4
    assert workers_for(10_000, 1) == 1 and workers_for(3, 2) == 2  # -j is obeyed


def findings(fiscal_cli, *argv) -> list[dict]:
    """The findings of ``fiscal check --format csv`` (every finding field, id, verdict)."""
    code, out, err = fiscal_cli("check", "--format", "csv", *argv)
    assert code == 1, err  # the committed data has error-level findings
    return list(csv.DictReader(io.StringIO(out)))


def test_chunked_check_equals_one_panel(committed, fiscal_cli):
    whole = findings(fiscal_cli, "--all", "--chunk", "1000", "-j", "1")
    assert len({f["department"] for f in whole}) == 7
    assert [(f["department"], f["year"]) for f in whole
            if f["rule"] == "prior_year"] == [("guilin-sfj", "2016")]
    # chunks of 2: guilin-sfj's three years would be split if departments were not kept whole
    assert findings(fiscal_cli, "--all", "--chunk", "2", "-j", "2") == whole


def test_dask_check_equals_local(committed, fiscal_cli):
    targets = [*GUILIN, "futian-sti/2018", "beibei-kw/2018", "sz-jyj/2013"]
    local = findings(fiscal_cli, *targets, "--chunk", "1000", "-j", "1")
    assert ("guilin-sfj", "2016", "prior_year") in {(f["department"], f["year"], f["rule"])
                                                   for f in local}
    assert findings(fiscal_cli, *targets, "--chunk", "2", "--executor", "dask",
                    "-j", "2") == local


def test_the_ledger_outputs_are_the_same_in_chunks(committed, fiscal_cli):
    """JSON (findings, coverage ledger, number counts) checked in chunks of whole departments
    is the one panel's, byte for byte: memory is bounded by the chunk for these too."""
    import json

    code, whole, err = fiscal_cli("check", "--all", "--format", "json", "--chunk", "1000")
    assert code == 1, err
    code, chunked, err = fiscal_cli("check", "--all", "--format", "json", "--chunk", "2")
    assert chunked == whole
    data = json.loads(whole)
    assert len(data["coverage"]) % len(committed.dept_years()) == 0
    prior = [r for r in data["coverage"] if r["rule"] == "prior_year"
             and r["department"] == "guilin-sfj" and r["year"] == 2016]
    assert [(r["status"], r["error"]) for r in prior] == [("applies", 1)]
