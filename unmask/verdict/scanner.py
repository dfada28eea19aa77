"""``Scanner``: media -> faces -> classifier -> verdict, for one file or one RGB array at a time.

For a video, ``sampling`` frames (default: 32 evenly spaced, as strong published detectors use) are decoded one at
a time; faces are found, followed into tracks, aligned under the model's crop contract and scored in one batch per
frame. With the temporal branch on, the frames of its burst (the temporal model's window, at the step it was
trained at, mid-clip) are decoded too: their faces are found and tracked but feed only that branch. A still is one
frame. Faces whose box is under ``min_score_face`` pixels are found but not scored (upsampled from too few pixels,
a real face looks like a re-rendered one); a video track needs ``min_track_frames`` scored frames (or all sampled
frames, when fewer were sampled) to count. ``transform``, if given, changes each decoded frame before faces are
looked for (the robustness ladder launders frames with it).

Each track carries its cues: ``blend`` (the frame branch: the mean of its frame scores) and, with the temporal
branch on, ``animation``: its probability over the track's burst crops (at least 8), put on the verdict's scale
by :func:`~unmask.verdict.result.on_scale` (its own threshold lands on the threshold in force: the card's, for a
video its video threshold where it has one, or the one passed in), so that either cue reaching its own threshold
makes the track ``fake``; the track scores the higher of the two. ``temporal=True`` / ``False`` turns the branch
on / off (or pass a :class:`~unmask.models.temporal.TemporalClassifier`); by default it runs when the shipped
temporal model's card says so (``status.default``, with why and the figures).

Crowds: in a video frame the ``max_faces`` largest faces are scored (default 20: the cost of a frame grows with
its faces, times every sampled frame); in a still, every face found, unless ``max_still_faces`` caps it too. The
result's ``unscored`` counts the faces found but not scored (beyond the cap, or too small) and says why.

With the speech cue on (by default, where its parts are installed: the ``speech`` extra), a video's sound is listened
to first (:class:`~unmask.speech.Listener`): where someone speaks, the frames of the stretch of speech it picks
(a :class:`~unmask.media.Window` of a few seconds, every 2nd frame at 25 fps) are read too, its faces followed from
frame to frame in a lane of their own (tracked apart from the sampled frames and the burst, so that the cue changes
nothing the other branches read; each of its tracks is then linked to the scored track it is the face of), and each
track's mouth over it is read against the sound (:func:`~unmask.speech.read_lips`): the ``speech`` cue, on the same
scale, with its evidence. It counts towards the track's score only where its calibration says it has earned it
(``fused``); otherwise it is reported only. A clip without sound costs one look at its container.
``speech_language`` (a language code, English by default) is the language the clips are said to speak: closures
on /m b p/ are checked in English only (nothing here identifies the language).

The scanner checks its arguments when it is made: a threshold outside [0, 1], ``max_faces``, ``max_still_faces``
or ``min_track_frames`` under 1, a negative ``min_score_face`` or a ``speech_language`` that is not a language code
raise ``ValueError`` (``sampling`` and the
analyzer check their own).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unmask import __version__
from unmask.errors import reason
from unmask.faces import FaceAnalyzer
from unmask.faces.align import AlignedFace
from unmask.faces.analyzer import as_rgb_uint8
from unmask.faces.pipeline import MAX_FACES, track_faces
from unmask.faces.tracking import link_tracks
from unmask.media import (
    Burst,
    Frame,
    Limits,
    MediaInfo,
    Sampling,
    Window,
    expected_frames,
    probe,
    read_frames,
    sha256_of,
)
from unmask.models import FakeClassifier
from unmask.models.temporal import TEMPORAL_CARD, TemporalClassifier, on_by_default, track_features
from unmask.speech import (
    Hearing,
    LipReading,
    Listener,
    MouthSeries,
    language_code,
    load_calibration,
    mouth_series,
    read_lips,
)
from unmask.speech import unavailable as speech_unavailable
from unmask.verdict.result import (
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

TEMPORAL_OFF = "the temporal branch is off in this scan (--temporal turns it on; its model card says why it is off)"
SPEECH_OFF = "the speech cue is off in this scan"
TEMPORAL_MIN_FRAMES = 8  # over fewer frames real tracks of the training clips scored as high as forgeries

DEFAULT_SAMPLING = Sampling(count=32)
MIN_SCORE_FACE = 64
MIN_TRACK_FRAMES = 3

Source = str | os.PathLike[str] | np.ndarray
FrameCallback = Callable[[Frame, list[FaceScore], np.ndarray | None, np.ndarray | None], None]
"""Called per sampled frame with its scored faces, their aligned crops and their boundary maps."""


@dataclass
class _WindowTrack:
    """One face track of the speech cue's window (tracked apart from the scored frames): per frame, its time,
    its mesh (x, y) and its box."""

    times: list[float] = dataclasses.field(default_factory=list)
    meshes: list[np.ndarray] = dataclasses.field(default_factory=list)
    boxes: list[np.ndarray] = dataclasses.field(default_factory=list)


@dataclass
class _Tally:
    """Running totals of one scan: seconds spent finding and scoring faces, faces found, faces too small."""

    faces_s: float = 0.0
    model_s: float = 0.0
    found: int = 0
    small: int = 0
    beyond: int = 0
    largest: float = 0.0
    temporal_s: float = 0.0
    speech_s: float = 0.0


class Scanner:
    """Scans images, videos and RGB arrays for manipulated faces with one loaded classifier."""

    def __init__(
        self,
        classifier: FakeClassifier | None = None,
        analyzer: FaceAnalyzer | None = None,
        sampling: Sampling = DEFAULT_SAMPLING,
        limits: Limits = Limits(),
        max_faces: int = MAX_FACES,
        max_still_faces: int | None = None,
        min_score_face: float = MIN_SCORE_FACE,
        min_track_frames: int = MIN_TRACK_FRAMES,
        threshold: float | None = None,
        transform: Callable[[np.ndarray], np.ndarray] | None = None,
        temporal: TemporalClassifier | bool | None = None,
        speech: Listener | bool | None = None,
        speech_language: str = "en",
    ) -> None:
        if threshold is not None and not 0 <= threshold <= 1:
            raise ValueError(f"threshold must lie in [0, 1], not {threshold:g}")
        if max_faces < 1:
            raise ValueError(f"max_faces must be at least 1, not {max_faces}")
        if max_still_faces is not None and max_still_faces < 1:
            raise ValueError(f"max_still_faces must be at least 1 (or None: every face), not {max_still_faces}")
        if not min_score_face >= 0:
            raise ValueError(f"min_score_face must not be negative, not {min_score_face:g}")
        if min_track_frames < 1:
            raise ValueError(f"min_track_frames must be at least 1, not {min_track_frames}")
        self.classifier = classifier or FakeClassifier()
        if temporal is None:  # as the shipped temporal model's card says (its status: default, and why)
            temporal = on_by_default(TEMPORAL_CARD)
        if temporal is True:
            temporal = TemporalClassifier(TEMPORAL_CARD)
        self.temporal = temporal or None
        # The speech cue: on unless turned off; where its parts are missing, the cue says so.
        self.speech_missing = speech_unavailable() if speech is not False else None
        if speech is False:
            self.listener: Listener | None = None
        elif isinstance(speech, Listener):
            self.listener, self.speech_missing = speech, None
        else:
            self.listener = Listener() if self.speech_missing is None else None
        self.speech_on = speech is not False
        self.speech_language = language_code(speech_language)
        self.analyzer = analyzer or FaceAnalyzer()
        self.sampling = sampling
        self.limits = limits
        self.max_faces = max_faces
        self.max_still_faces = max_still_faces
        self.min_score_face = min_score_face
        self.min_track_frames = min_track_frames
        # The thresholds in force: the one passed in for every scan, else the card's for the scan's kind.
        self.given_threshold = None if threshold is None else float(threshold)
        self.threshold = self.threshold_for("image")
        self.video_threshold = self.threshold_for("video")
        self.contract = self.classifier.card.contract
        self.transform = transform

    def threshold_for(self, kind: str | None) -> float:
        """The threshold a scan of ``kind`` (``video``, ``image``, ``array``) is decided at."""
        if self.given_threshold is not None:
            return self.given_threshold
        return self.classifier.card.threshold_for(kind)

    @property
    def burst(self) -> Burst | None:
        """The frames the temporal branch reads in a video, beside ``sampling`` (None with the branch off)."""
        return self.temporal.burst if self.temporal is not None else None

    def _frames(self, source: Source, info: MediaInfo | None, window: Window | None) -> Iterator[Frame]:
        if isinstance(source, np.ndarray):
            frames: Iterator[Frame] = iter([Frame(image=as_rgb_uint8(source), index=0, time=None)])
        else:
            frames = read_frames(source, self.sampling, self.limits, info=info, burst=self.burst, window=window)
        for frame in frames:
            if self.transform is not None:
                frame = dataclasses.replace(frame, image=self.transform(frame.image))
            yield frame

    def scan(
        self,
        source: Source,
        on_frame: FrameCallback | None = None,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> ScanResult:
        """Scan a file path or an RGB (or grey) array; never raises for bad media: the result says ``error``.

        ``on_frame`` sees each frame's scored faces with their crops and maps (for heatmaps); ``progress``
        is called after each frame with the number of frames done and the number expected (None if unknown).
        The result keeps each face track's best picture for its report (``result.save_report(path)``).
        """
        started = time.perf_counter()
        result = ScanResult(
            path=None if isinstance(source, np.ndarray) else os.fspath(source),
            sha256=None,
            kind=None,
            verdict="error",
            score=None,
            threshold=self.threshold,
            reason=None,
            model=self.classifier.card.identity(),
            temporal_model=self.temporal.card.identity() if self.temporal is not None else None,
            unmask_version=__version__,
            card=self.classifier.card,
            source=None if isinstance(source, np.ndarray) else os.fspath(source),
        )
        tally = _Tally()
        try:
            info = self._describe(source, result)
            result.threshold = self.threshold_for(result.kind)
            self._score_frames(source, info, result, tally, on_frame, progress)
            self._decide(result, tally)
        except Exception as err:  # noqa: BLE001 - any failure on one input becomes its error verdict
            result.verdict, result.score, result.reason = "error", None, reason(err, result.path)
            result.decided_by = None
        result.timings = {
            "faces_s": tally.faces_s,
            "model_s": tally.model_s,
            "temporal_s": tally.temporal_s,
            "speech_s": tally.speech_s,
            "total_s": time.perf_counter() - started,
        }
        return result

    def _describe(self, source: Source, result: ScanResult) -> MediaInfo | None:
        if isinstance(source, np.ndarray):
            if source.ndim not in (2, 3) or source.size == 0:
                raise ValueError(f"expected an H x W (x 3) image array, got shape {source.shape}")
            result.kind = "array"
            result.height, result.width = source.shape[:2]
            result.sha256 = hashlib.sha256(np.ascontiguousarray(source).tobytes()).hexdigest()
            return None
        path = Path(source)
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder; scan its files (the command line walks folders)")
        info = probe(path, self.limits)
        result.sha256 = sha256_of(path)
        result.kind, result.width, result.height = info.kind, info.width, info.height
        result.duration_s = info.duration_s if info.kind == "video" else None
        result.sampling = None
        if info.kind == "video":
            result.sampling = self.sampling.describe()
            if self.burst is not None:
                result.sampling += f"; for the temporal branch, {self.burst.describe(info.fps)}"
        return info

    def _score_frames(
        self,
        source: Source,
        info: MediaInfo | None,
        result: ScanResult,
        tally: _Tally,
        on_frame: FrameCallback | None,
        progress: Callable[[int, int | None], None] | None,
    ) -> None:
        video = info is not None and info.kind == "video"
        cap = self.max_faces if video else self.max_still_faces
        tracks: dict[int, Track] = {}
        sequences: dict[int, list[tuple[AlignedFace, float | None]]] = {}
        window_tracks: dict[int, _WindowTrack] = {}
        burst = video and self.temporal is not None
        hearing = self._listen(source, info) if video else None
        if hearing is not None:
            tally.speech_s += hearing.seconds
        window = hearing.window if hearing is not None else None
        if window is not None and result.sampling is not None:
            result.sampling += f"; for the speech cue, {window.describe(info.fps if info else None)}"
        expected = 1 if info is None else expected_frames(info, self.sampling, self.burst if burst else None, window)
        loop = track_faces(
            self._frames(source, info, window),
            self.analyzer,
            track=video,
            contract=self.contract,
            max_faces=cap,
            min_align=self.min_score_face,
        )
        for done, found in enumerate(loop, start=1):
            frame, faces = found.frame, found.faces
            scorable = found.aligned  # the faces of at least min_score_face pixels
            ids = [face.track_id if face.track_id is not None else n for n, (face, _) in enumerate(scorable)]
            if burst and frame.burst:
                for track_id, (_, crop) in zip(ids, scorable, strict=True):
                    sequences.setdefault(track_id, []).append((crop, frame.time))
            tally.speech_s += found.window_seconds
            if frame.window and frame.time is not None:  # the window's faces, tracked apart (ids of their own)
                for face in found.window_faces:
                    run = window_tracks.setdefault(face.track_id or 0, _WindowTrack())
                    run.times.append(frame.time)
                    run.meshes.append(face.landmarks[:, :2])
                    run.boxes.append(face.box)
            if not frame.sampled:  # a burst or window frame only: found and tracked for its branch, not scored
                tally.temporal_s += found.seconds
                if progress is not None:
                    progress(done, expected)
                continue
            tally.found += len(faces)
            tally.largest = max([tally.largest, *(face.size for face in faces)])
            tally.small += len(faces) - len(scorable)
            tally.beyond += found.dropped
            crops = [crop.image for _, crop in scorable]
            tally.faces_s += found.seconds
            scored: list[FaceScore] = []
            maps = None
            if crops:
                tick = time.perf_counter()
                scores, maps = self.classifier.predict(np.stack(crops))
                tally.model_s += time.perf_counter() - tick
                for track_id, (face, _), score in zip(ids, scorable, scores, strict=True):
                    box = [round(float(v), 1) for v in face.box]
                    entry = FaceScore(frame.index, frame.time, box, float(score), track_id)
                    tracks.setdefault(track_id, Track(id=track_id)).frames.append(entry)
                    scored.append(entry)
            best = max((entry.score for entry in scored), default=None)
            result.frames.append(FrameScore(frame.index, frame.time, best, len(found.found)))
            stacked = np.stack(crops) if crops else None
            keep_pictures(result.pictures, frame, scored, stacked, maps)
            if on_frame is not None:
                on_frame(frame, scored, stacked, maps)
            if progress is not None:
                progress(done, expected)
        needed = min(self.min_track_frames, len(result.frames)) if video else 1
        readings = self._read_lips(hearing, window_tracks, tracks, tally)
        for track in tracks.values():
            track.usable = len(track.frames) >= needed
            self._cues(track, sequences.get(track.id, []), video, result.threshold, tally)
            track.cues["speech"] = self._speech_cue(video, hearing, readings.get(track.id), result.threshold)
        result.faces = sorted(tracks.values(), key=lambda track: track.id)
        result.unscored = self._unscored(tally, cap, video)

    def _unscored(self, tally: _Tally, cap: int | None, video: bool) -> Unscored:
        """The faces found in the sampled frames but not scored, with the reason in words."""
        unscored = Unscored(tally.beyond, tally.small, cap)
        if unscored.faces == 0:
            return unscored
        found = tally.found + tally.beyond
        why = []
        if tally.beyond:
            largest = f"the {cap} largest of their frame" if video else f"the {cap} largest"
            why.append(f"{tally.beyond} beyond {largest} (max_faces)")
        if tally.small:
            why.append(f"{tally.small} under {self.min_score_face:g} px, too small to judge")
        where = " in the sampled frames" if video else ""
        were = "was" if unscored.faces == 1 else "were"
        unscored.reason = (
            f"{unscored.faces} of the {found} face{'s' if found != 1 else ''} found{where} {were} not scored: "
            f"{'; '.join(why)}"
        )
        return unscored

    def _listen(self, source: Source, info: MediaInfo | None) -> Hearing | None:
        """What the video's sound says (None for an array or with the speech cue off or not installed)."""
        if self.listener is None or isinstance(source, np.ndarray) or info is None:
            return None
        return self.listener(source, info.duration_s, language=self.speech_language)

    def _read_lips(
        self, hearing: Hearing | None, window: dict[int, _WindowTrack], tracks: dict[int, Track], tally: _Tally
    ) -> dict[int, LipReading]:
        """Each scored track's speech cue (by its id), from the window's faces: their tracks are linked to the
        scored ones where they lie in the scored frames nearest in time (:func:`link_tracks`)."""
        if hearing is None:
            return {}
        tick = time.perf_counter()
        series: dict[int, MouthSeries] = {
            run: mouth_series(np.stack(faces.meshes), np.array(faces.times)) for run, faces in window.items()
        }
        readings = read_lips(hearing, series)
        scored = {
            track.id: [(entry.time, np.array(entry.box)) for entry in track.frames if entry.time is not None]
            for track in tracks.values()
        }
        runs = {run: list(zip(faces.times, faces.boxes, strict=True)) for run, faces in window.items()}
        links = link_tracks(scored, runs)
        tally.speech_s += time.perf_counter() - tick
        return {links[run]: reading for run, reading in readings.items() if run in links}

    def _speech_cue(self, video: bool, hearing: Hearing | None, reading: LipReading | None, threshold: float) -> Cue:
        """The ``speech`` cue of a track: on the verdict's scale (``threshold``: the scan's) where it applied, else
        why not."""
        fused = self.listener is not None and load_calibration().fused
        if not video:
            return Cue(None, False, "a still image: there is no sound to compare the lips with", fused=fused)
        if not self.speech_on:
            return Cue(None, False, SPEECH_OFF, fused=fused)
        if hearing is None:
            return Cue(None, False, self.speech_missing or "the sound was not listened to", fused=fused)
        if reading is None:
            reason = hearing.problem or "the face is not in the frames of the stretch of speech that was read"
            return Cue(None, False, reason, fused=fused)
        if not reading.applied or reading.probability is None:
            return Cue(None, False, reading.reason, fused=fused)
        calibration = load_calibration()
        score = on_scale(reading.probability, calibration.own_threshold, threshold)
        return Cue(score, True, probability=reading.probability, fused=fused, evidence=reading.evidence)

    def _cues(
        self,
        track: Track,
        sequence: list[tuple[AlignedFace, float | None]],
        video: bool,
        threshold: float,
        tally: _Tally,
    ) -> None:
        """The track's cues: the frame branch's mean score (``blend``) and, for videos, the temporal branch's
        (``animation``) on the same scale (``threshold``: the scan's); the track's score is the higher of the two.
        Where the temporal branch did not run (a still, the branch off, too few frames), ``animation`` says why."""
        track.cues = {"blend": Cue(score=track.blend_score, applied=True)}
        if not video:
            track.cues["animation"] = Cue(None, False, "a still image: the temporal branch needs a video")
            return
        if self.temporal is None:
            track.cues["animation"] = Cue(None, False, TEMPORAL_OFF)
            return
        if len(sequence) < TEMPORAL_MIN_FRAMES:
            track.cues["animation"] = Cue(
                None, False, f"the face is in {len(sequence)} frame(s) of the burst: too few for the temporal branch"
            )
            return
        tick = time.perf_counter()
        crops = np.stack([face.image for face, _ in sequence])
        landmarks = np.stack([face.landmarks for face, _ in sequence])
        times = [when for _, when in sequence]
        features = track_features(crops, landmarks, None if None in times else np.array(times, dtype=np.float64))
        probability = self.temporal.predict(features)
        tally.temporal_s += time.perf_counter() - tick
        track.cues["animation"] = Cue(
            on_scale(probability, self.temporal.threshold, threshold), True, probability=probability
        )

    def _decide(self, result: ScanResult, tally: _Tally) -> None:
        verdict, score, deciding = decide(result.faces, result.threshold)
        result.verdict, result.score = verdict, score
        result.decided_by = deciding.id if deciding is not None else None
        if verdict != "not_applicable":
            return
        sampled = len(result.frames)
        frames = f"{sampled} sampled frame{'s' if sampled != 1 else ''}"
        if tally.found == 0:
            minimum = self.analyzer.min_face_size
            result.reason = f"no face found in {frames} (faces under {minimum:g} px are not searched)"
        elif tally.small == tally.found:
            result.reason = (
                f"faces too small: the largest is {tally.largest:.0f} px; at least {self.min_score_face:g} px are "
                "needed to score one"
            )
        else:
            longest = max((len(track.frames) for track in result.faces), default=0)
            needed = min(self.min_track_frames, sampled)
            result.reason = (
                f"too few usable frames: the longest face track has {longest} scored frame(s) of {frames}, "
                f"{needed} are needed"
            )
