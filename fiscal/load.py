"""Loading a department-year folder into typed, validated frames.

``load_budget("futian-sti", 2018)`` returns a :class:`Budget`: one long frame per
table present (amounts as integers of 分 in ``amount_fen``), the narrative
claims and meta. Every file is validated against ``fiscal.schema`` and every
failure is collected before one error is raised, naming file, line and cell.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from fiscal import verdicts
from fiscal.config import DeptYear, Settings
from fiscal.errors import (
    AmountError,
    FiscalError,
    MissingMetaError,
    MissingTableError,
    TableFileError,
)
from fiscal.schema import (
    CLAIM_CSV_COLUMNS,
    FEN_PER_WAN,
    FRAME_CONTRACTS,
    MAX_AMOUNT_WAN,
    META_REQUIRED,
    REVIEW_FILE,
    TABLE_CSV_COLUMNS,
    TABLES,
    Contract,
    frame_schema,
)

_DECIMAL_RE = r"^-?\d+(?:\.\d+)?$"
_DECIMAL_FULL = re.compile(_DECIMAL_RE)
MAX_ERRORS_SHOWN = 5


class Problems(list[str]):
    """The problems found while loading, each with the error class it calls for; the first
    one's class is raised (with up to ``MAX_ERRORS_SHOWN`` messages) by :meth:`raise_any`."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[type[FiscalError]] = []

    def append(self, text: str, error: type[FiscalError] = TableFileError) -> None:
        """Add a problem; ``error`` is the class it raises as (a broken file by default)."""
        super().append(text)
        self.errors.append(error)

    def raise_any(self) -> None:
        """Raise the problems found, if any, as the first one's error class."""
        if not self:
            return
        shown = self[:MAX_ERRORS_SHOWN]
        more = len(self) - len(shown)
        raise self.errors[0]("; ".join(shown) + (f" (and {more} more)" if more else ""))


@dataclass(eq=False)
class Budget:
    """One department-year: its tables (long form), claims and meta.

    Compared and hashed by identity (frames have no equality), so that a Budget can key a
    cache (``fiscal.measures``).
    """

    dept_year: DeptYear
    meta: dict
    tables: dict[str, pd.DataFrame]
    claims: pd.DataFrame
    folder: Path

    @property
    def department(self) -> str:
        return self.meta["department"]

    @property
    def year(self) -> int:
        return self.dept_year.year

    @property
    def kind(self) -> str:
        return self.dept_year.kind

    @functools.cached_property
    def cells(self) -> pd.DataFrame:
        """Every table's cells in one long frame (built on first use)."""
        frames = [f for f in self.tables.values() if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else empty_table_frame()

    def table(self, table_id: str) -> pd.DataFrame:
        """The long frame of one table (empty when the source does not have it)."""
        df = self.tables.get(table_id)
        return empty_table_frame() if df is None else df

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
    """Exact decimal strings in 万元 to nullable integers of 分; also a mask of bad cells.

    Each distinct string is converted once (panels repeat the same amounts a lot).
    """
    codes, uniques = pd.factorize(values.fillna("").astype(str).str.strip())
    fen: list[object] = []
    bad: list[bool] = []
    for text in uniques:
        if text == "":
            fen.append(pd.NA)
            bad.append(False)
            continue
        if not _DECIMAL_FULL.match(text):
            fen.append(pd.NA)
            bad.append(True)
            continue
        whole, _, frac = text.lstrip("-").partition(".")
        if len(frac) > 6:
            fen.append(pd.NA)
            bad.append(True)
            continue
        if len(whole) > len(str(MAX_AMOUNT_WAN)):  # beyond any budget (and int64)
            fen.append(pd.NA)
            bad.append(True)
            continue
        v = int(whole) * FEN_PER_WAN + int(frac.ljust(6, "0"))
        fen.append(-v if text.startswith("-") else v)
        bad.append(False)
    fen_arr = pd.array(fen + [pd.NA], dtype="Int64")
    bad_arr = np.array(bad + [False], dtype=bool)
    return (pd.Series(fen_arr.take(codes), index=values.index, dtype="Int64"),
            pd.Series(bad_arr[codes], index=values.index))


def _read_csv(path: Path, columns: tuple[str, ...], problems: Problems) -> pd.DataFrame | None:
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


def _conforms(df: pd.DataFrame, contract: Contract) -> bool:
    """Whether ``df`` meets a frame contract of ``fiscal.schema`` for certain.

    Checked without pandera, and never more leniently: a frame it does not pass for
    certain goes to pandera, which reports (or, rarely, clears) it.
    """
    if len(df.columns) != len(contract) or set(df.columns) != set(contract):
        return False
    try:
        for col, (dtype, nullable, checks) in contract.items():
            s = df[col]
            t = s.dtype
            if dtype == "str":
                ok = isinstance(t, pd.StringDtype) or (
                    t == np.dtype(object) and len(s) > 0
                    and pd.api.types.infer_dtype(s, skipna=False) == "string")
            elif dtype == "Int64":
                ok = isinstance(t, pd.Int64Dtype)
            else:
                ok = isinstance(t, np.dtype) and t == np.dtype(dtype)
            if not ok:
                return False
            if s.isna().any():
                if not nullable:
                    return False
                s = s.dropna()
            for check, *args in checks:
                if check == "in_range":
                    held = (s >= args[0]) & (s <= args[1])
                elif check == "ge":
                    held = s >= args[0]
                elif check == "isin":
                    held = s.isin(list(args[0]))
                elif check == "str_matches":
                    held = s.str.match(args[0])
                else:
                    return False
                if not bool(held.all()):
                    return False
    except Exception:  # noqa: BLE001 - anything unexpected: let pandera judge
        return False
    return True


def _validate(df: pd.DataFrame, contract: str, path: Path, problems: Problems,
              where: pd.DataFrame | None = None) -> None:
    """Validate against a frame contract (``TableFrame``, ``ClaimFrame``); name file and
    line of every failure (``where``: _file/_line by index). pandera is imported only
    for a frame that does not plainly conform."""
    if _conforms(df, FRAME_CONTRACTS[contract]):
        return
    import pandera.errors as pa_errors  # lazy: pandera, only for a frame that fails

    try:
        frame_schema(contract).validate(df, lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for _, case in cases.head(MAX_ERRORS_SHOWN).iterrows():
            idx = case.get("index")
            place = str(path)
            if pd.notna(idx) and where is not None:
                place = f"{where.at[int(idx), '_file']}, line {where.at[int(idx), '_line']}"
            elif pd.notna(idx):
                place = f"{path}, line {int(idx) + 2}"
            col = case.get("column")
            problems.append(f"{place}, column {col}: '{case.get('failure_case')}' breaks"
                            f" {case.get('check')} — fix the cell or re-run `fiscal extract`")
        if len(cases) > MAX_ERRORS_SHOWN:
            problems.append(f"{path}: {len(cases) - MAX_ERRORS_SHOWN} more failure(s)")


def _unique_claims(claims: pd.DataFrame, problems: Problems) -> None:
    dup = claims[claims.duplicated(["key", "claim"])]
    for _, r in dup.head(MAX_ERRORS_SHOWN).iterrows():
        problems.append(f"{r['_file']}, line {r['_line']}, column claim: '{r['claim']}' appears"
                        " twice — give every claim its own id")


def read_meta(folder: Path) -> dict:
    """``meta.json`` of a department-year folder, with its types checked."""
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MissingMetaError(
            "meta.json is missing: this is not a department-year folder",
            path=folder, fix="run `fiscal extract SOURCE` to create it") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TableFileError(f"meta.json is not valid JSON ({exc})", path=meta_path,
                             fix="restore it or re-run `fiscal extract`") from None
    return _checked_meta(meta, meta_path)


def _checked_meta(meta, meta_path: Path) -> dict:
    """The meta of a department-year (as read from ``meta_path``), with its types checked."""
    if not isinstance(meta, dict):
        raise TableFileError("meta.json is not a JSON object", path=meta_path,
                             fix="re-run `fiscal extract` on the source")
    missing_keys = [k for k in META_REQUIRED if k not in meta]
    if missing_keys:
        raise TableFileError(f"meta.json lacks {', '.join(missing_keys)}", path=meta_path,
                             fix="re-run `fiscal extract` on the source")
    kinds = {"slug": str, "department": str, "kind": str, "year": int, "tables": dict,
             "source_file": str, "source_sha256": str}
    for key, typ in kinds.items():
        if not isinstance(meta[key], typ) or isinstance(meta[key], bool):
            raise TableFileError(f"meta.json: '{key}' should be a {typ.__name__}, not"
                                 f" {json.dumps(meta[key], ensure_ascii=False)}",
                                 path=meta_path, fix="re-run `fiscal extract` on the source")
    if not isinstance(meta.get("claims", {}), dict):
        raise TableFileError("meta.json: 'claims' should be an object", path=meta_path,
                             fix="re-run `fiscal extract` on the source")
    for table_id, info in meta["tables"].items():
        if not isinstance(info, dict):
            raise TableFileError(f"meta.json: table '{table_id}' should be an object",
                                 path=meta_path, fix="re-run `fiscal extract` on the source")
    try:
        DeptYear(meta["slug"], meta["year"], meta["kind"])
    except FiscalError as exc:
        raise TableFileError(f"meta.json: {exc.detail}", path=meta_path,
                             fix=exc.fix or "re-run `fiscal extract` on the source") from None
    return meta


def load_folder(folder: Path, dy: DeptYear | None = None) -> Budget:
    """Load a department-year folder (any path), validating every file."""
    folder = Path(folder)
    meta = read_meta(folder)
    if dy is None:
        dy = DeptYear(meta["slug"], meta["year"], meta["kind"])
    return _budget(load_panel({dy.key: folder}), dy, folder)


def _budget(panel: Panel, dy: DeptYear, folder: Path) -> Budget:
    """The Budget of the one department-year of a panel."""
    return _budget_of(dy, panel.meta[dy.key], panel.cells, panel.claims, folder)


def _budget_of(dy: DeptYear, meta: dict, cells: pd.DataFrame, claims: pd.DataFrame,
               folder: Path) -> Budget:
    cells = cells.drop(columns=["key", "slug"])
    frames = {tid: df.reset_index(drop=True) for tid, df in cells.groupby("table", sort=True)}
    for tid in meta["tables"]:
        if tid not in frames:  # (not setdefault: an empty frame costs milliseconds)
            frames[tid] = empty_table_frame()
    claims = claims.drop(columns=["key", "slug"], errors="ignore")
    return Budget(dept_year=dy, meta=meta, tables=dict(sorted(frames.items())),
                  claims=claims.reset_index(drop=True), folder=folder)


def budgets_of(panel: Panel, folders: dict[str, Path]) -> dict[str, Budget]:
    """Every department-year of a panel loaded by :func:`load_panel` as a Budget, as
    ``load_budget`` would give it (``folders``: key -> its folder, as loaded)."""
    cells = dict(tuple(panel.cells.groupby("key", sort=False)))
    claims = (dict(tuple(panel.claims.groupby("key", sort=False))) if len(panel.claims)
              else {})
    out = {}
    for key, meta in panel.meta.items():
        dy = DeptYear(meta["slug"], meta["year"], meta["kind"])
        out[key] = _budget_of(dy, meta, cells.get(key, panel.cells.iloc[:0]),
                              claims.get(key, panel.claims.iloc[:0]), folders[key])
    return out


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


# ---------------------------------------------------------------------------
# Panels: every department-year at once, one read per table id
# ---------------------------------------------------------------------------

@dataclass(eq=False)
class Panel:
    """Many department-years in long frames: cells of every table, claims, meta.

    ``key`` (``futian-sti/2018``) identifies the department-year of each row. The frames
    are read, not changed, once derived views (``values``, ``money_claims``) are used: those
    are computed once per panel.
    """

    cells: pd.DataFrame
    claims: pd.DataFrame
    meta: dict[str, dict]

    @functools.cached_property
    def values(self) -> pd.DataFrame:
        """The cells that hold an amount."""
        return self.cells[self.cells["amount_fen"].notna()]

    @functools.cached_property
    def money_claims(self) -> pd.DataFrame:
        """The claims in 万元, with their value and ulp in 分 (``value_fen``, ``ulp_fen``)."""
        cl = self.claims
        if cl.empty:
            return cl
        m = cl[cl["unit"] == "万元"].copy()
        m["value_fen"] = per_distinct(m["value"], lambda v: int(v * FEN_PER_WAN), "int64")
        m["ulp_fen"] = per_distinct(m["ulp"], lambda u: int(u * FEN_PER_WAN), "int64")
        return m

    @classmethod
    def from_budgets(cls, budgets: list[Budget]) -> Panel:
        """A panel of department-years already loaded."""
        cells, claims, meta = [], [], {}
        for b in budgets:
            key = b.dept_year.key
            meta[key] = b.meta
            c = b.cells.copy()
            c.insert(0, "key", key)
            c.insert(1, "slug", b.dept_year.slug)
            cells.append(c)
            if not b.claims.empty:
                cl = b.claims.copy()
                cl.insert(0, "key", key)
                cl.insert(1, "slug", b.dept_year.slug)
                claims.append(cl)
        return cls(cells=_concat(cells, _empty_cells), claims=_concat(claims, pd.DataFrame),
                   meta=meta)


def per_distinct(values: pd.Series, convert: Callable[[object], object],
                  dtype: str | type = object) -> pd.Series:
    """``convert`` applied to each value, computed once per distinct value (a panel repeats
    the same few figures a lot); the values must be hashable and not missing.

    Args:
        values: the values, e.g. a column of Decimal amounts.
        convert: what to make of one value, e.g. ``lambda v: int(v * FEN_PER_WAN)``.
        dtype: the dtype of the result.
    """
    codes, uniques = pd.factorize(values)
    out = np.array([convert(u) for u in uniques], dtype=dtype)
    return pd.Series(out[codes] if len(codes) else out[:0], index=values.index, dtype=dtype)


def _one_chunk(df: pd.DataFrame) -> pd.DataFrame:
    """Arrow-backed columns of ``df`` as one contiguous chunk each: a frame concatenated
    from many parts keeps them as chunks, and every row selection (a filter, a merge) then
    costs more."""
    out = {}
    for c, t in df.dtypes.items():
        arr = df[c].array
        if hasattr(arr, "__arrow_array__"):
            chunked = arr.__arrow_array__()
            if getattr(chunked, "num_chunks", 1) > 1:
                out[c] = pd.array(chunked.combine_chunks(), dtype=t)
    if not out:
        return df
    df = df.copy()
    for c, a in out.items():
        df[c] = pd.Series(a, index=df.index)
    return df


def _concat(frames: list[pd.DataFrame], empty: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty()


def _empty_cells() -> pd.DataFrame:
    df = empty_table_frame()
    df.insert(0, "key", pd.Series(dtype=object))
    df.insert(1, "slug", pd.Series(dtype=object))
    return df


def load_panel(folders: dict[str, Path]) -> Panel:
    """Load many department-year folders at once (``{key: folder}``).

    Each table id is read across every folder in one parse, converted and
    validated once; claims likewise. Errors name the file, line and cell.
    """
    metas: dict[str, dict] = {}
    files: dict[str, list[tuple[str, Path]]] = {}
    claim_files: list[tuple[str, Path]] = []
    problems = Problems()
    for key, folder in sorted(folders.items()):
        meta = read_meta(folder)
        metas[key] = meta
        for table_id, info in meta.get("tables", {}).items():
            if table_id not in TABLES:
                problems.append(f"{folder / 'meta.json'}: table id '{table_id}' is not a"
                                " standard table (t01–t13) — fix meta.json")
                continue
            path = folder / info.get("file", f"{table_id}.csv")
            if not path.is_file():
                raise MissingTableError(
                    f"table {table_id} is listed in meta.json but {path.name} is missing",
                    path=folder, fix=f"restore {path.name} or re-run `fiscal extract`")
            files.setdefault(table_id, []).append((key, path))
        claims_path = folder / meta.get("claims", {}).get("file", "claims.csv")
        if claims_path.is_file():
            claim_files.append((key, claims_path))
        known = {"meta.json", claims_path.name, str(meta.get("source_copy", "")), REVIEW_FILE,
                 *(str(info.get("file", f"{tid}.csv")) for tid, info in meta["tables"].items())}
        if (folder / REVIEW_FILE).is_file():  # a reviewer's verdicts (fiscal.verdicts)
            meta["_review"] = verdicts.read(folder / REVIEW_FILE).assign(
                file=str(folder / REVIEW_FILE)).to_dict("records")
        unknown = sorted(p.name for p in folder.iterdir()
                         if p.name not in known and not p.name.startswith("."))
        if unknown:
            meta["_unknown_files"] = unknown
    # every table of every folder in one parse and one conversion, in table order
    cells = []
    ordered = sorted(files.items())
    raw = _scan([entry for _, entries in ordered for entry in entries], TABLE_CSV_COLUMNS,
                problems, tags=[tid for tid, entries in ordered for _ in entries])
    if raw is not None and not raw.empty:
        tags = raw.pop("_tag")
        found = Problems()
        converted = _panel_table(raw, tags, metas, found)
        if not found:
            cells.append(converted)
        else:  # a cell is wrong: the problems in the order the tables are read, one by one
            for table_id, part in raw.groupby(tags, sort=True):
                cells.append(_panel_table(part, table_id, metas, problems))
    claims = pd.DataFrame()
    if claim_files:
        raw = _scan(claim_files, CLAIM_CSV_COLUMNS, problems)
        if raw is not None and not raw.empty:
            claims = _panel_claims(raw, metas, problems)
    return _finish_panel(cells, claims, metas, problems)


def budget_from_rows(dy: DeptYear, meta: dict, tables: dict[str, list[dict]],
                     claims: list[dict], origin: Path) -> Budget:
    """A Budget from the rows an extraction would write, read as :func:`load_folder` reads
    the files (same conversion, frames and validation, the same errors), nothing written.

    ``tables`` maps a table id to its CSV rows (``table_rows``), ``claims`` holds the rows
    of ``claims.csv``; errors name ``origin`` and the file a row would be in.
    """
    origin = Path(origin)
    meta_path = Path(f"{origin} (meta.json)")
    meta = _checked_meta(json.loads(json.dumps(meta, ensure_ascii=False)), meta_path)
    metas = {dy.key: meta}
    problems = Problems()
    present = {}
    for table_id in meta["tables"]:
        if table_id not in TABLES:
            problems.append(f"{meta_path}: table id '{table_id}' is not a standard table"
                            " (t01–t13) — fix meta.json")
        elif table_id not in tables:
            raise MissingTableError(f"table {table_id} is listed in meta.json but has no rows",
                                    path=origin, fix="re-run `fiscal extract`")
        else:
            present[table_id] = tables[table_id]
    cells = []
    for table_id, rows in sorted(present.items()):
        if rows:
            raw = _raw_frame(rows, TABLE_CSV_COLUMNS, dy.key, f"{origin} ({table_id}.csv)")
            cells.append(_panel_table(raw, table_id, metas, problems))
    claims_df = pd.DataFrame()
    if claims:
        raw = _raw_frame(claims, CLAIM_CSV_COLUMNS, dy.key, f"{origin} (claims.csv)")
        claims_df = _panel_claims(raw, metas, problems)
    return _budget(_finish_panel(cells, claims_df, metas, problems), dy, origin)


def _raw_frame(rows: list[dict], columns: tuple[str, ...], key: str, file: str
               ) -> pd.DataFrame:
    """Rows as ``_scan`` reads them back from the CSV file they would be written to: every
    value its text (None as empty, as the csv module writes it)."""
    data = {c: ["" if r.get(c) is None else str(r.get(c)) for r in rows] for c in columns}
    for r in rows:
        extra = set(r) - set(columns)
        if extra:
            raise ValueError(f"{file}: unknown column(s) {', '.join(sorted(extra))}")
    n = len(rows)
    return pd.DataFrame({**data, "_file": [file] * n, "key": [key] * n,
                         "_line": np.arange(2, n + 2)})


def _finish_panel(cells: list[pd.DataFrame], claims: pd.DataFrame, metas: dict[str, dict],
                  problems: Problems) -> Panel:
    """Validate the converted cells and claims; raise every problem found, or the Panel."""
    cells_df = _concat(cells, _empty_cells)
    if not cells_df.empty:
        _validate(cells_df.drop(columns=["key", "slug", "_file", "_line"]), "TableFrame",
                  Path("(panel)"), problems, where=cells_df)
    if not claims.empty:
        _validate(claims.drop(columns=["key", "slug", "_file", "_line"]), "ClaimFrame",
                  Path("(panel claims)"), problems, where=claims)
        _unique_claims(claims, problems)
    problems.raise_any()
    return Panel(cells=_plain_strings(cells_df.drop(columns=["_file", "_line"], errors="ignore")),
                 claims=_plain_strings(claims.drop(columns=["_file", "_line"], errors="ignore")),
                 meta=metas)


SMALL_PANEL_ROWS = 20_000


def _plain_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns of a small frame as plain Python objects.

    pandas' Arrow-backed strings cost more per operation than they save on the
    many small merges the checks do for a few department-years (-25 % for one),
    and save more than they cost on a large panel (+25 % at 1,000), so only small
    frames are converted; a large one gets its Arrow columns in one chunk each.
    """
    if len(df) > SMALL_PANEL_ROWS:
        return _one_chunk(df)
    cols = {c: object for c, t in df.dtypes.items() if str(t) in ("str", "string")}
    return df.astype(cols) if cols else df


def _scan(entries: list[tuple[str, Path]], columns: tuple[str, ...],
          problems: Problems, tags: list[str] | None = None) -> pd.DataFrame | None:
    """Read CSV files that share one header in one parse; adds ``key``, ``_file``, ``_line``
    (and ``_tag``, each file's tag, with ``tags``: the rows are then in the order of the
    sorted tags, each tag's in the order of its files).

    The bodies are joined and parsed once by pyarrow (reading thousands of small
    files one by one costs far more than the parse); a file whose header differs,
    or whose quoted cells hold line breaks, is read on its own so that any
    error names it (its rows come after the others of its tag).
    """
    import pyarrow as pa  # lazy: pyarrow's CSV reader, only when files are read
    import pyarrow.csv as pacsv

    header = ",".join(columns).encode()
    bodies, files, keys, counts, body_tags = [], [], [], [], []
    odd: list[tuple[str, Path, str]] = []
    for i, (key, path) in enumerate(entries):
        tag = tags[i] if tags is not None else ""
        data = path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        head, _, body = data.partition(b"\n")
        if head.rstrip(b"\r") != header or b"\r" in body:
            odd.append((key, path, tag))
            continue
        if body and not body.endswith(b"\n"):
            body += b"\n"
        bodies.append(body)
        files.append(str(path))
        keys.append(key)
        counts.append(body.count(b"\n"))
        body_tags.append(tag)
    frames = []
    if bodies and not sum(counts):
        frames.append(pd.DataFrame({c: pd.Series(dtype=object) for c in
                                    (*columns, "_file", "key", "_line", "_tag")}))
    elif bodies:
        data = b"".join(bodies)
        try:
            table = pacsv.read_csv(
                io.BytesIO(data),
                # one block: each column one contiguous chunk, as every row selection
                # wants it (rather than joined after: _one_chunk)
                read_options=pacsv.ReadOptions(column_names=list(columns),
                                               block_size=max(len(data) + 1, 1 << 20)),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in columns}, strings_can_be_null=False),
                parse_options=pacsv.ParseOptions(newlines_in_values=False))
            df = table.to_pandas()
        except (pa.ArrowInvalid, UnicodeDecodeError):
            df = None
        if df is not None and len(df) == sum(counts):
            # each file's path, key and tag on each of its rows: taken from the few
            # values (converting a repeated NumPy text array costs ten times more)
            rows = np.repeat(np.arange(len(counts)), counts)
            df["_file"] = pd.Series(files).array.take(rows)
            df["key"] = pd.Series(keys).array.take(rows)
            df["_line"] = np.concatenate([np.arange(2, n + 2) for n in counts]) if counts else []
            df["_tag"] = pd.Series(body_tags).array.take(rows)
            frames.append(df)
        else:
            odd = list(zip(keys, map(Path, files), body_tags, strict=True)) + odd
    for key, path, tag in odd:
        df1 = _read_csv(path, columns, problems)
        if df1 is not None:
            frames.append(df1.assign(_file=str(path), key=key, _line=np.arange(2, len(df1) + 2),
                                     _tag=tag))
    if not frames:
        return None
    out = pd.concat(frames, ignore_index=True)
    if len(frames) > 1 and tags is not None:  # a file read on its own: back among its tag's
        out = out.sort_values("_tag", kind="stable", ignore_index=True)
    if tags is None:
        out = out.drop(columns="_tag")
    return out


def _panel_table(raw: pd.DataFrame, table_id: str | pd.Series, metas: dict[str, dict],
                 problems: Problems) -> pd.DataFrame:
    """The cells of tables read by :func:`_scan` (``table_id``: of them all, or of each row),
    converted and checked for whole numbers and amounts."""
    amount, bad_a = wan_to_fen(raw["amount_wan"])
    ulp, bad_u = wan_to_fen(raw["ulp_wan"])
    for idx in raw.index[bad_a | bad_u][:MAX_ERRORS_SHOWN]:
        col = "amount_wan" if bad_a[idx] else "ulp_wan"
        problems.append(f"{raw.at[idx, '_file']}, line {raw.at[idx, '_line']}, column {col}:"
                        f" '{raw.at[idx, col]}' is not a number (row '{raw.at[idx, 'label']}')"
                        " — write the amount in 万元 with at most 6 decimals, or leave the cell"
                        " empty", AmountError)
    unpaired = ~(bad_a | bad_u) & (amount.isna() != ulp.isna())
    for idx in raw.index[unpaired][:MAX_ERRORS_SHOWN]:
        problems.append(f"{raw.at[idx, '_file']}, line {raw.at[idx, '_line']}: amount_wan"
                        f" '{raw.at[idx, 'amount_wan']}' and ulp_wan '{raw.at[idx, 'ulp_wan']}'"
                        " must both be filled or both be empty — write the unit of the last"
                        " printed digit beside every amount")
    meta_of = _meta_of(raw["key"], metas)
    out = pd.DataFrame({
        "key": raw["key"],
        "slug": meta_of("slug"),
        "department": meta_of("department"),
        "year": meta_of("year"),
        "kind": meta_of("kind"),
        "table": table_id,
        "row": _panel_ints(raw, "row", problems), "side": raw["side"], "code": raw["code"],
        "label": raw["label"], "name": raw["name"],
        "level": _panel_ints(raw, "level", problems), "column": raw["column"],
        "printed": raw["printed"], "amount_fen": amount, "ulp_fen": ulp, "text": raw["text"],
        "source_line": _panel_ints(raw, "source_line", problems),
        "_file": raw["_file"], "_line": raw["_line"],
    })
    return out


def _meta_of(keys: pd.Series, metas: dict[str, dict]) -> Callable[[str], pd.Series]:
    """``field -> Series``: a meta field of each row's department-year, looked up once per
    key (``year`` as int64, text in the keys' dtype)."""
    codes, uniques = pd.factorize(keys)
    uniques = list(uniques)

    def field(name: str) -> pd.Series:
        if name == "year":
            return pd.Series(np.array([int(metas[k]["year"]) for k in uniques] + [0],
                                      dtype="int64")[codes], index=keys.index)
        values = pd.array([metas[k][name] for k in uniques] + [""], dtype=keys.dtype)
        return pd.Series(values.take(codes), index=keys.index)
    return field


def _panel_ints(raw: pd.DataFrame, col: str, problems: Problems) -> pd.Series:
    codes, uniques = pd.factorize(raw[col])  # a panel repeats the same few numbers
    if all(str(u).isdigit() and len(str(u)) < 12 for u in uniques):
        return pd.Series(np.array([int(u) for u in uniques] + [0], dtype="int64")[codes],
                         index=raw.index)
    num = pd.to_numeric(raw[col], errors="coerce")
    for idx in raw.index[num.isna()][:MAX_ERRORS_SHOWN]:
        problems.append(f"{raw.at[idx, '_file']}, line {raw.at[idx, '_line']}, column {col}:"
                        f" '{raw.at[idx, col]}' is not a whole number — fix the cell")
    return num.fillna(0).astype("int64")


def _panel_claims(raw: pd.DataFrame, metas: dict[str, dict], problems: Problems) -> pd.DataFrame:
    for col in ("value", "ulp"):
        bad = ~raw[col].str.match(_DECIMAL_RE)
        for idx in raw.index[bad][:MAX_ERRORS_SHOWN]:
            problems.append(f"{raw.at[idx, '_file']}, line {raw.at[idx, '_line']}, column {col}:"
                            f" '{raw.at[idx, col]}' is not a number (claim {raw.at[idx, 'claim']})"
                            " — fix the cell", AmountError)
        raw.loc[bad, col] = "0"
    meta_of = _meta_of(raw["key"], metas)
    out = raw.rename(columns={"year": "claim_year"}).copy()
    out["slug"] = meta_of("slug")
    out["department"] = meta_of("department")
    out["year"] = meta_of("year")
    out["kind"] = meta_of("kind")
    out["claim_year"] = _panel_ints(raw, "year", problems)
    out["source_line"] = _panel_ints(raw, "source_line", problems)
    out["value"] = per_distinct(out["value"], Decimal)
    out["ulp"] = per_distinct(out["ulp"], Decimal)
    lead = ["key", "slug", "department", "year", "kind"]
    return out[lead + [c for c in out.columns if c not in lead]]
