"""The coverage ledger: what the checks could check in each department-year, and what not.

"No finding" is not "everything checked": a 三公 excerpt with one table gives no finding
because almost nothing applies to it. The ledger says, for every registered rule and
department-year, whether the rule ``applies`` (it compared something), is ``not
applicable`` (and why: the tables or stated figures it needs are not printed, derived from
its declared needs in :mod:`fiscal.checks.registry`) or ``could not check`` (it raised: the
runner's "无法核对" review finding), and how many relations it checked, by verdict::

    ledger = coverage(budget)            # one row per (department-year, rule)
    summary(ledger)                      # "核对 212 项关系；其中 199 项一致、…"
    state(ledger, errors)                # the index's 核对 column: 通过 / 错误 / 部分核对 / 未核对
"""

from __future__ import annotations

import re
from pathlib import Path

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
    but not every core rule applied; the detail of these: "x/y 项核心规则适用，n 项关系".
    ``未核对``: no printed amount was compared (detail: why).
    """
    figures = ledger[~ledger["rule"].isin(NO_FIGURES)]
    n = int(ledger["relations"].sum())
    core = ledger[ledger["core"]]
    applied = int((core["status"] == "applies").sum())
    if int(figures["relations"].sum()) == 0:
        why = list(dict.fromkeys(core.loc[core["status"] != "applies", "reason"]))
        return "未核对", "；".join(why[:2]) or "无可核对的数字"
    detail = f"{applied}/{len(core)} 项核心规则适用，{n} 项关系"
    if applied == len(core):
        return ("错误", f"{errors} 项错误；{detail}") if errors else ("通过", detail)
    return "部分核对", detail


# ---------------------------------------------------------------------------
# Every printed number accounted for
# ---------------------------------------------------------------------------

#: The columns of :func:`numbers`' uncaptured list.
NUMBER_COLUMNS = ["line", "number", "reason"]
#: Why a printed number is not a captured figure, in the order they are tried.
REASONS = ("date", "year", "code", "page", "count", "phone", "unexplained")
REASON_WORDS = {"date": "日期", "year": "年份", "code": "编码或文号", "page": "页码或序号",
                "count": "数量", "phone": "电话或证件号", "unexplained": "无法解释"}
#: How many lines above a number a figure may be recorded at: a sentence wrapped over
#: lines is recorded at its first line.
WRAP_LINES = 3
#: How many lines below its recorded line the text of a cell or claim is looked for.
TEXT_LINES = 40

_NUM = re.compile(r"(?<![\d.,])-?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])")
_COUNT_UNITS = ("人次", "人", "名", "辆", "个", "家", "项", "次", "台", "套", "户", "所", "件",
                "座", "处", "期", "场", "篇", "本", "间", "张", "条", "天", "小时", "平方米",
                "米", "公里", "亩", "吨", "册", "部", "类", "批", "岁", "余", "多", "万人",
                "床", "层", "栋", "门", "学时", "课时", "周", "届", "支", "位", "份", "种", "级",
                "歲")
_AMOUNT_UNITS = ("万元", "亿元", "元", "千元")


def _plain(printed: str) -> str:
    return printed.replace(",", "").lstrip("+").lstrip("-")


def _reason(line: str, m: re.Match, codes: set[str], prev: str = "") -> str:
    """The reason class of an uncaptured number ``m`` on ``line`` (``REASONS``); ``prev``
    is the line above (a date broken over two lines)."""
    text, before, after = m.group(1), line[:m.start()], line[m.end():]
    after_s, before_s = after.lstrip(), before.rstrip()
    if re.match(r"\s*(?:月|日|时|点|:\d)", after) or re.search(r"\d\s*(?:年|月)\s*$", before) \
            or re.match(r"[-/.]\d{1,2}[-/.]\d{1,2}", after) or re.search(r"\d[-/]$", before) \
            or re.search(r"\d:$", before) \
            or (not before_s and re.fullmatch(r"\d{1,2}\.\d{1,2}", text)
                and re.search(r"(?:19|20)\d{2}\.\s*$", prev)):
        return "date"
    if re.fullmatch(r"(?:19|20)\d{2}", text) and (
            re.match(r"\s*(?:年|—|-|~|至|到|/)", after) or "年" in after[:3]
            or re.search(r"(?:—|-|~|至|到)\s*$", before) or not re.search(r"[元%]", after[:3])):
        return "year"
    money_after = re.match(r"\s*(?:%|万元|元)", after) is not None
    if (text in codes or re.match(r"\s*号", after) or re.search(r"[A-Za-z]$", before)
            or (re.search(r"[〔\[【(（]\s*$", before) and re.match(r"\s*[〕\]】]", after))
            or (re.fullmatch(r"[23]\d{2}(?:\d{2}){0,2}", text) and not money_after)):
        return "code"
    if not line.replace(text, "", 1).strip() or re.search(
            r"(?:第|表|附件|附表|页|No\.?|序号)\s*$", before) or re.match(
            r"\s*(?:[、．]|\.(?!\d)|页|部分|条|章|节|款)", after) or re.fullmatch(
            r"[(（]", before_s[-1:] or "") and re.match(r"\s*[)）]", after) or (
            not before_s and re.fullmatch(r"\d{1,2}", text) and not after_s[:1].isdigit()
            and re.match(r"\s+\S", after) is not None and len(line.split()) > 1
            and not money_after):
        return "page"
    if (re.match(r"\s*(?:" + "|".join(_COUNT_UNITS) + ")", after) and not re.match(
            r"\s*万元", after)) or re.search(
            r"[(（](?:" + "|".join(_COUNT_UNITS) + r")[)）]\s*$", before) or re.match(
            r"\s*[-~—至]\s*\d+\s*(?:岁|歲)", after):
        return "count"
    if re.search(r"(?:电话|传真|邮编|邮政编码|手机|证号|代码|身份证)", line) or re.fullmatch(
            r"\d{6,}", text):
        return "phone"
    return "unexplained"


def _amount_like(line: str, m: re.Match) -> bool:
    """A number printed as money: with decimals or thousands separators, or followed by a
    unit of money."""
    text, after = m.group(1), line[m.end():]
    return ("." in text or "," in text or re.match(r"\s*(?:" + "|".join(_AMOUNT_UNITS) + ")",
                                                   after) is not None) \
        and not re.match(r"\s*%", after)


def _above(lines: list[str], i: int) -> str:
    """The last line before line ``i`` (1-based) that is not blank."""
    return next((lines[k] for k in range(i - 2, -1, -1) if lines[k].strip()), "")


def numbers(b: Budget, text: str | None = None) -> tuple[dict, pd.DataFrame] | None:
    """Every number printed in a department-year's source text, accounted for.

    A number is captured when a table cell or a claim recorded at its line (or up to
    ``WRAP_LINES`` lines above, where a wrapped sentence starts) prints the same number;
    every other number gets a reason class (``REASONS``): a date, a year, a code (科目编码,
    文号), a page or list number, a count (人, 辆, 个 …), a phone or ID number, or
    ``unexplained``.

    Args:
        b: the department-year.
        text: its source text (default: ``source.txt`` of its folder).

    Returns:
        ``(counts, uncaptured)``: counts ``printed``, ``captured``, ``amounts_printed`` (the
        numbers printed as money — decimals, separators or a unit of money — that are not
        explained as a date, code …) and ``amounts_captured``; uncaptured numbers with
        ``NUMBER_COLUMNS``. ``None`` for a PDF source (its lines are those of the text
        rendering, not of a file).
    """
    if text is None:
        text = source_text(b.folder / b.meta.get("source_copy", "source.txt"))
        if text is None:
            return None
    return account(text, b.cells, b.claims)


def source_text(path: Path) -> str | None:
    """The text of a source file as extraction reads it (its encoding found, lines as in
    the file); ``None`` for a PDF or a missing file."""
    path = Path(path)
    if not path.is_file() or path.read_bytes()[:4] == b"%PDF":
        return None
    from fiscal.extract.text import read_source  # lazy: the reader, for this only

    return read_source(path).text


def account(text: str, cells: pd.DataFrame, claims: pd.DataFrame
            ) -> tuple[dict, pd.DataFrame]:
    """:func:`numbers` of a text and the cells and claims read from it."""
    from fiscal.extract.text import clean  # lazy: the reader's clean-up of a line

    lines = [clean(raw) for raw in text.split("\n")]
    recorded: dict[int, set[str]] = {}

    def record(start: int, found: str) -> None:
        """A number a cell or claim holds, at the first line from ``start`` printing it (a
        text cell or sentence may run over lines), else at ``start``."""
        plain = _plain(found)
        at = next((k for k in range(start, min(start + TEXT_LINES, len(lines) + 1))
                   if any(_plain(x) == plain for x in _NUM.findall(lines[k - 1]))), start)
        recorded.setdefault(at, set()).add(plain)

    cells = cells if len(cells) else pd.DataFrame(
        columns=["source_line", "printed", "text", "code"])
    for line, printed, txt in zip(cells["source_line"], cells["printed"], cells["text"],
                                  strict=True):
        if isinstance(printed, str) and printed:
            record(int(line), printed)
        if isinstance(txt, str) and txt:
            for found in _NUM.findall(clean(txt)):
                record(int(line), found)
    claims = claims if len(claims) else pd.DataFrame(
        columns=["source_line", "printed", "value"])
    for line, printed, value in zip(claims["source_line"], claims["printed"],
                                    claims["value"], strict=True):
        for found in _NUM.findall(clean(str(printed))) or [str(value)]:
            record(int(line), found)
    codes = set(cells["code"]) - {""}
    counts = {"printed": 0, "captured": 0, "amounts_printed": 0, "amounts_captured": 0}
    rows = []
    for i, line in enumerate(lines, start=1):
        for m in _NUM.finditer(line):
            counts["printed"] += 1
            amount = _amount_like(line, m)
            plain = _plain(m.group(1))
            if any(plain in recorded.get(k, ()) for k in range(i - WRAP_LINES, i + 1)):
                counts["captured"] += 1
                counts["amounts_captured"] += amount
                counts["amounts_printed"] += amount
            else:
                why = _reason(line, m, codes, _above(lines, i))
                counts["amounts_printed"] += amount and why == "unexplained"
                rows.append({"line": i, "number": m.group(1), "reason": why})
    return counts, pd.DataFrame(rows, columns=NUMBER_COLUMNS)


def numbers_line(counts: dict, uncaptured: pd.DataFrame) -> str:
    """One line of :func:`numbers`, in Chinese: ``"原文印出数字 476 个，已读入 330 个；金额 237 个
    全部读入；未读入的 146 个：页码或序号 74、编码或文号 41 …"``."""
    amounts = (f"金额 {counts['amounts_printed']} 个全部读入"
               if counts["amounts_captured"] == counts["amounts_printed"]
               else f"金额读入 {counts['amounts_captured']}/{counts['amounts_printed']} 个")
    line = f"原文印出数字 {counts['printed']} 个，已读入 {counts['captured']} 个；{amounts}"
    if len(uncaptured):
        n = uncaptured["reason"].value_counts()
        line += f"；未读入的 {len(uncaptured)} 个：" + "、".join(
            f"{REASON_WORDS[r]} {int(n[r])}" for r in REASONS if r in n)
    return line
