"""The ``fiscal`` command.

Exit codes: 0 success; 1 a check found an error-level finding no reviewer marked
not-a-problem (``--fail-on review``: also a review-level one, or a department-year where
nothing could be checked), or some department-years of a batch failed; 2 bad input (a
one-line message, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from fiscal.config import DeptYear, Settings
from fiscal.errors import FiscalError, TargetError, WorkerDiedError
from fiscal.money import fmt

if TYPE_CHECKING:  # the commands import what they run on first use: `fiscal list` is quick
    from collections.abc import Callable

    import pandas as pd

    from fiscal.load import Budget, Panel

#: Severities in the order findings are listed (``fiscal.checks.SEVERITIES``, written here
#: so that the parser does not import the checks).
SEVERITIES = ("error", "review", "rounding", "warning")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fiscal", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    e = sub.add_parser("extract", help="disclosure text or PDF -> department-year folder")
    e.add_argument("source", type=Path, help="disclosure text (UTF-8, GBK, …) or PDF file")
    e.add_argument("--out", type=Path, help="folder to write (default data/<slug>/<year>)")
    e.add_argument("--slug", help="department slug (default: found in data/departments.csv)")
    e.add_argument("--department", help="department name (default: from departments.csv)")
    e.add_argument("--year", type=int, help="year (default: the year the text states)")
    e.add_argument("--kind", choices=["budget", "final"], help="预算 or 决算 (default: detected)")

    sub.add_parser("list", help="print the department-years in the data folder")

    v = sub.add_parser("validate", help="load and validate department-years")
    v.add_argument("targets", nargs="*", help="<slug>/<year>, <slug>/<year>-final or a folder")
    v.add_argument("--all", action="store_true", help="every department-year in the data folder")

    c = sub.add_parser("check", help="every inconsistency of department-years or texts")
    c.add_argument("targets", nargs="*",
                   help="<slug>/<year>, <slug>/<year>-final, a folder, or a text or PDF")
    c.add_argument("--all", action="store_true", help="every department-year in the data folder")
    c.add_argument("--format", choices=["table", "json", "csv", "xlsx"], default="table",
                   help="table (default), json, csv (findings; with --out DIR also the"
                        " coverage ledger) or xlsx (with --out FILE.xlsx)")
    c.add_argument("--out", type=Path, metavar="PATH",
                   help="write there instead of printing: FILE.xlsx for xlsx, a folder for"
                        " csv (findings.csv, coverage.csv), a file for json")
    c.add_argument("--fail-on", choices=["error", "review"], default="error",
                   help="exit 1 on an error-level finding (default), or also on a review-level"
                        " one; findings a reviewer marked not-a-problem never count")
    c.add_argument("--year", type=int,
                   help="the year of a disclosure file that states none (files only)")
    c.add_argument("--since", type=Path, metavar="FILE.json",
                   help="an earlier `--format json` output: mark findings new, gone, unchanged")
    c.add_argument("--chunk", type=int, default=CHUNK, metavar="N",
                   help=f"check at most N department-years at a time (over all workers),"
                        f" whole departments (default {CHUNK}): memory stays flat however"
                        f" many there are")
    c.add_argument("-j", "--jobs", type=int, default=None,
                   help=f"worker processes for the chunks (default: one per core from"
                        f" {PARALLEL_FROM} department-years on, else 1: the chunks one after"
                        f" another in this process)")
    c.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local process pool (default) or a Dask cluster")
    c.add_argument("--scheduler", help="Dask scheduler address (default: start a LocalCluster)")

    w = sub.add_parser("review", help="record a reviewer's verdict on a finding (review.csv)")
    w.add_argument("target", help="<slug>/<year>, <slug>/<year>-final or a folder")
    w.add_argument("id", help="the finding's id, as `fiscal check` shows it")
    w.add_argument("--verdict", required=True, choices=["confirmed", "not-a-problem",
                                                         "fixed-in-source"])
    w.add_argument("--note", required=True, help="why: what the reviewer found")
    w.add_argument("--who", default="", help="the reviewer (default: empty)")
    w.add_argument("--date", help="YYYY-MM-DD (default: today)")

    x = sub.add_parser("export", help="Frictionless (Fiscal) Data Package of department-years")
    x.add_argument("targets", nargs="*", help="<slug>/<year> or <slug>/<year>-final")
    x.add_argument("--all", action="store_true", help="every department-year in the data folder")
    x.add_argument("--to", type=Path, required=True, help="folder to write the package into")
    r = sub.add_parser("report", help="HTML reports (papermill + nbconvert) and the index")
    r.add_argument("targets", nargs="*", help="<slug>/<year> or <slug>/<year>-final")
    r.add_argument("--all", action="store_true", help="every department-year in the data folder")
    r.add_argument("-j", "--jobs", type=int, default=None,
                   help="worker processes (default: the number of cores)")
    r.add_argument("--force", action="store_true",
                   help="rebuild the reports named even when current (with --all: the index too)")
    r.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local process pool (default) or a Dask cluster")
    r.add_argument("--scheduler", help="Dask scheduler address (default: start a LocalCluster)")
    return p


def _cmd_report(args: argparse.Namespace) -> int:
    from fiscal import batch  # lazy: pandas, papermill and the report stack, for this command

    settings = Settings.from_env()
    targets = [DeptYear.parse(t) for t in args.targets]
    if args.all:
        targets = sorted(set(targets) | set(settings.dept_years()))
    if not targets:
        raise TargetError("no department-year given",
                          fix="name <slug>/<year> (see `fiscal list`) or use --all")
    if args.jobs is not None and args.jobs < 1:
        raise TargetError("-j must be 1 or more", fix="e.g. -j 2")
    # --force rebuilds the reports named; the index too only with --all (else it is rebuilt
    # when its inputs changed, like any page)
    results = batch.run(targets, settings, workers=args.jobs, force=args.force,
                        executor=args.executor, scheduler=args.scheduler,
                        force_index=args.force and args.all)
    print(batch.summary(results, settings))
    return 1 if any(r.status == "failed" for r in results) else 0


def _cmd_extract(args: argparse.Namespace) -> int:
    from fiscal.extract import extract, write  # lazy: the readers (pandas, pdfplumber)

    settings = Settings.from_env()
    if not args.source.is_file():
        raise FiscalError("no such file", path=args.source, fix="check the path")
    ex = extract(args.source, settings, slug=args.slug, department=args.department,
                 year=args.year, kind=args.kind)
    out = args.out or settings.dept_year_dir(ex.dept_year)
    write(ex, out)
    n_cells = sum(t["cells"] for t in ex.meta["tables"].values())
    print(f"{ex.dept_year.key}: {ex.department} — {len(ex.tables)} tables, {n_cells} amounts,"
          f" {len(ex.claims)} claims -> {out}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    found = settings.dept_years()
    for dy in found:
        print(dy.key)
    if not found:
        print(f"no department-year under {settings.data_dir}", file=sys.stderr)
    return 0


def resolve_targets(targets: list[str], all_: bool, found: bool = False):
    """``(label, loader)`` pairs for targets: department-years, folders or source files.

    With ``found``, the data folder's department-years (``--all``) come as ``("found",
    DeptYear)``: folders :meth:`~fiscal.config.Settings.dept_years` has just seen, not looked
    up again one by one."""
    settings = Settings.from_env()
    out = []
    if all_ and found:
        out = [("found", dy) for dy in settings.dept_years()]
    elif all_:
        targets = [dy.key for dy in settings.dept_years()] + list(targets)
    if not targets and not out:
        raise TargetError("no target given",
                          fix="name <slug>/<year> (see `fiscal list`), a folder, or use --all")
    for t in targets:
        path = Path(t)
        if path.is_dir():
            out.append(("folder", path))
        elif path.is_file():
            out.append(("source", path))
        else:
            out.append(("dept_year", DeptYear.parse(t)))
    return settings, out


def _cmd_validate(args: argparse.Namespace) -> int:
    from fiscal.load import load_budget, load_folder  # lazy: pandas, for this command

    settings, targets = resolve_targets(args.targets, args.all)
    for kind, target in targets:
        if kind == "source":
            raise FiscalError("validate takes department-years or folders, not source files",
                              path=target, fix="run `fiscal extract` first, or `fiscal check`")
        b = (load_folder(target) if kind == "folder"
             else load_budget(target.slug, target.year, target.kind, settings))
        n = sum(len(df) for df in b.tables.values())
        print(f"{b.dept_year.key}: {b.department} — {len(b.tables)} tables, {n} cells,"
              f" {len(b.claims)} claims: valid")
    print(f"{len(targets)} department-year(s) valid.")
    return 0


def budget_from_source(path: Path, settings: Settings, year: int | None = None) -> Budget:
    """A Budget built in memory from a disclosure text or PDF (nothing written): the frames
    ``load_folder`` would give for the folder ``fiscal extract`` writes, validated alike;
    ``year`` where the text states none."""
    from fiscal.extract import extract, table_rows  # lazy: the readers, for source files
    from fiscal.load import budget_from_rows  # lazy: pandas

    ex = extract(path, settings, year=year, unregistered="provisional")
    return budget_from_rows(ex.dept_year, ex.meta, {t.id: table_rows(t) for t in ex.tables},
                            [c.as_row() for c in ex.claims], origin=ex.source.path)


#: The most department-years ``fiscal check`` loads and checks together (a department's
#: years always go together, for the cross-year rule): memory is bounded by this (about
#: 0.7 GB for 1,000 of the seed), not by the number of department-years. Smaller chunks
#: cost more per department-year (each rule has a fixed cost per panel).
CHUNK = 1000

#: From this many department-years on, ``fiscal check`` spreads its chunks over one worker
#: per core unless ``-j`` says otherwise; below it, starting the workers (a second of
#: imports each) costs more than the parallel check saves (measured: 200 of the seed,
#: 2.3 s here and 3.4 s over two workers; 5,000, 34 s here and 23 s over two).
PARALLEL_FROM = 500


def workers_for(n: int, jobs: int | None) -> int:
    """The worker processes for ``n`` department-years: ``jobs`` when given, else one per
    core from :data:`PARALLEL_FROM` on, else 1."""
    if jobs is not None:
        return jobs
    return (os.cpu_count() or 1) if n >= PARALLEL_FROM else 1


def chunks_for(targets: list[str], all_: bool, size: int = CHUNK, jobs: int | None = None,
               year: int | None = None) -> list[tuple[dict[str, Path], list[Budget]]]:
    """``fiscal check``'s targets in chunks of whole departments (one department with more
    years than a chunk holds is a chunk of its own), in the order of their keys:
    ``(folders by key, budgets extracted in memory from source files)``.

    The workers (:func:`workers_for`) hold at most ``size`` department-years together, so
    a chunk holds at most ``size // workers``; the chunks are as even as whole departments
    allow, in a multiple of the workers, so that none waits on a last small one. ``year``
    is the year of source files that state none (``fiscal check FILE --year``).
    """
    settings, resolved = resolve_targets(targets, all_, found=True)
    by_slug: dict[str, tuple[dict[str, Path], list[Budget]]] = {}
    for kind, target in resolved:
        if kind == "source":
            b = budget_from_source(target, settings, year)
            by_slug.setdefault(b.dept_year.slug, ({}, []))[1].append(b)
            continue
        if kind == "found":
            dy, folder = target, settings.dept_year_dir(target)
        elif kind == "dept_year":
            dy, folder = target, settings.existing_dept_year_dir(target)
        else:
            from fiscal.load import read_meta  # lazy: pandas

            meta = read_meta(target)
            dy, folder = DeptYear(meta["slug"], meta["year"], meta["kind"]), target
        by_slug.setdefault(dy.slug, ({}, []))[0][dy.key] = folder
    total = sum(len(f) + len(b) for f, b in by_slug.values())
    workers = workers_for(total, jobs)
    per = max(1, size // workers)
    count = -(-total // per)  # the fewest chunks of at most `per`, then a multiple of workers
    count = max(1, -(-count // workers) * workers)
    even = max(1, -(-total // count))
    out: list[tuple[dict[str, Path], list[Budget]]] = []
    n = 0
    # a slug's keys ("<slug>/…") are one run of the sorted keys: chunks in this order,
    # concatenated, list findings in the order one panel of everything would
    for slug in sorted(by_slug, key=lambda s: s + "/"):
        folders, budgets = by_slug[slug]
        size_of = len(folders) + len(budgets)
        if not out or n + size_of > even:
            out.append(({}, []))
            n = 0
        out[-1][0].update(folders)
        out[-1][1].extend(budgets)
        n += size_of
    return out


def panel_of(folders: dict[str, Path], budgets: list[Budget]) -> Panel:
    """One panel of department-year folders (loaded at once) and budgets already loaded."""
    import pandas as pd  # lazy: pandas, for the commands that load

    from fiscal.load import Panel, load_panel  # lazy: pandas

    panel = load_panel(folders) if folders else Panel.from_budgets([])
    if budgets:
        extra = Panel.from_budgets(budgets)
        panel = Panel(cells=pd.concat([panel.cells, extra.cells], ignore_index=True),
                      claims=pd.concat([panel.claims, extra.claims], ignore_index=True),
                      meta={**panel.meta, **extra.meta})
    return panel


def check_chunk(folders: dict[str, Path], budgets: list[Budget]
                ) -> tuple[list[str], pd.DataFrame, list[str], dict[str, list[dict]]]:
    """Check one chunk (run where the executor puts it): its keys, findings, the keys where
    nothing could be checked, and the reviewers' verdicts (``review.csv``) by key."""
    import pyarrow as pa  # lazy: with pandas

    from fiscal.checks import run_rules  # lazy: pandas

    panel = panel_of(folders, budgets)
    # what loading parsed and converted is garbage now: hand it back before the rules run
    # (with the system allocator, _cmd_check's, a third of a worker's memory)
    pa.default_memory_pool().release_unused()
    found = run_rules(panel)
    reviews = {k: m["_review"] for k, m in panel.meta.items() if m.get("_review")}
    return sorted(panel.meta), found, _unchecked(panel, found), reviews


def check_chunks(chunks: list[tuple[dict[str, Path], list[Budget]]], executor: str = "local",
                 jobs: int | None = None, scheduler: str | None = None
                 ) -> tuple[list[str], pd.DataFrame, list[str], dict[str, list[dict]]]:
    """:func:`check_chunk` over every chunk, here (one chunk, or ``jobs=1``), over a local
    process pool or over Dask; merged in the chunks' order, so the findings are those of
    one panel of everything, in the same order."""
    # (pandas is imported here while the workers start and load)
    results = _over_chunks("check_chunk", chunks, executor, jobs, scheduler,
                           meanwhile=lambda: importlib.import_module("pandas"))
    import pandas as pd  # lazy: pandas
    keys = [k for r in results for k in r[0]]
    found = _joined([r[1] for r in results]) if results else pd.DataFrame()
    unchecked = sorted(k for r in results for k in r[2])
    reviews = {k: v for r in results for k, v in r[3].items()}
    return keys, found, unchecked, reviews


def check_chunk_csv(folders: dict[str, Path], budgets: list[Budget], fail_on: str = "error"
                    ) -> tuple[list[str], str, list[str], list[dict], int]:
    """:func:`check_chunk`, then what ``fiscal check --format csv`` prints of it, made where
    the chunk was checked (a chunk holds each of its department-years whole, and their
    ``review.csv``): its keys, the CSV of its findings with their verdicts (header line
    first), the keys where nothing could be checked, the stale verdicts, and how many of
    its findings fail (:func:`fiscal.verdicts.failing` at ``fail_on``)."""
    import pandas as pd  # lazy: pandas

    from fiscal import verdicts  # lazy: pandas
    from fiscal.checks import FINDING_COLUMNS  # lazy: pandas

    keys, found, unchecked, reviews = check_chunk(folders, budgets)
    found, stale = verdicts.apply(found, {k: pd.DataFrame(v) for k, v in reviews.items()})
    text = found.reindex(columns=[*FINDING_COLUMNS, *OUTPUT_EXTRA]).to_csv(
        index=False, lineterminator="\n")
    return (keys, text, unchecked, stale.to_dict("records"),
            len(verdicts.failing(found, fail_on)))


def check_chunks_csv(chunks: list[tuple[dict[str, Path], list[Budget]]], fail_on: str,
                     executor: str = "local", jobs: int | None = None,
                     scheduler: str | None = None
                     ) -> tuple[list[str], str, list[str], list[dict], int]:
    """:func:`check_chunk_csv` over every chunk, as :func:`check_chunks` runs them: the
    keys, one CSV (one header, the chunks' rows in their order: that of one panel of
    everything), the unchecked keys, the stale verdicts and the failing count. Nothing
    here needs pandas: the CSV of 5,000 department-years is written by the workers."""
    results = _over_chunks("check_chunk_csv", chunks, executor, jobs, scheduler, fail_on)
    keys = [k for r in results for k in r[0]]
    texts = [r[1] for r in results]
    header, _, _ = texts[0].partition("\n") if texts else ("", "", "")
    body = "".join(t.partition("\n")[2] for t in texts)
    return (keys, f"{header}\n{body}", sorted(k for r in results for k in r[2]),
            [v for r in results for v in r[3]], sum(r[4] for r in results))


#: What a worker of ``fiscal check`` imports: its pool's fork server imports it once.
CHECK_PRELOAD = ("pyarrow.csv", "fiscal.checks", "fiscal.verdicts")


def _pool_ahead(args: argparse.Namespace) -> bool:
    """Whether ``fiscal check`` will check over a pool of workers, told before its targets
    are listed: ``-j`` of 2 or more over several, or, without ``-j``, at least
    :data:`PARALLEL_FROM` targets or department folders (``--all``)."""
    many = len(args.targets) + (_entries(Settings.from_env().data_dir) if args.all else 0)
    if args.jobs is not None:
        return args.jobs > 1 and many > 1
    return many >= PARALLEL_FROM


def _entries(folder: Path) -> int:
    """How many entries a folder holds (0 if it is not one)."""
    try:
        with os.scandir(folder) as it:
            return sum(1 for _ in it)
    except OSError:
        return 0


def _over_chunks(task_name: str, chunks: list[tuple[dict[str, Path], list[Budget]]],
                 executor: str, jobs: int | None, scheduler: str | None, *args,
                 meanwhile: Callable[[], object] | None = None) -> list:
    """The results of this module's ``task_name`` over every chunk, in the chunks' order:
    here (one chunk, or ``jobs=1``), over a local process pool or over Dask (``meanwhile``
    is run while a pool works)."""
    from fiscal.executor import executor as pool_of

    # by its module's name, not __main__'s, so that workers can import it
    task = getattr(importlib.import_module("fiscal.cli"), task_name)
    jobs = workers_for(sum(len(f) + len(b) for f, b in chunks), jobs)
    if executor == "local" and (len(chunks) <= 1 or jobs == 1):
        return [task(f, b, *args) for f, b in chunks]
    import concurrent.futures as cf

    results: list = [None] * len(chunks)
    todo = list(range(len(chunks)))
    # a local worker that dies (crashed, or killed: out of memory) breaks its pool and
    # every chunk not done with it: those are checked again, once, in a new pool
    for _attempt in range(2):
        with pool_of(executor, min(jobs, len(todo)), scheduler,
                     preload=CHECK_PRELOAD) as pool:
            futures = {i: pool.submit(task, *chunks[i], *args) for i in todo}
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            broken = []
            for i, fut in futures.items():
                try:
                    results[i] = fut.result()
                except cf.BrokenExecutor:
                    broken.append(i)
        if not broken:
            return results
        todo = broken
    keys = [k for i in todo for k in [*chunks[i][0], *(b.dept_year.key for b in chunks[i][1])]]
    raise WorkerDiedError(
        f"a worker checking {', '.join(keys[:3])}{' …' if len(keys) > 3 else ''}"
        f" ({len(keys)} department-year(s)) died twice: it crashed or was killed (out of"
        " memory?)", fix="check them in smaller chunks (--chunk 200) or with fewer workers"
        " (-j 1), or on their own to see which one")


#: The fields of ``fiscal check``'s JSON and CSV: the finding's, its id, a reviewer's verdict
#: (``review.csv``) and, with ``--since``, whether it is new, unchanged or gone.
OUTPUT_EXTRA = ["id", "verdict", "note"]


#: The version of ``fiscal check --format json``'s shape (``fiscal/schemas/check.schema.json``):
#: raised when a field changes meaning or goes; a new optional field keeps it.
OUTPUT_VERSION = 2


def ledger_chunks(chunks: list[tuple[dict[str, Path], list[Budget]]],
                  sources: dict[str, Path] | None = None, with_checklist: bool = False):
    """Check chunk by chunk, collecting what the ledger's outputs show: each chunk's relations
    are kept only while its coverage ledger (and 检查表) is made, so memory is bounded by the
    chunk, not by the number of department-years. Chunks of whole departments in key order
    give what one panel of everything would, in the same order.

    Returns:
        ``(keys, findings with reviewers' verdicts, stale verdicts, ledger, 检查表 or None,
        number counts of the text sources or None)``.
    """
    import pandas as pd  # lazy: pandas

    from fiscal import verdicts  # lazy: pandas
    from fiscal.checks import relations  # lazy: pandas
    from fiscal.coverage import coverage  # lazy: only the ledger's outputs need it

    if with_checklist:
        from fiscal import workbook  # lazy: openpyxl, for this export

    keys: list[str] = []
    found, stale, ledgers, checks, numbers = [], [], [], [], []
    for folders, budgets in chunks:
        panel = panel_of(folders, budgets)
        rel, f = relations(panel)
        ledgers.append(coverage(panel, rel, f))
        reviews = {k: pd.DataFrame(m["_review"]) for k, m in panel.meta.items()
                   if m.get("_review")}
        f, old = verdicts.apply(f, reviews)
        found.append(f)
        stale.append(old)
        if with_checklist:
            checks.append(workbook.checklist(panel, rel, f))
        if sources is not None:
            numbers += numbers_items(panel, sources)
        keys += panel.meta
    return (sorted(keys), _joined(found), _joined(stale), _joined(ledgers),
            _joined(checks) if with_checklist else None,
            numbers if sources is not None else None)


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of the chunks, one after the other (the first, even empty, for its columns)."""
    import pandas as pd  # lazy: pandas

    full = [f for f in frames if len(f)]
    return pd.concat(full, ignore_index=True) if full else frames[0]


def findings_items(found: pd.DataFrame, gone: pd.DataFrame | None = None) -> list[dict]:
    """Findings as JSON objects: the finding keys (amounts as numbers in 万元), ``id``,
    ``verdict`` and ``note``; with ``gone`` (``--since``), ``since`` and the gone ones."""
    import pandas as pd  # lazy: pandas, loaded by then (the check ran)

    from fiscal.checks import FINDING_COLUMNS  # lazy: pandas

    def num(v):
        if v is None or (not isinstance(v, Decimal) and pd.isna(v)):
            return None
        if not isinstance(v, Decimal):
            return v
        return float(v) if v != v.to_integral() else int(v)

    def text(r, c):
        return r[c] if c in r and isinstance(r[c], str) else ""

    items = []
    for _, r in found.iterrows():
        items.append({
            "department": r["department"], "year": int(r["year"]), "kind": r["kind"],
            "rule": r["rule"], "severity": r["severity"], "table": r["table"],
            "item": r["item"], "expected": num(r["expected"]), "actual": num(r["actual"]),
            "difference": num(r["difference"]), "message": r["message"],
            "source_line": int(r["source_line"]) if pd.notna(r["source_line"]) else None,
            "id": r["id"], "verdict": text(r, "verdict"), "note": text(r, "note"),
            **({"since": r["since"]} if gone is not None else {}),
        })
    if gone is not None:
        cols = [*FINDING_COLUMNS, *OUTPUT_EXTRA, "since"]
        items += [{c: (None if c not in r or (not isinstance(r[c], str) and pd.isna(r[c]))
                       else r[c]) for c in cols}
                  for r in gone.to_dict("records")]
    return items


def numbers_items(p: Panel, sources: dict[str, Path]) -> list[dict]:
    """Every printed number accounted for (``fiscal.coverage.account``), per department-year
    whose source is a text (``sources``: key -> source file)."""
    from fiscal.coverage import account, source_text  # lazy: pandas

    items = []
    for key in sorted(p.meta):
        text = source_text(sources[key]) if key in sources else None
        if text is None:
            continue
        meta = p.meta[key]
        cl = p.claims[p.claims["key"] == key] if len(p.claims) else p.claims
        counts, odd = account(text, p.cells[p.cells["key"] == key], cl)
        items.append({"department": meta["slug"], "year": int(meta["year"]),
                      "kind": meta["kind"], **{k: int(v) for k, v in counts.items()},
                      "uncaptured": [{"line": int(r["line"]), "number": r["number"],
                                      "reason": r["reason"]} for r in odd.to_dict("records")]})
    return items


def sources_of(targets: list[str], all_: bool) -> dict[str, Path]:
    """The source file of each department-year ``fiscal check`` reads (key -> path)."""
    from fiscal.load import read_meta  # lazy: pandas

    settings, resolved = resolve_targets(targets, all_)
    out = {}
    for kind, target in resolved:
        if kind in ("dept_year", "folder"):
            folder = settings.existing_dept_year_dir(target) if kind == "dept_year" else target
            meta = read_meta(folder)
            out[DeptYear(meta["slug"], meta["year"], meta["kind"]).key] = (
                folder / meta.get("source_copy", "source.txt"))
    return out


def coverage_items(ledger: pd.DataFrame) -> list[dict]:
    """The coverage ledger (``fiscal.coverage.COVERAGE_COLUMNS``) as JSON objects."""
    return [{k: (bool(v) if k == "core" else int(v) if not isinstance(v, str) else v)
             for k, v in r.items()} for r in ledger.to_dict("records")]


def findings_json(found: pd.DataFrame, gone: pd.DataFrame | None = None,
                  ledger: pd.DataFrame | None = None, numbers: list[dict] | None = None
                  ) -> str:
    """``fiscal check --format json``: one object ``{"version", "findings", "coverage",
    "numbers"}`` (the shape of ``fiscal/schemas/check.schema.json``)."""
    out = {"version": OUTPUT_VERSION, "findings": findings_items(found, gone),
           "coverage": coverage_items(ledger) if ledger is not None else [],
           "numbers": numbers or []}
    return json.dumps(out, ensure_ascii=False, indent=2)


def findings_table(found: pd.DataFrame, keys: list[str], gone: pd.DataFrame | None = None,
                   unchecked: tuple[str, ...] | list[str] = ()) -> str:
    """Findings grouped by department-year and severity, expected and actual side by side,
    each with its id and verdict; with ``gone`` (``--since``) new ones marked and gone ones
    listed."""
    from fiscal.changes import counts

    lines = []
    for key in keys:
        sub = found[found["key"] == key] if not found.empty else found
        n = {s: int((sub["severity"] == s).sum()) for s in SEVERITIES} if len(sub) else {}
        head = ", ".join(f"{v} {k}" for k, v in n.items() if v)
        if key in unchecked:
            head += ("; " if head else "") + "nothing could be checked (no figure to compare)"
        head = head or "no finding"
        if gone is not None:
            c = counts(found, gone, key)
            head += f" — since: {c['new']} new, {c['gone']} gone, {c['unchanged']} unchanged"
        lines.append(f"{key}: {head}")
        for sev in SEVERITIES:
            part = sub[sub["severity"] == sev] if len(sub) else sub
            if part.empty:
                continue
            lines.append(f"  {sev.upper()}")
            for _, r in part.iterrows():
                exp = "" if r["expected"] is None else fmt(r["expected"], trim=True)
                act = "" if r["actual"] is None else fmt(r["actual"], trim=True)
                loc = f"line {r['source_line']}" if r["source_line"] else ""
                tag = f"  {r['id']}"
                if r.get("verdict"):
                    tag += f"  [{r['verdict']}" + (f": {r['note']}" if r["note"] else "") + "]"
                if r.get("since") == "new":
                    tag += "  NEW"
                lines.append(f"    {r['rule']:<17} {r['table']:<9} {exp:>14} {act:>14}  "
                             f"{r['message']}  [{loc}]{tag}")
        went = gone[gone["key"] == key] if gone is not None else []
        if len(went):
            lines.append("  GONE")
            lines += [f"    {r['rule']:<17} {r['table']:<9} {r['message']}  {r['id']}"
                      for _, r in went.iterrows()]
    return "\n".join(lines)


def _unchecked(p: Panel, found: pd.DataFrame) -> list[str]:
    """The department-years where no rule found any relation to evaluate. Only those with no
    finding beyond a warning can be such; their relations are collected (a second, smaller
    run: collecting relations costs more than running the rules)."""
    from fiscal.checks import relations  # lazy: pandas
    from fiscal.coverage import NO_FIGURES  # lazy: pandas
    from fiscal.load import Panel  # lazy: pandas

    busy = set(found.loc[found["severity"] != "warning", "key"]) if not found.empty else set()
    maybe = [k for k in sorted(p.meta) if k not in busy]
    if not maybe:
        return []
    sub = Panel(cells=p.cells[p.cells["key"].isin(maybe)],
                claims=p.claims[p.claims["key"].isin(maybe)] if not p.claims.empty
                else p.claims, meta={k: p.meta[k] for k in maybe})
    rel, _ = relations(sub)
    rel = rel[~rel["by_rule"].isin(NO_FIGURES)] if len(rel) else rel
    return sorted(set(maybe) - set(rel["key"]))


def _no_figure(ledger: pd.DataFrame) -> list[str]:
    """The department-years of a ledger where no printed amount was compared."""
    from fiscal.coverage import NO_FIGURES  # lazy: pandas

    fig = ledger[~ledger["rule"].isin(NO_FIGURES)]
    n = fig.groupby(["department", "year", "kind"])["relations"].sum()
    return sorted(DeptYear(d, int(y), k).key for (d, y, k), v in n.items() if v == 0)


def _check_out(args: argparse.Namespace) -> None:
    """Refuse an ``--out`` that does not fit ``--format`` before anything runs."""
    if args.format == "xlsx" and (args.out is None or args.out.suffix.lower() != ".xlsx"):
        raise FiscalError("--format xlsx writes a workbook: --out FILE.xlsx is needed",
                          path=args.out, fix="add --out findings.xlsx")
    if args.format == "table" and args.out is not None:
        raise FiscalError("--out needs --format xlsx, csv or json", path=args.out,
                          fix="add --format xlsx (or csv, json), or drop --out")
    if args.format == "csv" and args.out is not None and args.out.is_file():
        raise FiscalError("--format csv --out takes a folder, not a file", path=args.out,
                          fix="give a folder: findings.csv and coverage.csv are written in it")


def _cmd_check(args: argparse.Namespace) -> int:
    """``fiscal check``: exit 1 on a finding of a level ``--fail-on`` names (``error`` by
    default; ``review`` adds review-level findings and department-years where nothing could
    be checked) that no reviewer marked ``not-a-problem``; 0 otherwise; 2 on bad input."""
    # Arrow on the system allocator (here and in the workers, which inherit the
    # environment): it returns what a chunk's loading freed, where mimalloc kept it
    # (5,000 of the seed over two workers: 0.97 GB at most instead of 1.08 GB, as fast)
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    fail_on = args.fail_on
    _check_out(args)
    if args.since:
        from fiscal import changes  # lazy: pandas

        before = changes.read(args.since)
    else:
        before = None
    if args.jobs is not None and args.jobs < 1:
        raise TargetError("-j must be 1 or more", fix="e.g. -j 2")
    if args.chunk < 1:
        raise TargetError("--chunk must be 1 or more", fix="e.g. --chunk 250")
    findings_only = args.format == "table" or (args.format == "csv" and args.out is None)
    if findings_only and args.executor == "local" and _pool_ahead(args):
        # the workers' fork server imports the checks while the targets are listed (the
        # ledger's outputs are made chunk after chunk here)
        from fiscal.executor import start_server

        start_server(CHECK_PRELOAD)
    if args.format == "csv" and args.out is None and before is None:
        # the findings as CSV, each chunk's written where it was checked: nothing of
        # pandas here
        _, out, unchecked, stale, failing = check_chunks_csv(
            chunks_for(args.targets, args.all, args.chunk, args.jobs, args.year), fail_on,
            args.executor, args.jobs, args.scheduler)
        sys.stdout.write(out)
        _warn_stale(stale)
        return 1 if failing or (fail_on == "review" and unchecked) else 0
    ledger = checklist = numbers = None
    if findings_only:
        # in chunks of whole departments, here, over a pool or over Dask (pandas is
        # imported in there while the workers start)
        keys, found, unchecked, reviews = check_chunks(
            chunks_for(args.targets, args.all, args.chunk, args.jobs, args.year),
            args.executor, args.jobs, args.scheduler)
        keys = sorted(keys)
    import pandas as pd  # lazy: pandas

    from fiscal import changes, verdicts  # lazy: pandas
    from fiscal.checks import FINDING_COLUMNS  # lazy: pandas

    if findings_only:
        found, stale = verdicts.apply(found, {k: pd.DataFrame(v) for k, v in reviews.items()})
    else:  # the ledger's outputs: every relation of each chunk, kept only while it is checked
        keys, found, stale, ledger, checklist, numbers = ledger_chunks(
            chunks_for(args.targets, args.all, args.chunk, jobs=1,  # (one after another)
                       year=args.year),
            sources_of(args.targets, args.all) if args.format == "json" else None,
            with_checklist=args.format == "xlsx")
        unchecked = _no_figure(ledger)
    gone = None
    if before is not None:
        found, gone = changes.compare(found, before, keys)
    cols = [*FINDING_COLUMNS, *OUTPUT_EXTRA, *(["since"] if gone is not None else [])]
    if args.format == "json":
        out = findings_json(found, gone, ledger, numbers)
    elif args.format == "csv":
        frame = pd.concat([found.reindex(columns=cols), *([gone.reindex(columns=cols)]
                                                          if gone is not None else [])])
        out = frame.to_csv(index=False, lineterminator="\n").rstrip("\n")
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "findings.csv").write_text(out + "\n", encoding="utf-8")
            (args.out / "coverage.csv").write_text(
                ledger.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
            out = f"wrote {args.out / 'findings.csv'} and {args.out / 'coverage.csv'}"
    elif args.format == "xlsx":
        from fiscal import workbook  # lazy: openpyxl, for this export

        workbook.write_xlsx(args.out, findings_items(found, gone), coverage_items(ledger),
                            checklist, cols)
        out = f"wrote {args.out}"
    else:
        out = findings_table(found, keys, gone, unchecked)
    if args.format == "json" and args.out is not None:
        args.out.write_text(out + "\n", encoding="utf-8")
        out = f"wrote {args.out}"
    sys.stdout.write(out + "\n")
    _warn_stale(stale.to_dict("records"))
    failing = verdicts.failing(found, fail_on)
    if args.format == "table":
        errors = int((failing["severity"] == "error").sum()) if len(failing) else 0
        line = f"{len(keys)} department-year(s), {len(found)} finding(s), {errors} error(s)"
        dismissed = int((found["verdict"] == "not-a-problem").sum()) if len(found) else 0
        if dismissed:
            line += f", {dismissed} marked not-a-problem"
        if unchecked:
            line += f"; nothing could be checked in {', '.join(unchecked)}"
        if gone is not None:
            c = changes.counts(found, gone)
            line += (f"; since {args.since}: {c['new']} new, {c['gone']} gone,"
                     f" {c['unchanged']} unchanged")
        print(line + ".")
    return 1 if len(failing) or (fail_on == "review" and unchecked) else 0


def _warn_stale(stale: list[dict]) -> None:
    """A warning on stderr for each stale verdict: a ``review.csv`` line whose finding is
    gone."""
    for v in stale:
        print(f"fiscal: warning: {v.get('file', v['key'])}, line {v['line']}: stale verdict"
              f" ({v['verdict']}) on {v['id']}: no current finding of {v['key']} has this id"
              " (the source was corrected, or the finding is gone) — delete the line",
              file=sys.stderr)


def _cmd_review(args: argparse.Namespace) -> int:
    from datetime import date

    from fiscal.checks import check
    from fiscal.config import DeptYear, Settings
    from fiscal.load import load_folder
    from fiscal.verdicts import Verdict, record

    settings = Settings.from_env()
    folder = (Path(args.target) if Path(args.target).is_dir()
              else settings.existing_dept_year_dir(DeptYear.parse(args.target)))
    budget = load_folder(folder)  # validates the folder, review.csv included
    found = check(budget)
    if args.id not in set(found["id"]):
        raise FiscalError(f"no finding of {budget.dept_year.key} has the id {args.id}",
                          path=folder, fix=f"see the ids with `fiscal check {args.target}`")
    path = record(folder, Verdict(args.id, args.verdict, args.note, args.who,
                                  args.date or date.today().isoformat()))
    print(f"{path}: {args.id} {args.verdict}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from fiscal.package import export

    settings, targets = resolve_targets(args.targets, args.all)
    path = export(targets, args.to, settings)
    print(f"{path}: {len(targets)} department-year(s)")
    return 0


COMMANDS = {"extract": _cmd_extract, "list": _cmd_list, "validate": _cmd_validate,
            "check": _cmd_check, "report": _cmd_report, "review": _cmd_review,
            "export": _cmd_export}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``fiscal`` console script."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except FiscalError as exc:
        print(f"fiscal: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("fiscal: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `fiscal check … | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("FISCAL_DEBUG"):
            raise
        print(f"fiscal: internal error: {type(exc).__name__}: {exc} — this is a bug in fiscal;"
              " rerun with FISCAL_DEBUG=1 for the traceback and report it with the input file",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
