"""Loading a department-year folder into typed, validated frames.

``load_budget("futian-sti", 2018)`` returns a :class:`Budget`: one long frame per
table present (amounts as integers of 分 in ``amount_fen``), the narrative
claims and meta. Every file is validated against ``fiscal.schema`` and every
failure is collected before one error is raised, naming file, line and cell.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pandera.errors as pa_errors

from fiscal.config import DeptYear, Settings
from fiscal.errors import AmountError, MissingTableError, TableFileError
from fiscal.schema import (
    CLAIM_CSV_COLUMNS,
    FEN_PER_WAN,
    META_REQUIRED,
    TABLE_CSV_COLUMNS,
    TABLES,
    ClaimFrame,
    TableFrame,
)

_DECIMAL_RE = r"^-?\d+(?:\.\d+)?$"
MAX_ERRORS_SHOWN = 5


@dataclass
class Budget:
    """One department-year: its tables (long form), claims and meta."""

    dept_year: DeptYear
    meta: dict
    tables: dict[str, pd.DataFrame]
    claims: pd.DataFrame
    folder: Path
    _cells: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def department(self) -> str:
        return self.meta["department"]

    @property
    def year(self) -> int:
        return self.dept_year.year

    @property
    def kind(self) -> str:
        return self.dept_year.kind

    @property
    def cells(self) -> pd.DataFrame:
        """Every table's cells in one long frame."""
        if self._cells is None:
            frames = [f for f in self.tables.values() if len(f)]
            self._cells = (pd.concat(frames, ignore_index=True) if frames
                           else empty_table_frame())
        return self._cells

    def table(self, table_id: str) -> pd.DataFrame:
        """The long frame of one table (empty when the source does not have it)."""
        return self.tables.get(table_id, empty_table_frame())

    def wide(self, table_id: str) -> pd.DataFrame:
        """A table as people read it: one row per printed row, amounts in 万元 (Decimal)."""
        df = self.table(table_id)
        if df.empty:
            return pd.DataFrame()
        df = df[df["amount_fen"].notna()].copy()
        df["万元"] = [fen_to_wan(v) for v in df["amount_fen"]]
        wide = df.pivot_table(index=["row", "side", "code", "label"], columns="column",
                              values="万元", aggfunc="first")
        order = [c for c in TABLES[table_id].columns if c in wide.columns]
        wide = wide[order].reset_index().drop(columns="row")
        if not (wide["side"] != "").any():
            wide = wide.drop(columns="side")
        return wide

    def value(self, table_id: str, item: str, column: str | None = None,
              side: str = "") -> Decimal | None:
        """The amount in 万元 of a cell found by code or row name (None when empty)."""
        df = self.table(table_id)
        hit = df[((df["code"] == item) | (df["name"] == item) | (df["label"] == item))
                 & (df["side"] == side if side else True)]
        if column is not None:
            hit = hit[hit["column"] == column]
        hit = hit[hit["amount_fen"].notna()]
        if hit.empty:
            return None
        return fen_to_wan(hit["amount_fen"].iloc[0])


def fen_to_wan(fen: int) -> Decimal:
    """分 to 万元, exactly."""
    return Decimal(int(fen)) / FEN_PER_WAN


def empty_table_frame() -> pd.DataFrame:
    """An empty frame with the columns of a loaded table."""
    cols = ["department", "year", "kind", "table", *TABLE_CSV_COLUMNS]
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    df = df.drop(columns=["amount_wan", "ulp_wan"])
    return df.assign(amount_fen=pd.Series(dtype="Int64"), ulp_fen=pd.Series(dtype="Int64"))


def wan_to_fen(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Exact decimal strings in 万元 to nullable integers of 分; also a mask of bad cells."""
    s = values.fillna("").astype(str).str.strip()
    empty = s == ""
    ok = s.str.match(_DECIMAL_RE)
    frac = s.str.extract(r"\.(\d+)$")[0].fillna("")
    too_fine = frac.str.len() > 6
    bad = ~empty & (~ok | too_fine)
    good = ~empty & ~bad
    result = pd.Series(pd.NA, index=s.index, dtype="Int64")
    if good.any():
        g = s[good]
        neg = g.str.startswith("-")
        g = g.str.lstrip("-")
        whole = g.str.split(".").str[0].astype("int64")
        part = frac[good].str.ljust(6, "0").replace("", "0").astype("int64")
        fen = whole * FEN_PER_WAN + part
        result[good] = fen.where(~neg, -fen).astype("Int64")
    return result, bad


def _read_csv(path: Path, columns: tuple[str, ...], problems: list[str]) -> pd.DataFrame | None:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(f"{path}: not UTF-8 — save it as UTF-8")
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(f"{path}: not a CSV file ({str(exc).splitlines()[0]}) — regenerate it"
                        " with `fiscal extract`")
        return None
    missing = [c for c in columns if c not in df.columns]
    extra = [c for c in df.columns if c not in columns]
    if missing or extra:
        what = []
        if missing:
            what.append("missing column(s) " + ", ".join(missing))
        if extra:
            what.append("unknown column(s) " + ", ".join(extra))
        problems.append(f"{path}: {'; '.join(what)} — the columns are {', '.join(columns)}")
        return None
    return df


def _ints(df: pd.DataFrame, col: str, path: Path, problems: list[str]) -> pd.Series:
    num = pd.to_numeric(df[col], errors="coerce")
    for idx in df.index[num.isna()][:MAX_ERRORS_SHOWN]:
        problems.append(f"{path}, line {idx + 2}, column {col}: '{df.at[idx, col]}' is not a"
                        " whole number — fix the cell")
    return num.fillna(0).astype("int64")


def _load_table(path: Path, table_id: str, dy: DeptYear, department: str,
                problems: list[str]) -> pd.DataFrame | None:
    df = _read_csv(path, TABLE_CSV_COLUMNS, problems)
    if df is None:
        return None
    amount, bad_a = wan_to_fen(df["amount_wan"])
    ulp, bad_u = wan_to_fen(df["ulp_wan"])
    for idx in df.index[bad_a][:MAX_ERRORS_SHOWN]:
        problems.append(f"{path}, line {idx + 2}, column amount_wan: '{df.at[idx, 'amount_wan']}'"
                        f" is not a number (row '{df.at[idx, 'label']}') — write the amount in"
                        " 万元 with at most 6 decimals, or leave the cell empty")
    for idx in df.index[bad_u][:MAX_ERRORS_SHOWN]:
        problems.append(f"{path}, line {idx + 2}, column ulp_wan: '{df.at[idx, 'ulp_wan']}' is"
                        " not a number — write the unit of the last printed digit in 万元")
    out = pd.DataFrame({
        "department": department, "year": dy.year, "kind": dy.kind, "table": table_id,
        "row": _ints(df, "row", path, problems), "side": df["side"], "code": df["code"],
        "label": df["label"], "name": df["name"],
        "level": _ints(df, "level", path, problems), "column": df["column"],
        "printed": df["printed"], "amount_fen": amount, "ulp_fen": ulp, "text": df["text"],
        "source_line": _ints(df, "source_line", path, problems),
    })
    out.attrs["path"] = str(path)
    return out


def _validate(df: pd.DataFrame, model, path: Path, problems: list[str]) -> None:
    try:
        model.validate(df, lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for _, case in cases.head(MAX_ERRORS_SHOWN).iterrows():
            idx = case.get("index")
            line = f", line {int(idx) + 2}" if pd.notna(idx) else ""
            col = case.get("column")
            problems.append(f"{path}{line}, column {col}: '{case.get('failure_case')}' breaks"
                            f" {case.get('check')} — fix the cell or re-run `fiscal extract`")
        if len(cases) > MAX_ERRORS_SHOWN:
            problems.append(f"{path}: {len(cases) - MAX_ERRORS_SHOWN} more failure(s)")


def _load_claims(path: Path, dy: DeptYear, department: str,
                 problems: list[str]) -> pd.DataFrame:
    df = _read_csv(path, CLAIM_CSV_COLUMNS, problems)
    if df is None:
        return pd.DataFrame()
    for col in ("value", "ulp"):
        bad = ~df[col].str.match(_DECIMAL_RE)
        for idx in df.index[bad][:MAX_ERRORS_SHOWN]:
            problems.append(f"{path}, line {idx + 2}, column {col}: '{df.at[idx, col]}' is not a"
                            f" number (claim {df.at[idx, 'claim']}) — fix the cell")
        df.loc[bad, col] = "0"
    out = df.rename(columns={"year": "claim_year"})
    out.insert(0, "kind", dy.kind)
    out.insert(0, "year", dy.year)
    out.insert(0, "department", department)
    out["claim_year"] = _ints(df, "year", path, problems)
    out["source_line"] = _ints(df, "source_line", path, problems)
    out["value"] = [Decimal(v) for v in out["value"]]
    out["ulp"] = [Decimal(v) for v in out["ulp"]]
    return out


def load_folder(folder: Path, dy: DeptYear | None = None) -> Budget:
    """Load a department-year folder (any path), validating every file."""
    folder = Path(folder)
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MissingTableError("meta.json is missing: this is not a department-year folder",
                                path=folder, fix="run `fiscal extract SOURCE` to create it") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TableFileError(f"meta.json is not valid JSON ({exc})", path=meta_path,
                             fix="restore it or re-run `fiscal extract`") from None
    missing_keys = [k for k in META_REQUIRED if k not in meta]
    if missing_keys:
        raise TableFileError(f"meta.json lacks {', '.join(missing_keys)}", path=meta_path,
                             fix="re-run `fiscal extract` on the source")
    if dy is None:
        dy = DeptYear(meta["slug"], int(meta["year"]), meta["kind"])
    problems: list[str] = []
    frames: dict[str, pd.DataFrame] = {}
    for table_id, info in sorted(meta["tables"].items()):
        if table_id not in TABLES:
            problems.append(f"{meta_path}: table id '{table_id}' is not a standard table"
                            f" (t01–t13) — fix meta.json")
            continue
        path = folder / info.get("file", f"{table_id}.csv")
        if not path.is_file():
            raise MissingTableError(
                f"table {table_id} ({info.get('title', '')}) is listed in meta.json but its"
                f" file {path.name} is missing", path=folder,
                fix=f"restore {path.name} or re-run `fiscal extract` on the source")
        df = _load_table(path, table_id, dy, meta["department"], problems)
        if df is not None:
            _validate(df, TableFrame, path, problems)
            frames[table_id] = df
    claims_path = folder / meta.get("claims", {}).get("file", "claims.csv")
    claims = pd.DataFrame()
    if claims_path.is_file():
        claims = _load_claims(claims_path, dy, meta["department"], problems)
        if not claims.empty:
            _validate(claims, ClaimFrame, claims_path, problems)
    if problems:
        shown = problems[:MAX_ERRORS_SHOWN]
        more = len(problems) - len(shown)
        tail = f" (and {more} more)" if more else ""
        first = problems[0]
        if first.count(": ") and "is not a number" in first:
            raise AmountError("; ".join(shown) + tail)
        raise TableFileError("; ".join(shown) + tail)
    return Budget(dept_year=dy, meta=meta, tables=frames, claims=claims, folder=folder)


def load_budget(slug: str, year: int, kind: str = "budget",
                settings: Settings | None = None) -> Budget:
    """Load one department-year from the data folder.

    Args:
        slug: the department's slug, e.g. ``"futian-sti"``.
        year: the year of the budget or final account.
        kind: ``"budget"`` (预算, default) or ``"final"`` (决算).
        settings: where the data folder is; ``Settings.from_env()`` by default.

    Returns:
        The department-year's tables, claims and meta, validated.
    """
    settings = settings or Settings.from_env()
    dy = DeptYear(slug, int(year), kind)
    return load_folder(settings.existing_dept_year_dir(dy), dy)
