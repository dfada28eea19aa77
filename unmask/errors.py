"""Errors that unmask reports to its users.

Every error raised on purpose by unmask derives from :class:`UnmaskError`; its message is one line that says
what went wrong with which input, so the command line can print it as it is. :func:`reason` turns any exception
into such a line: the one wording of failures for ``unmask faces``, the scanner, the command line and the server.
"""

from __future__ import annotations

import os


class UnmaskError(Exception):
    """Base of every error unmask raises on purpose."""


class MediaError(UnmaskError):
    """An input cannot be read as an image or a video."""


class UnsupportedMediaError(MediaError):
    """The file is not a kind of media unmask reads (a text file, an archive, an unknown format)."""


class CorruptMediaError(MediaError):
    """The file claims to be media but is empty, truncated or damaged."""


class MediaLimitError(MediaError):
    """The media exceeds a configured limit (pixels, duration, frames) and was refused."""


class ModelError(UnmaskError):
    """A model file that unmask needs is missing or unusable."""


def missing_extra(err: ImportError, extra: str) -> str:
    """The line for a module of an optional extra that is not installed: which module, and the install command."""
    return f"{err.name} is missing; install with: pip install -e '.[{extra}]'"


def one_line(text: object, limit: int | None = None) -> str:
    """``text`` on one line: runs of whitespace become one space. An exception gives its message, or its type's
    name when the message is empty. Past ``limit`` characters the text is cut and ends in an ellipsis."""
    line = " ".join(str(text).split())
    if not line and isinstance(text, BaseException):
        line = type(text).__name__
    return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"


def internal_error(err: BaseException) -> str:
    """A failure unmask did not foresee (a bug), said as one: ``internal error: <type>: <message>``."""
    message = " ".join(str(err).split())
    return f"internal error: {type(err).__name__}" + (f": {message}" if message else "")


def reason(err: BaseException, path: str | os.PathLike[str] | None = None) -> str:
    """Why an input (``path``, where there is one) could not be processed, as one line for its user.

    An :class:`UnmaskError` says it in its own message (which names its input); an ``OSError`` gives what the
    system said after the path (``clip.mp4: Permission denied``), or its whole message without one; anything else
    is an :func:`internal_error`, after the path.
    """
    where = "" if path is None else f"{os.fspath(path)}: "
    if isinstance(err, UnmaskError):
        return str(err)
    if isinstance(err, OSError):
        return where + one_line(err.strerror or err) if where else one_line(err)
    return where + internal_error(err)
