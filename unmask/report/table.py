"""The readable table that ``unmask scan`` prints by default: one row per input, printed as each finishes."""

from __future__ import annotations

HEADER = f"{'VERDICT':<14} {'SCORE':>6} {'FACES':>5} {'FRAMES':>6}  INPUT"


def format_row(verdict: str, score: float | None, faces: int, frames: int, path: str | None, reason: str | None) -> str:
    """One input's row: verdict (FAKE in capitals), score, usable face tracks, sampled frames, path and reason
    (``ScanResult.row()`` fills it in)."""
    shown = "FAKE" if verdict == "fake" else verdict
    number = "-" if score is None else f"{score:.3f}"
    where = path or "<array>"
    if reason:
        where = f"{where}: {reason.removeprefix(f'{where}: ')}"
    return f"{shown:<14} {number:>6} {faces:>5} {frames:>6}  {where}"
