"""How one ``unmask serve`` instance runs: where it keeps its jobs, what it accepts, who may call it.

One frozen dataclass, read by the store, the worker pool and the app alike, so that a test can build a server
exactly as the command line does, on a temporary database.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from unmask.errors import UnmaskError
from unmask.media import Limits, Sampling
from unmask.server.store import DEFAULT_OWNER
from unmask.verdict import DEFAULT_SAMPLING

MB = 1_000_000
TOKEN_ENV = "UNMASK_TOKEN"
DAY = 86_400.0
DEFAULT_RETAIN = "30d"
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": DAY, "w": 7 * DAY}
_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def parse_duration(text: str) -> float | None:
    """Seconds from ``30d``, ``24h``, ``90m``, ``45s``, ``2w`` (or a bare number of seconds); None for
    ``forever``. Raises ``ValueError`` for anything else, or for a duration that is not positive."""
    given = text.strip().lower()
    if given == "forever":
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhdw]?)", given)
    if match is None:
        raise ValueError(f"expected a duration such as 30d, 24h, 90m or 45s (or 'forever'), got {text!r}")
    seconds = float(match[1]) * _UNITS[match[2] or "s"]
    if seconds <= 0:
        raise ValueError(f"a retention must be positive, got {text!r}")
    return seconds


def read_tokens(path: str | os.PathLike[str]) -> dict[str, str]:
    """Named API tokens from a file: one ``NAME TOKEN`` pair a line (blank lines and ``#`` comments skipped);
    names are letters, digits and ``._@-``. A file that cannot be read or is malformed is a one-line error."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise UnmaskError(f"{path}: cannot read the tokens file ({getattr(err, 'strerror', None) or err})") from None
    tokens: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 2 or not _NAME.fullmatch(words[0]):
            raise UnmaskError(f"{path}, line {number}: expected 'NAME TOKEN' (a name of letters, digits and ._@-)")
        if words[0] in tokens:
            raise UnmaskError(f"{path}, line {number}: the name {words[0]!r} is given twice")
        tokens[words[0]] = words[1]
    if not tokens:
        raise UnmaskError(f"{path}: no tokens in the file")
    return tokens


def default_db() -> Path:
    """``$XDG_DATA_HOME/unmask/server.db`` (default ``~/.local/share/unmask/server.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "unmask" / "server.db"


@dataclass(frozen=True)
class Settings:
    """Everything a server instance is configured with; the defaults are those of ``unmask serve``.

    Callers: ``token`` (one, named ``default``) and ``tokens`` (name -> token) are the API tokens; with any, each
    caller sees only the scans made with its own token. Privacy: a finished scan is forgotten ``retain_s`` after
    it finished (None: kept until deleted); stored reports carry face pictures only with ``keep_faces``; uploads
    are kept after their scan only with ``keep_media``.

    Uploads: ``max_jobs_per_client`` caps the scans a client address has uploading, queued or running;
    ``max_uploads`` the uploads received at once, all clients together; an upload that sends nothing for
    ``body_timeout_s``, or averages under ``min_upload_kbps`` (kilobytes per second) once that time has passed,
    is cut off (:mod:`unmask.server.upload`).

    Liveness checks (``/v1/liveness``): challenges are signed with ``liveness_key`` (None: a random key made at
    each start, so a restart voids the challenges handed out before it) and last ``liveness_ttl_s`` seconds;
    ``liveness_challenge`` (a compact spec) is issued every time instead of a random challenge (for tests and
    demonstrations).

    Scans run in ``workers`` threads here or, with ``cluster`` (a Dask scheduler's address, or ``local[:N]``),
    on that cluster, ``workers`` at once; the job store stays here either way.
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
    keep_faces: bool = False
    retain_s: float | None = 30 * DAY
    token: str | None = field(default=None, repr=False)
    tokens: dict[str, str] = field(default_factory=dict, repr=False)
    model: str | None = None
    sampling: Sampling = DEFAULT_SAMPLING
    limits: Limits = field(default_factory=Limits)
    cluster: str | None = None
    liveness_key: bytes | None = field(default=None, repr=False)
    liveness_ttl_s: float = 120.0
    liveness_challenge: str | None = None

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
        if self.retain_s is not None and not self.retain_s > 0:
            raise ValueError(f"the retention must be positive (or None: forever), got {self.retain_s}")
        if not self.liveness_ttl_s > 0:
            raise ValueError(f"a challenge's lifetime must be positive, got {self.liveness_ttl_s}")
        object.__setattr__(self, "tokens", dict(self.tokens))
        if self.token is not None and DEFAULT_OWNER in self.tokens:
            raise ValueError(f"the single token is the one named {DEFAULT_OWNER!r}, and the named tokens have one too")
        secrets = list(self.callers)
        if any(not secret or secret != secret.strip() for secret in secrets) or len(secrets) != len(set(secrets)):
            raise ValueError("every token must be non-empty, without surrounding spaces, and different from the others")
        if len(secrets) != len(self.tokens) + (self.token is not None):
            raise ValueError("two names share one token")

    @property
    def callers(self) -> dict[str, str]:
        """Who may call the API: each token with its name (the single ``token`` is named ``default``); empty when
        the API is open to anyone."""
        named = {secret: name for name, secret in self.tokens.items()}
        if self.token is not None:
            named.setdefault(self.token, DEFAULT_OWNER)
        return named

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
