"""The worker pool: a few threads that take queued jobs from the store, scan them and store the results.

Each worker holds its own loaded :class:`~unmask.verdict.Scanner` (the face models are not thread-safe, and
loading them per job would cost more than a small scan). The default is one worker: one scan already uses both
cores of the machines this runs on. Stopping the pool interrupts a scan at its next frame and puts the job back
in the queue, so the next start finishes it; a crash leaves it ``running``, which the next start re-queues too.

With ``--cluster`` each worker thread holds a stand-in (:class:`unmask.cluster.engine.RemoteScanner`) that sends
its job's scan to a Dask cluster and waits for it: the store, the claiming and the results stay here.
"""

from __future__ import annotations

import functools
import html
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from unmask.errors import UnmaskError, missing_extra, one_line
from unmask.media import Limits, Sampling
from unmask.models import FakeClassifier
from unmask.server.settings import Settings
from unmask.server.store import Job, JobStore
from unmask.verdict import Scanner, ScanResult

log = logging.getLogger("unmask.server")

ScannerFactory = Callable[[], Scanner]
PROGRESS_EVERY_S = 0.2
LINE = 300  # characters at most of an error, in a job and in the log


class ScanInterrupted(BaseException):
    """Raised inside a scan when the pool stops. A BaseException so that ``Scanner.scan``, which turns any
    Exception into an ``error`` verdict, lets it through and the job is queued again instead."""


def _build_scanner(model: str | None, sampling: Sampling, limits: Limits, threads: int) -> Scanner:
    return Scanner(FakeClassifier(model, threads=threads), sampling=sampling, limits=limits)


def default_scanner_factory(settings: Settings) -> ScannerFactory:
    """Scanners with the configured model; with several workers the cores are shared out between them. With
    ``settings.cluster``, stand-ins that send each scan to the cluster, whose workers load the model."""
    build = functools.partial(_build_scanner, settings.model, settings.sampling, settings.limits)
    if settings.cluster:
        try:
            from unmask.cluster.engine import RemoteScanners, threads_per_scan
        except ImportError as err:
            raise UnmaskError(missing_extra(err, "cluster")) from None
        return RemoteScanners(settings.cluster, functools.partial(build, threads_per_scan(settings.cluster)))
    return functools.partial(build, max(1, (os.cpu_count() or 1) // settings.workers) if settings.workers > 1 else 0)


def minimal_report(result: ScanResult, note: str | None = None) -> str:
    """A bare page with the verdict and the per-frame scores, when the full HTML report cannot be made."""
    rows = "".join(
        f"<tr><td>{frame.index}</td><td>{'' if frame.time is None else f'{frame.time:.2f}'}</td>"
        f"<td>{frame.faces}</td><td>{'' if frame.score is None else f'{frame.score:.3f}'}</td></tr>"
        for frame in result.frames
    )
    score = "" if result.score is None else f", score {result.score:.3f} (threshold {result.threshold:.3f})"
    reason = f"<p>{html.escape(result.reason)}</p>" if result.reason else ""
    extra = f"<p><small>{html.escape(note)}</small></p>" if note else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>unmask report</title></head><body>"
        f"<h1>{html.escape(str(result.path))}</h1><p><b>{html.escape(result.verdict)}</b>{score}</p>{reason}"
        "<table><tr><th>frame</th><th>time (s)</th><th>faces</th><th>highest face score</th></tr>"
        f"{rows}</table>{extra}</body></html>"
    )


def render_report(result: ScanResult, with_pictures: bool = False) -> str:
    """The result's full HTML report (with the face pictures and heatmaps only if ``with_pictures``), or the
    minimal page if that cannot be made."""
    try:
        return result.to_html(with_pictures=with_pictures)
    except Exception as err:  # noqa: BLE001 - a report that fails to render must not lose the scan
        log.warning("a report could not be rendered: %s", one_line(err, LINE))
        return minimal_report(result, f"the full report could not be rendered: {one_line(err, LINE)}")


class WorkerPool:
    """A bounded pool of scanning threads fed from the job store."""

    def __init__(self, store: JobStore, settings: Settings, scanner_factory: ScannerFactory | None = None) -> None:
        self.store = store
        self.settings = settings
        self.scanner_factory = scanner_factory or default_scanner_factory(settings)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._busy_lock = threading.Lock()

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called: scans in progress give up at their next frame."""
        return self._stopping.is_set()

    @property
    def busy(self) -> int:
        """How many workers are scanning right now."""
        return self._busy

    def start(self) -> None:
        """Load one scanner per worker, start the threads and queue every job left queued or running."""
        if self._threads:
            return
        scanners = [self.scanner_factory() for _ in range(self.settings.workers)]
        self._stopping.clear()
        for number, scanner in enumerate(scanners):
            thread = threading.Thread(target=self._work, args=(scanner,), name=f"unmask-worker-{number}", daemon=True)
            self._threads.append(thread)
            thread.start()
        pending = self.store.requeue_interrupted()
        if pending:
            log.info("resuming %d queued job(s)", len(pending))
        for job_id in pending:
            self._queue.put(job_id)

    def submit(self, job_id: str) -> None:
        """Queue a job already stored as ``queued``."""
        self._queue.put(job_id)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the workers; a scan in progress stops at its next frame and its job goes back in the queue."""
        self._stopping.set()
        for _ in self._threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        close = getattr(self.scanner_factory, "close", None)
        if close is not None and not self._threads:  # a cluster's connection (unmask.cluster.RemoteScanners)
            close()

    def _work(self, scanner: Scanner) -> None:
        while not self._stopping.is_set():
            job_id = self._queue.get()
            if job_id is None or self._stopping.is_set():
                return  # a job taken off the queue here stays queued in the store for the next start
            with self._busy_lock:
                self._busy += 1
            try:
                self._run(scanner, job_id)
            except ScanInterrupted:
                self.store.release(job_id)
                log.info("stopped while scanning job %s; it will be resumed at the next start", job_id)
                return
            except Exception as err:  # noqa: BLE001 - one job's failure must not take the worker down
                log.error("job %s failed: %s", job_id, one_line(err, LINE))
                self._fail(job_id, f"internal error: {one_line(err, LINE)}")
            finally:
                with self._busy_lock:
                    self._busy -= 1

    def _fail(self, job_id: str, error: str) -> None:
        job = self.store.get(job_id)
        media = job.media if job is not None else None
        kept = media if self.settings.keep_media else None
        self.store.fail(job_id, error, kept)
        if media and not kept:
            remove_media(media)  # after the commit: a crash in between leaves an orphan, swept at the next start

    def _run(self, scanner: Scanner, job_id: str) -> None:
        job = self.store.claim(job_id)
        if job is None:
            return  # deleted, or already taken (a job can be queued twice across a restart)
        if job.media is None or not os.path.isfile(job.media):
            self.store.fail(job_id, "the uploaded file is gone (deleted before it was scanned); upload it again", None)
            return
        started = time.monotonic()
        last = [0.0]

        def progress(done: int, expected: int | None) -> None:
            if self._stopping.is_set():
                raise ScanInterrupted
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S or (expected is not None and done >= expected):
                last[0] = now
                self.store.progress(job_id, done, expected)

        result = scanner.scan(job.media, progress=progress)
        _hide_server_path(result, job)
        # Before the upload is deleted: the report reads the file's Content Credentials.
        report = render_report(result, with_pictures=self.settings.keep_faces)
        kept = job.media if self.settings.keep_media else None
        # The result is committed first, the upload deleted after: a crash in between leaves a finished scan and
        # an orphan upload (swept at the next start), never a job whose upload is gone before its result is in.
        stored = self.store.finish(job_id, result.to_dict(), report, kept)
        if kept is None or not stored:  # not stored: the job was deleted while it was being scanned
            remove_media(job.media)
        log.info("job %s: %s in %.1f s", job_id, result.verdict, time.monotonic() - started)


def _hide_server_path(result: ScanResult, job: Job) -> None:
    """Results name the file as uploaded, never the server's copy of it (``source``, which is not in the JSON,
    still names the copy, for the report's reading of its Content Credentials)."""
    media = job.media or ""
    result.path = job.filename
    if result.reason and media:
        result.reason = result.reason.replace(media, job.filename)


def remove_media(path: str | Path) -> None:
    """Delete an upload; one already gone is fine, one that cannot be deleted is a warning in the log."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        log.warning("could not delete %s: %s", path, one_line(err, LINE))
