"""The simulated presentation attacks: each kind, seeded, sized, with its face box; bad input; the shared
post-processing; the replayed clip's judder; close attacks that fill the frame; the webcam capture."""

import itertools

import numpy as np
import pytest

from unmask.forge.attacks import ATTACKS, SIMULATORS, make_attack, post_process, replay_clip, webcam, work_frame


def _picture(seed=0, shape=(120, 100)):
    rng = np.random.default_rng(seed)
    image = np.full((*shape, 3), 90, np.uint8)
    image[30:90, 25:75] = rng.integers(120, 230, (60, 50, 3), dtype=np.uint8)
    return image, np.array([25, 30, 75, 90], np.float32)


@pytest.mark.parametrize("kind", ATTACKS)
def test_each_kind_keeps_the_frame_size_and_moves_the_box_with_the_face(kind):
    image, box = _picture()
    attack = SIMULATORS[kind](image, box, np.random.default_rng(1))
    assert attack.kind == kind
    assert attack.image.shape == image.shape and attack.image.dtype == np.uint8
    assert attack.box.shape == (4,) and attack.box[2] > attack.box[0] and attack.box[3] > attack.box[1]
    # The box still covers about the face: its centre stays within the frame, its size within a factor of two.
    centre = (attack.box[:2] + attack.box[2:]) / 2
    assert 0 <= centre[0] <= image.shape[1] and 0 <= centre[1] <= image.shape[0]
    assert 0.5 < (attack.box[2] - attack.box[0]) / (box[2] - box[0]) < 2.0
    assert not np.array_equal(attack.image, image)


def test_attacks_are_seeded():
    image, box = _picture()
    one = make_attack(image, box, np.random.default_rng(7))
    two = make_attack(image, box, np.random.default_rng(7))
    assert one.kind == two.kind and np.array_equal(one.image, two.image) and np.allclose(one.box, two.box)


def test_a_background_is_used_around_a_small_medium():
    image, box = _picture()
    room = np.zeros_like(image)
    room[:] = (255, 0, 0)
    kinds = set()
    for seed in range(12):
        attack = make_attack(image, box, np.random.default_rng(seed), background=room)
        kinds.add(attack.kind)
    assert kinds == set(ATTACKS)


def test_bad_input_is_one_clear_error():
    image, box = _picture()
    with pytest.raises(ValueError, match="RGB uint8"):
        make_attack(image.astype(np.float32), box, np.random.default_rng(0))
    with pytest.raises(ValueError, match="face box"):
        make_attack(image, np.array([5, 5, 2, 2]), np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown attack kinds"):
        make_attack(image, box, np.random.default_rng(0), kinds=("mask",))


def test_post_processing_mirrors_the_box_with_the_picture():
    image, box = _picture()
    image[:, :10] = 255  # a marker on the left
    flipped = 0
    for seed in range(10):
        out, out_box = post_process(image, box, np.random.default_rng(seed))
        assert out.shape == image.shape
        if out[:, -10:].mean() > out[:, :10].mean():  # mirrored
            flipped += 1
            assert np.allclose(out_box, [100 - 75, 30, 100 - 25, 90])
        else:
            assert np.allclose(out_box, box)
    assert 0 < flipped < 10


def test_a_replayed_clip_repeats_frames():
    frames = [np.full((60, 60, 3), 20 * i, np.uint8) for i in range(8)]
    boxes = [np.array([15, 15, 45, 45], np.float32)] * 8
    attacks = replay_clip(frames, boxes, np.random.default_rng(3))
    assert len(attacks) == 8 and {a.kind for a in attacks} == {"video"}
    assert any(np.array_equal(a.image, b.image) for a, b in itertools.pairwise(attacks))
    with pytest.raises(ValueError):
        replay_clip(frames, boxes[:3], np.random.default_rng(3))


@pytest.mark.parametrize("kind", ATTACKS)
def test_a_close_attack_fills_the_frame_and_enlarges_the_face_about_itself(kind):
    image, box = _picture()
    room = np.zeros_like(image)
    room[:] = (255, 0, 255)  # a magenta room: none of it may show
    for seed in range(4):
        attack = SIMULATORS[kind](image, box, np.random.default_rng(seed), room, close=True)
        magenta = (attack.image[..., 0] > 200) & (attack.image[..., 1] < 60) & (attack.image[..., 2] > 200)
        assert magenta.mean() < 0.01
        grown = (attack.box[2] - attack.box[0]) / (box[2] - box[0])
        assert 1.05 < grown < 2.1
        centre, before = (attack.box[:2] + attack.box[2:]) / 2, (box[:2] + box[2:]) / 2
        assert np.abs(centre - before).max() < 0.1 * image.shape[1]


def test_webcam_capture_keeps_the_size_washes_out_and_is_seeded():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (240, 200, 3), dtype=np.uint8)
    box = np.array([40, 40, 190, 200], np.float32)
    one = webcam(image, box, np.random.default_rng(5))
    assert one.shape == image.shape and one.dtype == np.uint8
    assert np.array_equal(one, webcam(image, box, np.random.default_rng(5)))
    assert one.std() < image.std()  # detail and contrast lost
    with pytest.raises(ValueError, match="face box"):
        webcam(image, np.array([5, 5, 2, 2]), rng)


def test_work_frame_shrinks_large_frames_with_their_box():
    image = np.zeros((640, 480, 3), np.uint8)
    small, box = work_frame(image, np.array([100, 100, 300, 300]))
    assert small.shape == (320, 240, 3) and np.allclose(box, [50, 50, 150, 150])
    same, _ = work_frame(small, box)
    assert same is small
