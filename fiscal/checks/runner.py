"""Running the registered rules over a panel: findings, relations, and ``check``."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterable, Iterator

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
from fiscal.load import SMALL_PANEL_ROWS, Budget, Panel


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


#: The columns of a findings frame that pandas infers as its ``str`` dtype.
_TEXT_COLUMNS = ("key", "department", "kind", "rule", "severity", "table", "item", "about",
                 "message")


@contextlib.contextmanager
def _plain_text(p: Panel) -> Iterator[Panel]:
    """The panel the rules run over. A small one's column labels are plain Python strings
    and, while the rules run, so is text they make (object columns), as the panel's own text
    is (``load._plain_strings``): pandas' default Arrow-backed strings cost more per
    operation than they save on the many small frames the rules make for a few
    department-years (the 23 rules over the seed, warm: 0.38-0.58 s against 0.72-0.91 s) and save
    more than they cost on a large panel, which is used as it is. Where pandas no longer
    has the option (it is deprecated), text is made as pandas makes it."""
    if len(p.cells) > SMALL_PANEL_ROWS:
        yield p
        return
    labelled = Panel(cells=_object_labels(p.cells), claims=_object_labels(p.claims),
                     meta=p.meta)
    if "infer_string" not in dir(pd.options.future):
        yield labelled
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the option's deprecation notice
        with pd.option_context("future.infer_string", False):
            yield labelled


def _object_labels(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy(deep=False)
    out.columns = out.columns.astype(object)
    return out


def run_rules(p: Panel, rules: Iterable[Rule] | None = None) -> pd.DataFrame:
    """Every rule (by default every registered one) over the panel; findings sorted by
    department-year, severity, rule, each with its stable ``id`` (``fiscal.ids``)."""
    chosen = REGISTRY.values() if rules is None else rules
    with _plain_text(p) as q:
        found = with_ids(_concat([_run_rule(rule, q) for rule in chosen]))
    # the column labels and dtypes the frame has however its text was made
    found.columns = pd.Index(list(found.columns))
    if found.empty:
        return found
    found = found.astype({c: "str" for c in _TEXT_COLUMNS if found[c].dtype == object})
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
