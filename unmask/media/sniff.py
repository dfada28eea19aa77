"""Tell what a file is from its first bytes, never from its name.

A text file named ``photo.jpg`` must be reported as text, and a video named ``.bin`` must still be read, so the
kind of a file is decided by its signature. Only the decoder is chosen here; whether the file is whole is for
the decoder to find out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from unmask.errors import CorruptMediaError, MediaError, UnsupportedMediaError
from unmask.media.types import MediaKind

# Enough to see three MPEG transport stream packets (one sync byte every 188 bytes).
HEADER_BYTES = 377

# Extensions looked at only when walking folders, to leave out files such as NOTICE or labels.csv.
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"})
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".m4v", ".mov", ".avi", ".webm", ".mkv", ".flv", ".mpg", ".mpeg", ".ts", ".m2ts", ".3gp", ".wmv"}
)
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS

# ISO base media brands that hold still images (HEIF, AVIF) rather than video.
_STILL_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}
# Top-level boxes a QuickTime file may start with instead of 'ftyp'.
_QUICKTIME_BOXES = {b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}


@dataclass(frozen=True)
class Signature:
    """The kind of a file and the format its signature names (e.g. ``image``/``JPEG``, ``video``/``mp4``)."""

    kind: MediaKind
    format: str


def identify(header: bytes) -> Signature | None:
    """Return the signature that ``header`` (the first bytes of a file) starts with, or None."""
    if header.startswith(b"\xff\xd8\xff"):
        return Signature("image", "JPEG")
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return Signature("image", "PNG")
    if header[:6] in (b"GIF87a", b"GIF89a"):
        return Signature("image", "GIF")
    if header.startswith(b"BM") and len(header) >= 14:
        return Signature("image", "BMP")
    if header[:4] in (b"II*\x00", b"MM\x00*"):
        return Signature("image", "TIFF")
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return Signature("image", "WEBP")
    if header[:4] == b"RIFF" and header[8:12] == b"AVI ":
        return Signature("video", "avi")
    if header[4:8] == b"ftyp":
        if header[8:12] in _STILL_BRANDS:
            return Signature("image", "HEIF/AVIF")
        return Signature("video", "mp4")
    if header[4:8] in _QUICKTIME_BOXES:
        return Signature("video", "mov")
    if header.startswith(b"\x1a\x45\xdf\xa3"):
        return Signature("video", "matroska/webm")
    if header.startswith(b"FLV"):
        return Signature("video", "flv")
    if header[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return Signature("video", "mpeg")
    if header.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return Signature("video", "asf/wmv")
    if len(header) >= 377 and header[0:377:188] == b"\x47\x47\x47":
        return Signature("video", "mpeg-ts")
    return None


def _describe_unknown(header: bytes) -> str:
    if header.startswith((b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        return "an archive, not an image or video"
    if header.startswith(b"%PDF"):
        return "a PDF document, not an image or video"
    if header.lstrip().startswith((b"<svg", b"<?xml")):
        return "an XML/SVG document; vector images are not supported"
    # The header may end inside a multi-byte character, so judge by the share of printable characters.
    text = header.decode("utf-8", errors="replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text if ch != "\ufffd")
    if printable >= 0.95 * len(text):
        return "a text file, not an image or video"
    return "not a supported image or video format"


def sniff(path: str | os.PathLike[str]) -> Signature:
    """Open ``path`` and return its signature, or raise a :class:`MediaError` that says why it is not media."""
    name = os.fspath(path)
    try:
        if os.path.isdir(name):
            raise MediaError(f"{name}: is a folder, not a file")
        with open(name, "rb") as handle:
            header = handle.read(HEADER_BYTES)
    except FileNotFoundError:
        raise MediaError(f"{name}: no such file") from None
    except PermissionError:
        raise MediaError(f"{name}: permission denied") from None
    except OSError as err:
        raise MediaError(f"{name}: cannot be read ({err.strerror or err})") from None
    if not header:
        raise CorruptMediaError(f"{name}: empty file (0 bytes)")
    signature = identify(header)
    if signature is None:
        raise UnsupportedMediaError(f"{name}: {_describe_unknown(header)}")
    return signature
