"""Running the registered rules over a panel: findings, relations, and ``check``."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import pandas as pd

from fiscal.checks.findings import (
    _RELATIONS,
    FINDING_COLUMNS,
    RELATION_COLUMNS,
    SEVERITIES,
    _concat,
    _frame,
    _one,
)
from fiscal.checks.registry import REGISTRY, Rule, check_emitted
from fiscal.ids import with_ids
from fiscal.load import Budget, Panel


def _subpanel(p: Panel, key: str) -> Panel:
    cl = p.claims[p.claims["key"] == key] if not p.claims.empty else p.claims
    return Panel(cells=p.cells[p.cells["key"] == key], claims=cl, meta={key: p.meta[key]})


def _run_rule(rule: Rule, p: Panel) -> pd.DataFrame:
    """One rule over the panel; where it raises, it is run per department-year, and a
    department-year it still fails on gets a ``review`` finding "could not check".

    Findings that carry an id the rule did not declare raise
    :class:`~fiscal.errors.RuleError` (a bug in the rule, not in the input). The relations it
    records (when collected) carry its id as ``by_rule``; those of a run that raised are
    dropped."""
    sink = _RELATIONS.get()
    start = len(sink) if sink is not None else 0
    try:
        found = rule.func(p)
    except Exception:  # noqa: BLE001 - a rule's own bug must not stop the others
        if sink is not None:
            del sink[start:]
        if len(p.meta) == 1:
            key, meta = next(iter(p.meta.items()))
            where = {"key": key, "slug": meta["slug"], "year": int(meta["year"]),
                     "kind": meta["kind"]}
            return _frame([_one(where, rule.id, "review", "", rule.id, None, None,
                                f"无法核对（规则 {rule.id} 运行出错：{sys.exc_info()[1]!r}）；"
                                "其余规则照常核对", 0)])
        return _concat([_run_rule(rule, _subpanel(p, key)) for key in p.meta])
    check_emitted(rule, found)
    if sink is not None:
        sink[start:] = [f.assign(by_rule=rule.id) if "by_rule" not in f else f
                        for f in sink[start:]]
    return found


def run_rules(p: Panel, rules: Iterable[Rule] | None = None) -> pd.DataFrame:
    """Every rule (by default every registered one) over the panel; findings sorted by
    department-year, severity, rule, each with its stable ``id`` (``fiscal.ids``)."""
    chosen = REGISTRY.values() if rules is None else rules
    found = with_ids(_concat([_run_rule(rule, p) for rule in chosen]))
    if found.empty:
        return found
    found["_sev"] = found["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    found = found.sort_values(["key", "_sev", "rule", "table", "source_line", "item"],
                              kind="stable").drop(columns="_sev")
    return found.reset_index(drop=True)


def relations(budget: Budget | list[Budget] | Panel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every relation the rules evaluated, with its verdict, and the findings.

    Returns:
        ``(relations, findings)``: relations have ``RELATION_COLUMNS`` — the rule, the
        verdict (holds / rounding / review / error), the source lines and the printed
        figures compared; findings are those of :func:`run_rules`.
    """
    if isinstance(budget, Panel):
        panel = budget
    else:
        panel = Panel.from_budgets(budget if isinstance(budget, list) else [budget])
    sink: list[pd.DataFrame] = []
    token = _RELATIONS.set(sink)
    try:
        found = run_rules(panel)
    finally:
        _RELATIONS.reset(token)
    rel = (pd.concat(sink, ignore_index=True) if sink
           else pd.DataFrame({c: pd.Series(dtype=object) for c in RELATION_COLUMNS}))
    return rel, found


def check(budget: Budget | list[Budget]) -> pd.DataFrame:
    """The findings of one or more loaded department-years, as a frame.

    Args:
        budget: a :class:`~fiscal.load.Budget` (from ``load_budget``) or a list of them.

    Returns:
        One row per finding with the columns of ``FINDING_COLUMNS`` and its ``id``.
    """
    budgets = budget if isinstance(budget, list) else [budget]
    found = run_rules(Panel.from_budgets(budgets))
    return found[[*FINDING_COLUMNS, "id"]]
