import hashlib

import numpy as np

from mediagen import digest, scene
from unmask.forge import post_augment
from unmask.media import launder


def test_post_augment_keeps_shape_and_mirrors_the_target_with_the_image(astronaut_face):
    image, _ = astronaut_face
    target = np.zeros(image.shape[:2], np.float32)
    target[:, :50] = 1  # the left edge
    mirrored = 0
    for seed in range(20):
        out, moved = post_augment(image, np.random.default_rng(seed), target)
        assert out.shape == image.shape and out.dtype == np.uint8 and out.flags.c_contiguous
        assert moved is not None and moved.shape == target.shape
        if moved[:, -1].all():
            mirrored += 1
            assert np.abs(out[:, ::-1].astype(int) - image).mean() < np.abs(out.astype(int) - image).mean()
    assert 3 < mirrored < 17


def test_post_augment_is_seeded(astronaut_face):
    image, _ = astronaut_face
    first, _ = post_augment(image, np.random.default_rng(5))
    second, _ = post_augment(image, np.random.default_rng(5))
    assert np.array_equal(first, second)


def test_post_augment_is_pinned_bit_for_bit():
    # Recorded before the operations moved to unmask.media.launder (opencv-python-headless 4.14.0, numpy 2.4.6):
    # the same seed must draw the same numbers in the same order and give the same pixels. A dependency upgrade
    # that changes a codec's output changes these too; re-record only after checking that it is that.
    image = scene()
    target = np.zeros(image.shape[:2], np.float32)
    target[:, :20] = 1
    outputs = [digest(*post_augment(image, np.random.default_rng(seed), target)) for seed in range(40)]
    assert hashlib.sha256(" ".join(outputs).encode()).hexdigest()[:16] == "932a5e56d667124f"


def test_post_augment_launders_with_the_shared_operations(monkeypatch):
    called = []
    for name in ("scale", "blur", "noise", "jpeg"):
        operation = getattr(launder, name)
        monkeypatch.setattr(launder, name, lambda *a, _n=name, _op=operation, **k: called.append(_n) or _op(*a, **k))
    for seed in range(40):
        post_augment(scene(), np.random.default_rng(seed))
    assert set(called) == {"scale", "blur", "noise", "jpeg"}


def test_low_light_darkens_and_flattens_without_moving_anything(astronaut_face):
    from unmask.forge import low_light

    image, _ = astronaut_face
    for seed in range(5):
        dim = low_light(image, np.random.default_rng(seed))
        assert dim.shape == image.shape and dim.dtype == np.uint8
        assert dim.mean() < 0.8 * image.mean() and dim.std() < image.std()
        # The same pixels where they were: the dim image still follows the bright one's pattern.
        assert np.corrcoef(dim.mean(axis=2).ravel(), image.mean(axis=2).ravel())[0, 1] > 0.9
    assert np.array_equal(low_light(image, np.random.default_rng(3)), low_light(image, np.random.default_rng(3)))
