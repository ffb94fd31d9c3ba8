"""fiscal.batch and ``fiscal report``: planning, skipping, isolation, interruption, executors.

Fast tests pin the plan (what is skipped, what is rebuilt) with a fake manifest, the
summary text, the lock and the command-line errors. Tests marked ``slow`` run whole
batches with ``python -m fiscal.cli report`` in throw-away FISCAL_DATA / FISCAL_REPORTS
folders made of copies of the seed's department-year (data/futian-sti/2018).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import COMMITTED, copy_dept_year

from fiscal import batch
from fiscal.batch import Job, Result, plan, summary
from fiscal.config import DeptYear, Settings
from fiscal.errors import FiscalError, UnknownDepartmentYearError
from fiscal.manifest import Manifest, index_inputs, job_inputs

SEED = DeptYear("futian-sti", 2018)
TWO = {"futian-sti": "深圳市福田区科技创新局", "futian-copy": "福田副本局"}
BATCH_TIMEOUT = 900


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def make_data(root: Path, departments: dict[str, str], broken: tuple[str, ...] = ()) -> Path:
    """A data folder of seed copies, one per slug (slug → department name).

    A slug in ``broken`` gets a t05.csv whose 合计 amount is ``abc``: the folder is listed,
    planned and hashed like any other, and loading fails inside the report notebook.
    """
    data = root / "data"
    data.mkdir(parents=True)
    for slug, name in departments.items():
        folder = copy_dept_year(data, slug, department=name)
        if slug in broken:
            t05 = folder / "t05.csv"
            text = t05.read_text(encoding="utf-8")
            assert ',"33,534.08",33534.08,' in text
            t05.write_text(text.replace(',"33,534.08",33534.08,', ',"33,534.08",abc,', 1),
                           encoding="utf-8")
    return data


def cli_env(data: Path, reports: Path) -> dict[str, str]:
    env = dict(os.environ, FISCAL_DATA=str(data), FISCAL_REPORTS=str(reports))
    env.pop("FISCAL_DEBUG", None)
    return env


def report_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "fiscal.cli", "report", *args]


def fiscal_report(data: Path, reports: Path, *args: str) -> subprocess.CompletedProcess:
    """``fiscal report ARGS…`` in a subprocess, cwd outside the repository."""
    return subprocess.run(report_cmd(*args), env=cli_env(data, reports), cwd=data.parent,
                          capture_output=True, text=True, timeout=BATCH_TIMEOUT,
                          stdin=subprocess.DEVNULL)


def counts(stdout: str) -> tuple[int, int, int]:
    m = re.search(r"(\d+) built, (\d+) skipped, (\d+) failed", stdout)
    assert m, stdout
    return int(m[1]), int(m[2]), int(m[3])


def html_files(reports: Path) -> dict[str, tuple[bytes, int]]:
    """Every report page: relative path → (bytes, mtime_ns)."""
    return {str(p.relative_to(reports)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(reports.rglob("*.html"))}


def assert_intact(reports: Path) -> None:
    """No truncated page and no temporary file of an atomic write left behind."""
    for p in reports.rglob("*.html"):
        assert p.read_bytes().rstrip().endswith(b"</html>"), f"{p} is truncated"
    leftovers = [p for p in reports.rglob(".*") if p.name != batch.LOCK]
    assert leftovers == [], leftovers
    manifest = reports / batch.MANIFEST
    if manifest.exists():
        json.loads(manifest.read_text(encoding="utf-8"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------
# Plan: skip when the manifest matches, rebuild when anything it hashes changes
# ---------------------------------------------------------------------------

@pytest.fixture
def planned(tmp_path: Path) -> Settings:
    """Data with the seed (2018), a fake 2017 of the same department and another department;
    a private copy of the notebooks; a manifest saying the seed's report is current."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(COMMITTED.parents[1] / "departments.csv", data / "departments.csv")
    shutil.copytree(COMMITTED, data / "futian-sti" / "2018")
    for key in ("futian-sti/2017", "other-dept/2018"):
        folder = data / key
        folder.mkdir(parents=True)
        slug, year = key.split("/")
        (folder / "meta.json").write_text(json.dumps({"slug": slug, "year": int(year)}),
                                          encoding="utf-8")
        (folder / "t09.csv").write_text("x\n", encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    shutil.copytree(Settings().notebooks_dir, notebooks)
    s = Settings(data_dir=data, reports_dir=tmp_path / "reports", notebooks_dir=notebooks)
    report = s.report_path(SEED)
    report.parent.mkdir(parents=True)
    report.write_text("<!DOCTYPE html><html>fake</html>\n", encoding="utf-8")
    Manifest(reports={SEED.key: {"status": "built", "inputs": job_inputs(SEED, s),
                                 "html_sha256": sha(report)}}).write(s)
    return s


def only_seed(s: Settings, force: bool = False) -> tuple[list[Job], list[Result]]:
    return plan(s, [SEED], force=force)


def test_plan_skips_when_inputs_and_report_match_the_manifest(planned):
    jobs, skipped = only_seed(planned)
    assert jobs == []
    assert [(r.key, r.status) for r in skipped] == [("futian-sti/2018", "skipped")]
    assert skipped[0].html_sha256 == sha(planned.report_path(SEED))


def test_plan_skips_when_a_file_is_touched_but_unchanged(planned):
    t09 = planned.dept_year_dir(SEED) / "t09.csv"
    os.utime(t09, ns=(time.time_ns(), time.time_ns() + 10**9))
    jobs, skipped = only_seed(planned)
    assert jobs == [] and len(skipped) == 1


def test_plan_rebuilds_when_an_input_file_changes(planned):
    old = job_inputs(SEED, planned)
    t09 = planned.dept_year_dir(SEED) / "t09.csv"
    t09.write_bytes(t09.read_bytes().replace(b"9.4", b"9.5", 1))
    jobs, skipped = only_seed(planned)
    assert skipped == []
    assert [(j.slug, j.year, j.kind) for j in jobs] == [("futian-sti", 2018, "budget")]
    assert jobs[0].inputs == job_inputs(SEED, planned) != old


def test_plan_rebuilds_when_a_file_is_added(planned):
    (planned.dept_year_dir(SEED) / "notes.txt").write_text("新增", encoding="utf-8")
    jobs, _ = only_seed(planned)
    assert len(jobs) == 1


def test_plan_rebuilds_when_another_year_of_the_department_changes(planned):
    # the report's 三公 trend reads the department's other years
    (planned.data_dir / "futian-sti" / "2017" / "t09.csv").write_text("y\n", encoding="utf-8")
    jobs, _ = only_seed(planned)
    assert len(jobs) == 1


def test_plan_ignores_changes_of_another_department(planned):
    (planned.data_dir / "other-dept" / "2018" / "t09.csv").write_text("y\n", encoding="utf-8")
    jobs, skipped = only_seed(planned)
    assert jobs == [] and len(skipped) == 1


def test_plan_rebuilds_when_the_notebook_changes(planned):
    nb = planned.notebook("budget_report.ipynb")
    nb.write_bytes(nb.read_bytes() + b"\n")
    jobs, _ = only_seed(planned)
    assert len(jobs) == 1


def test_plan_rebuilds_when_the_package_code_changes(planned, monkeypatch):
    # a new version, or a rule or template edited under the same version number
    monkeypatch.setattr("fiscal.manifest.code_fingerprint", lambda: "another build")
    jobs, _ = only_seed(planned)
    assert len(jobs) == 1


@pytest.mark.parametrize("damage", ["edited", "deleted"])
def test_plan_rebuilds_when_the_report_is_not_the_one_built(planned, damage):
    report = planned.report_path(SEED)
    if damage == "deleted":
        report.unlink()
    else:
        report.write_text("<html>edited by hand</html>\n", encoding="utf-8")
    jobs, _ = only_seed(planned)
    assert len(jobs) == 1


def test_plan_rebuilds_a_department_year_that_failed_last_time(planned):
    manifest = Manifest.read(planned)
    manifest.reports[SEED.key].update(status="failed", message="x")
    manifest.write(planned)
    jobs, _ = only_seed(planned)
    assert len(jobs) == 1


@pytest.mark.parametrize("manifest", [None, "{not json", "[]", '{"reports": {}}'])
def test_plan_rebuilds_everything_without_a_usable_manifest(planned, manifest):
    path = planned.reports_dir / batch.MANIFEST
    if manifest is None:
        path.unlink()
    else:
        path.write_text(manifest, encoding="utf-8")
    jobs, skipped = only_seed(planned)
    assert len(jobs) == 1 and skipped == []


def test_plan_force_rebuilds_what_is_current(planned):
    jobs, skipped = only_seed(planned, force=True)
    assert len(jobs) == 1 and skipped == []


def test_plan_of_an_unknown_department_year_is_an_error(planned):
    with pytest.raises(UnknownDepartmentYearError, match="futian-sti/1999"):
        plan(planned, [DeptYear("futian-sti", 1999)])


def test_job_inputs_do_not_depend_on_where_the_folders_are(planned, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(planned.data_dir, moved / "data")
    other = Settings(data_dir=moved / "data", reports_dir=moved / "reports",
                     notebooks_dir=planned.notebooks_dir)
    assert job_inputs(SEED, other) == job_inputs(SEED, planned)


# ---------------------------------------------------------------------------
# The index: rebuilt only when what it shows may have changed; a no-op run starts nothing
# ---------------------------------------------------------------------------

def current_index(s: Settings, status: dict[str, str] | None = None) -> Path:
    """A fake index page that the manifest records as built from the current inputs."""
    page = s.index_path
    page.write_text("<!DOCTYPE html><html>index</html>\n", encoding="utf-8")
    manifest = Manifest.read(s)
    manifest.index = {"status": "built", "inputs": index_inputs(s, status or {}),
                      "html_sha256": sha(page)}
    manifest.write(s)
    return page


def change_other_department(s: Settings) -> None:
    (s.data_dir / "other-dept" / "2018" / "t09.csv").write_text("y\n", encoding="utf-8")


def change_overview(s: Settings) -> None:
    nb = s.notebook("overview.ipynb")
    nb.write_bytes(nb.read_bytes() + b"\n")


def edit_index(s: Settings) -> None:
    s.index_path.write_text("<html>edited by hand</html>\n", encoding="utf-8")


def test_index_is_current_while_nothing_it_shows_changed(planned):
    current_index(planned)
    assert Manifest.read(planned).index_current(index_inputs(planned, {}), planned)


@pytest.mark.parametrize("change", [change_other_department, change_overview, edit_index])
def test_index_is_stale_when_a_department_year_the_notebook_or_the_page_changes(planned,
                                                                                change):
    # unlike a report, the index shows every department: any folder counts
    current_index(planned)
    change(planned)
    assert not Manifest.read(planned).index_current(index_inputs(planned, {}), planned)


def test_index_is_stale_when_a_status_or_the_code_changes(planned, monkeypatch):
    current_index(planned)
    manifest = Manifest.read(planned)
    assert not manifest.index_current(index_inputs(planned, {SEED.key: "失败：x"}), planned)
    monkeypatch.setattr("fiscal.manifest.code_fingerprint", lambda: "another build")
    assert not manifest.index_current(index_inputs(planned, {}), planned)


def no_worker(*args, **kwargs):
    raise AssertionError("a run with nothing to build started workers")


def test_a_run_with_nothing_to_do_starts_no_worker_and_rewrites_nothing(planned, monkeypatch):
    page = current_index(planned)
    before = html_files(planned.reports_dir), sha(planned.reports_dir / batch.MANIFEST)
    monkeypatch.setattr(batch, "executor", no_worker)
    monkeypatch.setattr(batch, "start_kernel", no_worker)
    results = batch.run([SEED], planned)
    assert [(r.key, r.status) for r in results] == [(SEED.key, "skipped")]
    assert (html_files(planned.reports_dir), sha(planned.reports_dir / batch.MANIFEST)) == before
    assert page.read_text(encoding="utf-8") == "<!DOCTYPE html><html>index</html>\n"


def test_a_stale_index_is_rebuilt_once_then_skipped(planned, monkeypatch):
    """The overview notebook changed: the first run rebuilds the index (in a worker) and
    records it; the second finds it current and starts nothing."""
    from concurrent.futures import ThreadPoolExecutor

    current_index(planned)
    change_overview(planned)
    built = []

    def fake_index(settings, status):  # what a worker's warm kernel would write
        built.append(status)
        settings.index_path.write_text("<html>new index</html>\n", encoding="utf-8")
        return str(settings.index_path)

    monkeypatch.setattr(batch, "_worker_index", fake_index)
    monkeypatch.setattr(batch, "executor", lambda *a: ThreadPoolExecutor(1))
    assert [r.status for r in batch.run([SEED], planned)] == ["skipped"]
    assert built == [{}]
    entry = Manifest.read(planned).index
    assert entry == {"status": "built", "inputs": index_inputs(planned, {}),
                     "html_sha256": sha(planned.index_path)}
    monkeypatch.setattr(batch, "executor", no_worker)
    assert [r.status for r in batch.run([SEED], planned)] == ["skipped"]
    assert built == [{}]


# ---------------------------------------------------------------------------
# Summary, lock, command line
# ---------------------------------------------------------------------------

def test_local_workers_have_the_commands_environment_not_the_fork_servers(monkeypatch):
    """The workers are forked from a fork server that lives as long as this process; each
    pool's workers still see the environment of the moment the pool was made."""
    monkeypatch.setenv("FISCAL_PROBE", "first")
    with batch.executor("local", 1) as pool:
        assert pool.submit(os.getenv, "FISCAL_PROBE").result() == "first"
    monkeypatch.setenv("FISCAL_PROBE", "second")
    with batch.executor("local", 1) as pool:
        assert pool.submit(os.getenv, "FISCAL_PROBE").result() == "second"


def test_summary_lists_failures_then_counts(tmp_path):
    s = Settings(data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    results = [
        Result("a-dept/2018", "built", html_sha256="0" * 64),
        Result("b-dept/2018", "skipped"),
        Result("c-dept/2018", "failed", message="cell 3 failed: AmountError: bad",
               kept="_failed/c-dept/2018.ipynb"),
        Result("d-dept/2017-final", "failed", message="worker died: BrokenProcessPool"),
    ]
    text = summary(results, s)
    reports = tmp_path / "reports"
    assert text.splitlines() == [
        "FAILED c-dept/2018: cell 3 failed: AmountError: bad"
        f" (partial notebook: {reports / '_failed/c-dept/2018.ipynb'})",
        "FAILED d-dept/2017-final: worker died: BrokenProcessPool",
        f"1 built, 1 skipped, 2 failed; reports in {reports}, index {reports / 'index.html'}",
    ]


def test_summary_of_an_all_skipped_run(tmp_path):
    s = Settings(data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    text = summary([Result("a-dept/2018", "skipped"), Result("b-dept/2018", "skipped")], s)
    assert text.startswith("0 built, 2 skipped, 0 failed; reports in ")
    assert "\n" not in text


def test_results_serialise_to_json():
    out = json.loads(batch.to_json([Result("a-dept/2018", "failed", message="坏了")]))
    assert out[0]["key"] == "a-dept/2018" and out[0]["message"] == "坏了"


def test_a_second_batch_on_the_same_reports_folder_is_locked_out(tmp_path):
    s = Settings(data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    locked_out = pytest.raises(batch.BatchLockedError, match="another `fiscal report`")
    with batch.lock(s), locked_out, batch.lock(s, wait=False):
        pass  # pragma: no cover
    with batch.lock(s, wait=False):  # released
        pass
    assert isinstance(batch.BatchLockedError("x"), FiscalError)


def test_report_without_target_is_a_usage_error(tmp_data, fiscal_cli):
    code, out, err = fiscal_cli("report")
    assert code == 2
    assert "no department-year given" in err and "Traceback" not in err


def test_report_with_zero_jobs_is_a_usage_error(tmp_data, fiscal_cli):
    copy_dept_year(tmp_data, "futian-sti")
    code, _, err = fiscal_cli("report", "--all", "-j", "0")
    assert code == 2
    assert "-j must be 1 or more" in err


def test_report_of_an_unknown_department_year_names_it(tmp_data, fiscal_cli):
    code, _, err = fiscal_cli("report", "nope-dept/2018")
    assert code == 2
    assert "nope-dept/2018" in err and "Traceback" not in err


def test_index_shows_the_status_of_a_failed_department_year(seed_report_settings):
    from fiscal import view

    body = view.index(seed_report_settings, status={"futian-sti/2018": "失败：cell 3 failed"})
    html = body._repr_html_()
    assert '<a href="futian-sti/2018.html">深圳市福田区科技创新局</a>' in html
    assert "失败：cell 3 failed" in html


# ---------------------------------------------------------------------------
# (a) a broken department-year among good ones
# ---------------------------------------------------------------------------

BROKEN_ERROR = "t05.csv, line 2, column amount_wan: 'abc' is not a number"


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("broken")
    data = make_data(root, {"good-a": "甲局", "good-b": "乙局", "broken-c": "丙局"},
                     broken=("broken-c",))
    reports = root / "reports"
    done = fiscal_report(data, reports, "--all", "-j", "2")
    return done, reports


@pytest.mark.slow
def test_broken_batch_builds_the_good_ones(broken_run):
    done, reports = broken_run
    for slug in ("good-a", "good-b"):
        page = reports / slug / "2018.html"
        assert page.is_file(), done.stderr
        assert "2018 年部门预算" in page.read_text(encoding="utf-8")
    assert not (reports / "broken-c" / "2018.html").exists()
    assert_intact(reports)
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_broken_batch_keeps_the_partial_notebook_and_the_message(broken_run):
    _, reports = broken_run
    kept = reports / "_failed" / "broken-c" / "2018.ipynb"
    assert kept.is_file()
    nb = json.loads(kept.read_text(encoding="utf-8"))
    assert "AmountError" in json.dumps(nb, ensure_ascii=False)
    entry = json.loads((reports / batch.MANIFEST).read_text(encoding="utf-8"))["reports"]
    assert entry["broken-c/2018"]["status"] == "failed"
    assert BROKEN_ERROR in entry["broken-c/2018"]["message"]
    assert entry["broken-c/2018"]["kept"] == "_failed/broken-c/2018.ipynb"
    assert {entry[k]["status"] for k in ("good-a/2018", "good-b/2018")} == {"built"}


@pytest.mark.slow
def test_broken_batch_exits_1_and_the_summary_names_the_failure(broken_run):
    done, reports = broken_run
    assert done.returncode == 1, done.stderr
    assert counts(done.stdout) == (2, 0, 1)
    line = next(x for x in done.stdout.splitlines() if x.startswith("FAILED broken-c/2018:"))
    assert BROKEN_ERROR in line
    assert f"partial notebook: {reports / '_failed' / 'broken-c' / '2018.ipynb'}" in line
    assert not (reports / batch.WORK).exists()  # the run got as far as tidying up


@pytest.mark.slow
def test_broken_batch_index_names_the_failure(broken_run):
    _, reports = broken_run
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "good-a/2018.html" in index and "good-b/2018.html" in index
    row = next(r for r in index.split("<tr>") if "丙局" in r or "broken-c" in r)
    assert "失败" in row
    assert "is not a number" in row


# ---------------------------------------------------------------------------
# (b) rerun skips, --force rebuilds; (d) Dask gives the same bytes
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("good")
    data = make_data(root, TWO)
    reports = root / "reports"
    done = fiscal_report(data, reports, "--all", "-j", "2")
    return data, reports, done, html_files(reports)


@pytest.mark.slow
def test_good_batch_builds_every_report_and_the_index(good_run):
    _, reports, done, pages = good_run
    assert done.returncode == 0, done.stderr
    assert counts(done.stdout) == (2, 0, 0)
    assert set(pages) == {"futian-copy/2018.html", "futian-sti/2018.html", "index.html"}
    assert_intact(reports)
    index = pages["index.html"][0].decode()
    assert 'href="futian-sti/2018.html"' in index and 'href="futian-copy/2018.html"' in index
    manifest = json.loads((reports / batch.MANIFEST).read_text(encoding="utf-8"))["reports"]
    for key in ("futian-sti/2018", "futian-copy/2018"):
        assert manifest[key]["status"] == "built"
        assert manifest[key]["html_sha256"] == sha(reports / f"{key}.html")
    assert not (reports / batch.WORK).exists() and not (reports / batch.FAILED).exists()


@pytest.mark.slow
def test_second_run_skips_everything_and_changes_no_report(good_run, tmp_path):
    data, reports, _, _ = good_run
    again = tmp_path / "reports"
    shutil.copytree(reports, again)  # copy2: bytes and mtimes kept
    before = html_files(again)
    done = fiscal_report(data, again, "--all", "-j", "2")
    assert done.returncode == 0, done.stderr
    assert counts(done.stdout) == (0, 2, 0)
    after = html_files(again)
    for page in ("futian-sti/2018.html", "futian-copy/2018.html"):
        assert after[page] == before[page]  # same bytes, same mtime
    assert after["index.html"] == before["index.html"]  # not rebuilt: nothing changed
    assert_intact(again)


@pytest.mark.slow
def test_force_rebuilds_every_report_with_the_same_bytes(good_run, tmp_path):
    data, reports, _, _ = good_run
    again = tmp_path / "reports"
    shutil.copytree(reports, again)
    before = html_files(again)
    done = fiscal_report(data, again, "--all", "-j", "2", "--force")
    assert done.returncode == 0, done.stderr
    assert counts(done.stdout) == (2, 0, 0)
    after = html_files(again)
    for page in ("futian-sti/2018.html", "futian-copy/2018.html"):
        assert after[page][0] == before[page][0]
        assert after[page][1] > before[page][1], "not rewritten"


@pytest.mark.slow
def test_dask_executor_gives_byte_identical_reports(good_run, tmp_path):
    data, reports, _, pages = good_run
    dask_reports = tmp_path / "reports"
    done = fiscal_report(data, dask_reports, "--all", "-j", "2", "--executor", "dask")
    assert done.returncode == 0, done.stderr
    assert counts(done.stdout) == (2, 0, 0)
    dask_pages = html_files(dask_reports)
    assert set(dask_pages) == set(pages)
    for page in pages:
        assert dask_pages[page][0] == pages[page][0], page
    assert (json.loads((dask_reports / batch.MANIFEST).read_text(encoding="utf-8"))
            == json.loads((reports / batch.MANIFEST).read_text(encoding="utf-8")))
    assert_intact(dask_reports)


# ---------------------------------------------------------------------------
# (c) an interrupted run leaves nothing half-written and the next run finishes
# ---------------------------------------------------------------------------

FIVE = {**TWO, "futian-third": "福田第三局", "futian-fourth": "福田第四局",
        "futian-fifth": "福田第五局"}
SIGINT_GRACE = 30  # seconds a batch may take to stop after Ctrl-C (it needs about 2)


#: Run a command with Ctrl-C's default action, as a terminal's foreground job has it: a test
#: run started in the background by a shell (``make test &``) inherits SIGINT ignored.
AS_IN_A_TERMINAL = [sys.executable, "-c", "import os, signal, sys;"
                    " signal.signal(signal.SIGINT, signal.SIG_DFL);"
                    " os.execv(sys.argv[1], sys.argv[1:])"]


def interrupt_batch(root: Path, sig: int) -> dict:
    """Run ``fiscal report --all -j 1`` over five department-years and send ``sig`` to its
    process group (as Ctrl-C in a terminal does) as soon as the first report is written,
    i.e. while the second one is being built. Each page has a chart of its own to draw
    (about 0.6 s a page, where a copy of a page the worker has drawn takes 0.3 s), so the
    signal has three pages' time to land before the batch could end."""
    data = make_data(root, FIVE)
    for n, slug in enumerate(FIVE):  # each page's charts differ: every one is drawn
        t05 = data / slug / "2018" / "t05.csv"
        text = t05.read_text(encoding="utf-8")
        assert ",科学技术支出,科学技术支出," in text
        t05.write_text(text.replace(",科学技术支出,科学技术支出,",
                                    f",科学技术支出,科学技术支出（{n}）,"), encoding="utf-8")
    reports = root / "reports"
    proc = subprocess.Popen(AS_IN_A_TERMINAL + report_cmd("--all", "-j", "1"),
                            env=cli_env(data, reports),
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    hung = False
    try:
        started = time.monotonic()
        while time.monotonic() - started < 120 and proc.poll() is None:
            if list(reports.glob("*/2018.html")):
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the batch finished before it could be interrupted"
        os.killpg(proc.pid, sig)
        try:
            _, err = proc.communicate(timeout=SIGINT_GRACE)
        except subprocess.TimeoutExpired:
            hung = True
            os.killpg(proc.pid, signal.SIGKILL)
            _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return {"data": data, "reports": reports, "returncode": proc.returncode, "stderr": err,
            "hung": hung, "kernels": kernels_of(reports)}


def kernels_of(reports: Path, wait: float = 5.0) -> list[int]:
    """The pids of kernels still running for ``reports`` (their environment names it)
    after up to ``wait`` seconds."""
    mine = f"FISCAL_REPORTS={reports}".encode()
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if mine in environ.read_bytes().split(b"\0") and b"ipykernel" in (
                        environ.parent / "cmdline").read_bytes():
                    alive.append(int(environ.parent.name))
            except OSError:
                continue
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def assert_next_run_finishes(run: dict) -> None:
    reports = run["reports"]
    assert_intact(reports)  # nothing half-written by the interrupted run
    done_before = {p.parent.name for p in reports.glob("*/2018.html")}
    assert 1 <= len(done_before) < len(FIVE)
    assert not (reports / "index.html").exists()

    done = fiscal_report(run["data"], reports, "--all", "-j", "2")
    assert done.returncode == 0, done.stderr
    built, skipped, failed = counts(done.stdout)
    assert failed == 0 and built + skipped == len(FIVE)
    assert built >= len(FIVE) - len(done_before)
    assert {p.parent.name for p in reports.glob("*/2018.html")} == set(FIVE)
    assert (reports / "index.html").is_file()
    assert_intact(reports)
    assert not (reports / batch.WORK).exists()


@pytest.fixture(scope="module")
def sigint_run(tmp_path_factory) -> dict:
    return interrupt_batch(tmp_path_factory.mktemp("sigint"), signal.SIGINT)


@pytest.mark.slow
def test_sigint_leaves_no_partial_report_and_the_next_run_finishes(sigint_run):
    assert_next_run_finishes(sigint_run)


@pytest.mark.slow
def test_sigint_stops_the_batch_promptly_without_a_traceback(sigint_run):
    assert not sigint_run["hung"], f"still running {SIGINT_GRACE} s after SIGINT"
    assert sigint_run["returncode"] == 130
    assert "fiscal: interrupted" in sigint_run["stderr"]
    assert "Traceback" not in sigint_run["stderr"], sigint_run["stderr"][-2000:]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
def test_sigint_leaves_no_kernel_and_no_work_notebook_behind(sigint_run):
    # the worker building when Ctrl-C came is terminated: it kills its kernel, and the
    # command removes the notebook papermill was writing once the worker is gone
    assert sigint_run["kernels"] == []
    assert not (sigint_run["reports"] / batch.WORK).exists()


@pytest.mark.slow
def test_sigkill_leaves_no_partial_report_and_the_next_run_finishes(tmp_path):
    run = interrupt_batch(tmp_path, signal.SIGKILL)
    assert run["returncode"] == -signal.SIGKILL
    # what a worker killed mid-build leaves (whether or not this kill caught one): the
    # next run, which holds the folder's lock, removes it
    stale = run["reports"] / batch.WORK / "futian-sti" / "2018.99999.ipynb"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("{", encoding="utf-8")
    assert_next_run_finishes(run)


# ---------------------------------------------------------------------------
# (e) a warm kernel's output is byte-identical to a fresh kernel's
# ---------------------------------------------------------------------------

@pytest.mark.slow
def test_warm_kernel_gives_the_bytes_of_a_fresh_kernel(tmp_path, monkeypatch):
    from fiscal.report import ReportError, build, start_kernel

    data = make_data(tmp_path, {**TWO, "broken-c": "丙局"}, broken=("broken-c",))
    warm = Settings(data_dir=data, reports_dir=tmp_path / "warm")
    fresh = Settings(data_dir=data, reports_dir=tmp_path / "fresh")
    monkeypatch.setenv("FISCAL_DATA", str(data))
    monkeypatch.setenv("FISCAL_REPORTS", str(warm.reports_dir))
    a, b = DeptYear("futian-copy", 2018), DeptYear("futian-sti", 2018)
    km = start_kernel(warm)
    try:
        build(a, warm, km=km)                              # A first, in the warm kernel
        b_after_a = build(b, warm, km=km).read_bytes()     # then B in the same kernel
        with pytest.raises(ReportError, match="AmountError"):
            build(DeptYear("broken-c", 2018), warm, km=km)  # a failure in between
        assert km.is_alive()
        b_after_failure = build(b, warm, km=km).read_bytes()
    finally:
        km.shutdown_kernel(now=True)
    monkeypatch.setenv("FISCAL_REPORTS", str(fresh.reports_dir))
    b_fresh = build(b, fresh, km=None).read_bytes()        # B alone, fresh kernel
    assert b_after_a == b_fresh
    assert b_after_failure == b_fresh


# ---------------------------------------------------------------------------
# (f) two batches at once on the same reports folder
# ---------------------------------------------------------------------------

@pytest.mark.slow
def test_two_batches_at_once_one_waits_for_the_lock(tmp_path):
    data = make_data(tmp_path, TWO)
    reports = tmp_path / "reports"
    env = cli_env(data, reports)
    procs = [subprocess.Popen(report_cmd("--all", "-j", "1"), env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True) for _ in range(2)]
    try:
        outs = [p.communicate(timeout=BATCH_TIMEOUT) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    waited = [e for _, e in outs if "waiting for it to finish" in e]
    assert len(waited) == 1, [e for _, e in outs]
    assert str(reports / ".lock") in waited[0]
    # the first builds both; the second, once it has the lock, finds them current
    assert sorted(counts(o) for o, _ in outs) == [(0, 2, 0), (2, 0, 0)]
    assert_intact(reports)
    assert {p.parent.name for p in reports.glob("*/2018.html")} == {"futian-sti", "futian-copy"}


def notebooks_with_cell(tmp_path: Path, source: str) -> Path:
    """A copy of the notebooks whose report runs ``source`` right after its parameters."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(Settings().notebooks_dir, notebooks)
    path = notebooks / "budget_report.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].insert(1, {"cell_type": "code", "execution_count": None, "metadata": {},
                           "outputs": [], "id": "injected-by-test", "source": source})
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return notebooks


@pytest.mark.slow
def test_a_report_that_kills_its_worker_fails_alone(tmp_path):
    """A notebook that kills the process running it (here its cell calls os._exit, as an
    interpreter crash or the out-of-memory killer would) broke the pool, and every report
    not yet built failed with it ("worker died"). Now those are built again in a new pool,
    and the one that kills that one too is built in a kernel of its own: it alone fails
    (the kernel died), and the others and the index are built."""
    data = make_data(tmp_path, {"good-a": "甲局", "crash-b": "乙局", "good-c": "丙局",
                                "good-d": "丁局"})
    notebooks = notebooks_with_cell(tmp_path, "import os\n"
                                    "if department == 'crash-b':\n    os._exit(70)")
    s = Settings(data_dir=data, reports_dir=tmp_path / "reports", notebooks_dir=notebooks)

    results = {r.key: r for r in batch.run(s.dept_years(), s, workers=2)}

    assert {k: r.status for k, r in results.items()} == {  # (and no failed index)
        "crash-b/2018": "failed", "good-a/2018": "built", "good-c/2018": "built",
        "good-d/2018": "built"}
    assert results["crash-b/2018"].message.startswith("the kernel died running the notebook")
    for slug in ("good-a", "good-c", "good-d"):
        assert "年部门预算" in (s.reports_dir / slug / "2018.html").read_text(encoding="utf-8")
    assert "失败" in (s.reports_dir / "index.html").read_text(encoding="utf-8")
    assert_intact(s.reports_dir)


@pytest.mark.slow
def test_the_index_built_while_the_last_page_builds_is_redone_if_that_page_fails(
        tmp_path, monkeypatch):
    """Once a worker is free and no page has failed, the index is built on it while the
    last pages are built (the workers' time, not after them). A page that then fails
    changes what the index shows: it is built again, with the failure. Here slow-c's
    notebook sleeps, then fails, after good-a and good-b are built."""
    data = make_data(tmp_path, {"good-a": "甲局", "good-b": "乙局", "slow-c": "丙局"})
    notebooks = notebooks_with_cell(tmp_path, "import time\n"
                                    "if department == 'slow-c':\n    time.sleep(4)\n"
                                    "    raise ValueError('丙局的表格读不出来')")
    s = Settings(data_dir=data, reports_dir=tmp_path / "reports", notebooks_dir=notebooks)
    early_built = []
    original = batch._early_index
    monkeypatch.setattr(batch, "_early_index", lambda *a: early_built.append(1) or original(*a))

    results = {r.key: r for r in batch.run(s.dept_years(), s, workers=2)}

    assert early_built == [1]  # (good-a and good-b done, slow-c still running)
    assert results["slow-c/2018"].status == "failed"
    index = (s.reports_dir / "index.html").read_text(encoding="utf-8")
    row = next(r for r in index.split("<tr>") if "丙局" in r)
    assert "失败" in row and "丙局的表格读不出来" in row
    entry = json.loads((s.reports_dir / batch.MANIFEST).read_text(encoding="utf-8"))
    assert entry["index"]["html_sha256"] == sha(s.reports_dir / "index.html")
