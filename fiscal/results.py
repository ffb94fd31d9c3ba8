"""Results: a department-year's checks and figures, computed once, stored, read back.

A report shows a department-year's findings, its coverage ledger, the count of the numbers
its source prints and its 三公 trend; the index shows every department-year's headline,
counts and 三公 total. All of it comes from the checks and measures of the loaded tables,
and a department's years are checked together (the cross-year rule compares them), so the
results are made per department::

    res = results.department("futian-sti", settings)   # {key: Results}, stored or computed
    res["futian-sti/2018"].findings                      # FINDING_COLUMNS + id

``fiscal report`` computes them in bulk before it builds a page (:func:`store`: whole
departments at a time, one panel per chunk, about 10 ms a department-year instead of a
second per report in a kernel) and stores each department-year's as JSON beside its report
(``Settings.results_path``: ``reports/<slug>/<year>.json``), with the hash of its
department's inputs (:func:`fiscal.manifest.department_inputs`: its folders and the package's
code). A report and the index read them back; a result whose inputs changed is stale and is
computed again. The JSON is open data: the findings and the ledger with their columns, the
amounts as decimal strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from fiscal import coverage as ledger
from fiscal import measures
from fiscal.checks import FINDING_COLUMNS, relations
from fiscal.config import DeptYear, Settings
from fiscal.errors import FiscalError
from fiscal.load import Budget, Panel, budgets_of, load_budget, load_panel
from fiscal.manifest import RESULTS_FORMAT as FORMAT
from fiscal.manifest import department_inputs, stored_results, write_atomic

__all__ = ["CHUNK", "FORMAT", "Results", "compute", "department", "read", "store"]

#: At most this many department-years are loaded and checked at once by :func:`store`.
CHUNK = 500


@dataclass
class Results:
    """What the checks and measures give for one department-year.

    Attributes:
        key: ``<slug>/<year>[-final]``.
        inputs: the hash of its department's inputs when computed (``""``: a budget that
            is not the data folder's, computed in memory).
        headline: :func:`fiscal.measures.headline`.
        findings: its findings (``FINDING_COLUMNS`` and ``id``), checked with its
            department's other years.
        coverage: its rows of the coverage ledger (``fiscal.coverage.COVERAGE_COLUMNS``).
        numbers: :func:`fiscal.coverage.numbers` (``None`` for a PDF source).
        sangong: its 三公 candidates (:func:`fiscal.measures.sangong_candidates`).
    """

    key: str
    inputs: str
    headline: dict
    findings: pd.DataFrame
    coverage: pd.DataFrame
    numbers: tuple[dict, pd.DataFrame] | None
    sangong: pd.DataFrame

    def to_json(self) -> str:
        """The stored form: one JSON object, same results, same bytes."""
        numbers = None
        if self.numbers is not None:
            numbers = {"counts": {k: int(v) for k, v in self.numbers[0].items()},
                       "uncaptured": _frame_json(self.numbers[1])}
        data = {"format": FORMAT, "key": self.key, "inputs": self.inputs,
                "headline": {k: _value(v) for k, v in self.headline.items()},
                "headline_decimal": sorted(k for k, v in self.headline.items()
                                           if isinstance(v, Decimal)),
                "findings": _frame_json(self.findings), "coverage": _frame_json(self.coverage),
                "numbers": numbers, "sangong": _frame_json(self.sangong)}
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> Results:
        """Read back the parsed JSON :meth:`to_json` wrote (``KeyError``, ``TypeError``,
        ``ValueError`` or ``ArithmeticError`` when it is not whole)."""
        dec = set(d["headline_decimal"])
        headline = {k: Decimal(v) if k in dec and v is not None else v
                    for k, v in d["headline"].items()}
        numbers = None
        if d["numbers"] is not None:
            numbers = (d["numbers"]["counts"], _frame_read(d["numbers"]["uncaptured"]))
        return cls(key=d["key"], inputs=d["inputs"], headline=headline,
                   findings=_frame_read(d["findings"]), coverage=_frame_read(d["coverage"]),
                   numbers=numbers, sangong=_frame_read(d["sangong"]))


def _value(v):
    """A cell as JSON: Decimal as its string, numpy scalars as Python's, a missing value
    (``None``, NaN) as null."""
    if v is None:
        return None
    if isinstance(v, Decimal):
        return None if v.is_nan() else str(v)
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def _frame_json(df: pd.DataFrame) -> dict:
    """A frame as ``{"columns", "decimal", "rows"}``: the decimal columns' values are strings."""
    decimal = [c for c in df.columns if any(isinstance(v, Decimal) for v in df[c])]
    return {"columns": [str(c) for c in df.columns], "decimal": decimal,
            "rows": [[_value(v) for v in row] for row in df.itertuples(index=False)]}


def _frame_read(d: dict) -> pd.DataFrame:
    df = pd.DataFrame(d["rows"], columns=d["columns"])
    for i, c in enumerate(d["columns"]):
        if c in d["decimal"]:  # a column of Decimals and None stays one of objects
            df[c] = pd.Series([None if r[i] is None else Decimal(r[i]) for r in d["rows"]],
                              dtype=object, index=df.index)
    return df


# ---------------------------------------------------------------------------
# Computing
# ---------------------------------------------------------------------------

def compute(budgets: list[Budget], inputs: dict[str, str] | None = None,
            panel: Panel | None = None) -> dict[str, Results]:
    """The results of every department-year of ``budgets``, checked together.

    Args:
        budgets: whole departments (every year of each, so the cross-year rule sees them).
        inputs: the department inputs hash by slug, recorded in each result.
        panel: the budgets' panel when it is loaded already (:func:`fiscal.load.load_panel`).
    """
    inputs = inputs or {}
    panel = panel if panel is not None else Panel.from_budgets(budgets)
    rel, found = relations(panel)
    cov = ledger.coverage(panel, rel, found)
    found_by = dict(tuple(found.groupby("key", sort=False))) if len(found) else {}
    cov_key = [DeptYear(slug, int(year), kind).key
               for slug, year, kind in zip(cov["department"], cov["year"], cov["kind"],
                                           strict=True)]
    cov_by = dict(tuple(cov.groupby(cov_key, sort=False)))
    cols = [*FINDING_COLUMNS, "id"]
    out = {}
    for b in budgets:
        key = b.dept_year.key
        f = found_by.get(key)
        f = (f[cols] if f is not None else found.reindex(columns=cols).iloc[:0])
        out[key] = Results(key=key, inputs=inputs.get(b.dept_year.slug, ""),
                           headline=measures.headline(b), findings=f.reset_index(drop=True),
                           coverage=cov_by[key].reset_index(drop=True),
                           numbers=ledger.numbers(b), sangong=measures.sangong_candidates(b))
    return out


def read(dy: DeptYear, settings: Settings, inputs: str | None = None) -> Results | None:
    """The stored results of ``dy`` when they are current (``inputs``: its department's
    inputs hash, computed when not given), else ``None`` (also for a department-year stored
    as one that does not load, and for a file that is not whole)."""
    return _results(stored_results(dy, settings, inputs or department_inputs(dy.slug, settings)))


def _results(data: dict | None) -> Results | None:
    """The Results of a current stored file (:func:`fiscal.manifest.stored_results`); ``None``
    for none, for a department-year stored as one that does not load, or for a file that is
    not whole."""
    if data is None or "does_not_load" in data:
        return None
    try:
        return Results.from_dict(data)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


def department(slug: str, settings: Settings, budget: Budget | None = None
               ) -> dict[str, Results]:
    """The results of every department-year of a department that loads: the stored ones when
    all are current, else computed (and not stored: :func:`store` stores).

    With ``budget``, that department-year is checked as given (a budget changed in memory,
    or read from a source file) with the department's other years from the data folder;
    nothing stored is used for it. A department-year of the data folder that does not load
    is left out (its report says why).
    """
    dys = settings.dept_years(slug)
    inputs = department_inputs(slug, settings)
    if budget is None:
        data = {dy.key: stored_results(dy, settings, inputs) for dy in dys}
        stored = {k: _results(d) for k, d in data.items()}
        if dys and all(res is not None or (d is not None and "does_not_load" in d)
                       for res, d in zip(stored.values(), data.values(), strict=True)):
            return {k: res for k, res in stored.items() if res is not None}
    budgets = [] if budget is None else [budget]
    for dy in dys:
        if budget is not None and dy == budget.dept_year:
            continue
        try:
            budgets.append(load_budget(dy.slug, dy.year, dy.kind, settings))
        except FiscalError:
            continue  # a folder that does not load: its own report and the index say so
    budgets.sort(key=lambda b: b.dept_year)
    return compute(budgets, {} if budget is not None else {slug: inputs})


def store(settings: Settings, dys: Iterable[DeptYear], chunk: int = CHUNK,
          progress=None, force: bool = False) -> int:
    """Compute and store the results of the departments of ``dys`` whose stored results are
    missing or stale (every one of them with ``force``); returns how many department-years
    were computed.

    Departments are loaded and checked together in chunks of at most ``chunk``
    department-years (a department's years always together). A chunk that does not load or
    check is retried one department at a time; in a department, a year that does not load is
    stored as such (with the loader's message, so that it is not tried again until its
    inputs change) and the others are checked without it. A department that still cannot be
    checked or written gets nothing stored: its report computes its results itself and says
    what went wrong. ``progress`` is called with the number of department-years done after
    each chunk.
    """
    todo: list[tuple[str, list[DeptYear], str]] = []
    by_slug: dict[str, list[DeptYear]] = {}
    for dy in settings.dept_years():
        by_slug.setdefault(dy.slug, []).append(dy)
    for slug in sorted({dy.slug for dy in dys}):
        siblings = by_slug.get(slug, [])
        inputs = department_inputs(slug, settings)
        if force or not all(stored_results(dy, settings, inputs) for dy in siblings):
            todo.append((slug, siblings, inputs))
    done = 0
    batch: list[tuple[str, list[DeptYear], str]] = []
    for item in todo:
        if batch and sum(len(s) for _, s, _ in batch) + len(item[1]) > chunk:
            done += _store_chunk(settings, batch)
            batch = []
            if progress:
                progress(done)
        batch.append(item)
    if batch:
        done += _store_chunk(settings, batch)
        if progress:
            progress(done)
    return done


def _store_chunk(settings: Settings, batch: list[tuple[str, list[DeptYear], str]]) -> int:
    """Load, check and store one chunk of departments; one department at a time where the
    chunk does not load or check."""
    folders = {dy.key: settings.dept_year_dir(dy) for _, dys, _ in batch for dy in dys}
    try:
        panel = load_panel(folders)
        budgets = budgets_of(panel, folders)
        return _write(settings, compute([budgets[k] for k in sorted(budgets)],
                                        {slug: inputs for slug, _, inputs in batch},
                                        panel=panel))
    except Exception:  # noqa: BLE001 - one department's trouble must not stop the others
        return sum(_store_department(settings, *item) for item in batch)


def _store_department(settings: Settings, slug: str, dys: list[DeptYear], inputs: str) -> int:
    loaded, unloadable = [], {}
    for dy in dys:
        try:
            loaded.append(load_budget(dy.slug, dy.year, dy.kind, settings))
        except FiscalError as exc:
            unloadable[dy] = str(exc)
    try:
        results = compute(loaded, {slug: inputs}) if loaded else {}
        for dy, message in unloadable.items():
            write_atomic(settings.results_path(dy), json.dumps(
                {"format": FORMAT, "key": dy.key, "inputs": inputs, "does_not_load": message},
                ensure_ascii=False, indent=1) + "\n")
        return _write(settings, results)
    except Exception:  # noqa: BLE001 - its report computes the results and says what failed
        return 0


def _write(settings: Settings, results: dict[str, Results]) -> int:
    for key, res in results.items():
        write_atomic(settings.results_path(DeptYear.parse(key)), res.to_json())
    return len(results)
