"""The speech cue of one face track: closures and sync measured over the listening window, turned into a
probability that lips and sound do not belong together, and into words.

:func:`read_lips` takes what was heard (:class:`~unmask.speech.listen.Hearing`) and the mouth of each face
track over the window, picks the speaker (the face whose mouth moves most; a mouth that barely moves is taken not
to be the speaker's), and gives each track a :class:`LipReading`: applied with its evidence, or why not. Where the
phones were not searched (speech not in English), closures are not checked (``closures.applied`` false in the
evidence, with why) and the cue rests on sync alone, as for a window where no /m b p/ was heard.

The probability is a logistic model over :data:`FEATURES`, fitted on real clips only
(``tools/calibrate_speech.py``): each clip's own sound against the same clip's sound moved by 0.1-1 s,
stretched, or taken from another clip of the same speaker, made on the fly and never stored. Its threshold
(``own_threshold``) is set on the real clips alone. The fit lives in ``calibration.json`` beside this module.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from unmask.speech.listen import Hearing
from unmask.speech.measure import Closures, Sync, closures, sync
from unmask.speech.mouth import MouthSeries

CALIBRATION_FILE = Path(__file__).parent / "calibration.json"
FEATURES = ("missed_share", "heard_closures", "strength", "contrast", "lag_error_s", "drift_s")
MIN_MOUTH_PX = 12.0  # a mouth narrower than this (corner to corner) is too small to read
MIN_WINDOW_SHARE = 0.6  # a track must be in this share of the window's frames
STILL_MOUTH = 0.008  # a mouth whose aperture varies less than this (standard deviation) barely moves
PLOT_POINTS = 150  # the most points of each series kept for the report's plot


@dataclass(frozen=True)
class Calibration:
    """The fitted model: ``weights`` per feature of :data:`FEATURES`, ``bias``, the real clips' typical lag
    (``lag_s``), the missed share assumed where no bilabial was heard (``prior_share``), the probability at and
    above which the cue calls lips and sound mismatched (``own_threshold``), and whether the cue counts towards
    a track's score (``fused``, with why)."""

    weights: tuple[float, ...]
    bias: float
    lag_s: float
    prior_share: float
    own_threshold: float
    fused: bool = False
    data: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        weights = data["weights"]
        return cls(
            weights=tuple(float(weights[name]) for name in FEATURES),
            bias=float(data["bias"]),
            lag_s=float(data["lag_s"]),
            prior_share=float(data["prior_share"]),
            own_threshold=float(data["own_threshold"]),
            fused=bool(data.get("fused", {}).get("value", False)),
            data=data,
        )

    def probability(self, features: np.ndarray) -> float:
        """The probability that lips and sound do not belong together, from a row of :data:`FEATURES`."""
        value = self.bias + float(np.dot(self.weights, features))
        return 1 / (1 + math.exp(-max(min(value, 50.0), -50.0)))


@cache
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    """The shipped calibration (``calibration.json``)."""
    return Calibration.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def features(found: Closures, measured: Sync, lag_s: float, prior_share: float) -> np.ndarray:
    """One row of :data:`FEATURES` from the two measurements (the typical lag and the share assumed without a
    bilabial come from the calibration)."""
    share = found.share if found.share is not None else prior_share
    return np.array(
        [
            share,
            math.log1p(found.total),
            measured.strength,
            measured.contrast,
            abs(measured.lag_s - lag_s),
            measured.drift_s,
        ]
    )


@dataclass
class LipReading:
    """The speech cue of one face track: ``probability`` when it applied, else ``reason``; ``evidence`` for the
    scan JSON and the report."""

    applied: bool
    reason: str | None = None
    probability: float | None = None
    evidence: dict[str, Any] | None = None
    measured: tuple[Closures, Sync] | None = field(default=None, repr=False)


def _thin(values: np.ndarray, count: int) -> np.ndarray:
    if len(values) <= count:
        return values
    return values[np.linspace(0, len(values) - 1, count).round().astype(int)]


def _evidence(hearing: Hearing, mouth: MouthSeries, found: Closures, measured: Sync) -> dict[str, Any]:
    window = hearing.window
    assert window is not None
    energy = np.interp(mouth.times, hearing.envelope_times, hearing.envelope) if len(hearing.envelope) else None
    points = np.linspace(0, len(mouth) - 1, min(len(mouth), PLOT_POINTS)).round().astype(int)
    series: dict[str, Any] = {
        "time": [round(float(t), 3) for t in mouth.times[points]],
        "opening": [round(float(a), 4) for a in mouth.aperture[points]],
    }
    if energy is not None:
        series["energy"] = [round(float(e), 3) for e in energy[points]]
    series["bilabials"] = [[round(a, 3), round(b, 3), closed] for a, b, closed in found.spans]
    return {
        "window": [round(window.start_s, 3), round(window.end_s, 3)],
        "speech_s": round(hearing.speech_s, 2),
        "frames": len(mouth),
        "closures_missed": found.missed,
        "closures_total": found.total,
        "closures": {"applied": hearing.closures is None, "reason": hearing.closures},
        "lag_ms": round(measured.lag_s * 1000),
        "correlation": round(measured.strength, 3),
        "drift_ms": round(measured.drift_s * 1000),
        "note": hearing.note,
        "series": series,
    }


def read_lips(
    hearing: Hearing, mouths: dict[int, MouthSeries], calibration: Calibration | None = None
) -> dict[int, LipReading]:
    """The speech cue of each track in ``mouths`` (its mouth over the window's frames), from ``hearing``."""
    if hearing.problem is not None or hearing.window is None:
        reason = hearing.problem or "no speech was found in the sound"
        return {track: LipReading(False, reason) for track in mouths}
    calibration = calibration or load_calibration()
    window = hearing.window
    span = f"{window.start_s:.2f}-{window.end_s:.2f} s"
    out: dict[int, LipReading] = {}
    movers: dict[int, float] = {}
    for track, mouth in mouths.items():
        seen = mouth.between(window.start_s, window.end_s)
        step = float(np.median(np.diff(mouth.times))) if len(mouth) > 1 else 0.04
        expected = (window.end_s - window.start_s) / max(step, 1e-3)
        if len(seen) < max(8, MIN_WINDOW_SHARE * expected):
            out[track] = LipReading(
                False, f"the face is in {len(seen)} of the about {expected:.0f} frames of the speech read ({span})"
            )
            continue
        width = float(np.median(seen.width))
        if width < MIN_MOUTH_PX:
            out[track] = LipReading(
                False, f"the mouth is {width:.0f} px wide: too small to read the lips (at least {MIN_MOUTH_PX:g})"
            )
            continue
        movers[track] = float(np.std(seen.aperture))
    if not movers:
        return out
    speaker = max(movers, key=lambda track: movers[track])
    for track, moves in movers.items():
        if track != speaker:
            out[track] = LipReading(False, "another face's mouth moves more while someone speaks: not the speaker")
            continue
        if moves < STILL_MOUTH:
            out[track] = LipReading(False, "the mouth barely moves while someone speaks: the voice may not be its own")
            continue
        seen = mouths[track].between(window.start_s, window.end_s)
        found = closures(hearing.phones, seen)  # none heard where the phones were not searched (not English)
        measured = sync(seen, hearing.envelope_times, hearing.envelope)
        if measured is None:
            out[track] = LipReading(False, "the sound and the mouth overlap too little to compare them")
            continue
        row = features(found, measured, calibration.lag_s, calibration.prior_share)
        evidence = _evidence(hearing, seen, found, measured)
        out[track] = LipReading(True, None, calibration.probability(row), evidence, (found, measured))
    return out
