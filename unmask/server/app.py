"""The HTTP service: upload a clip or photo, follow its scan, read the verdict and the report, see the history.

``create_app(settings)`` builds the FastAPI app with its job store and worker pool; ``unmask serve`` runs it
with uvicorn. Endpoints (under ``/v1`` they need ``Authorization: Bearer <token>`` when a token is set):

- ``POST /v1/scans`` (multipart field ``file``) -> 202 ``{id, status: "queued"}``; 400 a file name over 4 KB,
  401 wrong or missing token, 408 the upload stalled or trickled (``body_timeout_s``, ``min_upload_kbps``), 413
  over the size limit for its kind, 415 not an image or video, 422 empty, corrupt or over a media limit (pixels,
  duration), 429 the client already has its cap of jobs uploading, queued and running, 503 the server is
  receiving its cap of uploads at once (``max_uploads``, all clients together; with ``Retry-After``).
- ``GET /v1/scans/{id}`` -> the job: status (``queued``, ``running``, ``done``, ``failed``), progress (frames
  done / expected) and, once done, ``result``: the scan JSON (schema ``unmask.verdict.scan_schema()``).
- ``GET /v1/scans/{id}/report`` -> the HTML report; 404 until the job is done.
- ``DELETE /v1/scans/{id}`` -> 204: the job, its result and any kept media are gone.
- ``GET /v1/scans?limit=&offset=`` -> the history, latest first.
- ``POST /v1/liveness/challenges`` -> 201 a signed liveness challenge: ``challenge`` (the token), its ``steps``
  (action, window in seconds from the start of the recording, prompt), ``lead_s``, ``duration_s``, ``expires_at``.
- ``POST /v1/liveness?challenge=TOKEN`` (multipart field ``file``: the recording, or a photo without a challenge)
  -> 200 the liveness check (schema ``unmask.verdict.live_schema()``), run at once; the upload's refusals as for
  scans (400, 401, 408, 413, 415, 422, 429, 503). A challenge answered before, expired, or signed with another
  key fails the check. Nothing of it is stored (:mod:`unmask.server.live`).
- ``GET /healthz``, ``GET /docs`` (plain HTML, no CDN), ``GET /openapi.json``, the upload page at ``/`` and the
  liveness check page at ``/live``.

A file is checked when it arrives (sniffed from its first bytes, then probed from its header), so what is not
media, or is empty, or has a broken header, is refused there with 415 or 422. A file that passes those checks
but fails to decode while being scanned (a JPEG cut off half-way) is not refused: its job ends ``done`` with
the scan verdict ``error`` and the reason, as ``unmask scan`` reports it. ``failed`` is kept for jobs the
server itself could not finish (its upload vanished, an internal error).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unmask import __version__
from unmask.errors import MediaError, internal_error, one_line
from unmask.media import expected_frames, probe
from unmask.models import load_card
from unmask.server.docs import render_docs
from unmask.server.jobs import LINE, WorkerPool, default_scanner_factory, remove_media
from unmask.server.live import CheckerFactory, LivenessDesk
from unmask.server.settings import Settings
from unmask.server.store import DEFAULT_OWNER, Job, JobStore
from unmask.server.upload import UploadError, UploadGate, receive_upload, too_many_jobs
from unmask.verdict import Scanner

log = logging.getLogger("unmask.server")
PURGE_EVERY_S = 3600.0
STATIC = Path(__file__).parent / "static"
# The report is self-contained: it may carry inline style, script and data: images, and fetch nothing.
REPORT_CSP = (
    "default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; font-src data:"
)
_ERRORS = {
    400: "a file name over 4 KB, or the client went away during the upload",
    401: "missing or wrong API token",
    404: "no such scan, or not ready",
    408: "the upload stalled or was too slow",
    413: "upload over the size limit for its kind",
    415: "not an image or a video",
    422: "empty, corrupt or over a media limit",
    429: "too many scans uploading, queued or running for this client",
    503: "the server is receiving its cap of uploads at once; try again shortly",
}


# The OpenAPI body of an upload (the file in the multipart field 'file'), for the endpoints that take one.
FILE_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": _ERRORS[code]} for code in codes}


class _OneLineErrors:
    """Any unexpected exception becomes a 500 with a one-line ``detail``, and one line in the log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as err:  # noqa: BLE001 - the last guard: never a traceback to the client
            detail = internal_error(err)
            log.error("%s %s: %s", scope["method"], scope["path"], detail)
            if not started:
                await JSONResponse({"detail": detail}, status_code=500)(scope, receive, send)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _links(job_id: str) -> dict[str, str]:
    return {"self": f"/v1/scans/{job_id}", "report": f"/v1/scans/{job_id}/report"}


def _job_view(job: Job, with_result: bool = True) -> dict[str, Any]:
    return {**job.to_dict(with_result), "links": _links(job.id)}


def create_app(
    settings: Settings,
    scanner_factory: Callable[[], Scanner] | None = None,
    checker_factory: CheckerFactory | None = None,
) -> FastAPI:
    """The service on ``settings.db``; ``scanner_factory`` (for tests) builds each worker's scanner,
    ``checker_factory`` the liveness checker (from the signing key)."""
    card = load_card(settings.model)
    desk = LivenessDesk(settings, checker_factory)
    store = JobStore(settings.db)
    pool = WorkerPool(store, settings, scanner_factory)
    gate = UploadGate(settings.max_jobs_per_client, settings.max_uploads)
    media_dir = settings.media_dir

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        media_dir.mkdir(parents=True, exist_ok=True)
        _purge(store, settings)
        _sweep(media_dir, store)
        await run_in_threadpool(pool.start)
        log.info("unmask %s serving %s with %d worker(s)", __version__, settings.db, settings.workers)
        try:
            async with anyio.create_task_group() as tasks:
                if settings.retain_s is not None:
                    tasks.start_soon(_purge_every, store, settings)
                yield
                tasks.cancel_scope.cancel()
        finally:
            await run_in_threadpool(pool.stop)
            if not pool.running:  # a worker stuck past the stop timeout may still write
                store.close()

    app = FastAPI(
        title="unmask",
        version=__version__,
        description="Upload a photo or a video clip; unmask tells whether its faces are real or manipulated, "
        "and where.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings, app.state.store, app.state.pool, app.state.uploads = settings, store, pool, gate
    app.add_middleware(_OneLineErrors)
    bearer = HTTPBearer(auto_error=False, description="one of the server's tokens (--token, --tokens)")
    callers = settings.callers

    def who(token: str) -> str | None:
        """The name of the caller's token; None when it sent none or a wrong one."""
        given = token.encode()
        found = None
        for secret, name in callers.items():  # every token compared, so that the time taken says nothing
            if secrets.compare_digest(given, secret.encode()):
                found = name
        return found

    def check_token(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> str | None:
        """Whose scans this request may see: its token's name; None (every scan) when the API has no token."""
        if not callers:
            return None
        name = who(credentials.credentials if credentials is not None else "")
        if name is None:
            raise HTTPException(
                401,
                "missing or wrong API token: send the header 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return name

    @app.exception_handler(RequestValidationError)
    async def one_line_validation(request: Request, err: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e['loc'] if p != 'query')}: {e['msg']}" for e in err.errors()]
        return JSONResponse({"detail": "; ".join(parts)}, status_code=422)

    def get_job(job_id: str, owner: str | None) -> Job:
        job = store.get(job_id, owner)
        if job is None:
            raise HTTPException(404, f"no scan with id {job_id!r}")
        return job

    api = APIRouter(prefix="/v1", dependencies=[Depends(check_token)], tags=["scans"])

    @api.post(
        "/scans",
        status_code=202,
        summary="Upload an image or video to scan",
        description="Send the file as multipart/form-data in the field 'file'. The scan runs in the background; "
        "follow it at the returned id.",
        responses=_errors(400, 401, 408, 413, 415, 422, 429, 503),
        openapi_extra=FILE_UPLOAD_BODY,
    )
    async def create_scan(request: Request, owner: str | None = Depends(check_token)) -> JSONResponse:
        async with admitted(request) as client:
            return await accept(request, client, owner or DEFAULT_OWNER)

    @asynccontextmanager
    async def admitted(request: Request) -> AsyncIterator[str]:
        """The caller's client key while the upload gate holds a place for its upload (the client's uploads in
        progress and its stored active scans against the per-client cap; all uploads against the global one);
        the gate's refusal as its HTTP status otherwise. Both upload endpoints come in through here."""
        client = _client(request)
        stored = await run_in_threadpool(store.active, client)
        try:
            gate.enter(client, stored)
        except UploadError as err:
            raise HTTPException(err.status, err.message, headers=err.headers) from None
        try:
            yield client
        finally:
            gate.leave(client)

    async def accept(request: Request, client: str, owner: str) -> JSONResponse:
        """Receive, check and store one upload that the gate let in."""
        cap = settings.max_jobs_per_client
        job_id = uuid.uuid4().hex
        media_dir.mkdir(parents=True, exist_ok=True)
        path = media_dir / job_id
        try:
            upload = await receive_upload(request, path, settings)
        except UploadError as err:  # perhaps before the whole body was read: what is left of it is not
            raise HTTPException(err.status, err.message, headers={"Connection": "close", **err.headers}) from None
        except ClientDisconnect:
            log.info("upload from %s abandoned by the client", client)
            return JSONResponse({"detail": "the client went away during the upload"}, status_code=400)
        try:
            info = await run_in_threadpool(probe, path, settings.limits)
        except MediaError as err:
            path.unlink(missing_ok=True)
            raise HTTPException(422, str(err).replace(str(path), upload.filename)) from None
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        job = Job(
            id=job_id,
            status="queued",
            created=time.time(),
            client=client,
            filename=upload.filename,
            size=upload.size,
            kind=info.kind,
            format=upload.signature.format,
            sha256=upload.sha256,
            media=str(path),
            frames_expected=expected_frames(info, settings.sampling),
            owner=owner,
        )
        if not await run_in_threadpool(store.add, job, cap - gate.others(client)):  # atomic: the cap holds
            path.unlink(missing_ok=True)
            refused = too_many_jobs(cap)
            raise HTTPException(refused.status, refused.message)
        pool.submit(job_id)
        return JSONResponse(
            {"id": job_id, "status": "queued", "links": _links(job_id)},
            status_code=202,
            headers={"Location": f"/v1/scans/{job_id}"},
        )

    @api.get("/scans", summary="The history of scans, latest first")
    def list_scans(
        limit: int = Query(20, ge=1, le=200, description="scans per page"),
        offset: int = Query(0, ge=0, description="scans to skip"),
        owner: str | None = Depends(check_token),
    ) -> dict[str, Any]:
        jobs, total = store.history(limit, offset, owner)
        following = offset + len(jobs)
        return {
            "items": [_job_view(job, with_result=False) for job in jobs],
            "total": total,
            "limit": limit,
            "offset": offset,
            "next_offset": following if following < total else None,
        }

    @api.get("/scans/{job_id}", summary="A scan's status, progress and, once done, its result", responses=_errors(404))
    def read_scan(job_id: str, owner: str | None = Depends(check_token)) -> dict[str, Any]:
        return _job_view(get_job(job_id, owner))

    @api.get(
        "/scans/{job_id}/report",
        summary="The scan's HTML report (404 until the scan is done)",
        response_class=HTMLResponse,
        responses=_errors(404),
    )
    def read_report(job_id: str, owner: str | None = Depends(check_token)) -> HTMLResponse:
        page = store.report(job_id, owner)
        if page is None:
            job = get_job(job_id, owner)
            raise HTTPException(404, f"scan {job_id} is {job.status}; its report exists once it is done")
        return HTMLResponse(page, headers={"Content-Security-Policy": REPORT_CSP})

    @api.delete(
        "/scans/{job_id}",
        status_code=204,
        summary="Forget a scan: its job, result, report and any kept media",
        responses=_errors(404),
    )
    def delete_scan(job_id: str, owner: str | None = Depends(check_token)) -> Response:
        job = store.delete(job_id, owner)
        if job is None:
            raise HTTPException(404, f"no scan with id {job_id!r}")
        if job.media:
            Path(job.media).unlink(missing_ok=True)
        return Response(status_code=204)

    app.include_router(api)
    live = APIRouter(prefix="/v1/liveness", dependencies=[Depends(check_token)], tags=["liveness"])

    @live.post("/challenges", status_code=201, summary="A new signed liveness challenge", responses=_errors(401))
    def new_challenge() -> dict[str, Any]:
        return desk.issue()

    @live.post(
        "",
        summary="Check a recording (or a photo) for a live person",
        description="Send the recording as multipart/form-data in the field 'file', and the token of the challenge "
        "it answers in the query parameter 'challenge' (none: the passive and deepfake cues only). The check runs "
        "at once and its result comes back; nothing of it is stored.",
        responses=_errors(400, 401, 408, 413, 415, 422, 429, 503),
        openapi_extra=FILE_UPLOAD_BODY,
    )
    async def check_liveness(
        request: Request,
        challenge: str | None = Query(None, max_length=4096, description="the token from /v1/liveness/challenges"),
    ) -> dict[str, Any]:
        path = media_dir / f"live-{uuid.uuid4().hex}"
        async with admitted(request):
            try:
                media_dir.mkdir(parents=True, exist_ok=True)
                try:
                    upload = await receive_upload(request, path, settings)
                except UploadError as err:
                    headers = {"Connection": "close", **err.headers}
                    raise HTTPException(err.status, err.message, headers=headers) from None
                except ClientDisconnect:
                    return JSONResponse({"detail": "the client went away during the upload"}, status_code=400)
                try:
                    await run_in_threadpool(probe, path, settings.limits)
                except MediaError as err:
                    raise HTTPException(422, str(err).replace(str(path), upload.filename)) from None
                result = await run_in_threadpool(desk.check, path, challenge, upload.filename)
                return result.to_dict()
            finally:
                path.unlink(missing_ok=True)

    app.include_router(live)

    @app.get(
        "/healthz",
        summary="Liveness and configuration; the load (busy workers, jobs by status, uploads) only with a token",
        tags=["service"],
    )
    def healthz(request: Request) -> dict[str, Any]:
        health: dict[str, Any] = {
            "status": "ok" if pool.running else "starting",
            "version": __version__,
            "model": card.identity(),
            "threshold": card.threshold,
            "video_threshold": card.video_threshold,
            "workers": settings.workers,
            "auth": bool(callers),
            "keep_media": settings.keep_media,
            "keep_faces": settings.keep_faces,
            "retain_s": settings.retain_s,
            "limits": {
                "max_image_mb": settings.max_image_mb,
                "max_video_mb": settings.max_video_mb,
                "max_jobs_per_client": settings.max_jobs_per_client,
                "max_uploads": settings.max_uploads,
            },
        }
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if not callers or (scheme.lower() == "bearer" and who(token.strip()) is not None):  # the load: not for all
            health.update(busy=pool.busy, jobs=store.counts(), uploads=gate.total)
        return health

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(app.openapi()))

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/live", include_in_schema=False)
    def live_page() -> FileResponse:
        return FileResponse(STATIC / "live.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _purge(store: JobStore, settings: Settings) -> None:
    """Forget the scans that finished more than ``retain_s`` ago, with any media they kept."""
    if settings.retain_s is None:
        return
    gone = store.purge(time.time() - settings.retain_s)
    for job in gone:
        if job.media:
            remove_media(job.media)
    if gone:
        log.info("forgot %d scan(s) past their retention", len(gone))


async def _purge_every(store: JobStore, settings: Settings) -> None:
    """Purge on a timer: every hour, or a quarter of the retention when that is shorter."""
    assert settings.retain_s is not None
    while True:
        await anyio.sleep(min(PURGE_EVERY_S, settings.retain_s / 4))
        try:
            await run_in_threadpool(_purge, store, settings)
        except Exception as err:  # noqa: BLE001 - a purge that fails (a locked database) is tried again later
            log.warning("could not purge old scans: %s", one_line(err, LINE))


def _sweep(media_dir: Path, store: JobStore) -> None:
    """Delete uploads no job refers to (left by a crash in the middle of an upload), for privacy."""
    known = store.media_paths()
    for entry in media_dir.iterdir():
        if entry.is_file() and str(entry) not in known:
            try:
                os.unlink(entry)
            except OSError as err:
                log.warning("could not delete %s: %s", entry, one_line(err, LINE))


def run_server(settings: Settings, log_level: str = "info") -> None:
    """Run the service with uvicorn until interrupted (``unmask serve``).

    The first worker's scanner is loaded here, before uvicorn starts, so that a missing or damaged model is a
    one-line error from the command line rather than a failed start-up inside the server.
    """
    factory = default_scanner_factory(settings)
    loaded = [factory()]
    app = create_app(settings, lambda: loaded.pop() if loaded else factory())
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level)
