import itertools

import cv2
import numpy as np
import pytest

from mediagen import ASTRONAUT_FACE
from unmask.faces import FaceAnalyzer
from unmask.faces.analyzer import RELIABLE_FRACTION, tile_levels, tile_origins
from unmask.faces.geometry import box_iou
from unmask.media import read_image


@pytest.fixture(scope="module")
def analyzer():
    return FaceAnalyzer()


def test_one_face_with_everything(analyzer, astronaut):
    faces = analyzer(astronaut)
    assert len(faces) == 1
    face = faces[0]
    assert face.box.shape == (4,) and face.keypoints.shape == (6, 2) and face.landmarks.shape == (468, 3)
    assert face.presence > 0.9 and face.track_id is None
    assert 80 < face.size < 140
    summary = face.to_dict()
    assert set(summary) == {"box", "score", "presence", "track"}


def test_exif_rotated_photo_gives_the_same_face(analyzer, media):
    upright = analyzer(read_image(media / "astronaut.jpg"))
    rotated = analyzer(read_image(media / "astronaut_exif6.jpg"))
    assert len(upright) == len(rotated) == 1
    assert np.abs(upright[0].box - rotated[0].box).max() < 3
    assert np.abs(upright[0].landmarks[:, :2] - rotated[0].landmarks[:, :2]).mean() < 2


def test_tight_crop_still_yields_its_face(analyzer, astronaut):
    x0, y0, x1, y1 = ASTRONAUT_FACE
    tight = np.ascontiguousarray(astronaut[y0 - 5 : y1 + 5, x0 - 5 : x1 + 5])
    assert analyzer.detector(tight) == []  # too little context for the detector alone
    faces = analyzer(tight)
    assert len(faces) == 1
    moved = np.array([x0 - 5, y0 - 5, x0 - 5, y0 - 5], dtype=np.float32)
    full = analyzer(astronaut)[0]
    assert np.abs(faces[0].landmarks[:, :2] + moved[:2] - full.landmarks[:, :2]).mean() < 4


def test_min_face_size(astronaut):
    assert len(FaceAnalyzer(min_face_size=200)(astronaut)) == 0
    assert len(FaceAnalyzer(min_face_size=50)(astronaut)) == 1
    with pytest.raises(ValueError, match="min_face_size"):
        FaceAnalyzer(min_face_size=-1)


def test_several_faces_largest_first(astronaut):
    canvas = np.full((600, 1000, 3), 128, dtype=np.uint8)
    canvas[50:562, 0:512] = astronaut
    canvas[100:356, 650:906] = astronaut[::2, ::2]  # a face of about 50 px: 1/20 of the frame
    faces = FaceAnalyzer(min_face_size=40)(canvas)
    assert len(faces) == 2
    assert faces[0].size > 1.6 * faces[1].size
    assert box_iou(faces[0].box, np.array([[182, 135, 268, 230]], dtype=np.float32))[0] > 0.4
    assert box_iou(faces[1].box, np.array([[741, 142, 784, 190]], dtype=np.float32))[0] > 0.4


@pytest.mark.parametrize("width", [640, 1280, 1920])
def test_small_faces_are_found_anywhere_by_tiles(astronaut, width):
    # A 42-pixel face in each corner and the centre of a wide frame: 1/15 to 1/46 of its longer side.
    small = cv2.resize(astronaut, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    height = width * 9 // 16 if width > 640 else 480
    with_tiles, without = FaceAnalyzer(min_face_size=32), FaceAnalyzer(min_face_size=32, tiles=False)
    places = [(0, 0), (height - 205, width - 205), (height // 2 - 102, width // 2 - 102)]
    found, found_without = 0, 0
    for top, left in places:
        canvas = np.full((height, width, 3), 128, dtype=np.uint8)
        canvas[top : top + 205, left : left + 205] = small
        found += len(with_tiles(canvas)) == 1
        found_without += len(without(canvas)) == 1
    assert found == len(places)
    if width >= 1280:  # 1/30 of the frame and less: beyond the whole-frame detector
        assert found_without < len(places)


def test_detectable_fraction_holds_without_tiles(astronaut):
    # Faces of a tenth of the frame's longer side are found with the whole frame alone, wherever they are.
    analyzer = FaceAnalyzer(tiles=False)
    face = analyzer(astronaut)[0].size
    scale = 96 / face  # a 96-pixel face in a 960-pixel frame
    small = cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    side = small.shape[0]
    for top, left in [(0, 0), (960 - side, 960 - side), (400, 100)]:
        canvas = np.full((960, 960, 3), 128, dtype=np.uint8)
        canvas[top : top + side, left : left + side] = small
        assert len(analyzer(canvas)) == 1


def test_tile_origins_cover_with_overlap():
    assert tile_origins(500, 640, 100) == [0]
    origins = tile_origins(1920, 640, 231)
    assert origins[0] == 0 and origins[-1] == 1280
    assert all(b - a <= 640 - 231 for a, b in itertools.pairwise(origins))


@pytest.mark.parametrize(
    ("width", "height", "min_face"),
    [(640, 480, 32), (1280, 720, 40), (1920, 1080, 40), (4000, 3000, 40), (6000, 4000, 32), (500, 400, 40)],
)
def test_tile_levels_cover_every_face_the_whole_frame_may_miss(width, height, min_face):
    """Every face from the minimum size up to 1/10 of the frame, wherever it is, lies whole inside a tile of
    some level that it fills to 1/10 or more (where the detector finds every face)."""
    levels = tile_levels(width, height, min_face)
    largest_missed = max(width, height) * RELIABLE_FRACTION
    if max(width, height) / 16 <= min_face:
        assert levels == []
        return
    origins = [
        (tile, tile_origins(width, tile, overlap), tile_origins(height, tile, overlap)) for tile, overlap in levels
    ]

    def covered(size, x, y):
        return any(
            size >= tile * RELIABLE_FRACTION - 1e-9
            and any(o <= x and x + size <= o + tile for o in xs)
            and any(o <= y and y + size <= o + tile for o in ys)
            for tile, xs, ys in origins
        )

    for size in np.linspace(min_face, largest_missed, 12):
        for x in np.linspace(0, width - size, 23):
            for y in np.linspace(0, height - size, 17):
                assert covered(size, x, y), (size, x, y, levels)


def test_faces_the_mesh_rejects_are_dropped(astronaut):
    analyzer = FaceAnalyzer()
    real_mesh = analyzer.mesh
    analyzer.mesh = lambda image, found: (real_mesh(image, found)[0], 0.1)
    assert analyzer(astronaut) == []
    analyzer.min_presence = 0.05
    assert len(analyzer(astronaut)) == 1


def test_input_forms(analyzer, astronaut):
    gray = astronaut.mean(axis=2).astype(np.uint8)
    assert len(analyzer(gray)) == 1
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, dtype=np.uint8)])
    assert len(analyzer(rgba)) == 1
    with pytest.raises(ValueError, match="uint8"):
        analyzer(astronaut.astype(np.float32))
    with pytest.raises(ValueError, match="shape"):
        analyzer(np.zeros((10, 10, 2), dtype=np.uint8))


def test_follow_finds_a_face_again_from_its_mesh_alone(analyzer, astronaut):
    (face,) = analyzer(astronaut)
    moved = np.roll(astronaut, (6, -9), axis=(0, 1))  # the face 9 px left and 6 px down, a frame later
    (followed,) = analyzer.follow(moved, [face])
    (found,) = analyzer(moved)
    # The same mesh a full search finds, within a pixel or two; the box moved with it.
    assert np.abs(followed.landmarks[:, :2] - found.landmarks[:, :2]).mean() < 1.5
    assert np.allclose(followed.center, face.center + np.array([-9, 6]), atol=2)
    assert followed.size == pytest.approx(face.size, rel=0.05) and followed.presence > 0.9
    assert box_iou(followed.box, found.box[None])[0] > 0.8
    # Gone: the mesh says no face is there, and no other face is looked for.
    assert analyzer.follow(np.full_like(astronaut, 128), [face]) == []
