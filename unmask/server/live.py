"""The server's side of a liveness check: signed challenges handed out, each answered once, recordings checked.

:class:`LivenessDesk` holds the signing key (the settings', else ``$UNMASK_LIVENESS_KEY[_FILE]``, else a random one
made at start), issues challenges (random, or the settings' fixed one), remembers every nonce answered until its
challenge expires (a recording sent twice, or a second recording for one challenge, fails), and runs the checks
one at a time with one :class:`~unmask.verdict.LiveChecker`, loaded on the first check (the face models are not
thread-safe). Nothing of a check is stored: the recording is deleted once checked and the result goes back to
the caller only.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unmask.liveness import Challenge, is_token, read_key, sign
from unmask.models import FakeClassifier
from unmask.server.settings import Settings
from unmask.verdict import LiveChecker, LiveCue, LiveResult, Scanner
from unmask.verdict.live import DEEPFAKE_SAMPLING

CheckerFactory = Callable[[bytes], LiveChecker]
"""Builds the desk's checker from the signing key."""
ANSWERED = "this challenge was answered already: ask for a new one"
UNSIGNED = "the challenge must be the signed one this server handed out (POST /v1/liveness/challenges)"


def default_checker_factory(settings: Settings) -> CheckerFactory:
    """Checkers with the configured deepfake model, limits and key."""

    def build(key: bytes) -> LiveChecker:
        scanner = Scanner(
            FakeClassifier(settings.model), sampling=DEEPFAKE_SAMPLING, limits=settings.limits, speech=False
        )
        return LiveChecker(scanner, key=key, limits=settings.limits)

    return build


class LivenessDesk:
    """Challenges out, recordings in: see the module's description."""

    def __init__(self, settings: Settings, checker_factory: CheckerFactory | None = None) -> None:
        self.settings = settings
        self.key = settings.liveness_key or read_key() or secrets.token_bytes(32)
        self.fixed = Challenge.parse(settings.liveness_challenge) if settings.liveness_challenge else None
        self._factory = checker_factory or default_checker_factory(settings)
        self._checker: LiveChecker | None = None
        self._answered: dict[str, float] = {}  # nonce -> when its challenge expires
        self._nonces = threading.Lock()
        self._checking = threading.Lock()

    def issue(self) -> dict[str, Any]:
        """A new signed challenge: the token to send back with the recording, and its steps to show."""
        token, signed = sign(self.fixed or Challenge.draw(), self.key, ttl_s=self.settings.liveness_ttl_s)
        return {"challenge": token, **signed.to_dict()}

    @property
    def checker(self) -> LiveChecker:
        if self._checker is None:
            self._checker = self._factory(self.key)
        return self._checker

    def _first_answer(self, nonce: str, expires_at: float) -> bool:
        """Whether this is the first recording for the challenge with ``nonce`` (and remember it)."""
        now = time.time()
        with self._nonces:
            for old in [old for old, until in self._answered.items() if until < now]:
                del self._answered[old]
            if nonce in self._answered:
                return False
            self._answered[nonce] = expires_at
            return True

    def check(self, path: Path, token: str | None, filename: str) -> LiveResult:
        """Check the recording at ``path`` against the signed challenge ``token`` (None: passive and deepfake
        cues only); the result names the file as uploaded. Blocks while another check runs."""
        with self._checking:
            checker = self.checker
            opened: Challenge | LiveCue | None = None
            if token is not None and not is_token(token):  # a caller may not choose its own challenge
                opened = LiveCue(True, False, UNSIGNED, {"spec": None, "signed": False, "steps": []})
            elif token is not None:
                opened = checker.open_challenge(token)
            if isinstance(opened, Challenge) and not self._first_answer(opened.nonce or "", opened.expires_at or 0.0):
                opened = LiveCue(True, False, ANSWERED, {"spec": opened.spec, "signed": True, "steps": []})
            result = checker.check(path, opened)
        result.path = filename
        if result.reason:
            result.reason = result.reason.replace(str(path), filename)
        return result
