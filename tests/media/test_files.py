import hashlib
import shutil

import pytest

from unmask.media import collect_inputs, sha256_of


def test_sha256_of_is_the_digest_of_the_bytes_whatever_the_chunk(tmp_path):
    path = tmp_path / "data.bin"
    data = bytes(range(256)) * 1000
    path.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert sha256_of(path) == sha256_of(str(path), chunk=7) == expected
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_of(tmp_path / "empty") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_sha256_of_a_missing_file_fails(tmp_path):
    with pytest.raises(FileNotFoundError):
        sha256_of(tmp_path / "missing.bin")


def test_same_names_from_two_inputs_do_not_collide(tmp_path, media):
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        shutil.copy(media / "astronaut.jpg", tmp_path / folder / "a.jpg")
    files, ignored = collect_inputs([tmp_path / "x" / "a.jpg", tmp_path / "y" / "a.jpg", tmp_path / "missing.jpg"])
    assert [f.key for f in files] == ["a_jpg", "a_jpg-2", "missing_jpg"] and ignored == 0


def test_folders_are_walked_in_order_for_media_skipping_hidden_and_excluded_entries(tmp_path, media):
    root = tmp_path / "in"
    for relative in ("b/2.jpg", "a/1.jpg", ".hidden/3.jpg", "out/4.jpg", "a/.5.jpg", "a/notes.txt", "c d/6.mp4"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(media / "astronaut.jpg", root / relative)
    files, ignored = collect_inputs([root], exclude=root / "out")
    assert [f.path.relative_to(root).as_posix() for f in files] == ["a/1.jpg", "b/2.jpg", "c d/6.mp4"]
    assert [f.key for f in files] == ["in/a/1_jpg", "in/b/2_jpg", "in/c_d/6_mp4"] and ignored == 1
