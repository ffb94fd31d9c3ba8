"""Batch reports: plan every department-year, build them in parallel, skip what is current.

Each local worker process builds department-years in turn in its own IPython shell
(:mod:`fiscal.engine`: imports, fonts and caches are paid once per worker, and no kernel
imports them a second time); a Dask worker, a process shared with other work, owns one
warm Jupyter kernel instead. ``tests/test_engine.py`` and ``tests/test_batch.py`` prove
both give the bytes of a fresh kernel. Workers sit behind one ``concurrent.futures``
executor: a local process pool or a Dask cluster's (``Client.get_executor``); the plan and
the bytes are the same. A failing department-year is isolated: its message and partial
notebook are kept, the others finish, the index lists it and the batch exits 1.
Reports are written atomically and the manifest (:mod:`fiscal.manifest`) lets a rerun
skip every page whose inputs have not changed, the index included: a run with nothing
to do starts no worker and no kernel. One lock per reports folder keeps two batches
from writing at once.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import fcntl
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from fiscal.config import DeptYear, Settings
from fiscal.errors import BatchLockedError, FiscalError
from fiscal.executor import executor as pool_of
from fiscal.manifest import (
    MANIFEST,
    Manifest,
    department_inputs,
    index_inputs,
    job_inputs,
    sha256_file,
    stored_results,
)
from fiscal.report import INPROCESS, build, build_index, preload, start_kernel, warm_here

__all__ = ["MANIFEST", "BatchLockedError", "Job", "Result", "executor", "job_inputs", "lock",
           "plan", "run", "run_job", "summary", "to_json"]

LOCK = ".lock"
WORK = "_work"
FAILED = "_failed"
INDEX = "index"


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

def plan(settings: Settings, targets: list[DeptYear], force: bool = False
         ) -> tuple[list[Job], list[Result]]:
    """Jobs to build and department-years to skip (inputs and report unchanged)."""
    manifest = Manifest.read(settings)
    jobs, skipped = [], []
    for dy in targets:
        settings.existing_dept_year_dir(dy)
        inputs = job_inputs(dy, settings)
        if not force and manifest.report_current(dy, inputs, settings):
            skipped.append(Result(dy.key, "skipped",
                                  html_sha256=manifest.reports[dy.key]["html_sha256"]))
        else:
            jobs.append(Job(dy.slug, dy.year, dy.kind, inputs))
    return jobs, skipped


# ---------------------------------------------------------------------------
# Workers: pages built in the worker's own shell, or in a warm kernel
# ---------------------------------------------------------------------------

class _Here:
    """Whether this process builds pages in its own shell (a local worker: set by
    :func:`_init_worker`), and whether that shell is ready."""

    on = False
    ready = False

    @classmethod
    def km(cls, settings: Settings):
        """What :func:`fiscal.report.build` is to run in: :data:`INPROCESS` here, else this
        process's warm kernel."""
        if not cls.on:
            return _WarmKernel.get(settings)
        if not cls.ready:
            warm_here()
            cls.ready = True
        return INPROCESS


class _WarmKernel:
    """This process's warm kernel, started on first use for given settings."""

    km = None
    settings: Settings | None = None

    @classmethod
    def get(cls, settings: Settings):
        if cls.km is not None and cls.km.is_alive() and settings == cls.settings:
            return cls.km
        cls.shutdown()
        # papermill and nbconvert load here while the kernel imports in its own process
        cls.km, cls.settings = start_kernel(settings, meanwhile=preload), settings
        return cls.km

    @classmethod
    def shutdown(cls) -> None:
        if cls.km is not None:
            with contextlib.suppress(Exception):
                cls.km.shutdown_kernel(now=True)
            cls.km = None

    @classmethod
    def kill(cls) -> None:
        """Kill the kernel's process group at once: safe in a signal handler (no event loop,
        no waiting), for a worker that is being terminated mid-build."""
        km, cls.km = cls.km, None
        if km is None:
            return
        provisioner = getattr(km, "provisioner", None)
        group = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
        if group:
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(Exception):
            km.cleanup_connection_file()


def run_job(job: Job, settings: Settings, fresh: bool = False) -> Result:
    """Build one report in this process (a local worker), its warm kernel (a Dask worker)
    or a fresh kernel."""
    dy = job.dept_year
    started = time.perf_counter()
    work = settings.reports_dir / WORK / dy.slug / f"{dy.folder_name}.{os.getpid()}.ipynb"
    work.parent.mkdir(parents=True, exist_ok=True)
    try:
        km = None if fresh else _Here.km(settings)
        try:
            out = build(dy, settings, keep=work, km=km, inputs=job.inputs)
        except FiscalError:
            raise
        except Exception as exc:
            if fresh or km == INPROCESS or (km is not None and km.is_alive()):
                raise FiscalError(_failure(exc)) from None
            _WarmKernel.shutdown()  # the warm kernel died: one more try on a new one
            try:
                out = build(dy, settings, keep=work, km=_WarmKernel.get(settings),
                            inputs=job.inputs)
            except FiscalError:
                raise
            except Exception as again:
                raise FiscalError(_failure(again)) from None
        work.unlink(missing_ok=True)
        return Result(dy.key, "built", seconds=time.perf_counter() - started,
                      html_sha256=sha256_file(out))
    except FiscalError as exc:
        kept = ""
        if work.exists():
            dest = settings.reports_dir / FAILED / dy.slug / f"{dy.folder_name}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(work, dest)
            kept = str(dest.relative_to(settings.reports_dir))
        return Result(dy.key, "failed", message=exc.detail if exc.path is None else str(exc),
                      seconds=time.perf_counter() - started, kept=kept)


def _failure(exc: Exception) -> str:
    """What failed, for a build that raised something else than a failing cell."""
    if type(exc).__name__ == "DeadKernelError":  # (nbclient's)
        return ("the kernel died running the notebook: it crashed or was killed (out of"
                " memory?); its output up to there is lost")
    return f"{type(exc).__name__}: {exc}"


def _warm(settings: Settings) -> int:
    """Load what a build needs in this worker (its shell's imports, or its kernel, and
    papermill and nbconvert) while the command computes the check results; returns the
    worker's pid. Nobody waits for it: a worker that cannot load fails the jobs it takes."""
    with contextlib.suppress(FiscalError):
        _Here.km(settings)
    return os.getpid()


def _warm_pool(pool: cf.Executor, n: int, settings: Settings) -> None:
    """Have ``n`` workers load what a page needs (:func:`_warm`)."""
    with contextlib.suppress(Exception):  # a pool that breaks fails the jobs it gets
        for _ in range(n):
            pool.submit(_warm, settings)


def _worker_index(settings: Settings, status: dict[str, str]) -> str:
    """Build the index in this worker, as its reports are."""
    return str(build_index(settings, status=status, km=_Here.km(settings)))


def _init_worker() -> None:
    """A local pool worker builds pages in its own shell (:mod:`fiscal.engine`). It leaves
    Ctrl-C to the command, which stops the pool; a kernel it may own is shut down when it
    exits and killed when it is terminated (the command does so on Ctrl-C), so that no
    kernel outlives its worker."""
    _Here.on = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    atexit.register(_WarmKernel.shutdown)


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM in a worker: kill its kernel and exit now (the command removes the work
    notebooks once its workers are gone)."""
    _WarmKernel.kill()
    os._exit(128 + signum)


# ---------------------------------------------------------------------------
# Executors
# ---------------------------------------------------------------------------

def executor(kind: str, workers: int, scheduler: str | None = None
             ) -> contextlib.AbstractContextManager[cf.Executor]:
    """A ``concurrent.futures`` executor whose workers build reports
    (:func:`fiscal.executor.executor`): a local pool of ``workers`` processes forked from a
    fork server that has the report stack loaded (:mod:`fiscal.warmup`; the workers share
    it: 10-14 % off 8 pages against spawned workers), or a Dask client's on the cluster at
    ``scheduler`` or a local one; the workers' kernels are shut down when it closes."""
    return pool_of(kind, workers, scheduler, initializer=_init_worker,
                   on_close=_WarmKernel.shutdown, preload="fiscal.warmup")


def _build_all(pool: cf.Executor, jobs: list[Job], settings: Settings,
               on_result: Callable[[Result], None],
               fresh: Callable[[int], cf.Executor] | None = None,
               on_idle: Callable[[], None] | None = None, workers: int = 1
               ) -> cf.Executor | None:
    """Build every job, handing each result over as it comes; returns the pool last used,
    or None if it broke.

    A local worker that dies (its interpreter crashed, or was killed: out of memory)
    breaks its pool, and every job not done then fails with it. With ``fresh`` (a new
    local pool of so many workers), those jobs are built again in a new pool, and what
    breaks that one too is built here, each in a kernel of its own: a job that kills its
    kernel fails alone ("the kernel died"), and the others are built. Without
    it (Dask retries a lost worker's task itself), a broken pool fails the jobs it did
    not finish. ``on_idle`` is called once, when fewer jobs than ``workers`` are left to
    finish (a worker is free), unless the pool broke."""
    broken = _build_round(pool, jobs, settings, on_result, on_idle, workers)
    if broken and fresh is not None:
        pool = fresh(len(broken))
        broken = _build_round(pool, broken, settings, on_result)
        for job in broken:
            on_result(run_job(job, settings, fresh=True))
        return None if broken else pool
    for job in broken:
        on_result(Result(job.dept_year.key, "failed", message=(
            "worker died: the process building this report crashed or was killed (out of"
            f" memory?) — build it alone to see where: `fiscal report {job.dept_year.key}"
            " --force`")))
    return None if broken else pool


def _build_round(pool: cf.Executor, jobs: list[Job], settings: Settings,
                 on_result: Callable[[Result], None], on_idle: Callable[[], None] | None = None,
                 workers: int = 1) -> list[Job]:
    """Submit ``jobs`` and hand each result over as it comes (then ``on_idle``, once, when
    fewer than ``workers`` are left); returns the jobs a broken pool left undone, in their
    order."""
    futures, broken = {}, []
    for job in jobs:
        try:
            futures[pool.submit(run_job, job, settings)] = job
        except cf.BrokenExecutor:
            broken.append(job)
    for done, fut in enumerate(cf.as_completed(futures), 1):
        try:
            result = fut.result()
        except cf.BrokenExecutor:
            broken.append(futures[fut])
            continue
        except Exception as exc:  # the worker process itself died (on Dask)
            result = Result(futures[fut].dept_year.key, "failed",
                            message=f"worker died: {type(exc).__name__}: {exc}")
        on_result(result)
        if on_idle is not None and not broken and len(futures) - done < workers:
            on_idle()
            on_idle = None
    return sorted(broken, key=jobs.index)


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


def _progress(total: int, skipped: int) -> tqdm:
    return tqdm(total=total, desc="reports", unit="report", file=sys.stderr,
                disable=not sys.stderr.isatty(), dynamic_ncols=True,
                postfix={"done": 0, "failed": 0, "skipped": skipped})


def run(targets: list[DeptYear], settings: Settings | None = None, *, workers: int | None = None,
        force: bool = False, executor: str = "local", scheduler: str | None = None,
        index: bool = True, force_index: bool | None = None) -> list[Result]:
    """Build reports for ``targets`` and the index; returns one result per department-year.

    Only what is not current is built: a department-year whose inputs and report match the
    manifest is skipped, and so is the index when its inputs (every department-year, the
    failures of this run, the overview notebook, the code) and page match; ``force``
    rebuilds the department-years named, and the index unless ``force_index`` is False.
    Workers (and their kernels) start only when something is to be built; while they
    start, every department to be shown is checked in bulk and its results are stored
    beside the reports (:mod:`fiscal.results`), which the pages read. Once a worker is free
    and no page has failed, the index is built on it while the last pages are (again after
    them if one of those fails). A failed index build is a result with key ``index``.
    """
    settings = settings or Settings.from_env()
    workers = workers or os.cpu_count() or 1
    with lock(settings):
        # under the lock no other batch writes here: work notebooks are a killed run's
        shutil.rmtree(settings.reports_dir / WORK, ignore_errors=True)
        jobs, results = plan(settings, targets, force)
        inputs = {j.dept_year.key: j.inputs for j in jobs}
        manifest = Manifest.read(settings)
        bar = _progress(len(jobs) + len(results), len(results))
        bar.update(len(results))
        counts = {"done": 0, "failed": 0, "skipped": len(results)}
        forced_index = force if force_index is None else force_index
        early: dict = {}  # the index built while the last pages are (_early_index)

        def on_result(r: Result) -> None:
            results.append(r)
            entry = {"status": r.status, "inputs": inputs[r.key], "html_sha256": r.html_sha256}
            if r.status == "failed":
                entry.update(message=r.message, kept=r.kept)
            manifest.reports[r.key] = entry
            manifest.write(settings)
            counts["done" if r.status == "built" else "failed"] += 1
            bar.set_postfix(counts)
            bar.update(1)

        try:
            with contextlib.ExitStack() as stack:
                pool = None
                if jobs:
                    n = max(1, min(workers, len(jobs)))
                    pool = stack.enter_context(_executor(executor, n, scheduler, len(jobs)))
                    # the workers load what a page needs while this process checks, in
                    # bulk, every department to be reported (the pages read the stored
                    # results); submitted from a thread: the first submit waits for the
                    # pool's fork server to load the report stack
                    threading.Thread(target=_warm_pool, args=(pool, n, settings),
                                     daemon=True).start()
                    _store_results(settings, [j.dept_year for j in jobs], force)

                    def fresh(k: int) -> cf.Executor:  # a new pool, for a broken one's jobs
                        return stack.enter_context(_executor(executor, min(k, n),
                                                             scheduler, k))

                    def on_idle(first: cf.Executor = pool) -> None:
                        if index and not counts["failed"]:
                            early.update(_early_index(first, settings, manifest,
                                                      forced_index))

                    pool = _build_all(pool, jobs, settings, on_result,
                                      fresh if executor == "local" else None,
                                      on_idle=on_idle, workers=n)
                if index:
                    status = {r.key: "失败：" + r.message for r in results
                              if r.status == "failed"}
                    digest = index_inputs(settings, status)
                    if forced_index or not manifest.index_current(digest, settings):
                        page = _early_page(early, digest)
                        if page is None:
                            pool = pool or stack.enter_context(
                                _executor(executor, workers, scheduler, 1))
                            _store_results(settings, settings.dept_years())
                            page = Path(pool.submit(_worker_index, settings, status).result())
                        manifest.index = {"status": "built", "inputs": digest,
                                          "html_sha256": sha256_file(page)}
                        manifest.write(settings)
        except FiscalError as exc:  # the index could not be built: say so, keep the rest
            results.append(Result(INDEX, "failed", message=str(exc)))
        finally:
            bar.close()
            # the workers are gone (an interrupted pool's are terminated and joined): a
            # notebook left here is one they were writing when stopped
            shutil.rmtree(settings.reports_dir / WORK, ignore_errors=True)
    return sorted(results, key=lambda r: r.key)


def _early_index(pool: cf.Executor, settings: Settings, manifest: Manifest,
                 forced: bool) -> dict:
    """Build the index on a free worker of ``pool`` while the last pages are built (called
    when no page has failed so far): ``{"digest": its inputs, "page": a future of its
    path}``, empty when the index is current. :func:`_early_page` uses it only if no page
    fails after."""
    try:
        digest = index_inputs(settings, {})
        if not forced and manifest.index_current(digest, settings):
            return {}
        _store_results(settings, settings.dept_years())
        return {"digest": digest, "page": pool.submit(_worker_index, settings, {})}
    except Exception:  # noqa: BLE001 - the pages go on; the index is then built after them,
        return {}      # where what failed here is reported


def _early_page(early: dict, digest: str) -> Path | None:
    """The index :func:`_early_index` built, if it was built for ``digest`` (no page failed
    after it started) and its pool did not break; an index that failed raises."""
    if early.get("digest") != digest:
        return None
    try:
        return Path(early["page"].result())
    except cf.BrokenExecutor:
        return None


def _store_results(settings: Settings, dys: list[DeptYear], force: bool = False) -> None:
    """Check, in bulk, the departments of ``dys`` whose stored results are not current
    (every one with ``force``: :func:`fiscal.results.store`), with a progress bar when there
    are many."""
    stale, inputs = [], {}
    for dy in dys:
        if dy.slug not in inputs:
            inputs[dy.slug] = department_inputs(dy.slug, settings)
        if force or stored_results(dy, settings, inputs[dy.slug]) is None:
            stale.append(dy)
    if not stale:
        return
    # lazy: pandas and the checks, only when there is something to check
    from fiscal import results

    bar = tqdm(total=len(stale), desc="checks", unit="department-year", file=sys.stderr,
               disable=not sys.stderr.isatty() or len(stale) < results.CHUNK,
               dynamic_ncols=True)
    with bar:
        # found stale here already: store need not read their files again
        results.store(settings, stale, force=True,
                      progress=lambda n: bar.update(min(n, len(stale)) - bar.n))


def _executor(kind: str, workers: int, scheduler: str | None, tasks: int):
    """The executor for a run: no more workers than ``tasks``."""
    return executor(kind, max(1, min(workers, tasks)), scheduler)


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
    """The results as a JSON list."""
    return json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2)
