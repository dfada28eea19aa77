import pytest

from unmask.media import FrameSelector, Sampling


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
