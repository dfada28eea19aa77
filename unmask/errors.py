"""Errors that unmask reports to its users.

Every error raised on purpose by unmask derives from :class:`UnmaskError`; its message is one line that says
what went wrong with which input, so the command line can print it as it is.
"""


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
