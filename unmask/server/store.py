"""The job store: every scan the server was asked for, its progress and its result, in one SQLite file.

A server that stops (a crash, a restart, Ctrl-C) loses nothing: jobs are rows, and on start-up the ones left
``queued`` or ``running`` are queued again. The stdlib ``sqlite3`` in WAL mode lets readers (the HTTP
handlers) go on while a worker writes; each thread reads through its own connection, and writes take one lock
so that check-then-insert steps (the per-client cap) are atomic. Results keep the media's sha256, never the
media itself.

Each job belongs to an ``owner``: the name of the token that uploaded it (:data:`DEFAULT_OWNER` for a server with
one token or none, and for jobs stored before owners existed); the readers take an ``owner`` and then see only
that owner's jobs. A job keeps its client's address only while it is queued or running (the per-client cap
needs it there), and :meth:`JobStore.purge` forgets finished jobs past their retention.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from unmask.errors import UnmaskError

Status = Literal["queued", "running", "done", "failed"]
STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed")
ACTIVE = ("queued", "running")
SCHEMA_VERSION = 2  # 2: jobs have an owner
DEFAULT_OWNER = "default"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    client TEXT NOT NULL,
    filename TEXT NOT NULL,
    kind TEXT,
    format TEXT,
    size INTEGER NOT NULL,
    sha256 TEXT,
    media TEXT,
    frames_done INTEGER NOT NULL DEFAULT 0,
    frames_expected INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    verdict TEXT,
    score REAL,
    error TEXT,
    result TEXT,
    report TEXT,
    owner TEXT NOT NULL DEFAULT 'default'
);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created DESC);
CREATE INDEX IF NOT EXISTS jobs_by_client ON jobs (client, status);
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, created DESC);
CREATE INDEX IF NOT EXISTS jobs_by_finished ON jobs (finished);
"""
# Every column but the (large) result and report, for listings.
_SUMMARY = (
    "id, status, created, started, finished, client, filename, kind, format, size, sha256, media, frames_done, "
    "frames_expected, attempts, verdict, score, error, owner"
)


class StoreError(UnmaskError):
    """The job store cannot be opened or used (a path that cannot be written, a newer store, a damaged file)."""


def _iso(stamp: float | None) -> str | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, UTC).isoformat(timespec="milliseconds")


@dataclass
class Job:
    """One scan job as stored; ``media`` is the upload's path while it is kept, else None."""

    id: str
    status: Status
    created: float
    client: str
    filename: str
    size: int
    kind: str | None = None
    format: str | None = None
    sha256: str | None = None
    media: str | None = None
    frames_done: int = 0
    frames_expected: int | None = None
    attempts: int = 0
    started: float | None = None
    finished: float | None = None
    verdict: str | None = None
    score: float | None = None
    error: str | None = None
    result: dict[str, Any] | None = None
    owner: str = DEFAULT_OWNER

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        data = dict(row)
        data.pop("report", None)
        if data.get("result") is not None:
            data["result"] = json.loads(data["result"])
        return cls(**data)

    def to_dict(self, with_result: bool = True) -> dict[str, Any]:
        """The job as the API shows it: no server paths, no client address; the scan JSON once done."""
        data: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "filename": self.filename,
            "kind": self.kind,
            "format": self.format,
            "size": self.size,
            "sha256": self.sha256,
            "created": _iso(self.created),
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "progress": {"done": self.frames_done, "expected": self.frames_expected},
            "verdict": self.verdict,
            "score": self.score,
            "error": self.error,
            "media_kept": self.media is not None and self.status in ("done", "failed"),
        }
        if with_result:
            data["result"] = self.result
        return data


class JobStore:
    """SQLite-backed jobs; safe to share between the HTTP handlers and the worker threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._prepare()
        except (OSError, sqlite3.Error) as err:
            self.close()
            raise StoreError(f"{self.path}: cannot open the job store ({err})") from None

    def _prepare(self) -> None:
        conn = self._conn()
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"SQLite could not switch to WAL mode (got {mode})")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.OperationalError(f"written by a newer unmask: job store version {version}")
        with self._lock:
            columns = {row["name"] for row in conn.execute("PRAGMA table_info(jobs)")}
            if columns and "owner" not in columns:  # version 1: every job so far is the default owner's
                conn.execute(f"ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '{DEFAULT_OWNER}'")
            conn.executescript(_SCHEMA)  # commits on its own; CREATE ... IF NOT EXISTS makes it idempotent
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise sqlite3.ProgrammingError("the job store is closed")
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, under the store's lock."""
        conn = self._conn()
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection the store opened (from any thread)."""
        with self._lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    # --- reading -------------------------------------------------------------------------------------------

    def get(self, job_id: str, owner: str | None = None) -> Job | None:
        """The job (with its result, without its report), or None; with ``owner``, only if it is theirs."""
        where, args = _mine("id = ?", (job_id,), owner)
        row = self._conn().execute(f"SELECT * FROM jobs WHERE {where}", args).fetchone()
        return None if row is None else Job.from_row(row)

    def report(self, job_id: str, owner: str | None = None) -> str | None:
        """The job's HTML report, or None when there is no such job (of ``owner``'s) or it is not done."""
        where, args = _mine("id = ? AND status = 'done'", (job_id,), owner)
        row = self._conn().execute(f"SELECT report FROM jobs WHERE {where}", args).fetchone()
        return None if row is None else row["report"]

    def history(self, limit: int = 20, offset: int = 0, owner: str | None = None) -> tuple[list[Job], int]:
        """Jobs latest first (without results), and how many there are in all; with ``owner``, only theirs."""
        conn = self._conn()
        where, args = _mine("1", (), owner)
        rows = conn.execute(
            f"SELECT {_SUMMARY} FROM jobs WHERE {where} ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
        total = conn.execute(f"SELECT COUNT(*) FROM jobs WHERE {where}", args).fetchone()[0]
        return [Job.from_row(row) for row in rows], int(total)

    def active(self, client: str | None = None) -> int:
        """How many jobs are queued or running (for one client, or for all)."""
        sql = "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')"
        if client is None:
            return int(self._conn().execute(sql).fetchone()[0])
        return int(self._conn().execute(sql + " AND client = ?", (client,)).fetchone()[0])

    def counts(self) -> dict[str, int]:
        """The number of jobs in each status."""
        rows = self._conn().execute("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").fetchall()
        found = {row["status"]: int(row["n"]) for row in rows}
        return {status: found.get(status, 0) for status in STATUSES}

    def media_paths(self) -> set[str]:
        """The uploads that some job still refers to."""
        rows = self._conn().execute("SELECT media FROM jobs WHERE media IS NOT NULL").fetchall()
        return {row["media"] for row in rows}

    # --- writing -------------------------------------------------------------------------------------------

    def add(self, job: Job, cap: int | None = None) -> bool:
        """Insert a new queued job; False (nothing inserted) when its client already has ``cap`` active jobs."""
        with self._write() as db:
            if cap is not None:
                active = db.execute(
                    "SELECT COUNT(*) FROM jobs WHERE client = ? AND status IN ('queued', 'running')", (job.client,)
                ).fetchone()[0]
                if active >= cap:
                    return False
            db.execute(
                "INSERT INTO jobs (id, status, created, client, filename, kind, format, size, sha256, media, "
                "frames_expected, owner) VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id,
                    job.created,
                    job.client,
                    job.filename,
                    job.kind,
                    job.format,
                    job.size,
                    job.sha256,
                    job.media,
                    job.frames_expected,
                    job.owner,
                ),
            )
        return True

    def claim(self, job_id: str) -> Job | None:
        """Move a queued job to running and return it; None when it is gone or no longer queued."""
        with self._write() as db:
            changed = db.execute(
                "UPDATE jobs SET status = 'running', started = ?, frames_done = 0, attempts = attempts + 1 "
                "WHERE id = ? AND status = 'queued'",
                (time.time(), job_id),
            ).rowcount
        return self.get(job_id) if changed else None

    def progress(self, job_id: str, done: int, expected: int | None) -> None:
        """Record frames done and expected of a running job."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET frames_done = ?, frames_expected = COALESCE(?, frames_expected) "
                "WHERE id = ? AND status = 'running'",
                (done, expected, job_id),
            )

    def finish(self, job_id: str, result: dict[str, Any], report: str, media: str | None) -> bool:
        """Store a finished scan (and forget its client's address); False when the job was deleted meanwhile."""
        with self._write() as db:
            return bool(
                db.execute(
                    "UPDATE jobs SET status = 'done', finished = ?, verdict = ?, score = ?, error = ?, result = ?, "
                    "report = ?, media = ?, sha256 = COALESCE(?, sha256), client = '', "
                    "frames_done = MAX(frames_done, COALESCE(frames_expected, 0)) WHERE id = ?",
                    (
                        time.time(),
                        result.get("verdict"),
                        result.get("score"),
                        result.get("reason") if result.get("verdict") == "error" else None,
                        json.dumps(result),
                        report,
                        media,
                        result.get("sha256"),
                        job_id,
                    ),
                ).rowcount
            )

    def fail(self, job_id: str, error: str, media: str | None) -> None:
        """Mark a job failed: the server could not produce a result for it (the reason is one line)."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET status = 'failed', finished = ?, error = ?, media = ?, client = '' WHERE id = ?",
                (time.time(), error, media, job_id),
            )

    def release(self, job_id: str) -> None:
        """Put a running job back in the queue (the server is stopping before it finished)."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET status = 'queued', started = NULL, frames_done = 0 "
                "WHERE id = ? AND status = 'running'",
                (job_id,),
            )

    def requeue_interrupted(self) -> list[str]:
        """Queue again the jobs a previous run left running; return every queued job, oldest first."""
        with self._write() as db:
            db.execute("UPDATE jobs SET status = 'queued', started = NULL, frames_done = 0 WHERE status = 'running'")
            rows = db.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY created, rowid").fetchall()
        return [row["id"] for row in rows]

    def delete(self, job_id: str, owner: str | None = None) -> Job | None:
        """Remove a job (``owner``'s, when given) and its result; returns what was removed (its media path is for
        the caller to delete)."""
        where, args = _mine("id = ?", (job_id,), owner)
        with self._write() as db:
            row = db.execute(f"SELECT {_SUMMARY} FROM jobs WHERE {where}", args).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        return Job.from_row(row)

    def purge(self, finished_before: float) -> list[Job]:
        """Forget every job that finished (done or failed) before ``finished_before`` (a time stamp); returns
        them (their kept media is for the caller to delete). Queued and running jobs are never purged."""
        with self._write() as db:
            rows = db.execute(
                f"SELECT {_SUMMARY} FROM jobs WHERE status IN ('done', 'failed') AND finished < ?", (finished_before,)
            ).fetchall()
            db.execute("DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished < ?", (finished_before,))
        return [Job.from_row(row) for row in rows]


def _mine(where: str, args: tuple[Any, ...], owner: str | None) -> tuple[str, tuple[Any, ...]]:
    """``where`` narrowed to ``owner``'s jobs (unchanged when ``owner`` is None)."""
    return (where, args) if owner is None else (f"{where} AND owner = ?", (*args, owner))
