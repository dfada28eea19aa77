import numpy as np
import pytest

from mediagen import digest, scene
from unmask.evaluate.robustness import FRAME_OPERATIONS, LADDER, Laundering, parse_rungs
from unmask.media import Sampling, launder, probe, read_frames, write_video


def test_the_ladder_holds_every_rung_the_issue_names():
    assert [rung.name for rung in LADDER] == [
        "jpeg-90", "jpeg-70", "jpeg-50", "jpeg-30",
        "scale-0.75", "scale-0.5", "scale-0.25",
        "h264-crf23", "h264-crf30", "h264-crf40",
        "blur-1", "blur-2", "noise-5", "noise-10", "grain-5", "grain-10",
    ]  # fmt: skip


def test_frame_launderings_change_pixels_as_promised(astronaut_face):
    image, _ = astronaut_face
    assert Laundering("scale", 0.5).frame(image).shape == (112, 112, 3)
    for rung in (Laundering("jpeg", 30), Laundering("blur", 2), Laundering("noise", 10), Laundering("grain", 10)):
        out = rung.frame(image)
        assert out.shape == image.shape and out.dtype == np.uint8
        assert 1 < np.abs(out.astype(int) - image).mean() < 30, rung.name
    # lower JPEG quality, more change; the same noise pattern on every call
    diff = [np.abs(Laundering("jpeg", q).frame(image).astype(int) - image).mean() for q in (90, 30)]
    assert diff[0] < diff[1]
    assert np.array_equal(Laundering("noise", 5).frame(image), Laundering("noise", 5).frame(image))
    # grain: drawn afresh for each frame, yet the same frame always gets the same grain
    other = np.roll(image, 3, axis=1)
    grain = Laundering("grain", 5)
    assert np.array_equal(grain.frame(image), grain.frame(image.copy()))
    added = [grain.frame(frame).astype(int) - frame for frame in (image, other)]
    fixed = [Laundering("noise", 5).frame(frame).astype(int) - frame for frame in (image, other)]
    inside = (image > 30).all(axis=2) & (other > 30).all(axis=2) & (image < 225).all(axis=2) & (other < 225).all(axis=2)
    assert np.array_equal(fixed[0][inside], fixed[1][inside])  # noise: one pattern, whatever the frame
    assert abs(np.corrcoef(added[0][inside].ravel(), added[1][inside].ravel())[0, 1]) < 0.05  # grain: a new one


def test_h264_rung_reencodes_videos_and_leaves_stills_out(tmp_path, media):
    rung = Laundering("h264", 40)
    assert rung.file(media / "astronaut.jpg", tmp_path) is None
    assert rung.file(media / "empty.jpg", tmp_path) == media / "empty.jpg"  # the scan reports it
    source = tmp_path / "clip.mp4"
    rng = np.random.default_rng(0)
    write_video(source, (rng.integers(0, 255, (64, 64, 3), dtype=np.uint8) for _ in range(6)), fps=12, crf=10)
    out = rung.file(source, tmp_path)
    assert out != source and probe(out).frame_count == 6 and probe(out).fps == pytest.approx(12)
    assert out.stat().st_size < source.stat().st_size  # CRF 40 throws detail away
    assert len(list(read_frames(out, Sampling()))) == 6


def test_rungs_are_parsed_by_name():
    assert parse_rungs("all") == LADDER
    assert [r.name for r in parse_rungs("jpeg-50, h264-crf30")] == ["jpeg-50", "h264-crf30"]
    with pytest.raises(ValueError, match="unknown rung 'jpeg-55'"):
        parse_rungs("jpeg-55")
    with pytest.raises(ValueError):
        Laundering("sepia", 1)


def test_rungs_are_pinned_bit_for_bit(tmp_path):
    # Recorded before the operations moved to unmask.media.launder (opencv-python-headless 4.14.0, numpy 2.4.6,
    # av 18.1.0): every rung gives the frames it gave, so that ladders measured before and after compare.
    image = scene()
    window = [np.roll(image, k, axis=1) for k in range(4)]
    source = tmp_path / "clip.mp4"
    write_video(source, window, fps=12, crf=10, repeatable=True)
    got = {}
    for rung in LADDER:
        if rung.videos_only:
            got[rung.name] = digest(*(frame.image for frame in read_frames(rung.file(source, tmp_path), Sampling())))
        else:
            got[rung.name] = digest(rung.frame(image), rung.frame(window[1]))
    assert got == {
        "jpeg-90": "55de2a20b8017f12",
        "jpeg-70": "f7aa5a4c8702b00d",
        "jpeg-50": "d6e3fe68e57c542e",
        "jpeg-30": "69fba99cedbb8002",
        "scale-0.75": "e1a30a235ed4d3fc",
        "scale-0.5": "d814a0dbff2b3aab",
        "scale-0.25": "0e96d98416a384b8",
        "h264-crf23": "ecc61fda1256995a",
        "h264-crf30": "41903e9bb288a040",
        "h264-crf40": "e69a8b0bf4a1c935",
        "blur-1": "a3712a45feb2e97f",
        "blur-2": "81e070c094650246",
        "noise-5": "7a380a4b7ef55e27",
        "noise-10": "5dfc48cf1c6857a3",
        "grain-5": "e8777ab2f14937c7",
        "grain-10": "1166580526f1d118",
    }


def test_a_rung_is_the_laundering_operation_of_its_name_at_its_value(tmp_path):
    image = scene()
    for rung in LADDER:
        if rung.videos_only:
            continue
        operation = getattr(launder, rung.kind)
        assert FRAME_OPERATIONS[rung.kind] is operation
        assert np.array_equal(rung.frame(image), operation(image, rung.value)), rung.name
    # H.264 rungs: the whole file through launder.write_h264 at the rung's CRF
    frames = [np.roll(scene(82, 96), k, axis=1) for k in range(4)]
    write_video(tmp_path / "clip.mp4", frames, fps=12, crf=10, repeatable=True)
    source = [frame.image for frame in read_frames(tmp_path / "clip.mp4", Sampling())]
    launder.write_h264(tmp_path / "direct.mp4", source, 30, fps=12)
    decoded = [
        read_frames(path, Sampling())
        for path in (tmp_path / "direct.mp4", LADDER[8].file(tmp_path / "clip.mp4", tmp_path))
    ]
    assert LADDER[8].name == "h264-crf30"
    assert all(np.array_equal(a.image, b.image) for a, b in zip(*decoded, strict=True))
