"""What changed since an earlier run: findings new, gone and unchanged, by id.

``fiscal check --since FILE.json`` reads an earlier ``fiscal check --format json`` output
(its findings carry ids, ``fiscal.ids``) and compares, for the department-years checked
now, the findings of this run with those of that one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fiscal.errors import FiscalError

#: What a finding is, compared with the earlier run.
SINCE = ("new", "unchanged", "gone")


def _key(department: str, year: int, kind: str) -> str:
    return f"{department}/{year}" + ("-final" if kind == "final" else "")


def read(path: Path) -> pd.DataFrame:
    """The findings of an earlier JSON output, with their ``key`` (a ``gone`` entry of an
    output that was itself written with ``--since`` is not a finding of that run): the
    object ``{"version", "findings", "coverage"}`` or, as fiscal wrote before, a bare list.

    Raises:
        FiscalError: the file is missing, not such JSON, or its findings have no ``id``.
    """
    path = Path(path)
    fix = "give the output of `fiscal check … --format json` (fiscal 0.1 with finding ids)"
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FiscalError("no such file", path=path, fix=fix) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FiscalError(f"not JSON ({exc})", path=path, fix=fix) from None
    if isinstance(items, dict) and "findings" in items:  # version 2: {version, findings, …}
        items = items["findings"]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FiscalError("not a list of findings", path=path, fix=fix)
    need = ("department", "year", "kind", "rule")
    for n, item in enumerate(items, start=1):
        if "id" not in item:
            raise FiscalError(f"finding {n} has no id: the file was written before findings"
                              " had ids", path=path,
                              fix="run `fiscal check --format json` again to get a baseline"
                                  " with ids")
        if any(k not in item for k in need):
            raise FiscalError(f"finding {n} lacks {', '.join(k for k in need if k not in item)}",
                              path=path, fix=fix)
    rows = [{**i, "key": _key(i["department"], int(i["year"]), i["kind"])} for i in items
            if i.get("since") != "gone"]
    return pd.DataFrame(rows, columns=list(dict.fromkeys(
        ["key", "id", *need, "severity", "table", "item", "message",
         *(k for r in rows for k in r)])))


def compare(found: pd.DataFrame, before: pd.DataFrame, keys: list[str]
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """This run's findings with ``since`` (``new`` / ``unchanged``), and the ``gone`` ones.

    Args:
        found: this run's findings (``key``, ``id``).
        before: an earlier run's findings (:func:`read`).
        keys: the department-years checked now; earlier findings of others are ignored.

    Returns:
        ``(found, gone)``: ``gone`` holds the earlier findings of ``keys`` whose id this
        run does not have, as the earlier run gave them.
    """
    before = before[before["key"].isin(keys)]
    was = set(zip(before["key"], before["id"], strict=True))
    now = set(zip(found["key"], found["id"], strict=True)) if not found.empty else set()
    since = [("unchanged" if (k, i) in was else "new")
             for k, i in zip(found["key"], found["id"], strict=True)] if not found.empty else []
    out = found.assign(since=pd.Series(since, index=found.index, dtype=object))
    gone = before[[(k, i) not in now for k, i in zip(before["key"], before["id"],
                                                      strict=True)]]
    return out, gone.assign(since="gone").reset_index(drop=True)


def counts(found: pd.DataFrame, gone: pd.DataFrame, key: str | None = None) -> dict[str, int]:
    """``{"new": n, "gone": n, "unchanged": n}``, for one department-year or all."""
    f = found if key is None else found[found["key"] == key]
    g = gone if key is None else gone[gone["key"] == key]
    return {"new": int((f["since"] == "new").sum()) if len(f) else 0, "gone": len(g),
            "unchanged": int((f["since"] == "unchanged").sum()) if len(f) else 0}
