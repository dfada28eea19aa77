import time

import jsonschema
import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed (pip install -e '.[server]')")

from fastapi.testclient import TestClient

from unmask.cli import main
from unmask.server import Settings, create_app
from unmask.server.store import JobStore
from unmask.verdict import scan_schema


def wait_for(client, job_id, timeout=120):
    deadline = time.monotonic() + timeout
    while (job := client.get(f"/v1/scans/{job_id}").json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, f"job still {job['status']}"
        time.sleep(0.1)
    return job


def test_the_server_hands_its_jobs_to_the_cluster_and_keeps_them_in_its_store(archive, cluster, tmp_path):
    settings = Settings(db=tmp_path / "server.db", cluster=cluster, workers=2)
    with TestClient(create_app(settings)) as client:
        jobs = {}
        for name in ("face_2.jpg", "clip.mp4", "cup_1.jpg"):
            with open(archive / name, "rb") as handle:
                response = client.post("/v1/scans", files={"file": (name, handle)})
            assert response.status_code in (200, 201, 202), response.text
            jobs[name] = response.json()["id"]
        done = {name: wait_for(client, job_id) for name, job_id in jobs.items()}
        report = client.get(f"/v1/scans/{jobs['face_2.jpg']}/report")
    assert done["face_2.jpg"]["status"] == "done" and done["face_2.jpg"]["verdict"] in ("real", "fake")
    assert done["clip.mp4"]["result"]["kind"] == "video" and done["clip.mp4"]["result"]["path"] == "clip.mp4"
    for job in done.values():
        jsonschema.validate(job["result"], scan_schema())
    assert done["cup_1.jpg"]["result"]["verdict"] == "not_applicable"
    assert "unmask-upload-" not in done["cup_1.jpg"]["result"]["reason"]  # named as uploaded, not as copied
    assert report.status_code == 200 and "face_2.jpg" in report.text
    store = JobStore(settings.db)
    assert {store.get(job_id).status for job_id in jobs.values()} == {"done"}
    store.close()


def test_serve_with_a_cluster_it_cannot_reach_is_one_line(capsys, tmp_path, monkeypatch):
    from unmask.cluster import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT_S", 0.5)
    assert main(["serve", "--db", str(tmp_path / "s.db"), "--cluster", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("unmask: error: --cluster tcp://127.0.0.1:1: cannot connect") and err.count("\n") == 1
