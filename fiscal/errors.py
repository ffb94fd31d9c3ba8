"""Every error ``fiscal`` raises on purpose.

One base class, :class:`FiscalError`, and narrow subclasses. Each message names
the file and the place in it (line, table, row or cell) and says how to fix it;
the command line prints the message on one line and exits with code 2.
"""

from __future__ import annotations

from pathlib import Path


class FiscalError(Exception):
    """Base class: input that ``fiscal`` cannot read or a request it cannot honour."""

    exit_code = 2

    def __init__(self, message: str, *, path: Path | str | None = None, where: str = "",
                 fix: str = "") -> None:
        self.path = Path(path) if path is not None else None
        self.where = where
        self.fix = fix
        self.detail = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = []
        if self.path is not None:
            place = str(self.path) + (f", {self.where}" if self.where else "")
            parts.append(f"{place}:")
        elif self.where:
            parts.append(f"{self.where}:")
        parts.append(self.detail)
        if self.fix:
            parts.append(f"— {self.fix}")
        return " ".join(parts)


class DecodeError(FiscalError):
    """The bytes of a source file decode in none of the encodings disclosures use."""


class NotADisclosureError(FiscalError):
    """A text that is neither a budget (预算) nor a final-account (决算) disclosure."""


class UnknownDepartmentError(FiscalError):
    """A department slug, or a department name in a source, that is not registered."""


class UnknownDepartmentYearError(FiscalError):
    """A department-year that has no folder under the data folder."""


class RegistryError(FiscalError):
    """The department registry (``data/departments.csv``) cannot be read or lacks its columns."""


class TargetError(FiscalError):
    """A command-line target that is not ``<slug>/<year>``, ``<slug>/<year>-final`` or a path."""


class MissingMetaError(FiscalError):
    """A folder given as a department-year that has no ``meta.json``."""


class MissingTableError(FiscalError):
    """A table file that meta lists but that is not in the department-year folder."""


class TableFileError(FiscalError):
    """A table, claims or meta file whose contents break the contract in ``fiscal.schema``."""


class ReviewFileError(TableFileError):
    """A ``review.csv`` line that breaks its contract (columns, finding id, verdict, date)."""


class AmountError(TableFileError):
    """A cell that should hold an amount but holds something that is not a number."""


class OutputExistsError(FiscalError):
    """An output folder that exists and holds something other than an earlier extraction."""


class FormatError(FiscalError):
    """A file in a format disclosures come in that is not read: spreadsheet, word processor
    document, web page, image (the message names the format and what to give instead)."""


class PdfError(FiscalError):
    """A PDF that cannot be read: not a PDF, encrypted, damaged, without pages or text."""


class ReportError(FiscalError):
    """A report notebook that failed while it ran (the message names the cell)."""


class BatchLockedError(FiscalError):
    """A reports folder that another ``fiscal report`` is writing."""


class WorkerDiedError(FiscalError):
    """A worker process that died (crashed, or was killed: out of memory) while checking a
    chunk of department-years, twice."""


class RuleError(Exception):
    """A rule registered wrongly (an id twice, an id emitted but not declared): a bug in
    ``fiscal.checks``, not in the input, so not a :class:`FiscalError`."""
