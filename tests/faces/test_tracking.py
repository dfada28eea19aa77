import numpy as np
import pytest

from unmask.faces import Face, FaceAnalyzer, FaceTracker
from unmask.media import Sampling, read_frames


def face_at(x, y, size=100.0):
    box = np.array([x - size / 2, y - size / 2, x + size / 2, y + size / 2], dtype=np.float32)
    return Face(box, 0.9, np.zeros((6, 2), np.float32), np.zeros((468, 3), np.float32), 1.0)


def test_ids_follow_two_moving_faces():
    tracker = FaceTracker()
    ids = []
    for step in range(10):
        faces = [face_at(100 + 10 * step, 200), face_at(500 - 10 * step, 200)]
        ids.append([face.track_id for face in tracker.update(faces)])
    assert ids == [[0, 1]] * 10


def test_order_of_faces_does_not_matter():
    tracker = FaceTracker()
    tracker.update([face_at(100, 100), face_at(400, 100)])
    swapped = tracker.update([face_at(405, 100), face_at(105, 100)])
    assert [face.track_id for face in swapped] == [1, 0]


def test_new_face_gets_a_new_id_and_ids_are_not_reused():
    tracker = FaceTracker(max_missed=2)
    assert [f.track_id for f in tracker.update([face_at(100, 100)])] == [0]
    assert [f.track_id for f in tracker.update([face_at(100, 100), face_at(400, 100)])] == [0, 1]
    for _ in range(3):
        tracker.update([])
    assert [f.track_id for f in tracker.update([face_at(100, 100)])] == [2]


def test_track_survives_a_short_gap():
    tracker = FaceTracker(max_missed=3)
    tracker.update([face_at(100, 100)])
    tracker.update([])
    tracker.update([])
    assert tracker.update([face_at(110, 100)])[0].track_id == 0


def test_jump_or_size_change_is_a_different_face():
    tracker = FaceTracker()
    tracker.update([face_at(100, 100)])
    assert tracker.update([face_at(300, 100)])[0].track_id == 1  # moved two face widths
    assert tracker.update([face_at(300, 100, size=250)])[0].track_id == 2  # grew 2.5 times


@pytest.mark.parametrize("every_nth", [1, 5])
def test_two_face_clip_keeps_two_stable_ids(media, every_nth):
    analyzer, tracker = FaceAnalyzer(), FaceTracker()
    sides: dict[int, set[str]] = {}
    frames = 0
    for frame in read_frames(media / "two_faces.mp4", Sampling(every_nth=every_nth)):
        faces = tracker.update(analyzer(frame.image))
        assert len(faces) == 2
        frames += 1
        for face in faces:
            sides.setdefault(face.track_id, set()).add("left" if face.center[0] < 320 else "right")
    assert frames == 30 // every_nth
    assert sorted(sides) == [0, 1]
    assert sorted(next(iter(side)) for side in sides.values()) == ["left", "right"]
    assert all(len(side) == 1 for side in sides.values())


def test_link_tracks_pairs_tracks_of_two_lanes_where_they_are_seen_closest_in_time():
    from unmask.faces.tracking import link_tracks

    left, right = np.array([50, 50, 150, 150.0]), np.array([400, 50, 500, 150.0])
    scored = {0: [(0.0, left), (1.0, left + 10)], 1: [(0.0, right), (1.0, right)]}
    window = {7: [(0.9, right + 5), (0.96, right)], 8: [(0.92, left + 8)], 9: [(0.9, np.array([0, 300, 30, 330.0]))]}
    assert link_tracks(scored, window) == {7: 1, 8: 0}
    assert link_tracks({}, window) == {} and link_tracks(scored, {}) == {}
    # A face of twice the size at the same place is another face.
    assert link_tracks(scored, {5: [(1.0, np.array([0, 0, 200, 200.0]))]}) == {}
