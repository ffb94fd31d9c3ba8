"""The rule catalogue for users, ``docs/rules.md``, written from the registry.

Regenerate it after changing a rule's registration::

    .venv/bin/python -m fiscal.checks.catalogue
"""

from __future__ import annotations

import sys
from pathlib import Path

from fiscal.checks import params
from fiscal.checks.registry import REGISTRY, Rule
from fiscal.schema import TABLES

#: Where the catalogue is written, from the repository's root.
CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "rules.md"

HEADER = """\
# 规则目录（Rule catalogue）

<!-- Generated from fiscal/checks/registry.py: do not edit by hand; regenerate with
     `.venv/bin/python -m fiscal.checks.catalogue`. -->

Every rule `fiscal check` runs, in the order it runs: its id, its Chinese name (shown in
reports), what must hold, what it needs and its severity policy. A rule whose tables or
claims a disclosure does not print finds nothing there. Severities: `error` (a relation
that does not hold beyond rounding), `rounding` (within what the printed precision
explains), `review` (read with doubt: shown, never an error), `warning` (not arithmetic).
A core rule (核心) must apply and hold for the index to mark a department-year 通过.
"""


def _needs(r: Rule) -> str:
    parts = []
    if r.tables:
        parts.append("表 " + "、".join(f"{t}（{TABLES[t].title}）" for t in r.tables))
    else:
        parts.append("任一表" if not r.roles else "")
    if r.roles:
        parts.append("正文数字 " + "、".join(f"`{x}`" for x in r.roles))
    if r.params:
        where = ["" if hasattr(params, name) else "schema." for name in r.params]
        parts.append("参数 " + "、".join(f"`{w}{name}`" for w, name in
                                       zip(where, r.params, strict=True)))
    return "；".join(p for p in parts if p)


def _emits(r: Rule) -> str:
    if list(r.emits) == [r.id]:
        return ""
    return "发出 " + "、".join(f"`{rid}`（{name}）" for rid, name in r.emits.items())


def render() -> str:
    """The catalogue's Markdown text."""
    lines = [HEADER, "| id | 名称 | 须成立的关系 | 所需 | 严重程度 |", "|---|---|---|---|---|"]
    for r in REGISTRY.values():
        desc = r.description + (f"（{_emits(r)}）" if _emits(r) else "")
        name = r.name + ("（核心）" if r.core else "")
        lines.append(f"| `{r.id}` | {name} | {desc} | {_needs(r)} | {r.severity} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write ``docs/rules.md``."""
    CATALOGUE.write_text(render(), encoding="utf-8")
    print(f"wrote {CATALOGUE} ({len(REGISTRY)} rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
