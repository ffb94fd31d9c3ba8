"""What a report worker starts with: imported by the fork server of ``fiscal report --all``'s
local pool (:func:`fiscal.executor.executor`'s ``preload``), never by the package.

It imports the report stack once (pandas, matplotlib and seaborn, ``fiscal``'s checks and
views, IPython, papermill and nbconvert: about 2 s), runs the exporter once and compiles
the page templates (:func:`fiscal.report.preload`: 0.5 s that each worker paid again), then
freezes the garbage collector, so that every worker forked from the server starts with
them loaded and the collector does not write to (and so copy) the pages the workers share.
Each worker then only makes its own shell, fonts and caches
(:func:`fiscal.report.warm_here`): nothing that holds a file open is made here, as the
workers would share its position.
"""

from __future__ import annotations

import gc

import IPython.core.interactiveshell  # noqa: F401
import nbconvert  # noqa: F401
import papermill  # noqa: F401
import seaborn  # noqa: F401

import fiscal.checks  # noqa: F401
import fiscal.engine  # noqa: F401
import fiscal.report  # noqa: F401
import fiscal.results  # noqa: F401
import fiscal.view  # noqa: F401

fiscal.report.preload()
gc.freeze()
