"""The readable table that ``unmask scan`` prints by default: one row per input, printed as each finishes."""

from __future__ import annotations

from unmask.verdict import ScanResult

HEADER = f"{'VERDICT':<14} {'SCORE':>6} {'FACES':>5} {'FRAMES':>6}  INPUT"


def format_row(result: ScanResult) -> str:
    """One input's row: verdict (FAKE in capitals), score, usable face tracks, sampled frames, path and reason."""
    verdict = "FAKE" if result.verdict == "fake" else result.verdict
    score = "-" if result.score is None else f"{result.score:.3f}"
    usable = sum(track.usable for track in result.faces)
    where = result.path or "<array>"
    if result.reason:
        reason = result.reason.removeprefix(f"{where}: ")
        where = f"{where}: {reason}"
    return f"{verdict:<14} {score:>6} {usable:>5} {len(result.frames):>6}  {where}"
