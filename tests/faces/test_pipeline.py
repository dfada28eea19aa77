import numpy as np
import pytest

from mediagen import two_faces
from unmask.faces import ALIGNMENT, CropContract, FaceAnalyzer, align_face
from unmask.faces.pipeline import MAX_FACES, FrameFaces, track_faces
from unmask.media import Frame, Sampling, read_frames


@pytest.fixture(scope="module")
def analyzer():
    return FaceAnalyzer()


def test_a_still_gives_its_face_aligned_as_align_face_does(analyzer, astronaut):
    (found,) = track_faces([Frame(astronaut)], analyzer, track=False)
    assert isinstance(found, FrameFaces) and found.frame.index == 0 and found.seconds > 0
    (face,) = found.faces
    assert found.found == found.faces and found.dropped == 0 and face.track_id is None
    ((same, crop),) = found.aligned
    assert same is face and crop.image.shape == (ALIGNMENT.size, ALIGNMENT.size, 3)
    assert np.array_equal(crop.image, align_face(astronaut, face.landmarks, ALIGNMENT).image)


def test_the_contract_sets_the_crops(analyzer, astronaut):
    (found,) = track_faces([Frame(astronaut)], analyzer, track=False, contract=CropContract(size=96))
    assert found.crops[0].image.shape == (96, 96, 3)


def test_two_faces_keep_their_tracks_and_the_cap_keeps_the_largest(analyzer, astronaut):
    frames = [Frame(image, index) for index, image in enumerate(two_faces(astronaut, 6))]
    loop = list(track_faces(frames, analyzer, track=True))
    assert [len(found.faces) for found in loop] == [2] * 6
    # The two heads drift towards each other without crossing: each keeps its track id, left and right.
    left_to_right = [[face.track_id for face in sorted(found.faces, key=lambda f: f.center[0])] for found in loop]
    assert left_to_right == [left_to_right[0]] * 6 and sorted(left_to_right[0]) == [0, 1]
    capped = list(track_faces(frames, analyzer, track=True, max_faces=1))
    for found in capped:
        assert len(found.found) == 2 and len(found.faces) == len(found.crops) == 1 and found.dropped == 1
        assert found.faces[0].size == max(face.size for face in found.found)
    # Tracking runs before the cap: the dropped face keeps its own track.
    assert {face.track_id for found in capped for face in found.found} == {0, 1}
    with pytest.raises(ValueError, match="max_faces must be at least 1"):
        next(track_faces(frames, analyzer, track=True, max_faces=0))


def test_faces_under_min_align_are_kept_without_a_crop(analyzer, astronaut):
    (found,) = track_faces([Frame(astronaut)], analyzer, track=False, min_align=10_000)
    assert len(found.faces) == 1 and found.crops == [None] and found.aligned == []


def test_video_frames_read_from_a_file_and_no_face(analyzer, media):
    frames = read_frames(media / "single_face.mp4", Sampling(count=3))
    loop = list(track_faces(frames, analyzer, track=True, max_faces=MAX_FACES))
    assert [found.frame.index for found in loop] == [0, 20, 39]
    assert [[face.track_id for face in found.faces] for found in loop] == [[0], [0], [0]]
    (empty,) = track_faces([Frame(np.full((240, 320, 3), 90, np.uint8))], analyzer, track=True)
    assert empty.found == empty.faces == empty.crops == []


class Recorder:
    """An analyzer that finds the astronaut by detector, and records which frames were followed instead."""

    def __init__(self, analyzer: FaceAnalyzer) -> None:
        self.analyzer, self.calls = analyzer, []

    def __call__(self, image):
        self.calls.append("detect")
        return self.analyzer(image)

    def follow(self, image, faces):
        self.calls.append(f"follow {len(faces)}")
        return self.analyzer.follow(image, faces)


def test_burst_frames_follow_the_last_burst_frames_faces(analyzer, astronaut):
    recorder = Recorder(analyzer)
    frames = [
        Frame(astronaut, 0, 0.0, sampled=True, burst=False),
        Frame(astronaut, 1, 0.1, sampled=False, burst=True),  # nothing to follow yet: the detector
        Frame(astronaut, 2, 0.2, sampled=False, burst=True),  # followed from frame 1
        Frame(astronaut, 3, 0.3, sampled=True, burst=True),  # sampled: the detector
        Frame(astronaut, 4, 0.4, sampled=False, burst=True),  # followed from frame 3
    ]
    loop = list(track_faces(frames, recorder, track=True))
    assert recorder.calls == ["detect", "detect", "follow 1", "detect", "follow 1"]
    assert [[face.track_id for face in found.faces] for found in loop] == [[0]] * 5


def test_window_frames_are_tracked_apart_and_change_nothing_the_burst_reads(analyzer, astronaut):
    burst = [
        Frame(astronaut, 0, 0.0, sampled=True),
        Frame(astronaut, 1, 0.04, sampled=False, burst=True),  # nothing to follow yet: the detector
        Frame(astronaut, 3, 0.12, sampled=False, burst=True),
        Frame(astronaut, 5, 0.20, sampled=True, burst=True),
        Frame(astronaut, 7, 0.28, sampled=False, burst=True),
    ]
    alone = Recorder(analyzer)
    plain = list(track_faces(burst, alone, track=True))
    # The same frames with a window over frames 2 to 7: window frames only, and burst frames that are in it too.
    window = {2, 3, 4, 5, 6, 7}
    merged = sorted(
        [Frame(f.image, f.index, f.time, f.sampled, f.burst, f.index in window) for f in burst]
        + [Frame(astronaut, i, i * 0.04, sampled=False, window=True) for i in (2, 4, 6)],
        key=lambda frame: frame.index,
    )
    both = Recorder(analyzer)
    loop = list(track_faces(merged, both, track=True))
    main = [found for found in loop if found.frame.sampled or found.frame.burst]
    for one, other in zip(plain, main, strict=True):
        assert [face.track_id for face in one.faces] == [face.track_id for face in other.faces]
        assert all(np.array_equal(a.landmarks, b.landmarks) for a, b in zip(one.faces, other.faces, strict=True))
    # Frame 3 is followed from burst frame 1 in one lane and from window frame 2 in the other; frame 5 is sampled
    # (one search for both lanes); frame 7 follows frame 5 in one lane and frame 6 in the other.
    assert alone.calls == ["detect", "detect", "follow 1", "detect", "follow 1"]
    assert both.calls == ["detect", "detect", "detect"] + ["follow 1"] * 3 + ["detect"] + ["follow 1"] * 3
    # Where both lanes follow from the same frame's faces, they are followed once.
    shared = [Frame(astronaut, 0, 0.0, True, True, True), Frame(astronaut, 1, 0.04, False, True, True)]
    once = Recorder(analyzer)
    list(track_faces(shared, once, track=True))
    assert once.calls == ["detect", "follow 1"]
    assert [found.frame.index for found in loop if found.window_faces] == [2, 3, 4, 5, 6, 7]
    assert all(not found.faces and not found.crops for found in loop if not (found.frame.sampled or found.frame.burst))
    assert {face.track_id for found in loop for face in found.window_faces} == {0}
