from types import SimpleNamespace

import jsonschema
import numpy as np
import pytest

from unmask.liveness import Challenge, sign
from unmask.verdict import LiveChecker, LiveResult, Scanner, live_schema

KEY = b"k" * 32
TURNS = "turn_right@0-0.8,turn_left@0.8-1.6"  # what the real head-pose clip does


class FakePassive:
    """A passive model that scores every face the same, and remembers what it was shown."""

    name, version, threshold = "fake-passive", "0.0", 0.5

    def __init__(self, score: float) -> None:
        self.value = score
        self.seen: list[tuple[tuple[int, ...], list[float]]] = []

    def score(self, image: np.ndarray, box: np.ndarray) -> float:
        self.seen.append((image.shape, [float(v) for v in box]))
        return self.value


class FakeScanner:
    """A deepfake scanner stand-in that calls every clip ``verdict``, with a real face analyzer."""

    def __init__(self, analyzer, verdict: str = "real") -> None:
        self.analyzer, self.verdict = analyzer, verdict

    def scan(self, path):
        score = {"real": 0.1, "fake": 0.99}.get(self.verdict)
        return SimpleNamespace(
            verdict=self.verdict, score=score, threshold=0.5, reason=None, model={"name": "x"}, timings={"total_s": 0}
        )


@pytest.fixture(scope="module")
def scanner():
    return Scanner(speech=False)


def valid(result: LiveResult) -> dict:
    data = result.to_dict()
    jsonschema.validate(data, live_schema())
    return data


def head_turns(shared_data):
    return shared_data / "train_real" / "intel" / "headpose" / "head-pose-face-detection-female.gif"


def test_a_photo_gets_the_passive_cue_alone(scanner, media):
    live = LiveChecker(scanner, passive=FakePassive(0.1)).check(media / "astronaut.jpg")
    data = valid(live)
    assert data["verdict"] == "live" and data["decided_by"] == "passive" and data["kind"] == "image"
    assert data["cues"]["passive"]["score"] == 0.1 and data["cues"]["passive"]["model"]["name"] == "fake-passive"
    assert not data["cues"]["deepfake"]["applied"] and not data["cues"]["challenge"]["applied"]
    printed = valid(LiveChecker(scanner, passive=FakePassive(0.9)).check(media / "astronaut.jpg"))
    assert printed["verdict"] == "attack" and printed["decided_by"] == "passive"
    assert "presentation attack" in printed["reason"] and "0.900" in printed["reason"]


def test_a_photo_cannot_answer_a_challenge(scanner, media):
    data = valid(LiveChecker(scanner, passive=FakePassive(0.1)).check(media / "astronaut.jpg", "turn_left,smile"))
    assert data["verdict"] == "attack" and data["decided_by"] == "challenge" and "still image" in data["reason"]


def test_without_the_passive_model_and_a_challenge_nothing_says_live(scanner, media, monkeypatch):
    import unmask.verdict.live as live

    def missing():
        raise live.UnmaskError("unmask-live.onnx is missing")

    monkeypatch.setattr(live, "load_passive_model", missing)
    checker = LiveChecker(scanner)
    data = valid(checker.check(media / "astronaut.jpg"))
    assert data["verdict"] == "not_applicable" and data["decided_by"] is None
    assert data["reason"].startswith("no liveness cue could be applied: the passive model is not available: ")
    assert "unmask-live.onnx is missing" in data["cues"]["passive"]["reason"]


def test_a_clip_of_a_still_face_fails_the_challenge_and_the_passive_sees_a_spread_of_frames(scanner, media):
    passive = FakePassive(0.1)
    result = LiveChecker(scanner, passive=passive, passive_frames=4).check(media / "single_face.mp4", TURNS)
    data = valid(result)
    assert data["verdict"] == "attack" and data["decided_by"] == "challenge"
    assert data["reason"].startswith("step 1 of 2 (turn_right@0-0.8 s): turn_right not seen: the yaw fell to")
    assert data["frames"] == data["face_frames"] == 24  # 1.6 s at 15 fps
    assert len(passive.seen) == 4 and data["cues"]["passive"]["passed"]
    assert data["cues"]["deepfake"]["applied"] and data["cues"]["deepfake"]["verdict"] == "real"
    assert "turn_right" in result.to_html() and "Active challenge (decided the verdict)" in result.to_html()


def test_an_injected_deepfake_passes_the_passive_cue_and_fails_the_deepfake_one(scanner, media):
    checker = LiveChecker(FakeScanner(scanner.analyzer, "fake"), passive=FakePassive(0.1))
    data = valid(checker.check(media / "single_face.mp4"))
    assert data["verdict"] == "attack" and data["decided_by"] == "deepfake" and "deepfake" in data["reason"]
    assert data["cues"]["passive"]["passed"] is True


def test_bad_inputs_are_errors_and_faceless_ones_not_applicable(scanner, media):
    checker = LiveChecker(scanner, passive=FakePassive(0.1))
    for name in ("text.jpg", "empty.jpg", "truncated.mp4"):
        data = valid(checker.check(media / name))
        assert data["verdict"] == "error" and data["reason"] and "\n" not in data["reason"]
    data = valid(checker.check(media / "no_face.mp4", TURNS))
    assert data["verdict"] == "not_applicable" and data["reason"].startswith("no face found in ")


@pytest.mark.shared
def test_a_real_clip_that_answers_its_challenge_is_live(scanner, shared_data):
    checker = LiveChecker(scanner, passive=FakePassive(0.1))
    data = valid(checker.check(head_turns(shared_data), TURNS))
    assert data["verdict"] == "live" and data["decided_by"] == "challenge", data["reason"]
    assert [step["passed"] for step in data["cues"]["challenge"]["steps"]] == [True, True]
    assert data["cues"]["deepfake"]["verdict"] == "real"
    other = valid(checker.check(head_turns(shared_data), "turn_left@0-0.8,turn_right@0.8-1.6"))
    assert other["verdict"] == "attack" and other["decided_by"] == "challenge"


@pytest.mark.shared
def test_a_signed_challenge_must_be_this_one_unexpired_and_signed_with_the_key(scanner, shared_data):
    checker = LiveChecker(scanner, passive=FakePassive(0.1), key=KEY, deepfake=False)
    token, signed = sign(Challenge.parse(TURNS), KEY)
    data = valid(checker.check(head_turns(shared_data), token))
    assert data["verdict"] == "live" and data["cues"]["challenge"]["nonce"] == signed.nonce
    stale, _ = sign(Challenge.parse(TURNS), KEY, now=1000.0)
    data = valid(checker.check(head_turns(shared_data), stale))
    assert data["verdict"] == "attack" and "expired" in data["reason"]
    foreign, _ = sign(Challenge.parse(TURNS), b"x" * 32)
    data = valid(checker.check(head_turns(shared_data), foreign))
    assert data["verdict"] == "attack" and "signature" in data["reason"]
    another, _ = sign(Challenge.parse("smile,blink"), KEY)
    assert valid(checker.check(head_turns(shared_data), another))["verdict"] == "attack"


def test_the_report_is_written_and_bad_paths_are_one_line(scanner, media, tmp_path):
    result = LiveChecker(scanner, passive=FakePassive(0.1)).check(media / "astronaut.jpg")
    page = result.save_report(tmp_path / "out" / "live.html").read_text()
    assert "A live person" in page and 'id="live-json"' in page and "fake-passive" in page
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(Exception, match="cannot write the report"):
        result.save_report(blocked / "live.html")
