"""``unmask serve``: its options reach the settings, and a bad model is one line, not a traceback."""

from __future__ import annotations

import pytest

import unmask.server.app as server_app
from unmask.cli import main


def test_serve_options_become_settings(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(server_app, "run_server", seen.append)
    monkeypatch.setenv("UNMASK_TOKEN", "from-env")
    argv = ["serve", "--db", str(tmp_path / "s.db"), "--port", "8123", "--workers", "2", "--max-image-mb", "0.5"]
    slow = ["--max-uploads", "3", "--body-timeout", "12", "--min-upload-kbps", "2.5"]
    assert main([*argv, "--max-video-mb", "9", "--max-jobs-per-client", "7", "--keep-media", *slow]) == 0
    (settings,) = seen
    assert (settings.max_uploads, settings.body_timeout_s, settings.min_upload_kbps) == (3, 12, 2.5)
    assert settings.db == tmp_path / "s.db" and settings.media_dir == tmp_path / "s-media"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8123, 2)
    assert (settings.max_image_mb, settings.max_video_mb, settings.max_jobs_per_client) == (0.5, 9, 7)
    assert settings.keep_media and settings.token == "from-env"
    assert main([*argv, "--token", "given"]) == 0 and seen[-1].token == "given"
    assert settings.retain_s == 30 * 86400 and not settings.keep_faces and settings.tokens == {}
    (tmp_path / "tokens").write_text("alice token-a\n")
    assert main([*argv, "--retain", "7d", "--keep-faces", "--tokens", str(tmp_path / "tokens")]) == 0
    assert (seen[-1].retain_s, seen[-1].keep_faces, seen[-1].tokens) == (7 * 86400, True, {"alice": "token-a"})
    assert main([*argv, "--retain", "forever"]) == 0 and seen[-1].retain_s is None


def test_serve_refuses_bad_retention_and_token_files(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("UNMASK_TOKEN", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--retain", "a while"])
    assert exit_info.value.code == 2 and "expected a duration" in capsys.readouterr().err
    assert main(["serve", "--db", str(tmp_path / "s.db"), "--tokens", str(tmp_path / "none")]) == 2
    assert "cannot read the tokens file" in capsys.readouterr().err
    (tmp_path / "tokens").write_text("default token-a\n")
    assert main(["serve", "--db", str(tmp_path / "s.db"), "--tokens", str(tmp_path / "tokens"), "--token", "t"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("unmask serve: error: the single token is the one named 'default'") and err.count("\n") == 1


def test_serve_with_a_missing_model_is_a_one_line_error(tmp_path, capsys):
    assert main(["serve", "--db", str(tmp_path / "s.db"), "--model", str(tmp_path / "none.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "model card not found" in err and "Traceback" not in err


def test_serve_help_lists_its_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--host",
        "--port",
        "--workers",
        "--db",
        "--max-image-mb",
        "--max-video-mb",
        "--keep-media",
        "--keep-faces",
        "--retain",
        "--tokens",
        "--max-uploads",
        "--body-timeout",
    ):
        assert option in out
