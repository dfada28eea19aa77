import tracemalloc
from fractions import Fraction

import av
import numpy as np
import pytest

from mediagen import pan, write_vfr_video
from unmask.errors import CorruptMediaError, MediaLimitError, UnsupportedMediaError
from unmask.media import Limits, Sampling, probe, read_frames, read_image, write_video


def test_probe_video(media):
    info = probe(media / "single_face.mp4")
    assert info.kind == "video"
    assert (info.width, info.height) == (640, 480)
    assert info.codec == "h264"
    assert info.fps == pytest.approx(25.0)
    assert info.frame_count == 40 and info.frame_count_exact
    assert info.duration_s == pytest.approx(1.6, abs=0.05)
    assert info.rotation == 0


def test_every_frame_in_order_with_times(media):
    frames = list(read_frames(media / "single_face.mp4"))
    assert [f.index for f in frames] == list(range(40))
    assert [f.time for f in frames] == pytest.approx([i / 25 for i in range(40)])
    assert all(f.image.shape == (480, 640, 3) and f.image.dtype == np.uint8 for f in frames)
    assert all(f.image.flags.c_contiguous for f in frames)


def test_rotation_flag_is_applied(media, astronaut):
    info = probe(media / "rotated.mp4")
    assert (info.width, info.height, info.rotation) == (640, 480, 90)
    frame = next(read_frames(media / "rotated.mp4"))
    expected = pan(astronaut, 10)[0]
    assert frame.image.shape == (480, 640, 3)
    assert np.abs(frame.image.astype(int) - expected).mean() < 4


@pytest.mark.parametrize(
    ("sampling", "indices"),
    [
        (Sampling(every_nth=10), [0, 10, 20, 30]),
        (Sampling(count=3), [0, 20, 39]),
        (Sampling(count=1), [0]),
        (Sampling(count=100), list(range(40))),
        (Sampling(max_fps=5), [0, 5, 10, 15, 20, 25, 30, 35]),
        (Sampling(every_nth=2, max_fps=5), [0, 6, 10, 16, 20, 26, 30, 36]),
    ],
)
def test_sampling(media, sampling, indices):
    assert [f.index for f in read_frames(media / "single_face.mp4", sampling)] == indices


def test_fps_cap_follows_timestamps_of_variable_frame_rate(tmp_path, astronaut):
    # Frames every 40 ms for the first second, then every 200 ms: a cap of 5 fps keeps one per 200 ms.
    times = [i * 0.04 for i in range(25)] + [1.0 + i * 0.2 for i in range(5)]
    path = tmp_path / "vfr.mp4"
    write_vfr_video(path, pan(astronaut, len(times), size=(320, 240)), times)
    frames = list(read_frames(path, Sampling(max_fps=5)))
    kept = [round(f.time, 2) for f in frames]
    assert kept == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8]


def test_read_image_of_video_is_first_frame(media):
    first = read_image(media / "single_face.mp4")
    assert np.array_equal(first, next(read_frames(media / "single_face.mp4")).image)


def test_memory_stays_bounded(tmp_path, astronaut):
    # 150 frames of 640x480 hold 138 MB as arrays; streaming them should hold a few at a time.
    path = tmp_path / "long.mp4"
    write_video(path, pan(astronaut, 150), fps=25)
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_frames(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 150
    assert peak < 20e6


def test_truncated_mp4_is_a_clear_error(media):
    with pytest.raises(CorruptMediaError, match=r"damaged or truncated"):
        probe(media / "truncated.mp4")


def test_mp4_truncated_after_its_index(tmp_path, astronaut):
    # With 'faststart' the index comes first, so the file opens and breaks off while decoding.
    whole = tmp_path / "fast.mp4"
    with av.open(str(whole), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for array in pan(astronaut, 30):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")))
        container.mux(stream.encode(None))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert probe(cut).frame_count == 30
    with pytest.raises(CorruptMediaError, match=r"truncated"):
        list(read_frames(cut))


def test_limits(media):
    with pytest.raises(MediaLimitError, match=r"2 s long, over the limit of 1 s"):
        probe(media / "single_face.mp4", Limits(max_duration_s=1.0))
    with pytest.raises(MediaLimitError, match="40 frames, over the limit of 10"):
        probe(media / "single_face.mp4", Limits(max_frames=10))
    with pytest.raises(MediaLimitError, match="exceed the limit"):
        probe(media / "single_face.mp4", Limits(max_pixels=640 * 479))


def test_frame_limit_enforced_while_decoding(media):
    # The container says 40 frames; if it lied, decoding still stops at the limit.
    info = probe(media / "single_face.mp4")
    with pytest.raises(MediaLimitError, match="more than 10 frames"):
        list(read_frames(media / "single_face.mp4", limits=Limits(max_frames=10), info=info))


def test_audio_only_file(tmp_path):
    path = tmp_path / "voice.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.time_base, frame.pts = 16000, Fraction(1, 16000), 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(UnsupportedMediaError, match="no video stream"):
        probe(path)


def test_write_video_round_trip(tmp_path):
    frames = [np.full((101, 63, 3), 10 * i, dtype=np.uint8) for i in range(5)]
    path = tmp_path / "odd.mp4"
    assert write_video(path, frames, fps=10) == 5
    info = probe(path)
    assert (info.width, info.height, info.frame_count) == (62, 100, 5)
    means = [f.image.mean() for f in read_frames(path)]
    assert means == pytest.approx([0, 10, 20, 30, 40], abs=2)


@pytest.mark.parametrize(
    ("name", "codec", "container_format", "codec_name"),
    [
        ("clip.webm", "libvpx-vp9", "matroska", "vp9"),
        ("clip.mov", "libx264", "mov", "h264"),
        ("clip.avi", "mpeg4", "avi", "mpeg4"),
        ("clip.mkv", "libx264", "matroska", "h264"),
    ],
)
def test_containers(tmp_path, astronaut, name, codec, container_format, codec_name):
    path = tmp_path / name
    write_video(path, pan(astronaut, 12, size=(320, 240)), fps=12, codec=codec)
    info = probe(path)
    assert (info.kind, info.format, info.codec) == ("video", container_format, codec_name)
    assert (info.width, info.height) == (320, 240)
    frames = list(read_frames(path))
    assert len(frames) == 12
    assert np.abs(frames[0].image.astype(int) - pan(astronaut, 12, size=(320, 240))[0]).mean() < 12
