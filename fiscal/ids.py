"""Finding ids: a name for each finding that survives re-extraction and corrections.

A finding's id is built from what it is about, never from line numbers or the order
findings come in: the department-year, the rule, the table, the item (code, row name or
claim subject), the fields of the compared figures that say which figure each one is
(side and column of a cell; year, basis and role of a stated figure: how claims identify a
figure) and the message with every figure in it blanked (it names the columns and roles a
rule compares, e.g. ``t01 人员经费 ≠ t06 人员经费``). A corrected figure therefore changes
no id: a finding about it keeps its id (with new figures) or disappears, and every other
finding keeps its own. Ids look like ``row_total-3f9a0c1d``: the rule, then 8 hex digits of
a SHA-256 of those parts.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd

#: Fields of a compared row that tell one figure of an item from another, where a rule's
#: frame has them: a cell's side and column; a stated figure's year, basis and role.
ABOUT_FIELDS = ("side", "column", "claim_year", "basis", "role")

#: A figure in a message: a number not glued to letters or digits (``t01`` and ``c012``
#: stay), with its sign, thousands separators and decimals.
_FIGURE = re.compile(r"(?<![A-Za-z0-9_.])[-−+]?\d[\d,]*(?:\.\d+)?")

ID_RE = re.compile(r"^[a-z_]+-[0-9a-f]{8}(?:-\d+)?$")


def about(rows: pd.DataFrame | pd.Series | dict) -> pd.Series | str:
    """What identifies the figures a finding compares, from the rule's compared rows.

    Args:
        rows: the frame a rule compared (one row per finding), or one such row.

    Returns:
        ``"column=basic|side=支出"``-like text (a Series for a frame): the
        ``ABOUT_FIELDS`` the rows have, non-empty ones only.
    """
    if isinstance(rows, pd.DataFrame):
        have = [f for f in ABOUT_FIELDS if f in rows.columns]
        if not have:
            return pd.Series("", index=rows.index, dtype=object)
        return pd.Series(["|".join(f"{f}={v}" for f, v in zip(have, vals, strict=True)
                                   if _filled(v))
                          for vals in zip(*[rows[f].to_numpy() for f in have], strict=True)],
                         index=rows.index, dtype=object)
    get = rows.get
    return "|".join(f"{f}={get(f)}" for f in ABOUT_FIELDS if _filled(get(f)))


def _filled(v) -> bool:
    return v is not None and not (isinstance(v, float) and pd.isna(v)) and str(v) != ""


def skeleton(message: str) -> str:
    """A finding's message with every figure blanked: what it says, not the numbers."""
    return _FIGURE.sub("#", str(message))


def finding_ids(found: pd.DataFrame) -> pd.Series:
    """The id of every finding of a findings frame (``key``, ``rule``, ``table``, ``item``,
    ``message`` and, where the rules gave it, ``about``).

    Two findings that are about the very same thing (the same figure stated twice, say)
    are told apart by a suffix ``-2``, ``-3`` … in order of their source line.
    """
    if found.empty:
        return pd.Series(dtype=object, index=found.index)
    what = found["about"] if "about" in found else pd.Series("", index=found.index)
    cols = [found[c].tolist() for c in ("key", "rule", "table", "item")]
    blank = {m: skeleton(m) for m in set(found["message"].tolist())}
    base = []
    for key, rule, table, item, ab, msg in zip(*cols, what.fillna("").tolist(),
                                               found["message"].tolist(), strict=True):
        text = "\x1f".join(str(x) for x in (key, rule, table, item, ab, blank[msg]))
        base.append(f"{rule}-{hashlib.sha256(text.encode()).hexdigest()[:8]}")
    ids = pd.Series(base, index=found.index, dtype=object)
    dup = ids.duplicated(keep=False)
    if dup.any():
        order = found.loc[dup, "source_line"].fillna(0).astype(int)
        ranked = (found.loc[dup].assign(_id=ids[dup], _line=order)
                  .sort_values(["_id", "_line"], kind="stable"))
        n = ranked.groupby("_id").cumcount() + 1
        ids[ranked.index] = [i if k == 1 else f"{i}-{k}" for i, k in
                             zip(ranked["_id"], n, strict=True)]
    return ids


def with_ids(found: pd.DataFrame) -> pd.DataFrame:
    """The findings frame with its ``id`` column (computed where it is missing)."""
    if "id" in found.columns:
        return found
    return found.assign(id=finding_ids(found) if not found.empty
                        else pd.Series(dtype=object))
