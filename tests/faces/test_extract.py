import json
import shutil

import cv2
import numpy as np
import pytest

from unmask.errors import UnmaskError
from unmask.faces import FaceAnalyzer, extract_faces
from unmask.media import Sampling


@pytest.fixture(scope="module")
def analyzer():
    return FaceAnalyzer()


def read_index(folder):
    return [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines()]


def test_images_videos_and_bad_files(tmp_path, media, analyzer):
    inputs = [media / name for name in ("astronaut.jpg", "text.jpg", "empty.jpg", "single_face.mp4", "no_face.mp4")]
    errors = []
    summary = extract_faces(
        inputs,
        tmp_path / "out",
        analyzer=analyzer,
        sampling=Sampling(every_nth=10),
        progress=False,
        on_error=errors.append,
    )
    assert (summary.files, summary.files_with_faces, summary.crops) == (5, 2, 5)
    assert len(summary.errors) == 2 and errors == summary.errors
    records = {r["path"].rsplit("/", 1)[-1]: r for r in read_index(tmp_path / "out")}
    assert list(records) == ["astronaut.jpg", "text.jpg", "empty.jpg", "single_face.mp4", "no_face.mp4"]

    still = records["astronaut.jpg"]
    assert (still["kind"], still["faces"], still["frames"], still["error"]) == ("image", 1, 1, None)
    crop = still["crops"][0]
    assert crop["file"] == "crops/astronaut_jpg/face00.png" and crop["track"] is None
    image = cv2.imread(str(tmp_path / "out" / crop["file"]))
    assert image.shape == (224, 224, 3)
    landmarks = np.load(tmp_path / "out" / crop["landmarks"])
    assert landmarks.shape == (468, 3) and landmarks.dtype == np.float32
    assert landmarks[:, :2].min() > 0 and landmarks[:, :2].max() < 224

    assert "text file" in records["text.jpg"]["error"] and records["text.jpg"]["crops"] == []
    assert "empty file" in records["empty.jpg"]["error"]

    video = records["single_face.mp4"]
    assert (video["kind"], video["frames"], video["faces"]) == ("video", 4, 1)
    assert [c["frame"] for c in video["crops"]] == [0, 10, 20, 30]
    assert [c["time"] for c in video["crops"]] == pytest.approx([0, 0.4, 0.8, 1.2])
    assert {c["track"] for c in video["crops"]} == {0}
    assert video["crops"][1]["file"] == "crops/single_face_mp4/f000010_t00.png"

    empty = records["no_face.mp4"]
    assert (empty["frames"], empty["faces"], empty["crops"], empty["error"]) == (2, 0, [], None)

    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["contract"]["name"] == "unmask-align-v1" and run["sampling"] == "every 10th frame"
    assert run["totals"]["errors"] == 2


def test_truncated_video_and_huge_image_are_recorded(tmp_path, media, analyzer):
    summary = extract_faces([media / "truncated.mp4", media / "huge.png"], tmp_path, analyzer=analyzer, progress=False)
    assert summary.files == 2 and len(summary.errors) == 2
    assert "truncated" in summary.errors[0] and "refused before decoding" in summary.errors[1]


def test_folders_are_walked_and_output_is_left_out(tmp_path, media, analyzer):
    source = tmp_path / "source"
    (source / "sub").mkdir(parents=True)
    shutil.copy(media / "astronaut.jpg", source / "a.jpg")
    shutil.copy(media / "astronaut.png", source / "sub" / "a.jpg")
    (source / "NOTICE").write_text("not media")
    (source / ".hidden.jpg").write_text("hidden")
    out = source / "out"
    summary = extract_faces([source], out, analyzer=analyzer, progress=False)
    assert (summary.files, summary.ignored, summary.crops) == (2, 1, 2)
    files = sorted(c["file"] for r in read_index(out) for c in r["crops"])
    assert files == ["crops/source/a_jpg/face00.png", "crops/source/sub/a_jpg/face00.png"]
    # A second run over the same folder must not read the first run's crops as inputs.
    again = extract_faces([source], out, analyzer=analyzer, progress=False)
    assert again.files == 2


def test_rerun_replaces_old_crops(tmp_path, media, analyzer):
    extract_faces([media / "astronaut.jpg"], tmp_path, analyzer=analyzer, progress=False)
    stale = tmp_path / "crops" / "old_jpg"
    stale.mkdir()
    extract_faces([media / "astronaut.jpg"], tmp_path, analyzer=analyzer, progress=False)
    assert not stale.exists() and (tmp_path / "crops" / "astronaut_jpg" / "face00.png").exists()


def test_max_faces_keeps_the_largest(tmp_path, astronaut, analyzer):
    canvas = np.full((600, 1100, 3), 128, dtype=np.uint8)
    canvas[40:552, 0:512] = astronaut
    canvas[100:356, 600:856] = astronaut[::2, ::2]
    cv2.imwrite(str(tmp_path / "two.png"), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    summary = extract_faces(
        [tmp_path / "two.png"], tmp_path / "out", analyzer=FaceAnalyzer(min_face_size=32), max_faces=1, progress=False
    )
    record = read_index(tmp_path / "out")[0]
    assert (record["faces"], record["dropped_faces"], len(record["crops"]), summary.crops) == (2, 1, 1, 1)
    assert record["crops"][0]["box"][0] < 300


def test_bad_arguments(tmp_path, media, analyzer):
    with pytest.raises(ValueError, match="max_faces"):
        extract_faces([media / "astronaut.jpg"], tmp_path, analyzer=analyzer, max_faces=0)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnmaskError, match="not a folder"):
        extract_faces([media / "astronaut.jpg"], tmp_path / "file", analyzer=analyzer)


def test_fifty_faces_in_one_photo(tmp_path, astronaut):
    head = cv2.resize(astronaut[40:220, 150:300], (100, 120), interpolation=cv2.INTER_AREA)
    crowd = np.full((5 * 130, 10 * 110, 3), 90, dtype=np.uint8)
    for row in range(5):
        for column in range(10):
            crowd[row * 130 + 5 : row * 130 + 125, column * 110 + 5 : column * 110 + 105] = head
    cv2.imwrite(str(tmp_path / "crowd.png"), cv2.cvtColor(crowd, cv2.COLOR_RGB2BGR))
    summary = extract_faces([tmp_path / "crowd.png"], tmp_path / "out", analyzer=FaceAnalyzer(), progress=False)
    record = read_index(tmp_path / "out")[0]
    assert record["error"] is None
    assert record["faces"] >= 48  # 50 drawn, of about 80 pixels (1/14 of the frame): tiles find them
    assert len(record["crops"]) == summary.crops == 20 and record["dropped_faces"] == record["faces"] - 20
