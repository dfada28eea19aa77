"""The SQLite job store: WAL mode, the atomic per-client cap, re-queueing after a crash, deletion."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from unmask.server.store import Job, JobStore, StoreError


def new_job(number: int, client: str = "10.0.0.1") -> Job:
    return Job(
        id=f"job{number}", status="queued", created=time.time() + number, client=client, filename="a.jpg", size=1
    )


def test_the_store_is_in_wal_mode_and_survives_reopening(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    assert store.add(new_job(1))
    store.close()
    again = JobStore(tmp_path / "jobs.db")
    assert again.get("job1").status == "queued"
    assert sqlite3.connect(tmp_path / "jobs.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again.close()


def test_the_cap_holds_under_concurrent_inserts(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    results: list[bool] = []
    threads = [threading.Thread(target=lambda n=n: results.append(store.add(new_job(n), cap=3))) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 3 and store.active("10.0.0.1") == 3
    assert store.add(new_job(99, client="10.0.0.2"), cap=3)  # another client has its own cap
    store.close()


def test_a_job_runs_once_and_running_jobs_are_requeued_after_a_crash(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    for number in range(3):
        store.add(new_job(number))
    assert store.claim("job0").status == "running"
    assert store.claim("job0") is None  # a second claim (the same id queued twice) does nothing
    assert store.claim("job2").status == "running"
    store.finish("job2", {"verdict": "real", "score": 0.1, "sha256": "ab"}, "<html>", None)
    # The process dies here with job0 running: the next start queues it again, before job1, its elder.
    assert store.requeue_interrupted() == ["job0", "job1"]
    assert [store.get(f"job{n}").status for n in range(3)] == ["queued", "queued", "done"]
    assert store.claim("job0").attempts == 2
    store.close()


def test_finish_stores_result_and_report_and_history_leaves_them_out(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    store.add(new_job(1))
    store.claim("job1")
    assert store.finish("job1", {"verdict": "fake", "score": 0.9, "sha256": "cd"}, "<p>report</p>", None)
    job = store.get("job1")
    assert (job.status, job.verdict, job.score, job.sha256) == ("done", "fake", 0.9, "cd")
    assert job.result == {"verdict": "fake", "score": 0.9, "sha256": "cd"}
    assert store.report("job1") == "<p>report</p>"
    (listed,), total = store.history()
    assert total == 1 and listed.result is None
    assert store.delete("job1").id == "job1" and store.get("job1") is None
    assert not store.finish("job1", {"verdict": "real"}, "", None)  # deleted meanwhile
    store.close()


def test_a_store_written_by_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "jobs.db"
    JobStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(StoreError, match="newer unmask"):
        JobStore(path)


def test_a_store_that_cannot_be_written_is_a_one_line_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open the job store"):
        JobStore(tmp_path / "file" / "jobs.db")
