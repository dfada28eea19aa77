"""The passive liveness model's training pieces: a live/attack pair made alike (close attacks, webcam pairs),
and the command the card records."""

import numpy as np
import pytest

pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from unmask.forge.sources import FaceFrame
from unmask.train.config import LivenessConfig
from unmask.train.liveness import MARGIN, make_pair, training_command


@pytest.fixture(scope="module")
def frame(astronaut):
    return FaceFrame(astronaut, np.array([170, 30, 260, 140], np.float32), "astronaut.png", 0)


@pytest.mark.parametrize("settings", [{}, {"webcam": 1.0, "close": 1.0}])
@pytest.mark.parametrize("kind", ["print", "screen", "video"])
def test_a_pair_is_two_crops_of_the_bank_size(frame, kind, settings):
    config = LivenessConfig(**settings)
    live, attack = make_pair(frame, frame.image, kind, np.random.default_rng(1), config)
    assert live.shape == attack.shape == (config.size + MARGIN, config.size + MARGIN, 3)
    assert live.dtype == attack.dtype == np.uint8 and not np.array_equal(live, attack)


def test_webcam_pairs_are_seeded_and_differ_from_plain_ones(frame):
    config = LivenessConfig(webcam=1.0)
    one = make_pair(frame, frame.image, "print", np.random.default_rng(2), config)
    two = make_pair(frame, frame.image, "print", np.random.default_rng(2), config)
    plain = make_pair(frame, frame.image, "print", np.random.default_rng(2), LivenessConfig())
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    assert not np.array_equal(one[0], plain[0])


def test_the_card_names_the_options_that_made_the_run():
    plain = training_command(LivenessConfig(inputs=["/d/train_real"], epochs=3))
    assert plain == "unmask train-liveness /d/train_real -o RUN --variants 6 --epochs 3"
    extended = training_command(LivenessConfig(inputs=["/d"], webcam=0.5, close=0.4))
    assert extended.endswith("--epochs 14 --webcam 0.5 --close 0.4")
