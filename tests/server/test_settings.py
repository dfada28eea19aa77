"""Server settings: durations, the named tokens file, and settings that contradict each other."""

from __future__ import annotations

import pytest

from unmask.errors import UnmaskError
from unmask.server.settings import DAY, Settings, parse_duration, read_tokens


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30d", 30 * DAY), ("24h", DAY), ("90m", 5400), ("45s", 45), ("2w", 14 * DAY), ("1.5h", 5400), ("10", 10)],
)
def test_durations_are_read_in_their_unit(text, seconds):
    assert parse_duration(text) == seconds


def test_forever_and_bad_durations():
    assert parse_duration("forever") is None
    for bad in ("", "0d", "-1d", "3 days", "d", "1y"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_the_default_retention_is_thirty_days_and_faces_are_not_kept():
    settings = Settings()
    assert settings.retain_s == 30 * DAY and settings.keep_faces is False and settings.callers == {}


def test_a_tokens_file_names_its_tokens(tmp_path):
    path = tmp_path / "tokens"
    path.write_text("# newsroom\nalice  s3cret-a\n\nbob s3cret-b  # the night desk\n")
    assert read_tokens(path) == {"alice": "s3cret-a", "bob": "s3cret-b"}
    assert Settings(token="t", tokens=read_tokens(path)).callers == {
        "s3cret-a": "alice",
        "s3cret-b": "bob",
        "t": "default",
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("alice\n", "line 1: expected 'NAME TOKEN'"),
        ("alice a b\n", "line 1: expected"),
        ("al/ice a\n", "line 1: expected"),
        ("alice a\nalice b\n", "line 2: the name 'alice' is given twice"),
        ("# nothing\n", "no tokens in the file"),
    ],
)
def test_a_malformed_tokens_file_is_a_one_line_error(tmp_path, text, words):
    path = tmp_path / "tokens"
    path.write_text(text)
    with pytest.raises(UnmaskError, match=words):
        read_tokens(path)


def test_a_missing_tokens_file_is_a_one_line_error(tmp_path):
    with pytest.raises(UnmaskError, match="cannot read the tokens file"):
        read_tokens(tmp_path / "none")


@pytest.mark.parametrize(
    "settings",
    [
        {"tokens": {"alice": "same", "bob": "same"}},
        {"token": "same", "tokens": {"alice": "same"}},
        {"token": "t", "tokens": {"default": "u"}},
        {"tokens": {"alice": ""}},
        {"retain_s": 0},
        {"max_uploads": 0},
        {"body_timeout_s": 0},
    ],
)
def test_settings_that_contradict_each_other_are_refused(tmp_path, settings):
    with pytest.raises(ValueError):
        Settings(db=tmp_path / "s.db", **settings)
