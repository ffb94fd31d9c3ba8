"""Where many tasks run: a local process pool or a Dask cluster, behind one
``concurrent.futures`` executor (used by ``fiscal report --all`` and ``fiscal check --all``).

Local workers are spawned (a fresh interpreter each), or, given a module to preload, forked
from a fork server that has imported it once: the workers then start with what it imports
already loaded, and share its memory pages until they write to them.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence

__all__ = ["KINDS", "executor", "start_server"]

#: The executors a command can be told to use.
KINDS = ("local", "dask")

#: Seconds a terminated local worker has to exit before it is killed.
TERMINATE_GRACE = 5.0


@contextlib.contextmanager
def executor(kind: str, workers: int, scheduler: str | None = None,
             initializer: Callable[..., None] | None = None,
             on_close: Callable[[], None] | None = None, initargs: Sequence = (),
             preload: str | Sequence[str] | None = None) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor.

    Args:
        kind: ``local``, a pool of ``workers`` processes (each runs ``initializer`` first),
            or ``dask``, the executor of a Dask client on the cluster at ``scheduler`` or on
            a local cluster of ``workers`` processes; a task whose Dask worker is lost is
            retried once.
        workers: the number of local processes (ignored with a ``scheduler``).
        scheduler: a Dask scheduler's address, e.g. ``tcp://10.0.0.1:8786``.
        initializer: run first in every local worker process, with ``initargs``.
        on_close: run on every Dask worker when the executor closes (the cluster may stay).
        initargs: the arguments of ``initializer``.
        preload: the module(s) the local workers start with: imported once in this
            process's fork server, which forks them (spawned workers where the platform has
            no fork server). A fork server lives as long as this process, with the
            environment and preload of its start (:func:`start_server` starts it early);
            each worker is given this process's environment of the moment the pool is made.

    On an exception (Ctrl-C included) the local workers are terminated at once rather
    than waited for (killed if they do not exit within ``TERMINATE_GRACE`` seconds).
    """
    if kind == "dask":
        with _dask_client(workers, scheduler) as client:
            yield client.get_executor(pure=False, retries=1)
            if on_close is not None:
                with contextlib.suppress(Exception):
                    client.run(on_close)
        return
    if preload and start_server(preload):
        context = mp.get_context("forkserver")
        initializer, initargs = _in_environ, (dict(os.environ), initializer, tuple(initargs))
    else:
        context = mp.get_context("spawn")
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                  initializer=initializer, initargs=tuple(initargs))
    try:
        yield pool
    except BaseException:
        # the pool's workers are this process's only multiprocessing children (Python
        # 3.14's pool.terminate_workers() will say so without that assumption)
        procs = mp.active_children()
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.terminate()
        # joined, so that nothing of theirs is written after the caller tidies up
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(TERMINATE_GRACE)
                if proc.is_alive():
                    proc.kill()
                    proc.join(TERMINATE_GRACE)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _in_environ(environ: dict[str, str], initializer: Callable[..., None] | None,
                initargs: tuple) -> None:
    """A forked worker's start: the command's environment (the fork server keeps that of its
    own start), then the pool's ``initializer``."""
    os.environ.clear()
    os.environ.update(environ)
    if initializer is not None:
        initializer(*initargs)


def start_server(preload: str | Sequence[str]) -> bool:
    """Start this process's fork server now, unless it runs already: it imports
    ``preload`` in the background while this process goes on, and a local pool made
    later with a ``preload`` forks its workers from it at once. False where the platform
    has no fork server (the pool's workers are then spawned)."""
    if "forkserver" not in mp.get_all_start_methods():
        return False
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload([preload] if isinstance(preload, str) else list(preload))
    forkserver.ensure_running()
    return True


@contextlib.contextmanager
def _dask_client(workers: int, scheduler: str | None):
    # lazy: distributed takes about a second to import and local runs do not need it
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=40))
            client = stack.enter_context(Client(cluster))
        yield client
