import pytest

from facemoves import posed
from unmask.liveness import MEASURES, FaceSeries, face_series, head_pose, measure


def test_a_face_at_rest_faces_the_camera_with_open_eyes_and_a_closed_mouth(rest_mesh):
    values = measure(rest_mesh)
    assert set(values) == set(MEASURES)
    assert abs(values["yaw"]) < 5 and abs(values["pitch"]) < 15
    assert 0.18 < values["eyes"] < 0.35 and values["mouth"] < 0.2


@pytest.mark.parametrize("degrees", [-40, -20, 20, 40])
def test_yaw_follows_a_known_turn_and_its_sign_is_the_image_right(rest_mesh, degrees):
    yaw, pitch = head_pose(posed(rest_mesh, yaw=degrees))
    rest_yaw, rest_pitch = head_pose(rest_mesh)
    assert yaw - rest_yaw == pytest.approx(degrees, abs=4)
    assert pitch == pytest.approx(rest_pitch, abs=2)


def test_pitch_rises_when_the_face_looks_up(rest_mesh):
    assert head_pose(posed(rest_mesh, pitch=20))[1] - head_pose(rest_mesh)[1] == pytest.approx(20, abs=2)


def test_blink_mouth_and_smile_move_their_own_measure(rest_mesh):
    rest = measure(rest_mesh)
    assert measure(posed(rest_mesh, blink=0.8))["eyes"] < 0.3 * rest["eyes"]
    assert measure(posed(rest_mesh, mouth=0.4))["mouth"] > 0.45
    assert measure(posed(rest_mesh, smile=0.2))["smile"] > rest["smile"] + 0.15
    assert measure(posed(rest_mesh, yaw=30))["eyes"] == pytest.approx(rest["eyes"], rel=0.05)  # 3D: no foreshortening


def test_a_series_keeps_its_frames_in_order_and_cuts_windows(clip):
    meshes, times = clip({1.0: {"yaw": 30}})
    series = FaceSeries.from_meshes(meshes, times)
    assert len(series) == 50 and series.frames == 50 and series.boxes.shape == (50, 4)
    window = series.between(1.0, 1.4)
    assert len(window) == 5 and (window.values["yaw"] > 20).all()


def test_bad_meshes_are_refused(rest_mesh):
    with pytest.raises(ValueError, match="468, 3"):
        measure(rest_mesh[:, :2])
    with pytest.raises(ValueError, match="meshes but"):
        FaceSeries.from_meshes([rest_mesh], [0.0, 0.1])


@pytest.mark.shared
def test_a_real_clip_of_a_head_turning_both_ways(shared_data):
    from unmask.faces import FaceAnalyzer
    from unmask.media import Sampling, read_frames

    clip = shared_data / "train_real" / "intel" / "headpose" / "head-pose-face-detection-female.gif"
    series = face_series(read_frames(clip, Sampling()), FaceAnalyzer())
    assert len(series) == series.frames == 23  # the face in every frame of the 1.84-s GIF
    yaw = series.values["yaw"]
    assert yaw[:5].max() < -30  # she starts turned to her right (the image's left)
    assert yaw[10:15].max() > 25  # and turns to her left by 1.0-1.2 s
