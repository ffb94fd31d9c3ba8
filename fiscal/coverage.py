"""The coverage ledger: what the checks could check in each department-year, and what not.

"No finding" is not "everything checked": a 三公 excerpt with one table gives no finding
because almost nothing applies to it. The ledger says, for every registered rule and
department-year, whether the rule ``applies`` (it compared something), is ``not
applicable`` (and why: the tables or stated figures it needs are not printed, derived from
its declared needs in :mod:`fiscal.checks.registry`) or ``could not check`` (it raised: the
runner's "无法核对" review finding), and how many relations it checked, by verdict::

    ledger = coverage(budget)            # one row per (department-year, rule)
    summary(ledger)                      # "核对 212 项关系；其中 199 项一致、…"
    state(ledger, findings)              # the index's 核对 column: 通过 / 部分核对 / 未核对
"""

from __future__ import annotations

import pandas as pd

from fiscal.checks import REGISTRY, Rule, relations
from fiscal.load import Budget, Panel

#: The ledger's columns, in order (also those of ``coverage.csv`` and the JSON's coverage).
COVERAGE_COLUMNS = ["department", "year", "kind", "rule", "name", "core", "status", "reason",
                    "relations", "holds", "rounding", "review", "error", "warning"]
#: What a relation's verdict can be, as counted in the ledger.
VERDICTS = ("holds", "rounding", "review", "error", "warning")
#: A rule's status in a department-year.
STATUSES = ("applies", "not applicable", "could not check")
#: Rules whose relations compare no printed amount (codes, tables present, names): a
#: department-year where only these apply had no figure checked.
NO_FIGURES = ("code_level", "tables_present", "code_names")
#: States of the index's 核对 column.
STATES = ("通过", "错误", "部分核对", "未核对")

_NUMERALS = "一二三四五六七八九十"
_ROLE_WORDS = {"amount": "金额", "change": "增减额", "prior_amount": "上年数",
               "change_pct": "增减幅度", "share": "占比", "completion_pct": "预算完成率",
               "count": "数量"}


def table_word(tid: str) -> str:
    """``"t06"`` -> ``"表六"``, ``"t12"`` -> ``"表十二"``."""
    n = int(tid[1:])
    return "表" + (_NUMERALS[n - 1] if n <= 10 else "十" + _NUMERALS[n - 11])


def _panel(budget: Budget | list[Budget] | Panel) -> Panel:
    if isinstance(budget, Panel):
        return budget
    return Panel.from_budgets(budget if isinstance(budget, list) else [budget])


def _why_not(r: Rule, key: str, p: Panel, tables: set[str], roles: set[str]) -> str:
    """Why rule ``r`` compared nothing in ``key``, from its declared needs (Chinese)."""
    if r.years:
        slug = p.meta[key]["slug"]
        if sum(m["slug"] == slug for m in p.meta.values()) < 2:
            return "无同一部门其他年度的文件"
    if r.tables and not tables & set(r.tables):
        return "无" + "、".join(table_word(t) for t in r.tables)
    if not r.tables and not r.roles and not tables:
        return "无表格"
    if r.roles:
        decisive = [x for x in r.roles if x not in ("amount", "count")] or list(r.roles)
        if not roles & set(r.roles):
            return "正文无所述" + "、".join(_ROLE_WORDS.get(x, x) for x in r.roles)
        missing = [x for x in decisive if x not in roles]
        if missing:
            return "正文无所述" + "、".join(_ROLE_WORDS.get(x, x) for x in missing)
    return "无可比较的数字"


def coverage(budget: Budget | list[Budget] | Panel, rel: pd.DataFrame | None = None,
             found: pd.DataFrame | None = None) -> pd.DataFrame:
    """The coverage ledger: one row per department-year and registered rule.

    Args:
        budget: a Budget, a list of them, or a Panel.
        rel, found: the output of :func:`fiscal.checks.relations` for the same panel, when
            the caller has it already (else the checks are run here).

    Returns:
        ``COVERAGE_COLUMNS``, the department-years sorted, rules in the order they run:
        ``status`` (``STATUSES``), ``reason`` (why not applicable, or the error of a rule
        that raised), ``relations`` and its count per verdict (``VERDICTS``); ``core`` marks
        the rules the index's 通过 requires.
    """
    p = _panel(budget)
    if rel is None or found is None:
        rel, found = relations(p)
    counts = (rel.groupby(["key", "by_rule", "verdict"]).size() if len(rel)
              else pd.Series(dtype="int64"))
    failed = {}
    if len(found):
        raised = found[(found["severity"] == "review")
                       & found["message"].str.startswith("无法核对（规则 ")]
        failed = {(k, r): m for k, r, m in zip(raised["key"], raised["rule"],
                                                raised["message"], strict=True)}
    rows = []
    for key in sorted(p.meta):
        meta = p.meta[key]
        tables = set(p.cells.loc[p.cells["key"] == key, "table"]) if len(p.cells) else set()
        roles = (set(p.claims.loc[p.claims["key"] == key, "role"]) if len(p.claims)
                 else set())
        for r in REGISTRY.values():
            n = {v: int(counts.get((key, r.id, v), 0)) for v in VERDICTS}
            total = sum(n.values())
            if (key, r.id) in failed:
                status, reason = "could not check", failed[(key, r.id)]
            elif total:
                status, reason = "applies", ""
            else:
                status, reason = "not applicable", _why_not(r, key, p, tables, roles)
            rows.append({"department": meta["slug"], "year": int(meta["year"]),
                         "kind": meta["kind"], "rule": r.id, "name": r.name, "core": r.core,
                         "status": status, "reason": reason, "relations": total, **n})
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def summary(ledger: pd.DataFrame) -> str:
    """One line of a department-year's ledger, in Chinese: ``"核对 212 项关系；其中 199 项一致、
    13 项舍入差异；3 条规则不适用（无表六）"``."""
    n = int(ledger["relations"].sum())
    words = {"holds": "一致", "rounding": "舍入差异", "review": "待复核", "error": "错误",
             "warning": "提示"}
    parts = [f"{int(ledger[v].sum())} 项{w}" for v, w in words.items() if ledger[v].sum()]
    line = f"核对 {n} 项关系" + ("；其中 " + "、".join(parts) if parts else "")
    na = ledger[ledger["status"] == "not applicable"]
    if len(na):
        why = list(dict.fromkeys(na["reason"]))
        line += f"；{len(na)} 条规则不适用（{'；'.join(why[:3])}{'等' if len(why) > 3 else ''}）"
    bad = ledger[ledger["status"] == "could not check"]
    if len(bad):
        line += f"；{len(bad)} 条规则无法核对"
    return line


def state(ledger: pd.DataFrame, errors: int = 0) -> tuple[str, str]:
    """The index's 核对 state of one department-year's ledger and its detail.

    ``通过``: every core rule applied and no error-level finding; ``错误``: every core rule
    applied and ``errors`` (error-level findings) > 0; ``部分核对``: some amount was compared
    but not every core rule applied (detail: "x/y 项核心规则适用，n 项关系"); ``未核对``: no
    printed amount was compared (detail: why).
    """
    figures = ledger[~ledger["rule"].isin(NO_FIGURES)]
    n = int(figures["relations"].sum())
    core = ledger[ledger["core"]]
    applied = int((core["status"] == "applies").sum())
    if n == 0:
        why = list(dict.fromkeys(core.loc[core["status"] != "applies", "reason"]))
        return "未核对", "；".join(why[:2]) or "无可核对的数字"
    if applied == len(core):
        return ("错误", f"{errors} 项") if errors else ("通过", f"{n} 项关系")
    return "部分核对", f"{applied}/{len(core)} 项核心规则适用，{n} 项关系"
