"""Claims: every figure the narrative of a disclosure states.

The narrative is read as logical lines (wrapped lines joined) grouped into
numbered sections (一、 二、 …) and numbered items (（一）, 1、, (1)). Each
printed figure becomes a claim with its subject, role (amount, prior amount,
change, change %, share, count), year, basis, value with its printed precision,
the sentence it stands in and its physical source line. A change, prior amount
or percentage points (``parent``) at the amount it qualifies; a part points at
its whole, whose ``parts`` says whether the listed parts are complete.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal

from fiscal.extract.text import (
    LogicalLine,
    logical_lines,
    parse_number,
    plain,
    to_wan,
    trailing_space_style,
)
from fiscal.schema import CLAIM_SUBJECTS, COMPLETE_WHOLES

SECTION_RE = re.compile(r"^\s{0,3}(?P<num>[一二三四五六七八九十]+)、\s*(?P<title>\S.*?)\s*$")
SKIP_SECTIONS = re.compile(r"主要职能|职能|工作目标|工作任务|主要任务|名词解释|机构设置$")
ITEM_RES = (
    (1, re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]")),
    (2, re.compile(r"^\s*\d{1,2}[、.．](?!\d)")),
    (3, re.compile(r"^\s*[（(]\d{1,2}[）)]")),
)
INLINE_ITEM_RE = re.compile(r"[（(](\d{1,2})[）)](?=\D)")

UNIT_RE = (r"(?P<unit>亿元|万\s*元|万|元|%|个|人|名|辆|台\s*（\s*套\s*）|台|家|项|条|次)")
FIGURE_RE = re.compile(
    r"(?<![\d.,A-Za-z])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*" + UNIT_RE)
CN_COUNT_RE = re.compile(r"(?<=[^\u4e00-\u9fff一二两三四五六七八九十])?"
                         r"(?P<num>[一二两三四五六七八九十])(?P<unit>台|辆)")
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10}
NOT_AFTER = re.compile(r"^\s*(以上|以下|年|月|日|层|栋|号)")
MONEY_UNITS = {"亿元": "亿元", "万元": "万元", "万": "万元", "元": "元"}
COUNT_UNITS = ("个", "人", "名", "辆", "台（套）", "台", "家", "项", "条", "次")
INCREASE = r"增加|增长|上升|提高|增"
DECREASE = r"减少|下降|降低|节约|压减|减"
CHANGE_END_RE = re.compile(rf"(?P<word>{INCREASE}|{DECREASE})(了)?\s*$")
FLAT_RE = re.compile(r"(?:与\s*(?:(?P<year>\d{4})\s*年(?:度)?|上年|去年)"
                     r"(?:年初)?(?:预算数?|决算数?|执行数)?(同口径)?|同比)\s*持平")
PRIOR_END_RE = re.compile(
    r"(?:比|较)\s*(?:(?P<year>\d{4})\s*年(?:度)?|上年|去年|上一年)"
    r"(?P<basis>预算数?|决算数?|执行数|预算批复数)?(?:同口径)?\s*$")
#: A prior figure printed without a unit before the change: 较上年2.08减少0.03万元.
BARE_PRIOR_RE = re.compile(
    r"(?:比|较)\s*(?:\d{4}\s*年(?:度)?|上年|去年)(?:预算数?|决算数?|执行数)?\s*"
    r"(?P<num>\d+(?:\.\d+)?)\s*(?=增加|减少|增长|下降|上升|降低)")
#: Figures that qualify the previous amount without being a part of it.
BUDGET_OF_RE = re.compile(r"^\s*年初预算数?(为|是)?\s*$")
DIFF_RE = re.compile(r"^\s*(差值|差额)(为|是)?\s*$")
NOT_PART_RE = re.compile(r"^(平均|每|人均)")
YEAR_RE = re.compile(r"(?P<year>\d{4})\s*年(?:度)?")
SENTENCE_END = "。；;!！？?"
CLAUSE_MARKS = "，,：:、。；;（(）)"
GENERIC_SUBJECTS = re.compile(r"^(金额|总额|合计|预算数|预算|共有|共设|共|有|为|计划|安排|其中"
                              r"|支出)?$")


@dataclass
class Claim:
    """One figure stated by the narrative, as written to ``claims.csv``."""

    claim: str
    section: str
    subject: str
    table: str
    item: str
    column: str
    year: int
    basis: str
    role: str
    value: str
    ulp: str
    unit: str
    printed: str
    parent: str
    parts: str
    sentence: str
    source_line: int

    def as_row(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class _Item:
    level: int
    title: str
    head: Claim | None = None
    head_line: int = 0
    intro_parts: str = ""
    intro_subject: str = ""


@dataclass
class _State:
    year: int
    basis: str
    claims: list[Claim] = field(default_factory=list)
    section: str = ""
    stack: list[_Item] = field(default_factory=list)
    section_head: Claim | None = None
    section_parts: str = ""
    section_amounts: list[Claim] = field(default_factory=list)
    listed: set[str] = field(default_factory=set)  # wholes with an inline 其中/包括 list
    line: int = 0         # id of the logical line being read
    pdf_style: bool = True


def narrative_end(lines: list[str], first_table_line: int | None) -> int:
    """Index of the first line after the narrative (the first table title)."""
    return first_table_line if first_table_line is not None else len(lines)


def extract_claims(lines: list[str], end: int, year: int, basis: str) -> list[Claim]:
    """Every figure stated in ``lines[:end]`` outside the non-fiscal sections."""
    state = _State(year=year, basis=basis, pdf_style=trailing_space_style(lines[:end]))
    skip = False
    last: LogicalLine | None = None
    for ll in logical_lines(lines, 0, end):
        last = ll
        text = ll.text
        m = SECTION_RE.match(text)
        if m and len(m["title"]) <= 30:
            skip = bool(SKIP_SECTIONS.search(m["title"]))
            state.section = m["title"]
            state.stack = []
            state.section_head = None
            state.section_parts = ""
            state.section_amounts = []
            if skip or not any(u in MONEY_UNITS for *_, u, _p in _figures(text)):
                continue
        if skip:
            continue
        _read_paragraph(state, ll)
    if last is not None and state.claims and not re.search(r"[。；;！!？?）)]\s*$", last.text):
        _open_lists_partial(state)
    return state.claims


def _open_lists_partial(state: _State) -> None:
    """A text cut off in the middle of a listing: its open lists are not known complete."""
    heads = {it.head.claim for it in state.stack if it.head is not None}
    if state.section_head is not None:
        heads.add(state.section_head.claim)
    for c in state.claims:
        if c.parent in heads and c.parts == "complete" and c.role in ("amount", "count"):
            c.parts = "partial"


def _item_level(text: str) -> int:
    for level, pattern in ITEM_RES:
        if pattern.match(text):
            return level
    return 0


def _read_paragraph(state: _State, ll: LogicalLine) -> None:
    """One logical line: may open an item, holds sentences with figures."""
    text = ll.text
    # A logical line can hold several inline items: "(1)…（2,000 万元）、(2)…".
    starts = [m.start() for m in INLINE_ITEM_RE.finditer(text)
              if not text[:m.start()].strip() or text[:m.start()].rstrip()[-1:] in "、）) "]
    if len(starts) > 1 and _item_level(text) == 3:
        bounds = [*starts, len(text)]
        for a, b in zip(bounds, bounds[1:], strict=False):
            _read_item_text(state, ll, a, b)
        return
    _read_item_text(state, ll, 0, len(text))


INTRO_RE = re.compile(r"(其中|主要内容为|主要内容有|内容包括|具体包括|包括|具体如下"
                      r"|分别是|分别为|分项情况是|分项情况为)\s*[：:]?")


def _read_item_text(state: _State, ll: LogicalLine, start: int, end: int) -> None:
    state.line = id(ll)
    text = ll.text[start:end]
    level = _item_level(text)
    if level:
        while state.stack and state.stack[-1].level >= level:
            state.stack.pop()
        title = re.split(r"[\s。，,：:；;（(]|\d", ITEM_RES[level - 1][1].sub("", text, 1).strip(),
                         maxsplit=1)[0]
        state.stack.append(_Item(level=level, title=title))
    item = state.stack[-1] if state.stack else None
    first_in_item = True
    prev_claim: Claim | None = None
    scope: tuple[Claim, str] | None = None   # whole and parts of an "其中：/主要内容为：" list
    outer: list[tuple[Claim, str] | None] = []  # scopes around a bracketed "（其中：…）"
    for sent_start, sent_end in _sentences(text):
        sentence = text[sent_start:sent_end]
        shown = ll.quote(start + sent_start, start + sent_end)
        figures = _with_bare_priors(sentence, list(_figures(sentence)))
        prev_amount: Claim | None = None
        last_cut = 0
        flat_done = False
        for fig_start, fig_end, num, unit, printed in figures:
            lead = sentence[last_cut:fig_start]
            # "与 2017 年持平" before this figure qualifies the previous amount.
            if prev_amount is not None and not flat_done:
                fm = FLAT_RE.search(lead)
                if fm:
                    _add_flat(state, prev_amount, fm, shown, ll, start + sent_start + fm.start())
                    flat_done = True
            if outer and re.search(r"[）)]", lead):
                scope = outer.pop()
            intro = INTRO_RE.search(lead)
            if intro and prev_claim is not None and prev_claim.role in ("amount", "count"):
                kind = "partial" if intro.group(1) == "其中" else "complete"
                if re.search(r"[（(]\s*$", lead[:intro.start()]):
                    outer.append(scope)
                scope = (prev_claim, kind)
            ref = prev_amount
            lead_tail = re.split(r"[，,。；;：:]", lead)[-1]
            qualifier = bool(prev_amount is not None and unit in MONEY_UNITS
                             and (BUDGET_OF_RE.search(lead_tail) or DIFF_RE.search(lead_tail)))
            if ref is None and _is_relative(lead_tail, unit):
                ref = _lookup_ref(state, lead)
            claim = _make_claim(state, item, lead, shown, num, unit, printed,
                                ll.line_at(start + sent_start + fig_start), ref,
                                text_after=sentence[fig_end:], prev_claim=prev_claim)
            last_cut = fig_end
            if qualifier:
                _qualify(claim, prev_amount, lead_tail)
                state.claims.append(claim)
                continue
            if claim.role in ("change", "prior_amount", "change_pct") and ref is not None:
                prev_amount = ref
            if claim.role in ("amount", "count"):
                flat_done = False
                if scope is not None and scope[0].unit == claim.unit and scope[0] is not claim:
                    _set_part(scope[0], claim, scope[1])
                    if claim.parent:
                        state.listed.add(scope[0].claim)
                else:
                    _attach_part(state, item, claim, first_in_item, sentence[:fig_start])
                if claim.role == "amount":
                    prev_amount = claim
                    if claim.year == state.year and not claim.parent:
                        state.section_amounts.append(claim)
                    if item is not None and item.head is None:
                        item.head = claim
                        item.head_line = id(ll)
                    if state.section_head is None and item is None:
                        state.section_head = claim
                    first_in_item = False
                prev_claim = claim
            state.claims.append(claim)
        tail = sentence[last_cut:]
        if prev_amount is not None and not flat_done:
            fm = FLAT_RE.search(tail)
            if fm:
                _add_flat(state, prev_amount, fm, shown, ll,
                          start + sent_start + last_cut + fm.start())
        intro = INTRO_RE.search(tail)
        if intro and prev_claim is not None and tail.strip().endswith(("：", ":")):
            scope = (prev_claim, "partial" if intro.group(1) == "其中" else "complete")
        if outer and re.search(r"[）)]", tail):
            scope = outer.pop()
        if sentence.strip().endswith("。"):
            scope = None
            outer = []
        if item is not None and re.search(r"(具体|包括|如下|内容有|内容为|分别|划分为)"
                                          r"[^，。]*[：:]?\s*$",
                                          sentence.strip()):
            item.intro_parts = "complete"
            item.intro_subject = sentence
        elif item is None and re.search(r"(具体包括|如下)[：:]?\s*$", sentence.strip()):
            state.section_parts = "complete"


def _set_part(whole: Claim, part: Claim, kind: str) -> None:
    """``part`` is one of a ``kind`` (complete or partial) listing of ``whole``'s parts."""
    if part.subject == whole.subject or NOT_PART_RE.match(part.subject) or (
            part.subject.endswith("总计") and part.table):
        return  # a restatement of the whole, or an average: no part of it
    sides = [("收入" in x.subject, "支出" in x.subject) for x in (whole, part)]
    if sides[0] != sides[1] and any(sides[0]) and any(sides[1]):
        return  # income and expense are no parts of each other
    if part.role == "count" and (Decimal(part.value) > Decimal(whole.value) or (
            re.search(r"退休|离休", part.subject) and not re.search(r"退休|离休", whole.subject))):
        return  # a count larger than its whole, or retirees of a staff count: a new total
    part.parent = whole.claim
    part.parts = "complete" if whole.subject in COMPLETE_WHOLES else kind


def _is_relative(lead_tail: str, unit: str) -> bool:
    """Does the figure after ``lead_tail`` compare with another (change, prior, change %)?"""
    if unit not in MONEY_UNITS and unit != "%":
        return False
    if unit == "%":
        return bool(re.search(rf"({INCREASE}|{DECREASE})", lead_tail)) and "占" not in lead_tail
    return bool(CHANGE_END_RE.search(lead_tail) or PRIOR_END_RE.search(lead_tail))


def _lookup_ref(state: _State, lead: str) -> Claim | None:
    """The amount a sentence's change refers to when the sentence states no amount itself.

    The subject named before ``比/较`` (or between the year and the change word) picks
    the latest amount of that subject; without a subject, the section's latest
    amount that is no part of another.
    """
    subject = _subject_text(lead)
    if GENERIC_SUBJECTS.match(subject) or re.fullmatch(r"(同口径|同比|收支|收入支出总体)", subject):
        m = re.search(r"(?:比|较)\s*(?:\d{4}\s*年(?:度)?|上年|去年)(?P<s>[^，,。；;：:]*?)"
                      rf"(?:{INCREASE}|{DECREASE})", lead)
        subject = re.sub(r"\s+|同口径|相比|预算数|决算数", "", m["s"]) if m else ""
    if subject and not GENERIC_SUBJECTS.match(subject):
        canon = _canonical(subject, state.section, "")[0]
        for c in reversed(state.claims):
            if c.role == "amount" and c.subject == canon and c.year == state.year:
                return c
        return None
    return state.section_amounts[-1] if state.section_amounts else None


def _qualify(claim: Claim, amount: Claim, lead_tail: str) -> None:
    """``年初预算为 X`` or ``差值为 Y`` after an amount: figures of the same subject."""
    claim.role = "amount"
    claim.subject = amount.subject
    if BUDGET_OF_RE.search(lead_tail):
        claim.basis = "预算"
        claim.table, claim.item, claim.column = amount.table, amount.item, amount.column
        if claim.basis == amount.basis:
            claim.table = claim.item = claim.column = ""
    else:
        claim.subject = amount.subject + "与年初预算差值"
        claim.table = claim.item = claim.column = ""
    claim.parent = ""
    claim.parts = ""


def _with_bare_priors(sentence: str, figures: list) -> list:
    """Add prior figures printed without a unit (``较上年2.08减少0.03万元``)."""
    for m in BARE_PRIOR_RE.finditer(sentence):
        if any(a <= m.start("num") < b for a, b, *_ in figures):
            continue
        nxt = next((f for f in figures if f[0] >= m.end("num") and f[3] in MONEY_UNITS), None)
        if nxt is not None:
            figures.append((m.start("num"), m.end("num"), m["num"], nxt[3], m["num"]))
    return sorted(figures)


def _sentences(text: str) -> list[tuple[int, int]]:
    out = []
    start = 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_END:
            out.append((start, i + 1))
            start = i + 1
    if text[start:].strip():
        out.append((start, len(text)))
    return out


def _figures(sentence: str):
    """``(start, end, number, unit, printed)`` for every figure in a sentence."""
    found = []
    for m in FIGURE_RE.finditer(sentence):
        after = sentence[m.end("num"):]
        if NOT_AFTER.match(after):
            continue
        unit = re.sub(r"\s+", "", m["unit"])
        if unit in ("万", "元") and re.match(r"^\s*以", sentence[m.end():]):
            continue
        before = sentence[:m.start()]
        if re.search(r"[（(]\s*$", before) and re.match(r"^\s*[）)]", sentence[m.end("num"):]):
            continue  # item numbering "(1)"
        found.append((m.start(), m.end(), m["num"], unit, m.group().strip()))
    for m in CN_COUNT_RE.finditer(sentence):
        prev = sentence[m.start() - 1:m.start()]
        if prev and prev in "一二两三四五六七八九十第":
            continue
        found.append((m.start(), m.end(), str(CN_DIGITS[m["num"]]), m["unit"], m.group()))
    return sorted(found)


def _subject_text(lead: str) -> str:
    """The noun phrase of a clause: years, cue words and numbering removed."""
    clause = re.split(r"[，,。；;：:]", lead)[-1]
    clause = re.sub(r"^[、\s]*", "", clause)
    for _, pattern in ITEM_RES:
        clause = pattern.sub("", clause, 1)
    clause = re.sub(r"^[\s（(]*", "", clause)
    clause = YEAR_RE.sub("", clause)
    clause = re.sub(r"截至.*?日", "", clause)
    clause = re.sub(r"(比|较).*$", "", clause)
    clause = re.sub(r"^.*?共有", "", clause)
    clause = re.sub(r"^(其中|包括|属于|我局|我单位|本单位|本部门|我区|主要内容为|主要用于"
                    r"|反映|共设|及|和|与)+", "", clause)
    clause = re.sub(r"(均为|为|有|是|计划|支出数|预算数|预算安排|安排)+\s*$", "", clause)
    clause = re.sub(r"[（(]\s*计划\s*$|[（(]\s*$", "", clause)
    clause = re.sub(r"的\s*$", "", clause)
    return re.sub(r"\s+", "", clause).strip("“”\"'、")


def _canonical(subject: str, section: str, item_title: str) -> tuple[str, str, str, str]:
    """``(canonical subject, table, item, column)`` from the subject vocabulary."""
    for pattern, canon, table, item, column in CLAIM_SUBJECTS:
        if re.search(pattern, subject):
            return canon, table, item, column
    return subject, "", "", ""


def canonical_subject(name: str) -> str:
    """The canonical subject of a name (``公务用车费`` -> ``公务用车购置及运行维护费``)."""
    return _canonical(name, "", "")[0]


def _make_claim(state: _State, item: _Item | None, lead: str, sentence: str, num: str,
                unit: str, printed: str, line_no: int, prev_amount: Claim | None,
                text_after: str, prev_claim: Claim | None = None) -> Claim:
    money = unit in MONEY_UNITS
    number = parse_number(num)
    year, basis = state.year, state.basis
    role = "count" if unit in COUNT_UNITS else "amount"
    sign = 1
    parent = ""
    subject = _subject_text(lead)
    lead_tail = re.split(r"[，,。；;：:]", lead)[-1]
    if unit == "%":
        cm = re.search(rf"({INCREASE}|{DECREASE})", lead_tail)
        if re.search(r"占", lead_tail) or not cm:
            role = "share"
        else:
            role = "change_pct"
            sign = -1 if re.fullmatch(DECREASE, cm.group(1)) else 1
        parent = prev_amount.claim if prev_amount else ""
    else:
        pm = PRIOR_END_RE.search(lead_tail)
        cm = CHANGE_END_RE.search(lead_tail)
        if pm and money:
            role = "prior_amount"
            year = int(pm["year"]) if pm["year"] else state.year - 1
            if pm["basis"]:
                basis = {"预算": "预算", "预算数": "预算", "决算": "决算", "决算数": "决算",
                         "执行数": "执行数", "预算批复数": "预算"}[pm["basis"]]
            parent = prev_amount.claim if prev_amount else ""
        elif cm and money:
            role = "change"
            sign = -1 if re.fullmatch(DECREASE, cm["word"]) else 1
            parent = prev_amount.claim if prev_amount is not None else ""
        else:
            ym = YEAR_RE.search(lead_tail)
            if ym:
                year = int(ym["year"])
    if role in ("change", "change_pct", "prior_amount", "share") and prev_amount is not None:
        subject = prev_amount.subject
        canon, table, titem, column = (prev_amount.subject, prev_amount.table, prev_amount.item,
                                       prev_amount.column)
    else:
        if role == "count" and GENERIC_SUBJECTS.match(subject):
            nm = re.match(r"^\s*([\u4e00-\u9fff]{1,6})", text_after)
            subject = nm.group(1) if nm else subject
        if GENERIC_SUBJECTS.match(subject) and item is not None:
            subject = item.title
        elif re.fullmatch(r"金额|总额", subject) and prev_claim is not None:
            subject = prev_claim.subject + subject
        canon, table, titem, column = _canonical(subject, state.section,
                                                 item.title if item else "")
        if role == "count":
            table, titem, column = "", "", ""
    value = number.value * sign
    if money:
        value = to_wan(value, MONEY_UNITS[unit])
        ulp = to_wan(number.ulp, MONEY_UNITS[unit])
        out_unit = "万元"
    else:
        ulp = number.ulp
        out_unit = "%" if unit == "%" else unit
    return Claim(
        claim=f"c{len(state.claims) + 1:03d}", section=state.section, subject=canon,
        table=table, item=titem, column=column, year=year, basis=basis, role=role,
        value=plain(value), ulp=plain(ulp),
        unit=out_unit, printed=printed, parent=parent, parts="",
        sentence=sentence.strip(), source_line=line_no)


def _add_flat(state: _State, amount: Claim, fm: re.Match, sentence: str, ll: LogicalLine,
              offset: int) -> None:
    """``与 2017 年持平``: a stated change of zero."""
    state.claims.append(Claim(
        claim=f"c{len(state.claims) + 1:03d}", section=amount.section,
        subject=amount.subject, table=amount.table, item=amount.item, column=amount.column,
        year=amount.year, basis=amount.basis,
        role="change", value="0", ulp="0", unit=amount.unit, printed=fm.group().strip(),
        parent=amount.claim, parts="", sentence=sentence.strip(),
        source_line=ll.line_at(offset)))


def _attach_part(state: _State, item: _Item | None, claim: Claim, first_in_item: bool,
                 before: str) -> None:
    """Point a figure at the whole it is a part of."""
    whole: Claim | None = None
    parts = "partial"
    if item is None:
        return
    if not first_in_item and item.head is not None and item.head is not claim:
        if item.head_line != state.line and not state.pdf_style:
            return  # plain text: a later paragraph of the item is no listing of its head
        whole = item.head
        # "其中：" or "主要用于": the parts listed need not be complete.
    else:
        # The head of an item is a part of the enclosing item's head (or the section's).
        parent_item = next((it for it in reversed(state.stack[:-1]) if it.level < item.level),
                           None)
        if parent_item is not None:
            whole = parent_item.head
            parts = parent_item.intro_parts or "partial"
            if parent_item.intro_subject and whole is not None:
                named = _named_in(state, parent_item, parent_item.intro_subject)
                if named is not None:
                    whole = named
        elif state.section_head is not None and state.section_head is not claim:
            whole = state.section_head
            parts = state.section_parts or "partial"
    if whole is None or whole.unit != claim.unit:
        return
    if not state.pdf_style and re.search(r"(合计|总计)$", claim.subject):
        return  # plain text: a total stated later is a new figure, no part of the head
    if first_in_item and whole.claim in state.listed and whole is not state.section_head:
        return  # the whole's parts were listed inline; the items break it down another way
    for other in state.claims:
        if other.parent == whole.claim and other.value == claim.value and len(
                os.path.commonprefix([other.subject, claim.subject])) >= 4:
            return  # a listed part stated again (财政拨款收入 … 财政拨款收入总计)
    _set_part(whole, claim, parts)


def _named_in(state: _State, item: _Item, intro: str) -> Claim | None:
    """The figure of an item whose subject the intro sentence names (``政府采购项目具体如下``)."""
    subject = re.sub(r"(具体|包括|如下|内容有|内容为|分别).*$", "", intro.strip())
    subject = re.sub(r"\s+", "", subject)
    if not subject:
        return None
    head = item.head
    for claim in reversed(state.claims):
        if claim is head:
            break
        if claim.role == "amount" and claim.subject and claim.subject in subject:
            return claim
    return None


def staffing(claims: list[Claim]) -> dict[str, int]:
    """Staffing and vehicle counts stated by the narrative."""
    keys = (
        (r"编制", "establishment"), (r"工勤", "establishment_workers"),
        (r"实有", "actual"), (r"编外", "outside"), (r"雇员", "employees"),
        (r"劳务派遣", "dispatched"), (r"离退休", "retired"), (r"科室", "divisions"),
    )
    out: dict[str, int] = {}
    for c in claims:
        if c.role != "count" or c.unit not in ("人", "名", "个", "辆"):
            continue
        for pattern, key in keys:
            if re.search(pattern, c.subject) and key not in out:
                out[key] = int(Decimal(c.value))
                break
    return out


def vehicles(claims: list[Claim]) -> dict[str, int]:
    """Vehicles held, as stated (公务用车 n 辆, 共有车辆 n 辆)."""
    out: dict[str, int] = {}
    for c in claims:
        if c.role == "count" and c.unit == "辆" and "购置" not in c.subject:
            key = {"公务用车": "official", "公务用车保有量": "official", "车辆": "total",
                   "一般公务用车": "general",
                   "一般执法执勤用车": "law_enforcement", "特种专业技术用车": "special",
                   "其他用车": "other"}.get(c.subject)
            if key and key not in out:
                out[key] = int(Decimal(c.value))
    return out
