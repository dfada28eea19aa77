import itertools
import random

import pytest

from unmask.liveness import ACTIONS, Challenge, ChallengeError, FaceSeries, open_token, read_key, sign, verify
from unmask.liveness.challenge import LEAD_S, STEP_S

KEY = b"k" * 32


def test_a_spec_round_trips_and_bare_actions_get_the_default_windows():
    challenge = Challenge.parse("turn_left,smile")
    assert (
        challenge.spec == f"turn_left@{LEAD_S:g}-{LEAD_S + STEP_S:g},smile@{LEAD_S + STEP_S:g}-{LEAD_S + 2 * STEP_S:g}"
    )
    assert Challenge.parse(challenge.spec) == challenge
    assert Challenge.parse("blink@0-1.5, look_up@2-4").duration_s == 4


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("", "expected actions"),
        ("wink", "unknown action"),
        ("smile@3-1", "run forward"),
        ("smile@0-3,blink@2-4", "overlap"),
        ("smile@a-b", "cannot read"),
    ],
)
def test_bad_specs_are_one_line_errors(spec, words):
    with pytest.raises(ChallengeError, match=words):
        Challenge.parse(spec)


def test_drawn_challenges_have_two_to_four_known_steps_never_the_same_twice_in_a_row():
    rng = random.Random(0)
    drawn = [Challenge.draw(rng) for _ in range(200)]
    assert {len(challenge.steps) for challenge in drawn} == {2, 3, 4}
    assert {step.action for challenge in drawn for step in challenge.steps} == set(ACTIONS)
    for challenge in drawn:
        actions = [step.action for step in challenge.steps]
        assert all(a != b for a, b in itertools.pairwise(actions))
    with pytest.raises(ChallengeError):
        Challenge.draw(rng, count=5)


def test_a_signed_challenge_opens_with_its_key_until_it_expires():
    token, signed = sign(Challenge.parse("blink,smile"), KEY, now=1000.0, ttl_s=60)
    opened = open_token(token, KEY, now=1030.0)
    assert opened == signed and opened.spec == "blink@1-3,smile@3-5" and opened.nonce
    with pytest.raises(ChallengeError, match="expired"):
        open_token(token, KEY, now=1061.0)
    with pytest.raises(ChallengeError, match="signature"):
        open_token(token, b"x" * 32, now=1030.0)
    second, again = sign(Challenge.parse("blink,smile"), KEY, now=1000.0)
    assert again.nonce != signed.nonce and second != token


def test_a_token_whose_steps_were_changed_is_refused():
    token, _ = sign(Challenge.parse("blink,smile"), KEY, now=1000.0)
    _, other = token.split(".")[0], sign(Challenge.parse("turn_left,smile"), KEY, now=1000.0)[0]
    forged = ".".join([*other.split(".")[:2], token.split(".")[2]])  # another challenge's payload, this signature
    with pytest.raises(ChallengeError, match="signature"):
        open_token(forged, KEY, now=1001.0)
    with pytest.raises(ChallengeError, match="not a signed challenge"):
        open_token("blink,smile", KEY)


def test_keys_come_from_a_file_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("UNMASK_LIVENESS_KEY", raising=False)
    monkeypatch.delenv("UNMASK_LIVENESS_KEY_FILE", raising=False)
    assert read_key() is None
    monkeypatch.setenv("UNMASK_LIVENESS_KEY", "a" * 20)
    assert read_key() == b"a" * 20
    path = tmp_path / "key"
    path.write_bytes(b"b" * 32 + b"\n")
    assert read_key(path) == b"b" * 32
    path.write_bytes(b"short")
    with pytest.raises(ChallengeError, match="at least 16 bytes"):
        read_key(path)
    with pytest.raises(ChallengeError, match="cannot read"):
        read_key(tmp_path / "missing")


@pytest.mark.parametrize(
    ("spec", "poses"),
    [
        ("turn_left,turn_right", {1.5: {"yaw": 35}, 3.5: {"yaw": -35}}),
        ("blink,smile", {1.5: {"blink": 0.8}, 3.5: {"smile": 0.2}}),
        ("look_up,open_mouth", {1.5: {"pitch": 20}, 3.5: {"mouth": 0.4}}),
    ],
)
def test_a_clip_that_does_each_step_in_its_window_passes(clip, spec, poses):
    series = FaceSeries.from_meshes(*clip(poses))
    result = verify(Challenge.parse(spec), series)
    assert result.passed, result.reason
    assert [step.at for step in result.steps] == pytest.approx(list(poses), abs=0.45)
    assert [step.frames for step in result.steps] == [21, 20]  # 10 fps: 1-3 s both ends in, 3-4.9 s


def test_the_wrong_order_a_still_face_and_a_short_clip_fail_with_the_reason(clip):
    challenge = Challenge.parse("turn_left,turn_right")
    swapped = verify(challenge, FaceSeries.from_meshes(*clip({1.5: {"yaw": -35}, 3.5: {"yaw": 35}})))
    assert not swapped.passed and swapped.reason.startswith("step 1 of 2 (turn_left@1-3 s): turn_left not seen")
    still = verify(challenge, FaceSeries.from_meshes(*clip({})))
    assert not still.passed and not any(step.passed for step in still.steps)
    short = verify(challenge, FaceSeries.from_meshes(*clip({1.5: {"yaw": 35}}, seconds=3.1)))
    assert not short.passed and "frame(s) of its window" in short.reason
    evidence = still.to_dict()["steps"][0]
    assert evidence["measure"] == "yaw" and evidence["needed"] == 20 and evidence["passed"] is False


def test_a_smile_held_from_the_start_is_no_smile(clip):
    """Smile, blink, mouth and look-up are measured against the face at rest in the lead-in."""
    smiling = {t / 10: {"smile": 0.2} for t in range(0, 50, 5)}
    result = verify(Challenge.parse("smile,blink"), FaceSeries.from_meshes(*clip(smiling)))
    assert not result.passed and result.steps[0].baseline > 1.2


@pytest.mark.shared
def test_a_real_clip_answers_the_turns_it_makes_and_not_others(shared_data):
    from unmask.faces import FaceAnalyzer
    from unmask.liveness import face_series
    from unmask.media import Sampling, read_frames

    clip = shared_data / "train_real" / "intel" / "headpose" / "head-pose-face-detection-female.gif"
    series = face_series(read_frames(clip, Sampling()), FaceAnalyzer())
    assert verify(Challenge.parse("turn_right@0-0.8,turn_left@0.8-1.6"), series).passed
    assert not verify(Challenge.parse("turn_left@0-0.8,turn_right@0.8-1.6"), series).passed
    assert not verify(Challenge.parse("turn_right@0-0.8,smile@0.8-1.6"), series).passed
