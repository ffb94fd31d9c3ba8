"""Batch reports: plan every department-year, build them in parallel, skip what is current.

Each worker process owns one warm Jupyter kernel and builds department-years
in turn with it (imports, fonts and caches are paid once per worker, not per
report; ``tests/test_batch.py`` proves a warm kernel's HTML byte-identical to a
fresh kernel's). Workers are a local process pool or a Dask cluster; the plan
and the bytes are the same. A failing department-year is isolated: its message
and partial notebook are kept, the others finish, the index lists it and the
batch exits 1. Reports are written atomically and a manifest of input hashes
lets a rerun skip what has not changed. One lock per reports folder keeps two
batches from writing at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from fiscal import __version__
from fiscal.config import DeptYear, Settings
from fiscal.errors import BatchLockedError, FiscalError

MANIFEST = "manifest.json"
LOCK = ".lock"
WORK = "_work"
FAILED = "_failed"


@dataclass(frozen=True)
class Job:
    """One department-year to build."""

    slug: str
    year: int
    kind: str
    inputs: str

    @property
    def dept_year(self) -> DeptYear:
        return DeptYear(self.slug, self.year, self.kind)


@dataclass
class Result:
    """What became of a job."""

    key: str
    status: str  # built, skipped, failed
    message: str = ""
    seconds: float = 0.0
    kept: str = ""
    html_sha256: str = ""


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------

def job_inputs(dy: DeptYear, settings: Settings) -> str:
    """Hash of everything a report depends on: its department's folders of that kind (the
    三公 trend reads the other years), the notebook and the package version."""
    from fiscal.report import REPORT_NOTEBOOK

    h = hashlib.sha256()
    for other in settings.dept_years():
        if other.slug == dy.slug and other.kind == dy.kind:
            folder = settings.dept_year_dir(other)
            for path in sorted(p for p in folder.iterdir() if p.is_file()):
                h.update(f"{other.key}/{path.name}".encode() + b"\0" + path.read_bytes())
    h.update(settings.notebook(REPORT_NOTEBOOK).read_bytes())
    h.update(__version__.encode())
    return h.hexdigest()


def read_manifest(settings: Settings) -> dict:
    path = settings.reports_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data.get("reports", {}) if isinstance(data, dict) else {}
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}


def write_manifest(settings: Settings, entries: dict) -> None:
    from fiscal.report import write_atomic

    data = {"fiscal": __version__, "reports": dict(sorted(entries.items()))}
    write_atomic(settings.reports_dir / MANIFEST,
                 json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _sha(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def plan(settings: Settings, targets: list[DeptYear], force: bool = False
         ) -> tuple[list[Job], list[Result]]:
    """Jobs to build and department-years to skip (inputs and report unchanged)."""
    manifest = read_manifest(settings)
    jobs, skipped = [], []
    for dy in targets:
        settings.existing_dept_year_dir(dy)
        inputs = job_inputs(dy, settings)
        entry = manifest.get(dy.key, {})
        report = settings.report_path(dy)
        if (not force and entry.get("inputs") == inputs and entry.get("status") == "built"
                and entry.get("html_sha256") == _sha(report)):
            skipped.append(Result(dy.key, "skipped", html_sha256=entry["html_sha256"]))
        else:
            jobs.append(Job(dy.slug, dy.year, dy.kind, inputs))
    return jobs, skipped


# ---------------------------------------------------------------------------
# Workers: one warm kernel per process
# ---------------------------------------------------------------------------

_KM = None


_KM_FOR: Settings | None = None


def _kernel(settings: Settings):
    """This process's warm kernel for these settings, started on first use."""
    global _KM, _KM_FOR
    if _KM is not None and _KM.is_alive() and settings == _KM_FOR:
        return _KM
    _shutdown()
    from fiscal.report import start_kernel

    _KM, _KM_FOR = start_kernel(settings), settings
    return _KM


def _shutdown() -> None:
    global _KM
    if _KM is not None:
        with contextlib.suppress(Exception):
            _KM.shutdown_kernel(now=True)
        _KM = None


def run_job(job: Job, settings: Settings, fresh: bool = False) -> Result:
    """Build one report in this process's warm kernel (or a fresh one)."""
    from fiscal.report import build

    dy = job.dept_year
    started = time.perf_counter()
    work = settings.reports_dir / WORK / dy.slug / f"{dy.folder_name}.{os.getpid()}.ipynb"
    work.parent.mkdir(parents=True, exist_ok=True)
    try:
        km = None if fresh else _kernel(settings)
        try:
            out = build(dy, settings, keep=work, km=km, inputs=job.inputs)
        except FiscalError:
            raise
        except Exception as exc:  # the kernel died: one more try on a new kernel
            if fresh or (km is not None and km.is_alive()):
                raise FiscalError(f"{type(exc).__name__}: {exc}") from None
            _shutdown()
            out = build(dy, settings, keep=work, km=_kernel(settings),
                        inputs=job.inputs)
        work.unlink(missing_ok=True)
        return Result(dy.key, "built", seconds=time.perf_counter() - started,
                      html_sha256=_sha(out))
    except FiscalError as exc:
        kept = ""
        if work.exists():
            dest = settings.reports_dir / FAILED / dy.slug / f"{dy.folder_name}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(work, dest)
            kept = str(dest.relative_to(settings.reports_dir))
        return Result(dy.key, "failed", message=exc.detail if exc.path is None else str(exc),
                      seconds=time.perf_counter() - started, kept=kept)


def _worker_job(job: Job, settings: Settings) -> Result:
    return run_job(job, settings)


def _worker_index(settings: Settings, status: dict[str, str]) -> str:
    """Build the index in this process's warm kernel."""
    from fiscal.report import build_index

    return str(build_index(settings, status=status, km=_kernel(settings)))


def _init_worker() -> None:
    """A pool worker leaves Ctrl-C to the command, which stops the pool; it shuts its
    kernel down when it exits."""
    import atexit
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    atexit.register(_shutdown)


# ---------------------------------------------------------------------------
# Running a plan
# ---------------------------------------------------------------------------

@contextlib.contextmanager
def lock(settings: Settings, wait: bool = True):
    """Hold the reports folder's lock; wait (saying so) while another batch holds it."""
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    path = settings.reports_dir / LOCK
    fh = open(path, "a+")  # noqa: SIM115 - held for the whole batch
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BatchLockedError("another `fiscal report` is writing this reports folder",
                                       path=settings.reports_dir,
                                       fix="wait for it to finish, or use another FISCAL_REPORTS"
                                       ) from None
            print(f"fiscal: another `fiscal report` holds {path}; waiting for it to finish",
                  file=sys.stderr)
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _progress(total: int, skipped: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="reports", unit="report", file=sys.stderr,
                disable=not sys.stderr.isatty(), dynamic_ncols=True,
                postfix={"done": 0, "failed": 0, "skipped": skipped})


def _run_local(jobs: list[Job], settings: Settings, workers: int, on_result,
               index_status) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs))), mp_context=ctx,
                               initializer=_init_worker)
    try:
        futures = {pool.submit(_worker_job, job, settings): job for job in jobs}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                on_result(fut.result())
            except Exception as exc:  # the worker process itself died
                on_result(Result(job.dept_year.key, "failed",
                                 message=f"worker died: {type(exc).__name__}: {exc}"))
        if index_status is not None:
            pool.submit(_worker_index, settings, index_status()).result()
    except BaseException:  # Ctrl-C or an index failure: stop the workers, do not wait
        for proc in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _run_dask(jobs: list[Job], settings: Settings, workers: int, scheduler: str | None,
              on_result, index_status) -> None:
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        futures = {client.submit(_worker_job, job, settings, key=f"report-{job.dept_year.key}",
                                 retries=1): job for job in jobs}
        for fut in dask_completed(list(futures)):
            job = futures[fut]
            try:
                on_result(fut.result())
            except Exception as exc:
                on_result(Result(job.dept_year.key, "failed",
                                 message=f"worker lost: {type(exc).__name__}: {exc}"))
        if index_status is not None:
            client.submit(_worker_index, settings, index_status(), key="report-index",
                          pure=False).result()
        with contextlib.suppress(Exception):
            client.run(_shutdown)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run(targets: list[DeptYear], settings: Settings | None = None, *, workers: int | None = None,
        force: bool = False, executor: str = "local", scheduler: str | None = None,
        index: bool = True) -> list[Result]:
    """Build reports for ``targets`` and the index; returns one result per department-year."""
    settings = settings or Settings.from_env()
    workers = workers or os.cpu_count() or 1
    with lock(settings):
        jobs, results = plan(settings, targets, force)
        manifest = read_manifest(settings)
        bar = _progress(len(jobs) + len(results), len(results))
        bar.update(len(results))
        counts = {"done": 0, "failed": 0, "skipped": len(results)}

        def on_result(r: Result) -> None:
            results.append(r)
            job_inputs_ = next((j.inputs for j in jobs if j.dept_year.key == r.key), "")
            entry = {"status": r.status, "inputs": job_inputs_, "html_sha256": r.html_sha256}
            if r.status == "failed":
                entry.update(message=r.message, kept=r.kept)
            manifest[r.key] = entry
            write_manifest(settings, manifest)
            counts["done" if r.status == "built" else "failed"] += 1
            bar.set_postfix(counts)
            bar.update(1)

        def index_status() -> dict[str, str]:
            return {r.key: "失败：" + r.message for r in results if r.status == "failed"}

        try:
            if executor == "dask":
                _run_dask(jobs, settings, workers, scheduler, on_result,
                          index_status if index else None)
            else:
                _run_local(jobs, settings, workers, on_result, index_status if index else None)
        except FiscalError as exc:  # the index could not be built: say so, keep the rest
            results.append(Result("index", "failed", message=str(exc)))
        finally:
            bar.close()
            _tidy(settings.reports_dir / WORK)
    return sorted(results, key=lambda r: r.key)


def _tidy(folder: Path) -> None:
    """Remove empty folders left under ``folder`` (and it, when empty)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            with contextlib.suppress(OSError):
                path.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()


def summary(results: list[Result], settings: Settings) -> str:
    """One line per failure and a closing count."""
    lines = []
    for r in results:
        if r.status == "failed":
            where = f" (partial notebook: {settings.reports_dir / r.kept})" if r.kept else ""
            lines.append(f"FAILED {r.key}: {r.message}{where}")
    n = {s: sum(r.status == s for r in results) for s in ("built", "skipped", "failed")}
    lines.append(f"{n['built']} built, {n['skipped']} skipped, {n['failed']} failed;"
                 f" reports in {settings.reports_dir}, index {settings.index_path}")
    return "\n".join(lines)


def to_json(results: list[Result]) -> str:
    return json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2)
