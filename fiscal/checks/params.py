"""The parameters of the rules, in one place: data, typed, read by the rules that name them.

Each rule declares the names it reads (``params`` in :mod:`fiscal.checks.registry`); the
vocabulary that extraction shares with the checks (``PART_OF``, ``COMPLETE_WHOLES``, the
tolerances) stays in :mod:`fiscal.schema`.
"""

from __future__ import annotations

from typing import NamedTuple

from fiscal.schema import TABLES


class Fact(NamedTuple):
    """A named cell: the fact's name, its table, side, row (name or code) and column."""

    fact: str
    table: str
    side: str
    item: str
    column: str


class Identity(NamedTuple):
    """Two facts that must agree."""

    a: str
    b: str


class RowParts(NamedTuple):
    """A column that is the sum of other columns of the same row."""

    whole: str
    parts: tuple[str, ...]


class SharedColumn(NamedTuple):
    """A column two tables share row by row (``a+b``: the sum of two columns)."""

    table_a: str
    column_a: str
    table_b: str
    column_b: str


# ---------------------------------------------------------------------------
# Shape and hierarchy
# ---------------------------------------------------------------------------

#: Tables printed in the full Shenzhen-style template, for the missing-table warning.
REQUIRED_TABLES = tuple(t for t, spec in TABLES.items() if spec.required)

#: Tables whose rows follow a numbered or indented outline (一、（一）1、（1）).
OUTLINE_TABLES = ("t01", "t02", "t03", "t04", "t07", "t08", "t09")

# ---------------------------------------------------------------------------
# Across tables
# ---------------------------------------------------------------------------

#: Named cells: (fact, table, side, name or code, column); an empty item is the table's
#: first data row.
FACTS: tuple[Fact, ...] = tuple(Fact(*f) for f in (
    ("t01 收入总计", "t01", "收入", "收入总计", "amount"),
    ("t01 支出总计", "t01", "支出", "支出总计", "amount"),
    ("t01 本年收入合计", "t01", "收入", "本年收入合计", "amount"),
    ("t01 本年支出合计", "t01", "支出", "本年支出合计", "amount"),
    ("t02 收入总计", "t02", "", "收入总计", "amount"),
    ("t02 本年收入合计", "t02", "", "本年收入合计", "amount"),
    ("t03 支出总计", "t03", "", "支出总计", "amount"),
    ("t03 本年支出合计", "t03", "", "本年支出合计", "amount"),
    ("t04 收入总计", "t04", "收入", "收入总计", "amount"),
    ("t04 支出总计", "t04", "支出", "支出总计", "amount"),
    ("t04 一般公共预算拨款", "t04", "收入", "一般公共预算拨款", "amount"),
    ("t05 合计", "t05", "", "合计", "total"),
    ("t05 基本支出", "t05", "", "合计", "basic"),
    ("t05 项目支出", "t05", "", "合计", "project"),
    ("t06 合计", "t06", "", "合计", "amount"),
    ("t06 公务用车运行维护费", "t06", "", "30231", "amount"),
    ("t07 合计", "t07", "", "合计", "amount"),
    ("t07 基本支出", "t07", "", "基本支出", "amount"),
    ("t07 项目支出", "t07", "", "项目支出", "amount"),
    ("t08 合计", "t08", "", "合计", "total"),
    ("t09 公务用车运行维护费", "t09", "", "", "vehicle_operation"),
))

#: Pairs of facts that must agree.
IDENTITIES: tuple[Identity, ...] = tuple(Identity(*i) for i in (
    ("t01 收入总计", "t01 支出总计"),
    ("t01 本年收入合计", "t01 本年支出合计"),
    ("t01 收入总计", "t02 收入总计"),
    ("t01 本年收入合计", "t02 本年收入合计"),
    ("t01 支出总计", "t03 支出总计"),
    ("t01 本年支出合计", "t03 本年支出合计"),
    ("t04 收入总计", "t04 支出总计"),
    ("t04 一般公共预算拨款", "t05 合计"),
    ("t05 合计", "t07 合计"),
    ("t05 基本支出", "t06 合计"),
    ("t05 基本支出", "t07 基本支出"),
    ("t05 项目支出", "t07 项目支出"),
    ("t06 公务用车运行维护费", "t09 公务用车运行维护费"),
))

#: Columns that split a row's whole into parts. A table uses the widest split whose
#: columns it has (t01: amount = personnel + public + project; t06: amount = personnel +
#: public). total = basic + project is ``rule_row_total``'s.
ROW_PARTS: tuple[RowParts, ...] = (
    RowParts("amount", ("personnel", "public", "project")),
    RowParts("amount", ("personnel", "public")),
    RowParts("amount", ("fiscal_grant", "business_income", "operating_income", "other_income")),
    RowParts("amount", ("general_public", "fund", "state_capital")),
    RowParts("total", ("abroad", "reception", "vehicle")),
    RowParts("vehicle", ("vehicle_purchase", "vehicle_operation")),
)

#: What money a table covers: tables of different scope agree only where all the
#: department's money is 一般公共预算 (t05 合计 equals t03 合计 or t01 支出总计).
FUND_SCOPE: dict[str, str] = {
    "t01": "all", "t02": "all", "t03": "all", "t04": "fiscal", "t05": "general_public",
    "t06": "general_public", "t07": "general_public", "t10": "fund", "t11": "state_capital",
}

#: Columns two tables share, row by row (function code or class name; "Σ" for the
#: totals); ``a+b`` is the sum of two columns. The t04 column general_public is of
#: 一般公共预算 scope whatever the table's.
SHARED_COLUMNS: tuple[SharedColumn, ...] = (
    SharedColumn("t01", "amount", "t03", "total"),
    SharedColumn("t01", "project", "t03", "project"),
    SharedColumn("t01", "personnel+public", "t03", "basic"),
    SharedColumn("t03", "total", "t05", "total"),
    SharedColumn("t03", "basic", "t05", "basic"),
    SharedColumn("t03", "project", "t05", "project"),
    SharedColumn("t04", "general_public", "t05", "total"),
    SharedColumn("t01", "personnel", "t06", "personnel"),
    SharedColumn("t01", "public", "t06", "public"),
)

# ---------------------------------------------------------------------------
# Narrative claims and years
# ---------------------------------------------------------------------------

#: Words that set the scope of a figure (财政拨款三公 vs 全口径三公, 部门 vs 单位): two
#: statements of one subject are compared at error level only where they use the same ones.
SCOPE_WORDS: tuple[str, ...] = ("财政拨款", "一般公共预算", "政府性基金", "全口径", "部门", "单位",
                                "本级", "汇总", "收入", "支出")

#: Scope words that exclude each other: 全口径 money is not 财政拨款 money, a 部门 is not
#: one of its 单位.
SCOPE_CONFLICTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("全口径", "含政府性基金"), ("财政拨款", "一般公共预算")),
    (("政府性基金",), ("一般公共预算",)), (("部门",), ("单位",)))

#: A 三公 table's columns (wide layout) and the subjects they hold.
T09_SUBJECTS: dict[str, str] = {
    "total": "三公经费", "abroad": "因公出国（境）费", "reception": "公务接待费",
    "vehicle": "公务用车购置及运行维护费", "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行维护费"}
