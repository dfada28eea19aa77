"""Listening to a clip before its frames are read: is there speech, where is the stretch to watch, which phones
are said in it, and how loud it is moment by moment.

:class:`Listener` reads the sound of the middle :data:`LISTEN_S` seconds of a clip (all of a shorter one), finds
speech with silero-vad, picks the :data:`WINDOW_S` seconds that hold the most of it (:func:`pick_window`), and
runs the phone search and the energy envelope over that window. The scanner then reads the window's frames
:data:`FRAME_STEP_S` apart (a :class:`~unmask.media.Window`: every 2nd frame at 25 fps, every 4th at 50) to watch
the mouth. A :class:`Hearing` says what was found, or, in words, why
nothing can be measured: no sound track, silence, no speech, the parts not installed, a damaged track.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from unmask.errors import MediaError
from unmask.media import SAMPLE_RATE, AudioInfo, Window, audio_note, audio_problem, probe_audio, read_audio
from unmask.speech.measure import MAX_LAG_S, energy_envelope
from unmask.speech.parts import missing
from unmask.speech.phones import Phone, PhoneRecognizer, searched
from unmask.speech.vad import VoiceDetector, speech_segments

LISTEN_S = 30.0  # the sound searched for speech: this much from the middle of the clip
WINDOW_S = 2.0  # the stretch of speech whose every frame is read (3 s cost 38% more than a scan: BENCHMARKS.md)
FRAME_STEP_S = 0.08  # the window's frames this far apart: every 2nd at 25 fps (costs half of every frame)
MIN_SPEECH_S = 0.75  # less speech than this in the window is too little to measure
MARGIN_S = 0.2  # the window reaches this far beyond the speech it covers


@dataclass
class Hearing:
    """What the sound of one clip says: ``problem`` (why nothing can be measured) or the speech ``segments``
    (seconds on the video's clock), the ``window`` to watch, its ``phones`` and its energy envelope
    (``envelope_times``, ``envelope``, reaching :data:`~unmask.speech.measure.MAX_LAG_S` beyond the window).
    ``note`` remarks on a usable track (sound that stops before the picture); ``closures`` says why the phones
    were not searched, so that closures cannot be checked (speech not in English); ``seconds`` is the time spent."""

    problem: str | None
    note: str | None = None
    segments: list[tuple[float, float]] = field(default_factory=list)
    window: Window | None = None
    speech_s: float = 0.0
    phones: list[Phone] = field(default_factory=list)
    envelope_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    envelope: np.ndarray = field(default_factory=lambda: np.zeros(0))
    closures: str | None = None
    seconds: float = 0.0


def pick_window(segments: list[tuple[float, float]], length: float = WINDOW_S) -> tuple[float, float, float] | None:
    """The ``length``-second stretch holding the most speech of ``segments`` (the earliest such, starting at a
    segment's start), trimmed to the speech it holds: (start, end, seconds of speech); None without speech."""
    best: tuple[float, float, float] | None = None
    for start, _ in segments:
        end = start + length
        covered = [(max(a, start), min(b, end)) for a, b in segments if b > start and a < end]
        speech = sum(b - a for a, b in covered)
        if best is None or speech > best[2] + 1e-9:
            best = (start, max(b for _, b in covered), speech)
    return best


class Listener:
    """Finds speech and its phones in clips; holds the two models, so make one and use it for many clips.
    ``window_s``: the length of the stretch of speech to pick; ``frame_step_s``: how far apart its frames are read
    (None: every frame). The calibration was fitted at :data:`WINDOW_S` and :data:`FRAME_STEP_S`; other values
    are for measuring what the window costs."""

    def __init__(self, window_s: float = WINDOW_S, frame_step_s: float | None = FRAME_STEP_S) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s must be positive, not {window_s}")
        self.window_s, self.frame_step_s = window_s, frame_step_s
        self.vad = VoiceDetector()
        self.phones = PhoneRecognizer()

    def __call__(self, path: str | os.PathLike[str], video_s: float | None, language: str = "en") -> Hearing:
        """Listen to the clip at ``path`` whose video lasts ``video_s`` seconds (None: unknown), spoken in
        ``language`` (a language code: the phones are searched in English only)."""
        tick = time.perf_counter()
        hearing = self._listen(path, video_s, language)
        hearing.seconds = time.perf_counter() - tick
        return hearing

    def _listen(self, path: str | os.PathLike[str], video_s: float | None, language: str) -> Hearing:
        try:
            info = probe_audio(path)
            if not info.present:
                return Hearing(audio_problem(info, 0.0, 0.0))
            length = video_s or info.duration_s or LISTEN_S
            start = max(0.0, (length - LISTEN_S) / 2)
            first, samples = read_audio(path, start, start + min(length, LISTEN_S) + 0.05, info)
        except MediaError as err:
            return Hearing(f"the sound track could not be read ({err})")
        return self.hear(samples, first, info, video_s, language)

    def hear(
        self, samples: np.ndarray, first_s: float, info: AudioInfo, video_s: float | None, language: str = "en"
    ) -> Hearing:
        """Listen to 16-kHz mono ``samples`` whose first sample is at ``first_s`` on the video's clock (the
        calibration hears a clip's own sound moved, stretched or swapped this way), spoken in ``language``."""
        unsearched = searched(language)
        peak = float(np.abs(samples).max()) if samples.size else 0.0
        problem = audio_problem(info, samples.size / SAMPLE_RATE, peak)
        if problem is not None:
            return Hearing(problem)
        ends = first_s + samples.size / SAMPLE_RATE
        note = audio_note(info, ends) if video_s is None or ends < video_s - 0.05 else None
        segments = speech_segments(self.vad.probabilities(samples), first_s)
        if video_s is not None:
            segments = [(a, min(b, video_s)) for a, b in segments if a < video_s]
        picked = pick_window(segments, self.window_s)
        if picked is None or picked[2] < MIN_SPEECH_S:
            heard = sum(b - a for a, b in segments)
            what = "no speech was found" if not segments else f"too little speech ({heard:.1f} s) was found"
            return Hearing(f"{what} in the sound (at least {MIN_SPEECH_S:g} s are needed)", note, segments)
        start, end, speech_s = picked
        start, end = max(0.0, start - MARGIN_S), end + MARGIN_S
        if video_s is not None:
            end = min(end, video_s)

        def offset(when: float) -> int:
            return max(0, round((when - first_s) * SAMPLE_RATE))

        part = samples[offset(start) : offset(end)]
        phones = self.phones(part, max(start, first_s)) if unsearched is None else []
        wide = samples[offset(start - MAX_LAG_S - 0.05) : offset(end + MAX_LAG_S + 0.05)]
        env_times, env = energy_envelope(wide, max(first_s, start - MAX_LAG_S - 0.05))
        window = Window(start, end, self.frame_step_s)
        return Hearing(None, note, segments, window, speech_s, phones, env_times, env, unsearched)


def unavailable() -> str | None:
    """Why no :class:`Listener` can be made here (the ``speech`` extra missing), or None."""
    return missing()
