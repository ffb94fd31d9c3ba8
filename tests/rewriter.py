"""Reword Chinese budget narrative the way other regions word the same facts (tests only).

Every variant is a named, pure function ``str -> str`` that changes wording and list
numbering only, never a figure: "比 2017 年增加 14,201.28 万元，增加 73.46%" may become
"较上年（…）增长 14,201.28 万元，增幅为 73.46%", with the same numbers in the same order.
``alter_figure`` is the one function that changes a figure (one, on purpose).

The variants (see ``VARIANTS``):

- comparison words: ``compare_jiao`` 较 / ``compare_bi`` 比 / ``compare_tongbi`` 同比 /
  ``compare_yu_xiangbi`` 与…相比;
- the compared year: ``year_shangnian`` 上年 / ``year_qunian`` 去年 / ``year_number`` 2017 年;
- a prior-year figure in brackets: ``prior_in_brackets`` "较上年（19,332.80 万元）增加";
- increase words: ``increase_zengzhang`` 增长 / ``increase_zengjia`` 增加 /
  ``increase_zengfu`` 增幅为 (for a %) / ``increase_shangsheng`` 上升 / ``increase_tigao`` 提高;
- decrease words: ``decrease_jianshao`` 减少 / ``decrease_xiajiang`` 下降 /
  ``decrease_yajian`` 压减 / ``decrease_jiangdi`` 降低 / ``decrease_jiangfu`` 降幅为 (for a %);
- flat words: ``flat_chiping`` 持平 / ``flat_xiangtong`` 相同 / ``flat_wubianhua`` 无变化 /
  ``flat_wuzengjian`` 无增减;
- part words: ``parts_baokuo`` 包括…和… / ``parts_han`` 含 / ``parts_qizhong`` 其中：;
- list numbering (every list renumbered consistently, the numbers kept):
  ``numbering_yishi`` （一）→ 一是 / ``numbering_diyi`` （一）→ 第一， /
  ``numbering_shift`` （一）→ 1、, 1、→ (1), (1) → 一是 / ``numbering_swap`` （一）↔ 1、 /
  ``numbering_dun_to_paren`` 1、→ (1) where no (1) is used.

A variant applies to the narrative only: ``reword(text, *variants)`` leaves the tables
(from the first table title on) as they are, so figures compared with table cells stay
comparable. A variant that finds nothing of its kind returns the text unchanged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

Variant = Callable[[str], str]

#: Simplified characters of the vocabulary and their traditional forms (for mirrors of
#: traditional-character pages: patterns match both, a variant writes the text's script).
_TRAD = dict(zip("较与长减为无变压万预决数经费实执际额总计内币动径",
                 "較與長減為無變壓萬預決數經費實執際額總計內幣動徑", strict=True))


def T(pattern: str) -> str:
    """A regex that matches simplified and traditional spellings of its words."""
    return "".join(f"[{c}{_TRAD[c]}]" if c in _TRAD and _TRAD[c] != c else c for c in pattern)


def is_traditional(text: str) -> bool:
    """Whether the text is written in traditional characters (a mirror such as corpus 18)."""
    trad = sum(text.count(t) for s, t in _TRAD.items() if s != t)
    simp = sum(text.count(s) for s, t in _TRAD.items() if s != t)
    return trad > simp


def in_script(word: str, text: str) -> str:
    """``word`` written in the script of ``text``."""
    return "".join(_TRAD.get(c, c) for c in word) if is_traditional(text) else word


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

#: A printed number: 14,201.28 / 0.5 / -81.75 / 3328 (full-width digits are not rewritten).
NUM = r"-?\d+(?:[,，]\d{3})*(?:\.\d+)?"
_MONEY_UNIT = T(r"(?:万元|元|万)")
MONEY = rf"{NUM}\s*{_MONEY_UNIT}"

_CN_DIGITS = "零一二三四五六七八九"
_CN_NUM = r"[一二三四五六七八九十]{1,3}"
#: Where a list marker may stand: the start of a line or after punctuation or a space.
_AT = r"(?:(?<=^)|(?<=[\n。；;：:，,、\s]))"

#: The compared year: 上年 / 上年度 / 去年 / 上一年 / 2017 年 / 2017 年度 (not 上年末).
_BASE_YEAR = T(r"(?:上一?年度?|去年|(?:19|20)\d{2}\s*年度?)(?!\s*\d{1,2}\s*月)(?!末|初)")
#: Optional basis after the year: 同期 / 预算数 / 决算数 / 年初预算 …
_BASIS = T(r"(?:\s*(?:同期|年初预算数|年初预算|预算数|决算数|执行数|预算|决算))?")
BASE = _BASE_YEAR + _BASIS

_INCREASE = T(r"增幅为|增幅|增长了|增长|增加了|增加|上升了|上升|提高了|提高|上涨了|上涨")
_DECREASE = T(r"降幅为|降幅|减少了|减少|下降了|下降|压减了|压减|降低了|降低")
_FLAT = T(r"持平|相同|无变化|无增减|没有变化|未发生增减变动")
#: A change verb directly followed by its figure (一 "增加的主要原因" is not one).
_VERB_BEFORE_FIGURE = rf"(?:{_INCREASE}|{_DECREASE})(?=\s*[-+]?\d)"


def _cn(n: int) -> str:
    """1..99 in Chinese numerals: 1 一, 10 十, 12 十二, 20 二十, 23 二十三."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _from_cn(s: str) -> int:
    if "十" not in s:
        return _CN_DIGITS.index(s)
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS.index(tens) if tens else 1) * 10 + (_CN_DIGITS.index(ones) if ones else 0)


def doc_year(text: str) -> int | None:
    """The document's year: the year most often written, not counting a compared one."""
    compared = re.compile(T(r"(?:比|较|与|同口径比)\s*$"))
    years = Counter(int(m[1])
                    for m in re.finditer(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)", text)
                    if not compared.search(text[max(0, m.start() - 4):m.start()]))
    return years.most_common(1)[0][0] if years else None


# ---------------------------------------------------------------------------
# The narrative part of a document
# ---------------------------------------------------------------------------

#: A table title standing on its own line: "表一：部门收支预算总表", "2021年…决算情况表".
_TABLE_TITLE = re.compile(
    r"^\s*(?:表[一二三四五六七八九十\d]+\s*[：:]|(?![一二三四五六七八九十\d]+[、.．])"
    r"(?![（(])\S[^。，,；;]{0,60}(?:情况|支出|收入|预算|决算|总)表)\s*$", re.M)


def split_narrative(text: str) -> tuple[str, str]:
    """(narrative, rest): the text before the first table title, and the title onwards."""
    m = _TABLE_TITLE.search(text)
    return (text, "") if m is None else (text[:m.start()], text[m.start():])


def reword(text: str, *variants: Variant) -> str:
    """Apply the variants, in order, to the narrative part of a whole document."""
    head, rest = split_narrative(text)
    for v in variants:
        head = v(head)
    return head + rest


# ---------------------------------------------------------------------------
# Comparison words and the compared year
# ---------------------------------------------------------------------------

#: "(同口径)比/较 BASE", "与 BASE … 相比，" and a bare "同比", each with what follows.
_CMP_RE = re.compile(
    rf"(?P<pre>{T('同口径')})?(?P<word>{T('较|比|与')})(?P<ws>\s*)(?P<base>{BASE})"
    rf"(?P<mid>[^，,。；;:：\n]{{0,24}}?)(?P<xiangbi>\s*相比\s*[，,]?\s*)?"
    rf"(?P<after>{_VERB_BEFORE_FIGURE}|{_FLAT}|[（(]?{NUM})"
    rf"|(?<![相])同比(?P<tb_after>{_VERB_BEFORE_FIGURE}|{_FLAT})")


def _is_last_year(base: str, year: int | None) -> bool:
    b = re.sub(r"\s+", "", base)
    if re.match(r"(上一?年|去年)", b):
        return True
    return year is not None and b.startswith(f"{year - 1}年")


def _compare(word: str) -> Variant:
    def variant(text: str) -> str:
        def sub(m: re.Match) -> str:
            if m["tb_after"] is not None:                       # 同比 → 较上年
                return f"{in_script(word, text)}上年{m['tb_after']}"
            pre, base, mid, after = m["pre"] or "", m["base"], m["mid"], m["after"]
            if m["word"] in "与與" and not m["xiangbi"] and re.match(_FLAT, after):
                return m[0]                                     # 与上年持平: not a 较/比 form
            return f"{pre}{in_script(word, text)}{m['ws']}{base}{mid}{after}"
        return _CMP_RE.sub(sub, text)
    return variant


compare_jiao = _compare("较")
compare_jiao.__name__ = "compare_jiao"
compare_jiao.__doc__ = "较上年 / 较 2017 年: every 比/与…相比/同比 comparison written with 较."
compare_bi = _compare("比")
compare_bi.__name__ = "compare_bi"
compare_bi.__doc__ = "比上年 / 比 2017 年: every comparison written with 比."


def compare_tongbi(text: str) -> str:
    """同比: "比上年增加 X" / "较 2017 年减少 X" (last year, nothing between) → "同比增加 X"."""
    year = doc_year(text)

    def sub(m: re.Match) -> str:
        if (m["tb_after"] is None and not m["pre"] and not m["mid"] and not m["xiangbi"]
                and m["word"] in "较比" and _is_last_year(m["base"], year)
                and re.fullmatch(_BASE_YEAR, m["base"].strip())
                and not re.match(r"[（(]?-?\d", m["after"])):
            return "同比" + m["after"]
        return m[0]
    return _CMP_RE.sub(sub, text)


def compare_yu_xiangbi(text: str) -> str:
    """与上年相比: "比 2017 年 X 万元增加 Y" → "与 2017 年 X 万元相比，增加 Y"."""
    yu = in_script("与", text)
    def sub(m: re.Match) -> str:
        if m["tb_after"] is not None:
            return f"{yu}上年相比，{m['tb_after']}"
        if m["xiangbi"]:
            return m[0]
        after = m["after"]
        pre = m["pre"] or ""
        if re.match(r"[（(]?-?\d", after):                        # a prior figure follows
            return m[0]
        if re.match(_FLAT, after):
            return f"{pre}{yu}{m['ws']}{m['base']}{m['mid']}相比{after}"
        return f"{pre}{yu}{m['ws']}{m['base']}{m['mid']}相比，{after}"
    text = _CMP_RE.sub(sub, text)
    # "比 2017 年 19,332.80 万元增加": the prior figure stays, 相比 goes after it
    return re.sub(rf"(?P<pre>{T('同口径')})?{T('(?:较|比)')}(?P<ws>\s*)(?P<base>{BASE})(?P<ws2>\s*)"
                  rf"(?P<fig>[（(]?{MONEY}[）)]?|{NUM})\s*(?P<verb>{_VERB_BEFORE_FIGURE})",
                  lambda m: f"{m['pre'] or ''}{yu}{m['ws']}{m['base']}{m['ws2']}{m['fig']}相比，"
                            f"{m['verb']}", text)


def _year(word: Callable[[int | None, str], str]) -> Variant:
    def variant(text: str) -> str:
        year = doc_year(text)
        return re.sub(rf"(?P<lead>{T('(?:同口径)?(?:较|比|与)')}\s*)(?P<y>{_BASE_YEAR})",
                      lambda m: m["lead"].rstrip(" ") + (
                          word(year, m["y"]) if _is_last_year(m["y"], year) else m["y"]), text)
    return variant


def _suffix(y: str) -> str:
    return "年度" if y.rstrip().endswith("年度") else "年"


year_shangnian = _year(lambda year, y: "上" + _suffix(y))
year_shangnian.__name__ = "year_shangnian"
year_shangnian.__doc__ = "上年: the compared year written 上年 (比 2017 年 → 比上年)."
year_qunian = _year(lambda year, y: "去年")
year_qunian.__name__ = "year_qunian"
year_qunian.__doc__ = "去年: the compared year written 去年 (比 2017 年 / 比上年 → 比去年)."
year_number = _year(lambda year, y: f"{year - 1}{_suffix(y)}" if year else y)
year_number.__name__ = "year_number"
year_number.__doc__ = "2017 年: the compared year written as a number (较上年 → 较2017年)."


def prior_in_brackets(text: str) -> str:
    """较上年（X 万元）增长: a prior-year figure after the comparison put in brackets."""
    return re.sub(rf"(?P<lead>{T('(?:同口径)?(?:较|比|与)')}\s*{BASE}[^，,。；;\d（(]{{0,16}}?)\s*"
                  rf"(?P<fig>{NUM}\s*{_MONEY_UNIT}?)\s*(?P<verb>{_VERB_BEFORE_FIGURE})",
                  lambda m: f"{m['lead']}（{m['fig']}）{m['verb']}", text)


# ---------------------------------------------------------------------------
# Increase, decrease and flat words
# ---------------------------------------------------------------------------

def _verbs(pattern: str, amount_word: str, pct_word: str) -> Variant:
    def variant(text: str) -> str:
        def sub(m: re.Match) -> str:
            return in_script(pct_word if m["pct"] else amount_word, text)
        return re.sub(rf"(?:{pattern})(?=(?P<fig>\s*[-+]?{NUM}\s*(?P<pct>[%％])?))", sub, text)
    return variant


def _named(f: Variant, name: str, doc: str) -> Variant:
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


increase_zengzhang = _named(_verbs(_INCREASE, "增长", "增长"), "increase_zengzhang",
                            "增长: every increase (of an amount or a %) written 增长.")
increase_zengjia = _named(_verbs(_INCREASE, "增加", "增加"), "increase_zengjia",
                          "增加: every increase written 增加.")
increase_zengfu = _named(_verbs(_INCREASE, "增加", "增幅为"), "increase_zengfu",
                         "增幅为: an increase in % written 增幅为 (an amount: 增加).")
increase_shangsheng = _named(_verbs(_INCREASE, "上升", "上升"), "increase_shangsheng",
                             "上升: every increase written 上升.")
increase_tigao = _named(_verbs(_INCREASE, "提高", "提高"), "increase_tigao",
                        "提高: every increase written 提高.")
decrease_jianshao = _named(_verbs(_DECREASE, "减少", "减少"), "decrease_jianshao",
                           "减少: every decrease written 减少.")
decrease_xiajiang = _named(_verbs(_DECREASE, "下降", "下降"), "decrease_xiajiang",
                           "下降: every decrease written 下降.")
decrease_yajian = _named(_verbs(_DECREASE, "压减", "压减"), "decrease_yajian",
                         "压减: every decrease written 压减.")
decrease_jiangdi = _named(_verbs(_DECREASE, "降低", "降低"), "decrease_jiangdi",
                          "降低: every decrease written 降低.")
decrease_jiangfu = _named(_verbs(_DECREASE, "减少", "降幅为"), "decrease_jiangfu",
                          "降幅为: a decrease in % written 降幅为 (an amount: 减少).")

_FLAT_RE = re.compile(
    rf"(?:(?P<pre>{T('同口径')})?{T('(?:较|比|与)')}(?P<ws>\s*)(?P<base>{BASE})(?:\s*相比)?\s*[，,]?\s*|(?P<tb>同比))"
    rf"(?P<flat>{_FLAT})")


def _flat(word: str) -> Variant:
    lead = {"持平": "与", "相同": "与", "无变化": "较", "无增减": "比"}[word]

    def variant(text: str) -> str:
        def sub(m: re.Match) -> str:
            if m["tb"]:
                return in_script(f"与上年{word}" if word == "相同" else f"同比{word}", text)
            return (f"{m['pre'] or ''}{in_script(lead, text)}{m['ws']}{m['base']}"
                    f"{in_script(word, text)}")
        return _FLAT_RE.sub(sub, text)
    return variant


flat_chiping = _named(_flat("持平"), "flat_chiping", "持平: no change written 与上年持平.")
flat_xiangtong = _named(_flat("相同"), "flat_xiangtong", "相同: no change written 与上年相同.")
flat_wubianhua = _named(_flat("无变化"), "flat_wubianhua",
                        "无变化: no change written 较上年无变化.")
flat_wuzengjian = _named(_flat("无增减"), "flat_wuzengjian",
                         "无增减: no change written 比上年无增减.")


# ---------------------------------------------------------------------------
# Part words
# ---------------------------------------------------------------------------

_SEP = "；;，,、"
_CLAUSE_START = re.compile(
    rf"\s*(?:{T('同口径|较|比|与')}|同比|{_INCREASE}|{_DECREASE}|占|完成|为|年初|差值|均)")
_HEADING_AHEAD = re.compile(
    rf"\n\s*(?:[（(]?[一二三四五六七八九十\d]+[）)、.．](?!\d)|{_CN_NUM}是|第{_CN_NUM}[，,、])")


def _list_after(text: str, start: int) -> tuple[int, list[tuple[str, str]]] | None:
    """The simple list of money parts from ``start``: [(item, separator)], and its end.

    A list is simple when every piece up to the last money item is itself a money item
    (a name and a figure, no comparison) and what follows the last item holds no money.
    """
    end_m = re.compile(r"。").search(text, start)
    end = end_m.start() if end_m else len(text)
    head = _HEADING_AHEAD.search(text, start, end)
    if head:
        end = head.start()
    region = text[start:end]
    pieces = re.split(rf"([{_SEP}])", region)
    items = [(pieces[i], pieces[i + 1] if i + 1 < len(pieces) else "")
             for i in range(0, len(pieces), 2)]
    money = [bool(re.search(MONEY, p)) and not _CLAUSE_START.match(p) for p, _ in items]
    if not any(money):
        return None
    last = max(i for i, ok in enumerate(money) if ok)
    if not all(money[:last + 1]) or last < 1:
        return None
    if any(re.search(MONEY, p) for p, _ in items[last + 1:]):
        return None
    return start + sum(len(p) + len(s) for p, s in items[:last + 1]) - len(items[last][1]), \
        items[:last + 1]


def _parts(kind: str) -> Variant:
    def variant(text: str) -> str:
        out, pos = [], 0
        for m in re.finditer(r"其中\s*[:：,，]?\s*", text):
            if m.start() < pos:
                continue
            found = _list_after(text, m.end())
            before = text[:m.start()].rstrip(" ")
            if found is None or not re.search(rf"{MONEY}\s*[，,。]?$", before):
                continue
            end, items = found
            lead = text[pos:m.start()]
            if kind == "baokuo":
                if lead.endswith("。"):
                    lead = lead[:-1] + "，"
                body = "、".join(p for p, _ in items[:-1]) + "和" + items[-1][0]
                out += [lead, "包括", body]
            else:                                             # 含
                if not re.search(r"[，,]\s*$", lead):
                    continue
                out += [lead, "含", "、".join(p for p, _ in items)]
            pos = end
        return "".join(out) + text[pos:]
    return variant


parts_baokuo = _named(_parts("baokuo"), "parts_baokuo",
                      "包括…和…: \"X 万元，其中：A 万元；B 万元\" → "
                      "\"X 万元，包括A 万元和B 万元\".")
parts_han = _named(_parts("han"), "parts_han",
                   "含: \"X 万元，其中：A 万元；B 万元\" → \"X 万元，含A 万元、B 万元\".")


def parts_qizhong(text: str) -> str:
    """其中：\"X 万元，包括A 万元和B 万元\" → \"X 万元，其中：A 万元、B 万元\"."""
    def sub(m: re.Match) -> str:
        found = _list_after(text, m.end())
        pair = rf"[^{_SEP}。\n]*{MONEY}[^{_SEP}。\n]*和"
        if found is None and not re.match(pair, text[m.end():]):
            return m[0]
        return m["lead"] + "其中："
    text = re.sub(rf"(?P<lead>{MONEY}\s*[，,；;]\s*)包括(?=[^\n：:])", sub, text)
    # "其中：A 万元和B 万元" → "其中：A 万元、B 万元"
    return re.sub(rf"(其中：[^。\n和]*?{MONEY})和(?=[^。\n]*?{MONEY})", r"\1、", text)


# ---------------------------------------------------------------------------
# List numbering
# ---------------------------------------------------------------------------

#: The list styles: their marker pattern (number in group 1) and how to write number n.
STYLES: dict[str, tuple[str, Callable[[int], str]]] = {
    "cn_paren": (rf"[（(]({_CN_NUM})[）)]、?", lambda n: f"（{_cn(n)}）"),
    "arabic_dun": (r"(\d{1,2})\s*[、．.](?![\d])", lambda n: f"{n}、"),
    "arabic_paren": (r"[（(](\d{1,2})[）)]", lambda n: f"({n})"),
    "yishi": (rf"({_CN_NUM})是", lambda n: f"{_cn(n)}是"),
    "diyi": (rf"第({_CN_NUM})[，,、]", lambda n: f"第{_cn(n)}，"),
}
_MARKER_RE = re.compile(_AT + "(?:" + "|".join(
    f"(?P<{name}>{pat})" for name, (pat, _) in STYLES.items()) + ")", re.M)


def _markers(text: str) -> Iterable[tuple[re.Match, str, int]]:
    for m in _MARKER_RE.finditer(text):
        style = next(name for name in STYLES if m[name] is not None)
        raw = re.match(STYLES[style][0], m[0])[1]
        n = int(raw) if raw.isdigit() else _from_cn(raw)
        if 1 <= n <= 60:
            yield m, style, n


def styles_in(text: str) -> set[str]:
    """The list styles a text uses (a style counts when it numbers 1 and 2)."""
    seen: dict[str, set[int]] = {}
    for _, style, n in _markers(text):
        seen.setdefault(style, set()).add(n)
    return {s for s, ns in seen.items() if {1, 2} <= ns}


def _renumber(mapping: dict[str, str]) -> Variant:
    def variant(text: str) -> str:
        used = styles_in(text)
        out, pos = [], 0
        for m, style, n in _markers(text):
            if style not in used or style not in mapping:
                continue
            out += [text[pos:m.start()], STYLES[mapping[style]][1](n)]
            pos = m.end()
        return "".join(out) + text[pos:]
    return variant


numbering_yishi = _named(_renumber({"cn_paren": "yishi"}), "numbering_yishi",
                         "一是/二是: lists numbered （一）（二） written 一是、二是.")
numbering_diyi = _named(_renumber({"cn_paren": "diyi"}), "numbering_diyi",
                        "第一/第二: lists numbered （一）（二） written 第一，第二，.")
numbering_shift = _named(
    _renumber({"cn_paren": "arabic_dun", "arabic_dun": "arabic_paren", "arabic_paren": "yishi"}),
    "numbering_shift", "every level one style down: （一）→ 1、, 1、→ (1), (1) → 一是.")
numbering_swap = _named(_renumber({"cn_paren": "arabic_dun", "arabic_dun": "cn_paren"}),
                        "numbering_swap", "（一）and 1、 swapped: （一）→ 1、 and 1、→ （一）.")


def numbering_dun_to_paren(text: str) -> str:
    """(1)/(2): lists numbered 1、 2、 written (1) (2) where the text uses no (1) list."""
    if "arabic_paren" in styles_in(text):
        return text
    return _renumber({"arabic_dun": "arabic_paren"})(text)


# ---------------------------------------------------------------------------
# All variants; changing a figure
# ---------------------------------------------------------------------------

VARIANTS: dict[str, Variant] = {f.__name__: f for f in (
    compare_jiao, compare_bi, compare_tongbi, compare_yu_xiangbi,
    year_shangnian, year_qunian, year_number, prior_in_brackets,
    increase_zengzhang, increase_zengjia, increase_zengfu, increase_shangsheng, increase_tigao,
    decrease_jianshao, decrease_xiajiang, decrease_yajian, decrease_jiangdi, decrease_jiangfu,
    flat_chiping, flat_xiangtong, flat_wubianhua, flat_wuzengjian,
    parts_baokuo, parts_han, parts_qizhong,
    numbering_yishi, numbering_diyi, numbering_shift, numbering_swap, numbering_dun_to_paren,
)}

#: Variants that rewrite list numbers (their numbers are list positions, not figures).
NUMBERING = {n for n in VARIANTS if n.startswith("numbering_")}


def figures(text: str) -> list[str]:
    """The stated figures of a text, in order: numbers with a unit or %, as printed.

    Years (2017 年), list numbers and dates are not figures.
    """
    out = []
    for m in re.finditer(rf"(?<![\d.,])({NUM})\s*(万元|萬元|元|万|萬|%|％)", text):
        out.append(m[1].replace("，", ",") + ("%" if m[2] in "%％" else m[2]))
    return out


def alter_figure(text: str, line: int, printed: str, new: str, nth: int = 1) -> str:
    """The text with the ``nth`` figure printed ``printed`` on 1-based ``line`` changed to ``new``.

    The figure is matched whole (``5`` does not match inside ``5.5`` or ``2,000``).
    """
    lines = text.split("\n")
    pat = re.compile(rf"(?<![\d.,，]){re.escape(printed)}(?![\d]|[.,，]\d)")
    hits = list(pat.finditer(lines[line - 1]))
    if len(hits) < nth:
        raise ValueError(f"line {line} has {len(hits)} figure(s) printed {printed!r}")
    m = hits[nth - 1]
    lines[line - 1] = lines[line - 1][:m.start()] + new + lines[line - 1][m.end():]
    return "\n".join(lines)
