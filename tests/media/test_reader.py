import pytest

from unmask.media import Burst, FrameSelector, MediaInfo, Sampling, expected_frames, read_frames


def test_sampling_validation():
    with pytest.raises(ValueError, match="every_nth"):
        Sampling(every_nth=0)
    with pytest.raises(ValueError, match="count"):
        Sampling(count=0)
    with pytest.raises(ValueError, match="max_fps"):
        Sampling(max_fps=0)
    with pytest.raises(ValueError, match="cannot be combined"):
        Sampling(count=5, every_nth=2)
    with pytest.raises(ValueError, match="cannot be combined"):
        Sampling(count=5, max_fps=2)


def test_sampling_describe():
    assert Sampling().describe() == "every frame"
    assert Sampling(every_nth=5, max_fps=2).describe() == "every 5th frame, at most 2 fps"
    assert [Sampling(every_nth=n).describe() for n in (2, 3, 11, 21)] == [
        "every 2nd frame",
        "every 3rd frame",
        "every 11th frame",
        "every 21st frame",
    ]
    assert Sampling(count=32).describe() == "32 evenly spaced frames"


def keep(selector, frames, fps=30.0):
    return [i for i in range(frames) if selector(i, i / fps)]


def test_selector_every_frame_and_nth():
    assert keep(FrameSelector(Sampling()), 5) == [0, 1, 2, 3, 4]
    assert keep(FrameSelector(Sampling(every_nth=4)), 10) == [0, 4, 8]


def test_selector_count_spans_first_to_last():
    selector = FrameSelector(Sampling(count=4), frame_count=100)
    assert keep(selector, 100) == [0, 33, 66, 99]
    assert selector.last_index == 99


def test_selector_count_needs_frame_count():
    with pytest.raises(ValueError, match="number of frames"):
        FrameSelector(Sampling(count=4))


def test_selector_fps_cap_is_exact_on_a_constant_rate():
    assert keep(FrameSelector(Sampling(max_fps=10)), 12, fps=30) == [0, 3, 6, 9]
    # 25 fps to 10 fps: ten frames a second, none twice in one tenth of a second.
    assert keep(FrameSelector(Sampling(max_fps=10)), 25, fps=25) == [0, 3, 5, 8, 10, 13, 15, 18, 20, 23]


def test_burst_is_centred_at_its_step_whatever_the_frame_rate():
    burst = Burst(frames=4, step_s=0.075)
    assert burst.step(25) == 2 and burst.step(30) == 2 and burst.step(60) == 4 and burst.step(7.1) == 1
    assert burst.step(None) == 2  # 25 fps assumed
    assert sorted(burst.indices(100, 25)) == [46, 48, 50, 52]
    assert sorted(burst.indices(5, 25)) == [0, 2, 4]  # shorter than the burst: what it has, from the start
    assert burst.describe(25) == "a burst of 4 frames, every 2nd (0.08 s apart)"
    with pytest.raises(ValueError, match="at least 1 frame"):
        Burst(frames=0, step_s=0.1)
    with pytest.raises(ValueError, match="positive"):
        Burst(frames=4, step_s=0)


def test_selector_marks_burst_frames_and_reads_to_the_last_wanted():
    selector = FrameSelector(Sampling(count=3), frame_count=100, burst=Burst(4, 0.075), fps=25)
    assert keep(selector, 100) == [0, 50, 99]
    assert selector.burst == {46, 48, 50, 52}
    assert selector.last_index == 99
    early = FrameSelector(Sampling(count=1), frame_count=100, burst=Burst(4, 0.075), fps=25)
    assert early.last_index == 52  # the burst is the last thing wanted
    with pytest.raises(ValueError, match="number of frames"):
        FrameSelector(Sampling(), burst=Burst(4, 0.075))


def test_expected_frames_counts_burst_frames_once():
    info = MediaInfo(
        path="v.mp4",
        kind="video",
        format="mp4",
        codec="h264",
        width=8,
        height=8,
        frame_count=100,
        fps=25.0,
        duration_s=4.0,
    )
    assert expected_frames(info, Sampling(count=3)) == 3
    assert expected_frames(info, Sampling(count=3), Burst(4, 0.075)) == 6  # frame 50 is in both
    assert expected_frames(info, Sampling(every_nth=10), Burst(4, 0.075)) == 14  # an upper bound here


def test_read_frames_flags_sampled_and_burst_frames(media):
    frames = list(read_frames(media / "single_face.mp4", Sampling(count=4), burst=Burst(3, 0.075)))
    indices = {frame.index: (frame.sampled, frame.burst) for frame in frames}
    # 40 frames at 25 fps: sampled 0, 13, 26, 39; the burst is 17, 19, 21 (every 2nd frame, centred).
    assert indices == {
        0: (True, False),
        13: (True, False),
        17: (False, True),
        19: (False, True),
        21: (False, True),
        26: (True, False),
        39: (True, False),
    }
    (still,) = read_frames(media / "astronaut.jpg", Sampling(count=4), burst=Burst(3, 0.075))
    assert still.sampled and not still.burst
