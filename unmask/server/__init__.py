"""Server: the HTTP API, its background jobs and their SQLite store, and the upload web page (``unmask serve``).

Last in the data flow (media -> faces -> models -> verdict -> report -> server); needs the ``server`` extra
(FastAPI, uvicorn, python-multipart). ``Settings`` imports without it, so the command line can show its
defaults; ``create_app`` and ``run_server`` load FastAPI when first used.
"""

from typing import Any

from unmask.server.settings import Settings, default_db

__all__ = ["Settings", "create_app", "default_db", "run_server"]


def __getattr__(name: str) -> Any:
    if name in ("create_app", "run_server"):
        from unmask.server import app

        return getattr(app, name)
    raise AttributeError(f"module 'unmask.server' has no attribute {name!r}")
