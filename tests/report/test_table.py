from unmask.report import HEADER, format_row
from unmask.verdict import FaceScore, ScanResult, Track


def result(**changes):
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


def test_rows_line_up_with_the_header():
    tracks = [Track(0, [FaceScore(0, 0.0, [0, 0, 1, 1], 0.1)]), Track(1, [FaceScore(0, 0.0, [0, 0, 1, 1], 0.2)], False)]
    row = format_row(result(verdict="fake", score=0.9, faces=tracks))
    assert row.split() == ["FAKE", "0.900", "1", "0", "clip.mp4"]
    assert row.index("clip.mp4") == HEADER.index("INPUT")


def test_reason_follows_the_path_once():
    row = format_row(result(verdict="error", score=None, reason="clip.mp4: truncated"))
    assert row.split()[:2] == ["error", "-"] and row.endswith("clip.mp4: truncated")
    assert format_row(result(path=None, verdict="not_applicable", score=None, reason="no face")).endswith(
        "<array>: no face"
    )
