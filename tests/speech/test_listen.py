import numpy as np
import pytest

from unmask.media import SAMPLE_RATE, AudioInfo, read_audio
from unmask.speech import speech_segments
from unmask.speech.listen import MIN_SPEECH_S, WINDOW_S, pick_window

SOUND = AudioInfo("made.wav", "pcm_s16le", 1, SAMPLE_RATE, 0.0, 3.0, 3.0)


@pytest.mark.shared
def test_vad_finds_the_sentence_in_a_grid_clip_and_the_listener_its_phones(listener, shared_data):
    path = shared_data / "train_real" / "grid" / "sbwe5n.mpg"  # "set blue with e five now", a held-out speaker
    first, samples = read_audio(path, 0.0, 3.0)
    segments = speech_segments(listener.vad.probabilities(samples), first)
    assert len(segments) >= 1
    start, end = segments[0][0], segments[-1][1]
    assert 0.3 < start < 1.2 and 1.6 < end < 2.9 and 1.0 < end - start < 2.5  # GRID: silence, 1.5 s of speech, silence
    hearing = listener(path, 3.0)
    assert hearing.problem is None and hearing.window is not None
    assert hearing.window.start_s <= start and hearing.window.end_s >= min(end, hearing.window.end_s)
    assert hearing.speech_s >= MIN_SPEECH_S and len(hearing.phones) >= 8
    assert all(hearing.window.start_s <= phone.start < hearing.window.end_s + 0.05 for phone in hearing.phones)
    assert hearing.envelope_times[0] < hearing.window.start_s and hearing.envelope_times[-1] > hearing.window.end_s


def test_vad_finds_no_speech_in_silence_or_a_hum(listener):
    t = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
    for sound in (np.zeros_like(t), 0.2 * np.sin(2 * np.pi * 50 * t), np.random.default_rng(0).normal(0, 0.01, t.size)):
        samples = sound.astype(np.float32)
        assert speech_segments(listener.vad.probabilities(samples)) == []
    hum = listener.hear((0.2 * np.sin(2 * np.pi * 50 * t)).astype(np.float32), 0.0, SOUND, 3.0)
    assert hum.problem.startswith("no speech was found") and hum.window is None
    quiet = listener.hear(np.zeros(t.size, np.float32), 0.0, SOUND, 3.0)
    assert "silent" in quiet.problem
    assert listener.vad.probabilities(np.zeros(100, np.float32)).size == 0


def test_the_window_holds_the_most_speech():
    assert pick_window([]) is None
    segments = [(0.0, 0.5), (4.0, 5.0), (5.5, 6.5), (6.8, 9.0)]
    start, end, speech = pick_window(segments, length=3.0)
    assert (start, end) == (5.5, 8.5) and speech == pytest.approx(1.0 + 1.7)  # 4.0-7.0 holds only 2.2 s
    assert pick_window(segments, length=WINDOW_S)[2] <= WINDOW_S + 1e-9
    assert pick_window([(1.0, 1.5)]) == (1.0, 1.5, 0.5)


def test_segments_need_a_quarter_second_of_speech():
    probabilities = np.zeros(100)
    probabilities[10:40] = 0.9  # about 1 s
    probabilities[60:64] = 0.9  # 128 ms: dropped
    ((start, end),) = speech_segments(probabilities, start_s=1.0)
    assert start == pytest.approx(1.0 + 10 * 0.032) and end == pytest.approx(1.0 + 40 * 0.032)


def test_a_listener_picks_windows_of_its_own_length_and_refuses_none():
    from unmask.speech import Listener

    with pytest.raises(ValueError, match="window_s must be positive"):
        Listener(window_s=0)
