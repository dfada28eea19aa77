"""The Dask side: connecting to a cluster, loading the scanner once per worker, and running one task per input.

``connect("tcp://host:8786")`` joins a running scheduler; ``connect("local")`` or ``connect("local:N")`` starts a
LocalCluster of N worker processes on loopback (default: one per core). :class:`Cluster` registers a
:class:`ScannerPlugin` that builds the scanner on each worker when it joins (a worker restarted after a crash
builds its own), so a task only scans. Dask re-runs the tasks of a worker that dies on another one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import dask
from distributed import Client, Future, LocalCluster, WorkerPlugin, as_completed, get_worker

from unmask.errors import UnmaskError, one_line
from unmask.verdict import Scanner, ScanResult

T = TypeVar("T")
R = TypeVar("R")
ScannerBuilder = Callable[[], Scanner]
Task = Callable[[Scanner, Any], Any]
CONNECT_TIMEOUT_S = 10.0
LOCAL_CONFIG = {
    # Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which makes glibc hand every freed array back to
    # the system and fault it in again at the next frame: a scan took 32-35 ms instead of 25-26 (BENCHMARKS.md).
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}


class ClusterError(UnmaskError):
    """A cluster that cannot be reached or started, or a task that it could not run."""


def local_workers(address: str) -> int | None:
    """The number of worker processes ``address`` asks for if it names a local cluster (``local``: one per core;
    ``local:N``), else None. Raises :class:`ClusterError` for ``local:`` followed by anything but a count."""
    if address != "local" and not address.startswith("local:"):
        return None
    count = address.partition(":")[2]
    if not count:
        return os.cpu_count() or 1
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"--cluster {address}: expected local or local:N with N at least 1")
    return int(count)


def threads_per_scan(address: str) -> int:
    """The threads each scanner may use: the cores shared out between the workers of a local cluster of more
    than one; 0 (the libraries' default, as a plain scan has) for one worker, or on a remote cluster, whose
    workers own their machines (start one single-threaded worker process per core there)."""
    workers = local_workers(address)
    return 0 if workers is None or workers == 1 else max(1, (os.cpu_count() or 1) // workers)


def connect(address: str) -> tuple[Client, LocalCluster | None]:
    """A client of the scheduler at ``address`` (``tcp://host:8786``), or of a new LocalCluster (``local[:N]``:
    N worker processes of one thread each on loopback), with that local cluster (None for a remote one)."""
    workers = local_workers(address)
    try:
        if workers is None:
            return Client(address, timeout=CONNECT_TIMEOUT_S), None
        with dask.config.set(LOCAL_CONFIG):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        return Client(cluster), cluster
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        raise ClusterError(f"--cluster {address}: cannot connect: {one_line(err, 200)}") from None


class ScannerPlugin(WorkerPlugin):
    """Holds a worker's scanners: one built when the worker joins, more only where a worker runs tasks in several
    threads at once (a scanner's face models are not thread-safe)."""

    def __init__(self, build: ScannerBuilder) -> None:
        self.build = build
        self.idle: queue.SimpleQueue[Scanner] = queue.SimpleQueue()
        self.failure: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"build": self.build}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["build"])

    def setup(self, worker: Any) -> None:
        try:
            self.idle.put(self.build())
        except Exception as err:  # noqa: BLE001 - said by each task, not lost in the worker's log
            self.failure = one_line(err, 300)

    def run(self, task: Task, item: Any) -> Any:
        if self.failure is not None:
            raise ClusterError(f"the scanner could not be loaded on this worker: {self.failure}")
        try:
            scanner = self.idle.get_nowait()
        except queue.Empty:
            scanner = self.build()
        try:
            return task(scanner, item)
        finally:
            self.idle.put(scanner)


def _on_worker(plugin: str, task: Task, item: Any) -> Any:
    """What a Dask task runs: ``task(scanner, item)`` with a scanner of the worker's plugin."""
    return get_worker().plugins[plugin].run(task, item)


def _plugin_failure(plugin: str, dask_worker: Any = None) -> str | None:
    """Why a worker's plugin could not build its scanner (None: it could); run on each worker by ``client.run``."""
    return dask_worker.plugins[plugin].failure


class Cluster:
    """A client with a scanner plugin on every worker: ``map`` runs one task per item and yields each item with
    its result as it finishes. A context manager; closing it removes the plugin (and stops a local cluster)."""

    def __init__(self, address: str, build: ScannerBuilder) -> None:
        self.address = address
        self.client, self.local = connect(address)
        self.plugin = f"unmask-scanner-{uuid.uuid4().hex[:12]}"
        try:
            self.client.register_plugin(ScannerPlugin(build), name=self.plugin)
            failures = {failure for failure in self.client.run(_plugin_failure, self.plugin).values() if failure}
        except Exception as err:  # noqa: BLE001 - whatever the scheduler answered, said in one line
            self.close()
            raise ClusterError(f"--cluster {address}: cannot set up the workers: {one_line(err, 200)}") from None
        if failures:  # a bad model card: said once, not once per input
            self.close()
            raise ClusterError(f"--cluster {address}: the workers cannot load the scanner: {min(failures)}")

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.local is None and self.client.status == "running":
            with contextlib.suppress(Exception):  # a worker gone meanwhile keeps nothing to remove
                self.client.unregister_worker_plugin(self.plugin)
        self.client.close()
        if self.local is not None:
            self.local.close()

    def workers(self) -> int:
        """How many workers the scheduler has now."""
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def submit(self, task: Callable[[Scanner, T], R], item: T) -> Future:
        """Run ``task(scanner, item)`` on a worker; a future of its result."""
        return self.client.submit(_on_worker, self.plugin, task, item, pure=False)

    def map(self, task: Callable[[Scanner, T], R], items: Iterable[T]) -> Iterator[tuple[T, R | ClusterError]]:
        """Run ``task(scanner, item)`` for each item, one task each, and yield ``(item, result)`` as each
        finishes, in no set order; a task that failed (a worker that died on it again and again) gives a
        :class:`ClusterError` in place of its result. Each result is released once yielded. The task travels with
        each item (not scattered once: scattered data dies with the workers that hold it, a task does not)."""
        pending: dict[Future, T] = {self.submit(task, item): item for item in items}
        # Results gathered by the client's event loop, in batches: no round trip from this thread per result.
        for future, result in as_completed(list(pending), with_results=True, raise_errors=False):
            item = pending.pop(future)
            failed = future.status == "error"  # read before release(): a released future's status moves on
            future.release()
            if failed:  # the result is the task's exc_info (type, exception, traceback)
                error = result[1] if isinstance(result, tuple) else result
                yield item, ClusterError(one_line(error, 300))
            else:
                yield item, result

    def wait(self, future: Future, stop: Callable[[], bool], poll_s: float = 0.25) -> Any:
        """The result of ``future``, checking ``stop()`` every ``poll_s`` seconds (which may raise, to give up:
        the future is then cancelled)."""
        try:
            while not future.done():
                stop()
                with contextlib.suppress(TimeoutError):
                    future.result(timeout=poll_s)
            return future.result()
        finally:
            if not future.done():
                future.cancel()
            future.release()


def scan_upload(scanner: Scanner, upload: tuple[str, bytes]) -> ScanResult:
    """A task: scan a file sent as bytes (written to a scratch folder on the worker under the same name) and give
    its result, with its pictures, naming the file as the sender does."""
    path, data = upload
    with tempfile.TemporaryDirectory(prefix="unmask-upload-") as folder:
        copy = Path(folder) / Path(path).name
        copy.write_bytes(data)
        result = scanner.scan(copy)
    result.path = result.source = path
    if result.reason:
        result.reason = result.reason.replace(str(copy), path)
    return result


class RemoteScanner:
    """Stands in for a :class:`~unmask.verdict.Scanner` where a scan must run on a cluster: each ``scan`` is one
    task, the file's bytes sent with it (the workers need no shared disk), its result with pictures sent back.
    ``progress`` is not called with frames; it is called about once a second with ``(0, None)`` while the task
    runs, and may raise to give up (the task is cancelled)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def scan(
        self,
        source: str | os.PathLike[str],
        on_frame: object = None,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> ScanResult:
        if on_frame is not None:
            raise ValueError("a scan on a cluster sends no frames back")
        path = os.fspath(source)
        data = self.cluster.client.scatter(Path(path).read_bytes(), hash=False)
        future = self.cluster.client.submit(_on_worker, self.cluster.plugin, scan_upload, (path, data), pure=False)
        try:
            return self.cluster.wait(future, stop=lambda: progress(0, None) if progress else None, poll_s=1.0)
        finally:
            data.release()


class RemoteScanners:
    """A factory of :class:`RemoteScanner` on one connection to the cluster at ``address`` (its workers'
    scanners made by ``build``), for the server's worker pool, which closes it when it stops."""

    def __init__(self, address: str, build: ScannerBuilder) -> None:
        self.cluster = Cluster(address, build)

    def __call__(self) -> RemoteScanner:
        return RemoteScanner(self.cluster)

    def close(self) -> None:
        self.cluster.close()
