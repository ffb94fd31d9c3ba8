"""The rule registry: every rule, what it emits, what it needs, and its name in Chinese.

A rule is a function of a :class:`~fiscal.load.Panel` that returns findings, registered
with :func:`rule`::

    @rule("row_total", name="行内合计", description="合计 = 基本支出 + 项目支出",
          tables=("t03", "t05"), severity=ARITHMETIC)
    def rule_row_total(p: Panel) -> pd.DataFrame: ...

The registry is the one list the runner runs (in registration order), the catalogue
(``docs/rules.md``) is written from, and reports name rules by (:func:`rule_name`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from fiscal.errors import RuleError
from fiscal.load import Panel

RuleFunc = Callable[[Panel], pd.DataFrame]

#: Severity policies, as the catalogue states them.
ARITHMETIC = "相等为通过；舍入以内为 rounding，超出为 error"
DOUBT = ARITHMETIC + "；所据读数有推断（或空白读作 0）时为 review"
WARNING = "warning（须人工查看，不是算术错误）"


@dataclass(frozen=True)
class Rule:
    """One registered rule.

    Attributes:
        id: the rule's id (``rule_<id>`` is its function's name).
        func: the function run over a panel.
        emits: every rule id its findings may carry, with its Chinese name.
        name: the rule's Chinese name, shown in reports instead of its id.
        description: one line in Chinese: what must hold.
        severity: its severity policy, in Chinese.
        tables: the tables it compares (``()``: whatever tables are printed).
        roles: the claim roles it needs (``()``: no claim).
        params: the names of its parameters in :mod:`fiscal.checks.params` (or, for the
            vocabulary that extraction shares, :mod:`fiscal.schema`).
        core: a core rule: a department-year is 通过 (passed) in the index only where every
            core rule applied and held (``fiscal.coverage``).
        years: it compares a department's documents of different years (it applies only
            where the data folder holds another year of the department).
    """

    id: str
    func: RuleFunc
    emits: Mapping[str, str]
    name: str
    description: str
    severity: str
    tables: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    core: bool = False
    years: bool = False


#: Every rule by id, in the order they run.
REGISTRY: dict[str, Rule] = {}


def rule(id: str, *, name: str, description: str, severity: str = ARITHMETIC,
         emits: Mapping[str, str] | None = None, tables: tuple[str, ...] = (),
         roles: tuple[str, ...] = (), params: tuple[str, ...] = (), core: bool = False,
         years: bool = False) -> Callable[[RuleFunc], RuleFunc]:
    """Register the decorated function as rule ``id`` (see :class:`Rule` for the fields).

    ``emits`` defaults to ``{id: name}``. Raises :class:`~fiscal.errors.RuleError` when the id
    is taken, or when an id it emits already has another Chinese name.
    """
    def register(func: RuleFunc) -> RuleFunc:
        if id in REGISTRY:
            raise RuleError(f"rule id {id!r} is registered twice ({func.__module__})")
        emitted = dict(emits if emits is not None else {id: name})
        for rid, label in emitted.items():
            known = emitted_names().get(rid)
            if known is not None and known != label:
                raise RuleError(f"rule {id!r} names {rid!r} {label!r}, another rule {known!r}")
        REGISTRY[id] = Rule(id, func, emitted, name, description, severity, tables, roles,
                            params, core, years)
        return func

    return register


def emitted_names() -> dict[str, str]:
    """Every id a finding may carry, with its Chinese name."""
    return {rid: label for r in REGISTRY.values() for rid, label in r.emits.items()}


def rule_name(rule_id: str) -> str:
    """The Chinese name of a rule id as findings carry it (``"outline"`` -> ``"分级合计"``);
    an id nobody registered is returned as it is."""
    if rule_id in REGISTRY:
        return REGISTRY[rule_id].name
    return emitted_names().get(rule_id, rule_id)


def check_emitted(r: Rule, found: pd.DataFrame) -> None:
    """Raise :class:`~fiscal.errors.RuleError` when a rule's findings carry an id it did not
    declare in ``emits``."""
    if found.empty:
        return
    undeclared = set(found["rule"].unique().tolist()) - set(r.emits)
    if undeclared:
        raise RuleError(f"rule {r.id!r} emitted {sorted(undeclared)} but declares only"
                        f" {sorted(r.emits)}: add them to its emits")
