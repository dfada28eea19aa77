import numpy as np
import pytest

from unmask.errors import CorruptMediaError
from unmask.media import (
    SAMPLE_RATE,
    Sampling,
    Window,
    audio_note,
    audio_problem,
    iter_audio,
    probe_audio,
    read_audio,
    read_frames,
    write_video,
)


def tone(seconds: float, start: float = 1.0, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Silence, then a 440-Hz tone from ``start`` seconds on."""
    t = np.arange(round(seconds * rate)) / rate
    return np.where(t >= start, 0.5 * np.sin(2 * np.pi * 440 * t), 0.0).astype(np.float32)


def grey(frames: int) -> list[np.ndarray]:
    return [np.full((48, 64, 3), 10 + i % 200, np.uint8) for i in range(frames)]


@pytest.mark.parametrize(
    ("name", "video", "sound", "codec"),
    [("clip.mp4", "libx264", "aac", "aac"), ("clip.webm", "libvpx-vp9", "libopus", "opus")],
)
def test_sound_decodes_to_16k_mono_on_the_video_clock(tmp_path, name, video, sound, codec):
    path = tmp_path / name
    write_video(path, grey(50), fps=25, codec=video, audio=tone(2.0), audio_codec=sound)
    info = probe_audio(path)
    assert info.present and info.codec == codec and info.channels == 1 and abs(info.start_s) < 0.01
    blocks = list(iter_audio(path, info=info))
    assert all(samples.dtype == np.float32 and samples.ndim == 1 for _, samples in blocks)
    assert all(len(samples) <= SAMPLE_RATE for _, samples in blocks)  # streamed in blocks of at most 1 s
    starts = [start for start, _ in blocks]
    assert starts == pytest.approx([i * 1.0 for i in range(len(blocks))], abs=1e-3)  # one after the other
    first, samples = read_audio(path, 0.0, 2.0, info)
    assert first == 0.0 and abs(len(samples) - 2 * SAMPLE_RATE) <= 1
    onset = first + np.argmax(np.abs(samples) > 0.05) / SAMPLE_RATE
    assert onset == pytest.approx(1.0, abs=0.005)  # the tone starts at 1 s, as written
    assert 0.45 < np.abs(samples).max() < 0.55
    assert audio_problem(info, len(samples) / SAMPLE_RATE, float(np.abs(samples).max())) is None


def test_a_span_is_read_from_its_start(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, grey(50), fps=25, audio=tone(2.0, start=1.0))
    first, samples = read_audio(path, 1.25, 1.75)
    assert first == pytest.approx(1.25, abs=1e-4) and len(samples) == SAMPLE_RATE // 2
    assert np.abs(samples).min() < 0.05 < np.abs(samples).max()  # the tone, whole, from its first sample
    with pytest.raises(ValueError, match="at most"):
        read_audio(path, 0.0, 10_000.0)


def test_a_video_without_sound_is_reported_not_raised(tmp_path):
    path = tmp_path / "silent_film.mp4"
    write_video(path, grey(25), fps=25)
    info = probe_audio(path)
    assert not info.present and info.video_s == pytest.approx(1.0, abs=0.05)
    assert list(iter_audio(path, info=info)) == []
    assert read_audio(path, 0.0, 1.0, info)[1].size == 0
    assert audio_problem(info, 0.0, 0.0) == "the file has no sound track"


def test_silence_and_short_sound_are_reported(tmp_path):
    silent = tmp_path / "silent.mp4"
    write_video(silent, grey(25), fps=25, audio=np.zeros(SAMPLE_RATE, np.float32))
    info = probe_audio(silent)
    _, samples = read_audio(silent, 0.0, 1.0, info)
    assert "silent" in audio_problem(info, 1.0, float(np.abs(samples).max()))

    short = tmp_path / "short.mp4"  # half a second of sound on a 10-second video
    write_video(short, grey(250), fps=25, audio=tone(0.5, start=0.0))
    info = probe_audio(short)
    first, samples = read_audio(short, 0.0, 10.0, info)
    ends = first + len(samples) / SAMPLE_RATE
    assert 0.45 < ends < 0.7 and info.video_s == pytest.approx(10.0, abs=0.05)
    assert audio_problem(info, len(samples) / SAMPLE_RATE, float(np.abs(samples).max())) is None
    assert audio_note(info, ends) == f"the sound stops at {ends:.1f} s of a 10.0-s video"
    assert audio_note(info, 9.9) is None


def test_damaged_files_raise_one_line_errors(tmp_path):
    path = tmp_path / "junk.mp4"
    path.write_bytes(b"\x00" * 100)
    with pytest.raises(CorruptMediaError, match=r"junk\.mp4"):
        probe_audio(path)


def test_a_window_reads_every_frame_of_its_span_beside_the_sampling(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, grey(50), fps=25)
    frames = list(read_frames(path, Sampling(count=3), window=Window(0.4, 0.8)))
    window = [frame.index for frame in frames if frame.window]
    assert window == list(range(10, 20))
    assert [frame.index for frame in frames if frame.sampled] == [0, 24, 49]
    assert all(frame.in_run for frame in frames if frame.window)
    early = list(read_frames(path, Sampling(count=2), window=Window(1.6, 1.72)))  # past the last sampled frame
    assert [frame.index for frame in early if frame.window] == [40, 41, 42]
    with pytest.raises(ValueError, match="start before its end"):
        Window(1.0, 1.0)


def test_a_window_with_a_step_reads_every_nth_frame_of_its_span(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, grey(50), fps=25)
    window = Window(0.4, 1.2, step_s=0.08)  # every 2nd frame at 25 fps
    frames = list(read_frames(path, Sampling(count=3), window=window))
    assert [frame.index for frame in frames if frame.window] == list(range(10, 30, 2))
    assert window.step(25.0) == 2 and window.step(50.0) == 4 and window.step(10.0) == 1
    assert window.frames(25.0) == 10 and Window(0.4, 1.2).frames(25.0) == 20
    assert window.describe(25.0) == "every 2nd frame (0.08 s apart) from 0.40 s to 1.20 s"
    assert Window(0.4, 1.2).describe(25.0) == "every frame from 0.40 s to 1.20 s"
    with pytest.raises(ValueError, match="step of a window must be positive"):
        Window(0.0, 1.0, step_s=0)
