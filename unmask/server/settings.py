"""How one ``unmask serve`` instance runs: where it keeps its jobs, what it accepts, who may call it.

One frozen dataclass, read by the store, the worker pool and the app alike, so that a test can build a server
exactly as the command line does, on a temporary database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from unmask.media import Limits, Sampling
from unmask.verdict import DEFAULT_SAMPLING

MB = 1_000_000
TOKEN_ENV = "UNMASK_TOKEN"


def default_db() -> Path:
    """``$XDG_DATA_HOME/unmask/server.db`` (default ``~/.local/share/unmask/server.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "unmask" / "server.db"


@dataclass(frozen=True)
class Settings:
    """Everything a server instance is configured with; the defaults are those of ``unmask serve``.

    Uploads: ``max_jobs_per_client`` caps the scans a client address has uploading, queued or running;
    ``max_uploads`` the uploads received at once, all clients together; an upload that sends nothing for
    ``body_timeout_s``, or averages under ``min_upload_kbps`` (kilobytes per second) once that time has passed,
    is cut off (:mod:`unmask.server.upload`).
    """

    db: Path = field(default_factory=default_db)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_image_mb: float = 20.0
    max_video_mb: float = 250.0
    max_jobs_per_client: int = 4
    max_uploads: int = 16
    body_timeout_s: float = 30.0
    min_upload_kbps: float = 8.0
    keep_media: bool = False
    token: str | None = None
    model: str | None = None
    sampling: Sampling = DEFAULT_SAMPLING
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        object.__setattr__(self, "db", Path(self.db).expanduser().absolute())
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if not (self.max_image_mb > 0 and self.max_video_mb > 0):
            raise ValueError("upload limits must be positive")
        if self.max_jobs_per_client < 1:
            raise ValueError(f"the per-client job cap must be at least 1, got {self.max_jobs_per_client}")
        if self.max_uploads < 1:
            raise ValueError(f"the cap on uploads at once must be at least 1, got {self.max_uploads}")
        if not (self.body_timeout_s > 0 and self.min_upload_kbps >= 0):
            raise ValueError("the body timeout must be positive and the minimum upload rate not negative")
        if self.token is not None and not self.token.strip():
            object.__setattr__(self, "token", None)

    @property
    def media_dir(self) -> Path:
        """Uploads wait here, beside the database, until they are scanned (``server.db`` -> ``server-media``)."""
        return self.db.with_name(f"{self.db.stem}-media")

    def max_bytes(self, kind: str | None) -> int:
        """The upload limit in bytes for ``image`` or ``video``; for an unknown kind, the larger of the two."""
        if kind == "image":
            return int(self.max_image_mb * MB)
        if kind == "video":
            return int(self.max_video_mb * MB)
        return int(max(self.max_image_mb, self.max_video_mb) * MB)
