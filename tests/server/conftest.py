"""Fixtures for the server tests: one loaded scanner for the session, apps on temporary databases, polling."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed (pip install -e '.[server]')")

from fastapi import FastAPI
from fastapi.testclient import TestClient

from unmask.server import Settings, create_app
from unmask.verdict import Scanner


@pytest.fixture(scope="session")
def scanner() -> Scanner:
    """Loaded once: the apps of every test hand this one to their single worker (one at a time)."""
    return Scanner()


@pytest.fixture
def make_app(tmp_path: Path, scanner: Scanner) -> Callable[..., FastAPI]:
    """``make_app(**settings)``: an app on ``tmp_path/server.db`` (the same file on every call of one test)."""

    def make(
        scanner_factory: Callable[[], Scanner] | None = None, checker_factory=None, **overrides: object
    ) -> FastAPI:
        settings = Settings(db=tmp_path / "server.db", **overrides)  # type: ignore[arg-type]
        return create_app(settings, scanner_factory or (lambda: scanner), checker_factory)

    return make


def _upload(client: TestClient, path: Path, name: str | None = None, headers: dict[str, str] | None = None):
    with open(path, "rb") as handle:
        return client.post("/v1/scans", files={"file": (name or path.name, handle)}, headers=headers or {})


@pytest.fixture
def upload() -> Callable[..., object]:
    """``upload(client, path, name=None, headers=None)``: POST a file to /v1/scans as the page does."""
    return _upload


def _wait_for(client: TestClient, job_id: str, statuses: tuple[str, ...] = ("done", "failed"), timeout: float = 120):
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/v1/scans/{job_id}")
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in statuses:
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} after {timeout} s"
        time.sleep(0.05)


@pytest.fixture
def wait_for() -> Callable[..., dict]:
    """``wait_for(client, job_id, statuses=("done", "failed"))``: poll a job until it gets there; its JSON."""
    return _wait_for


@contextmanager
def _live_server(app: FastAPI) -> Iterator[str]:
    """A real uvicorn server for ``app`` on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture
def live_server() -> Callable[[FastAPI], object]:
    """``with live_server(app) as url``: a real uvicorn on a free loopback port, in a thread."""
    return _live_server
