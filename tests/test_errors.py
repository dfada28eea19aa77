import pytest

from unmask.errors import CorruptMediaError, internal_error, one_line, reason


@pytest.mark.parametrize(
    ("err", "path", "expected"),
    [
        # An UnmaskError names its input itself: its message is the reason, as it is.
        (CorruptMediaError("clip.mp4: damaged or truncated"), "clip.mp4", "clip.mp4: damaged or truncated"),
        (CorruptMediaError("clip.mp4: damaged or truncated"), None, "clip.mp4: damaged or truncated"),
        # An OSError: what the system said, after the path; without a path, its whole message.
        (PermissionError(13, "Permission denied", "/x/clip.mp4"), "/x/clip.mp4", "/x/clip.mp4: Permission denied"),
        (PermissionError(13, "Permission denied", "/x/out"), None, "[Errno 13] Permission denied: '/x/out'"),
        (OSError("cannot write sheet.jpg"), None, "cannot write sheet.jpg"),
        (IsADirectoryError(21, "is a folder"), "in", "in: is a folder"),
        # Anything else is a bug, said as one, on one line.
        (RuntimeError("broke\nover  two lines"), "a.jpg", "a.jpg: internal error: RuntimeError: broke over two lines"),
        (KeyError("frame"), None, "internal error: KeyError: 'frame'"),
        (ValueError(), None, "internal error: ValueError"),
    ],
)
def test_reason_words_every_failure_in_one_line(err, path, expected):
    assert reason(err, path) == expected


def test_reason_takes_path_objects(tmp_path):
    assert reason(FileNotFoundError(2, "No such file or directory"), tmp_path / "a.jpg") == (
        f"{tmp_path / 'a.jpg'}: No such file or directory"
    )


def test_one_line_collapses_whitespace_and_cuts_at_the_limit():
    assert one_line("a\n b\t\tc ") == "a b c"
    assert one_line(RuntimeError()) == "RuntimeError"
    assert one_line("x" * 10, 5) == "xxxx…" and len(one_line("x" * 10, 5)) == 5
    assert one_line("x" * 5, 5) == "xxxxx"
    assert internal_error(RuntimeError("the disk is on fire")) == "internal error: RuntimeError: the disk is on fire"
