"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

All executors share one small interface (:class:`Executor`): ``map_unordered(fn, tasks)``
yields ``fn(task)`` for every task as runs complete, in whatever order they finish. The
callers sort by task id before writing, so what is written never depends on the backend
or on the number of workers.

* :class:`SerialExecutor` runs in this process (debugging, tiny sweeps, tests).
* :class:`ProcessExecutor` uses :class:`concurrent.futures.ProcessPoolExecutor` with an
  explicit ``spawn`` context; it never changes the process-wide start method (Mesa's
  ``batch_run`` does, see shared/reference/mesa-notes.md §5). Its workers die with their
  parent (Linux ``PR_SET_PDEATHSIG``, and a watch on the parent's pid everywhere), so a
  killed sweep leaves no process behind; they ignore Ctrl-C, which is the parent's to
  handle: it stops them at once and the sweep can be resumed.
* :class:`DaskExecutor` submits to a real ``distributed`` scheduler: ``"local"`` starts a
  :class:`distributed.LocalCluster` (closed again with the executor), an address such as
  ``tcp://host:8786`` connects to an existing cluster, failing within a few seconds with a
  clear message if nobody answers. Dask is imported only here, only when asked for.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from scalesim.common.errors import ScalesimInputError

DASK_CONNECT_TIMEOUT_S = 3.0
# How often a worker checks that its parent is still there (where prctl is not available,
# and as a second guard where it is).
PARENT_WATCH_S = 0.5
_PR_SET_PDEATHSIG = 1


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_WATCH_S)
        if os.getppid() != parent_pid:
            os._exit(1)  # orphaned: the parent was killed


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C in this block (main thread only): processes started here inherit it.

    Worker processes started while SIGINT is ignored never see a Ctrl-C (the signal reaches
    the whole foreground process group); the parent handles it and stops them.
    """
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
    try:
        yield
    finally:
        if in_main and previous is not None:
            signal.signal(signal.SIGINT, previous)


def _nothing() -> None:
    """An empty task (starts a worker)."""


def worker_init(parent_pid: int) -> None:
    """Set up a worker process: die with the parent, leave Ctrl-C to the parent.

    Runs first in every worker of :class:`ProcessExecutor`. On Linux the kernel sends the
    worker SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``); a daemon thread also
    exits the worker as soon as it is orphaned (other systems, and the race between start
    and prctl).

    Args:
        parent_pid: The pid of the process that started the pool.
    """
    # A Ctrl-C reaches the whole foreground process group; the parent stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


class Executor(Protocol):
    """Runs a picklable function over tasks and yields results as they complete."""

    name: str
    workers: int

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in completion order."""
        ...

    def close(self) -> None:
        """Release workers (and the cluster, if this executor started one)."""
        ...


class WorkerLostError(RuntimeError):
    """A worker process died (killed, out of memory); finished runs are kept."""


class SerialExecutor:
    """Run every task in this process, one after the other."""

    name = "serial"
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in task order."""
        for t in tasks:
            yield fn(t)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# While waiting for results, how often the parent checks that its workers are alive, and how
# long a terminated worker gets to stop before it is killed (seconds).
WORKER_CHECK_S = 1.0
WORKER_STOP_S = 5.0


class ProcessExecutor:
    """Run tasks in ``workers`` local processes started with ``spawn``.

    Args:
        workers: Number of worker processes (default: CPUs available to this process).
        max_pending: Tasks handed to the pool ahead of completions (bounds memory and
            lets an interruption lose little work); default ``4 * workers``.
    """

    name = "processes"

    def __init__(self, workers: int | None = None, max_pending: int | None = None) -> None:
        self.workers = max(1, workers or len(os.sched_getaffinity(0)))
        self.max_pending = max_pending or 4 * self.workers
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker_init,
            initargs=(os.getpid(),),
        )
        self._start_workers()

    def _start_workers(self) -> None:
        """Start every worker now, with Ctrl-C ignored while they start.

        A worker ignores SIGINT from :func:`worker_init` on, but a Ctrl-C between its start
        and that call would print a worker's traceback; a process started while the signal
        is ignored inherits that and is never exposed. (The pool starts one worker per
        submitted task until it has ``workers``, so ``workers`` empty tasks start them all.)
        """
        with sigint_ignored():
            for _ in range(self.workers):
                self._pool.submit(_nothing)

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in completion order.

        Raises:
            WorkerLostError: If a worker process dies; results already yielded are kept.
        """
        it = iter(tasks)
        pending: set[Future[Any]] = set()
        try:
            for t in it:
                pending.add(self._pool.submit(fn, t))
                if len(pending) >= self.max_pending:
                    break
            while pending:
                done, pending = wait(pending, WORKER_CHECK_S, return_when=FIRST_COMPLETED)
                if not done:
                    self._raise_if_a_worker_died()
                    continue
                for f in done:
                    yield f.result()
                for t in it:
                    pending.add(self._pool.submit(fn, t))
                    if len(pending) >= self.max_pending:
                        break
        except BrokenProcessPool as exc:
            raise WorkerLostError(
                "a worker process died (killed or out of memory); finished runs are stored"
            ) from exc
        finally:
            for f in pending:
                f.cancel()

    def _workers(self) -> list[Any]:
        # ProcessPoolExecutor has no public view of its processes before 3.14.
        return list((getattr(self._pool, "_processes", None) or {}).values())

    def _raise_if_a_worker_died(self) -> None:
        """Raise ``BrokenProcessPool`` if a worker process has exited.

        The pool notices a dead worker itself (its manager thread watches each process), but
        under load a sweep was seen waiting for ever after a worker was killed (CI, 2026-12-04:
        the other worker alive, nothing finishing); this check does not depend on that.
        """
        if any(proc.exitcode is not None for proc in self._workers()):
            raise BrokenProcessPool("a worker process exited")

    def close(self, now: bool = False) -> None:
        """Stop the worker processes (pending tasks are cancelled).

        Args:
            now: Terminate running tasks too (after an interrupt or a lost worker) instead
                of waiting for them to finish; a worker that does not stop is killed, so
                the pool's shutdown cannot wait on it.
        """
        if now:
            procs = self._workers()
            for proc in procs:
                with contextlib.suppress(OSError, AttributeError):
                    proc.terminate()
            for proc in procs:
                with contextlib.suppress(OSError, AttributeError, ValueError):
                    proc.join(WORKER_STOP_S)
                    if proc.is_alive():
                        proc.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(now=exc_type is not None)


def _connect_within(
    client_cls: Callable[..., Any], address: str, timeout: float
) -> tuple[Any, BaseException | None]:
    """``client_cls(address, timeout=timeout)``, given up on after ``timeout`` seconds.

    Dask's own timeout covers a refused or unreachable address, but not a listener that
    accepts the connection and never answers (a port held by another program): the
    client then waits for ever (tests/test_sweep.py shows it). So the client is built in a
    daemon thread that is abandoned at the deadline; a daemon thread does not keep the
    process alive. (In a long-lived process, a client that connects after the deadline is
    left to that thread; the command line exits with code 2 before it matters.)

    Returns:
        The client and ``None``, or ``None`` and the exception (``None`` if no answer).
    """
    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = client_cls(address, timeout=timeout)
        except Exception as exc:  # reported by the caller
            box["error"] = exc

    worker = threading.Thread(target=connect, name="scalesim-dask-connect", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return None, None
    return box.get("client"), box.get("error")


class DaskExecutor:
    """Run tasks on a Dask ``distributed`` cluster.

    Args:
        address: ``"local"`` to start a :class:`distributed.LocalCluster` here, or a
            scheduler address such as ``tcp://10.0.0.5:8786``.
        workers: Workers of a local cluster (ignored for a remote one).
        processes: Local cluster with worker processes (default) or threads in this
            process (``False``; fine for tests, numpy releases the GIL only in parts).
        timeout: Seconds to wait for a remote scheduler before giving up.

    Raises:
        ScalesimInputError: If the scheduler cannot be reached (source ``--dask``).
    """

    name = "dask"

    def __init__(
        self,
        address: str = "local",
        workers: int | None = None,
        processes: bool = True,
        timeout: float = DASK_CONNECT_TIMEOUT_S,
    ) -> None:
        import logging

        from distributed import Client, LocalCluster

        # The cluster's own INFO logging would interleave with the progress bar.
        logging.getLogger("distributed").setLevel(logging.WARNING)
        self.address = address
        self._cluster = None
        if address == "local":
            n = max(1, workers or len(os.sched_getaffinity(0)))
            # Its worker processes ignore Ctrl-C (the command stops the cluster itself).
            with sigint_ignored():
                self._cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=None,
                    # Nothing from the workers' own loggers: a task's error reaches the
                    # command through its future; what else they log is shutdown noise
                    # (cancelled tasks, or, on a busy machine, a heartbeat that found the
                    # scheduler gone after Ctrl-C, logged at ERROR with a traceback).
                    silence_logs=logging.CRITICAL,
                )
            self.client = Client(self._cluster)
            self.workers = n
            return
        if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")):
            raise ScalesimInputError(
                "--dask",
                "",
                f"expected 'local' or a scheduler address such as "
                f"tcp://host:8786 (got {address!r})",
            )
        client, exc = _connect_within(Client, address, timeout)
        if client is None:  # refused, timed out, or not a Dask scheduler at all
            detail = f"{type(exc).__name__}: {exc}" if exc is not None else "no answer"
            detail = detail if len(detail) < 120 else detail[:117] + "..."
            raise ScalesimInputError(
                "--dask",
                "",
                f"could not connect to a Dask scheduler at {address} (waited at "
                f"most {timeout:g} s; {detail}); start one with `dask scheduler` and "
                "`dask worker ADDRESS`, or use --dask local",
            ) from None
        self.client = client
        info = self.client.scheduler_info()
        self.workers = max(1, len(info.get("workers", {})))

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in completion order."""
        from distributed import as_completed

        futures = self.client.map(fn, list(tasks), pure=False)
        try:
            for f in as_completed(futures):
                yield f.result()
                f.release()
        finally:
            for f in futures:
                if not f.done():
                    f.cancel()

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this executor started it."""
        import logging

        # Closing is on purpose: connection errors logged while it happens are noise.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(workers: int | None = None, dask: str | None = None) -> Any:
    """The executor the CLI options ask for.

    Args:
        workers: ``None`` or ``1`` runs serially; more uses that many local processes (or,
            with ``dask="local"``, that many local Dask workers).
        dask: ``"local"`` or a scheduler address; None for no Dask.
    """
    if workers is not None and workers < 1:
        raise ScalesimInputError("--workers", "", f"expected a number >= 1 (got {workers})")
    if dask:
        return DaskExecutor(dask, workers=workers)
    if workers is None or workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
