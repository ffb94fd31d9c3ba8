"""Reading a disclosure text: bytes to lines, wrapped lines to logical lines, numbers.

Real documents come as UTF-8 (with or without a BOM), GBK/GB18030 or UTF-16;
digits may be full-width and lines are wrapped wherever the PDF wrapped them.
Line numbers always refer to the source file as it is, so every figure can be
traced back.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from fiscal.errors import DecodeError, FiscalError

_FULLWIDTH = {**{ord("０") + i: ord("0") + i for i in range(10)},
              ord("．"): ".", ord("％"): "%", ord("\u3000"): " ", ord("\xa0"): " ",
              ord("－"): "-", ord("﹣"): "-", ord("\ufeff"): None}
_CJK = re.compile(r"[\u4e00-\u9fff]")

#: Traditional characters met in disclosures and their simplified forms (one for one, so a
#: normalised line keeps its length). Used for matching only: claims keep the printed text.
_TRADITIONAL = (
    "來个兒別務區協厲員問單嚴國圍園執報學實審對屬師強徑徹撥數時條業構標機歲決況減瀘為烏無營現"
    "發確稱節約納級結統經維編總績繞職肅與舉萬處號補見規計訓設訴詞認說調議護負財貫責費資質購車"
    "輛轉辦進運過釋針錄鍵長門開間關隊際離項預題額類駐體魯黨齊齡億塊劃產廳衛醫療險會壓縮權態環"
    "濟稅鄉鎮縣農專導貨採養舊據應擴線貼勞動緊擔戶儲備將從傳檢測驗聯網絡訊館圖書藝術廣電視樂灣"
    "島華東陽龍紅綠藍黃雲遼蘭陝寧貴優價傷殘災儀廠礦鐵銀錢賬稅幣餘淨損虧較並兩幾後於這們頭種氣"
    "熱漲場聲讀寫覺樣邊達遠團幹紀監訂獎懲罰廢棄雜誌紙郵遞檔倉庫築樓層蓋賃繕續給綜準則範評論證"
    "鑒個區隻門車漢適義擬復雙綫戰參壹貳參陸柒捌玖拾佰仟圓減縱橫織組軍屆屬與務歸選舉"
)
_SIMPLIFIED = (
    "来个儿别务区协厉员问单严国围园执报学实审对属师强径彻拨数时条业构标机岁决况减泸为乌无营现"
    "发确称节约纳级结统经维编总绩绕职肃与举万处号补见规计训设诉词认说调议护负财贯责费资质购车"
    "辆转办进运过释针录键长门开间关队际离项预题额类驻体鲁党齐龄亿块划产厅卫医疗险会压缩权态环"
    "济税乡镇县农专导货采养旧据应扩线贴劳动紧担户储备将从传检测验联网络讯馆图书艺术广电视乐湾"
    "岛华东阳龙红绿蓝黄云辽兰陕宁贵优价伤残灾仪厂矿铁银钱账税币余净损亏较并两几后于这们头种气"
    "热涨场声读写觉样边达远团干纪监订奖惩罚废弃杂志纸邮递档仓库筑楼层盖赁缮续给综准则范评论证"
    "鉴个区只门车汉适义拟复双线战参壹贰参陆柒捌玖拾佰仟圆减纵横织组军届属与务归选举"
)
_TO_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
#: A pinyin gloss inside a word, as some mirrors print them: 預(yù)算, 經(jīng)費.
_PINYIN_GLOSS = re.compile(
    r"[(（](?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")
#: A page number printed on its own line: ``- 1 -``, ``—10—``, ``第 3 页``.
PAGE_MARK_RE = re.compile(r"^\s*(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页"
                          r"(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?)\s*$")
#: A bare page number (narrative only: in a table a lone number is a cell).
BARE_PAGE_RE = re.compile(r"^\s*\d{1,3}\s*$")


@dataclass(frozen=True)
class Source:
    """A source file as read: its bytes' hash, the encoding found, its text."""

    path: Path
    sha256: str
    encoding: str
    text: str

    @property
    def lines(self) -> list[str]:
        """Physical lines, numbered from 1 by their index + 1."""
        return self.text.split("\n")


#: Texts larger than this are refused: a disclosure's text is a few hundred KB at most.
MAX_TEXT_BYTES = 20 * 1024 * 1024
_MAGIC = ((b"%PDF", "a PDF", "give it to fiscal as a .pdf file"),
          (b"PK\x03\x04", "a zip archive (or an Office document)",
           "unpack it, or save the document as text or PDF"),
          (b"\x89PNG", "a PNG image", "a scanned page needs OCR first; give the text or PDF"),
          (b"\xff\xd8\xff", "a JPEG image", "a scanned page needs OCR first; give the text or PDF"),
          (b"GIF8", "a GIF image", "give the text or PDF of the disclosure"),
          (b"\xd0\xcf\x11\xe0", "an old Office document (.doc/.xls)",
           "save it as text or PDF"))
#: Characters every disclosure uses, in simplified and traditional forms: they tell GBK
#: from Big5 when both decode.
_WORDS_SIMPLIFIED = "预算决算支出收入经费万元财政拨款项目合计单位"
_WORDS_TRADITIONAL = "預算決算支出收入經費萬元財政撥款項目合計單位"


def _score(text: str, words: str) -> int:
    return sum(text.count(ch) for ch in words)


def _controls(text: str) -> int:
    return sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a disclosure's bytes; return ``(text, encoding)``.

    UTF-8 (with or without a BOM), GB18030/GBK, Big5 and UTF-16 (with a BOM, or
    without one when the text is plainly UTF-16) are read; files that are images,
    archives or other binaries are refused by name.
    """
    for magic, what, fix in _MAGIC:
        if data.startswith(magic):
            raise DecodeError(f"the file is {what}, not a text disclosure", path=path, fix=fix)
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    elif b"\x00" in data:
        even, odd = data[0::2].count(0), data[1::2].count(0)
        if len(data) % 2 == 0 and max(even, odd) > len(data) // 16 \
                and min(even, odd) * 10 < max(even, odd):
            candidates = ("utf-16-le" if odd > even else "utf-16-be",)
        else:
            raise DecodeError("the file holds NUL bytes: it is binary, not a text disclosure",
                              path=path, fix="give the text (or PDF) of the disclosure")
    else:
        candidates = ("utf-8", "gb18030", "big5")
    decoded: list[tuple[str, str]] = []
    for enc in candidates:
        try:
            decoded.append((data.decode(enc), enc))
        except UnicodeDecodeError:
            continue
        if enc.startswith("utf"):
            break  # UTF-8 that decodes is UTF-8
    if not decoded:
        raise DecodeError("the bytes decode as neither UTF-8 nor GBK/GB18030 nor Big5 nor UTF-16",
                          path=path, fix="save the file as UTF-8 (or GBK) text")
    if len(decoded) > 1:  # GBK and Big5 both decode: keep the one that reads as a disclosure
        decoded.sort(key=lambda te: -_score(te[0], _WORDS_TRADITIONAL if te[1] == "big5"
                                            else _WORDS_SIMPLIFIED))
    text, enc = decoded[0]
    if _controls(text) > max(8, len(text) // 100):
        raise DecodeError("the file is mostly control characters: it is binary, not a text"
                          " disclosure", path=path, fix="give the text (or PDF) of the disclosure")
    return text.replace("\r\n", "\n").replace("\r", "\n"), enc


def read_bounded(path: Path, limit: int, error: type[FiscalError], what: str,
                 bound: str, fix: str) -> bytes:
    """A file's bytes, refused (before reading) when it is larger than ``limit``."""
    size = path.stat().st_size
    if size > limit:
        raise error(f"{what} is {size / 2**20:.0f} MB; {bound} is at most {limit // 2**20} MB",
                    path=path, fix=fix)
    return path.read_bytes()


def read_source(path: Path) -> Source:
    """Read a disclosure text file (at most ``MAX_TEXT_BYTES``)."""
    data = read_bounded(path, MAX_TEXT_BYTES, DecodeError, "the file", "a disclosure text",
                        "give the text of one department-year's disclosure")
    text, encoding = decode(data, path)
    return Source(path=path, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding,
                  text=text)


def clean(line: str) -> str:
    """Half-width digits and number punctuation; same length is not kept.

    A line of ``|``-separated cells (web tables copied as text) becomes cells
    separated by three spaces, ending in a space like a finished pdftotext cell.
    """
    line = line.translate(_FULLWIDTH)
    line = re.sub(r"(?<=\d)，(?=\d{3}(?!\d))", ",", line)
    if "|" in line:
        line = re.sub(r"\s*\|[\s|]*", "   ", line)
    return line


#: Letter-spaced words of a justified PDF line (``政 府 采 购 预 算``, ``同 比 增 加``): three or
#: more ideographs (or their punctuation) each set apart by one space.
_SPACED_CHAR = r"[\u4e00-\u9fff，,。；;：:、“”（）()]"
_SPACED = re.compile(rf"{_SPACED_CHAR}(?: {_SPACED_CHAR}){{2,}}")


def normalize(text: str, *, spaced: bool = False) -> tuple[str, list[int]]:
    """Text for matching: traditional characters simplified, pinyin glosses dropped.

    Args:
        text: one line.
        spaced: also close up letter-spaced words (prose only: in a table row, single
            spaces part the cells).

    Returns:
        The normalised text and, for each of its characters (plus one past the end), the
        offset of that character in ``text``.
    """
    drop = [m.span() for m in _PINYIN_GLOSS.finditer(text)]   # (start, end) left out
    if spaced:   # the blanks of letter-spaced words, every second character of a run
        drop += [(m.start() + k, m.start() + k + 1) for m in _SPACED.finditer(text)
                 for k in range(1, m.end() - m.start(), 2)]
        drop.sort()
    if not drop:
        return text.translate(_TO_SIMPLIFIED), list(range(len(text) + 1))
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for a, b in drop:
        if a < pos:
            continue   # inside a span already left out
        out.append(text[pos:a])
        index.extend(range(pos, a))
        pos = b
    out.append(text[pos:])
    index.extend(range(pos, len(text) + 1))
    return "".join(out).translate(_TO_SIMPLIFIED), index


def normalize_text(text: str) -> str:
    """A whole text normalised for matching, line by line (see :func:`normalize`)."""
    return "\n".join(normalize(clean(line))[0] for line in text.split("\n"))


def cjk_count(text: str) -> int:
    """How many CJK ideographs a text holds."""
    return len(_CJK.findall(text))


# ---------------------------------------------------------------------------
# Logical lines
# ---------------------------------------------------------------------------

@dataclass
class LogicalLine:
    """Physical lines joined where the PDF wrapped them, with a map back to line numbers.

    ``text`` is normalised for matching (see :func:`normalize`); ``shown`` is the
    same text as printed (full-width digits made half-width), for quoting.
    """

    text: str = ""
    starts: list[int] = field(default_factory=list)   # offsets in text where a piece starts
    numbers: list[int] = field(default_factory=list)  # physical line number of each piece
    shown: str = ""
    index: list[int] = field(default_factory=lambda: [0])  # text offset -> shown offset

    def add(self, piece: str, line_no: int, *, spaced: bool = False) -> None:
        self.starts.append(len(self.text))
        self.numbers.append(line_no)
        norm, index = normalize(piece, spaced=spaced)
        base = len(self.shown)
        self.index = self.index[:-1] + [base + i for i in index]
        self.text += norm
        self.shown += piece

    def line_at(self, offset: int) -> int:
        """Physical line number of the character at ``offset``."""
        i = bisect_right(self.starts, offset) - 1
        return self.numbers[max(i, 0)]

    def quote(self, start: int, end: int) -> str:
        """The printed text of ``text[start:end]``."""
        if self.shown == self.text:
            return self.text[start:end]
        n = len(self.index) - 1
        return self.shown[self.index[min(max(start, 0), n)]:self.index[min(max(end, 0), n)]]

    @property
    def first_line(self) -> int:
        return self.numbers[0] if self.numbers else 0


#: Where a new paragraph, heading or numbered item starts in text without pdftotext's
#: trailing spaces.
_ITEM_START_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.,，]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]"
    r"|\d{1,2}\s*[、.．](?!\d)|第[一二三四五六七八九十]+部分|附[:：件]|注[:：]|•"
    r"|[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[，,、])")
_PARAGRAPH_END = "。；;！!？?：:"


def trailing_space_style(lines: list[str]) -> bool:
    """Whether a text marks finished lines with a trailing space (as pdftotext does)."""
    filled = [ln for ln in lines if ln.strip()]
    if not filled:
        return False
    ended = sum(1 for ln in filled if ln[-1].isspace())
    return ended * 10 >= len(filled) * 3


def _ends_paragraph(raw: str, nxt: str | None) -> bool:
    """Plain text: does the line ``raw`` end a paragraph, given the next line?"""
    if nxt is None or not nxt.strip() or raw[-1].isspace():
        return True
    body = raw.strip()
    if body[-1] in _PARAGRAPH_END or _ITEM_START_RE.match(nxt):
        return True
    # a short numbered heading: "（二）支出决算情况", "一、单位概况"; or a title that names
    # what follows: "…2024年度“三公”经费财政拨款支出决算情况说明"
    if re.search(r"[，,。；;]", body):
        return False
    return (bool(_ITEM_START_RE.match(body)) and len(body) <= 30) or (
        len(body) <= 60 and re.search(r"(情况说明|情况|说明|概况)$", body) is not None)


def logical_lines(lines: list[str], start: int, end: int, *, table: bool = False,
                  pdf_style: bool | None = None) -> list[LogicalLine]:
    """Join wrapped physical lines ``start..end`` (0-based, end exclusive).

    pdftotext ends every finished cell or paragraph with a space; a line that
    stops on a printed character was wrapped, and continues on the next
    non-blank line. Text without that convention (web pages, hand copies) ends
    a paragraph at a blank line, at closing punctuation, before a numbered item
    and after a short heading; in its tables every line is a row. Page numbers
    on their own line (``- 1 -``; in the narrative also a bare ``12``) are skipped.
    """
    if pdf_style is None:
        pdf_style = trailing_space_style(lines)
    out: list[LogicalLine] = []
    current: LogicalLine | None = None
    kept = []
    for idx in range(start, end):
        raw = clean(lines[idx])
        if PAGE_MARK_RE.match(raw) or (not table and not pdf_style and BARE_PAGE_RE.match(raw)):
            raw = ""
        kept.append((idx, raw))
    for k, (idx, raw) in enumerate(kept):
        if not raw.strip():
            if not pdf_style and current is not None:
                out.append(current)
                current = None
            continue
        if current is None:
            current = LogicalLine()
        current.add(raw, idx + 1, spaced=not table)
        if pdf_style:
            done = raw[-1].isspace()
        else:
            nxt = kept[k + 1][1] if k + 1 < len(kept) else None
            done = table or _ends_paragraph(raw, nxt)
        if done:
            out.append(current)
            current = None
    if current is not None:
        out.append(current)
    return out


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CELL_NUMBER_RE = re.compile(rf"(?<!\S)-?(?:{NUMBER})(?!\S)")


@dataclass(frozen=True)
class Number:
    """A number as printed, parsed exactly."""

    printed: str
    value: Decimal
    decimals: int

    @property
    def ulp(self) -> Decimal:
        """The unit of the last printed digit, in the printed unit."""
        return Decimal(1).scaleb(-self.decimals)


def parse_number(printed: str) -> Number:
    """Parse ``33,534.08`` exactly (thousands separators dropped)."""
    plain = printed.replace(",", "").replace(" ", "")
    value = Decimal(plain)
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    return Number(printed=printed, value=value, decimals=decimals)


def to_wan(value: Decimal, unit: str) -> Decimal:
    """Convert an exact amount in ``unit`` (元, 万元, 亿元) to 万元."""
    from fiscal.schema import FEN_PER_UNIT, FEN_PER_WAN

    return value * FEN_PER_UNIT[unit] / FEN_PER_WAN


def plain(value: Decimal) -> str:
    """A decimal as a plain string with no exponent: ``Decimal('1E+1')`` -> ``'10'``."""
    text = format(value, "f")
    return "0" if text in ("-0", "") else text
