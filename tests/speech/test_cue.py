"""The speech cue on a real GRID clip (a held-out speaker): its /m b p/ closures are found, and its sound moved
by 400 ms reads as out of sync while its own sound does not."""

import numpy as np
import pytest

from unmask.faces import FaceAnalyzer, track_faces
from unmask.media import Sampling, Window, probe, probe_audio, read_audio, read_frames
from unmask.speech import load_calibration, mouth_series, read_lips
from unmask.speech.cue import MIN_MOUTH_PX, Calibration
from unmask.speech.listen import FRAME_STEP_S

pytestmark = pytest.mark.shared
CLIP = ("train_real", "grid", "sbwe5n.mpg")  # "set blue with e five now": held out of the calibration


@pytest.fixture(scope="module")
def grid_clip(shared_data, speech_parts):
    """The clip's mouth over every frame, and its sound."""
    path = shared_data.joinpath(*CLIP)
    info = probe(path)
    window = Window(0.0, info.duration_s + 1, FRAME_STEP_S)  # the frames a scan's speech window reads
    frames = read_frames(path, Sampling(every_nth=10**6), info=info, window=window)
    times, meshes = [], []
    for found in track_faces(frames, FaceAnalyzer(), track=True):
        times.append(found.frame.time)
        meshes.append(found.window_faces[0].landmarks)
    first, samples = read_audio(path, 0.0, info.duration_s + 0.1)
    return mouth_series(np.stack(meshes), np.array(times)), probe_audio(path), first, samples, info.duration_s


def test_closures_are_found_on_the_bilabials(listener, grid_clip):
    mouth, audio, first, samples, video_s = grid_clip
    hearing = listener.hear(samples, first, audio, video_s)
    (reading,) = read_lips(hearing, {0: mouth}).values()
    assert reading.applied, reading.reason
    found, _ = reading.measured
    assert found.total >= 1 and found.missed < found.total  # "blue": the lips meet on its /b/
    # Where the lips met, the aperture there is at the face's closed level; where the phone search heard /b/ in
    # "blue" (0.6 to 1.1 s into the clip), the lips met.
    met = [(a, b) for a, b, closed in found.spans if closed]
    assert any(0.6 < a < 1.3 for a, _ in met), found.spans
    evidence = reading.evidence
    assert evidence["closures_total"] == found.total and evidence["closures_missed"] == found.missed
    assert len(evidence["series"]["time"]) == len(evidence["series"]["opening"]) == len(evidence["series"]["energy"])


def test_sound_moved_by_400_ms_reads_out_of_sync_and_its_own_does_not(listener, grid_clip):
    mouth, audio, first, samples, video_s = grid_clip
    calibration = load_calibration()
    own = read_lips(listener.hear(samples, first, audio, video_s), {0: mouth})[0]
    assert own.applied and own.probability < calibration.own_threshold, own.evidence
    assert abs(own.evidence["lag_ms"]) <= 120
    for shift in (-0.4, 0.4):
        moved = read_lips(listener.hear(samples, first + shift, audio, video_s), {0: mouth})[0]
        assert moved.applied and moved.probability >= calibration.own_threshold, (shift, moved.evidence)
        assert moved.probability > own.probability


def test_reasons_when_the_cue_cannot_apply(listener, grid_clip):
    mouth, audio, first, samples, video_s = grid_clip
    hearing = listener.hear(samples, first, audio, video_s)
    silent = listener.hear(np.zeros_like(samples), first, audio, video_s)
    assert "silent" in read_lips(silent, {0: mouth})[0].reason
    small = type(mouth)(mouth.times, mouth.aperture, mouth.area, np.full(len(mouth), MIN_MOUTH_PX / 2))
    assert "too small" in read_lips(hearing, {0: small})[0].reason
    still = type(mouth)(mouth.times, np.full(len(mouth), 0.2), mouth.area, mouth.width)
    readings = read_lips(hearing, {0: mouth, 1: still})
    assert readings[0].applied and readings[1].reason.endswith("not the speaker")
    assert "barely moves" in read_lips(hearing, {1: still})[1].reason
    assert "frames" in read_lips(hearing, {0: mouth.between(0.0, 0.3)})[0].reason


def test_calibration_is_a_probability_and_was_fitted_on_real_clips_only():
    calibration = load_calibration()
    assert 0 < calibration.own_threshold < 1 and not calibration.fused
    clips = calibration.data["fitted_on"]["clips"]
    assert clips and not any(clip.startswith("dev") for clip in clips)
    assert all(name.split("/")[1] not in {"sbwe5n", "lbax4n", "brbk7n"} for name in clips)
    neutral = Calibration((0.0,) * 6, 0.0, 0.0, 0.5, 0.5)
    assert neutral.probability(np.ones(6)) == 0.5


def test_speech_not_in_english_is_read_for_sync_without_closures(listener, grid_clip):
    mouth, audio, first, samples, video_s = grid_clip
    english = read_lips(listener.hear(samples, first, audio, video_s, "en-US"), {0: mouth})[0]
    french = read_lips(listener.hear(samples, first, audio, video_s, "fr"), {0: mouth})[0]
    assert english.evidence["closures"] == {"applied": True, "reason": None}
    assert french.applied and french.evidence["closures_total"] == 0
    assert french.evidence["closures"]["applied"] is False
    assert french.evidence["closures"]["reason"].startswith("not English: the clip's language was given as fr,")
    # Sync is measured alike; only the closures' features fall back to a window where no /m b p/ was heard.
    assert french.evidence["lag_ms"] == english.evidence["lag_ms"]
    assert french.evidence["correlation"] == english.evidence["correlation"]
