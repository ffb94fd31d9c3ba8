"""Checks: every inconsistency of a disclosure, with rounding told apart from error.

Each rule takes a :class:`~fiscal.load.Panel` (one or many department-years) and returns a
findings frame; every registered rule runs over the whole panel at once and all findings are
reported. A difference is ``rounding`` when it is within what the printed precision explains
(see ``fiscal.schema`` for the tolerances), ``error`` beyond that; ``warning`` marks what a
person should look at that is not arithmetic; ``review`` a relation read with doubt.

The rules live in one module per family (:mod:`~fiscal.checks.shape`, ``hierarchy``,
``cross_table``, ``claims``, ``years``, ``templates``), registered in
:mod:`fiscal.checks.registry` with their parameters in :mod:`fiscal.checks.params`; the
catalogue ``docs/rules.md`` is written from the registry (``python -m fiscal.checks.catalogue``).
"""

from __future__ import annotations

# The families register their rules on import, in this order: the order rules run in.
# isort: off
from fiscal.checks import shape
from fiscal.checks import hierarchy
from fiscal.checks import cross_table
from fiscal.checks import claims
from fiscal.checks import years
from fiscal.checks import templates
# isort: on
from fiscal.checks.claims import (
    pct_range,
    rule_claim_change,
    rule_claim_change_pct,
    rule_claim_completion,
    rule_claim_itemised_change,
    rule_claim_parts,
    rule_claim_prior_parts,
    rule_claim_same_figure,
    rule_claim_share,
    rule_claim_table,
)
from fiscal.checks.cross_table import facts, rule_cross_table, rule_function_rows
from fiscal.checks.findings import (
    FINDING_COLUMNS,
    INNER_COLUMNS,
    KEY,
    RELATION_COLUMNS,
    SEVERITIES,
    empty_findings,
    finding_schema,
    fmt,
    wan,
)
from fiscal.checks.hierarchy import rule_code_hierarchy, rule_outline, rule_row_total, rule_totals
from fiscal.checks.params import (
    FACTS,
    FUND_SCOPE,
    IDENTITIES,
    OUTLINE_TABLES,
    REQUIRED_TABLES,
    ROW_PARTS,
    SHARED_COLUMNS,
)
from fiscal.checks.registry import REGISTRY, Rule, rule, rule_name
from fiscal.checks.runner import check, relations, run_rules
from fiscal.checks.shape import rule_code_level, rule_tables_present
from fiscal.checks.templates import (
    rule_claim_restated,
    rule_code_hierarchy_rows,
    rule_code_names,
    rule_row_parts,
    rule_shared_columns,
)
from fiscal.checks.years import rule_prior_year

#: Every registered rule's function, in the order they run.
RULES = tuple(r.func for r in REGISTRY.values())

__all__ = [
    "FACTS", "FINDING_COLUMNS", "FUND_SCOPE", "IDENTITIES", "INNER_COLUMNS", "KEY",
    "OUTLINE_TABLES",
    "REGISTRY", "RELATION_COLUMNS", "REQUIRED_TABLES", "ROW_PARTS", "RULES", "SEVERITIES",
    "SHARED_COLUMNS", "Rule", "check", "claims", "cross_table", "empty_findings", "facts",
    "finding_schema", "fmt", "hierarchy", "pct_range", "relations", "rule", "rule_name",
    "rule_claim_change", "rule_claim_change_pct", "rule_claim_completion",
    "rule_claim_itemised_change", "rule_claim_parts", "rule_claim_prior_parts",
    "rule_claim_restated", "rule_claim_same_figure", "rule_claim_share", "rule_claim_table",
    "rule_code_hierarchy", "rule_code_hierarchy_rows", "rule_code_level", "rule_code_names",
    "rule_cross_table", "rule_function_rows", "rule_outline", "rule_prior_year",
    "rule_row_parts", "rule_row_total", "rule_shared_columns", "rule_tables_present",
    "rule_totals", "run_rules", "shape", "templates", "wan", "years",
]
