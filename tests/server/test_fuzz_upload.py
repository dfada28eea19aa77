"""Fuzzing the multipart upload parser: any request body gives a whole upload or a clean 4xx, never another exception
and never a hang, and a refused upload leaves no file behind.

:func:`receive_upload` is driven directly, without a server: the body comes in chunks cut at random places, from a
fake ASGI ``receive``. Bodies are random bytes, well-formed multipart with random boundaries, file names, extra
fields and contents, and well-formed ones with bytes flipped, cut, inserted or repeated; the Content-Type and
Content-Length headers are fuzzed too. The ``ci`` Hypothesis profile (tests/conftest.py) keeps it short; ``make
fuzz`` runs the ``fuzz`` profile. An input that ever broke something stays below as an ``@example``.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image

from fuzzing import mutate
from mediagen import scene
from unmask.media.sniff import identify
from unmask.server.settings import Settings
from unmask.server.upload import Upload, UploadError, receive_upload

HANG_S = 20


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(scene(16, 16)).save(buffer, format=fmt)
    return buffer.getvalue()


# Contents a file part may carry: small valid media, media-like headers over junk, text, nothing.
CONTENTS = st.one_of(
    st.sampled_from([_image("JPEG"), _image("PNG"), _image("GIF"), b"", b"hello, not a photo\n"]),
    st.builds(
        lambda head, tail: head + tail,
        st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"\x00\x00\x00\x18ftypisom", b"\x1a\x45\xdf\xa3"]),
        st.binary(max_size=3000),
    ),
    st.binary(max_size=600),
)
# RFC 2046 boundary characters (a boundary is 1 to 70 of them).
BOUNDARY_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=?"
NAMES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="a/\\.\x00\r\n\"';", max_size=20),
    st.integers(4000, 9000).map(lambda n: "x" * n + ".jpg"),  # around the 4 KB limit of a part header
)


@dataclass(frozen=True)
class Sent:
    """A request as the fuzzer built it: its headers, its body and, when the body is well formed, the file sent."""

    content_type: str
    body: bytes
    content_length: str | None
    file: bytes | None = None


def _part(boundary: bytes, disposition: bytes, content: bytes, extra_headers: bytes = b"") -> bytes:
    return b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n" + extra_headers + b"\r\n" + content


@st.composite
def well_formed(draw: st.DrawFn) -> Sent:
    """A multipart body with a file field named 'file' (or, at times, only other fields), maybe a little broken."""
    boundary = draw(st.text(alphabet=BOUNDARY_CHARS, min_size=1, max_size=70)).encode()
    content = draw(CONTENTS)
    name = draw(NAMES).encode("utf-8", errors="surrogatepass")
    field = draw(st.sampled_from([b"file", b"file", b"file", b"other", b""]))
    parts = [
        _part(
            boundary,
            b'form-data; name="' + field + b'"; filename="' + name + b'"',
            content,
            draw(st.sampled_from([b"", b"Content-Type: image/jpeg\r\n", b"Content-Type: text/plain\r\n"])),
        )
    ]
    for _ in range(draw(st.integers(0, 2))):
        extra = _part(boundary, b'form-data; name="note"', draw(st.binary(max_size=50)))
        parts.insert(draw(st.integers(0, len(parts))), extra)
    if draw(st.booleans()):  # a second file field: only the first is taken
        parts.append(_part(boundary, b'form-data; name="file"; filename="b.png"', draw(CONTENTS)))
    body = b"\r\n".join(parts) + b"\r\n--" + boundary + b"--\r\n"
    sent_file = content if field == b"file" else None
    if draw(st.booleans()):
        body, sent_file = _mutate(draw, body), None
    content_type = "multipart/form-data; boundary=" + draw(
        st.sampled_from([boundary.decode(), '"' + boundary.decode() + '"'])
    )
    return Sent(content_type, body, _length(draw, body), sent_file)


def _mutate(draw: st.DrawFn, data: bytes) -> bytes:
    return mutate(
        draw,
        data,
        rounds=3,
        inserts=st.sampled_from([b"\r\n", b"--", b"\r\n\r\n", b"\x00", b'"', b";"]),
        repeat=(80, 4),
        drop=40,
    )


def _length(draw: st.DrawFn, body: bytes) -> str | None:
    """The Content-Length header: mostly the truth, at times missing, wrong or not a number."""
    return draw(
        st.sampled_from([str(len(body))] * 4 + [None])
        | st.integers(0, 10**12).map(str)
        | st.sampled_from(["", "-1", "abc", "1e9", " 12"])
    )


@st.composite
def junk(draw: st.DrawFn) -> Sent:
    """Random bytes under a multipart Content-Type (or a random Content-Type over a random body)."""
    body = draw(st.binary(max_size=2000))
    content_type = draw(
        st.just("multipart/form-data; boundary=abc")
        | st.text(alphabet=st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=80)
        | st.text(alphabet=st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=40).map(
            lambda rest: "multipart/form-data; " + rest
        )
    )
    return Sent(content_type, body, _length(draw, body))


requests = st.one_of(well_formed(), junk())
cuts = st.lists(st.integers(0, 10_000), max_size=6)


def _receive(body: bytes, cuts: list[int]):
    """An ASGI ``receive`` that hands over ``body`` in chunks, cut at ``cuts``; after the end, a disconnect."""
    points = sorted({min(cut, len(body)) for cut in cuts} | {0, len(body)})
    chunks = [body[a:b] for a, b in itertools.pairwise(points)] or [b""]
    messages = [{"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks]
    messages[-1]["more_body"] = False
    messages.append({"type": "http.disconnect"})
    queue = iter(messages)

    async def receive() -> dict:
        return next(queue)

    return receive


def _request(sent: Sent, cuts: list[int]):
    from starlette.requests import Request

    headers = [(b"content-type", sent.content_type.encode("latin-1"))]
    if sent.content_length is not None:
        headers.append((b"content-length", sent.content_length.encode("latin-1")))
    scope = {"type": "http", "method": "POST", "path": "/v1/scans", "headers": headers, "query_string": b""}
    return Request(scope, _receive(sent.body, cuts))


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings]:
    folder = tmp_path_factory.mktemp("fuzz-upload")
    # Limits of a few KB, so that some fuzzed uploads pass them and are cut off with 413.
    return folder, Settings(db=folder / "server.db", max_image_mb=0.002, max_video_mb=0.003, body_timeout_s=5)


def _receive_one(sent: Sent, cuts: list[int], dest: Path, settings: Settings) -> Upload | UploadError:
    async def main() -> Upload | UploadError:
        with anyio.fail_after(HANG_S):
            try:
                return await receive_upload(_request(sent, cuts), dest, settings)
            except UploadError as err:
                return err

    return anyio.run(main)


@given(requests, cuts)
@example(Sent("multipart/form-data; boundary=", b"--\r\n\r\n", None), [])
def test_any_body_gives_an_upload_or_a_clean_4xx(where, sent, cuts):
    folder, settings = where
    dest = folder / "upload"
    dest.unlink(missing_ok=True)
    outcome = _receive_one(sent, cuts, dest, settings)
    if isinstance(outcome, UploadError):
        assert 400 <= outcome.status < 500, (outcome.status, outcome.message)
        assert outcome.message and "\n" not in outcome.message
        assert not dest.exists(), "a refused upload left its file behind"
        return
    data = dest.read_bytes()
    assert outcome.size == len(data) > 0
    assert outcome.sha256 == hashlib.sha256(data).hexdigest()
    assert outcome.signature == identify(data[:377])
    assert outcome.filename and "/" not in outcome.filename and len(outcome.filename) <= 200
    if sent.file is not None:
        assert data == sent.file
