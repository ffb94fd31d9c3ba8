"""Findings and relations: the frames every rule returns, and how a rule builds them.

A finding is one relation that does not hold (or a warning); its columns are
``FINDING_COLUMNS`` (plus ``key``), its contract :func:`finding_schema`. Relations (see
:func:`fiscal.checks.relations`) are every comparison made, held or not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from decimal import Decimal
from functools import partial

import numpy as np
import pandas as pd

from fiscal import money
from fiscal.checks.registry import REGISTRY, emitted_names
from fiscal.ids import ID_RE, about
from fiscal.load import fen_to_wan
from fiscal.schema import COLUMN_LABELS, ROUNDING_HALF_UNITS

FINDING_COLUMNS = ["department", "year", "kind", "rule", "severity", "table", "item",
                   "expected", "actual", "difference", "message", "source_line"]
#: ``review`` ("check by eye"): a relation that does not hold but was read with doubt (a
#: figure whose role, whole or basis was inferred, not stated), or a table or rule that could
#: not be read or run. Never counted as an error, never the cause of exit 1.
SEVERITIES = ("error", "review", "rounding", "warning")
KEY = ["key", "slug", "year", "kind"]
#: Columns a rule's findings carry besides ``FINDING_COLUMNS``: the department-year and
#: what identifies the figures compared (``fiscal.ids.about``), for the finding's id.
INNER_COLUMNS = ["key", "about"]


def wan(fen) -> Decimal | None:
    """分 to 万元 (Decimal), None for missing."""
    return None if fen is None or pd.isna(fen) else fen_to_wan(int(fen))


#: An amount as findings print it: :func:`fiscal.money.fmt` with ``空`` for a missing amount
#: and whole amounts without decimals (``33534.08`` -> ``33,534.08``; ``100.00`` -> ``100``).
fmt = partial(money.fmt, missing="空", trim=True)


def _txt(fen: pd.Series) -> pd.Series:
    """Amounts in 分 as printed text in 万元 (object dtype, also when empty)."""
    return pd.Series([fmt(wan(f)) for f in fen], index=fen.index, dtype=object)


#: Where relations are collected while rules run (see :func:`relations`): every comparison
#: a rule makes, held or not, with its verdict, lines and printed figures; ``by_rule`` is
#: the registered rule that made it (``rule`` is the id it emits: ``code_hierarchy`` is
#: emitted by two rules).
_RELATIONS: ContextVar[list[pd.DataFrame] | None] = ContextVar("_RELATIONS", default=None)
RELATION_COLUMNS = ["key", "rule", "verdict", "source_line", "lines", "figures", "by_rule"]


def _record(df: pd.DataFrame, rule: str, verdict, lines=None, figures=None) -> None:
    """Add the comparisons of ``df`` (one per row) to the relations being collected."""
    sink = _RELATIONS.get()
    if sink is None or df.empty:
        return
    n = len(df)
    src = df["source_line"].to_numpy() if "source_line" in df else np.zeros(n, dtype=int)
    sink.append(pd.DataFrame({
        "key": df["key"].to_numpy(), "rule": rule,
        "verdict": np.where(np.asarray(verdict) == "", "holds", verdict) if not isinstance(
            verdict, str) else verdict,
        "source_line": src,
        "lines": list(lines) if lines is not None else [(int(x),) for x in src],
        "figures": list(figures) if figures is not None else [()] * n,
    }))


def _record_rows(rows: list[dict]) -> None:
    """Add comparisons given as rows (``key``, ``rule``, ``verdict``, ``source_line``) to the
    relations being collected: what rules that build findings row by row checked, held or
    not (``holds``, or the severity of the finding it gave)."""
    if _RELATIONS.get() is None or not rows:
        return
    df = pd.DataFrame(rows, columns=["key", "rule", "verdict", "source_line"])
    for (rule, verdict), part in df.groupby(["rule", "verdict"], sort=False):
        _record(part.reset_index(drop=True), rule, verdict)


class Msg:
    """A message built only for the comparisons that differ: ``Msg(lambda m: …)`` gets the
    frame of those rows and returns their messages (the rest are recorded as held)."""

    def __init__(self, build: Callable[[pd.DataFrame], pd.Series]) -> None:
        self.build = build


def _severity(diff: pd.Series, tol2: pd.Series) -> np.ndarray:
    """'' for equal, 'rounding' within tolerance, 'error' beyond (exact integers of 分)."""
    d = diff.astype("int64").abs() * 2
    t = tol2.astype("int64") * ROUNDING_HALF_UNITS
    return np.where(d == 0, "", np.where(d <= t, "rounding", "error"))


def _findings(df: pd.DataFrame, rule: str, table: pd.Series | str, item: pd.Series,
              expected_fen: pd.Series, actual_fen: pd.Series, tol2: pd.Series,
              message: Callable[[pd.Series], str] | pd.Series | Msg,
              source_line: pd.Series, doubt=None, lines=None, figures=None) -> pd.DataFrame:
    """Findings of an amount comparison: only rows that differ.

    ``doubt`` marks comparisons that need a reading made with doubt: beyond rounding they
    are ``review``, not ``error``. Every comparison, held or not, is recorded as a relation.
    """
    if df.empty:
        return empty_findings()
    diff = actual_fen.astype("int64") - expected_fen.astype("int64")
    sev = _severity(diff, tol2)
    if doubt is not None:
        sev = np.where((sev == "error") & np.asarray(doubt, dtype=bool), "review", sev)
    _record(df.assign(source_line=source_line.to_numpy()), rule, sev, lines, figures)
    keep = sev != ""
    if not keep.any():
        return empty_findings()
    sub = df[keep]
    out = pd.DataFrame({
        "key": sub["key"].to_numpy(), "department": sub["slug"].to_numpy(),
        "year": sub["year"].to_numpy(), "kind": sub["kind"].to_numpy(), "rule": rule,
        "severity": sev[keep],
        "table": table[keep].to_numpy() if isinstance(table, pd.Series) else table,
        "item": item[keep].to_numpy(),
        "expected": [wan(v) for v in expected_fen[keep]],
        "actual": [wan(v) for v in actual_fen[keep]],
        "difference": [wan(v) for v in diff[keep]],
        "source_line": source_line[keep].to_numpy(),
        "about": about(sub).to_numpy(),
    })
    if isinstance(message, Msg):
        out["message"] = list(message.build(sub))
    elif isinstance(message, pd.Series):
        out["message"] = message[keep].to_numpy()
    else:
        out["message"] = [message(r) for _, r in out.iterrows()]
    return out


def empty_findings() -> pd.DataFrame:
    """A findings frame with no row (a copy: the caller may change it)."""
    return _EMPTY_FINDINGS.copy()


#: (built once: most rules find nothing in most panels, and building a frame costs more
#: than copying an empty one)
_EMPTY_FINDINGS = pd.DataFrame({c: pd.Series(dtype=object)
                                for c in [*INNER_COLUMNS, *FINDING_COLUMNS]})


def _item(df: pd.DataFrame) -> pd.Series:
    return df["code"].where(df["code"] != "", df["label"])


def _col(column: str) -> str:
    return COLUMN_LABELS.get(column, column)


def _one(r, rule, severity, table, item, expected, actual, message, line) -> dict:
    diff = (actual - expected) if expected is not None and actual is not None else None
    return {"key": r["key"], "department": r["slug"], "year": r["year"], "kind": r["kind"],
            "rule": rule, "severity": severity, "table": table, "item": item,
            "expected": expected, "actual": actual, "difference": diff, "message": message,
            "source_line": line, "about": about(r)}


def _frame(rows: list[dict]) -> pd.DataFrame:
    return (pd.DataFrame(rows, columns=[*INNER_COLUMNS, *FINDING_COLUMNS]) if rows
            else empty_findings())


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty_findings()


@functools.cache
def finding_schema():
    """The pandera ``DataFrameSchema`` of a findings frame (``INNER_COLUMNS`` +
    ``FINDING_COLUMNS`` + ``id``):
    what :func:`fiscal.checks.run_rules` returns, checked in the tests.

    Amounts are ``Decimal`` 万元 or missing; ``rule`` is an id some registered rule emits.
    """
    import pandera.pandas as pa  # lazy: pandera costs ~1 s to import; only tests validate

    def each(test: Callable[[object], bool], what: str) -> pa.Check:
        return pa.Check(test, element_wise=True, error=what)

    def text(*checks: pa.Check) -> pa.Column:
        return pa.Column(None, [each(lambda v: isinstance(v, str), "text"), *checks])

    def whole(*checks: pa.Check) -> pa.Column:
        return pa.Column(None, [each(lambda v: isinstance(v, int | np.integer)
                                     and not isinstance(v, bool), "whole number"), *checks])

    amount = pa.Column(None, each(lambda v: isinstance(v, Decimal), "Decimal 万元"),
                       nullable=True)
    rules = sorted(set(emitted_names()) | set(REGISTRY))
    return pa.DataFrameSchema({
        "key": text(), "department": text(), "year": whole(pa.Check.in_range(1949, 2100)),
        "kind": text(pa.Check.isin(["budget", "final"])), "rule": text(pa.Check.isin(rules)),
        "severity": text(pa.Check.isin(list(SEVERITIES))),
        "table": text(),
        "item": text(), "expected": amount, "actual": amount, "difference": amount,
        "message": text(pa.Check.str_length(min_value=1)), "source_line": whole(pa.Check.ge(0)),
        "about": text(), "id": pa.Column(None, pa.Check.str_matches(ID_RE.pattern),
                                         required=False),
    }, strict=True, name="FindingFrame")
