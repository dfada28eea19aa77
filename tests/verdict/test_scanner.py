import html
import json
import shutil

import cv2
import jsonschema
import numpy as np
import pytest

from mediagen import crowd, pan
from unmask.faces import FaceAnalyzer
from unmask.forge import self_blend
from unmask.media import Sampling, write_video
from unmask.models import FakeClassifier, Threshold
from unmask.verdict import SCHEMA_VERSION, Scanner, ScanResult, on_scale, scan_schema
from unmask.verdict.scanner import SPEECH_OFF, TEMPORAL_OFF


@pytest.fixture(scope="module")
def scanner():
    return Scanner()


def valid(result: ScanResult) -> dict:
    data = result.to_dict()
    jsonschema.validate(data, scan_schema())
    return data


def test_astronaut_photo_is_real_and_scores_lower_than_its_own_self_blend(scanner, astronaut):
    real = scanner.scan(astronaut)
    assert real.verdict == "real", real.to_json()
    (face,) = FaceAnalyzer()(astronaut)
    scores = []
    for seed in range(3):
        forgery = self_blend(astronaut, face.landmarks, np.random.default_rng(seed))
        result = scanner.scan(forgery.image)
        valid(result)
        scores.append(result.score)
    assert min(scores) > real.score, (real.score, scores)
    assert real.score < 0.1 and np.mean(scores) > 0.5, (real.score, scores)


def test_photo_file_result_holds_every_field(scanner, media):
    result = scanner.scan(media / "astronaut.jpg")
    data = valid(result)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["kind"] == "image" and data["verdict"] == "real" and data["reason"] is None
    assert len(data["sha256"]) == 64 and data["threshold"] == pytest.approx(scanner.threshold, abs=1e-6)
    assert data["model"] == scanner.classifier.card.identity()
    (frame,) = data["frames"]
    (track,) = data["faces"]
    assert frame["index"] == 0 and frame["time"] is None and frame["score"] == track["score"] == data["score"]
    x0, y0, x1, y1 = track["frames"][0]["box"]
    assert 150 < x0 < x1 < 300 and 50 < y0 < y1 < 220
    assert set(data["timings"]) == {"faces_s", "model_s", "temporal_s", "speech_s", "total_s"}


def test_exif_rotated_photo_scores_like_the_upright_one(scanner, media):
    upright = scanner.scan(media / "astronaut.jpg")
    turned = scanner.scan(media / "astronaut_exif6.jpg")
    assert turned.verdict == upright.verdict and abs(turned.score - upright.score) < 0.1


def test_video_gives_one_track_over_the_sampled_frames(scanner, media):
    result = scanner.scan(media / "single_face.mp4")
    data = valid(result)
    assert data["kind"] == "video" and data["verdict"] == "real"
    assert len(data["frames"]) == 32 and data["sampling"].startswith("32 evenly spaced frames")
    (track,) = data["faces"]
    assert len(track["frames"]) == 32 and track["usable"]
    blend = track["cues"]["blend"]["score"]
    assert blend == pytest.approx(np.mean([face["score"] for face in track["frames"]]), abs=1e-3)
    # The track scores its highest cue: the frame branch's alone, or also the temporal branch's where it ran.
    applied = [cue["score"] for cue in track["cues"].values() if cue["applied"]]
    assert len(applied) == 1 + (scanner.temporal is not None)
    assert track["score"] == pytest.approx(max(applied), abs=1e-3)
    assert [frame["time"] for frame in data["frames"]] == sorted(frame["time"] for frame in data["frames"])


def test_two_faces_make_two_tracks_and_the_worst_decides(scanner, media):
    result = scanner.scan(media / "two_faces.mp4")
    valid(result)
    assert len(result.faces) == 2
    assert result.score == pytest.approx(max(track.score for track in result.faces))


@pytest.mark.parametrize(
    ("name", "reason"),
    [("no_face.mp4", "no face found in 20 sampled frames"), ("text.jpg", "not an image or video")],
)
def test_no_face_is_not_applicable_and_bad_files_are_errors(scanner, media, name, reason):
    result = scanner.scan(media / name)
    data = valid(result)
    assert data["score"] is None and reason in data["reason"]
    assert data["verdict"] == ("not_applicable" if name.endswith(".mp4") else "error")


@pytest.mark.parametrize("name", ["empty.jpg", "truncated.jpg", "huge.png", "truncated.mp4", "missing.jpg"])
def test_unreadable_inputs_are_errors_with_a_reason(scanner, media, name):
    data = valid(scanner.scan(media / name))
    assert data["verdict"] == "error" and data["reason"] and "\n" not in data["reason"]


def test_photo_with_no_face_is_not_applicable(scanner, no_face_photo):
    data = valid(scanner.scan(no_face_photo))
    assert data["verdict"] == "not_applicable" and data["kind"] == "array"
    assert data["reason"].startswith("no face found in 1 sampled frame ")


def test_faces_too_small_to_score_are_not_applicable(scanner, astronaut):
    small = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)  # the face is ~45 px
    data = valid(scanner.scan(small))
    assert data["verdict"] == "not_applicable" and data["reason"].startswith("faces too small")


def test_a_face_in_too_few_frames_is_not_applicable(scanner, tmp_path, astronaut, no_face_photo):
    frames = pan(astronaut, 2) + pan(no_face_photo, 18)
    write_video(tmp_path / "glimpse.mp4", frames, fps=10)
    data = valid(scanner.scan(tmp_path / "glimpse.mp4"))
    assert data["verdict"] == "not_applicable"
    assert data["reason"].startswith("too few usable frames: the longest face track has 2 scored frame(s)")
    assert [track["usable"] for track in data["faces"]] == [False]


def test_short_videos_need_only_the_frames_they_have(media):
    # 2 sampled frames: a track needs min(3, 2) = 2 of them.
    data = valid(Scanner(sampling=Sampling(count=2)).scan(media / "single_face.mp4"))
    assert data["verdict"] == "real" and data["faces"][0]["usable"]


def test_grey_arrays_are_scanned(scanner, astronaut):
    grey = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    assert scanner.scan(grey).verdict in ("real", "fake")


def test_bad_arrays_are_errors(scanner):
    assert scanner.scan(np.zeros((0, 5, 3), np.uint8)).verdict == "error"
    assert "expected an H x W" in scanner.scan(np.zeros((2, 2, 2, 2), np.uint8)).reason


def test_threshold_override_flips_the_verdict(media):
    data = Scanner(threshold=0.0).scan(media / "astronaut.jpg").to_dict()
    assert data["verdict"] == "fake" and data["threshold"] == 0.0


def test_a_video_is_decided_at_the_cards_video_threshold_and_a_photo_at_its_threshold(scanner, media):
    card = scanner.classifier.card.replace(video_threshold=Threshold(0.0, "every video is fake, for a test"))
    assert card.threshold_for("video") == 0.0 and card.threshold_for("image") == card.threshold > 0
    ours = Scanner(FakeClassifier(card), sampling=Sampling(count=4), speech=False)
    video = valid(ours.scan(media / "single_face.mp4"))
    assert video["verdict"] == "fake" and video["threshold"] == 0.0
    photo = valid(ours.scan(media / "astronaut.jpg"))
    assert photo["verdict"] == "real" and photo["threshold"] == pytest.approx(card.threshold, abs=1e-6)
    # A threshold passed in decides both.
    given = Scanner(FakeClassifier(card), sampling=Sampling(count=4), speech=False, threshold=0.9)
    assert given.scan(media / "single_face.mp4").threshold == given.scan(media / "astronaut.jpg").threshold == 0.9


@pytest.fixture(scope="module")
def both_branches():
    return Scanner(temporal=True)


def test_a_still_gets_the_frame_branch_alone_and_says_so(both_branches, media):
    scanner = both_branches
    data = valid(scanner.scan(media / "astronaut.jpg"))
    (track,) = data["faces"]
    assert track["cues"]["blend"] == {"score": track["score"], "applied": True, "reason": None}
    assert data["temporal_model"] == scanner.temporal.card.identity()
    animation = track["cues"]["animation"]
    assert animation["applied"] is False and animation["score"] is None and "still image" in animation["reason"]


def test_a_video_track_gets_both_cues_and_scores_the_higher(both_branches, media):
    scanner = both_branches
    result = scanner.scan(media / "single_face.mp4")
    data = valid(result)
    (track,) = data["faces"]
    blend, animation = track["cues"]["blend"], track["cues"]["animation"]
    assert animation["applied"] and 0 <= animation["probability"] <= 1 and animation["reason"] is None
    assert track["score"] == pytest.approx(max(blend["score"], animation["score"]), abs=1e-4)
    assert blend["score"] == pytest.approx(np.mean([f["score"] for f in track["frames"]]), abs=1e-3)
    # On the scale of the threshold this video was decided at: the card's video threshold.
    threshold = scanner.temporal.threshold
    assert result.threshold == scanner.video_threshold == scanner.threshold_for("video")
    assert animation["score"] == pytest.approx(
        on_scale(animation["probability"], threshold, result.threshold), abs=1e-3
    )


def test_the_temporal_branch_reads_its_burst_not_the_frame_branchs_frames(both_branches, media, monkeypatch):
    import unmask.verdict.scanner as scanner_module

    seen, features = [], scanner_module.track_features

    def spy(crops, landmarks, times):
        seen.append(times)
        return features(crops, landmarks, times)

    scanner = both_branches
    monkeypatch.setattr(scanner_module, "track_features", spy)
    seen_frames = []
    data = valid(scanner.scan(media / "single_face.mp4", on_frame=lambda frame, *_: seen_frames.append(frame)))
    # 40 frames at 25 fps: the frame branch scores its 32 spread frames; the temporal branch gets the window's
    # 16 frames, every 2nd one (0.08 s apart, as it was trained), from the middle of the clip.
    assert len(data["frames"]) == 32 and all(frame.sampled for frame in seen_frames)
    assert data["sampling"] == "32 evenly spaced frames; for the temporal branch, " + scanner.burst.describe(25.0)
    (times,) = seen
    assert scanner.temporal.window == 16 and len(times) == 16
    assert np.allclose(np.diff(times), 0.08) and times[0] == pytest.approx(0.16)  # frames 4, 6, ..., 34
    assert data["faces"][0]["cues"]["animation"]["applied"]


def test_by_default_the_temporal_branch_runs_as_its_card_says(scanner, media, tmp_path, monkeypatch):
    from unmask.models.temporal import on_by_default
    from unmask.verdict import scanner as scanner_module

    shipped = on_by_default()
    assert (Scanner().temporal is not None) is shipped and (scanner.temporal is not None) is shipped
    assert Scanner(temporal=False).temporal is None
    if not shipped:
        data = valid(scanner.scan(media / "single_face.mp4"))
        animation = data["faces"][0]["cues"]["animation"]
        assert data["temporal_model"] is None and set(data["faces"][0]["cues"]) == {"blend", "animation", "speech"}
        assert animation == {"score": None, "applied": False, "reason": TEMPORAL_OFF}
    # A card whose status says "on" (or "off") turns the default on (or off).
    card = json.loads(scanner_module.TEMPORAL_CARD.read_text())
    shutil.copyfile(scanner_module.TEMPORAL_CARD.parent / card["file"], tmp_path / card["file"])
    for default in ("on", "off"):
        card["status"] = {"default": default}
        path = tmp_path / f"{default}.json"
        path.write_text(json.dumps(card))
        monkeypatch.setattr(scanner_module, "TEMPORAL_CARD", path)
        assert on_by_default(path) is (default == "on")
        assert (Scanner().temporal is not None) is (default == "on")


@pytest.mark.parametrize(
    ("probability", "expected"),
    [(0.0, 0.0), (0.2, 0.45), (0.4, 0.9), (0.7, 0.95), (1.0, 1.0), (1.5, 1.0)],
)
def test_on_scale_maps_a_branch_threshold_onto_the_verdict_threshold(probability, expected):
    # the branch's own threshold 0.4 lands on the verdict's 0.9; linear on either side
    assert on_scale(probability, 0.4, 0.9) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"threshold": 1.5}, r"threshold must lie in \[0, 1\], not 1.5"),
        ({"threshold": -0.1}, r"threshold must lie in \[0, 1\], not -0.1"),
        ({"threshold": float("nan")}, r"threshold must lie in \[0, 1\], not nan"),
        ({"max_faces": 0}, "max_faces must be at least 1, not 0"),
        ({"min_score_face": -1}, "min_score_face must not be negative, not -1"),
        ({"min_track_frames": 0}, "min_track_frames must be at least 1, not 0"),
    ],
)
def test_the_scanner_checks_its_arguments(arguments, words):
    with pytest.raises(ValueError, match=words):
        Scanner(**arguments)


def test_threshold_bounds_are_allowed(scanner):
    assert Scanner(scanner.classifier, temporal=False, threshold=1).threshold == 1.0
    assert Scanner(scanner.classifier, temporal=False, threshold=0).threshold == 0.0


class FixedTemporal:
    """The shipped temporal branch, but saying ``probability`` of every track, with its own threshold 0.4."""

    def __init__(self, inner, probability: float) -> None:
        self.inner, self.probability = inner, probability
        self.card, self.burst, self.window, self.threshold = inner.card, inner.burst, inner.window, 0.4

    def predict(self, features) -> float:
        return self.probability


@pytest.mark.parametrize(
    ("threshold", "probability", "score", "verdict"),
    [
        (0.9, 0.2, 0.45, "real"),  # half the branch's own threshold: half the threshold in force
        (0.9, 0.4, 0.9, "fake"),  # at its own threshold: at the threshold in force, so fake
        (0.5, 0.2, 0.25, "real"),
        (0.5, 0.7, 0.75, "fake"),  # halfway from its threshold to 1: halfway from 0.5 to 1
    ],
)
def test_the_temporal_cue_is_scaled_against_the_threshold_in_force(
    both_branches, media, threshold, probability, score, verdict
):
    temporal = FixedTemporal(both_branches.temporal, probability)
    scanner = Scanner(both_branches.classifier, threshold=threshold, temporal=temporal, sampling=Sampling(count=4))
    result = scanner.scan(media / "single_face.mp4")
    (track,) = result.faces
    animation = track.cues["animation"]
    assert animation.applied and animation.probability == probability
    assert animation.score == pytest.approx(score)
    # The frame branch of this real face stays far below either threshold: the animation cue decides.
    assert track.cues["blend"].score < 0.2 and result.verdict == verdict and result.threshold == threshold


@pytest.fixture(scope="module")
def crowd_photo(astronaut):
    return crowd(astronaut)  # 49 faces


def test_every_face_of_a_crowd_photo_is_scored_by_default(scanner, crowd_photo):
    data = valid(scanner.scan(crowd_photo))
    assert len(data["faces"]) == 49 and data["frames"][0]["faces"] == 49
    assert data["unscored"] == {"faces": 0, "beyond_max_faces": 0, "too_small": 0, "max_faces": None, "reason": None}


def test_faces_past_a_cap_are_counted_and_said_in_the_result_and_the_report(scanner, crowd_photo):
    capped = Scanner(scanner.classifier, max_still_faces=20)
    result = capped.scan(crowd_photo)
    data = valid(result)
    assert len(data["faces"]) == 20 and data["frames"][0]["faces"] == 49
    unscored = data["unscored"]
    assert (unscored["faces"], unscored["beyond_max_faces"], unscored["too_small"], unscored["max_faces"]) == (
        29,
        29,
        0,
        20,
    )
    assert unscored["reason"] == "29 of the 49 faces found were not scored: 29 beyond the 20 largest (max_faces)"
    page = html.unescape(result.to_html())
    assert "Faces not scored" in page and unscored["reason"] in page
    assert "Only the 20 largest faces of each frame were scored: 29 more were found and not scored" in page


def test_a_video_keeps_its_cap_per_frame_and_counts_what_it_left_out(scanner, media):
    capped = Scanner(scanner.classifier, sampling=Sampling(count=4), max_faces=1)
    data = valid(capped.scan(media / "two_faces.mp4"))
    assert {frame["faces"] for frame in data["frames"]} == {2}
    assert data["unscored"]["beyond_max_faces"] == 4 and data["unscored"]["max_faces"] == 1
    assert data["unscored"]["reason"].startswith("4 of the 8 faces found in the sampled frames were not scored")
    assert "beyond the 1 largest of their frame" in data["unscored"]["reason"]
    default = valid(Scanner(scanner.classifier, sampling=Sampling(count=4)).scan(media / "two_faces.mp4"))
    assert default["unscored"]["max_faces"] == 20 and default["unscored"]["faces"] == 0


def test_small_faces_are_counted_as_unscored(scanner, astronaut):
    small = cv2.resize(astronaut, (256, 256))  # the face: about 45 px, found but under the 64 px to score it
    data = valid(scanner.scan(small))
    assert data["verdict"] == "not_applicable" and data["unscored"]["too_small"] == 1
    assert "under 64 px, too small to judge" in data["unscored"]["reason"]


def test_max_still_faces_is_checked():
    with pytest.raises(ValueError, match="max_still_faces"):
        Scanner(max_still_faces=0)


@pytest.mark.shared
def test_a_grid_clip_gets_a_speech_cue_with_its_evidence_reported_not_fused(scanner, shared_data):
    from unmask.speech import unavailable

    if unavailable():
        pytest.skip(unavailable())
    result = scanner.scan(shared_data / "train_real" / "grid" / "sbwe5n.mpg")  # a speaker held out of calibration
    data = valid(result)
    (track,) = data["faces"]
    cue = track["cues"]["speech"]
    assert cue["applied"] and cue["fused"] is False and 0 <= cue["score"] <= 1, cue
    evidence = cue["evidence"]
    assert evidence["frames"] >= 25 and 0 <= evidence["closures_missed"] <= evidence["closures_total"]
    fused = [c["score"] for c in track["cues"].values() if c["score"] is not None and c.get("fused", True)]
    assert track["score"] == max(fused)
    assert data["verdict"] == "real" and data["timings"]["speech_s"] > 0
    assert "for the speech cue, every 2nd frame (0.08 s apart) from" in data["sampling"]


def test_without_sound_or_with_the_cue_off_the_speech_cue_says_why(scanner, media):
    data = valid(scanner.scan(media / "single_face.mp4"))
    assert data["faces"][0]["cues"]["speech"]["reason"] in ("the file has no sound track", unavailable_reason())
    assert data["faces"][0]["cues"]["speech"]["applied"] is False
    still = valid(scanner.scan(media / "astronaut.jpg"))
    assert still["faces"][0]["cues"]["speech"]["reason"].startswith("a still image")
    off = Scanner(scanner.classifier, analyzer=scanner.analyzer, temporal=False, speech=False)
    data = valid(off.scan(media / "single_face.mp4"))
    assert data["faces"][0]["cues"]["speech"]["reason"] == SPEECH_OFF and data["timings"]["speech_s"] == 0


def unavailable_reason() -> str | None:
    from unmask.speech import unavailable

    return unavailable()


class _WindowOnly:
    """A listener that hears speech over a fixed window of every clip (its sound need not exist)."""

    def __init__(self, start_s: float, end_s: float) -> None:
        self.window = (start_s, end_s)

    def __call__(self, path, video_s, language="en"):
        from unmask.media import Window
        from unmask.speech import Hearing

        return Hearing(None, window=Window(*self.window), speech_s=self.window[1] - self.window[0])


def test_the_temporal_branchs_reading_does_not_depend_on_whether_the_speech_cue_ran(both_branches, media):
    from unmask.speech import Listener

    class Fixed(_WindowOnly, Listener):
        pass

    plain = Scanner(both_branches.classifier, analyzer=both_branches.analyzer, temporal=both_branches.temporal)
    plain.listener, plain.speech_on = None, False
    heard = Scanner(both_branches.classifier, analyzer=both_branches.analyzer, temporal=both_branches.temporal)
    heard.listener, heard.speech_missing = Fixed(0.1, 1.5), None  # over the burst (frames 4 to 34, at 25 fps)
    off, on = valid(plain.scan(media / "single_face.mp4")), valid(heard.scan(media / "single_face.mp4"))
    assert "for the speech cue, every frame from" in on["sampling"]
    assert [track["id"] for track in on["faces"]] == [track["id"] for track in off["faces"]] == [0]
    for name in ("blend", "animation"):
        assert on["faces"][0]["cues"][name] == off["faces"][0]["cues"][name], name
    assert on["faces"][0]["frames"] == off["faces"][0]["frames"]
    # The window's face was followed in its own lane and linked to the scored track (no sound here: not applied).
    speech = on["faces"][0]["cues"]["speech"]
    assert speech["applied"] is False and "not in the frames" not in speech["reason"], speech
