from unmask.report import HEADER, format_row


def test_rows_line_up_with_the_header():
    row = format_row("fake", 0.9, 1, 0, "clip.mp4", None)
    assert row.split() == ["FAKE", "0.900", "1", "0", "clip.mp4"]
    assert row.index("clip.mp4") == HEADER.index("INPUT")
    assert format_row("real", 0.12345, 12, 320, "clip.mp4", None).split() == ["real", "0.123", "12", "320", "clip.mp4"]


def test_reason_follows_the_path_once():
    row = format_row("error", None, 0, 0, "clip.mp4", "clip.mp4: truncated")
    assert row.split()[:2] == ["error", "-"] and row.endswith("clip.mp4: truncated")
    assert format_row("not_applicable", None, 0, 0, None, "no face").endswith("<array>: no face")
