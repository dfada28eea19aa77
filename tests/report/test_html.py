import html
import json
import re
from datetime import UTC, datetime

import jsonschema
import numpy as np
import pytest

from unmask.errors import UnmaskError
from unmask.media import Sampling
from unmask.models import FakeClassifier, ModelCard, Threshold, load_card
from unmask.report import Provenance, TrackPicture, render_report, write_report
from unmask.report.html import CREDENTIALS_ARE_NOT_TRUTH, NO_CREDENTIALS_PROVE_NOTHING, PICTURES_LEFT_OUT, headline
from unmask.verdict import Cue, FaceScore, FrameScore, Scanner, ScanResult, Track, scan_schema

HEADLINE_WORDS = {
    "fake": "Likely manipulated: ",
    "real": "No sign of manipulation found: ",
    "not_applicable": "Not applicable: ",
    "error": "Could not be read: ",
}


@pytest.fixture(scope="module")
def classifier():
    return FakeClassifier(threads=1)


@pytest.fixture(scope="module")
def scanner(classifier):
    return Scanner(classifier, sampling=Sampling(count=6), temporal=False)


def report(scanner, path, provenance=None):
    """A scan, the pictures it kept and its report, drawn from its JSON dict."""
    result = scanner.scan(path)
    return (
        result,
        result.pictures,
        render_report(result.to_dict(), result.pictures, scanner.classifier.card, provenance),
    )


def embedded_json(page: str) -> dict:
    (block,) = re.findall(r'<script type="application/json" id="scan-json">(.*?)</script>', page, re.S)
    return json.loads(block)


def shown_json(page: str) -> dict:
    (block,) = re.findall(r"<details><summary>[^<]*</summary><pre>(.*?)</pre></details>", page, re.S)
    return json.loads(html.unescape(block))


def assert_self_contained(page: str) -> None:
    assert not re.search(r"""(?:src|href|action|srcset|poster)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", page, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc", page, re.I)
    assert not re.search(r"<(?:link|iframe|object|embed)\b", page, re.I)
    assert all(src.startswith("data:image/jpeg;base64,") for src in re.findall(r'<img src="([^"]*)"', page))
    # No script runs: the only script element is the JSON data block.
    assert re.findall(r"<script\b[^>]*>", page, re.I) == ['<script type="application/json" id="scan-json">']


def sample_result(verdict="fake", score=0.83, threshold=0.41, **changes) -> ScanResult:
    card = load_card()
    track = Track(id=0, frames=[FaceScore(0, None, [1.0, 2.0, 3.0, 4.0], score, 0)])
    fields = {
        "path": "/photos/portrait.jpg",
        "sha256": "ab" * 32,
        "kind": "image",
        "verdict": verdict,
        "score": score,
        "threshold": threshold,
        "reason": None,
        "model": card.identity(),
        "width": 640,
        "height": 480,
        "frames": [FrameScore(0, None, score, 1)],
        "faces": [track],
        "unmask_version": "0.1.0",
    }
    fields.update(changes)
    return ScanResult(**fields)


def test_still_report_is_self_contained_and_says_everything(scanner, media):
    result, pictures, page = report(scanner, media / "astronaut.jpg", Provenance(status="absent"))
    assert_self_contained(page)
    text = html.unescape(page)
    assert result.verdict in ("fake", "real")  # the provisional model's call is not tested, only how it is said
    assert HEADLINE_WORDS[result.verdict] + "the most suspicious face scored " in text
    assert f"the model's threshold of {result.threshold:.2f}" in text
    assert f"scored {result.score:.2f}" in text or f"scored {result.score:.3f}" in text
    assert result.sha256 in text and "astronaut.jpg" in text and "512 x 512 pixels" in text
    assert "There is no timeline for a still image" in text and "<svg" not in page
    card = scanner.classifier.card
    assert card.name in text and card.version in text and card.sha256 in text
    assert NO_CREDENTIALS_PROVE_NOTHING in text and CREDENTIALS_ARE_NOT_TRUTH in text
    assert "an estimate, not proof" in text and "may miss faces" in text.lower()
    assert f"Report made by unmask {result.unmask_version}" in text and "UTC" in text
    assert embedded_json(page) == result.to_dict() == shown_json(page)
    usable = [track for track in result.faces if track.usable]
    assert len(usable) == 1 and set(pictures) == {usable[0].id}
    assert page.count("<img ") == len(usable)


def test_video_report_draws_a_timeline_of_its_sampled_frames(scanner, media):
    result, pictures, page = report(scanner, media / "single_face.mp4")
    assert_self_contained(page)
    assert result.kind == "video" and len(result.frames) == 6
    (svg,) = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert svg.count("<circle") == sum(frame.score is not None for frame in result.frames) == 6
    assert f"threshold {result.threshold:g}" in svg and ">seconds<" in svg
    text = html.unescape(page)
    assert ("scored at or above the threshold: " in text) or ("No sampled frame scored at or above" in text)
    assert "1.60 s" in text and "6 evenly spaced frames" in text
    assert page.count("<img ") == len(pictures) == sum(track.usable for track in result.faces) == 1
    (track,) = result.faces
    best = max(track.frames, key=lambda face: face.score)
    assert pictures[track.id].index == best.index
    assert "Content Credentials were not checked" in text and NO_CREDENTIALS_PROVE_NOTHING in text
    assert embedded_json(page) == result.to_dict()
    assert "animation or re-rendering over time (temporal branch): not applied (the temporal branch is off" in text


@pytest.mark.parametrize(
    ("name", "verdict", "words"),
    [
        ("no_face.mp4", "not_applicable", "Not applicable: no face found in 6 sampled frames"),
        ("empty.jpg", "error", "Could not be read: empty file (0 bytes)"),
        ("text.jpg", "error", "Could not be read: a text file, not an image or video"),
    ],
)
def test_results_without_a_score_render_with_their_reason(scanner, media, name, verdict, words):
    result, _, page = report(scanner, media / name)
    assert_self_contained(page)
    text = html.unescape(page)
    assert result.verdict == verdict and words in text
    assert "the most suspicious face scored" not in text and "<img " not in page
    assert "No face was scored." in text
    assert embedded_json(page) == result.to_dict()
    if name.endswith(".mp4"):
        assert "No face was scored in any sampled frame." in text and page.count("no face scored</title>") == 6


def test_headline_says_score_and_threshold_in_plain_words():
    assert headline(sample_result("fake", 0.83, 0.41).to_dict()) == (
        "Likely manipulated: the most suspicious face scored 0.83, above the model's threshold of 0.41"
    )
    assert headline(sample_result("fake", 0.5, 0.5).to_dict()).endswith("scored 0.50, at the model's threshold of 0.50")
    assert headline(sample_result("real", 0.12, 0.41).to_dict()) == (
        "No sign of manipulation found: the most suspicious face scored 0.12, below the model's threshold of 0.41"
    )
    # Two decimals would show 0.41 twice: more are used until they differ.
    fake = sample_result("fake", 0.4142, 0.41).to_dict()
    assert "scored 0.414, above the model's threshold of 0.410" in headline(fake)
    missing = sample_result("error", None, 0.41, reason="/photos/portrait.jpg: truncated JPEG", faces=[], frames=[])
    assert headline(missing.to_dict()) == "Could not be read: truncated JPEG"


def test_hostile_names_and_reasons_are_escaped():
    path = "/in/</script><script>alert(1)</script><img src=x onerror=alert(2)>.jpg"
    result = sample_result("not_applicable", None, 0.41, path=path, reason="<b>bold</b> & <i>", faces=[])
    page = render_report(result.to_dict(), None, load_card(), Provenance(status="error", detail="<script>x</script>"))
    assert_self_contained(page)
    assert "alert(1)</script>" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;.jpg" in page and "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;" in page
    assert embedded_json(page) == result.to_dict() == shown_json(page)


def test_card_training_data_limitations_and_a_chosen_threshold_are_shown():
    shipped = load_card()
    data = dict(shipped.data)
    data["training"] = {"data": [{"name": "Real faces <A>", "folder": "train_real/a", "licence": "CC-BY-4.0"}]}
    data["limitations"] = ["Misses whole-face synthesis", "Untested on faces under 64 px"]
    card = ModelCard.from_dict(data, shipped.path)
    result = sample_result("real", 0.2, 0.3)
    text = html.unescape(render_report(result.to_dict(), None, card, made_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)))
    assert "Real faces <A> (licence: CC-BY-4.0)" in text and "Misses whole-face synthesis" in text
    assert f"The threshold of 0.3 was chosen for this scan; the model card's is {card.threshold:g}." in text
    assert "on 2030-01-02 03:04:05 UTC" in text


def test_a_video_decided_at_the_cards_video_threshold_is_not_a_chosen_threshold():
    shipped = load_card()
    card = shipped.replace(video_threshold=Threshold(0.6, "at most 2% of real videos, for a test"))
    video = sample_result("real", 0.2, 0.6, kind="video", path="/clips/a.mp4")
    text = html.unescape(render_report(video.to_dict(), None, card))
    assert "was chosen for this scan" not in text
    assert "Threshold of videos" in text and "0.6 (rule: at most 2% of real videos, for a test)" in text
    photo = sample_result("real", 0.2, 0.6)  # a photo at the video threshold: chosen, against the photo threshold
    text = html.unescape(render_report(photo.to_dict(), None, card))
    assert f"The threshold of 0.6 was chosen for this scan; the model card's is {card.threshold:g}." in text


def test_provenance_section_says_what_the_credentials_claim():
    valid = Provenance(
        status="valid",
        claim_generator="Camera App 2.1",
        signer="Newsroom Photo Desk",
        issuer="Example CA",
        actions=["c2pa.created"],
        source_types=["trainedAlgorithmicMedia (made by a generative AI model)"],
        validation_state="Valid",
        warnings=["signingCredential.untrusted: signing certificate untrusted"],
    )
    text = html.unescape(render_report(sample_result().to_dict(), None, load_card(), valid))
    assert "their signature checks out" in text and "Newsroom Photo Desk" in text and "Camera App 2.1" in text
    assert "not checked against a list of trusted issuers" in text
    assert "declare content made by a generative AI model" in text and CREDENTIALS_ARE_NOT_TRUTH in text
    invalid = Provenance(status="invalid", signer="X", errors=["assertion.dataHash.mismatch: asset hash error"])
    text = html.unescape(render_report(sample_result().to_dict(), None, load_card(), invalid))
    assert "they do not validate" in text and "assertion.dataHash.mismatch: asset hash error" in text
    text = html.unescape(render_report(sample_result().to_dict(), None, load_card(), Provenance(status="unavailable")))
    assert "could not be checked" in text and NO_CREDENTIALS_PROVE_NOTHING in text


def test_pictures_are_shown_for_their_tracks_and_the_deciding_track_is_named():
    crop = np.full((224, 224, 3), 128, np.uint8)
    picture = TrackPicture(0, 0.83, 0, None, crop, np.zeros((28, 28), np.float32))
    result = sample_result(decided_by=0)
    text = html.unescape(render_report(result.to_dict(), {0: picture}, load_card()))
    assert text.count("<img ") == 1 and "this face decides the verdict" in text
    text = html.unescape(render_report(sample_result().to_dict(), None, load_card()))  # decided_by: None
    assert "this face decides the verdict" not in text and "no picture kept" in text and "<img " not in text


def test_write_report_makes_folders_and_refuses_unwritable_paths(tmp_path):
    result = sample_result()
    path = write_report(tmp_path / "a" / "b" / "report.html", result.to_dict(), None, load_card())
    assert path == tmp_path / "a" / "b" / "report.html"
    assert embedded_json(path.read_text(encoding="utf-8")) == result.to_dict()
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnmaskError, match="cannot write the report"):
        write_report(tmp_path / "file" / "report.html", result.to_dict(), None, load_card())


def test_a_report_without_pictures_leaves_them_out_and_says_so():
    crop = np.full((224, 224, 3), 128, np.uint8)
    picture = TrackPicture(0, 0.83, 0, None, crop, np.zeros((28, 28), np.float32))
    result = sample_result(decided_by=0)
    text = html.unescape(render_report(result.to_dict(), {0: picture}, load_card(), with_pictures=False))
    assert "<img " not in text and "data:image" not in text and "no picture kept" not in text
    assert PICTURES_LEFT_OUT in text and "this face decides the verdict" in text


SPEECH_EVIDENCE = {
    "window": [0.5, 2.5],
    "speech_s": 1.6,
    "frames": 50,
    "closures_missed": 6,
    "closures_total": 9,
    "lag_ms": 40,
    "correlation": 0.52,
    "drift_ms": 20,
    "note": None,
    "series": {
        "time": [0.5 + 0.04 * i for i in range(50)],
        "opening": [0.1 + 0.05 * np.sin(i / 3) for i in range(50)],
        "energy": [-6 + np.cos(i / 3) for i in range(50)],
        "bilabials": [[0.8, 0.86, True], [1.2, 1.3, False]],
    },
}


def test_the_speech_cue_is_said_in_words_with_a_plot_of_mouth_against_sound():
    result = sample_result(kind="video", decided_by=0, timings={"faces_s": 0.1, "model_s": 0.1, "total_s": 0.3})
    result.faces[0].cues = {
        "blend": Cue(0.83, True),
        "speech": Cue(0.7, True, probability=0.8, fused=False, evidence=SPEECH_EVIDENCE),
    }
    data = result.to_dict()
    jsonschema.validate(data, scan_schema())
    assert data["faces"][0]["score"] == 0.83  # reported, not fused: the speech cue's score does not count
    page = render_report(data, None, load_card())
    text = html.unescape(page)
    assert "lips against the sound (speech cue): 0.700" in text
    assert "the lips stayed open on 6 of 9 /m b p/ sounds" in text
    assert "the sound 40 ms after the mouth (correlation 0.52" in text and "does not count towards" in text
    assert "Mouth opening against speech energy" in page and page.count("<polyline") >= 2
    assert "lips stayed open</title>" in text and "lips met</title>" in text
    assert_self_contained(page)
    not_english = {**SPEECH_EVIDENCE, "closures_missed": 0, "closures_total": 0}
    not_english["closures"] = {"applied": False, "reason": "not English: the clip's language was given as fr"}
    result.faces[0].cues["speech"] = Cue(0.4, True, probability=0.3, fused=False, evidence=not_english)
    data = result.to_dict()
    jsonschema.validate(data, scan_schema())
    text = html.unescape(render_report(data, None, load_card()))
    assert "closures on /m b p/ were not checked (not English: the clip's language was given as fr)" in text
    result.faces[0].cues["speech"] = Cue(None, False, "the file has no sound track", fused=False)
    text = html.unescape(render_report(result.to_dict(), None, load_card()))
    assert "lips against the sound (speech cue): not applied (the file has no sound track)" in text
    assert "Mouth opening against speech energy" not in text
    broken = result.to_dict()
    broken["faces"][0]["cues"]["speech"] = {"score": 0.5, "applied": True, "reason": None, "evidence": {"lag_ms": 1}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, scan_schema())


def test_a_liveness_report_says_the_verdict_and_the_steps_and_escapes_every_text():
    from unmask.report.html import render_live_report

    step = {
        "action": "smile",
        "window": [3.0, 5.0],
        "passed": False,
        "measure": "smile",
        "value": 0.86,
        "at": 3.5,
        "baseline": 0.8,
        "needed": 0.95,
        "frames": 30,
        "reason": "smile not seen",
    }
    live = {
        "path": "/x/<script>alert(1)</script>.webm",
        "sha256": None,
        "kind": "video",
        "width": 640,
        "height": 480,
        "duration_s": 5.0,
        "verdict": "attack",
        "reason": "step 2 of 2: smile <b>not</b> seen",
        "decided_by": "challenge",
        "frames": 75,
        "face_frames": 75,
        "timings": {"total_s": 1.2},
        "cues": {
            "challenge": {"applied": True, "passed": False, "reason": "x", "spec": "smile@3-5", "steps": [step]},
            "passive": {"applied": False, "passed": None, "reason": "the passive model is not available"},
        },
    }
    page = render_live_report(live)
    assert "<script>alert" not in page and "&lt;b&gt;not&lt;/b&gt;" in page
    assert "Not a live person" in page and "<td>not seen</td>" in page and "<td>0.95</td>" in page
    assert "not applied: the passive model is not available" in page
