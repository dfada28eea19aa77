"""The shipped passive liveness model through the interface verdict/live.py relies on: load_passive(), score(),
threshold, name, version; one clear error for a missing or wrong model; bad input refused."""

import numpy as np
import pytest

from unmask.errors import ModelError
from unmask.models import load
from unmask.models.liveness import PassiveModel, load_passive


@pytest.fixture(scope="module")
def passive():
    return load_passive(threads=1)


def test_the_shipped_model_loads_with_its_card(passive):
    assert isinstance(passive, PassiveModel) and passive.name == "unmask-live" and passive.version
    assert 0 < passive.threshold < 1
    assert passive.card.contract.name == "unmask-box-v1" and passive.card.kind == "liveness"
    assert isinstance(load("unmask-live", threads=1), PassiveModel)


def test_score_is_a_probability_for_a_face_box(passive, astronaut):
    from unmask.faces import FaceAnalyzer

    image, box = astronaut, FaceAnalyzer()(astronaut)[0].box
    value = passive.score(image, box)
    assert isinstance(value, float) and 0.0 <= value <= 1.0
    assert value == pytest.approx(passive.score(image, box))  # deterministic
    crops = np.stack([passive.crop(image, box)] * 3)
    assert np.allclose(passive.score_crops(crops), value, atol=1e-5)


def test_bad_input_is_refused(passive):
    image = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="box"):
        passive.score(image, np.array([10, 10, 5, 5]))
    with pytest.raises(ValueError, match="RGB uint8"):
        passive.score(image.astype(np.float32), np.array([0, 0, 10, 10]))


def test_missing_or_wrong_models_are_one_line():
    with pytest.raises(ModelError, match="model card not found"):
        load_passive("unmask-nothing")
    with pytest.raises(ModelError, match="not a liveness model"):
        load_passive("unmask-blend")
