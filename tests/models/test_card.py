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
