import numpy as np

from unmask.media import Frame
from unmask.report import HeatmapWriter, overlay
from unmask.verdict import FaceScore


def test_overlay_puts_the_map_beside_the_crop():
    crop = np.full((224, 224, 3), 128, np.uint8)
    boundary = np.zeros((28, 28), np.float32)
    boundary[10:18, 10:18] = 1
    picture = overlay(crop, boundary)
    assert picture.shape == (224, 448, 3)
    assert np.array_equal(picture[:, :224], crop)
    right = picture[:, 224:].astype(int)
    assert np.abs(right[5, 5] - 128).max() < 30  # cold: the crop shows through
    assert np.abs(right[112, 112] - 128).max() > 60  # hot: coloured


def test_writer_writes_one_file_per_scored_face(tmp_path):
    writer = HeatmapWriter(tmp_path, "clip.mp4")
    faces = [FaceScore(7, 0.28, [0, 0, 10, 10], 0.9), FaceScore(7, 0.28, [20, 0, 30, 10], 0.1)]
    crops = np.zeros((2, 224, 224, 3), np.uint8)
    writer(Frame(np.zeros((10, 10, 3), np.uint8), 7, 0.28), faces, crops, np.zeros((2, 28, 28), np.float32))
    writer(Frame(np.zeros((10, 10, 3), np.uint8), 8, 0.32), [], None, None)
    assert [path.name for path in writer.written] == ["f000007_face00_0.900.jpg", "f000007_face01_0.100.jpg"]
    assert all(path.parent == tmp_path / "clip.mp4" and path.stat().st_size > 0 for path in writer.written)
