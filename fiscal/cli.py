"""The ``fiscal`` command.

Exit codes: 0 success; 1 a check found an error-level finding no reviewer marked
not-a-problem (``--fail-on review``: also a review-level one, or a department-year where
nothing could be checked), or some department-years of a batch failed; 2 bad input (a
one-line message, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fiscal.errors import FiscalError


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
    c.add_argument("--format", choices=["table", "json", "csv"], default="table")
    c.add_argument("--fail-on", choices=["error", "review"], default="error",
                   help="exit 1 on an error-level finding (default), or also on a review-level"
                        " one; findings a reviewer marked not-a-problem never count")
    c.add_argument("--since", type=Path, metavar="FILE.json",
                   help="an earlier `--format json` output: mark findings new, gone, unchanged")

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
    r.add_argument("--force", action="store_true", help="rebuild reports that are current")
    r.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local process pool (default) or a Dask cluster")
    r.add_argument("--scheduler", help="Dask scheduler address (default: start a LocalCluster)")
    return p


def _cmd_report(args: argparse.Namespace) -> int:
    from fiscal import batch
    from fiscal.config import DeptYear, Settings
    from fiscal.errors import TargetError

    settings = Settings.from_env()
    targets = [DeptYear.parse(t) for t in args.targets]
    if args.all:
        targets = sorted(set(targets) | set(settings.dept_years()))
    if not targets:
        raise TargetError("no department-year given",
                          fix="name <slug>/<year> (see `fiscal list`) or use --all")
    if args.jobs is not None and args.jobs < 1:
        raise TargetError("-j must be 1 or more", fix="e.g. -j 2")
    results = batch.run(targets, settings, workers=args.jobs, force=args.force,
                        executor=args.executor, scheduler=args.scheduler)
    print(batch.summary(results, settings))
    return 1 if any(r.status == "failed" for r in results) else 0


def _cmd_extract(args: argparse.Namespace) -> int:
    from fiscal.config import Settings
    from fiscal.extract import extract, write

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
    from fiscal.config import Settings

    settings = Settings.from_env()
    found = settings.dept_years()
    for dy in found:
        print(dy.key)
    if not found:
        print(f"no department-year under {settings.data_dir}", file=sys.stderr)
    return 0


def resolve_targets(targets: list[str], all_: bool):
    """``(label, loader)`` pairs for targets: department-years, folders or source files."""
    from fiscal.config import DeptYear, Settings
    from fiscal.errors import TargetError

    settings = Settings.from_env()
    if all_:
        targets = [dy.key for dy in settings.dept_years()] + list(targets)
    if not targets:
        raise TargetError("no target given",
                          fix="name <slug>/<year> (see `fiscal list`), a folder, or use --all")
    out = []
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
    from fiscal.load import load_budget, load_folder

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


def _cmd_check(args: argparse.Namespace) -> int:
    from fiscal.checks import run_cli

    return run_cli(args)


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
