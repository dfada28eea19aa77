import json
from pathlib import Path

import pytest

from unmask.errors import UnmaskError
from unmask.evaluate.datasets import load_dataset


def touch(root: Path, *keys: str) -> None:
    for key in keys:
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(b"x")


def summary(items):
    return [(item.key, item.label, item.method, item.group) for item in items]


FFPP = [
    "original_sequences/youtube/c23/videos/000.mp4",
    "original_sequences/youtube/c40/videos/000.mp4",
    "original_sequences/actors/c23/videos/01__talking.mp4",
    "manipulated_sequences/Deepfakes/c23/videos/000_003.mp4",
    "manipulated_sequences/FaceShifter/c40/videos/000_003.mp4",
]


def test_csv_file(tmp_path):
    (tmp_path / "labels.csv").write_text("path,label,source,method\nreal/a.jpg,real,x,original\nb.png,fake,x,gan\n")
    assert summary(load_dataset(tmp_path / "labels.csv")) == [
        ("real/a.jpg", "real", "original", "real"),
        ("b.png", "fake", "gan", "."),
    ]


def test_faceforensics(tmp_path):
    touch(tmp_path, *FFPP, "manipulated_sequences/Deepfakes/masks/videos/000_003.mp4")
    touch(tmp_path, "manipulated_sequences/Deepfakes/c23/videos/._000_003.mp4", "original_sequences/notes.txt")
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits/test.json").write_text('[["953", "974"]]')  # present but not applied
    items = load_dataset(tmp_path)
    assert summary(items) == [
        ("manipulated_sequences/Deepfakes/c23/videos/000_003.mp4", "fake", "Deepfakes", "ffpp-c23"),
        ("manipulated_sequences/FaceShifter/c40/videos/000_003.mp4", "fake", "FaceShifter", "ffpp-c40"),
        ("original_sequences/actors/c23/videos/01__talking.mp4", "real", "original", "ffpp-c23"),
        ("original_sequences/youtube/c23/videos/000.mp4", "real", "original", "ffpp-c23"),
        ("original_sequences/youtube/c40/videos/000.mp4", "real", "original", "ffpp-c40"),
    ]
    assert items[0].path == tmp_path / items[0].key


def test_faceforensics_compression_filter(tmp_path):
    touch(tmp_path, *FFPP)
    keys = [item.key for item in load_dataset(str(tmp_path), compression="c40")]
    assert keys == [FFPP[4], FFPP[1]]
    with pytest.raises(UnmaskError, match=r"no media found in its FaceForensics\+\+ c0 layout$"):
        load_dataset(tmp_path, compression="c0")
    with pytest.raises(UnmaskError, match=r"unknown FaceForensics\+\+ compression 'C23'"):
        load_dataset(tmp_path, compression="C23")


def test_celebdf_without_list_uses_every_video(tmp_path):
    touch(tmp_path, "Celeb-real/id0_0000.mp4", "YouTube-real/00000.mp4", "Celeb-synthesis/id0_id1_0000.mp4")
    touch(tmp_path, "Celeb-real/.hidden.mp4", "Celeb-real/readme.txt")
    assert summary(load_dataset(tmp_path, compression="c23")) == [
        ("Celeb-real/id0_0000.mp4", "real", "Celeb-real", "celebdf"),
        ("Celeb-synthesis/id0_id1_0000.mp4", "fake", "Celeb-synthesis", "celebdf"),
        ("YouTube-real/00000.mp4", "real", "YouTube-real", "celebdf"),
    ]


def test_celebdf_list_means_1_real_0_fake(tmp_path):
    touch(tmp_path, "Celeb-real/id0_0000.mp4", "YouTube-real/00000.mp4", "Celeb-synthesis/id0_id1_0000.mp4")
    touch(tmp_path, "Celeb-real/id9_0009.mp4")  # not listed: left out
    lines = "1 YouTube-real/00000.mp4\n0 Celeb-synthesis/id0_id1_0000.mp4\r\n\n1 Celeb-real/id0_0000.mp4\n"
    (tmp_path / "List_of_testing_videos.txt").write_text(lines)
    assert summary(load_dataset(tmp_path)) == [
        ("Celeb-real/id0_0000.mp4", "real", "Celeb-real", "celebdf"),
        ("Celeb-synthesis/id0_id1_0000.mp4", "fake", "Celeb-synthesis", "celebdf"),
        ("YouTube-real/00000.mp4", "real", "YouTube-real", "celebdf"),
    ]


def test_celebdf_listed_but_missing_and_malformed(tmp_path):
    touch(tmp_path, "Celeb-real/a.mp4")
    listing = tmp_path / "List_of_testing_videos.txt"
    listing.write_text("1 Celeb-real/a.mp4\n0 Celeb-synthesis/b.mp4\n0 Celeb-synthesis/c.mp4\n")
    with pytest.raises(UnmaskError, match=r"2 of 3 listed files are missing \(the first: Celeb-synthesis/b.mp4\)"):
        load_dataset(tmp_path)
    listing.write_text("real Celeb-real/a.mp4\n")
    with pytest.raises(UnmaskError, match=r"List_of_testing_videos.txt:1: expected '<label> <path>'"):
        load_dataset(tmp_path)


def metadata(folder: Path, entries: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metadata.json").write_text(json.dumps(entries))
    touch(folder, *entries)


def test_dfdc_metadata(tmp_path):
    fake = {"label": "FAKE", "original": "b.mp4", "split": "train"}
    metadata(tmp_path, {"a.mp4": fake, "b.mp4": {"label": "REAL", "original": None, "split": "train"}})
    assert summary(load_dataset(tmp_path)) == [
        ("a.mp4", "fake", "DFDC", "dfdc"),
        ("b.mp4", "real", "original", "dfdc"),
    ]


def test_dfdc_nested_parts(tmp_path):
    metadata(tmp_path / "dfdc_train_part_1", {"c.mp4": {"label": "REAL"}})
    metadata(tmp_path / "dfdc_train_part_0", {"a.mp4": {"label": "FAKE"}})
    touch(tmp_path, "notes/readme.txt")
    assert summary(load_dataset(tmp_path)) == [
        ("dfdc_train_part_0/a.mp4", "fake", "DFDC", "dfdc"),
        ("dfdc_train_part_1/c.mp4", "real", "original", "dfdc"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not DFDC metadata: invalid JSON"),
        ("[1, 2]", "not DFDC metadata: expected an object"),
        ('{"a.mp4": {"label": "fake?"}}', "a.mp4: needs a label of 'REAL' or 'FAKE'"),
        ('{"a.mp4": "FAKE"}', "a.mp4: needs a label"),
        ('{"gone.mp4": {"label": "REAL"}}', r"1 of 1 listed files are missing \(the first: gone.mp4\)"),
    ],
)
def test_dfdc_bad_metadata(tmp_path, text, message):
    (tmp_path / "metadata.json").write_text(text)
    touch(tmp_path, "a.mp4")
    with pytest.raises(UnmaskError, match=message) as raised:
        load_dataset(tmp_path)
    assert "\n" not in str(raised.value) and str(raised.value).startswith(str(tmp_path / "metadata.json"))


def test_dfdc_labels_csv_means_1_fake_0_real(tmp_path):
    touch(tmp_path, "a.mp4", "b.mp4")
    (tmp_path / "labels.csv").write_text("filename,label\nb.mp4,0\na.mp4,1\n")
    assert summary(load_dataset(tmp_path)) == [
        ("a.mp4", "fake", "DFDC", "dfdc"),
        ("b.mp4", "real", "original", "dfdc"),
    ]
    (tmp_path / "labels.csv").write_text("filename,label\na.mp4,FAKE\n")
    with pytest.raises(UnmaskError, match=r"labels.csv:2: needs a filename and a label of 1 \(fake\) or 0 \(real\)"):
        load_dataset(tmp_path)


def test_real_and_fake_folders(tmp_path):
    root = tmp_path / "mydata"
    touch(root, "real/a.JPG", "real/clips/b.mp4", "fake/c.png", "fake/faceswap/deep/d.mp4")
    touch(root, "real/.e.jpg", "real/.cache/f.jpg", "fake/notes.txt", "labels.csv")
    assert summary(load_dataset(root)) == [
        ("fake/c.png", "fake", "fake", "mydata"),
        ("fake/faceswap/deep/d.mp4", "fake", "faceswap", "mydata"),
        ("real/a.JPG", "real", "original", "mydata"),
        ("real/clips/b.mp4", "real", "original", "mydata"),
    ]


def test_errors(tmp_path):
    with pytest.raises(UnmaskError, match=r"/nowhere: no such file or folder$"):
        load_dataset(tmp_path / "nowhere")
    touch(tmp_path, "images/a.jpg", "notes.txt")
    for path in (tmp_path, tmp_path / "notes.txt"):
        with pytest.raises(UnmaskError, match=r": not a labelled dataset: expected a labels CSV, real/ and fake/"):
            load_dataset(path)
    touch(tmp_path, "real/notes.txt", "fake/.hidden.mp4")
    with pytest.raises(UnmaskError, match=r"no media found in its real/ and fake/ layout$"):
        load_dataset(tmp_path)
    (tmp_path / "bad.csv").write_text("path,label\na.jpg,maybe\n")
    with pytest.raises(UnmaskError, match=r"bad.csv:2: needs a path and a label"):
        load_dataset(tmp_path / "bad.csv")


def test_a_folder_holding_unmask_labels_stands_for_its_csv(tmp_path):
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "a.mp4").write_bytes(b"x")
    (tmp_path / "labels.csv").write_text("path,label,method\nclips/a.mp4,fake,Deepfakes\n")
    (item,) = load_dataset(tmp_path)
    assert (item.key, item.label, item.method, item.group) == ("clips/a.mp4", "fake", "Deepfakes", "clips")
