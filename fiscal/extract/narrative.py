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
from contextvars import ContextVar
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
from fiscal.schema import CLAIM_SUBJECTS, COMPLETE_WHOLES, PART_OF

#: What a template knows of its words, as data: the department's own name (left out of
#: subjects) and the subject vocabulary (a template's own patterns first). Set per reading
#: by :func:`extract_claims`.
_TEMPLATE: ContextVar[tuple[str, tuple]] = ContextVar("_TEMPLATE", default=("", CLAIM_SUBJECTS))

SECTION_RE = re.compile(r"^\s{0,3}(?P<num>[一二三四五六七八九十]+)、\s*(?P<title>\S.*?)\s*$")
SKIP_SECTIONS = re.compile(r"主要职能|职能|工作目标|工作任务|主要任务|名词解释|机构设置$")
#: Numbering styles of list items: （一）, 1、, (1), 一是 / 第一，. Their levels are not fixed:
#: within a section, a style first seen earlier is the higher level (most documents put
#: （一） above 1、 above (1); some put 1、 first, or write 一是/二是).
ITEM_RES = (
    ("paren_cn", re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]")),
    ("digit", re.compile(r"^\s*\d{1,2}\s*[、.．](?!\d)")),
    ("paren_digit", re.compile(r"^\s*[（(]\d{1,2}[）)]")),
    ("cn_shi", re.compile(r"^\s*(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+"
                          r"(?:[，,、：:]|(?![一二三四五六七八九十年])))")),
)
#: Items of one style run together on a line: "(1)…（2,000 万元）、(2)…", "一是…、二是…".
INLINE_ITEM_RES = {
    "paren_digit": re.compile(r"[（(](\d{1,2})[）)](?=\D)"),
    "cn_shi": re.compile(r"[一二三四五六七八九十]+是"),
}

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
INCREASE = r"增幅|涨幅|增加|增长|上升|提高|上涨|增收|增支|增"
DECREASE = r"降幅|减幅|减少|下降|降低|节约|压减|压缩|缩减|减收|减支|减"
CHANGE_END_RE = re.compile(rf"(?:(?P<word>{INCREASE}|{DECREASE})(?:了|为|是|达)?"
                           r"|(?P<verb>增加|减少)了?(?:支出|收入|开支))\s*$")
FLAT_RE = re.compile(r"(?:与\s*(?:(?P<year>\d{4})\s*年(?:度)?|上年|去年)"
                     r"(?:年初)?(?:预算数?|决算数?|执行数)?(同口径)?|同比)\s*持平")
PRIOR_END_RE = re.compile(
    r"(?:比|较|与|同)\s*(?:(?P<year>\d{4})\s*年(?:度)?|上年|去年|上一年)的?"
    r"(?P<basis>预算执行数|预算数?|决算数?|执行数|预算批复数)?(?:同口径)?"
    r"(?:累计|实际)?(?:支出|发生)?(?:数|额)?(?:为|是|的)?\s*(?:[（(]\s*)?$")
#: A figure whose subject says it is last year's (``上年运行费 X`` / ``去年同期 X``), not a
#: comparison (``比上年``) nor this year's carry-over or opening balance (``上年财政拨款结转``,
#: ``上年结余``, ``上年末``).
PRIOR_SUBJECT_RE = re.compile(r"(?:^|[（(、])\s*(?:上年度?|去年|上一年度?)(?:同期)?"
                              r"(?!末|[^（(）)]*(?:结转|结余|相比|比较))[^（(）)比较与同]*$")
#: A prior figure printed without a unit before the change: 较上年2.08减少0.03万元.
BARE_PRIOR_RE = re.compile(
    r"(?:比|较)\s*(?:\d{4}\s*年(?:度)?|上年|去年)(?:预算数?|决算数?|执行数)?\s*"
    r"(?P<num>\d+(?:\.\d+)?)\s*(?=增加|减少|增长|下降|上升|降低)")
#: Figures that qualify the previous amount without being a part of it.
BUDGET_OF_RE = re.compile(r"^\s*年初预算数?(为|是)?\s*$")
DIFF_RE = re.compile(r"^\s*(差值|差额)(为|是)?\s*$")
NOT_PART_RE = re.compile(r"^(平均|每|人均)")
YEAR_RE = re.compile(r"(?P<year>\d{4})\s*年(?:度)?")
#: The basis of a comparison: 比上年 / 较2017年决算数 / 与上年相比 / 比预算 / 同比.
COMPARE_RE = re.compile(
    r"(?:(?:比|较|与|相较于?|对比)\s*(?:(?P<y>\d{4})\s*年(?:度)?|(?P<prev>上年度?|去年|上一年度?|前一年"
    r"|同期)|(?P<now>本年|当年|年初))?\s*(?:[（(][^）)\d]{0,8}[）)])?\s*"
    r"(?P<basis>年初预算|调整预算|调整后预算|预算批复数?|批复预算|预算执行数?|预算|决算|执行数?)?"
    r"数?(?:同口径)?"
    r"(?:相比|比较)?)|(?P<yoy>同比)")
#: The words before a budget a figure is measured against: ``完成全年``, ``为年``, ``完成…人大批准
#: 的调整`` (up to 40 characters after 完成/达到), then 预算 that is no fund's (公共/基金/经营预算).
_OF_BUDGET = (r"(?:(?:完成|达到|为|占)(?:了)?(?:全年|年度|本年|当年|年)?"
              r"|(?:完成|达到)(?:了)?[^，,。；;：:、\d%]{0,40}?)(?:年初|调整)?")
_NO_FUND = r"(?<!公共)(?<!基金)(?<!经营)"
#: ``完成全年预算 B 万元的 p%`` / ``完成…人大批准的调整预算 B 亿元的 p%``: the budget a 决算
#: figure is measured against.
COMPLETION_BUDGET_RE = re.compile(rf"{_OF_BUDGET}{_NO_FUND}预算(?:数)?\s*$")
#: ``完成预算的 p%`` / ``为年预算的 p%`` / ``预算完成率为 p%`` / ``占总预算比为 p%``: a completion
#: rate.
COMPLETION_PCT_RE = re.compile(
    rf"(?:{_OF_BUDGET}(?:总)?{_NO_FUND}预算(?:数)?的?(?:比例|比重|比)?(?:为|是)?"
    r"|(?:预算)?(?:完成|执行)率(?:为|是|达)?)\s*$")
#: ``占一般公共预算支出的 p%``: the whole a share is of (may be empty: ``占 2.8%``).
SHARE_RE = re.compile(r"占(?P<whole>[^，,。；;：:%]*?)(?:的)?(?:比重|比例|份额)?(?:为|是)?\s*$")
#: ``三公经费支出决算中，因公出国费 X，占 p%``: the whole named before the listing.
SHARE_SCOPE_RE = re.compile(r"^(?P<whole>[^，,。；;：:]{2,80}?)(?:构成)?中\s*[，,：:]")
#: Words of a figure's own basis: ``预算为`` / ``决算数为`` / ``执行数``.
OWN_BASIS_RE = re.compile(r"(?P<basis>年初预算|调整预算|(?<!公共)(?<!基金)(?<!经营)预算|决算|执行数"
                          r"|实际支出)(?:数)?(?:支出)?(?:安排)?"
                          r"(?:为|是|合计|总额为)?\s*$")
SENTENCE_END = "。；;!！？?"
CLAUSE_MARKS = "，,：:、。；;（(）)"
#: A subject that only names a basis (``支出决算为``, ``预算数``): the sentence's previous
#: amount's subject, on another basis (``三公经费支出预算为 X，支出决算为 Y``).
BASIS_ONLY_RE = re.compile(r"^(?:支出)?(?:年初|调整)?(?:预算|决算|执行)(?:数)?$|^实际支出(?:数)?$")
#: A function-classification path before a figure (``公共安全支出（204类）司法（06款）行政运行
#: （01项）``, ``行政运行（2040601）``): the figure is that 科目's; its name is the last one.
CODE_STEP_RE = re.compile(r"(?P<name>[^（(）)，,。；;：:、\d]+?)\s*[（(]\s*(?P<code>\d{2,7})\s*"
                          r"(?P<level>类|款|项)?\s*[）)]")
CODE_PATH_RE = re.compile(r"(?:[^（(）)，,。；;：:、\d]+?\s*[（(]\s*\d{2,7}\s*(?:类|款|项)?\s*"
                          r"[）)]){1,3}\s*(?:预算数?|安排|支出数?|为|是)*\s*$")
#: The subject words left when a clause names only a year and a basis (``2025年当年预算执行数为``,
#: ``2026年预算安排``): the figure is the same subject's, in that year and on that basis.
BASIS_WORDS_RE = re.compile(r"^(?:当年|本年|全年|年度)?(?:年初|调整后?)?(?:预算|决算)?"
                            r"(?:执行数?|数|安排)?$")
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
    #: claim id of the whole a share (占…%) is a share of
    base: str = ""
    #: ``explicit``: the text says how this figure relates to its parent (其中, 比上年增加,
    #: 占…%, in the same sentence); ``inferred``: read from position (a heading, a list
    #: across sentences, a guess across a line break). Relations that need an inferred
    #: reading and fail are shown for review, never as errors.
    certainty: str = "explicit"

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
    styles: list[str] = field(default_factory=list)  # numbering styles, in order seen
    #: a list opened at the end of a line (``…4.02万元。其中：``) whose parts follow on the
    #: next lines, and the item level it was opened in
    pending: tuple[Claim, str] | None = None
    #: the year a sentence opens with (``2011年…预算中，``), for its figures that name none
    sentence_year: int = 0


def extract_claims(lines: list[str], end: int, year: int, basis: str, *, department: str = "",
                   vocabulary: tuple = (), section: str = "",
                   pdf_style: bool | None = None) -> list[Claim]:
    """Every figure stated in ``lines[:end]`` outside the non-fiscal sections.

    Args:
        lines: the text's lines (blank where something else, a table, stands).
        end: read ``lines[:end]``.
        year: the document's year.
        basis: the document's basis (预算 or 决算).
        department: the department's name, left out of subjects.
        vocabulary: a template's own subject patterns, tried before ``CLAIM_SUBJECTS``.
        section: the section the text starts in, before any numbered heading.
        pdf_style: whether finished lines end with a space (found from ``lines`` if None).

    Returns:
        The claims, in the order printed.
    """
    style = trailing_space_style(lines[:end]) if pdf_style is None else pdf_style
    token = _TEMPLATE.set((department, (*vocabulary, *CLAIM_SUBJECTS)))
    try:
        return _extract(lines, end, _State(year=year, basis=basis, pdf_style=style,
                                           section=section))
    finally:
        _TEMPLATE.reset(token)


def _extract(lines: list[str], end: int, state: _State) -> list[Claim]:
    skip = False
    last: LogicalLine | None = None
    for ll in logical_lines(lines, 0, end, pdf_style=state.pdf_style):
        last = ll
        text = ll.text
        m = SECTION_RE.match(text)
        if m and len(m["title"]) <= 30:
            skip = bool(SKIP_SECTIONS.search(m["title"]))
            state.section = m["title"]
            state.pending = None
            state.styles = []
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
    _complete_by_definition(state.claims)
    _running_sums(state.claims)
    return state.claims


#: ``加上 B、C，…后，收入总计 T`` / ``加转移性收入 B，收入合计 T``: a clause that adds to the
#: amount before it; (not 加强, 加快, 加大, 加紧: verbs)
SUM_OPEN_RE = re.compile(r"(?:^|[，,。；;])\s*(?:——)?\s*(?:再)?加(?:上)?(?![强快大紧速力之剧码重])")
#: The running sum's result: ``收入总计`` / ``支出合计`` / ``总收入`` / ``收入总量为``.
SUM_TOTAL_RE = re.compile(r"总计|合计|总量|总额|总收入|总支出|总财力")
#: What a running sum takes away: then the figures are not a plain sum, and are left alone.
SUM_MINUS_RE = re.compile(r"扣除|扣减|减去|减除|减掉|抵减|抵扣|冲减|剔除|除去|刨除"
                          r"|(?:^|[，,、；;])\s*减(?![少收支小免半])")


def _running_sums(claims: list[Claim]) -> None:
    """``一般公共预算收入 A。加上转移性收入 B、上年结转 C 后，收入总计 T``: T = A + B + C,
    read with doubt (which amount is added to and where the sum ends are read by position:
    a sum that does not add up is shown for review, never as an error).

    The amount added to is the last one before the 加 clause that is no part of another,
    on the same line; the total is the first amount after it whose own clause names a
    total. Figures a running sum takes away (扣除, 减去) make no relation, nor do a total
    smaller than one of its figures or income summed to spending; the parts read by
    position before are undone.
    """
    i = 0
    while i < len(claims):
        j = i
        while j < len(claims) and claims[j].sentence == claims[i].sentence:
            j += 1
        group, sentence = claims[i:j], claims[i].sentence
        opener = SUM_OPEN_RE.search(sentence)
        if opener is not None:
            k = j
            while k < len(claims) and claims[k].sentence == claims[j].sentence:
                k += 1
            following = [c for c in claims[j:k] if c.source_line == group[-1].source_line]
            _running_sum(claims, i, group, sentence, opener.end(), following)
        i = j


def _running_sum(claims: list[Claim], first: int, group: list[Claim], sentence: str,
                 opened: int, following: list[Claim]) -> None:
    """The running sum of one sentence whose 加 clause opens at ``opened``; its total may
    open the next sentence on the line (``following``: ``…扣除上解 9.9 亿元。总收入 74.59
    亿元``)."""
    at, pos = 0, {}
    for c in group:  # where each figure stands in the sentence
        k = sentence.find(c.printed, at)
        if k < 0:
            return
        pos[c.claim] = (k, k + len(c.printed))
        at = k + len(c.printed)
    # (a money claim's value is in 万元, whatever unit it was printed in)
    money = [c for c in group if c.role == "amount" and c.unit in MONEY_UNITS]
    zone = [c for c in money if pos[c.claim][0] >= opened]
    total, last = None, opened
    for c in zone:
        if _names_total(sentence[last:pos[c.claim][0]]):
            total = c
            break
        last = pos[c.claim][1]
    end = pos[total.claim][0] if total is not None else len(sentence)
    if total is None and following:
        nxt = following[0].sentence
        k = nxt.find(following[0].printed)
        head = following[0]
        if (k >= 0 and head.role == "amount" and head.unit in MONEY_UNITS
                and _names_total(nxt[:k])):
            total = head
    if total is None:
        return
    ids = {c.claim for c in zone}
    # (a list opened before the 加 clause ends there: "其中税收 a，加上补助 b")
    addends = [c for c in zone if pos[c.claim][0] < end and c.parent not in ids]
    before = [c for c in money if pos[c.claim][0] < opened] or [
        c for c in claims[:first] if c.source_line == group[0].source_line
        and c.role == "amount" and c.unit in MONEY_UNITS]
    base = next((c for c in reversed(before) if not c.parent), None)
    wholes = {b.claim for b in before}
    for c in [*addends, total]:  # parts of what stood before the 加 clause: they are not
        if c.parent and (base is None or c.parent in wholes):
            c.parent = c.parts = ""
    between = sentence[opened:end]
    if base is None or not addends or SUM_MINUS_RE.search(between) or total.parent:
        return
    if any(Decimal(c.value) > Decimal(total.value) for c in [base, *addends]) or any(
            ("收入" in total.subject and "支出" in c.subject)
            or ("支出" in total.subject and "收入" in c.subject) for c in [base, *addends]):
        return  # no part is larger than its whole; income does not add up to spending
    for c in [base, *addends]:
        # read by position (which amount is added to, where the sum ends): never an error
        c.parent, c.parts, c.certainty = total.claim, "complete", "inferred"


def _names_total(lead: str) -> bool:
    """Do the words just before a figure, in its own clause and outside brackets, name a
    total (``收入总计``, ``总收入为``)?"""
    clause = re.split(r"[，,、；;：:。（(）)]", lead)[-1]
    return bool(SUM_TOTAL_RE.search(clause))



def _part_by_definition(state: _State, claim: Claim) -> None:
    """An item stated after its whole in the same section is a part of it by definition
    (``“三公”经费预算 12 万元，…一是因公出国费 0 万元；二是…``), with no 其中 needed."""
    whole_subject = PART_OF.get(claim.subject)
    if whole_subject is None:
        return
    for c in reversed(state.claims):
        if c.section != state.section:
            break
        if (c.role == "amount" and c.subject == whole_subject and c.year == claim.year
                and c.basis == claim.basis and c.unit == claim.unit):
            if not any(o.parent == c.claim and o.subject == claim.subject and o.parts
                       for o in state.claims):   # an item stated again is no second part
                _set_part(state, c, claim, "partial")
            return


def _complete_by_definition(claims: list[Claim]) -> None:
    """A whole complete by definition (三公) is complete only where all its parts are stated.

    ``三公 10 万元，其中接待 4 万元，公车 5 万元`` leaves 出国 unstated: a partial listing.
    """
    children: dict[str, set[str]] = {}
    for child, whole in PART_OF.items():
        children.setdefault(whole, set()).add(child)
    listed: dict[str, set[str]] = {}
    for c in claims:
        if c.parent and c.parts and c.role == "amount":
            listed.setdefault(c.parent, set()).add(c.subject)
    by_id = {c.claim: c for c in claims}
    direct = {k: set(v) for k, v in listed.items()}
    for c in claims:   # a part standing for its whole, listed beside that whole: not a part
        stands = STANDS_FOR.get(c.subject)
        whole = by_id.get(c.parent)
        if stands and whole is not None and PART_OF.get(stands) == whole.subject:
            if stands in direct[whole.claim]:
                c.parent = c.parts = ""     # listed beside the whole it is a part of
            elif c.subject == "公务用车运行维护费":
                listed[whole.claim].add(stands)   # running costs: the vehicle item's place
    for c in claims:
        whole = by_id.get(c.parent)
        if (whole is None or not c.parts or c.role != "amount"
                or whole.subject not in COMPLETE_WHOLES):
            continue
        c.parts = ("complete" if children.get(whole.subject, set()) <= listed[whole.claim]
                   else "partial")


def _open_lists_partial(state: _State) -> None:
    """A text cut off in the middle of a listing: its open lists are not known complete."""
    heads = {it.head.claim for it in state.stack if it.head is not None}
    if state.section_head is not None:
        heads.add(state.section_head.claim)
    for c in state.claims:
        if c.parent in heads and c.parts == "complete" and c.role in ("amount", "count"):
            c.parts = "partial"


def _item_style(text: str) -> tuple[str, re.Pattern[str] | None]:
    for style, pattern in ITEM_RES:
        if pattern.match(text):
            return style, pattern
    return "", None


def _item_level(state: _State, text: str) -> tuple[int, re.Pattern[str] | None]:
    """The level of the item ``text`` opens (0 for none), by the order styles appeared."""
    style, pattern = _item_style(text)
    if not style:
        return 0, None
    if style not in state.styles:
        state.styles.append(style)
    return state.styles.index(style) + 1, pattern


def _read_paragraph(state: _State, ll: LogicalLine) -> None:
    """One logical line: may open an item, holds sentences with figures."""
    text = ll.text
    # A logical line can hold several inline items: "(1)…（2,000 万元）、(2)…".
    inline = INLINE_ITEM_RES.get(_item_style(text)[0])
    starts = [] if inline is None else [
        m.start() for m in inline.finditer(text)
        if not text[:m.start()].strip() or text[:m.start()].rstrip()[-1:] in "、）)，,；; "]
    bounds = [*starts, len(text)] if len(starts) > 1 else _numbered_run(text)
    if len(bounds) > 2:
        if bounds[0] > 0:   # the words before the list: "…。其中：1、… 2、…"
            _read_item_text(state, ll, 0, bounds[0])
        depth = len(state.stack)
        for a, b in zip(bounds, bounds[1:], strict=False):
            _read_item_text(state, ll, a, b)
        if bounds[-1] < len(text):   # after the last item's sentence: the list is over
            del state.stack[depth:]
            _read_item_text(state, ll, bounds[-1], len(text))
        return
    _read_item_text(state, ll, 0, len(text))


def _numbered_run(text: str) -> list[int]:
    """Where ``1、 2、 3、`` items of amounts start inside a line, after a colon or a full
    stop (numbered 1, 2, … in order, each stating an amount in its first sentence): the
    starts, and the end of the last item's first sentence; empty unless two or more."""
    out: list[int] = []
    for m in re.finditer(r"(?<![\d.])(\d{1,2})\s*、(?=\D)", text):
        before = text[:m.start()].rstrip()
        if int(m[1]) == len(out) + 1 and (not before or before[-1] in "：:。；;"):
            out.append(m.start())
    if len(out) < 2:
        return []
    end = text.find("。", out[-1])
    out.append(len(text) if end < 0 else end + 1)
    firsts = [text[a:b].split("。")[0] for a, b in zip(out, out[1:], strict=False)]
    if not all(any(u in MONEY_UNITS for *_, u, _p in _figures(f)) for f in firsts):
        return []   # "1、人员经费标准提高；2、…": reasons, not items of amounts
    return out


INTRO_RE = re.compile(r"(其中|主要内容为|主要内容有|内容包括|具体包括|包括|具体如下"
                      r"|分别是|分别为|分项情况是|分项情况为|(?<=[（(])含)\s*[：:]?")


def _read_item_text(state: _State, ll: LogicalLine, start: int, end: int) -> None:
    state.line = id(ll)
    text = ll.text[start:end]
    level, pattern = _item_level(state, text)
    if level and pattern is not None:
        while state.stack and state.stack[-1].level >= level:
            state.stack.pop()
        body = pattern.sub("", text, 1).strip()
        title = re.split(r"[\s。，,：:；;（(]|\d", body, maxsplit=1)[0]
        coded = CODE_PATH_RE.search(re.split(r"[，,。；;：:]|\d+(?:\.\d+)?\s*(?:万元|元)", body,
                                             maxsplit=1)[0])
        if coded:   # 1、公共安全支出（204类）司法（06款）行政运行（01项）…: the 项's name
            title = _coded(coded.group())[0]
        state.stack.append(_Item(level=level, title=title))
    item = state.stack[-1] if state.stack else None
    if level:
        state.pending = None   # numbered items under the colon: the items' own structure
    first_in_item = True
    prev_claim: Claim | None = None
    # whole and parts of an "其中：/主要内容为：" list (one opened at the end of a line
    # goes on over the next lines)
    scope: tuple[Claim, str] | None = state.pending
    outer: list[tuple[Claim, str] | None] = []  # scopes around a bracketed "（其中：…）"
    opened: list[tuple[Claim, str]] = [scope] if scope else []  # lists open (nesting)
    # wholes of a 包括 list inside another list ("其中：A a，包括 x；B b"): whether B, after
    # the ；, closes it or is its next part is read by position
    nested_including: set[str] = set()
    crossed: set[str] = set()   # … and those of them whose list went on past a ；
    # wholes that are the last figure inside a bracket the list follows ("A a（B b，C c），
    # 包括 …"): whether the list is of C or of A is not in the words (read with doubt)
    bracketed: set[str] = set()
    anchors: list[Claim | None] = []         # the amount a bracketed list stands after
    share_whole: Claim | None = None
    carried: Claim | None = None     # the amount of a clause that ended with ；
    for sent_start, sent_end in _sentences(text):
        sentence = text[sent_start:sent_end]
        shown = ll.quote(start + sent_start, start + sent_end)
        figures = _with_bare_priors(sentence, list(_figures(sentence)))
        state.sentence_year = _sentence_year(sentence[:figures[0][0]] if figures else "")
        respectively = _respectively(sentence, figures)
        run_lead = ""
        # "…比2014年预算数减少 8.35 亿元；比2014年执行数减少 2.5 亿元": a clause after ；
        # that opens with a comparison goes on with the amount before the ；
        prev_amount: Claim | None = carried if figures and re.match(
            r"^\s*(?:比|较|与|同比|对比)", sentence[:figures[0][0]]) else None
        carried = None
        last_cut = 0
        flat_done = False
        vs: tuple[int, str] | None = None       # what the sentence compares with, so far
        budget_of: Claim | None = None          # a budget just stated for prev_amount
        in_scope = _share_scope(state, sentence)
        share_whole = in_scope or share_whole
        if in_scope is not None and scope is None:
            # "财政拨款支出预算中，一般公共预算拨款 X；政府性基金拨款 Y": parts of the whole
            # named before 中, to the end of the full sentence
            scope = (in_scope, "partial")
            opened.append(scope)
        ref_inferred = False                     # the sentence's amount was looked up
        orphan: Claim | None = None              # a change of an item whose amount is unstated
        for fig_start, fig_end, num, unit, printed in figures:
            lead = sentence[last_cut:fig_start]
            vs = _comparison(state, lead) or vs
            # "与 2017 年持平" before this figure qualifies the previous amount.
            if prev_amount is not None and not flat_done:
                fm = FLAT_RE.search(lead)
                if fm:
                    _add_flat(state, prev_amount, fm, shown, ll, start + sent_start + fm.start())
                    flat_done = True
            popped = bool(outer and re.search(r"[）)]", lead))
            if popped:
                scope = outer.pop()
                back = anchors.pop() if anchors else None
                if back is not None:  # "X（其中：…），占 p%": what follows is of X again
                    prev_amount = prev_claim = back
            intro = INTRO_RE.search(lead)
            if intro and prev_claim is not None and prev_claim.role in ("amount", "count"):
                kind = "partial" if intro.group(1) in ("其中", "含") else "complete"
                if re.search(r"[（(]\s*$", lead[:intro.start()]):
                    outer.append(scope)
                    anchors.append(prev_claim if prev_claim.role == "amount" else None)
                if intro.group(1) == "包括" and any(o[1] == "partial" for o in opened):
                    nested_including.add(prev_claim.claim)
                bracket = re.search(r"[（(）)]", lead[:intro.start()])
                if not popped and bracket is not None and bracket.group() in "）)":
                    bracketed.add(prev_claim.claim)
                scope = (prev_claim, kind)
                opened.append(scope)
            elif (prev_claim is not None and prev_claim is prev_amount and unit in MONEY_UNITS
                  and re.match(r"^\s*[（(][^）)]*$", lead) and PART_OF.get(_canonical(
                      _subject_text(lead), state.section, "")[0]) == prev_claim.subject):
                # "公务用车购置及运行费 1646.4 万元（公务用车购置费 109.0 万元、…）": a part of
                # the amount the bracket follows, by the vocabulary
                outer.append(scope)
                anchors.append(prev_claim)
                scope = (prev_claim, "partial")
                opened.append(scope)
            ref = prev_amount
            lead_tail = re.split(r"[，,。；;：:]", lead)[-1]
            qualifier = bool(prev_amount is not None and unit in MONEY_UNITS
                             and (BUDGET_OF_RE.search(lead_tail) or DIFF_RE.search(lead_tail)))
            looked_up = ref_inferred and ref is not None
            if ref is not None and _is_relative(lead_tail, unit):
                named, vocab, *_ = _canonical(_subject_text(lead), state.section, "")
                if vocab and named != ref.subject:   # "其中：因公出国费减少 0 万元"
                    ref = None
            if ref is None and orphan is not None and unit == "%":
                pass  # "因公出国费同比增加 53 万元，增长 9.08%": the % of that change, unchecked
            elif ref is None and _is_relative(lead_tail, unit):
                ref, certain = _lookup_ref(state, lead, shown)
                looked_up = ref_inferred = ref is not None and not certain
                if ref is not None:
                    prev_amount = ref
            if ref is not None and ref.year != state.year and _is_relative(lead_tail, unit):
                # "2016年 33 万元，2015年 57.55 万元，与上年对比减少 24.55": this year's change
                now = _comparison(state, lead) or vs
                current = _latest_amount(state, ref.subject, ref.basis) if (
                    now is not None and now[0] == ref.year) else None
                if current is not None:
                    ref = prev_amount = current
            listed = respectively.get(fig_start)
            role_lead = lead
            if listed is not None and ref is not None:
                # "包括 A x 和 B y，分别占 p% 和 q%": the k-th figure after 分别 is the k-th part's
                amounts = [c for c in state.claims if c.sentence == shown.strip()
                           and c.role == "amount" and c.unit == "万元"][-listed[1]:]
                ref = prev_amount = (amounts[listed[0]] if len(amounts) == listed[1]
                                     else None)
                if listed[0] == 0:
                    run_lead = lead
                elif (ref is not None and re.fullmatch(r"\s*(?:和|及|与|以及|、)\s*", lead)
                      and re.search(rf"(?:{INCREASE}|{DECREASE})(?:了|为|是|达)?\s*$",
                                    run_lead)):
                    # "分别减少 a 和 b，下降 p% 和 q%": b is a change and q% a change in %, as the
                    # first of their run says
                    role_lead = run_lead
            claim = _make_claim(state, item, role_lead, shown, num, unit, printed,
                                ll.line_at(start + sent_start + fig_start), ref,
                                text_after=sentence[fig_end:], prev_claim=prev_claim, vs=vs,
                                budget_of=budget_of)
            last_cut = fig_end
            if looked_up:
                claim.certainty = "inferred"   # its amount is in another sentence
            if claim.parent and (claim.role == "amount" or (
                    claim.role == "prior_amount" and ref is None)):
                # a figure of an amount already stated (restated, or its prior year's)
                prev_amount = next(c for c in reversed(state.claims) if c.claim == claim.parent)
                if item is not None and prev_amount is item.head and item.head_line != id(ll):
                    claim.certainty = "inferred"   # the item's amount, lines before
                state.claims.append(claim)
                continue
            if claim.role in ("change", "change_pct") and ref is not None and ref.parts \
                    and _whole_or_part(state, ref):
                claim.certainty = "inferred"
            if claim.role in ("change", "change_pct") and ref is not None \
                    and ref.role == "amount" and ref.year < state.year:
                # "（上年运行费 1203.92 万元，减少 98.2 万元，下降 8.16%）": a change after last
                # year's figure is measured from it, not to it: read with doubt
                claim.certainty = "inferred"
            if claim.role == "change" and ref is None:
                orphan = claim
            elif orphan is not None and claim.role == "change_pct" and ref is None:
                claim.subject = orphan.subject
            elif claim.role == "amount":
                orphan = None
            if claim.role == "prior_amount" and claim.basis == "预算" \
                    and claim.year == state.year and ref is not None:
                budget_of = claim
            elif claim.role == "completion_pct":
                if ref is not None and ref.parent and ref.parts and any(
                        c.claim == ref.parent and c.sentence == ref.sentence
                        for c in state.claims):
                    # "A，其中 a、b，完成…预算 B 的 p%": the whole's rate or the last part's?
                    claim.certainty = "inferred"
                claim.base = budget_of.claim if budget_of is not None else _budget_in(
                    state, ref, shown)
                budget_of = None
                if not claim.base and ref is not None and ref.basis != state.basis:
                    _completion_of_budget(state, claim, ref)
            elif claim.role == "share" and ref is not None:
                _share_base(state, claim, lead_tail, share_whole, scope, item)
                before = state.claims[-1] if state.claims else None
                if (listed is not None and listed[0] > 0 and not claim.base
                        and before is not None and before.role == "share"):
                    claim.base, claim.certainty = before.base, before.certainty  # "…的 p% 和 q%"
            if qualifier:
                _qualify(claim, prev_amount, lead_tail)
                state.claims.append(claim)
                continue
            if claim.role in ("change", "prior_amount", "change_pct", "completion_pct",
                              "share") and ref is not None:
                prev_amount = ref
            if claim.role in ("amount", "count"):
                flat_done = False
                if (scope is not None and Decimal(claim.value) != 0
                        and _list_full(state, scope[0])
                        and PART_OF.get(claim.subject) != scope[0].subject):
                    # "1884，其中：一般 1478，专项 406，上年结转 60 …": the parts listed reach
                    # their whole; what follows is no part of it
                    scope = next((o for o in reversed(opened[:-1])
                                  if not _list_full(state, o[0])), None)
                if scope is not None and scope[0].unit == claim.unit and scope[0] is not claim:
                    scope, oversize = _wider_scope(state, scope, opened, claim)
                    scope = _fitting_scope(scope, opened, claim)
                    # "（上年运行费 X …）": last year's figure, no part of this year's whole
                    last_year = (claim.role == "amount" and not YEAR_RE.search(lead_tail)
                                 and PRIOR_SUBJECT_RE.search(lead_tail) is not None)
                    alone = False   # of another year than its list's whole, and no part
                    if scope is not None:
                        own = (YEAR_RE.search(lead_tail) or OWN_BASIS_RE.search(lead_tail)
                               or last_year)
                        if claim.role == "amount" and own and claim.year != scope[0].year:
                            # "57.55 (2015)… 其中：接待 2016年 8，2015年 12.5": the part is
                            # of its own year's whole
                            same = _latest_amount(state, scope[0].subject, scope[0].basis,
                                                  year=claim.year)
                            if same is not None:
                                scope = (same, scope[1])
                            alone = same is None and last_year
                    if scope is not None and not alone:
                        if claim.role == "amount" and not own:
                            # a listed part is of its whole's year and basis unless it says
                            # otherwise ("2010年决算 X。其中，A a，B b")
                            claim.year, claim.basis = scope[0].year, scope[0].basis
                        _set_part(state, scope[0], claim, scope[1], listed=True)
                        if claim.parent and (oversize or claim.parent in crossed
                                             or claim.parent in bracketed):
                            claim.certainty = "inferred"  # larger than its whole: misread?
                        if (claim.parent and scope is state.pending
                                and PART_OF.get(claim.subject) != scope[0].subject):
                            claim.certainty = "inferred"  # a list from an earlier line
                    if claim.parent and scope is not None and not alone:
                        state.listed.add(scope[0].claim)
                else:
                    _attach_part(state, item, claim, first_in_item, sentence[:fig_start])
                if not claim.parent and claim.role == "amount":
                    _part_by_definition(state, claim)
                if claim.role == "amount":
                    prev_amount = claim
                    ref_inferred = False
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
        if sentence.rstrip().endswith(("；", ";")):
            carried = prev_amount
            crossed.update(o[0].claim for o in opened if o[0].claim in nested_including)
        if prev_amount is not None and not flat_done:
            fm = FLAT_RE.search(tail)
            if fm:
                _add_flat(state, prev_amount, fm, shown, ll,
                          start + sent_start + last_cut + fm.start())
        intro = INTRO_RE.search(tail)
        if intro and prev_claim is not None and tail.strip().endswith(("：", ":")):
            scope = (prev_claim, "partial" if intro.group(1) == "其中" else "complete")
            opened.append(scope)
            if sent_end >= len(text.rstrip()):   # the line ends with the list's colon
                state.pending = scope
        if outer and re.search(r"[）)]", tail):
            scope = outer.pop()
            if anchors:
                anchors.pop()
        if sentence.strip().endswith("。"):
            scope = None
            outer = []
            opened = []
            anchors = []
            share_whole = None
        if item is not None and re.search(r"(具体|包括|如下|内容有|内容为|分别|划分为)"
                                          r"[^，。]*[：:]?\s*$",
                                          sentence.strip()):
            item.intro_parts = "complete"
            item.intro_subject = sentence
        elif item is None and re.search(r"(具体包括|如下)[：:]?\s*$", sentence.strip()):
            named = _latest_amount(state, _canonical(_subject_text(re.sub(
                r"(的)?(主要|具体)?(内容|情况|构成)?(具体包括|如下)[：:]?\s*$", "",
                sentence.strip())), state.section, "")[0])
            if named is not None and not FIGURE_RE.search(sentence):
                # "财政拨款支出主要内容如下：" the items that follow are that amount's parts,
                # not known to be all of them
                state.section_head, state.section_parts = named, "partial"
            else:
                state.section_parts = "complete"


def basis_of(word: str | None, default: str) -> str:
    """The basis a word names (预算执行数 -> 执行数, 决算数 -> 决算, 年初预算 -> 预算), else
    ``default``."""
    if word and "执行" in word:
        return "执行数"
    if word and "决算" in word:
        return "决算"
    if word and "预算" in word:
        return "预算"
    return default


def _comparison(state: _State, lead: str) -> tuple[int, str] | None:
    """``(year, basis)`` of the last comparison in ``lead`` (比上年 / 较2019年决算 / 比预算)."""
    found = None
    for m in COMPARE_RE.finditer(lead):
        if m["yoy"]:
            found = (state.year - 1, state.basis)
            continue
        if not (m["y"] or m["prev"] or m["now"] or m["basis"]):
            continue
        basis = basis_of(m["basis"], state.basis)
        if m["y"]:
            year = int(m["y"])
        elif m["prev"]:
            year = state.year - 1
        elif m["now"] or basis == "预算" and state.basis != "预算":
            year = state.year      # 比预算 in a 决算: this year's budget
        else:
            year = state.year - 1
        found = (year, basis)
    return found


def _parent_basis(state: _State, claim: Claim) -> str:
    parent = next((c for c in reversed(state.claims) if c.claim == claim.parent), None)
    return parent.basis if parent is not None else state.basis


def _share_scope(state: _State, sentence: str) -> Claim | None:
    """The whole a sentence lists shares of: ``三公经费支出决算中，…占 p%``."""
    m = SHARE_SCOPE_RE.match(sentence.strip())
    if not m:
        return None
    subject = _canonical(_subject_text(m["whole"]), state.section, "")[0]
    return _latest_amount(state, subject)


def _latest_amount(state: _State, subject: str, basis: str = "", year: int = 0
                   ) -> Claim | None:
    """The latest amount of ``subject`` in ``year`` (this year by default), of ``basis`` (the
    document's by default)."""
    if not subject or GENERIC_SUBJECTS.match(subject):
        return None
    for c in reversed(state.claims):
        if (c.role == "amount" and c.subject == subject and c.year == (year or state.year)
                and c.basis == (basis or state.basis)):
            return c
    return None


def _share_base(state: _State, claim: Claim, lead_tail: str, scope_whole: Claim | None,
                scope: tuple[Claim, str] | None, item: _Item | None) -> None:
    """The whole a share (占 p%) is of: named after 占, named before 中, or the open list's."""
    m = SHARE_RE.search(lead_tail)
    named = re.sub(r"\s+", "", m["whole"]) if m else ""
    if named and not re.fullmatch(r"(总|全部|总额|合计|总数|比)?", named):
        whole = _latest_amount(state, _canonical(named, state.section, "")[0],
                               _parent_basis(state, claim))
        if whole is None:  # 占一般公共预算支出: a whole whose words contain a known subject
            whole = next((c for c in reversed(state.claims) if c.role == "amount"
                          and c.year == state.year and len(c.subject) >= 2
                          and (c.subject in named or named in c.subject)), None)
        if whole is not None and whole.claim != claim.parent:
            claim.base = whole.claim
        return
    if scope_whole is not None and scope_whole.claim != claim.parent:
        claim.base = scope_whole.claim
        return
    guess = scope[0] if scope is not None else (item.head if item is not None else None)
    if guess is not None and guess.claim != claim.parent and guess.unit == "万元":
        claim.base = guess.claim
        part = next((c for c in reversed(state.claims) if c.claim == claim.parent), None)
        # "其中：A x 万元，占 p%": A listed under the whole by the words is a share of it
        if part is None or part.parent != guess.claim or part.certainty != "explicit":
            claim.certainty = "inferred"


def _completion_of_budget(state: _State, claim: Claim, budget: Claim) -> None:
    """``财政拨款支出年初预算数 B，完成年初预算的 p%``: the rate follows the budget itself; its
    figure is this year's amount of the same subject (``…支出总计 A``), stated before."""
    names = {budget.subject, re.sub(r"(总计|合计)$", "", budget.subject)}
    names |= {n + "总计" for n in set(names)} | {n + "合计" for n in set(names)}
    hits = [c for c in state.claims if c.role == "amount" and c.year == state.year
            and c.basis == state.basis and c.subject in names]
    if hits and len({c.value for c in hits}) == 1:
        claim.parent, claim.base = hits[-1].claim, budget.claim


def _budget_in(state: _State, amount: Claim | None, sentence: str) -> str:
    """The budget a completion rate is of, when the sentence states it as an amount."""
    if amount is None:
        return ""
    for c in reversed(state.claims):
        if c.sentence != sentence.strip():
            break
        if (c is not amount and c.role == "amount" and c.basis == "预算"
                and c.subject == amount.subject and c.year == amount.year):
            return c.claim
    return ""


#: Subjects whose place in the vocabulary (``PART_OF``) is known.
KNOWN_PARTS = frozenset(PART_OF) | frozenset(PART_OF.values())


#: Parts that may be listed in place of their own whole, in a listing of the whole above it
#: (``三公经费 X，其中：出国 a，接待 b，公务用车运行费 c[，公务用车购置费 d]``: a department
#: lists the vehicle item's parts, or only the running costs where it bought no car). The
#: first one listed fills its whole's place.
STANDS_FOR: dict[str, str] = {"公务用车运行维护费": "公务用车购置及运行维护费",
                              "公务用车购置费": "公务用车购置及运行维护费"}


def _not_parts(whole: Claim, part: Claim, listed: bool = False) -> bool:
    """Both subjects are known and the vocabulary says the one is no part of the other (a part
    standing for its whole counts only in a listing the words open: ``listed``)."""
    stands = STANDS_FOR.get(part.subject) if listed else None
    return (whole.subject in KNOWN_PARTS and part.subject in KNOWN_PARTS
            and PART_OF.get(part.subject) != whole.subject
            and not (stands and PART_OF.get(stands) == whole.subject))


def _wider_scope(state: _State, scope: tuple[Claim, str], opened: list[tuple[Claim, str]],
                 part: Claim) -> tuple[tuple[Claim, str], bool]:
    """No part is larger than its whole: an amount larger than the open list's whole ends
    that (inner) list and belongs to the innermost outer one that can hold it beside the
    parts it has; ``(scope, oversize)``.

    ``其中：财政拨款收入 751.8，包括一般公共预算收入 751.8；其他收入 7000`` — 7000 is no part
    of 751.8. Where no outer list is open the list stays (a part larger than its whole may be
    the document's error); where outer lists are open but none can hold it, it stays too and
    ``oversize`` says it is read with doubt.
    """
    whole = scope[0]
    if part.role != "amount" or not Decimal(part.value) > Decimal(whole.value) > 0:
        return scope, False
    outers = [o for o in reversed(opened)
              if o[0] is not whole and o[0] is not part and o[0].unit == part.unit]
    for outer in outers:
        held = sum((Decimal(c.value) for c in _listed(state, outer[0])), Decimal(0))
        if Decimal(outer[0].value) >= Decimal(part.value) + held:
            return outer, False
    return scope, bool(outers)


def _fitting_scope(scope: tuple[Claim, str], opened: list[tuple[Claim, str]], part: Claim
                   ) -> tuple[Claim, str] | None:
    """The open list ``part`` belongs to: the innermost, or an outer one the vocabulary names.

    ``三公 X，其中：…公车 Y，其中：购置 a；运行 b；公务接待费 c`` — 公务接待费 closes the
    inner list (公车's) and is a part of 三公 again.
    """
    if not _not_parts(scope[0], part, listed=True):
        return scope
    for outer in reversed(opened):
        if outer[0] is not part and PART_OF.get(part.subject) == outer[0].subject:
            return outer
    return None


def _set_part(state: _State, whole: Claim, part: Claim, kind: str, listed: bool = False) -> None:
    """``part`` is one of a ``kind`` (complete or partial) listing of ``whole``'s parts;
    ``listed``: the words open the listing (其中, 包括, …中，), not the position."""
    if part.subject == whole.subject or NOT_PART_RE.match(part.subject) or (
            part.subject.endswith("总计") and part.table) or _not_parts(whole, part, listed) or (
            re.search(r"(合计|总计)$", part.subject) and part.unit == whole.unit
            and Decimal(part.value) > Decimal(whole.value)):   # a larger total: a new one
        return  # a restatement of the whole, an average, or by the vocabulary no part of it
    if part.role == "amount" and part.year == whole.year and part.basis != whole.basis:
        return  # a budget figure is no part of a 决算 total
    if any(o.parent == whole.claim and o.parts and o.subject == part.subject
           and o.role == part.role for o in state.claims):
        return  # the whole's parts listed a second time (其中：A, B …；…中，A …, B …)
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


def _relative_subject(lead: str) -> str:
    """The subject of a change or % whose clause may hold only the change word:
    "…决算数与2020年相比，增加 43 万元" — the subject stands before the comparison."""
    base = re.sub(rf"[，,]?\s*(?:{INCREASE}|{DECREASE})(?:了|为|是|达)?\s*$", "", lead)
    base = re.sub(r"(?:与|同|和|跟)\s*[^，,。；;]*?相比(?:较)?\s*$", "", base)
    return _subject_text(base)


def _lookup_ref(state: _State, lead: str, sentence: str = "") -> tuple[Claim | None, bool]:
    """The amount a sentence's change refers to when the sentence states no amount itself.

    The subject named before ``比/较`` (or between the year and the change word) picks
    the latest amount of that subject; without a subject, the section's latest
    amount that is no part of another. The second value says whether the reading is
    certain: a subject of the vocabulary named in the sentence whose amount this year is
    stated once (or always alike); a guess by position is not.
    """
    subject = _relative_subject(lead)
    if re.fullmatch(r"收支|收、支|收支总计|收、支总计|收入支出总体", subject):
        # both totals: certain where the latest ones agree (收支总计 = 支出总计)
        totals = [c for c in state.claims if c.role == "amount" and c.year == state.year
                  and c.subject in ("收支总计", "支出总计") and c.basis == state.basis]
        if totals:
            return totals[-1], len({c.value for c in totals[-2:]}) == 1
    if GENERIC_SUBJECTS.match(subject) or re.fullmatch(r"(同口径|同比|收支|收入支出总体)", subject):
        m = re.search(r"(?:比|较)\s*(?:\d{4}\s*年(?:度)?|上年|去年)(?P<s>[^，,。；;：:]*?)"
                      rf"(?:{INCREASE}|{DECREASE})", lead)
        subject = re.sub(r"\s+|同口径|相比|预算数|决算数", "", m["s"]) if m else ""
    if subject and not GENERIC_SUBJECTS.match(subject):
        canon, table, *_ = _canonical(subject, state.section, "")
        hits = [c for c in state.claims if c.role == "amount" and c.subject == canon
                and c.year == state.year and c.basis == state.basis]
        if not hits:
            return None, False
        return hits[-1], bool(table) and len({c.value for c in hits}) == 1
    item = state.stack[-1] if state.stack else None
    if item is not None and item.head is not None and item.head.year == state.year:
        # "1、公务接待费 2016年预算 8 万元，2015年 12.5 万元；对比减少 4.35 万元": the item's
        # own amount, certain where the item's words are on this line
        return item.head, item.head_line == state.line
    last = state.claims[-1] if state.claims else None
    if (last is not None and last.role == "amount" and last.year == state.year
            and last.unit == "万元" and last.sentence != sentence.strip()
            and re.match(r"^\s*(?:比|较|与|同比)", lead)
            and sum(c.role == "amount" and c.sentence == last.sentence
                    for c in state.claims) == 1):
        # "因公出国（境）费 0.61 亿元。比 2015 年减少 48.45 万元": a sentence that opens with
        # the comparison goes on with the one amount the last sentence stated
        return last, False
    return (state.section_amounts[-1] if state.section_amounts else None), False


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
        if unit in MONEY_UNITS and re.match(r"^\s*(?:[（(]\s*含\s*[）)])?\s*以[上下内]",
                                             sentence[m.end():]):
            continue  # a threshold: 单价 100 万元（含）以上
        if unit == "项" and re.search(r"[（(]\s*$", sentence[:m.start()]) and re.match(
                r"^\s*[）)]", sentence[m.end():]):
            continue  # a classification code: 行政运行（01项）
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
    department = _TEMPLATE.get()[0]
    if department:
        clause = clause.replace(department, "")
    clause = re.sub(r"截至.*?日", "", clause)
    clause = re.sub(r"(对比|比|较).*$", "", clause)
    clause = re.sub(r"(增减|增长|减少|增加|下降|降低)(率|幅度|比例)$", "", clause)
    clause = re.sub(r"^.*?共有", "", clause)
    clause = re.sub(r"^(其中|包括|属于|我局|我单位|本单位|本部门|我区|主要内容为|主要用于"
                    r"|反映|共设|及|和|与)+", "", clause)
    clause = re.sub(r"(均为|为|有|是|计划|支出数|(?:年初|调整后?)?预算数|预算安排|安排|共计?|总共"
                    r"|一共)+\s*$", "", clause)
    clause = re.sub(r"^.*?(?:中含有?|中包括)", "", clause)  # 公务用车费用中含公车购置费
    clause = re.sub(r"[（(]\s*计划\s*$|[（(]\s*$", "", clause)
    clause = re.sub(r"的\s*$", "", clause)
    return re.sub(r"\s+", "", clause).strip("“”\"'、")


def _canonical(subject: str, section: str, item_title: str) -> tuple[str, str, str, str]:
    """``(canonical subject, table, item, column)`` from the subject vocabulary.

    A subject that lists several items (``因公出国费、公务用车购置及运行费和公务接待费的预算``)
    is their sum: the whole they make up where they are all its parts, else no item of the
    vocabulary.
    """
    pieces = [p for p in re.split(r"[、和]", subject) if p]
    if len(pieces) > 1:
        named = {_vocabulary(p)[0] for p in pieces} - {""}
        if len(named) > 1:
            for whole in COMPLETE_WHOLES:
                if named == {part for part, w in PART_OF.items() if w == whole}:
                    _, *ref = _vocabulary(whole)
                    return (whole, *ref)
            return subject, "", "", ""
    canon, *ref = _vocabulary(subject)
    return (canon or subject, *ref)


def _vocabulary(subject: str) -> tuple[str, str, str, str]:
    """The vocabulary's entry for a subject, or empty strings."""
    for pattern, canon, table, item, column in _TEMPLATE.get()[1]:
        if re.search(pattern, subject):
            return canon, table, item, column
    return "", "", "", ""


def canonical_subject(name: str) -> str:
    """The canonical subject of a name (``公务用车费`` -> ``公务用车购置及运行维护费``)."""
    return _canonical(name, "", "")[0]


def _make_claim(state: _State, item: _Item | None, lead: str, sentence: str, num: str,
                unit: str, printed: str, line_no: int, prev_amount: Claim | None,
                text_after: str, prev_claim: Claim | None = None,
                vs: tuple[int, str] | None = None, budget_of: Claim | None = None) -> Claim:
    money = unit in MONEY_UNITS
    number = parse_number(num)
    year, basis = state.year, state.basis
    role = "count" if unit in COUNT_UNITS else "amount"
    sign = 1
    parent = ""
    lead_tail = re.split(r"[，,。；;：:]", lead)[-1]
    # a change word alone in its clause: the subject stands before the comparison
    subject = (_relative_subject(lead) if prev_amount is None and _is_relative(lead_tail, unit)
               else _subject_text(lead))
    if unit == "%":
        cm = re.search(rf"({INCREASE}|{DECREASE})", lead_tail)
        last = state.claims[-1] if state.claims else None
        after_change = (last is not None and last.role == "change"
                        and last.sentence == sentence.strip()
                        and re.fullmatch(r"\s*[（(]\s*", lead_tail))
        if after_change:   # 较上年减少 1.5 万元（42.86%）: the change in %
            role = "change_pct"
            sign = -1 if Decimal(last.value) < 0 else 1
            year, basis = last.year, last.basis
        elif COMPLETION_PCT_RE.search(lead_tail) or (
                budget_of is not None and re.fullmatch(r"\s*的\s*", lead_tail)):
            role = "completion_pct"
        elif re.search(r"占", lead_tail) or not cm:
            role = "share"
        else:
            role = "change_pct"
            sign = -1 if re.fullmatch(DECREASE, cm.group(1)) else 1
            year, basis = vs or (state.year - 1, state.basis)
        parent = prev_amount.claim if prev_amount else ""
        last = state.claims[-1] if state.claims else None
        if last is not None and last.role == "count" and last.sentence == sentence.strip():
            parent = ""   # "出国人次从 29 人降为 16 人，下降 44.8%": the counts' change
    else:
        pm = PRIOR_END_RE.search(lead_tail)
        cm = CHANGE_END_RE.search(lead_tail)
        if money and prev_amount is not None and COMPLETION_BUDGET_RE.search(lead_tail):
            role = "prior_amount"     # 完成全年预算 B 万元（的 p%）: this year's budget
            year, basis = state.year, "预算"
            parent = prev_amount.claim
        elif pm and money:
            role = "prior_amount"
            year = int(pm["year"]) if pm["year"] else state.year - 1
            basis = basis_of(pm["basis"], basis)
            parent = prev_amount.claim if prev_amount else ""
        elif money and (named := _named_prior(state, lead_tail, text_after)) is not None:
            # "较2014年度“三公”经费合计 16.08 万元增加 15.15 万元": that subject's prior figure
            return _figure_of(state, named[0], "prior_amount", named[1], named[2], sentence,
                              num, unit, printed, line_no)
        elif cm and money:
            role = "change"
            sign = -1 if re.fullmatch(DECREASE, cm["word"] or cm["verb"]) else 1
            parent = prev_amount.claim if prev_amount is not None else ""
            year, basis = vs or (state.year - 1, state.basis)
        else:
            ym = YEAR_RE.search(lead_tail)
            if ym:
                year = int(ym["year"])
            elif money and PRIOR_SUBJECT_RE.search(lead_tail):
                year = state.year - 1   # "（上年运行费 X，减少 Y）": last year's figure
            elif money and state.sentence_year:
                year = state.sentence_year
            bm = OWN_BASIS_RE.search(lead_tail) if money else None
            if bm:   # 实际支出 is the document's own basis
                basis = basis_of(bm["basis"], basis)
            anchor = prev_amount or (item.head if item is not None else None)
            if (money and ym and anchor is not None and anchor.year == state.year
                    and anchor.role == "amount"
                    and BASIS_WORDS_RE.match(re.sub(r"^[\s，,]*", "", subject))):
                # "2025年当年预算执行数为 X" / "2026年预算安排 Y": the same subject's figure
                # in that year and on that basis (its prior figure, or restated)
                if year < state.year:
                    role = "prior_amount"
                elif year != state.year or basis != state.basis:
                    anchor = None
                if anchor is not None:
                    return _figure_of(state, anchor, role, year, basis, sentence, num, unit,
                                      printed, line_no)
    code = CODE_PATH_RE.search(lead_tail) if role == "amount" and money else None
    if role in ("change", "change_pct", "prior_amount", "share",
                "completion_pct") and prev_amount is not None:
        subject = prev_amount.subject
        canon, table, titem, column = (prev_amount.subject, prev_amount.table, prev_amount.item,
                                       prev_amount.column)
    elif code:
        canon, table, titem, column = _coded(code.group())
    else:
        if role == "count" and GENERIC_SUBJECTS.match(subject):
            nm = re.match(r"^\s*([\u4e00-\u9fff]{1,6})", text_after)
            subject = nm.group(1) if nm else subject
        elided = re.match(r"^(?P<q>.{2,}?)(收入|收支)(总计|合计)$", prev_amount.subject) \
            if prev_amount is not None and money else None
        if elided and re.fullmatch(r"支出(总计|合计)", subject):
            subject = elided["q"] + subject   # 财政拨款收入总计 X，支出总计 Y: 财政拨款's
        if BASIS_ONLY_RE.match(subject) and prev_amount is not None and money:
            subject = prev_amount.subject   # 三公经费预算为 X，支出决算为 Y
        elif GENERIC_SUBJECTS.match(subject) and item is not None:
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


def _listed(state: _State, whole: Claim) -> list[Claim]:
    """The parts of ``whole`` listed so far (of its role and unit)."""
    return [c for c in state.claims if c.parent == whole.claim and c.parts
            and c.role == whole.role and c.unit == whole.unit]


def _list_full(state: _State, whole: Claim) -> bool:
    """Do the parts listed so far (two or more) add up to ``whole`` exactly as printed?"""
    parts = _listed(state, whole)
    return len(parts) > 1 and sum(Decimal(c.value) for c in parts) == Decimal(whole.value)


def _whole_or_part(state: _State, part: Claim) -> bool:
    """A change after the last-named part of a list (``总预算 X，其中：基本 a，项目 b，同比增加
    c``) may be the part's or the whole's: so where the parts before it state no change."""
    before = [c for c in state.claims[:state.claims.index(part)]
              if c.parent == part.parent and c.parts and c.role == part.role]
    changed = {c.parent for c in state.claims if c.role in ("change", "change_pct")}
    return bool(before) and not any(c.claim in changed for c in before) and not any(
        c.parent == part.parent and c.role in ("change", "change_pct") for c in state.claims)


def _sentence_year(opening: str) -> int:
    """The year a sentence's opening names for its own figures (``2011年…预算中，``), not a
    year compared with (``比2019年``) nor a date (``2017年12月``); 0 if none."""
    for m in YEAR_RE.finditer(opening):
        if re.search(r"(比|较|与|同|对比|相较于?)\s*$", opening[:m.start()]) or re.match(
                r"\s*\d{1,2}\s*月", opening[m.end():]):
            continue
        return int(m["year"])
    return 0


def _respectively(sentence: str, figures: list) -> dict[int, tuple[int, int]]:
    """Figures stated respectively (``分别占 93.54% 和 6.46%``, ``各减少 a、b 万元``):
    ``{start of figure: (k, n)}`` for the k-th of n figures of one kind after 分别/各."""
    out: dict[int, tuple[int, int]] = {}
    for m in re.finditer(r"分别|各(?=[^\d，,。；;]{0,6}\d)", sentence):
        run = _run(sentence, [f for f in figures if f[0] >= m.end()])
        if len(run) > 1:
            out.update({f[0]: (k, len(run)) for k, f in enumerate(run)})
            # "分别为 A 亿元和 B 亿元，占…的 p% 和 q%": a run of another kind after it, as long
            then = _run(sentence, [f for f in figures
                                   if f[0] > run[-1][0] and f[3] != run[0][3]])
            if len(then) == len(run) and run[0][3] in MONEY_UNITS:
                out.update({f[0]: (k, len(then)) for k, f in enumerate(then)})
    return out


def _run(sentence: str, figures: list) -> list:
    """The first figures of ``figures`` that stand in one list: of one unit, each joined to the
    one before by 、 和 及 与 or a comma alone (``2666.3亿元和30400.7亿元``)."""
    run: list = []
    for f in figures:
        if run and (f[3] != run[0][3] or not re.fullmatch(
                r"\s*(?:万元|元|%)?\s*[、和及与,，]\s*", sentence[run[-1][1]:f[0]])):
            break
        run.append(f)
    return run


def _coded(path: str) -> tuple[str, str, str, str]:
    """``(name, table, code, column)`` of a figure after a classification path: the function
    table's row where the path gives a whole code (类 3, 款 5 or 项 7 digits)."""
    steps = list(CODE_STEP_RE.finditer(path))
    name = _subject_text(steps[-1]["name"])
    code = "".join(m["code"] for m in steps)
    if len(steps) == 1 or len(code) not in (3, 5, 7):
        code = steps[-1]["code"] if len(steps[-1]["code"]) in (3, 5, 7) else ""
    return name, ("t05" if code else ""), code, ("total" if code else "")


def code_names(claims: list[Claim]) -> list[dict[str, object]]:
    """The names a narrative gives classification codes (``公共安全支出（204类）司法（06款）``):
    ``{"code", "name", "source_line"}``, each (code, name) once, in the order printed."""
    out: dict[tuple[str, str], dict[str, object]] = {}
    for c in claims:
        if not (c.table and c.item.isdigit() and c.role == "amount"):
            continue
        for path in CODE_PATH_RE.finditer(c.sentence[:c.sentence.find(c.printed)]):
            code = ""
            for m in CODE_STEP_RE.finditer(path.group()):
                code += m["code"]
                name = _subject_text(m["name"])
                if len(code) in (3, 5, 7) and name:
                    out.setdefault((code, name), {"code": code, "name": name,
                                                  "source_line": c.source_line})
    return list(out.values())


#: ``较2014年度“三公”经费合计 X 增加 Y``: a comparison naming the subject of its prior figure.
NAMED_PRIOR_RE = re.compile(r"^\s*(?:比|较|与)\s*(?:(?P<year>\d{4})\s*年(?:度)?|上年度?|去年)"
                            r"(?P<s>[^，,。；;：:]+?)\s*$")


def _named_prior(state: _State, lead_tail: str, after: str) -> tuple[Claim, int, str] | None:
    """``(amount, year, basis)`` a prior figure named in its comparison is of, if the change
    follows it and the subject's amount this year is stated."""
    m = NAMED_PRIOR_RE.match(lead_tail)
    if not m or not re.match(rf"^\s*(?:[）)]\s*)?(?:相比|相较)?[，,]?\s*(?:{INCREASE}|{DECREASE})",
                             after):
        return None
    words = m["s"]
    subject = _canonical(_subject_text(re.sub(r"部门|单位|决算|预算|公开|数|合计|总计|共", "",
                                              words)) or words, state.section, "")[0]
    amount = _latest_amount(state, subject)
    if amount is None:
        return None
    year = int(m["year"]) if m["year"] else state.year - 1
    return amount, year, basis_of(words if re.search("决算|预算|执行", words) else None,
                                  state.basis)


def _figure_of(state: _State, anchor: Claim, role: str, year: int, basis: str, sentence: str,
               num: str, unit: str, printed: str, line_no: int) -> Claim:
    """A figure of ``anchor``'s subject in another year or restated in the same item: never a
    part of anything (``parts`` empty), pointing at ``anchor``."""
    number = parse_number(num)
    unit = MONEY_UNITS[unit]
    return Claim(
        claim=f"c{len(state.claims) + 1:03d}", section=state.section, subject=anchor.subject,
        table="", item="", column="", year=year, basis=basis, role=role,
        value=plain(to_wan(number.value, unit)), ulp=plain(to_wan(number.ulp, unit)),
        unit="万元", printed=printed, parent=anchor.claim, parts="",
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
    _set_part(state, whole, claim, parts)
    if claim.parent and parts != "complete" and PART_OF.get(claim.subject) != whole.subject:
        # a part by position (a heading, an item), not by the words (划分为/包括/如下) or
        # by the vocabulary
        claim.certainty = "inferred"


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
