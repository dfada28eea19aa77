"""Receiving uploads from slow and lying clients, over a real uvicorn on loopback: the body timeout, the rate
floor, uploads in progress against the per-client cap, and the cap on uploads at once."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from unmask.server.upload import UploadError, UploadGate

BOUNDARY = "b0undary"
HEAD = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'.encode()
TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


def multipart(data: bytes) -> bytes:
    return HEAD + data + TAIL


def open_upload(url: str, sent: bytes, declared: int, close: bool = True) -> socket.socket:
    """A POST /v1/scans that declares ``declared`` bytes of body and sends only ``sent`` (so far); ``close`` asks
    the server to close the connection after its answer."""
    address = urlsplit(url)
    sock = socket.create_connection((address.hostname, address.port), timeout=30)
    request = (
        f"POST /v1/scans HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Length: {declared}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{'Connection: close' if close else ''}\r\n\r\n"
    ).encode()
    sock.sendall(request + sent)
    return sock


def answer(sock: socket.socket, timeout: float) -> tuple[int, bytes, float]:
    """The status and whole answer the server gives on ``sock`` (read until it closes), and the seconds it took."""
    started = time.monotonic()
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    assert data, "no answer"
    return int(data.split(b" ", 2)[1]), data, time.monotonic() - started


def post(url: str, data: bytes) -> tuple[int, str]:
    """A whole upload of ``data``; its status and body."""
    request = urllib.request.Request(
        url + "/v1/scans",
        data=multipart(data),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def photo(media) -> bytes:
    return (media / "astronaut.jpg").read_bytes()


def test_a_body_shorter_than_its_content_length_gets_408_once_it_stalls(make_app, live_server, photo):
    app = make_app(body_timeout_s=1.0)
    with live_server(app) as url:
        sent = HEAD + photo[:5000]
        sock = open_upload(url, sent, declared=len(multipart(photo)) + 10_000, close=False)  # the rest never comes
        status, data, seconds = answer(sock, timeout=20)
        sock.close()
        assert app.state.uploads.total == 0
    assert status == 408 and b"the upload stalled: nothing came for 1 s" in data
    assert 0.9 < seconds < 10
    assert b"connection: close" in data.lower()
    assert list(app.state.settings.media_dir.iterdir()) == []  # the partial file is gone


def test_an_upload_that_trickles_under_the_rate_floor_is_cut_off(make_app, live_server, photo):
    app = make_app(body_timeout_s=1.0, min_upload_kbps=1.0)
    with live_server(app) as url:
        body = multipart(photo)
        sock = open_upload(url, body[:400], declared=len(body))
        stop = threading.Event()

        def trickle() -> None:  # 20 bytes/s: never idle for the timeout, far under 1 KB/s
            for offset in range(400, len(body)):
                if stop.wait(0.05):
                    return
                try:
                    sock.sendall(body[offset : offset + 1])
                except OSError:
                    return

        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        status, data, seconds = answer(sock, timeout=20)
        stop.set()
        sender.join(5)
        sock.close()
    assert status == 408 and b"the upload is too slow" in data, data
    assert seconds < 10
    assert list(app.state.settings.media_dir.iterdir()) == []


def test_uploads_in_progress_count_against_the_clients_cap(make_app, live_server, photo):
    app = make_app(max_jobs_per_client=2, body_timeout_s=30.0)
    with live_server(app) as url:
        body = multipart(photo)
        held = [open_upload(url, body[:2000], declared=len(body)) for _ in range(2)]
        wait_until(lambda: app.state.uploads.total == 2)
        status, text = post(url, photo)
        assert status == 429 and "2 scans uploading, queued or running" in text
        for sock in held:  # the two finish their uploads: both are stored as jobs
            sock.sendall(body[2000:])
            assert answer(sock, timeout=30)[0] == 202
            sock.close()
        assert app.state.uploads.total == 0


def test_a_cap_on_uploads_at_once_holds_for_all_clients_together(make_app, live_server, photo):
    app = make_app(max_uploads=2, max_jobs_per_client=10, body_timeout_s=30.0)
    with live_server(app) as url:
        body = multipart(photo)
        held = [open_upload(url, body[:2000], declared=len(body)) for _ in range(2)]
        wait_until(lambda: app.state.uploads.total == 2)
        sock = open_upload(url, body, declared=len(body))
        status, data, _ = answer(sock, timeout=30)
        sock.close()
        assert status == 503 and b"retry-after: 5" in data.lower() and b"receiving 2 uploads already" in data
        for sock in held:  # the clients go away: their places are free again
            sock.close()
        wait_until(lambda: app.state.uploads.total == 0)
        status, text = post(url, photo)
        assert status == 202
    kept = {path.name for path in app.state.settings.media_dir.iterdir()}
    assert kept <= {json.loads(text)["id"]}  # the partial files are gone (the job's own may be scanned by now)


def test_the_gate_counts_per_client_and_in_all():
    gate = UploadGate(per_client=2, at_once=3)
    gate.enter("a", stored=0)
    gate.enter("a", stored=0)
    with pytest.raises(UploadError) as refused:
        gate.enter("a", stored=0)
    assert refused.value.status == 429
    with pytest.raises(UploadError):
        gate.enter("b", stored=2)  # two jobs stored already
    gate.enter("b", stored=1)
    assert gate.total == 3 and gate.others("a") == 1
    with pytest.raises(UploadError) as refused:
        gate.enter("c", stored=0)
    assert refused.value.status == 503 and refused.value.headers == {"Retry-After": "5"}
    gate.leave("a")
    gate.enter("c", stored=0)
    for client in ("a", "b", "c"):
        gate.leave(client)
    assert gate.total == 0
