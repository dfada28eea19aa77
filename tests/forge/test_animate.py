import cv2
import numpy as np
import pytest

from unmask.faces.regions import LEFT_EYE_RING, RIGHT_EYE_RING, face_mask
from unmask.forge import (
    ANIMATION_KINDS,
    ClipForgery,
    lipsync_clip,
    make_clip_forgery,
    mesh_warp,
    oneshot_clip,
    reenact_clip,
    rerender_clip,
    write_clip_sheet,
    write_side_by_side,
)
from unmask.media import probe

FRAMES = 6


def blurred(image: np.ndarray) -> np.ndarray:
    """A stand-in autoencoder: a box blur of the whole crop."""
    return cv2.blur(image, (7, 7))


FORGERS = {
    "reenact": lambda frames, marks, rng: reenact_clip(frames, marks, rng),
    "lipsync": lambda frames, marks, rng: lipsync_clip(frames, marks, rng),
    "rerender": lambda frames, marks, rng: rerender_clip(frames, marks, rng, blurred),
    "oneshot": lambda frames, marks, rng: oneshot_clip(frames, marks, rng),
}


def jittered_clip(image, landmarks, seed, motion=True):
    """A short 'video' of the still: each frame turned by up to 3 degrees and shifted by a few pixels (crop and
    landmarks under the same affine), with fresh sensor noise in every frame, as a camera gives."""
    rng = np.random.default_rng(seed)
    size = image.shape[0]
    frames, marks = [], []
    for _ in range(FRAMES):
        matrix = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-3, 3) if motion else 0.0, 1.0)
        if motion:
            matrix[:, 2] += rng.uniform(-4, 4, size=2)
        frame = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        frame = np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)
        points = landmarks.copy()
        points[:, :2] = landmarks[:, :2] @ matrix[:, :2].T + matrix[:, 2]
        frames.append(frame)
        marks.append(points)
    return frames, np.stack(marks)


@pytest.fixture(scope="module")
def clip(astronaut_face):
    image, landmarks = astronaut_face
    return jittered_clip(image, landmarks, seed=11)


def grey_difference(forgery: ClipForgery, frames) -> np.ndarray:
    return np.abs(forgery.frames.astype(np.int16) - np.stack(frames).astype(np.int16)).max(axis=3)


def test_warping_a_frame_to_its_own_mesh_keeps_it(clip):
    frames, marks = clip
    for frame, points in zip(frames[:3], marks[:3], strict=True):
        warped = mesh_warp(frame, points, points)
        inside = face_mask(points, frame.shape[:2]) > 0
        assert warped.shape == frame.shape and warped.dtype == np.uint8
        assert np.abs(warped.astype(int) - frame)[inside].mean() < 2


def test_mesh_warp_to_a_shifted_mesh_shifts_the_face(astronaut_face):
    # Known answer: moving every landmark by (5, 3) pixels moves the face by (5, 3) pixels.
    image, landmarks = astronaut_face
    moved = landmarks + np.array([5.0, 3.0, 0.0])
    warped = mesh_warp(image, landmarks, moved)
    expected = np.zeros_like(image)
    expected[3:, 5:] = image[:-3, :-5]
    inside = face_mask(moved, image.shape[:2]) > 0
    assert np.abs(warped.astype(int) - expected)[inside].mean() < 0.5


@pytest.mark.parametrize("kind", ANIMATION_KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clip_forgery_shapes_and_where_it_changes(clip, kind, seed):
    frames, marks = clip
    forgery = FORGERS[kind](frames, marks, np.random.default_rng(seed))
    assert isinstance(forgery, ClipForgery) and forgery.kind == kind and forgery.detail
    assert forgery.frames.shape == (FRAMES, 224, 224, 3) and forgery.frames.dtype == np.uint8
    assert forgery.masks.shape == (FRAMES, 224, 224) and forgery.masks.dtype == np.float32
    assert forgery.masks.min() >= 0 and forgery.masks.max() <= 1
    difference = grey_difference(forgery, frames)
    assert difference[forgery.masks > 0.5].mean() > 1.5, "the re-rendered pixels must differ from the real clip"
    if kind not in ("rerender", "oneshot"):  # these change the whole crop: there is no boundary
        assert difference[forgery.masks == 0].max() == 0


def test_reenactment_sticks_to_one_source_frame(astronaut_face):
    # A still clip whose frames differ only by sensor noise: every reenacted face is the same warped source
    # (noise frozen, no micro-motion), while the real frames keep changing.
    image, landmarks = astronaut_face
    frames, marks = jittered_clip(image, landmarks, seed=3, motion=False)
    forgery = reenact_clip(frames, marks, np.random.default_rng(0))
    inside = forgery.masks.min(axis=0) > 0.99
    forged_change = np.abs(np.diff(forgery.frames.astype(np.int16), axis=0)).max(axis=3)[:, inside]
    real_change = np.abs(np.diff(np.stack(frames).astype(np.int16), axis=0)).max(axis=3)[:, inside]
    assert forged_change.max() == 0 and real_change.mean() > 2


def test_oneshot_animation_sticks_to_one_source_frame_everywhere(astronaut_face):
    # A still clip whose frames differ only by sensor noise: the one-shot render is the same picture in every
    # frame (one source, nothing pasted over a changing real frame), and softer than the real frames.
    image, landmarks = astronaut_face
    frames, marks = jittered_clip(image, landmarks, seed=3, motion=False)
    forgery = oneshot_clip(frames, marks, np.random.default_rng(0))
    assert forgery.kind == "oneshot" and (forgery.masks == 1).all()
    assert np.abs(np.diff(forgery.frames.astype(np.int16), axis=0)).max() == 0
    assert np.abs(np.diff(np.stack(frames).astype(np.int16), axis=0)).mean() > 1

    def detail(picture):
        return cv2.Laplacian(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY), cv2.CV_32F).var()

    assert detail(forgery.frames[0]) < 0.8 * np.mean([detail(frame) for frame in frames])


def test_lipsync_mask_stays_in_the_lower_face(clip):
    frames, marks = clip
    for seed in range(4):
        forgery = lipsync_clip(frames, marks, np.random.default_rng(seed))
        for mask, points in zip(forgery.masks, marks, strict=True):
            eyes = float(points[list(LEFT_EYE_RING + RIGHT_EYE_RING), 1].max())
            assert mask[: int(np.ceil(eyes)) + 1].max() == 0
            assert mask[round(points[13, 1]), round(points[13, 0])] > 0.9  # the lips' centre
            assert (mask > 0.5).sum() < 0.5 * face_mask(points, mask.shape).sum()


def test_rerender_mask_covers_the_face(clip):
    frames, marks = clip
    forgery = rerender_clip(frames, marks, np.random.default_rng(0))
    for mask, points in zip(forgery.masks, marks, strict=True):
        hull = face_mask(points, mask.shape)
        assert np.array_equal(mask, hull)
        nose = np.round(points[1, :2]).astype(int)
        assert mask[nose[1], nose[0]] == 1 and mask[:5, :5].max() == 0


def test_rerender_uses_the_autoencoder_when_given(clip):
    frames, marks = clip
    details = {rerender_clip(frames, marks, np.random.default_rng(seed), blurred).detail for seed in range(12)}
    assert any(detail.startswith("autoencoder") for detail in details)
    assert not any(
        detail.startswith("autoencoder")
        for detail in (rerender_clip(frames, marks, np.random.default_rng(s)).detail for s in range(6))
    )


@pytest.mark.parametrize("kind", ANIMATION_KINDS)
def test_clip_forgeries_are_reproducible(clip, kind):
    frames, marks = clip
    first = FORGERS[kind](frames, marks, np.random.default_rng(7))
    second = FORGERS[kind](frames, marks, np.random.default_rng(7))
    third = FORGERS[kind](frames, marks, np.random.default_rng(8))
    assert np.array_equal(first.frames, second.frames) and np.array_equal(first.masks, second.masks)
    assert first.detail == second.detail
    assert not np.array_equal(first.frames, third.frames)


def test_make_clip_forgery_draws_every_kind(clip):
    frames, marks = clip
    rng = np.random.default_rng(0)
    drawn = {make_clip_forgery(frames, marks, rng, blurred).kind for _ in range(15)}
    assert drawn == set(ANIMATION_KINDS)
    only = {make_clip_forgery(frames, marks, rng, kinds=("lipsync",)).kind for _ in range(3)}
    assert only == {"lipsync"}


def test_arrays_and_lists_give_the_same_forgery(clip):
    frames, marks = clip
    from_lists = reenact_clip(frames, list(marks), np.random.default_rng(4))
    from_arrays = reenact_clip(np.stack(frames), marks.astype(np.float32), np.random.default_rng(4))
    assert np.abs(from_lists.frames.astype(int) - from_arrays.frames).max() <= 1


def test_bad_input_is_refused(clip):
    frames, marks = clip
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at least 2 frames"):
        reenact_clip(frames[:1], marks[:1], rng)
    with pytest.raises(ValueError, match="6 frames but 5"):
        lipsync_clip(frames, marks[:5], rng)
    with pytest.raises(ValueError, match="RGB uint8"):
        rerender_clip([frame.astype(np.float32) for frame in frames], marks, rng)
    with pytest.raises(ValueError, match="RGB uint8"):
        reenact_clip([frame[..., 0] for frame in frames], marks, rng)
    with pytest.raises(ValueError, match="one size"):
        reenact_clip([*frames[:-1], frames[-1][:100]], marks, rng)
    with pytest.raises(ValueError, match="468 landmarks"):
        reenact_clip(frames, marks[:, :100], rng)
    with pytest.raises(ValueError, match="real-valued"):
        reenact_clip(frames, marks.astype(str), rng)
    with pytest.raises(ValueError, match="finite"):
        reenact_clip(frames, np.where(marks > 100, np.nan, marks), rng)
    with pytest.raises(ValueError, match="reconstruction"):
        for seed in range(10):  # the autoencoder is used half the time
            rerender_clip(frames, marks, np.random.default_rng(seed), lambda crop: crop[:10])
    with pytest.raises(ValueError, match="unknown animation kinds"):
        make_clip_forgery(frames, marks, rng, kinds=("swap",))
    with pytest.raises(ValueError, match="no animation kind"):
        make_clip_forgery(frames, marks, rng, kinds=())


def test_clip_sheet_and_side_by_side_video_are_written(clip, tmp_path):
    frames, marks = clip
    forgery = make_clip_forgery(frames, marks, np.random.default_rng(1))
    sheet = write_clip_sheet(frames, forgery, tmp_path / "sheets" / "clip.jpg", every=2)
    image = cv2.imread(str(sheet))
    assert image is not None and image.shape[1] > 3 * 160 and image.shape[0] > 4 * 160
    video = write_side_by_side(frames, forgery, tmp_path / "clip.mp4", fps=12)
    info = probe(video)
    assert info.kind == "video" and info.frame_count == FRAMES
    assert (info.width, info.height) == (448, 224)
    with pytest.raises(ValueError, match="do not match"):
        write_clip_sheet(frames[:3], forgery, tmp_path / "bad.jpg")


def test_mesh_warp_refuses_other_meshes(astronaut_face):
    image, landmarks = astronaut_face
    with pytest.raises(ValueError, match="468 landmarks"):
        mesh_warp(image, landmarks[:68], landmarks[:68])
