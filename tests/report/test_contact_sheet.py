import cv2
import pytest

from unmask.faces import FaceAnalyzer, extract_faces
from unmask.media import Sampling
from unmask.report import contact_sheet
from unmask.report.contact_sheet import LABEL_HEIGHT, TILE, _label


@pytest.fixture(scope="module")
def run(tmp_path_factory, media):
    out = tmp_path_factory.mktemp("sheet")
    extract_faces(
        [media / "astronaut.jpg", media / "single_face.mp4", media / "text.jpg"],
        out,
        analyzer=FaceAnalyzer(),
        sampling=Sampling(every_nth=4),
        progress=False,
    )
    return out


def test_sheet_tiles_every_crop_up_to_the_limit(run):
    path = contact_sheet(run)
    assert path == run / "contact_sheet.jpg"
    sheet = cv2.imread(str(path))
    assert sheet.shape == (2 * (TILE + LABEL_HEIGHT), 8 * TILE, 3)  # 11 crops: 8 on the first row, 3 below
    small = cv2.imread(str(contact_sheet(run, limit=4, columns=2)))
    assert small.shape == (2 * (TILE + LABEL_HEIGHT), 2 * TILE, 3)


def test_outlines_are_drawn_from_the_landmarks(run):
    sheet = cv2.imread(str(contact_sheet(run, limit=1)))
    crop = cv2.imread(str(run / "crops" / "astronaut_jpg" / "face00.png"))
    plain = cv2.resize(crop, (TILE, TILE), interpolation=cv2.INTER_AREA).astype(int)
    change = sheet[:TILE, :TILE].astype(int) - plain
    greener = (change[:, :, 1] - change[:, :, 2]) > 40  # BGR: green up relative to red
    assert greener.sum() > 150  # the face oval and eye contours
    assert greener[:8].sum() == 0 and greener[-4:].sum() == 0  # inside the crop, not at its edges


def test_labels():
    assert _label("/x/photo.jpg", {"track": None, "frame": 0}) == "photo.jpg"
    assert _label("/x/clip.mp4", {"track": 2, "frame": 40}) == "f40 t2 clip.mp4"


def test_no_crops_no_sheet(tmp_path, media):
    extract_faces([media / "no_face.mp4"], tmp_path, analyzer=FaceAnalyzer(), progress=False)
    assert contact_sheet(tmp_path) is None
    assert not (tmp_path / "contact_sheet.jpg").exists()
