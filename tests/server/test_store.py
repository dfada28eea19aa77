"""The SQLite job store: WAL mode, the atomic per-client cap, re-queueing after a crash, deletion."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from unmask.server.store import DEFAULT_OWNER, SCHEMA_VERSION, Job, JobStore, StoreError


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


def test_each_owner_sees_only_their_jobs_and_no_owner_means_every_job(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    mine, theirs = new_job(1), new_job(2)
    mine.owner, theirs.owner = "alice", "bob"
    store.add(mine)
    store.add(theirs)
    assert store.get("job1", "alice").id == "job1" and store.get("job1", "bob") is None
    assert [job.id for job in store.history(owner="bob")[0]] == ["job2"] and store.history(owner="bob")[1] == 1
    assert store.history()[1] == 2  # a server without tokens: every job
    store.claim("job1")
    store.finish("job1", {"verdict": "real"}, "<p>report</p>", None)
    assert store.report("job1", "bob") is None and store.report("job1", "alice") == "<p>report</p>"
    assert store.delete("job1", "bob") is None and store.delete("job1", "alice").id == "job1"
    store.close()


def test_a_finished_job_forgets_its_clients_address(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    for number in (1, 2):
        store.add(new_job(number))
        store.claim(f"job{number}")
    store.finish("job1", {"verdict": "real"}, "", None)
    store.fail("job2", "internal error", None)
    assert store.get("job1").client == store.get("job2").client == ""
    store.close()


def test_purge_forgets_finished_jobs_past_their_time_and_never_active_ones(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    for number in range(4):
        store.add(new_job(number))
    for number in (0, 1):
        store.claim(f"job{number}")
        store.finish(f"job{number}", {"verdict": "real"}, "", f"/kept/{number}")
    store.claim("job2")  # running
    cut = time.time()
    store.claim("job3")
    store.fail("job3", "internal error", None)  # finished after the cut
    old = store.get("job0").finished
    gone = store.purge(cut)
    assert sorted(job.id for job in gone) == ["job0", "job1"] and {job.media for job in gone} == {"/kept/0", "/kept/1"}
    assert [store.get(f"job{n}") is None for n in range(4)] == [True, True, False, False]
    assert old < cut and store.purge(cut) == []
    store.close()


def test_a_version_1_store_is_upgraded_and_its_jobs_belong_to_the_default_owner(tmp_path):
    path = tmp_path / "jobs.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, created REAL NOT NULL, started REAL, "
        "finished REAL, client TEXT NOT NULL, filename TEXT NOT NULL, kind TEXT, format TEXT, size INTEGER NOT NULL, "
        "sha256 TEXT, media TEXT, frames_done INTEGER NOT NULL DEFAULT 0, frames_expected INTEGER, "
        "attempts INTEGER NOT NULL DEFAULT 0, verdict TEXT, score REAL, error TEXT, result TEXT, report TEXT);"
        "INSERT INTO jobs (id, status, created, client, filename, size) VALUES ('old', 'queued', 1, 'x', 'a.jpg', 1);"
        "PRAGMA user_version=1;"
    )
    old.close()
    store = JobStore(path)
    assert store.get("old", DEFAULT_OWNER).filename == "a.jpg" and store.get("old", "alice") is None
    assert store._conn().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    store.close()
