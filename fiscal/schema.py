"""The table contract, written once: table ids, columns, units, tolerances.

Every department-year folder holds one tidy long CSV per standard table that the
source contains (``t01.csv`` … ``t13.csv``), ``claims.csv`` and ``meta.json``.
Amounts are stored as exact decimal strings in 万元 (``amount_wan``) together
with the unit of the last printed digit (``ulp_wan``); loading turns both into
integers of 分 (``amount_fen``, ``ulp_fen``: 1 万元 = 1,000,000 分), so no
float is ever compared. One long form holds every template: a template's own
columns are extra values of ``column``, never extra code downstream.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

# ---------------------------------------------------------------------------
# Units and tolerances
# ---------------------------------------------------------------------------

#: 分 per printed unit.
FEN_PER_UNIT: dict[str, int] = {"元": 100, "万元": 1_000_000, "亿元": 10_000_000_000}
FEN_PER_WAN = FEN_PER_UNIT["万元"]

#: Parts against a total may differ by up to the sum over every compared figure of
#: half the unit of its last printed digit (inclusive). Kept as a factor so that the
#: comparison stays in integers: ``2 * |difference| <= ROUNDING_HALF_UNITS * Σ ulp``.
ROUNDING_HALF_UNITS = 1

#: No department's budget reaches 10 万亿元 (10^9 万元): a larger figure is a misread
#: number (digits run together, a 元 figure taken for 万元), refused rather than stored.
MAX_AMOUNT_WAN = 10**9

#: A stated percentage may be off by half a unit of its own last printed digit.
PERCENT_HALF_UNIT = Decimal("0.5")


# ---------------------------------------------------------------------------
# Standard tables
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TableSpec:
    """One standard table: its id, standard title, columns and how rows are keyed."""

    id: str
    title: str
    columns: tuple[str, ...]
    codes: str = ""          # "function", "economic", "procurement" or ""
    two_sided: bool = False  # 收入 | 支出 side by side
    required: bool = True    # in the Shenzhen 2018 template


TABLES: dict[str, TableSpec] = {t.id: t for t in (
    TableSpec("t01", "收支总表", ("amount", "personnel", "public", "project"), two_sided=True),
    TableSpec("t02", "收入总表", ("amount", "fiscal_grant", "business_income", "operating_income",
                              "other_income")),
    TableSpec("t03", "支出总表", ("amount", "total", "basic", "project")),
    TableSpec("t04", "财政拨款收支总表", ("amount", "general_public", "fund", "state_capital"),
              two_sided=True),
    TableSpec("t05", "一般公共预算支出表（按功能科目）", ("total", "basic", "project"),
              codes="function"),
    TableSpec("t06", "一般公共预算基本支出表（按经济科目）", ("amount", "personnel", "public"),
              codes="economic"),
    TableSpec("t07", "一般公共预算支出表（按项目分类）", ("amount",)),
    TableSpec("t08", "政府采购预算表", ("total", "general_public", "fund"), codes="procurement"),
    TableSpec("t09", "“三公”经费预算表",
              ("total", "abroad", "reception", "vehicle", "vehicle_purchase",
               "vehicle_operation", "office_operation", "amount", "general_public")),
    TableSpec("t10", "政府性基金预算支出表", ("amount", "total", "basic", "project"),
              codes="function"),
    TableSpec("t11", "国有资本经营预算支出表", ("total", "basic", "project"), codes="function"),
    TableSpec("t12", "绩效管理项目表", ("total", "general_public", "other", "period")),
    TableSpec("t13", "重点项目绩效目标表", ("value", "content", "target"), required=False),
)}

#: Column ids and the Chinese headers they stand for.
COLUMN_LABELS: dict[str, str] = {
    "amount": "预算数", "total": "合计", "basic": "基本支出", "project": "项目支出",
    "personnel": "人员经费", "public": "公用经费",
    "general_public": "一般公共预算", "fund": "政府性基金预算", "other": "其他资金",
    "abroad": "因公出国（境）费", "reception": "公务接待费",
    "vehicle": "公务用车购置及运行维护费", "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行维护费", "office_operation": "机关运行经费",
    "period": "预算执行时间", "value": "内容", "content": "指标内容", "target": "指标值",
    # Shanghai template: income by source, expense by fund
    "fiscal_grant": "财政拨款收入", "business_income": "事业收入",
    "operating_income": "事业单位经营收入", "other_income": "其他收入",
    "state_capital": "国有资本经营预算",
}

#: Printed titles (after whitespace is removed) mapped to standard ids, most specific first.
TITLE_ALIASES: tuple[tuple[str, str], ...] = (
    (r"三公", "t09"),
    (r"财政拨款收支.*总表|财政拨款收入支出.*总表", "t04"),
    (r"(部门)?收支.*总表|财务收支.*总表|收入支出.*总表", "t01"),
    (r"收入.*总表", "t02"),
    (r"支出.*总表", "t03"),
    (r"基本支出.*(经济|表)", "t06"),
    (r"一般公共预算.*支出.*(项目分类)", "t07"),
    (r"一般公共预算.*支出.*(功能|表$)", "t05"),
    (r"政府采购", "t08"),
    # (a government's 政府性基金预算收支平衡表 is no department's expense table)
    (r"政府性基金.*支出", "t10"),
    (r"国有资本经营", "t11"),
    (r"绩效目标", "t13"),
    (r"绩效", "t12"),
)

#: Function codes: 类 3 digits, 款 5, 项 7; economic codes: 类 3, 款 5.
CODE_LEVELS: dict[str, dict[int, int]] = {
    "function": {3: 1, 5: 2, 7: 3},
    "economic": {3: 1, 5: 2},
}
CODE_RE: dict[str, re.Pattern[str]] = {
    "function": re.compile(r"^\d{3}(\d{2}){0,2}$"),
    "economic": re.compile(r"^\d{3}(\d{2})?$"),
    "procurement": re.compile(r"^[ABC]\d{2,8}$"),
}


def table_id_for_title(title: str) -> str | None:
    """The standard table id a printed title stands for, or None."""
    compact = re.sub(r"\s+", "", title)
    for pattern, tid in TITLE_ALIASES:
        if re.search(pattern, compact):
            return tid
    return None


# ---------------------------------------------------------------------------
# Files of a department-year
# ---------------------------------------------------------------------------

#: Columns of every ``tNN.csv`` (long form: one printed cell per row).
TABLE_CSV_COLUMNS = (
    "row", "side", "code", "label", "name", "level", "column",
    "printed", "amount_wan", "ulp_wan", "text", "source_line",
)

#: Columns of ``claims.csv`` (one figure stated by the narrative per row).
CLAIM_CSV_COLUMNS = (
    "claim", "section", "subject", "table", "item", "column", "year", "basis", "role",
    "value", "ulp", "unit", "printed", "parent", "parts", "base", "certainty", "sentence",
    "source_line",
)

#: ``prior_amount`` is any figure a claim is compared with (last year's, the budget a 决算 is
#: measured against); for ``prior_amount``, ``change`` and ``change_pct`` the claim's year and
#: basis say what is compared with (比上年决算数: last year, 决算). ``completion_pct`` is
#: 决算 ÷ 预算 (完成预算的 p%); ``share`` is the part (``parent``) over the whole (``base``).
ROLES = ("amount", "prior_amount", "change", "change_pct", "share", "completion_pct", "count")
CERTAINTIES = ("explicit", "inferred")
BASES = ("预算", "执行数", "决算")
PARTS = ("", "complete", "partial")

#: Named quantities a narrative speaks of: ``(pattern on the subject as printed, canonical
#: subject, table, item, column)``. ``item`` is a row code, a row name, ``""`` for the
#: table's only data row or ``"Σ"`` for the sum of the column over the table's rows.
CLAIM_SUBJECTS: tuple[tuple[str, str, str, str, str], ...] = (
    (r"三公", "三公经费", "t09", "", "total"),
    (r"因公出国", "因公出国（境）费", "t09", "", "abroad"),
    (r"公务接待", "公务接待费", "t09", "", "reception"),
    (r"(公务用车|公车|车辆)购置[和及与]运行|^公务用车[和及与]运行", "公务用车购置及运行维护费",
     "t09", "", "vehicle"),
    (r"公务用车购置费?$|公务用车购置费", "公务用车购置费", "t09", "", "vehicle_purchase"),
    (r"公务用车运行(维护)?费", "公务用车运行维护费", "t09", "", "vehicle_operation"),
    # other regions' words for the same items (桂林: 公务用车费 = 购置及运行维护费)
    (r"^公务用车(费|支出)", "公务用车购置及运行维护费", "t09", "", "vehicle"),
    (r"公务用车购置(?![和及与])|^公车购置(?![和及与])", "公务用车购置费", "t09", "",
     "vehicle_purchase"),
    (r"公务用车运行|^公车运行|^(公务)?车辆运行", "公务用车运行维护费", "t09", "",
     "vehicle_operation"),
    (r"机关运行经费", "机关运行经费", "t09", "", "office_operation"),
    (r"政府采购(预算)?总额", "政府采购预算总额", "t08", "合计", "total"),
    (r"政府采购货物", "政府采购货物", "", "", ""),
    (r"政府采购工程", "政府采购工程", "", "", ""),
    (r"政府采购服务", "政府采购服务", "", "", ""),
    (r"^非政府采购", "非政府采购项目", "", "", ""),
    (r"政府采购项目", "政府采购项目", "", "", ""),
    (r"纳入绩效.*金额|绩效.*项目.*金额", "绩效项目金额", "t12", "Σ", "total"),
    (r"财政拨款收(入|支)总计", "财政拨款收支总计", "t04", "收入总计", "amount"),
    (r"^财政拨款支出总计$", "财政拨款支出总计", "t04", "支出总计", "amount"),
    (r"部门预算收支|收支(总)?预算|收支总计|收入总计|收支均为", "收支总计", "t01", "收入总计",
     "amount"),
    (r"^(部门预算)?总收入$|^收入总预算$", "收支总计", "t01", "收入总计", "amount"),
    (r"^(部门预算)?总支出$|^支出总(计|预算)$", "支出总计", "t01", "支出总计", "amount"),
    (r"一般公共(财政)?预算(财政)?拨款", "一般公共预算拨款", "t01", "一般公共预算拨款", "amount"),
    (r"^(政府性)?基金预算(拨款)?$", "政府性基金预算拨款", "t01", "政府性基金预算拨款", "amount"),
    (r"^基本支出", "基本支出", "t05", "合计", "basic"),
    (r"^项目支出", "项目支出", "t05", "合计", "project"),
    (r"在职人员经费|^人员经费", "人员经费", "t07", "人员经费", "amount"),
    (r"离退休(人员)?经费", "离退休经费", "t07", "离退休经费", "amount"),
    (r"^公用经费", "公用经费", "t07", "公用经费", "amount"),
    (r"^购置费", "购置费", "t07", "购置费", "amount"),
    (r"^业务费", "业务费", "t07", "业务费", "amount"),
    (r"^预算准备金", "预算准备金", "t07", "预算准备金", "amount"),
    (r"产业发展专项资金(?!支持)", "产业发展专项资金", "t07", "产业发展专项资金", "amount"),
)

#: Wholes whose parts are complete by definition, whatever the sentence says.
COMPLETE_WHOLES = frozenset({"三公经费", "公务用车购置及运行维护费"})

#: What is a part of what by definition (canonical subjects): a part listed under its whole
#: is read with certainty wherever it stands (a heading, the next sentence). The parts of a
#: whole in ``COMPLETE_WHOLES`` are complete when all of them are stated.
PART_OF: dict[str, str] = {
    "因公出国（境）费": "三公经费", "公务接待费": "三公经费",
    "公务用车购置及运行维护费": "三公经费",
    "公务用车购置费": "公务用车购置及运行维护费", "公务用车运行维护费": "公务用车购置及运行维护费",
    "人员经费": "基本支出", "公用经费": "基本支出", "离退休经费": "基本支出",
    "政府采购货物": "政府采购预算总额", "政府采购工程": "政府采购预算总额",
    "政府采购服务": "政府采购预算总额",
}

#: Tables a narrative section speaks of, for naming the cell of an item by its name.
SECTION_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"三公", ("t09",)),
    (r"政府采购", ("t08",)),
    (r"绩效", ("t12",)),
    (r"部门预算|预算情况|收支", ("t07", "t05", "t03", "t01")),
)

# ---------------------------------------------------------------------------
# Drawn tables (PDF) and the Shanghai template
# ---------------------------------------------------------------------------

#: Header paths of a drawn table (its header cells from top to bottom over a column,
#: whitespace removed, joined by "/") to column ids, most specific first. ``"label"``,
#: ``"name"`` and ``"code1"``…``"code3"`` are the row's label, name and code parts
#: (类/款/项), not amounts. ``"total?"`` is the table's total column: ``total`` where the
#: table's standard columns have one, else ``amount``.
HEADER_ALIASES: tuple[tuple[str, str], ...] = (
    (r"科目编码/类$", "code1"),
    (r"科目编码/款$", "code2"),
    (r"科目编码/项$", "code3"),
    (r"科目名称$", "name"),
    (r"(^|/)项目$", "label"),
    (r"公务用车.*/小计$", "vehicle"),
    (r"公务用车.*/购置费$", "vehicle_purchase"),
    (r"公务用车.*/运行(维护)?费$", "vehicle_operation"),
    (r"公务用车购置及运行(维护)?费$", "vehicle"),
    (r"因公出国", "abroad"),
    (r"公务接待", "reception"),
    (r"机关运行经费", "office_operation"),
    (r"人员经费$", "personnel"),
    (r"公用经费$", "public"),
    (r"基本支出$", "basic"),
    (r"项目支出$", "project"),
    (r"财政拨款收入$", "fiscal_grant"),
    (r"事业单位经营收入$", "operating_income"),
    (r"事业收入$", "business_income"),
    (r"其他收入$", "other_income"),
    (r"一般公共预算$", "general_public"),
    (r"政府性基金预算$", "fund"),
    (r"国有资本经营预算$", "state_capital"),
    (r"(合计|小计|预算数|金额)$", "total?"),
)

#: Subjects of the Shanghai narrative (单位预算编制说明), before ``CLAIM_SUBJECTS``:
#: ``(pattern, canonical subject, table, item, column)`` as there.
TEMPLATE_SUBJECTS: tuple[tuple[str, str, str, str, str], ...] = (
    (r"^收入预算$", "收支总计", "t01", "收入总计", "amount"),
    (r"^支出预算$", "支出总计", "t01", "支出总计", "amount"),
    (r"^财政拨款收入$", "财政拨款收入", "t01", "财政拨款收入", "amount"),
    (r"^事业收入$", "事业收入", "t01", "事业收入", "amount"),
    (r"^事业单位经营收入$", "事业单位经营收入", "t01", "事业单位经营收入", "amount"),
    (r"^其他收入$", "其他收入", "t01", "其他收入", "amount"),
    (r"^财政拨款支出(预算)?$", "财政拨款支出", "t04", "支出总计", "amount"),
    (r"^一般公共预算(财政)?拨款支出(预算)?$", "一般公共预算拨款", "t04", "支出总计",
     "general_public"),
    (r"^政府性基金(预算)?拨款支出(预算)?$", "政府性基金预算拨款", "t04", "支出总计", "fund"),
    (r"^国有资本经营预算拨款支出(预算)?$", "国有资本经营预算拨款", "t04", "支出总计",
     "state_capital"),
    (r"政府采购预算$", "政府采购预算总额", "t08", "合计", "total"),
    (r"机关运行经费", "机关运行经费", "t09", "", "office_operation"),
    (r"^(涉及)?项目预算资金$", "绩效项目金额", "t12", "Σ", "total"),
)

#: Wholes whose parts are complete when all the listed kinds are stated (政府采购 splits
#: into goods, works and services and nothing else), whatever the sentence says.
EXHAUSTIVE_PARTS: dict[str, tuple[str, ...]] = {
    "政府采购预算总额": ("政府采购货物", "政府采购工程", "政府采购服务"),
}

META_REQUIRED = ("department", "slug", "year", "kind", "source_file", "source_sha256",
                 "tables")

#: A reviewer's verdicts on the findings of a department-year: ``review.csv`` in its folder,
#: written by hand or by ``fiscal review``, never by ``fiscal extract`` (see ``fiscal.verdicts``).
REVIEW_FILE = "review.csv"
REVIEW_COLUMNS = ("id", "verdict", "note", "who", "date")
#: ``confirmed``: a real problem (an error stays an error); ``not-a-problem``: the finding is
#: dismissed (no exit 1 for it); ``fixed-in-source``: the publisher corrected the source.
VERDICTS = ("confirmed", "not-a-problem", "fixed-in-source")


# ---------------------------------------------------------------------------
# Frame contracts: checked lazily, every failure reported at once
# ---------------------------------------------------------------------------

# Written as data: ``{column: (dtype, nullable, checks)}``, a check being ``(name, *args)``
# after pandera's ``Check`` of that name (``in_range`` inclusive, ``ge``, ``isin``,
# ``str_matches``). ``fiscal.load`` checks a frame against it without pandera and hands
# only a frame that fails to pandera's schema (:func:`frame_schema`) for the report, so
# loading valid data never imports pandera. The schemas are DataFrameSchema objects
# rather than DataFrameModel classes: a model's first validation imports pandera's dask
# integration (over a second) whenever dask is installed, which it is for the batch
# executor. ``TableFrame`` and ``ClaimFrame`` are built on first use.

Contract = dict[str, tuple[str, bool, tuple[tuple, ...]]]

_YEAR = (("in_range", 1949, 2100),)
_KIND = (("isin", ("budget", "final")),)
_CLAIM_ID = r"^(c\d{3,})?$"

#: A loaded standard table in long form, one printed cell per row.
TABLE_FRAME: Contract = {
    "department": ("str", False, ()),
    "year": ("int64", False, _YEAR),
    "kind": ("str", False, _KIND),
    "table": ("str", False, (("isin", tuple(TABLES)),)),
    "row": ("int64", False, (("ge", 1),)),
    "side": ("str", False, (("isin", ("", "收入", "支出")),)),
    "code": ("str", False, (("str_matches", r"^([0-9A-Z]{3,9})?$"),)),
    "label": ("str", False, ()),
    "name": ("str", False, ()),
    "level": ("int64", False, (("in_range", 0, 9),)),
    "column": ("str", False, (("isin", tuple(COLUMN_LABELS)),)),
    "printed": ("str", False, ()),
    "amount_fen": ("Int64", True, ()),
    "ulp_fen": ("Int64", True, (("ge", 1),)),
    "text": ("str", False, ()),
    "source_line": ("int64", False, (("ge", 1),)),
}

#: Loaded narrative claims: every figure the text states.
CLAIM_FRAME: Contract = {
    "department": ("str", False, ()),
    "year": ("int64", False, _YEAR),
    "kind": ("str", False, _KIND),
    "claim": ("str", False, (("str_matches", r"^c\d{3,}$"),)),
    "section": ("str", False, ()),
    "subject": ("str", False, ()),
    "table": ("str", False, (("isin", ("", *TABLES)),)),
    "item": ("str", False, ()),
    "column": ("str", False, (("isin", ("", *COLUMN_LABELS)),)),
    "claim_year": ("int64", False, _YEAR),
    "basis": ("str", False, (("isin", BASES),)),
    "role": ("str", False, (("isin", ROLES),)),
    "value": ("object", False, ()),
    "ulp": ("object", False, ()),
    "unit": ("str", False, ()),
    "printed": ("str", False, ()),
    "parent": ("str", False, (("str_matches", _CLAIM_ID),)),
    "parts": ("str", False, (("isin", PARTS),)),
    "base": ("str", False, (("str_matches", _CLAIM_ID),)),
    "certainty": ("str", False, (("isin", CERTAINTIES),)),
    "sentence": ("str", False, ()),
    "source_line": ("int64", False, (("ge", 1),)),
}

#: The contracts by the name of their pandera schema.
FRAME_CONTRACTS: dict[str, Contract] = {"TableFrame": TABLE_FRAME, "ClaimFrame": CLAIM_FRAME}


@functools.cache
def frame_schema(name: str):
    """The pandera ``DataFrameSchema`` of a contract (``"TableFrame"``, ``"ClaimFrame"``)."""
    import pandera.pandas as pa  # lazy: pandera costs ~1 s; valid data never needs it

    def column(dtype: str, nullable: bool, checks: tuple[tuple, ...]) -> pa.Column:
        made = [getattr(pa.Check, check)(*(list(a) if isinstance(a, tuple) else a
                                           for a in args)) for check, *args in checks]
        return pa.Column(str if dtype == "str" else dtype, made, nullable=nullable)

    return pa.DataFrameSchema({c: column(*spec) for c, spec in FRAME_CONTRACTS[name].items()},
                              strict=True, coerce=False, name=name)


def __getattr__(name: str):
    if name in FRAME_CONTRACTS:
        return frame_schema(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
