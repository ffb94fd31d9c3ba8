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

from fiscal.errors import DecodeError

_ENCODINGS = ("utf-8", "gb18030")
_FULLWIDTH = {**{ord("０") + i: ord("0") + i for i in range(10)},
              ord("．"): ".", ord("％"): "%", ord("\u3000"): " ", ord("\xa0"): " ",
              ord("－"): "-", ord("﹣"): "-", ord("\ufeff"): None}
_CJK = re.compile(r"[\u4e00-\u9fff]")


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


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a disclosure's bytes; return ``(text, encoding)``."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        if b"\x00" in data:
            raise DecodeError("the file holds NUL bytes: it is binary, not a text disclosure",
                              path=path, fix="give the text (or PDF) of the disclosure")
        candidates = _ENCODINGS
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return text.replace("\r\n", "\n").replace("\r", "\n"), enc
    raise DecodeError("the bytes decode as neither UTF-8 nor GBK/GB18030 nor UTF-16",
                      path=path, fix="save the file as UTF-8 (or GBK) text")


def read_source(path: Path) -> Source:
    """Read a disclosure text file."""
    data = path.read_bytes()
    text, encoding = decode(data, path)
    return Source(path=path, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding,
                  text=text)


def clean(line: str) -> str:
    """Half-width digits and number punctuation; same length is not kept."""
    line = line.translate(_FULLWIDTH)
    return re.sub(r"(?<=\d)，(?=\d{3}(?!\d))", ",", line)


def cjk_count(text: str) -> int:
    """How many CJK ideographs a text holds."""
    return len(_CJK.findall(text))


# ---------------------------------------------------------------------------
# Logical lines
# ---------------------------------------------------------------------------

@dataclass
class LogicalLine:
    """Physical lines joined where the PDF wrapped them, with a map back to line numbers."""

    text: str = ""
    starts: list[int] = field(default_factory=list)   # offsets in text where a piece starts
    numbers: list[int] = field(default_factory=list)  # physical line number of each piece

    def add(self, piece: str, line_no: int) -> None:
        self.starts.append(len(self.text))
        self.numbers.append(line_no)
        self.text += piece

    def line_at(self, offset: int) -> int:
        """Physical line number of the character at ``offset``."""
        i = bisect_right(self.starts, offset) - 1
        return self.numbers[max(i, 0)]

    @property
    def first_line(self) -> int:
        return self.numbers[0] if self.numbers else 0


def logical_lines(lines: list[str], start: int, end: int) -> list[LogicalLine]:
    """Join wrapped physical lines ``start..end`` (0-based, end exclusive).

    pdftotext ends every finished cell or paragraph with a space; a line that
    stops on a printed character was wrapped, and continues on the next
    non-blank line.
    """
    out: list[LogicalLine] = []
    current: LogicalLine | None = None
    for idx in range(start, end):
        raw = clean(lines[idx])
        if not raw.strip():
            continue
        if current is None:
            current = LogicalLine()
        current.add(raw, idx + 1)
        if raw[-1].isspace():
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
