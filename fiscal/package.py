"""The data as an open package: a Frictionless (Fiscal) Data Package of department-years.

``fiscal export DEPT/YEAR|--all --to DIR`` writes ``DIR/datapackage.json`` and three CSV
resources: ``cells`` (every table in long form: one printed cell per row, with its unit,
code and classification levels), ``claims`` (every figure the narrative states) and
``findings`` (the checks, with their ids and a reviewer's verdicts). Fields carry the
Fiscal Data Package's ``columnType`` where its budget taxonomy names one: the department
as administrative classification, the fiscal year, 预算/决算 as the phase, 收入/支出 as the
direction, the function (类/款/项) and economic (类/款) classification levels, the column as
the kind of amount, the amount itself (``value``, in 万元) and its currency (CNY). The
package is valid under ``frictionless validate``; :func:`frames` reads it back into the
frames ``fiscal.load`` gives.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd

from fiscal.config import Settings
from fiscal.errors import FiscalError
from fiscal.load import Panel, fen_to_wan, load_panel
from fiscal.schema import CLAIM_CSV_COLUMNS, COLUMN_LABELS, FEN_PER_WAN, TABLES

DESCRIPTOR = "datapackage.json"
#: The budget taxonomy of the Fiscal Data Package, whose ``columnType`` names are used.
TAXONOMY = "https://specs.frictionlessdata.io/taxonomies/fiscal/budgets.json"
CURRENCY = "CNY"

_DEPT = [("department", "string", "administrative-classification:generic:level1:code",
          "department slug (data/departments.csv)"),
         ("department_name", "string", "administrative-classification:generic:level1:label",
          "department name"),
         ("year", "integer", "date:fiscal-year", "the year of the budget or final account"),
         ("kind", "string", "phase:id", "budget (预算) or final (决算)")]

_FUNCTION = [(f"function_level{n}_{part}", "string",
              f"functional-classification:generic:level{n}:{part}",
              f"function {level} ({digits} digits){' name' if part == 'label' else ''}")
             for n, level, digits in ((1, "类", 3), (2, "款", 5), (3, "项", 7))
             for part in ("code", "label")]
_ECONOMIC = [(f"economic_level{n}_{part}", "string",
              f"economic-classification:generic:level{n}:{part}",
              f"economic {level} ({digits} digits){' name' if part == 'label' else ''}")
             for n, level, digits in ((1, "类", 3), (2, "款", 5)) for part in ("code", "label")]

#: ``(name, type, columnType or "", description)`` of each resource's fields.
FIELDS: dict[str, list[tuple[str, str, str, str]]] = {
    "cells": [
        *_DEPT,
        ("table", "string", "", "standard table id t01…t13 (fiscal.schema.TABLES)"),
        ("table_title", "string", "", "the standard table's title"),
        ("row", "integer", "", "row number in the table, from 1"),
        ("side", "string", "direction", "收入 or 支出 for a two-sided table, else empty"),
        ("code", "string", "", "function, economic or procurement code as printed"),
        ("label", "string", "", "row label as printed"),
        ("name", "string", "", "row label without its numbering"),
        ("level", "integer", "", "0 total, 1 类 / 一、, 2 款 / （一）, 3 项 …"),
        *_FUNCTION, *_ECONOMIC,
        ("column", "string", "value-kind:code", "column id (fiscal.schema.COLUMN_LABELS)"),
        ("column_label", "string", "value-kind:label", "what the column holds"),
        ("printed", "string", "", "the figure as printed"),
        ("amount_wan", "number", "value", "exact amount in 万元 (empty for a blank cell)"),
        ("ulp_wan", "number", "", "unit of the last printed digit, in 万元"),
        ("currency", "string", "value-currency:code", "ISO 4217 currency of the amount"),
        ("printed_unit", "string", "", "the unit the table prints: 元, 万元 or 亿元"),
        ("text", "string", "", "a non-numeric cell's text"),
        ("source_line", "integer", "", "line of the source that prints the cell"),
    ],
    "claims": [
        *_DEPT,
        *((c, "integer" if c in ("source_line",) else "number" if c in ("value", "ulp")
           else "string", "", "") for c in CLAIM_CSV_COLUMNS if c != "year"),
        ("claim_year", "integer", "", "the year the figure is of"),
    ],
    "findings": [
        *_DEPT[:1], *_DEPT[2:],
        ("id", "string", "", "stable finding id (fiscal.ids)"),
        ("rule", "string", "", "the rule (README: Checks)"),
        ("severity", "string", "", "error, review, rounding or warning"),
        ("table", "string", "", "table(s) compared, or narrative"),
        ("item", "string", "", "code, row name or claim subject"),
        ("expected", "number", "", "what the figures compared give (万元 or %)"),
        ("actual", "number", "", "what is printed (万元 or %)"),
        ("difference", "number", "", "actual − expected"),
        ("message", "string", "", "the finding in words"),
        ("source_line", "integer", "", "line of the source"),
        ("verdict", "string", "", "a reviewer's verdict (review.csv), or empty"),
        ("note", "string", "", "the reviewer's note"),
    ],
}
PRIMARY_KEYS = {"cells": ["department", "year", "kind", "table", "row", "column"],
                "claims": ["department", "year", "kind", "claim"],
                "findings": ["department", "year", "kind", "id"]}
TITLES = {"cells": "Every table, one printed cell per row",
          "claims": "Every figure the narrative states",
          "findings": "Every inconsistency the checks found"}


def _dec(fen) -> str:
    if fen is None or pd.isna(fen):
        return ""
    text = format(fen_to_wan(int(fen)).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _num(v) -> str:
    if v is None or (not isinstance(v, Decimal) and pd.isna(v)):
        return ""
    text = format(Decimal(v).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _levels(c: pd.DataFrame) -> pd.DataFrame:
    """Function and economic classification levels of each cell, from its code."""
    kinds = c["table"].map(lambda t: TABLES[t].codes)
    digits = c["code"].str.fullmatch(r"\d{3}|\d{5}|\d{7}")
    function = digits & ~kinds.isin(["economic", "procurement"])
    economic = digits & (kinds == "economic") & (c["code"].str.len() <= 5)
    names = c.drop_duplicates(["key", "table", "code"]).set_index(["key", "table", "code"])[
        "name"]
    out = {}
    for prefix, mask, widths in (("function", function, (3, 5, 7)),
                                 ("economic", economic, (3, 5))):
        for n, width in enumerate(widths, start=1):
            code = c["code"].str[:width].where(mask & (c["code"].str.len() >= width), "")
            label = [names.get((k, t, x), "") if x else ""
                     for k, t, x in zip(c["key"], c["table"], code, strict=True)]
            out[f"{prefix}_level{n}_code"] = code
            out[f"{prefix}_level{n}_label"] = label
    return pd.DataFrame(out, index=c.index)


def cells_frame(panel: Panel) -> pd.DataFrame:
    """The ``cells`` resource of a panel, as text in field order."""
    c = panel.cells.sort_values(["key", "table", "row", "column"], kind="stable")
    if c.empty:
        return pd.DataFrame(columns=[f[0] for f in FIELDS["cells"]])
    names = {k: m["department"] for k, m in panel.meta.items()}
    units = {(k, t): info.get("unit", "万元") for k, m in panel.meta.items()
             for t, info in m["tables"].items()}
    out = pd.DataFrame({
        "department": c["slug"], "department_name": c["key"].map(names),
        "year": c["year"], "kind": c["kind"], "table": c["table"],
        "table_title": c["table"].map(lambda t: TABLES[t].title),
        "row": c["row"], "side": c["side"], "code": c["code"], "label": c["label"],
        "name": c["name"], "level": c["level"],
    })
    out = out.join(_levels(c))
    out["column"] = c["column"]
    out["column_label"] = c["column"].map(lambda x: COLUMN_LABELS.get(x, x))
    out["printed"] = c["printed"]
    out["amount_wan"] = [_dec(v) for v in c["amount_fen"]]
    out["ulp_wan"] = [_dec(v) for v in c["ulp_fen"]]
    out["currency"] = CURRENCY
    out["printed_unit"] = [units.get((k, t), "万元") for k, t in zip(c["key"], c["table"],
                                                                   strict=True)]
    out["text"] = c["text"]
    out["source_line"] = c["source_line"]
    return out[[f[0] for f in FIELDS["cells"]]]


def claims_frame(panel: Panel) -> pd.DataFrame:
    """The ``claims`` resource of a panel, as text in field order."""
    cols = [f[0] for f in FIELDS["claims"]]
    cl = panel.claims
    if cl.empty:
        return pd.DataFrame(columns=cols)
    names = {k: m["department"] for k, m in panel.meta.items()}
    out = cl.assign(department=cl["slug"], department_name=cl["key"].map(names),
                    value=[_num(v) for v in cl["value"]], ulp=[_num(v) for v in cl["ulp"]])
    return out.sort_values(["key", "claim"], kind="stable")[cols]


def findings_frame(panel: Panel) -> pd.DataFrame:
    """The ``findings`` resource: the checks of the panel, ids and verdicts included."""
    from fiscal import verdicts
    from fiscal.checks import run_rules

    cols = [f[0] for f in FIELDS["findings"]]
    found, _ = verdicts.apply(run_rules(panel), {
        k: pd.DataFrame(m["_review"]) for k, m in panel.meta.items() if m.get("_review")})
    if found.empty:
        return pd.DataFrame(columns=cols)
    out = found.assign(**{c: [_num(v) for v in found[c]]
                          for c in ("expected", "actual", "difference")})
    return out.sort_values(["key", "id"], kind="stable")[cols]


def descriptor(panel: Panel, name: str) -> dict:
    """``datapackage.json`` of a panel's package (no date, no path: same inputs, same bytes)."""
    from fiscal import __version__

    def field(n, t, ct, d):
        f = {"name": n, "type": t}
        if d:
            f["description"] = d
        if ct:
            f["columnType"] = ct
        if n == "amount_wan":
            f.update({"unit": "万元", "currency": CURRENCY, "factor": 10000})
        return f

    resources = []
    for res in FIELDS:
        resources.append({
            "name": res, "title": TITLES[res], "path": f"{res}.csv", "profile":
            "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {"fields": [field(*f) for f in FIELDS[res]],
                       "primaryKey": PRIMARY_KEYS[res], "missingValues": [""]},
        })
    sources = [{"title": f"{m['department']} {m['year']} {m.get('kind_label', m['kind'])}"
                         f" ({m['source_file']})",
                "sha256": m["source_sha256"]} for _, m in sorted(panel.meta.items())]
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": "Chinese department budget and final-account disclosures, read by fiscal",
        "description": ("Tables in long form (amounts exact in 万元, currency CNY), narrative"
                        " claims and check findings of "
                        + ", ".join(sorted(panel.meta)) + ". Fields carry the Fiscal Data"
                        f" Package columnType of its budget taxonomy ({TAXONOMY})."),
        "version": __version__,
        "keywords": ["fiscal-data-package", "budget", "部门预算", "部门决算"],
        "sources": sources,
        "resources": resources,
    }


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(frame.columns)
    w.writerows(frame.astype(str).itertuples(index=False, name=None))
    return buf.getvalue().encode("utf-8")


def write(panel: Panel, out_dir: Path, name: str = "fiscal") -> Path:
    """Write the package of a panel into ``out_dir`` (replacing an earlier package there)
    and validate it with frictionless. Returns the path of ``datapackage.json``."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise FiscalError("is a file, not a folder", path=out_dir, fix="give a folder to --to")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / DESCRIPTOR).is_file():
        raise FiscalError("the folder exists and holds something other than a package",
                          path=out_dir, fix="give an empty or new folder to --to")
    files = {f"{res}.csv": _csv(frame) for res, frame in (
        ("cells", cells_frame(panel)), ("claims", claims_frame(panel)),
        ("findings", findings_frame(panel)))}
    files[DESCRIPTOR] = (json.dumps(descriptor(panel, name), ensure_ascii=False, indent=2)
                         + "\n").encode("utf-8")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)
        for fname, data in sorted(files.items()):
            (tmp / fname).write_bytes(data)
        errors = validate(tmp / DESCRIPTOR)
        if errors:  # a bug of this module: never hand out an invalid package
            raise FiscalError("the package does not validate: " + "; ".join(errors[:3]),
                              path=out_dir, fix="this is a bug in fiscal; report it")
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old.{os.getpid()}")
            out_dir.rename(old)
            shutil.rmtree(old)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir / DESCRIPTOR


def validate(path: Path) -> list[str]:
    """Problems ``frictionless validate`` finds in a package (none: valid)."""
    import frictionless

    report = frictionless.validate(str(path))
    if report.valid:
        return []
    return [f"{err.type}: {err.message}" for task in report.tasks for err in task.errors] + [
        f"{err.type}: {err.message}" for err in report.errors]


def export(targets: list[tuple[str, object]], out_dir: Path,
           settings: Settings | None = None) -> Path:
    """The package of department-years or folders (``fiscal.cli.resolve_targets``)."""
    settings = settings or Settings.from_env()
    folders = {}
    for kind, target in targets:
        if kind == "dept_year":
            folders[target.key] = settings.existing_dept_year_dir(target)
        elif kind == "folder":
            from fiscal.load import read_meta

            meta = read_meta(target)
            key = f"{meta['slug']}/{meta['year']}" + ("-final" if meta["kind"] == "final"
                                                      else "")
            folders[key] = target
        else:
            raise FiscalError("export takes department-years or folders, not source files",
                              path=target, fix="run `fiscal extract` first")
    name = ("fiscal-" + next(iter(folders)).replace("/", "-")) if len(folders) == 1 \
        else "fiscal"
    return write(load_panel(folders), out_dir, name)


def frames(path: Path) -> dict[str, pd.DataFrame]:
    """A package read back with frictionless into the frames of ``fiscal.load``.

    Returns:
        ``{"cells": …, "claims": …, "findings": …}``: cells and claims with the columns of
        ``Panel.cells`` and ``Panel.claims`` (amounts as integers of 分, claim values as
        ``Decimal``); findings as exported.
    """
    import frictionless

    package = frictionless.Package(str(path))
    out = {}
    for res in FIELDS:
        rows = [{k: ("" if v is None else v) for k, v in row.items()}
                for row in package.get_resource(res).read_rows()]
        out[res] = pd.DataFrame(rows, columns=[f[0] for f in FIELDS[res]])
    c = out["cells"]
    key = c["department"] + "/" + c["year"].astype(str) + c["kind"].map(
        {"budget": "", "final": "-final"})
    fen = [pd.NA if v == "" else int(v * FEN_PER_WAN) for v in c["amount_wan"]]
    ulp = [pd.NA if v == "" else int(v * FEN_PER_WAN) for v in c["ulp_wan"]]
    out["cells"] = pd.DataFrame({
        "key": key, "slug": c["department"], "department": c["department_name"],
        "year": c["year"].astype("int64"), "kind": c["kind"], "table": c["table"],
        "row": c["row"].astype("int64"), "side": c["side"], "code": c["code"],
        "label": c["label"], "name": c["name"], "level": c["level"].astype("int64"),
        "column": c["column"], "printed": c["printed"],
        "amount_fen": pd.array(fen, dtype="Int64"), "ulp_fen": pd.array(ulp, dtype="Int64"),
        "text": c["text"], "source_line": c["source_line"].astype("int64")})
    cl = out["claims"]
    if not cl.empty:
        cl = cl.assign(key=cl["department"] + "/" + cl["year"].astype(str) + cl["kind"].map(
            {"budget": "", "final": "-final"}), slug=cl["department"],
            department=cl["department_name"])
        lead = ["key", "slug", "department", "year", "kind"]
        rest = [c for c in CLAIM_CSV_COLUMNS if c != "year"]
        cl = cl[lead + rest[:rest.index("basis")] + ["claim_year"]
                + rest[rest.index("basis"):]]
        for col in ("year", "claim_year", "source_line"):
            cl[col] = cl[col].astype("int64")
    out["claims"] = cl
    return out
