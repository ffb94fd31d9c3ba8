"""A reviewer's verdicts on findings: ``review.csv`` in a department-year folder.

One line per finding id: ``id, verdict, note, who, date`` (verdict ``confirmed``,
``not-a-problem`` or ``fixed-in-source``; date ``YYYY-MM-DD``). The file is written by
hand or by ``fiscal review``, read and validated with the folder (``fiscal.load``), and
never written by ``fiscal extract``. A verdict whose id matches no current finding is
*stale* (the source was corrected, or the finding went away): a warning, not an error.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from fiscal.errors import ReviewFileError
from fiscal.ids import ID_RE
from fiscal.schema import REVIEW_COLUMNS, REVIEW_FILE, VERDICTS

#: Columns of a verdicts frame: the file's, and the line each verdict is on.
VERDICT_COLUMNS = [*REVIEW_COLUMNS, "line"]

_FIX = (f"write one line per finding: {','.join(REVIEW_COLUMNS)} with verdict one of "
        f"{', '.join(VERDICTS)} and date YYYY-MM-DD (or use `fiscal review`)")


@dataclass(frozen=True)
class Verdict:
    """One reviewer's verdict on one finding."""

    id: str
    verdict: str
    note: str = ""
    who: str = ""
    date: str = ""

    def row(self) -> dict[str, str]:
        return {c: getattr(self, c) for c in REVIEW_COLUMNS}


def empty() -> pd.DataFrame:
    """A verdicts frame with no row."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in VERDICT_COLUMNS})


def read(path: Path) -> pd.DataFrame:
    """The verdicts of a ``review.csv``, validated.

    Raises:
        ReviewFileError: naming the file and line of the first bad line and how to fix it.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReviewFileError("not UTF-8", path=path, fix="save it as UTF-8") from None
    return parse(text, path)


def parse(text: str, path: Path | str = REVIEW_FILE) -> pd.DataFrame:
    """Verdicts from the text of a ``review.csv`` (``path`` names it in errors)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return empty()
    header = [h.strip() for h in rows[0]]
    if header != list(REVIEW_COLUMNS):
        raise ReviewFileError(f"the header is {','.join(header) or '(empty)'}",
                              path=path, where="line 1",
                              fix=f"the first line must be {','.join(REVIEW_COLUMNS)}")
    out, seen = [], {}
    for n, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(REVIEW_COLUMNS):
            raise ReviewFileError(f"{len(cells)} cells where {len(REVIEW_COLUMNS)} are expected"
                                  " (a note with a comma needs double quotes)",
                                  path=path, where=f"line {n}", fix=_FIX)
        v = dict(zip(REVIEW_COLUMNS, (c.strip() for c in cells), strict=True))
        problem = _problem(v)
        if problem:
            raise ReviewFileError(problem, path=path, where=f"line {n}", fix=_FIX)
        if v["id"] in seen:
            raise ReviewFileError(f"finding {v['id']} already has a verdict on line"
                                  f" {seen[v['id']]}", path=path, where=f"line {n}",
                                  fix="keep one line per finding id")
        seen[v["id"]] = n
        out.append({**v, "line": n})
    return pd.DataFrame(out, columns=VERDICT_COLUMNS) if out else empty()


def _problem(v: dict[str, str]) -> str:
    if not ID_RE.match(v["id"]):
        return (f"'{v['id']}' is not a finding id (rule-xxxxxxxx, as `fiscal check` shows"
                " it)")
    if v["verdict"] not in VERDICTS:
        return f"verdict '{v['verdict']}' is not one of {', '.join(VERDICTS)}"
    try:
        date.fromisoformat(v["date"])
    except ValueError:
        return f"date '{v['date']}' is not a date YYYY-MM-DD"
    if len(v["date"]) != 10:
        return f"date '{v['date']}' is not a date YYYY-MM-DD"
    return ""


def apply(found: pd.DataFrame, verdicts: dict[str, pd.DataFrame]
          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Findings with their verdicts, and the stale verdicts.

    Args:
        found: findings with ``key`` and ``id`` (``fiscal.checks.run_rules``).
        verdicts: the verdicts frame of each department-year key that has one.

    Returns:
        ``(found, stale)``: ``found`` with ``verdict`` and ``note`` (empty where none), and
        the verdicts (with their ``key``) whose id matches no finding of their key.
    """
    frames = [v.assign(key=k) for k, v in sorted(verdicts.items()) if len(v)]
    allv = pd.concat(frames, ignore_index=True) if frames else empty().assign(key="")
    cols = ["key", "id", "verdict", "note"]
    base = found.drop(columns=["verdict", "note"], errors="ignore")
    if base.empty:
        out = base.assign(verdict=pd.Series(dtype=object), note=pd.Series(dtype=object))
        return out, allv
    out = base.merge(allv[cols], on=["key", "id"], how="left")
    out["verdict"] = out["verdict"].fillna("")
    out["note"] = out["note"].fillna("")
    out.index = base.index
    hit = allv.merge(base[["key", "id"]].drop_duplicates(), on=["key", "id"], how="left",
                     indicator=True)
    stale = allv[(hit["_merge"] == "left_only").to_numpy()]
    return out, stale.reset_index(drop=True)


def failing(found: pd.DataFrame, fail_on: str = "error") -> pd.DataFrame:
    """The findings that make ``fiscal check`` exit 1.

    ``fail_on="error"``: error-level findings; ``"review"``: error- and review-level ones.
    A finding a reviewer marked ``not-a-problem`` never fails; ``confirmed`` and
    ``fixed-in-source`` ones still do while the finding is there.
    """
    if found.empty:
        return found
    levels = {"error": ("error",), "review": ("error", "review")}[fail_on]
    dismissed = (found["verdict"] == "not-a-problem") if "verdict" in found else False
    return found[found["severity"].isin(levels) & ~dismissed]


def record(folder: Path, verdict: Verdict) -> Path:
    """Add or replace the verdict on one finding in ``folder/review.csv``, atomically.

    Other lines keep their order and text; a new finding's line goes at the end.
    """
    path = Path(folder) / REVIEW_FILE
    problem = _problem(verdict.row())
    if problem:
        raise ReviewFileError(problem, path=path, fix=_FIX)
    rows = read(path) if path.is_file() else empty()
    new = verdict.row()
    lines = [new if r["id"] == verdict.id else {c: r[c] for c in REVIEW_COLUMNS}
             for _, r in rows.iterrows()]
    if verdict.id not in set(rows["id"]):
        lines.append(new)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(REVIEW_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    fd, tmp = tempfile.mkstemp(prefix=".review.", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
