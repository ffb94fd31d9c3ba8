"""Text lines and ruled tables from a PDF page's characters and ruling, in pure Python.

The page geometry comes from :mod:`fiscal.extract.pdf` (PDFium); this module turns it
into what the readers use, by the rules pdfplumber documents (its defaults: tolerance 3
points everywhere), so the same page gives the same lines and tables as pdfplumber did:

- characters are clustered into lines by their top (3 pt, chained), ordered left to
  right, and split into words at whitespace or at a gap of more than 3 pt; a line is its
  words joined by one space;
- ruling (stroked lines and the edges of filled rectangles, ≥ 1 pt) is snapped (3 pt),
  joined (3 pt) and kept where ≥ 3 pt long; cells are the smallest rectangles whose four
  corners are intersections joined by ruling; cells sharing corners form a table;
- a table's rows are its cells grouped by top, aligned on the distinct left edges (a
  merged cell covers the columns after it, which are ``None``); a cell's text is that of
  the characters whose centre lies inside it, lines joined by ``\\n``.

Coordinates are PDF points from the top-left corner: ``(x0, top, x1, bottom)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

TOLERANCE = 3.0
#: Ruling shorter than this is dropped before snapping (the ends of a thin filled rectangle).
MIN_EDGE_PREFILTER = 1.0
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}

Box = tuple[float, float, float, float]


@dataclass(slots=True)
class Char:
    """One character: its text and box; ``upright`` for horizontal writing."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    upright: bool = True


@dataclass(slots=True)
class Word:
    """Characters run together on one line."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class Grid:
    """A ruled table: its box, its rows' boxes and its cells' boxes and texts by row."""

    bbox: Box
    row_boxes: list[Box]
    boxes: list[list[Box | None]]
    rows: list[list[str | None]]


# ---------------------------------------------------------------------------
# Clustering
# ---------------------------------------------------------------------------

def _cluster_ids(values, tolerance: float = TOLERANCE) -> dict[float, int]:
    """Cluster index of each distinct value: sorted, a new cluster after a gap > tolerance."""
    ids: dict[float, int] = {}
    last = None
    k = -1
    for v in sorted(set(values)):
        if last is None or v > last + tolerance:
            k += 1
        ids[v] = k
        last = v
    return ids


def _cluster(objs: list, key, tolerance: float = TOLERANCE, keep_order: bool = False
             ) -> list[list]:
    """Objects grouped by clustered ``key``: by cluster, or (``keep_order``) by runs."""
    if not objs:
        return []
    ids = _cluster_ids((key(o) for o in objs), tolerance)
    tagged = [(ids[key(o)], o) for o in objs]
    if not keep_order:
        tagged.sort(key=lambda t: t[0])
    out: list[list] = []
    last = None
    for k, o in tagged:
        if k != last:
            out.append([])
            last = k
        out[-1].append(o)
    return out


# ---------------------------------------------------------------------------
# Words and lines
# ---------------------------------------------------------------------------

def _words(chars: list[Char]) -> list[Word]:
    """Words in reading order: lines by top, characters by x0, split at spaces and gaps."""
    out: list[Word] = []
    start = 0
    for i in range(1, len(chars) + 1):  # runs of the same writing direction
        if i < len(chars) and chars[i].upright == chars[start].upright:
            continue
        for line in _cluster(chars[start:i], lambda c: c.top):
            line.sort(key=lambda c: c.x0)
            cur: list[Char] = []
            for c in line:
                if c.text.isspace():
                    if cur:
                        out.append(_merge(cur))
                    cur = []
                    continue
                if cur:
                    p = cur[-1]
                    if c.x0 < p.x0 or c.x0 > p.x1 + TOLERANCE or abs(c.top - p.top) > TOLERANCE:
                        out.append(_merge(cur))
                        cur = []
                cur.append(c)
            if cur:
                out.append(_merge(cur))
        start = i
    return out


def _merge(chars: list[Char]) -> Word:
    return Word("".join(LIGATURES.get(c.text, c.text) for c in chars),
                min(c.x0 for c in chars), max(c.x1 for c in chars),
                min(c.top for c in chars), max(c.bottom for c in chars))


def text_lines(chars: list[Char]) -> list[tuple[str, float, float]]:
    """The page's text lines, top to bottom: ``(text, top, bottom)``."""
    out = []
    for line in _cluster(_words(chars), lambda w: w.top, keep_order=True):
        out.append((" ".join(w.text for w in line), min(w.top for w in line),
                    max(w.bottom for w in line)))
    return out


def block_text(chars: list[Char]) -> str:
    """The text of some characters (a cell): lines by top joined by ``\\n``."""
    if not chars:
        return ""
    lines = _cluster(_words(chars), lambda w: w.top)
    return "\n".join(" ".join(w.text for w in line) for line in lines)


# ---------------------------------------------------------------------------
# Ruling to tables
# ---------------------------------------------------------------------------

def _snap(edges: list[list], tolerance: float) -> None:
    """Move edges whose positions (index 0) lie within tolerance to their mean, in place."""
    for group in _cluster(edges, lambda e: e[0], tolerance):
        mean = sum(e[0] for e in group) / len(group)
        for e in group:
            e[0] = mean


def _join(edges: list[list], tolerance: float) -> list[tuple[float, float, float]]:
    """Collinear edges ``[pos, start, end]`` that touch or overlap joined into one."""
    out: list[tuple[float, float, float]] = []
    by_pos: dict[float, list[list]] = defaultdict(list)
    for e in edges:
        by_pos[e[0]].append(e)
    for pos in sorted(by_pos):
        group = sorted(by_pos[pos], key=lambda e: e[1])
        cur = list(group[0])
        for e in group[1:]:
            if e[1] <= cur[2] + tolerance:
                cur[2] = max(cur[2], e[2])
            else:
                out.append(tuple(cur))
                cur = list(e)
        out.append(tuple(cur))
    return out


def merge_ruling(horizontal: list[tuple[float, float, float]],
                 vertical: list[tuple[float, float, float]]
                 ) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Ruling snapped, joined and filtered: ``(y, x0, x1)`` and ``(x, top, bottom)`` edges."""
    h = [[p, a, b] for p, a, b in horizontal if b - a >= MIN_EDGE_PREFILTER]
    v = [[p, a, b] for p, a, b in vertical if b - a >= MIN_EDGE_PREFILTER]
    _snap(h, TOLERANCE)
    _snap(v, TOLERANCE)
    return ([e for e in _join(h, TOLERANCE) if e[2] - e[1] >= TOLERANCE],
            [e for e in _join(v, TOLERANCE) if e[2] - e[1] >= TOLERANCE])


def _cells(h_edges, v_edges) -> list[Box]:
    t = TOLERANCE
    hits: dict[tuple[float, float], tuple[set, set]] = {}
    for v in sorted(v_edges):
        x, vt, vb = v
        for h in sorted(h_edges):
            y, hx0, hx1 = h
            if vt <= y + t and vb >= y - t and hx0 - t <= x <= hx1 + t:
                vs, hs = hits.setdefault((x, y), (set(), set()))
                vs.add(v)
                hs.add(h)
    by_x: dict[float, list[tuple[float, float]]] = defaultdict(list)
    by_y: dict[float, list[tuple[float, float]]] = defaultdict(list)
    for pt in sorted(hits):
        by_x[pt[0]].append(pt)
        by_y[pt[1]].append(pt)

    def v_joined(a, b) -> bool:
        return not hits[a][0].isdisjoint(hits[b][0])

    def h_joined(a, b) -> bool:
        return not hits[a][1].isdisjoint(hits[b][1])

    cells = []
    for pt in sorted(hits):
        x, y = pt
        below = [p for p in by_x[x] if p[1] > y]
        right = [p for p in by_y[y] if p[0] > x]
        found = None
        for b in below:
            if not v_joined(pt, b):
                continue
            for r in right:
                if not h_joined(pt, r):
                    continue
                corner = (r[0], b[1])
                if corner in hits and v_joined(corner, r) and h_joined(corner, b):
                    found = (x, y, corner[0], corner[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


def _tables(cells: list[Box]) -> list[list[Box]]:
    """Cells grouped into tables by shared corners, top to bottom, single cells dropped."""
    remaining = list(cells)
    tables: list[list[Box]] = []
    corners: set[tuple[float, float]] = set()
    current: list[Box] = []
    while remaining:
        before = len(current)
        for cell in list(remaining):
            x0, top, x1, bottom = cell
            cc = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or any(c in corners for c in cc):
                corners.update(cc)
                current.append(cell)
                remaining.remove(cell)
        if len(current) == before:
            tables.append(current)
            corners = set()
            current = []
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def _inside(c: Char, box: Box) -> bool:
    h = (c.x0 + c.x1) / 2
    v = (c.top + c.bottom) / 2
    return box[0] <= h < box[2] and box[1] <= v < box[3]


def find_tables(h_edges, v_edges, chars: list[Char]) -> list[Grid]:
    """The ruled tables of a page with their cells' texts (edges as from :func:`merge_ruling`)."""
    out = []
    for cells in _tables(_cells(h_edges, v_edges)):
        xs = sorted({c[0] for c in cells})
        by_top: dict[float, dict[float, Box]] = defaultdict(dict)
        for c in sorted(cells, key=lambda c: (c[1], c[0])):
            by_top[c[1]][c[0]] = c
        boxes: list[list[Box | None]] = []
        row_boxes: list[Box] = []
        rows: list[list[str | None]] = []
        for top in sorted(by_top):
            row = [by_top[top].get(x) for x in xs]
            real = [b for b in row if b is not None]
            rb = (min(b[0] for b in real), min(b[1] for b in real),
                  max(b[2] for b in real), max(b[3] for b in real))
            row_chars = [c for c in chars if _inside(c, rb)]
            rows.append([None if b is None else block_text([c for c in row_chars
                                                              if _inside(c, b)])
                         for b in row])
            boxes.append(row)
            row_boxes.append(rb)
        bbox = (min(c[0] for c in cells), min(c[1] for c in cells),
                max(c[2] for c in cells), max(c[3] for c in cells))
        out.append(Grid(bbox, row_boxes, boxes, rows))
    return out
