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


def test_each_worker_writes_its_chunks_csv_as_one_panel_would(tmp_path, monkeypatch,
                                                               fiscal_cli):
    """`fiscal check --format csv` over workers: each chunk's CSV, verdicts included, is made
    where the chunk was checked and the command only joins them; the result is, byte for
    byte, the CSV of one panel of everything made in one place. guilin-sfj 2016's
    prior_year error is marked not-a-problem (its only error: 2015 still fails, exit 1),
    and a verdict whose finding is gone is still warned of."""
    import shutil

    import pandas as pd

    from fiscal import verdicts
    from fiscal.checks import FINDING_COLUMNS, run_rules
    from fiscal.cli import OUTPUT_EXTRA, panel_of
    from tests.conftest import COMMITTED_DATA

    data = tmp_path / "data"
    for key in [*GUILIN, "futian-sti/2018"]:
        shutil.copytree(COMMITTED_DATA / key, data / key)
    shutil.copy(COMMITTED_DATA / "departments.csv", data / "departments.csv")
    (data / "guilin-sfj/2016/review.csv").write_text(
        "id,verdict,note,who,date\n"
        "prior_year-25762fe7,not-a-problem,\"2015 年文件漏印, 见附注\",审校,2026-11-30\n"
        "outline-00000000,confirmed,gone,审校,2026-11-30\n", encoding="utf-8")
    monkeypatch.setenv("FISCAL_DATA", str(data))

    code, out, err = fiscal_cli("check", "--all", "--format", "csv", "--chunk", "2", "-j", "2")

    folders = {f"{p.parent.name}/{p.name}": p for p in sorted(data.glob("*/*"))}
    found, stale = verdicts.apply(run_rules(panel_of(folders, [])), {
        "guilin-sfj/2016": verdicts.read(data / "guilin-sfj/2016/review.csv")})
    one_place = found.reindex(columns=[*FINDING_COLUMNS, *OUTPUT_EXTRA]).to_csv(
        index=False, lineterminator="\n")
    assert out == one_place
    rows = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    dismissed = rows[rows["verdict"] == "not-a-problem"]
    assert dismissed[["department", "year", "rule", "id"]].values.tolist() == [
        ["guilin-sfj", "2016", "prior_year", "prior_year-25762fe7"]]
    assert code == 1  # guilin-sfj 2015's own errors
    assert stale["id"].tolist() == ["outline-00000000"]
    assert "stale verdict (confirmed) on outline-00000000" in err


def test_the_workers_server_is_started_early_only_for_a_pool(committed, monkeypatch):
    """The fork server of `fiscal check`'s workers imports the checks while the targets are
    listed, but only where a pool will run: never for one department-year (a check in a
    blink starts no second process)."""
    import argparse

    from fiscal.cli import _pool_ahead

    def args(*targets, all_=False, jobs=None):
        return argparse.Namespace(targets=list(targets), all=all_, jobs=jobs)

    monkeypatch.setattr("fiscal.cli.PARALLEL_FROM", 8)
    slugs = {dy.slug for dy in committed.dept_years()}
    assert len(slugs) >= 8  # (and departments.csv beside them)
    assert _pool_ahead(args(all_=True))
    assert not _pool_ahead(args("futian-sti/2018"))
    assert not _pool_ahead(args(all_=True, jobs=1))
    assert _pool_ahead(args("futian-sti/2018", "sz-jyj/2013", jobs=2))
    assert not _pool_ahead(args("futian-sti/2018", jobs=2))
    monkeypatch.setattr("fiscal.cli.PARALLEL_FROM", 500)
    assert not _pool_ahead(args(all_=True))  # 26 department-years: checked here


def _grandchildren(pid: int) -> list[int]:
    """The processes whose parent's parent is ``pid`` (a pool's workers, forked by its fork
    server), from /proc."""
    import os

    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()  # noqa: SIM115
            except OSError:
                continue
            parent[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
    return [p for p, pp in parent.items() if parent.get(pp) == pid]


@pytest.mark.slow
def test_a_worker_killed_mid_check_is_replaced_and_every_finding_listed(tmp_path):
    """The out-of-memory killer takes a worker of `fiscal check --all` (SIGKILL): its pool is
    broken, and the chunks not done then are checked again in a new pool. The output is
    the undisturbed run's, byte for byte; before, the command ended with "internal error:
    BrokenProcessPool … this is a bug"."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import copy_dept_year

    data = tmp_path / "data"
    for i in range(PARALLEL_FROM + 100):  # enough to check over a pool of workers
        copy_dept_year(data, f"copy-{i:04d}")
    env = dict(os.environ, FISCAL_DATA=str(data))
    cmd = [sys.executable, "-m", "fiscal.cli", "check", "--all", "--format", "csv",
           "-j", "2", "--chunk", "200"]
    calm = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert calm.returncode == 0, calm.stderr
    assert calm.stdout.count("\n") == 1 + 13 * (PARALLEL_FROM + 100)  # the seed's 13 each

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline, killed = time.monotonic() + 60, None
    while killed is None and time.monotonic() < deadline and proc.poll() is None:
        workers = _grandchildren(proc.pid)
        if workers:
            time.sleep(0.3)  # (checking by now)
            killed = min(workers)
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    out, err = proc.communicate(timeout=300)
    assert killed is not None, "no worker seen"
    assert proc.returncode == 0, err
    assert out == calm.stdout
