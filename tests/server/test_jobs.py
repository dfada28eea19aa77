"""The worker pool: a stop in the middle of a scan, internal failures, and several workers at once."""

from __future__ import annotations

import os
import threading
import time

import jsonschema
import pytest
from fastapi.testclient import TestClient

from unmask.server import jobs
from unmask.server.store import JobStore
from unmask.verdict import scan_schema


class GatedScanner:
    """A real scanner that waits at its first frame until released: the test decides when the scan goes on."""

    def __init__(self, inner, reached: threading.Event, release: threading.Event) -> None:
        self.inner, self.reached, self.release = inner, reached, release
        self.classifier = inner.classifier

    def scan(self, source, on_frame=None, progress=None):
        def gated(done, expected):
            self.reached.set()
            self.release.wait(60)
            progress(done, expected)

        return self.inner.scan(source, on_frame=on_frame, progress=gated)


class BrokenScanner:
    def scan(self, source, on_frame=None, progress=None):
        raise RuntimeError("the scanner broke\nover two lines")


def test_a_server_stopped_in_the_middle_of_a_scan_finishes_it_after_restart(make_app, scanner, media, upload, wait_for):
    reached, release = threading.Event(), threading.Event()
    first = make_app(scanner_factory=lambda: GatedScanner(scanner, reached, release))
    client = TestClient(first).__enter__()
    job_id = upload(client, media / "single_face.mp4").json()["id"]
    assert reached.wait(60), "the scan never reached its first frame"
    assert client.get(f"/v1/scans/{job_id}").json()["status"] == "running"
    stopper = threading.Thread(target=client.__exit__, args=(None, None, None))
    stopper.start()  # the server shuts down while the scan is at its first frame...
    while not first.state.pool.stopping:
        time.sleep(0.01)
    release.set()  # ...and the scan notices at that frame
    stopper.join(60)
    assert not stopper.is_alive()
    store = JobStore(first.state.settings.db)
    job = store.get(job_id)
    store.close()
    assert job.status == "queued" and job.result is None and job.media is not None
    with TestClient(make_app()) as client:
        done = wait_for(client, job_id)
    assert done["status"] == "done" and done["verdict"] in ("real", "fake", "not_applicable")
    assert done["progress"]["done"] == done["progress"]["expected"] >= len(done["result"]["frames"])
    jsonschema.validate(done["result"], scan_schema())


def test_a_job_the_server_cannot_finish_fails_with_a_one_line_error(make_app, media, upload, wait_for):
    app = make_app(scanner_factory=BrokenScanner)
    with TestClient(app) as client:
        job = wait_for(client, upload(client, media / "astronaut.jpg").json()["id"])
        assert client.get(f"/v1/scans/{job['id']}/report").status_code == 404
    assert job["status"] == "failed" and job["result"] is None
    assert job["error"] == "internal error: the scanner broke over two lines"
    assert list(app.state.settings.media_dir.iterdir()) == []  # deleted, as after a scan


def test_a_job_whose_upload_vanished_fails_and_says_so(make_app, media, upload, wait_for):
    app = make_app()
    client = TestClient(app)
    job_id = upload(client, media / "astronaut.jpg").json()["id"]
    for path in app.state.settings.media_dir.iterdir():
        path.unlink()
    with TestClient(make_app()) as client:
        job = wait_for(client, job_id)
    assert job["status"] == "failed" and "upload it again" in job["error"]


def test_several_workers_scan_at_once_and_lose_nothing(make_app, media, upload, wait_for):
    with TestClient(make_app(workers=2, max_jobs_per_client=10)) as client:
        ids = [upload(client, media / name).json()["id"] for name in ("astronaut.jpg", "astronaut.png") * 3]
        jobs = [wait_for(client, job_id) for job_id in ids]
    assert [job["status"] for job in jobs] == ["done"] * 6
    assert len({job["id"] for job in jobs}) == 6


class Killed(BaseException):
    """The process dying at this point: nothing after it runs in the worker (a kill -9 at the worst moment)."""


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the worker thread's death
def test_a_crash_between_storing_the_result_and_deleting_the_upload_loses_nothing(
    make_app, media, upload, wait_for, monkeypatch
):
    """The process dies right after the upload is deleted: the scan it had finished must not turn ``failed``."""
    crashed = threading.Event()

    def delete_then_die(path):
        os.unlink(path)
        crashed.set()
        raise Killed  # ends the worker thread there and then

    monkeypatch.setattr(jobs, "remove_media", delete_then_die)
    first = make_app()
    with TestClient(first) as client:
        job_id = upload(client, media / "astronaut.jpg").json()["id"]
        assert crashed.wait(120), "the worker never deleted the upload"
    monkeypatch.undo()
    with TestClient(make_app()) as client:  # the restart
        job = wait_for(client, job_id)
    assert job["status"] == "done" and job["verdict"] in ("real", "fake") and job["error"] is None
    jsonschema.validate(job["result"], scan_schema())
    assert list(first.state.settings.media_dir.iterdir()) == []
