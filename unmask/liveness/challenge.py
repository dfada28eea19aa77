"""The active challenge: a random sequence of actions, each to be seen within its own time window, and its check.

A challenge is 2 to 4 steps drawn from :data:`ACTIONS`. After a lead-in of :data:`LEAD_S` seconds (look at the
camera: the clip's own resting face), each step has a window of :data:`STEP_S` seconds, one after the other, in
seconds from the start of the recording. Its compact form, :attr:`Challenge.spec`, is what ``unmask live
--challenge`` takes: ``turn_left@1-3,smile@3-5`` (or ``turn_left,smile``: the default windows).

**Signed.** A server hands out challenges signed with HMAC-SHA256 (:func:`sign`): the steps and their windows, a
random nonce, the time it was issued and the time it expires, as ``lv1.<payload>.<signature>`` (base64url). A
recording is checked against the challenge read back from that token (:func:`open_token`): a token whose signature
does not match (another key, a changed step or window) or that has expired is refused with the reason; a recording
that answers another challenge fails its steps. Using each nonce once is the server's part
(:mod:`unmask.server`).

**The check** (:func:`verify`) reads the face's measures over time (:class:`~unmask.liveness.actions.FaceSeries`)
and passes a step when, in at least one frame of its window, the action is seen:

- ``turn_left`` / ``turn_right``: the yaw reaches :data:`TURN_DEG` to the person's own left / right;
- ``look_up``: the pitch rises :data:`LOOK_UP_DEG` above the face at rest;
- ``blink``: the eye aspect ratio falls to :data:`BLINK_FRACTION` of the eyes at rest;
- ``open_mouth``: the lips' aperture reaches :data:`OPEN_MOUTH` and :data:`OPEN_RISE` above the mouth at rest;
- ``smile``: the mouth's width over the eye distance reaches :data:`SMILE_MIN` and :data:`SMILE_RISE` above rest.

"At rest" is the clip's own baseline: the median over the lead-in's frames when it holds at least
:data:`MIN_FRAMES` of them, else over the whole clip. A step whose window holds fewer than :data:`MIN_FRAMES` frames
with the face fails (a recording too short, or the face gone). Each step reports its evidence: the measure, the
most telling value in the window and when, the baseline and the level needed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unmask.errors import UnmaskError
from unmask.liveness.actions import FaceSeries

ACTIONS = ("blink", "turn_left", "turn_right", "smile", "open_mouth", "look_up")
PROMPTS = {
    "blink": "Blink",
    "turn_left": "Turn your head to your left",
    "turn_right": "Turn your head to your right",
    "smile": "Smile",
    "open_mouth": "Open your mouth",
    "look_up": "Look up",
}
"""What a person is asked to do for each action, in words."""
LEAD_S = 1.0
STEP_S = 2.0
MIN_STEPS, MAX_STEPS = 2, 4
TTL_S = 120.0
MIN_FRAMES = 3
TURN_DEG = 20.0
LOOK_UP_DEG = 12.0
BLINK_FRACTION = 0.6
OPEN_MOUTH, OPEN_RISE = 0.3, 0.15
SMILE_MIN, SMILE_RISE = 0.95, 0.08
TOKEN_PREFIX = "lv1"
KEY_ENV, KEY_FILE_ENV = "UNMASK_LIVENESS_KEY", "UNMASK_LIVENESS_KEY_FILE"
MIN_KEY_BYTES = 16
_STEP = re.compile(r"([a-z_]+)(?:@(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?))?")


class ChallengeError(UnmaskError):
    """A challenge that cannot be used: malformed, signed with another key, or expired; the message says which."""


@dataclass(frozen=True)
class Step:
    """One action to be seen between ``start_s`` and ``end_s`` seconds from the start of the recording."""

    action: str
    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ChallengeError(f"unknown action {self.action!r}: expected one of {', '.join(ACTIONS)}")
        if not 0 <= self.start_s < self.end_s:
            raise ChallengeError(f"the window of {self.action} must run forward from 0 s or later")

    @property
    def spec(self) -> str:
        return f"{self.action}@{self.start_s:g}-{self.end_s:g}"

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "start_s": self.start_s, "end_s": self.end_s, "prompt": PROMPTS[self.action]}


@dataclass(frozen=True)
class Challenge:
    """The steps of a challenge and, once signed, its ``nonce`` and when it was issued and expires (Unix times)."""

    steps: tuple[Step, ...]
    nonce: str | None = None
    issued_at: float | None = None
    expires_at: float | None = None

    def __post_init__(self) -> None:
        if not self.steps:
            raise ChallengeError("a challenge needs at least one step")
        for before, after in itertools.pairwise(self.steps):
            if after.start_s < before.end_s:
                raise ChallengeError(f"the windows of {before.spec} and {after.spec} overlap or run backwards")

    @property
    def spec(self) -> str:
        """The compact form, e.g. ``turn_left@1-3,smile@3-5``."""
        return ",".join(step.spec for step in self.steps)

    @property
    def duration_s(self) -> float:
        """How long a recording must last to hold every window."""
        return self.steps[-1].end_s

    @classmethod
    def parse(cls, text: str) -> Challenge:
        """A challenge from its compact form: comma-separated ``action@start-end``, or bare actions, which get the
        default windows (after the lead-in, :data:`STEP_S` each, one after the other)."""
        words = [word.strip() for word in text.strip().split(",")]
        if not words or not all(words):
            raise ChallengeError(f"expected actions separated by commas (e.g. turn_left,smile), got {text!r}")
        steps, start = [], LEAD_S
        for word in words:
            match = _STEP.fullmatch(word)
            if match is None:
                raise ChallengeError(f"cannot read the step {word!r}: expected ACTION or ACTION@START-END (seconds)")
            action, low, high = match.groups()
            if low is None:
                steps.append(Step(action, start, start + STEP_S))
            else:
                steps.append(Step(action, float(low), float(high)))
            start = steps[-1].end_s
        return cls(tuple(steps))

    @classmethod
    def draw(cls, rng: random.Random | None = None, count: int | None = None) -> Challenge:
        """A random challenge of ``count`` steps (default: 2 to 4 at random), no action twice in a row, with the
        default windows."""
        rng = rng or random.SystemRandom()
        count = rng.randint(MIN_STEPS, MAX_STEPS) if count is None else count
        if not MIN_STEPS <= count <= MAX_STEPS:
            raise ChallengeError(f"a challenge has {MIN_STEPS} to {MAX_STEPS} steps, not {count}")
        actions: list[str] = []
        while len(actions) < count:
            action = rng.choice(ACTIONS)
            if not actions or action != actions[-1]:
                actions.append(action)
        return cls.parse(",".join(actions))

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "steps": [step.to_dict() for step in self.steps],
            "lead_s": self.steps[0].start_s,
            "duration_s": self.duration_s,
            "nonce": self.nonce,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
        }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, f"{TOKEN_PREFIX}.{payload}".encode("ascii"), hashlib.sha256).digest())


def sign(challenge: Challenge, key: bytes, now: float | None = None, ttl_s: float = TTL_S) -> tuple[str, Challenge]:
    """Sign ``challenge`` with ``key``: a fresh nonce, issued ``now`` (default: the clock), valid ``ttl_s``
    seconds. Returns the token and the challenge as signed."""
    if len(key) < MIN_KEY_BYTES:
        raise ChallengeError(f"a signing key needs at least {MIN_KEY_BYTES} bytes")
    issued = float(round(time.time() if now is None else now))
    signed = Challenge(challenge.steps, secrets.token_hex(16), issued, issued + ttl_s)
    body = {"steps": signed.spec, "nonce": signed.nonce, "iat": signed.issued_at, "exp": signed.expires_at}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{TOKEN_PREFIX}.{payload}.{_mac(key, payload)}", signed


def is_token(text: str) -> bool:
    """Whether ``text`` is a signed challenge (else it is read as a compact spec)."""
    return text.startswith(f"{TOKEN_PREFIX}.")


def open_token(token: str, key: bytes, now: float | None = None) -> Challenge:
    """The challenge inside a signed ``token``, once its signature is checked against ``key`` and it has not
    expired at ``now``; else a :class:`ChallengeError` that says why."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise ChallengeError(f"not a signed challenge: expected {TOKEN_PREFIX}.<payload>.<signature>")
    _, payload, mac = parts
    if not hmac.compare_digest(mac.encode("ascii", "replace"), _mac(key, payload).encode("ascii")):
        raise ChallengeError("the challenge's signature does not match: it was changed, or signed with another key")
    try:
        body = json.loads(_unb64(payload))
        challenge = Challenge.parse(body["steps"])
        issued, expires, nonce = float(body["iat"]), float(body["exp"]), str(body["nonce"])
    except (ValueError, KeyError, TypeError, binascii.Error) as err:
        raise ChallengeError(f"the signed challenge cannot be read ({err})") from None
    now = time.time() if now is None else now
    if now > expires:
        raise ChallengeError(f"the challenge expired {now - expires:.0f} s ago (it was valid {expires - issued:g} s)")
    return Challenge(challenge.steps, nonce, issued, expires)


def read_key(path: str | os.PathLike[str] | None = None) -> bytes | None:
    """The signing key: the bytes of the file at ``path``, else of the file named by ``$UNMASK_LIVENESS_KEY_FILE``,
    else ``$UNMASK_LIVENESS_KEY`` as UTF-8; None when none is set. Surrounding white space is dropped; a key under
    :data:`MIN_KEY_BYTES` bytes or a file that cannot be read is a one-line :class:`ChallengeError`."""
    source = path or os.environ.get(KEY_FILE_ENV)
    if source:
        try:
            key = Path(source).read_bytes().strip()
        except OSError as err:
            raise ChallengeError(f"{source}: cannot read the liveness key ({err.strerror or err})") from None
    elif os.environ.get(KEY_ENV):
        key = os.environ[KEY_ENV].strip().encode("utf-8")
    else:
        return None
    if len(key) < MIN_KEY_BYTES:
        raise ChallengeError(f"the liveness key must be at least {MIN_KEY_BYTES} bytes long")
    return key


@dataclass
class StepResult:
    """What the check of one step found: whether it ``passed``, the ``measure`` it read, its most telling
    ``value`` in the window and when (``at``), the ``baseline`` at rest and the ``needed`` level, and the
    ``frames`` with the face in the window; ``reason`` says why a step failed."""

    step: Step
    passed: bool
    measure: str
    value: float | None
    at: float | None
    baseline: float | None
    needed: float
    frames: int
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(float(value), 4)

        return {
            "action": self.step.action,
            "window": [self.step.start_s, self.step.end_s],
            "passed": self.passed,
            "measure": self.measure,
            "value": rounded(self.value),
            "at": rounded(self.at),
            "baseline": rounded(self.baseline),
            "needed": rounded(self.needed),
            "frames": self.frames,
            "reason": self.reason,
        }


@dataclass
class ChallengeResult:
    """The check of a recording against a challenge: ``passed`` when every step did, with the first failure's
    ``reason`` otherwise, and each step's evidence."""

    challenge: Challenge
    passed: bool
    reason: str | None
    steps: list[StepResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"spec": self.challenge.spec, "steps": [step.to_dict() for step in self.steps]}


def _needed(action: str, baseline: float) -> float:
    """The level of its measure at which ``action`` counts as seen, given the face's ``baseline`` at rest."""
    if action == "turn_left":
        return TURN_DEG
    if action == "turn_right":
        return -TURN_DEG
    if action == "look_up":
        return baseline + LOOK_UP_DEG
    if action == "blink":
        return baseline * BLINK_FRACTION
    if action == "open_mouth":
        return max(OPEN_MOUTH, baseline + OPEN_RISE)
    return max(SMILE_MIN, baseline + SMILE_RISE)  # smile


MEASURE_OF = {
    "turn_left": "yaw",
    "turn_right": "yaw",
    "look_up": "pitch",
    "blink": "eyes",
    "open_mouth": "mouth",
    "smile": "smile",
}
FALLS = {"turn_right", "blink"}  # actions seen when their measure falls to the level needed
UNITS = {"yaw": "°", "pitch": "°", "eyes": "", "mouth": "", "smile": ""}


def _rest(series: FaceSeries, challenge: Challenge) -> FaceSeries:
    """The frames of the face at rest: the lead-in's when it holds enough of them, else the whole clip's."""
    lead = series.between(-np.inf, challenge.steps[0].start_s - 1e-9)
    return lead if len(lead) >= MIN_FRAMES else series


def check_step(step: Step, series: FaceSeries, rest: FaceSeries) -> StepResult:
    """Whether ``step`` is seen in its window of ``series``, with ``rest`` giving the baseline."""
    name = MEASURE_OF[step.action]
    baseline = float(np.median(rest.values[name])) if len(rest) else float("nan")
    needed = _needed(step.action, baseline)
    window = series.between(step.start_s, step.end_s)
    falls = step.action in FALLS
    if len(window) < MIN_FRAMES:
        why = f"the face is in {len(window)} frame(s) of its window, {MIN_FRAMES} are needed"
        return StepResult(step, False, name, None, None, baseline, needed, len(window), why)
    values = window.values[name]
    best = int(np.argmin(values) if falls else np.argmax(values))
    value = float(values[best])
    passed = bool(value <= needed if falls else value >= needed) and bool(np.isfinite(needed))
    reason = None
    if not passed:
        unit = UNITS[name]
        reason = (
            f"{step.action} not seen: the {name} {'fell to' if falls else 'reached'} {value:.2f}{unit}, "
            f"{'at most' if falls else 'at least'} {needed:.2f}{unit} needed"
        )
    return StepResult(step, passed, name, value, float(window.times[best]), baseline, needed, len(window), reason)


def verify(challenge: Challenge, series: FaceSeries) -> ChallengeResult:
    """Check a recording's face over time against ``challenge``: every step must be seen in its own window."""
    rest = _rest(series, challenge)
    steps = [check_step(step, series, rest) for step in challenge.steps]
    failed = next((number for number, step in enumerate(steps, start=1) if not step.passed), None)
    if failed is None:
        return ChallengeResult(challenge, True, None, steps)
    step = steps[failed - 1]
    where = f"step {failed} of {len(steps)} ({step.step.spec} s)"
    return ChallengeResult(challenge, False, f"{where}: {step.reason}", steps)
