"""Receiving an upload: stream one multipart file field to disk, with its kind and size checked on the way.

Starlette's own form parser reads the whole body before a handler runs, so a 2 GB video would be received in
full before it could be refused. Here the body is parsed as it arrives: the file's first bytes are sniffed as
soon as they are in (its kind comes from its content, never its name), and the upload is cut off with 413 the
moment it passes the limit for that kind. Nothing is held in memory beyond one network chunk.

A client cannot hold the server's resources by sending slowly: an upload that sends nothing for
``body_timeout_s`` (a body shorter than its Content-Length, a stalled link), or less than ``min_upload_kbps`` on
average once that time has passed, is cut off with 408. :class:`UploadGate` counts the uploads in progress,
against the per-client cap on jobs and a cap on uploads at once for all clients together.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import anyio
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message

from unmask.errors import CorruptMediaError, MediaError
from unmask.media.sniff import HEADER_BYTES, Signature, sniff
from unmask.server.settings import MB, Settings

FIELD = "file"
# Room for the multipart framing and small extra fields around the file.
ENVELOPE_BYTES = 64 * 1024
# The longest header of a part (its Content-Disposition holds the file name), about python-multipart's own default.
MAX_PART_HEADER = 4096
# Recent python-multipart stops at a part header over its limit with a bare "header size exceeded"; it is given a
# looser one, so that a long file name reaches the receiver's check and is refused as what it is.
NAME_TOO_LONG = f"the file name is too long (over {MAX_PART_HEADER} bytes); rename the file and send it again"
_PARSER_LIMITS = (
    {"max_header_size": ENVELOPE_BYTES} if "max_header_size" in inspect.signature(MultipartParser).parameters else {}
)


class UploadError(Exception):
    """An upload refused with an HTTP status, a one-line reason and any headers the answer needs."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def too_many_jobs(cap: int) -> UploadError:
    """The refusal of a client that already has ``cap`` scans uploading, queued or running."""
    return UploadError(429, f"this client already has {cap} scans uploading, queued or running; wait for one to end")


class UploadGate:
    """The uploads in progress, per client and in all.

    A job is stored only once its upload is whole, so the per-client cap on jobs counts these too (a client
    holding uploads open cannot start more than its cap), and at most ``at_once`` uploads run at a time, whoever
    sends them: partial files on disk stay under ``at_once`` times the largest upload limit. Used from the event
    loop and from threads alike.
    """

    def __init__(self, per_client: int, at_once: int) -> None:
        self.per_client = per_client
        self.at_once = at_once
        self._clients: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        """Uploads in progress now, from every client."""
        with self._lock:
            return sum(self._clients.values())

    def enter(self, client: str, stored: int) -> None:
        """Count one more upload from ``client``, which has ``stored`` jobs queued or running; raise
        :class:`UploadError` instead when that would pass a cap: 503 for all clients together, 429 for this one."""
        with self._lock:
            if sum(self._clients.values()) >= self.at_once:
                raise UploadError(
                    503,
                    f"the server is receiving {self.at_once} uploads already; try again in a few seconds",
                    {"Retry-After": "5"},
                )
            if stored + self._clients[client] >= self.per_client:
                raise too_many_jobs(self.per_client)
            self._clients[client] += 1

    def others(self, client: str) -> int:
        """How many uploads ``client`` has in progress beside the caller's own."""
        with self._lock:
            return max(0, self._clients[client] - 1)

    def leave(self, client: str) -> None:
        """One upload of ``client`` ended (stored as a job, refused or abandoned)."""
        with self._lock:
            self._clients[client] -= 1
            if self._clients[client] <= 0:
                del self._clients[client]


class _Body:
    """The request body chunk by chunk, cut off with 408 when the client stalls (nothing for ``body_timeout_s``)
    or trickles (under ``min_upload_kbps`` on average, once ``body_timeout_s`` have passed)."""

    def __init__(self, request: Request, settings: Settings) -> None:
        self.receive = request.receive
        self.idle = settings.body_timeout_s
        self.floor = settings.min_upload_kbps * 1000
        self.started = time.monotonic()
        self.received = 0
        self.done = False

    async def next(self) -> bytes | None:
        """The next chunk, or None at the end of the body."""
        while not self.done:
            message: Message | None = None
            with anyio.move_on_after(self.idle):
                message = await self.receive()
            if message is None:
                raise UploadError(408, f"the upload stalled: nothing came for {self.idle:g} s")
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            chunk = message.get("body", b"")
            self.done = not message.get("more_body", False)
            self.received += len(chunk)
            elapsed = time.monotonic() - self.started
            if not self.done and elapsed > self.idle and self.received < self.floor * elapsed:
                raise UploadError(
                    408,
                    f"the upload is too slow: {self.received} bytes in {elapsed:.0f} s, under the "
                    f"{self.floor / 1000:g} KB/s this server needs",
                )
            if chunk:
                return chunk
        return None


@dataclass(frozen=True)
class Upload:
    """A file received whole: where it was written, its name as sent, its size, sha256 and sniffed kind."""

    path: Path
    filename: str
    size: int
    sha256: str
    signature: Signature


def clean_filename(raw: str) -> str:
    """The last path component of a client's file name, without control characters, at most 200 characters."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "upload"


def _mb(size: int) -> str:
    return f"{size / MB:g} MB"


class _Receiver:
    """Callbacks for python-multipart's streaming parser; file bytes go straight to ``dest``."""

    def __init__(self, dest: Path, settings: Settings) -> None:
        self.dest = dest
        self.settings = settings
        self.handle = None
        self.in_file = False
        self.done_file = False
        self.filename = "upload"
        self.size = 0
        self.head = b""
        self.signature: Signature | None = None
        self.digest = hashlib.sha256()
        self.header_field = b""
        self.header_value = b""
        self.disposition = b""
        self.pending: list[bytes] = []
        self.ended = False

    def on_part_begin(self) -> None:
        self.disposition = b""
        self.header_field = self.header_value = b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]
        if len(self.header_value) > MAX_PART_HEADER:
            raise self.header_too_long()

    def header_too_long(self) -> UploadError:
        """The refusal of a part header over :data:`MAX_PART_HEADER` bytes: the file name's, as a rule."""
        if self.header_field.strip().lower() == b"content-disposition":
            return UploadError(400, NAME_TOO_LONG)
        return UploadError(400, f"a multipart header is too long (over {MAX_PART_HEADER} bytes)")

    def on_header_end(self) -> None:
        if self.header_field.strip().lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_field = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.in_file = options.get(b"name") == FIELD.encode() and not self.done_file
        if self.in_file:
            self.filename = clean_filename(options.get(b"filename", b"upload").decode("utf-8", errors="replace"))
            self.handle = open(self.dest, "wb")  # noqa: SIM115 - closed in finish() or cleanup()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.pending.append(data[start:end])

    def on_part_end(self) -> None:
        if self.in_file:
            self.pending.append(b"")  # marks the end of the file part
            self.in_file = False
            self.done_file = True

    def on_end(self) -> None:
        self.ended = True

    def callbacks(self) -> dict[str, object]:
        names = ("part_begin", "header_field", "header_value", "header_end", "headers_finished", "part_data")
        table: dict[str, object] = {f"on_{name}": getattr(self, f"on_{name}") for name in names}
        table["on_part_end"] = self.on_part_end
        table["on_end"] = self.on_end
        return table

    def flush(self) -> None:
        """Write what the parser handed over, sniff the file once its header is in, enforce the size limit."""
        for chunk in self.pending:
            if chunk == b"":
                self.identify()
                continue
            assert self.handle is not None
            self.handle.write(chunk)
            self.digest.update(chunk)
            self.size += len(chunk)
            if len(self.head) < HEADER_BYTES:
                self.head += chunk[: HEADER_BYTES - len(self.head)]
                if len(self.head) >= HEADER_BYTES:
                    self.identify()
            limit = self.settings.max_bytes(self.signature.kind if self.signature else None)
            if self.size > limit:
                kind = self.signature.kind if self.signature else "upload"
                raise UploadError(413, f"{self.filename}: over the {_mb(limit)} limit for {kind}s; refused")
        self.pending.clear()

    def identify(self) -> None:
        if self.signature is not None or self.handle is None:
            return
        self.handle.flush()
        try:
            self.signature = sniff(self.dest)
        except MediaError as err:
            status = 422 if isinstance(err, CorruptMediaError) else 415
            raise UploadError(status, str(err).replace(str(self.dest), self.filename)) from None

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


async def receive_upload(request: Request, dest: Path, settings: Settings) -> Upload:
    """Stream the request's ``file`` field to ``dest``; raise :class:`UploadError` (and leave no file) if refused."""
    content_type = request.headers.get("content-type", "")
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise UploadError(415, f"send the file as multipart/form-data in a field named '{FIELD}'")
    declared = request.headers.get("content-length")
    ceiling = settings.max_bytes(None) + ENVELOPE_BYTES
    if declared and declared.isdigit() and int(declared) > ceiling:
        raise UploadError(413, f"upload of {_mb(int(declared))} is over the {_mb(settings.max_bytes(None))} limit")
    receiver = _Receiver(dest, settings)
    parser = MultipartParser(options[b"boundary"], receiver.callbacks(), **_PARSER_LIMITS)  # type: ignore[arg-type]
    body = _Body(request, settings)
    received, whole = 0, False
    try:
        while (chunk := await body.next()) is not None:
            received += len(chunk)
            if received > ceiling:
                raise UploadError(413, f"upload over the {_mb(settings.max_bytes(None))} limit; refused")
            parser.write(chunk)
            receiver.flush()
        parser.finalize()
        receiver.flush()
        if not receiver.done_file:
            raise UploadError(422, f"no file in the upload: send it in the multipart field '{FIELD}'")
        receiver.identify()  # a file shorter than the sniffing header
        if receiver.signature is None:
            raise UploadError(422, f"{receiver.filename}: empty file (0 bytes)")
        whole = True
    except FormParserError as err:
        if "header size" in str(err).lower():  # a header over even the parser's looser limit
            raise receiver.header_too_long() from None
        raise UploadError(422, "malformed multipart upload") from None
    finally:
        receiver.close()
        if not whole:
            _unlink(dest)
    return Upload(dest, receiver.filename, receiver.size, receiver.digest.hexdigest(), receiver.signature)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
