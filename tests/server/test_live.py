import time

import jsonschema
from fastapi.testclient import TestClient

from unmask.liveness import Challenge, open_token, sign
from unmask.server.live import ANSWERED, UNSIGNED
from unmask.verdict import LiveChecker, live_schema

KEY = b"s" * 32


def app_with_checker(make_app, scanner, **settings):
    return make_app(
        liveness_key=KEY,
        checker_factory=lambda key: LiveChecker(scanner, passive=False, key=key, deepfake=False),
        **settings,
    )


def send(client, path, challenge=None):
    with open(path, "rb") as handle:
        params = {"challenge": challenge} if challenge is not None else {}
        return client.post("/v1/liveness", params=params, files={"file": ("me.mp4", handle)})


def test_challenges_are_signed_random_and_expire(make_app, scanner):
    with TestClient(app_with_checker(make_app, scanner, liveness_ttl_s=60)) as client:
        first, second = (client.post("/v1/liveness/challenges").json() for _ in range(2))
    assert first["challenge"] != second["challenge"] and first["nonce"] != second["nonce"]
    opened = open_token(first["challenge"], KEY)
    assert opened.spec == first["spec"] and 2 <= len(first["steps"]) <= 4
    assert first["expires_at"] - first["issued_at"] == 60 and first["lead_s"] == 1.0
    assert all(step["prompt"] for step in first["steps"])


def test_a_recording_is_checked_once_per_challenge_and_nothing_is_kept(make_app, scanner, media, tmp_path):
    app = app_with_checker(make_app, scanner, liveness_challenge="turn_left@0-0.8,turn_right@0.8-1.6")
    with TestClient(app) as client:
        token = client.post("/v1/liveness/challenges").json()["challenge"]
        answer = send(client, media / "single_face.mp4", token)
        assert answer.status_code == 200, answer.text
        data = answer.json()
        jsonschema.validate(data, live_schema())
        assert data["path"] == "me.mp4" and data["verdict"] == "attack" and data["decided_by"] == "challenge"
        assert data["cues"]["challenge"]["signed"] and data["cues"]["challenge"]["spec"].startswith("turn_left@0-")
        again = send(client, media / "single_face.mp4", token).json()
        assert again["verdict"] == "attack" and again["reason"] == ANSWERED
    assert not [entry for entry in (tmp_path / "server-media").iterdir() if entry.name.startswith("live-")]


def test_only_a_challenge_signed_here_and_not_expired_counts(make_app, scanner, media):
    with TestClient(app_with_checker(make_app, scanner)) as client:
        own = send(client, media / "single_face.mp4", "turn_left,smile").json()
        assert own["verdict"] == "attack" and own["reason"] == UNSIGNED
        foreign, _ = sign(Challenge.parse("turn_left,smile"), b"x" * 32)
        assert "signature" in send(client, media / "single_face.mp4", foreign).json()["reason"]
        stale, _ = sign(Challenge.parse("turn_left,smile"), KEY, now=time.time() - 600)
        assert "expired" in send(client, media / "single_face.mp4", stale).json()["reason"]


def test_bad_uploads_are_refused_as_for_scans(make_app, scanner, media):
    with TestClient(app_with_checker(make_app, scanner)) as client:
        assert send(client, media / "text.jpg").status_code == 415
        assert send(client, media / "empty.jpg").status_code == 422
        assert client.post("/v1/liveness").status_code == 415
        photo = send(client, media / "astronaut.jpg").json()
        assert photo["verdict"] == "not_applicable" and "no liveness cue" in photo["reason"]
        assert client.get("/live").status_code == 200 and "liveness" in client.get("/live").text


def test_the_liveness_endpoints_need_the_token_when_there_is_one(make_app, scanner, media):
    with TestClient(app_with_checker(make_app, scanner, token="t0ken")) as client:
        assert client.post("/v1/liveness/challenges").status_code == 401
        assert send(client, media / "astronaut.jpg").status_code == 401
        assert client.post("/v1/liveness/challenges", headers={"Authorization": "Bearer t0ken"}).status_code == 201
