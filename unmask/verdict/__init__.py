"""Verdicts: scanning media for manipulated faces (``Scanner``), the result (``ScanResult``) and its JSON Schema;
checking for a live person (``LiveChecker``, ``LiveResult``, :mod:`unmask.verdict.live`) and its JSON Schema.

Comes after :mod:`unmask.models` and :mod:`unmask.report` in the data flow: a result renders its own table row
and HTML report (``ScanResult.save_report(path)``) with the report's renderers, which know nothing of it.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from unmask.verdict.live import LIVE_SCHEMA_VERSION, LIVE_VERDICTS, LiveChecker, LiveCue, LiveResult
from unmask.verdict.result import (
    MAX_PICTURES,
    SCHEMA_VERSION,
    VERDICTS,
    Cue,
    FaceScore,
    FrameScore,
    ScanResult,
    Track,
    Unscored,
    decide,
    keep_pictures,
    on_scale,
)
from unmask.verdict.scanner import DEFAULT_SAMPLING, MIN_SCORE_FACE, MIN_TRACK_FRAMES, Scanner

SCHEMA_FILE = Path(__file__).parent / "scan.schema.json"
LIVE_SCHEMA_FILE = Path(__file__).parent / "live.schema.json"


@cache
def scan_schema() -> dict[str, Any]:
    """The JSON Schema that every scan result follows."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def live_schema() -> dict[str, Any]:
    """The JSON Schema that every liveness check result follows."""
    return json.loads(LIVE_SCHEMA_FILE.read_text(encoding="utf-8"))


__all__ = [
    "DEFAULT_SAMPLING",
    "LIVE_SCHEMA_FILE",
    "LIVE_SCHEMA_VERSION",
    "LIVE_VERDICTS",
    "MAX_PICTURES",
    "MIN_SCORE_FACE",
    "MIN_TRACK_FRAMES",
    "SCHEMA_FILE",
    "SCHEMA_VERSION",
    "VERDICTS",
    "Cue",
    "FaceScore",
    "FrameScore",
    "LiveChecker",
    "LiveCue",
    "LiveResult",
    "ScanResult",
    "Scanner",
    "Track",
    "Unscored",
    "decide",
    "keep_pictures",
    "live_schema",
    "on_scale",
    "scan_schema",
]
