"""The two measurements of lips against sound: closures on /m b p/, and how mouth opening follows speech energy.

**Closures.** The lips must meet to say /m/, /b/ or /p/ (Agarwal, Fried, Farid, Agrawala, CVPR Workshops 2020).
For each bilabial the phone search found, the mouth counts as closed when its aperture drops to the face's own
closed level (:func:`closed_level`: a third of the way from its lowest to its widest opening over the window,
and never above :data:`MAX_CLOSED`) in a frame within :data:`CLOSURE_MARGIN_S` of the phone's span.

**Sync.** Mouth opening follows the loudness of speech with a small lag that stays put. :func:`sync` correlates
the aperture with the sound's log energy (:func:`energy_envelope`), the sound moved by each lag from
-:data:`MAX_LAG_S` to +:data:`MAX_LAG_S`, over the whole window and over sliding windows of
:data:`SYNC_WINDOW_S`: the best lag, its correlation (``strength``), how far it stands above the other lags'
(``contrast``) and how much the sliding windows' best lags wander (``drift``). A positive lag means the sound
comes after the mouth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from unmask.media import SAMPLE_RATE
from unmask.speech.mouth import MouthSeries
from unmask.speech.phones import Phone

CLOSURE_MARGIN_S = 0.04
MAX_CLOSED = 0.1
CLOSED_FRACTION = 1 / 3
MAX_LAG_S = 0.5
LAG_STEP_S = 0.02
SYNC_WINDOW_S = 1.5
SYNC_HOP_S = 0.25
ENVELOPE_HOP_S = 0.01
ENVELOPE_SPAN_S = 0.04


@dataclass(frozen=True)
class Closures:
    """The bilabials heard in a window and, for each, whether the lips met: ``spans`` (start, end, closed)."""

    spans: tuple[tuple[float, float, bool], ...]

    @property
    def total(self) -> int:
        return len(self.spans)

    @property
    def missed(self) -> int:
        return sum(not closed for _, _, closed in self.spans)

    @property
    def share(self) -> float | None:
        """The share of bilabials on which the lips did not meet; None when none was heard."""
        return self.missed / self.total if self.total else None


@dataclass(frozen=True)
class Sync:
    """How mouth opening follows speech energy: the best ``lag_s``, its correlation ``strength``, its
    ``contrast`` over the median of all lags' correlations, the sliding windows' ``drift_s`` (standard
    deviation of their best lags) over ``windows`` windows."""

    lag_s: float
    strength: float
    contrast: float
    drift_s: float
    windows: int


def closed_level(aperture: np.ndarray) -> float:
    """The aperture at or under which a face's lips count as together, from its own apertures over a window."""
    low, high = np.percentile(aperture, [5, 95]) if len(aperture) else (0.0, 0.0)
    return float(min(low + CLOSED_FRACTION * (high - low), MAX_CLOSED))


def closures(phones: Sequence[Phone], mouth: MouthSeries, margin_s: float = CLOSURE_MARGIN_S) -> Closures:
    """Whether the lips met on each bilabial of ``phones`` that the mouth's frames cover (its span, widened by
    ``margin_s`` on each side, holds a frame)."""
    if len(mouth) == 0:
        return Closures(())
    level = closed_level(mouth.aperture)
    spans = []
    for phone in phones:
        if not phone.bilabial:
            continue
        near = (mouth.times >= phone.start - margin_s) & (mouth.times <= phone.end + margin_s)
        if not near.any():
            continue
        spans.append((phone.start, phone.end, bool(mouth.aperture[near].min() <= level)))
    return Closures(tuple(spans))


def energy_envelope(samples: np.ndarray, start_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The sound's loudness every :data:`ENVELOPE_HOP_S`: log energy (natural log of the mean square, floored at
    -14, about -60 dBFS) over :data:`ENVELOPE_SPAN_S` centred on each time. Returns (times, values)."""
    samples = np.asarray(samples, dtype=np.float64).reshape(-1)
    hop, span = round(ENVELOPE_HOP_S * SAMPLE_RATE), round(ENVELOPE_SPAN_S * SAMPLE_RATE)
    count = max(0, (samples.size - span) // hop + 1)
    if count == 0:
        return np.zeros(0), np.zeros(0)
    power = np.concatenate([[0.0], np.cumsum(samples**2)])
    starts = np.arange(count) * hop
    mean_square = (power[starts + span] - power[starts]) / span
    times = start_s + (starts + span / 2) / SAMPLE_RATE
    return times, np.log(np.maximum(mean_square, np.exp(-14.0)))


def _correlations(
    times: np.ndarray, opening: np.ndarray, env_times: np.ndarray, env: np.ndarray, lags: np.ndarray
) -> np.ndarray:
    """Pearson correlation of ``opening`` at ``times`` with the envelope at ``times + lag``, for each lag (NaN
    where fewer than 8 frames have sound at that lag); all lags at once, each over its own frames with sound."""
    out = np.full(len(lags), np.nan)
    if len(env_times) < 2:
        return out
    at = times[None, :] + lags[:, None]
    inside = (at >= env_times[0]) & (at <= env_times[-1])
    count = inside.sum(axis=1)
    rows = count >= 8
    if not rows.any():
        return out
    inside, count = inside[rows], count[rows][:, None]

    def standard(values: np.ndarray) -> np.ndarray:  # per row, over the row's frames with sound (0 elsewhere)
        values = np.where(inside, values, 0.0)
        centred = np.where(inside, values - values.sum(axis=1, keepdims=True) / count, 0.0)
        spread = np.sqrt((centred**2).sum(axis=1, keepdims=True) / count)
        return np.where(spread > 1e-9, centred / np.maximum(spread, 1e-300), 0.0)

    a = standard(np.broadcast_to(opening[None, :], inside.shape))
    e = standard(np.interp(at[rows], env_times, env))
    out[rows] = (a * e).sum(axis=1) / count[:, 0]
    return out


def sync(mouth: MouthSeries, env_times: np.ndarray, env: np.ndarray) -> Sync | None:
    """How the mouth's aperture follows the envelope (:func:`energy_envelope`) over the mouth's frames; None where
    fewer than 8 frames overlap the sound, or the mouth does not move."""
    if len(mouth) < 8 or float(np.std(mouth.aperture)) < 1e-6:
        return None
    lags = np.arange(-MAX_LAG_S, MAX_LAG_S + 1e-9, LAG_STEP_S)
    whole = _correlations(mouth.times, mouth.aperture, env_times, env, lags)
    if np.isnan(whole).all():
        return None
    best = int(np.nanargmax(whole))
    window_lags = []
    start = mouth.times[0]
    while start + SYNC_WINDOW_S <= mouth.times[-1] + 1e-6:
        part = mouth.between(start, start + SYNC_WINDOW_S)
        if len(part) >= 8 and float(np.std(part.aperture)) > 1e-6:
            local = _correlations(part.times, part.aperture, env_times, env, lags)
            if not np.isnan(local).all():
                window_lags.append(float(lags[int(np.nanargmax(local))]))
        start += SYNC_HOP_S
    return Sync(
        lag_s=float(lags[best]),
        strength=float(whole[best]),
        contrast=float(whole[best] - np.nanmedian(whole)),
        drift_s=float(np.std(window_lags)) if len(window_lags) > 1 else 0.0,
        windows=len(window_lags),
    )
