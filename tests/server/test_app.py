"""The HTTP API: uploads, results, limits, tokens, caps, privacy, deletion, history and docs.

The shipped model is provisional, so these tests check the structure of what comes back (a verdict of the
right kind, a schema-valid result), never its value.
"""

from __future__ import annotations

import hashlib
import html
import time

import jsonschema
import pytest
from fastapi.testclient import TestClient

from unmask.server.store import JobStore
from unmask.verdict import scan_schema


def media_files(app) -> list:
    folder = app.state.settings.media_dir
    return sorted(folder.iterdir()) if folder.exists() else []


def test_an_uploaded_image_comes_back_with_a_verdict_and_a_schema_valid_result(make_app, media, upload, wait_for):
    app = make_app()
    with TestClient(app) as client:
        response = upload(client, media / "astronaut.jpg")
        assert response.status_code == 202, response.text
        created = response.json()
        assert created["status"] == "queued" and len(created["id"]) == 32
        assert response.headers["location"] == f"/v1/scans/{created['id']}"
        job = wait_for(client, created["id"])
    assert job["status"] == "done", job
    assert job["verdict"] in ("real", "fake")
    assert job["progress"] == {"done": 1, "expected": 1}
    result = job["result"]
    jsonschema.validate(result, scan_schema())
    assert result["verdict"] == job["verdict"] and result["kind"] == "image"
    assert result["path"] == "astronaut.jpg"  # the name as uploaded, never the server's copy
    assert job["sha256"] == result["sha256"] == hashlib.sha256((media / "astronaut.jpg").read_bytes()).hexdigest()


def test_a_video_reports_progress_in_frames_and_its_report_is_html(make_app, media, upload, wait_for):
    app = make_app()
    with TestClient(app) as client:
        job_id = upload(client, media / "single_face.mp4").json()["id"]
        job = wait_for(client, job_id)
        report = client.get(f"/v1/scans/{job_id}/report")
    assert job["status"] == "done" and job["kind"] == "video"
    # Progress counts every frame the scan reads: the sampled ones, and the temporal branch's burst when it runs.
    assert job["progress"]["expected"] == job["progress"]["done"] >= len(job["result"]["frames"]) > 1
    jsonschema.validate(job["result"], scan_schema())
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in report.headers
    assert report.text.lstrip().lower().startswith("<!doctype html")


def test_the_report_is_404_until_the_scan_is_done(make_app, media, upload):
    client = TestClient(make_app())  # no lifespan: no worker runs, the job stays queued
    job_id = upload(client, media / "astronaut.jpg").json()["id"]
    response = client.get(f"/v1/scans/{job_id}/report")
    assert response.status_code == 404
    assert "queued" in response.json()["detail"]
    assert client.get(f"/v1/scans/{job_id}").json()["status"] == "queued"


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("text.jpg", 415, "a text file, not an image or video"),
        ("empty.jpg", 422, "empty file"),
        ("truncated.mp4", 422, "truncated.mp4"),
        ("huge.png", 422, "exceeds the limit"),
    ],
)
def test_what_is_not_readable_media_is_refused_with_a_one_line_reason(make_app, media, upload, name, status, words):
    app = make_app()
    client = TestClient(app)
    response = upload(client, media / name)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert words in detail and "\n" not in detail
    assert str(app.state.settings.media_dir) not in detail  # no server paths in messages
    assert media_files(app) == []
    assert client.get("/v1/scans").json()["total"] == 0


def test_a_file_that_fails_to_decode_ends_done_with_an_error_verdict_and_its_reason(make_app, media, upload, wait_for):
    """Its header is sound, so it is accepted; decoding fails during the scan (documented in unmask.server.app)."""
    with TestClient(make_app()) as client:
        job = wait_for(client, upload(client, media / "truncated.jpg").json()["id"])
    assert job["status"] == "done"
    assert job["verdict"] == job["result"]["verdict"] == "error"
    assert job["error"] == job["result"]["reason"] and job["error"].startswith("truncated.jpg")
    jsonschema.validate(job["result"], scan_schema())


def test_a_request_without_a_file_is_refused(make_app):
    client = TestClient(make_app())
    assert client.post("/v1/scans", content=b"raw bytes").status_code == 415
    response = client.post("/v1/scans", files={"other": ("a.jpg", b"\xff\xd8\xff")})
    assert response.status_code == 422 and "'file'" in response.json()["detail"]
    broken = client.post(
        "/v1/scans", content=b"--xyz\r\nnonsense", headers={"content-type": "multipart/form-data; boundary=xyz"}
    )
    assert broken.status_code == 422


def test_an_upload_over_the_limit_for_its_kind_gets_413_and_leaves_nothing(make_app, media, upload):
    app = make_app(max_image_mb=0.01)
    client = TestClient(app)
    response = upload(client, media / "astronaut.jpg")
    assert response.status_code == 413, response.text
    assert "0.01 MB limit for images" in response.json()["detail"]
    # The kind comes from the content: a JPEG named .mp4 is still held to the image limit...
    assert upload(client, media / "astronaut.jpg", name="clip.mp4").status_code == 413
    # ...and a video, larger than the image limit, is under its own.
    assert upload(client, media / "single_face.mp4").status_code == 202
    assert len(media_files(app)) == 1


def test_a_declared_length_over_every_limit_is_refused_before_reading(make_app):
    client = TestClient(make_app(max_image_mb=0.01, max_video_mb=0.02))
    body = (
        b"--b\r\nContent-Disposition: form-data; name=file; filename=a.mp4\r\n\r\n" + b"\0" * 200_000 + b"\r\n--b--\r\n"
    )
    response = client.post("/v1/scans", content=body, headers={"content-type": "multipart/form-data; boundary=b"})
    assert response.status_code == 413


def test_a_token_is_required_on_the_api_when_set(make_app, media, upload):
    client = TestClient(make_app(token="s3cret"))
    response = upload(client, media / "astronaut.jpg")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["detail"]
    assert upload(client, media / "astronaut.jpg", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/v1/scans").status_code == 401
    good = {"Authorization": "Bearer s3cret"}
    job_id = upload(client, media / "astronaut.jpg", headers=good).json()["id"]
    assert client.get(f"/v1/scans/{job_id}", headers=good).status_code == 200
    assert client.get(f"/v1/scans/{job_id}").status_code == 401
    assert client.delete(f"/v1/scans/{job_id}").status_code == 401
    # The page, its files, the health check and the docs stay open: the page must be able to ask for the token.
    for path in ("/", "/static/app.js", "/healthz", "/docs", "/openapi.json"):
        assert client.get(path).status_code == 200, path
    assert client.get("/healthz").json()["auth"] is True


def test_a_client_with_its_cap_of_jobs_in_flight_gets_429(make_app, media, upload):
    client = TestClient(make_app(max_jobs_per_client=2))  # no workers: jobs stay queued
    assert [upload(client, media / "astronaut.jpg").status_code for _ in range(2)] == [202, 202]
    response = upload(client, media / "astronaut.jpg")
    assert response.status_code == 429
    assert "2 scans uploading, queued or running" in response.json()["detail"]


def test_uploads_are_deleted_once_scanned(make_app, media, upload, wait_for):
    app = make_app()
    with TestClient(app) as client:
        job = wait_for(client, upload(client, media / "astronaut.jpg").json()["id"])
    assert job["status"] == "done" and job["media_kept"] is False
    assert media_files(app) == []


def test_keep_media_keeps_uploads_until_the_scan_is_deleted(make_app, media, upload, wait_for):
    app = make_app(keep_media=True)
    with TestClient(app) as client:
        job = wait_for(client, upload(client, media / "astronaut.jpg").json()["id"])
        assert job["media_kept"] is True
        (kept,) = media_files(app)
        assert kept.read_bytes() == (media / "astronaut.jpg").read_bytes()
        assert client.delete(f"/v1/scans/{job['id']}").status_code == 204
    assert media_files(app) == []


def test_delete_forgets_the_job_its_result_and_report(make_app, media, upload, wait_for):
    with TestClient(make_app()) as client:
        job_id = upload(client, media / "astronaut.jpg").json()["id"]
        wait_for(client, job_id)
        assert client.delete(f"/v1/scans/{job_id}").status_code == 204
        assert client.get(f"/v1/scans/{job_id}").status_code == 404
        assert client.get(f"/v1/scans/{job_id}/report").status_code == 404
        assert client.delete(f"/v1/scans/{job_id}").status_code == 404
        assert client.get("/v1/scans").json()["total"] == 0


def test_deleting_a_queued_job_removes_its_upload(make_app, media, upload):
    app = make_app()
    client = TestClient(app)
    job_id = upload(client, media / "astronaut.jpg").json()["id"]
    assert len(media_files(app)) == 1
    assert client.delete(f"/v1/scans/{job_id}").status_code == 204
    assert media_files(app) == []


def test_the_history_is_latest_first_and_paginated(make_app, media, upload):
    client = TestClient(make_app())
    ids = [upload(client, media / "astronaut.jpg", name=f"photo{i}.jpg").json()["id"] for i in range(3)]
    first = client.get("/v1/scans", params={"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == ids[::-1][:2]
    assert first["total"] == 3 and first["next_offset"] == 2
    assert "result" not in first["items"][0]
    rest = client.get("/v1/scans", params={"limit": 2, "offset": 2}).json()
    assert [item["id"] for item in rest["items"]] == ids[:1] and rest["next_offset"] is None
    bad = client.get("/v1/scans", params={"limit": 0})
    assert bad.status_code == 422 and isinstance(bad.json()["detail"], str)


def test_an_unknown_id_is_404(make_app):
    client = TestClient(make_app())
    for response in (client.get("/v1/scans/nope"), client.get("/v1/scans/nope/report"), client.delete("/v1/scans/x")):
        assert response.status_code == 404 and response.json()["detail"]


def test_docs_work_offline(make_app):
    client = TestClient(make_app())
    schema = client.get("/openapi.json").json()
    assert {"/v1/scans", "/v1/scans/{job_id}", "/v1/scans/{job_id}/report", "/healthz"} <= set(schema["paths"])
    assert "multipart/form-data" in schema["paths"]["/v1/scans"]["post"]["requestBody"]["content"]
    page = client.get("/docs")
    assert page.status_code == 200 and "/v1/scans/{job_id}/report" in page.text
    assert "<script" not in page.text and "cdn" not in page.text.lower()
    index = client.get("/")
    assert 'id="verdict"' in index.text and 'type="file"' in index.text
    assert "http://" not in index.text and "https://" not in index.text  # nothing loaded from elsewhere


def test_healthz_describes_the_service(make_app):
    with TestClient(make_app(workers=1, max_video_mb=100)) as client:
        health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["limits"]["max_video_mb"] == 100 and health["auth"] is False
    assert set(health["jobs"]) == {"queued", "running", "done", "failed"}
    assert {"name", "version", "sha256"} <= set(health["model"])


def test_a_restarted_server_finishes_a_job_a_crash_left_running(make_app, media, upload, wait_for):
    first = make_app()
    job_id = upload(TestClient(first), media / "astronaut.jpg").json()["id"]
    # The crash: a worker had claimed the job (status running, one frame done) when the process died.
    store = JobStore(first.state.settings.db)
    assert store.claim(job_id) is not None
    store.progress(job_id, 1, 1)
    store.close()
    assert TestClient(first).get(f"/v1/scans/{job_id}").json()["status"] == "running"
    with TestClient(make_app()) as client:  # a new server on the same database
        job = wait_for(client, job_id)
    assert job["status"] == "done" and job["verdict"] in ("real", "fake")
    jsonschema.validate(job["result"], scan_schema())
    assert media_files(first) == []


def test_uploads_that_no_job_refers_to_are_swept_at_start(make_app):
    app = make_app()
    folder = app.state.settings.media_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "left-by-a-crash-mid-upload").write_bytes(b"partial")
    with TestClient(app):
        pass
    assert media_files(app) == []


def test_an_unexpected_failure_is_a_500_with_one_line_and_no_traceback(make_app, monkeypatch):
    app = make_app()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk\nis on fire")

    monkeypatch.setattr(app.state.store, "history", broken)
    response = TestClient(app).get("/v1/scans")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error: RuntimeError: the disk is on fire"}


@pytest.mark.parametrize("length", [8 * 1024, 100 * 1024])
def test_a_file_name_too_long_is_refused_as_such(make_app, media, upload, length):
    app = make_app()
    client = TestClient(app)
    response = upload(client, media / "astronaut.jpg", name="n" * (length - 4) + ".jpg")
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("the file name is too long")
    assert media_files(app) == []
    # A long name under the limit is accepted, and kept to its first 200 characters.
    response = upload(client, media / "astronaut.jpg", name="n" * 3000 + ".jpg")
    assert response.status_code == 202, response.text
    assert client.get(f"/v1/scans/{response.json()['id']}").json()["filename"] == "n" * 200


def test_scans_past_their_retention_are_forgotten_at_start(make_app, media, upload, wait_for):
    app = make_app(keep_media=True)
    with TestClient(app) as client:
        old, recent = (upload(client, media / "astronaut.jpg").json()["id"] for _ in range(2))
        wait_for(client, old), wait_for(client, recent)
    assert len(media_files(app)) == 2
    store = JobStore(app.state.settings.db)
    with store._write() as db:  # the first ended 31 days ago
        db.execute("UPDATE jobs SET finished = finished - 31 * 86400 WHERE id = ?", (old,))
    store.close()
    with TestClient(make_app(keep_media=True)) as client:  # the default retention: 30 days
        assert client.get(f"/v1/scans/{old}").status_code == 404
        assert client.get(f"/v1/scans/{recent}").json()["status"] == "done"
    assert [path.name for path in media_files(app)] == [recent]  # its kept upload went with it


def test_scans_past_their_retention_are_forgotten_on_a_timer(make_app, media, upload, wait_for):
    with TestClient(make_app(retain_s=1.0)) as client:
        job_id = upload(client, media / "astronaut.jpg").json()["id"]
        assert wait_for(client, job_id)["status"] == "done"
        deadline = time.monotonic() + 30
        while client.get(f"/v1/scans/{job_id}").status_code != 404:
            assert time.monotonic() < deadline, "the scan outlived its retention"
            time.sleep(0.1)
        assert client.get("/v1/scans").json()["total"] == 0


@pytest.mark.parametrize("keep_faces", [False, True])
def test_stored_reports_carry_face_pictures_only_with_keep_faces(make_app, media, upload, wait_for, keep_faces):
    app = make_app(keep_faces=keep_faces)
    with TestClient(app) as client:
        job_id = upload(client, media / "astronaut.jpg").json()["id"]
        assert wait_for(client, job_id)["result"]["faces"]  # a face was scored
        served = client.get(f"/v1/scans/{job_id}/report").text
    store = JobStore(app.state.settings.db)
    stored = store.report(job_id)
    store.close()
    assert stored == served
    assert ("data:image/jpeg;base64" in stored) is keep_faces and ("<img " in stored) is keep_faces
    assert ("left out of this report" in html.unescape(stored)) is not keep_faces


def test_each_named_token_sees_only_its_own_scans(make_app, media, upload):
    client = TestClient(make_app(tokens={"alice": "token-a", "bob": "token-b"}))
    alice, bob = {"Authorization": "Bearer token-a"}, {"Authorization": "Bearer token-b"}
    hers = upload(client, media / "astronaut.jpg", headers=alice).json()["id"]
    his = upload(client, media / "astronaut.png", headers=bob).json()["id"]
    assert [item["id"] for item in client.get("/v1/scans", headers=alice).json()["items"]] == [hers]
    assert [item["id"] for item in client.get("/v1/scans", headers=bob).json()["items"]] == [his]
    for path in (f"/v1/scans/{hers}", f"/v1/scans/{hers}/report"):
        assert client.get(path, headers=bob).status_code == 404  # not 403: its existence is not told either
    assert client.delete(f"/v1/scans/{hers}", headers=bob).status_code == 404
    assert client.get(f"/v1/scans/{hers}", headers=alice).json()["filename"] == "astronaut.jpg"
    assert client.get("/v1/scans", headers={"Authorization": "Bearer token-c"}).status_code == 401
    assert client.delete(f"/v1/scans/{hers}", headers=alice).status_code == 204


def test_the_single_token_is_the_default_name_beside_named_ones(make_app, media, upload):
    client = TestClient(make_app(token="solo", tokens={"alice": "token-a"}))
    solo = {"Authorization": "Bearer solo"}
    job_id = upload(client, media / "astronaut.jpg", headers=solo).json()["id"]
    assert client.get("/v1/scans", headers=solo).json()["total"] == 1
    assert client.get("/v1/scans", headers={"Authorization": "Bearer token-a"}).json()["total"] == 0
    assert client.app.state.store.get(job_id).owner == "default"


def test_healthz_tells_the_load_only_to_token_holders(make_app):
    with TestClient(make_app(tokens={"alice": "token-a"}, retain_s=7 * 86400)) as client:
        anyone = client.get("/healthz").json()
        holder = client.get("/healthz", headers={"Authorization": "Bearer token-a"}).json()
        wrong = client.get("/healthz", headers={"Authorization": "Bearer nope"}).json()
    assert anyone["status"] == "ok" and anyone["auth"] is True and anyone["retain_s"] == 7 * 86400
    assert anyone["keep_faces"] is False
    for hidden in ("jobs", "busy", "uploads"):
        assert hidden not in anyone and hidden not in wrong and hidden in holder
    assert set(holder["jobs"]) == {"queued", "running", "done", "failed"}
