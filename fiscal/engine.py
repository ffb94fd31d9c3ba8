"""Where a notebook's cells run: ``inprocess``, a papermill engine that runs them in this
process's IPython shell, beside papermill's own ``nbclient`` (a Jupyter kernel).

A report worker (``fiscal report --all``) is a process of its own that builds one page
after another. With a kernel beside it, pandas, matplotlib and ``fiscal`` are imported
twice (once in each process) and every chart crosses ZeroMQ as JSON; measured on the seed,
a warm report cost 0.78 s of CPU that way and costs 0.45 s here, and a worker starts in
2.6 s of CPU instead of 3.6 s.

The engine runs each code cell with ``InteractiveShell.run_cell`` and makes the outputs a
kernel would send: what a cell displays (``display_data``, ``update_display_data`` and
``clear_output``), returns (``execute_result``), prints (``stream``, consecutive writes
to one stream joined) and raises (``error``, IPython's traceback); display contents go
through jupyter_client's JSON packer and nbformat's ``output_from_msg`` as they do between
a kernel and nbclient, so the page is the same bytes (``tests/test_engine.py``). Like
ipykernel, the shell draws matplotlib with the inline backend. Execution stops at the
first failing cell; papermill raises ``PapermillExecutionError`` for it, as with a kernel.

The shell lives as long as the process: a cell's variables and imports stay for the next
notebook, as in a warm kernel. Use it only in a process that builds notebooks and nothing
else (a ``fiscal report`` worker); a notebook that crashes the interpreter takes the
process with it.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Mapping

__all__ = ["NAME", "register", "run", "shell"]

#: The engine's name in papermill's registry.
NAME = "inprocess"
#: What ipykernel sets MPLBACKEND to when it is unset: pyplot draws inline.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

_shell = None


def _sent(content: dict) -> dict:
    """A message's content as a kernel's client receives it: through JSON as jupyter_client
    packs it (bytes become base64)."""
    from jupyter_client.session import json_packer, json_unpacker

    return json_unpacker(json_packer(content))


class _Cell:
    """The outputs of the cell being run, as a kernel's client would collect them."""

    def __init__(self, outputs: list) -> None:
        self.outputs = outputs
        self.clear_on_next = False
        self.displays: dict[str, list] = {}

    def add(self, msg_type: str, content: dict):
        from nbformat.v4 import output_from_msg

        content = _sent(content)
        out = output_from_msg({"msg_type": msg_type, "header": {"msg_type": msg_type},
                               "content": content})
        if self.clear_on_next:
            self.outputs.clear()
            self.displays.clear()
            self.clear_on_next = False
        display_id = (content.get("transient") or {}).get("display_id")
        if display_id:
            self.displays.setdefault(display_id, []).append(out)
        self.outputs.append(out)
        return out

    def update(self, content: dict) -> None:
        content = _sent(content)
        for out in self.displays.get((content.get("transient") or {}).get("display_id"), []):
            out["data"], out["metadata"] = content["data"], content["metadata"]

    def write(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs and not self.clear_on_next else None
        if last is not None and last.get("output_type") == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.add("stream", {"name": name, "text": text})


_cell: _Cell | None = None


class _Stream(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` while a cell runs: text becomes a stream output
    (UTF-8 and not a terminal, as a kernel's streams say)."""

    encoding = "UTF-8"

    def __init__(self, name: str) -> None:
        self.name = name

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if _cell is not None and text:
            _cell.write(self.name, text)
        return len(text)


def shell():
    """This process's IPython shell, made on first use (history kept in memory only)."""
    global _shell
    if _shell is not None:
        return _shell
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs):
            content = {"data": data, "metadata": metadata or {}, "transient": transient or {}}
            if _cell is None:
                return
            if update:
                _cell.update(content)
            else:
                _cell.add("display_data", content)

        def clear_output(self, wait=False):
            if _cell is None:
                return
            if wait:
                _cell.clear_on_next = True
            else:
                _cell.outputs.clear()
                _cell.displays.clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            if _cell is not None:
                _cell.add("execute_result", {"data": format_dict, "metadata": md_dict or {},
                                             "execution_count": self.prompt_count})

        def finish_displayhook(self):
            pass

    class Shell(InteractiveShell):
        def _showtraceback(self, etype, evalue, stb):
            if _cell is not None:
                _cell.add("error", {"ename": str(etype.__name__), "evalue": str(evalue),
                                    "traceback": stb})

    config = Config()
    config.HistoryManager.enabled = False
    # as ipykernel does when MPLBACKEND is unset: pyplot figures are shown inline
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    _shell = Shell.instance(config=config, display_pub_class=Publisher,
                            displayhook_class=Hook)
    return _shell


@contextlib.contextmanager
def _capture(outputs: list) -> Iterator[_Cell]:
    global _cell
    cell = _Cell(outputs)
    saved = sys.stdout, sys.stderr
    _cell = cell
    sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
    try:
        yield cell
    finally:
        sys.stdout, sys.stderr = saved
        _cell = None


@contextlib.contextmanager
def _environment(env: Mapping[str, str] | None) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run(code: str) -> bool:
    """Run ``code`` in the shell without recording it (a warm-up); returns whether it
    succeeded. Its outputs are dropped."""
    with _capture([]):
        return shell().run_cell(code, store_history=False, silent=True).success


def _engine():
    from papermill.engines import Engine

    class InProcessEngine(Engine):
        """papermill's engine interface over :func:`shell` (see the module's docstring)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, env=None, **kwargs):
            sh = shell()
            with _environment(env):
                for index, cell in enumerate(nb_man.nb.cells):
                    nb_man.cell_start(cell, index)
                    try:
                        if cell.cell_type != "code":
                            continue
                        cell.outputs = []
                        with _capture(cell.outputs):
                            result = sh.run_cell(cell.source, store_history=True)
                        cell.execution_count = result.execution_count
                        if not result.success:
                            nb_man.cell_exception(cell, cell_index=index,
                                                  exception=result.error_in_exec
                                                  or result.error_before_exec)
                            break
                    finally:
                        nb_man.cell_complete(cell, cell_index=index)
            return nb_man.nb

    return InProcessEngine


def register() -> str:
    """Register the ``inprocess`` engine with papermill (once); returns its name."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    try:
        papermill_engines.get_engine(NAME)
    except PapermillException:
        papermill_engines.register(NAME, _engine())
    return NAME
