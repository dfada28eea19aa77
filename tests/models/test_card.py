import json
import shutil

import numpy as np
import pytest

from unmask.errors import ModelError
from unmask.faces import ALIGNMENT
from unmask.media import sha256_of
from unmask.models import WEIGHTS, FakeClassifier, load_card


def test_shipped_card_names_everything_and_matches_its_weights():
    card = load_card()
    assert card.weights.is_file() and card.weights.parent == WEIGHTS
    assert sha256_of(card.weights) == card.sha256
    assert card.contract == ALIGNMENT
    assert 0 < card.threshold < 1
    assert card.weights.stat().st_size <= 20e6
    data = card.data
    assert data["training"]["data"] and all(entry["licence"] for entry in data["training"]["data"])
    assert all(entry["folder"].startswith("train_real/") for entry in data["training"]["data"])
    assert data["evaluation"]["command"].startswith("unmask eval")
    assert set(card.identity()) == {"name", "version", "sha256"}


@pytest.fixture(scope="module")
def classifier():
    return FakeClassifier(threads=1)


def test_predict_shapes_and_range(classifier, astronaut_face):
    crop, _ = astronaut_face
    scores, maps = classifier.predict(np.stack([crop, crop[:, ::-1]]))
    assert scores.shape == (2,) and scores.dtype == np.float32
    assert maps.shape == (2, 28, 28)
    assert np.all((scores >= 0) & (scores <= 1)) and np.all((maps >= 0) & (maps <= 1))
    one, _ = classifier.predict(crop[None])
    assert one[0] == pytest.approx(scores[0], abs=1e-5)
    empty, empty_maps = classifier.predict(np.zeros((0, 224, 224, 3), np.uint8))
    assert empty.shape == (0,) and empty_maps.shape == (0, 28, 28)


def test_predict_refuses_wrong_shapes(classifier):
    with pytest.raises(ValueError, match="224"):
        classifier.predict(np.zeros((1, 100, 100, 3), np.uint8))


def copy_card(tmp_path, **changes):
    card = load_card()
    shutil.copyfile(card.weights, tmp_path / card.data["file"])
    data = {**card.data, **changes}
    path = tmp_path / "card.json"
    path.write_text(json.dumps(data))
    return path


def test_tampered_weights_are_refused(tmp_path):
    path = copy_card(tmp_path)
    weights = tmp_path / load_card(path).data["file"]
    blob = bytearray(weights.read_bytes())
    blob[-100] ^= 0xFF
    weights.write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="does not match its card"):
        FakeClassifier(path)


def test_bad_cards_give_one_line_errors(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_card(tmp_path / "nothing.json")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ModelError, match="unreadable"):
        load_card(tmp_path / "broken.json")
    (tmp_path / "short.json").write_text('{"name": "x"}')
    with pytest.raises(ModelError, match="lacks version"):
        load_card(tmp_path / "short.json")
    with pytest.raises(ModelError, match="invalid"):
        load_card(copy_card(tmp_path, contract={"size": 2}))
    missing = copy_card(tmp_path, file="gone.onnx")
    with pytest.raises(ModelError, match="weights not found"):
        FakeClassifier(missing)


# The typed card: one reader, one writer, the registry, the one licence table.


def test_a_card_round_trips_through_its_writer(tmp_path):
    from unmask.models import ModelCard

    for name in ("unmask-blend", "unmask-temporal"):
        card = load_card(name)
        saved = card.save(tmp_path / f"{name}.json")
        assert saved.path == tmp_path / f"{name}.json"
        assert load_card(saved.path) == card
        assert json.loads(saved.path.read_text()) == json.loads(card.path.read_text())
        assert ModelCard.from_dict(card.to_dict()) == card


def test_unknown_fields_and_bad_values_are_refused(tmp_path):
    with pytest.raises(ModelError, match="unknown fields colour"):
        load_card(copy_card(tmp_path, colour="red"))
    with pytest.raises(ModelError, match="threshold must be between 0 and 1"):
        load_card(copy_card(tmp_path, threshold={"value": 1.5}))
    with pytest.raises(ModelError, match="kind must be one of"):
        load_card(copy_card(tmp_path, kind="audio"))
    with pytest.raises(ModelError, match="features_version and window"):
        load_card(copy_card(tmp_path, kind="temporal"))


def test_the_threshold_keeps_how_it_was_set():
    from unmask.models import Threshold

    card = load_card()
    assert card.threshold == card.operating_point.value
    assert card.operating_point.rule.startswith("at most 1%") and card.operating_point.calibrated_on
    moved = card.replace(threshold=Threshold(0.25, "for a test", details={"real_faces": 3}))
    assert moved.threshold == 0.25 and moved.to_dict()["threshold"] == {
        "value": 0.25,
        "rule": "for a test",
        "real_faces": 3,
    }
    assert card.threshold != 0.25  # replace() copies


def test_a_video_threshold_is_kept_apart_from_the_photo_threshold(tmp_path):
    from unmask.models import Threshold

    card = load_card()
    plain = card.replace(video_threshold=None)
    assert plain.video_threshold == plain.threshold_for("video") == plain.threshold_for("image") == plain.threshold
    assert "video_threshold" not in plain.to_dict()
    both = card.replace(video_threshold=Threshold(0.4, "for a test", ("somewhere/",), "cmd", {"real_videos": 67}))
    assert (
        both.threshold_for("video") == 0.4
        and both.threshold_for("image") == both.threshold_for("array") == card.threshold
    )
    saved = both.save(tmp_path / "card.json")
    again = load_card(saved.path)
    assert again.video_threshold == 0.4 and again.video_operating_point == both.video_operating_point
    assert again.to_dict()["video_threshold"] == {
        "value": 0.4,
        "rule": "for a test",
        "calibrated_on": ["somewhere/"],
        "real_videos": 67,
        "command": "cmd",
    }
    with pytest.raises(ModelError, match="threshold must be between 0 and 1"):
        load_card(copy_card(tmp_path, video_threshold={"value": -0.1}))


def test_the_registry_loads_shipped_models_by_name():
    from unmask.models import available, load
    from unmask.models.temporal import TemporalClassifier

    assert {"unmask-blend", "unmask-temporal"} <= set(available())
    assert isinstance(load("unmask-blend", threads=1), FakeClassifier)
    assert isinstance(load("unmask-temporal", threads=1), TemporalClassifier)
    with pytest.raises(ModelError, match="not found"):
        load("unmask-nothing")


def test_training_sources_use_one_licence_table_and_each_notice(tmp_path):
    from unmask.models.card import TRAINING_LICENCES, training_sources

    grid = tmp_path / "train_real" / "grid"
    grid.mkdir(parents=True)
    (grid / "NOTICE").write_text("GRID corpus, CC BY 4.0\n")
    (tmp_path / "train_real" / "congress").mkdir()
    sources = [grid / "a.mpg", grid / "b.mpg", tmp_path / "train_real" / "congress" / "x.jpg"]
    assert training_sources(sources, unit="videos") == [
        {"folder": "train_real/congress", "videos": 1, "licence": TRAINING_LICENCES["congress"], "notice": None},
        {
            "folder": "train_real/grid",
            "videos": 2,
            "licence": TRAINING_LICENCES["grid"],
            "notice": "GRID corpus, CC BY 4.0",
        },
    ]
    assert training_sources([tmp_path / "elsewhere" / "y.jpg"])[0]["licence"].startswith("see the NOTICE")


@pytest.mark.shared
def test_every_train_real_folder_has_a_licence(shared_data):
    from unmask.models.card import TRAINING_LICENCES

    folders = {path.name for path in (shared_data / "train_real").iterdir() if path.is_dir()}
    assert folders <= set(TRAINING_LICENCES), f"no licence for {sorted(folders - set(TRAINING_LICENCES))}"
