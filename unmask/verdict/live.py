"""``LiveChecker``: is a live person in front of the camera? Three cues on one photo or clip, and a verdict.

- **passive** (:mod:`unmask.models.liveness`, loaded on first use): the attack probability of the face in its
  context (paper borders, bezels, moiré, fingers), per sampled frame (:data:`PASSIVE_FRAMES` spread over a clip);
  the media's score is their mean, an ``attack`` at or above the model's threshold. Where the model or its
  weights are missing, the cue says so and is not applied.
- **challenge** (:mod:`unmask.liveness`), for a clip, when one is given: every step seen in its own time window,
  the face followed frame by frame at up to :data:`CHALLENGE_FPS` frames per second. A signed challenge is opened
  with the checker's key first: one signed with another key, changed, or expired fails. A photo cannot answer a
  challenge: it fails.
- **deepfake**, for a clip: the :class:`~unmask.verdict.Scanner`'s scan of the same clip, since a face swapped in
  place of the camera's feed passes a print or screen detector; by default at :data:`DEEPFAKE_SAMPLING` (12 frames
  spread over the clip, not the scan's 32: a challenge clip lasts a few seconds and must be decided in about
  two). ``fake`` fails the cue; a scan that says nothing (``not_applicable``) leaves it unapplied.

The verdict: ``error`` when the input cannot be read; ``not_applicable`` when no face is found, or when neither
liveness cue (passive, challenge) could be applied (the deepfake scan alone says nothing of liveness);
``attack`` when an applied cue fails, ``decided_by`` the first of challenge, passive, deepfake that did; else
``live``, decided by the challenge when there was one, else by the passive cue. Every reason is one line.
:meth:`LiveResult.to_dict` follows ``unmask/verdict/live.schema.json``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from unmask import __version__
from unmask.errors import UnmaskError, one_line, reason
from unmask.faces import FaceAnalyzer
from unmask.liveness import Challenge, ChallengeError, FaceSeries, face_series, is_token, open_token, verify
from unmask.media import Frame, Limits, MediaInfo, Sampling, probe, read_frames, sha256_of
from unmask.report.html import render_live_report, write_live_report
from unmask.verdict.scanner import Scanner

LIVE_SCHEMA_VERSION = "1.0"
LiveVerdict = Literal["live", "attack", "not_applicable", "error"]
LIVE_VERDICTS: tuple[str, ...] = ("live", "attack", "not_applicable", "error")
CUES = ("challenge", "passive", "deepfake")  # the order in which a failing cue decides
CHALLENGE_FPS = 15.0
PASSIVE_FRAMES = 8
DEEPFAKE_SAMPLING = Sampling(count=12)
NO_CHALLENGE = "no challenge was given (--challenge)"


class PassiveModel(Protocol):
    """The passive presentation-attack model, as :func:`unmask.models.liveness.load_passive` returns it."""

    name: str
    version: str
    threshold: float

    def score(self, image: np.ndarray, box: np.ndarray) -> float: ...


def load_passive_model() -> PassiveModel:
    """The shipped passive model; a one-line :class:`~unmask.errors.UnmaskError` when it is not there."""
    try:
        from unmask.models.liveness import load_passive
    except ImportError as err:
        raise UnmaskError(f"this unmask has no passive liveness model ({one_line(err)})") from None
    return load_passive()


@dataclass
class LiveCue:
    """What one cue says: whether it ``applied``, whether it ``passed`` (None when not applied), the ``reason`` it
    failed or did not apply, and what it rests on (``details``: scores, steps, the model)."""

    applied: bool
    passed: bool | None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "passed": self.passed, "reason": self.reason, **self.details}


Opened = Challenge | LiveCue | None
"""A challenge ready to check, or its failed cue (a signed one that could not be opened), or none."""


def _not_applied(why: str, **details: Any) -> LiveCue:
    return LiveCue(False, None, why, dict(details))


@dataclass
class LiveResult:
    """The liveness check of one photo or clip (see the module's description)."""

    path: str | None
    sha256: str | None
    kind: str | None
    verdict: LiveVerdict
    reason: str | None
    decided_by: str | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    frames: int = 0
    face_frames: int = 0
    cues: dict[str, LiveCue] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    unmask_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict following ``live.schema.json`` (version :data:`LIVE_SCHEMA_VERSION`)."""
        return {
            "schema_version": LIVE_SCHEMA_VERSION,
            "unmask_version": self.unmask_version,
            "path": self.path,
            "sha256": self.sha256,
            "kind": self.kind,
            "width": self.width,
            "height": self.height,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
            "verdict": self.verdict,
            "reason": self.reason,
            "decided_by": self.decided_by,
            "frames": self.frames,
            "face_frames": self.face_frames,
            "cues": {name: self.cues[name].to_dict() for name in CUES if name in self.cues},
            "timings": {key: round(value, 4) for key, value in self.timings.items()},
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def row(self) -> str:
        """One line for the terminal: the verdict, the cue that decided, the input and the reason."""
        shown = self.path or "(array)"
        line = f"{self.verdict:<15} {self.decided_by or '-':<10} {shown}"
        return f"{line}: {self.reason.removeprefix(f'{shown}: ')}" if self.reason else line

    def to_html(self, made_at: datetime | None = None) -> str:
        """The self-contained HTML report of the check (:func:`unmask.report.html.render_live_report`)."""
        return render_live_report(self.to_dict(), made_at)

    def save_report(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_html` to ``path`` (its folder is made); an unwritable path is a one-line error."""
        return write_live_report(path, self.to_dict())


class LiveChecker:
    """Checks photos and clips for a live person with the three cues (see the module's description).

    ``scanner``: the deepfake scan's (default: the shipped detector at :data:`DEEPFAKE_SAMPLING`; its face analyzer
    is shared). ``passive``: a
    :class:`PassiveModel`, None to load the shipped one on first use, or False for none. ``key``: the key that
    opens signed challenges (:func:`unmask.liveness.read_key`). ``deepfake=False`` skips the deepfake scan.
    """

    def __init__(
        self,
        scanner: Scanner | None = None,
        passive: PassiveModel | Literal[False] | None = None,
        key: bytes | None = None,
        limits: Limits = Limits(),
        deepfake: bool = True,
        challenge_fps: float = CHALLENGE_FPS,
        passive_frames: int = PASSIVE_FRAMES,
    ) -> None:
        if not challenge_fps > 0 or passive_frames < 1:
            raise ValueError("challenge_fps must be positive and passive_frames at least 1")
        self.scanner = scanner or Scanner(sampling=DEEPFAKE_SAMPLING, limits=limits, speech=False)
        self.analyzer: FaceAnalyzer = self.scanner.analyzer
        self._passive: PassiveModel | None = passive or None
        self._passive_problem: str | None = "the passive cue is off" if passive is False else None
        self._passive_tried = passive is not None
        self.key = key
        self.limits = limits
        self.deepfake = deepfake
        self.challenge_fps = challenge_fps
        self.passive_frames = passive_frames

    @property
    def passive(self) -> PassiveModel | None:
        """The passive model, loaded on first use; None when it cannot be (:attr:`passive_problem` says why)."""
        if not self._passive_tried:
            self._passive_tried = True
            try:
                self._passive = load_passive_model()
            except Exception as err:  # noqa: BLE001 - a missing or broken model leaves the cue unapplied, said why
                self._passive_problem = f"the passive model is not available: {reason(err)}"
        return self._passive

    @property
    def passive_problem(self) -> str | None:
        return None if self.passive is not None else self._passive_problem

    def open_challenge(self, challenge: Opened | str, now: float | None = None) -> Opened:
        """The challenge to check a recording against: a :class:`Challenge`, a compact spec, or a signed token
        (opened with :attr:`key`). A token that cannot be opened gives the failed cue instead, with the reason (a
        cue given is kept as it is); a malformed spec raises :class:`~unmask.liveness.ChallengeError`."""
        if challenge is None or isinstance(challenge, Challenge | LiveCue):
            return challenge
        if not is_token(challenge):
            return Challenge.parse(challenge)
        if self.key is None:
            raise ChallengeError("a signed challenge needs the key it was signed with (UNMASK_LIVENESS_KEY)")
        try:
            return open_token(challenge, self.key, now)
        except ChallengeError as err:
            return LiveCue(True, False, str(err), {"spec": None, "signed": True, "steps": []})

    def check(self, source: str | os.PathLike[str], challenge: Opened | str = None) -> LiveResult:
        """Check one photo or clip, with ``challenge`` if given (see :meth:`open_challenge`); never raises for bad
        media (the result says ``error``); a malformed challenge spec raises ``ChallengeError``."""
        started = time.perf_counter()
        opened = self.open_challenge(challenge)
        path = os.fspath(source)
        result = LiveResult(path=path, sha256=None, kind=None, verdict="error", reason=None)
        try:
            info = probe(path, self.limits)
            result.sha256 = sha256_of(path)
            result.kind, result.width, result.height = info.kind, info.width, info.height
            result.duration_s = info.duration_s if info.kind == "video" else None
            if info.kind == "video":
                self._check_clip(path, info, opened, result)
            else:
                self._check_photo(path, info, opened, result)
            self._decide(result)
        except Exception as err:  # noqa: BLE001 - any failure on one input becomes its error verdict
            result.verdict, result.reason, result.decided_by = "error", reason(err, path), None
        result.timings["total_s"] = time.perf_counter() - started
        return result

    def _check_photo(self, path: str, info: MediaInfo, challenge: Opened, result: LiveResult) -> None:
        tick = time.perf_counter()
        (frame,) = list(read_frames(path, Sampling(), self.limits, info=info))
        faces = self.analyzer(frame.image)
        result.frames, result.face_frames = 1, int(bool(faces))
        result.timings["faces_s"] = time.perf_counter() - tick
        if isinstance(challenge, LiveCue):
            result.cues["challenge"] = challenge
        elif challenge is not None:
            why = "a still image cannot answer a challenge: it asks for a recording"
            result.cues["challenge"] = LiveCue(True, False, why, {"spec": challenge.spec, "steps": []})
        else:
            result.cues["challenge"] = _not_applied(NO_CHALLENGE)
        if faces:
            boxes = [(0.0, frame.image, np.asarray(faces[0].box))]
            result.cues["passive"] = self._passive_cue(boxes, result)
        result.cues["deepfake"] = _not_applied("a still image: only the passive cue is run on photos")

    def _check_clip(self, path: str, info: MediaInfo, challenge: Opened, result: LiveResult) -> None:
        tick = time.perf_counter()
        kept: list[Frame] = []
        frames = read_frames(path, Sampling(max_fps=self.challenge_fps), self.limits, info=info)
        series = face_series(self._keep_some(frames, kept), self.analyzer)
        result.frames, result.face_frames = series.frames, len(series)
        result.timings["faces_s"] = time.perf_counter() - tick
        if isinstance(challenge, LiveCue):
            result.cues["challenge"] = challenge
        elif challenge is None:
            result.cues["challenge"] = _not_applied(NO_CHALLENGE)
        else:
            result.cues["challenge"] = self._challenge_cue(challenge, series)
        if len(series):
            result.cues["passive"] = self._passive_cue(self._boxes(kept, series), result)
        result.cues["deepfake"] = self._deepfake_cue(path, result)

    def _keep_some(self, frames: Iterator[Frame], kept: list[Frame]) -> Iterator[Frame]:
        """Pass ``frames`` on, keeping a spread of them (at most twice :attr:`passive_frames`) for the passive cue."""
        stride = 1
        for number, frame in enumerate(frames):
            if number % stride == 0:
                kept.append(frame)
                if len(kept) >= 2 * self.passive_frames:
                    kept[:] = kept[::2]
                    stride *= 2
            yield frame

    def _boxes(self, kept: list[Frame], series: FaceSeries) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """The kept frames in which the face was followed, each with its time and the face's box."""
        where = {float(when): number for number, when in enumerate(series.times)}
        found = [(frame, where.get(float(frame.time or 0.0))) for frame in kept]
        found = [(frame, number) for frame, number in found if number is not None]
        if len(found) > self.passive_frames:
            picks = np.linspace(0, len(found) - 1, self.passive_frames).round().astype(int)
            found = [found[pick] for pick in picks]
        return [(float(frame.time or 0.0), frame.image, series.boxes[number]) for frame, number in found]

    def _challenge_cue(self, challenge: Challenge, series: FaceSeries) -> LiveCue:
        checked = verify(challenge, series)
        details: dict[str, Any] = {"signed": challenge.nonce is not None, **checked.to_dict()}
        if challenge.nonce is not None:
            details.update(nonce=challenge.nonce, expires_at=challenge.expires_at)
        return LiveCue(True, checked.passed, checked.reason, details)

    def _passive_cue(self, boxes: list[tuple[float, np.ndarray, np.ndarray]], result: LiveResult) -> LiveCue:
        model = self.passive
        if model is None:
            return _not_applied(self.passive_problem or "the passive model is not available")
        tick = time.perf_counter()
        scores = [(when, float(model.score(image, box))) for when, image, box in boxes]
        result.timings["passive_s"] = time.perf_counter() - tick
        score = float(np.mean([value for _, value in scores]))
        passed = score < model.threshold
        why = None
        if not passed:
            what = "the face" if result.kind == "image" else f"the face over {len(scores)} frames"
            why = f"{what} looks like a presentation attack: score {score:.3f}, threshold {model.threshold:.3f}"
        details = {
            "score": round(score, 4),
            "threshold": round(float(model.threshold), 6),
            "model": {"name": model.name, "version": model.version},
            "frames": [{"time": round(when, 4), "score": round(value, 4)} for when, value in scores],
        }
        return LiveCue(True, passed, why, details)

    def _deepfake_cue(self, path: str, result: LiveResult) -> LiveCue:
        if not self.deepfake:
            return _not_applied("the deepfake scan is off")
        scan = self.scanner.scan(path)
        result.timings["deepfake_s"] = scan.timings.get("total_s", 0.0)
        details = {
            "verdict": scan.verdict,
            "score": None if scan.score is None else round(scan.score, 4),
            "threshold": round(scan.threshold, 6),
            "model": scan.model,
        }
        if scan.verdict not in ("real", "fake"):
            return _not_applied(f"the deepfake scan could not judge the clip: {one_line(scan.reason)}", **details)
        why = None
        if scan.verdict == "fake":
            why = f"the face looks manipulated (a deepfake): score {scan.score:.3f}, threshold {scan.threshold:.3f}"
        return LiveCue(True, scan.verdict == "real", why, details)

    def _decide(self, result: LiveResult) -> None:
        if result.face_frames == 0:
            what = "the photo" if result.kind == "image" else f"{result.frames} frame(s) of the clip"
            result.verdict, result.reason = "not_applicable", f"no face found in {what}"
            return
        failed = next((name for name in CUES if result.cues.get(name) and result.cues[name].passed is False), None)
        if failed is not None:
            result.verdict, result.decided_by, result.reason = "attack", failed, result.cues[failed].reason
            return
        live = [name for name in ("challenge", "passive") if result.cues.get(name) and result.cues[name].applied]
        if not live:
            passive = result.cues.get("passive")
            result.verdict = "not_applicable"
            result.reason = "no liveness cue could be applied: " + "; ".join(
                filter(None, [passive.reason if passive else None, result.cues["challenge"].reason])
            )
            return
        result.verdict, result.decided_by, result.reason = "live", live[0], None
