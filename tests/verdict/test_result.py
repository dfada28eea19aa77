import html
import json
import re

import jsonschema
import numpy as np
import pytest

from unmask.errors import UnmaskError
from unmask.media import Frame, Sampling
from unmask.models import load_card
from unmask.report import HEADER, Provenance
from unmask.verdict import FaceScore, Scanner, ScanResult, Track, keep_pictures, scan_schema


@pytest.fixture(scope="module")
def scanner():
    return Scanner(sampling=Sampling(count=4), temporal=False)


def embedded_json(page: str) -> dict:
    (block,) = re.findall(r'<script type="application/json" id="scan-json">(.*?)</script>', page, re.S)
    return json.loads(block)


def made(**changes) -> ScanResult:
    base = dict(
        path="clip.mp4",
        sha256=None,
        kind="video",
        verdict="real",
        score=0.1234,
        threshold=0.5,
        reason=None,
        model={"name": "m", "version": "1", "sha256": "0" * 64},
    )
    return ScanResult(**{**base, **changes})


def test_row_counts_usable_tracks_and_lines_up_with_the_header():
    tracks = [Track(0, [FaceScore(0, 0.0, [0, 0, 1, 1], 0.1)]), Track(1, [FaceScore(0, 0.0, [0, 0, 1, 1], 0.2)], False)]
    row = made(verdict="fake", score=0.9, faces=tracks).row()
    assert row.split() == ["FAKE", "0.900", "1", "0", "clip.mp4"]
    assert row.index("clip.mp4") == HEADER.index("INPUT")
    row = made(verdict="error", score=None, reason="clip.mp4: truncated").row()
    assert row.split()[:2] == ["error", "-"] and row.endswith("clip.mp4: truncated")
    assert made(path=None, verdict="not_applicable", score=None, reason="no face").row().endswith("<array>: no face")


def test_keep_pictures_keeps_each_tracks_best_frame_as_copies():
    pictures: dict = {}
    crops = np.zeros((2, 8, 8, 3), np.uint8)
    maps = np.zeros((2, 2, 2), np.float32)
    image = np.zeros((4, 4, 3), np.uint8)
    faces = [FaceScore(0, 0.0, [0] * 4, 0.3, 1), FaceScore(0, 0.0, [0] * 4, 0.1, 2)]
    keep_pictures(pictures, Frame(image, 0, 0.0), faces, crops, maps, limit=2)
    crops[:] = 255  # the scanner's arrays are reused: what was kept must not change
    keep_pictures(pictures, Frame(image, 1, 0.5), [FaceScore(1, 0.5, [0] * 4, 0.2, 1)], crops[:1], maps[:1], limit=2)
    keep_pictures(pictures, Frame(image, 2, 1.0), [], None, None, limit=2)
    assert pictures[1].index == 0 and pictures[1].crop.max() == 0
    # Full: a new, more suspicious track replaces the least suspicious one; a less suspicious one is left out.
    keep_pictures(pictures, Frame(image, 3, 1.5), [FaceScore(3, 1.5, [0] * 4, 0.9, 7)], crops[:1], maps[:1], limit=2)
    keep_pictures(pictures, Frame(image, 4, 2.0), [FaceScore(4, 2.0, [0] * 4, 0.05, 8)], crops[:1], maps[:1], limit=2)
    assert set(pictures) == {1, 7} and pictures[7].crop.max() == 255


def test_the_deciding_track_is_recorded_in_the_result_and_its_json(scanner, media):
    result = scanner.scan(media / "two_faces.mp4")
    data = result.to_dict()
    jsonschema.validate(data, scan_schema())
    worst = max(result.faces, key=lambda track: track.score)
    assert len(result.faces) == 2 and result.decided_by == data["decided_by"] == worst.id
    assert set(result.pictures) == {track.id for track in result.faces}
    for name in ("no_face.mp4", "text.jpg"):
        data = scanner.scan(media / name).to_dict()
        jsonschema.validate(data, scan_schema())
        assert data["decided_by"] is None and data["verdict"] in ("not_applicable", "error")


def test_a_json_that_lies_about_its_deciding_track_does_not_validate(scanner, media):
    data = scanner.scan(media / "astronaut.jpg").to_dict()
    jsonschema.validate(data, scan_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "decided_by": None}, scan_schema())
    del data["decided_by"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, scan_schema())


def test_save_report_writes_the_page_with_its_pictures_and_credentials(scanner, media, tmp_path):
    result = scanner.scan(media / "astronaut.jpg")
    path = result.save_report(tmp_path / "a" / "b" / "astronaut.html")
    assert path == tmp_path / "a" / "b" / "astronaut.html"
    page = path.read_text(encoding="utf-8")
    text = html.unescape(page)
    assert embedded_json(page) == result.to_dict() and page.count("<img ") == 1
    assert "this face decides the verdict" in text
    assert scanner.classifier.card.sha256 in text
    # The file's Content Credentials were read (this JPEG has none; without the C2PA reader, they are unchecked).
    assert "No Content Credentials found." in text or "the C2PA reader is not installed" in text
    assert result.to_html().count("<img ") == 1


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("no_face.mp4", "Not applicable: no face found in 4 sampled frames"),
        ("text.jpg", "Could not be read: a text file, not an image or video"),
    ],
)
def test_save_report_writes_results_without_a_verdict_too(scanner, media, tmp_path, name, words):
    result = scanner.scan(media / name)
    page = result.save_report(tmp_path / f"{name}.html").read_text(encoding="utf-8")
    assert words in html.unescape(page) and "<img " not in page
    assert embedded_json(page) == result.to_dict()


def test_an_array_has_no_credentials_to_check_and_a_made_result_uses_the_shipped_card(scanner, astronaut, tmp_path):
    text = html.unescape(scanner.scan(astronaut).to_html())
    assert "Content Credentials were not checked for this report." in text
    text = html.unescape(made(model=load_card().identity()).to_html(provenance=Provenance(status="absent")))
    assert load_card().sha256 in text and "is not the model that made the scan" not in text
    assert "is not the model that made the scan" in html.unescape(made().to_html())


def test_save_report_refuses_an_unwritable_path_in_one_line(scanner, astronaut, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnmaskError, match="cannot write the report"):
        scanner.scan(astronaut).save_report(tmp_path / "file" / "report.html")
