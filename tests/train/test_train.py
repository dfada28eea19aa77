import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from unmask.forge.sources import Crop, load_crops, prepare_faces  # noqa: E402
from unmask.media import Sampling  # noqa: E402
from unmask.train.autoencoder import AE_SIZE, AutoEncoder, Reconstruct  # noqa: E402
from unmask.train.config import TrainConfig  # noqa: E402
from unmask.train.data import make_pairs  # noqa: E402
from unmask.train.loop import export_onnx, loss_of, train  # noqa: E402
from unmask.train.net import Detector  # noqa: E402


@pytest.fixture(scope="module")
def crops(astronaut_face):
    image, landmarks = astronaut_face
    return [Crop(image, landmarks, "astronaut"), Crop(np.ascontiguousarray(image[:, ::-1]), landmarks, "mirror")]


def test_pairs_hold_each_real_crop_and_its_forgery(crops):
    images, labels, targets = make_pairs(crops, np.random.default_rng(0), None)
    assert images.shape == (4, 3, 224, 224) and images.dtype == torch.float32
    assert labels.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert targets.shape == (4, 1, 28, 28)
    assert float(targets[0].max()) == 0 and float(targets[1].max()) > 0.2


def test_whole_rerenders_are_fakes_with_no_boundary_to_find(crops):
    images, labels, targets = make_pairs(crops, np.random.default_rng(0), None, weights={"rerender": 1.0})
    assert labels.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert float(targets.abs().max()) == 0
    assert not torch.equal(images[0], images[1])


def test_a_dim_pair_shares_its_scene_and_no_dimming_leaves_the_draws_as_they_were(crops):
    images, _, _ = make_pairs(crops, np.random.default_rng(0), None, augment=False, dim=1.0)
    bright, _, _ = make_pairs(crops, np.random.default_rng(0), None, augment=False)
    real, fake, original = images[0], images[1], bright[0]
    assert float(real.mean()) < 0.8 * float(original.mean())  # the real half is the dimmed crop
    # The forgery was made from it: away from the face (a corner of the crop) the two halves are the same pixels.
    assert torch.equal(real[:, :24, :24], fake[:, :24, :24]) and not torch.equal(real, fake)
    again, _, _ = make_pairs(crops, np.random.default_rng(0), None, dim=0.0)
    before, _, _ = make_pairs(crops, np.random.default_rng(0), None)
    assert torch.equal(again, before)


def test_two_training_steps_give_a_finite_falling_loss(crops):
    torch.manual_seed(0)
    model = Detector(pretrained=True)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    config = TrainConfig()
    batch = make_pairs(crops, np.random.default_rng(0), None)
    values = []
    for _ in range(2):
        losses = loss_of(model, batch, config, torch.device("cpu"))
        optimiser.zero_grad()
        losses["loss"].backward()
        optimiser.step()
        values.append(float(losses["loss"]))
    assert all(np.isfinite(values))
    model.eval()
    with torch.no_grad():
        after = float(loss_of(model, batch, config, torch.device("cpu"))["loss"])
    assert np.isfinite(after)


def test_onnx_and_pytorch_outputs_agree(tmp_path, crops):
    import onnxruntime as ort

    torch.manual_seed(0)
    model = Detector(pretrained=True).eval()
    images, _, _ = make_pairs(crops, np.random.default_rng(1), None)
    with torch.no_grad():
        logits, boundary = model(images)
    export_onnx(model, tmp_path / "d.onnx", 224)
    session = ort.InferenceSession(str(tmp_path / "d.onnx"), providers=["CPUExecutionProvider"])
    probability, heat = session.run(None, {"image": images.numpy()})
    assert probability.shape == (4,) and heat.shape == (4, 28, 28)
    np.testing.assert_allclose(probability, torch.sigmoid(logits).numpy(), atol=1e-4)
    np.testing.assert_allclose(heat, torch.sigmoid(boundary[:, 0]).numpy(), atol=1e-4)


def test_autoencoder_reconstructs_at_the_crop_size(crops):
    rebuilt = Reconstruct(AutoEncoder(), torch.device("cpu"))(crops[0].image)
    assert rebuilt.shape == crops[0].image.shape and rebuilt.dtype == np.uint8
    assert crops[0].image.shape[0] > AE_SIZE


def test_train_runs_resumes_and_exports(tmp_path, media):
    faces = prepare_faces(
        [str(media / "two_faces.mp4")], tmp_path, Sampling(count=6), log=lambda _: None, progress=False
    )
    assert len(load_crops(faces)) >= 6
    config = TrainConfig(
        steps=2, batch=4, autoencoder_steps=2, checkpoint_every=1, validate_every=1, threads=2, rerender=0.5
    )
    config.inputs = [str(faces[0])]
    first = train(config, tmp_path / "run", log=lambda _: None)
    assert first["images_seen"] == 8
    assert (tmp_path / "run" / "detector.onnx").is_file() and (tmp_path / "run" / "autoencoder.pt").is_file()
    messages = []
    config.steps = 3
    second = train(config, tmp_path / "run", log=messages.append)
    assert "resuming from step 2" in messages
    assert second["images_seen"] == 12
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)["step"] == 3
    recorded = json.loads((tmp_path / "run" / "train.json").read_text())["config"]
    assert recorded["steps"] == 3 and recorded["rerender"] == 0.5


def test_paired_pairs_share_one_history(crops, monkeypatch):
    """With a paired history the real crop and its forgery get the same laundering: a "forgery" that changes
    nothing comes out of every paired history equal to its real half, and out of independent ones not."""
    import unmask.train.data as data
    from unmask.forge.blend import Forgery

    def unchanged(image, landmarks, rng, reconstruct=None, weights=None):
        return Forgery(image=image.copy(), mask=np.zeros(image.shape[:2], np.float32), kind="self_blend")

    monkeypatch.setattr(data, "make_forgery", unchanged)
    rng = np.random.default_rng(3)
    for _ in range(8):
        images, labels, _ = data.make_pairs(crops[:1], rng, None, paired=True)
        assert labels.tolist() == [0.0, 1.0] and torch.equal(images[0], images[1])
    differ = 0
    for _ in range(8):
        images, _, _ = data.make_pairs(crops[:1], rng, None, paired=False)
        differ += not torch.equal(images[0], images[1])
    assert differ >= 4


def test_a_run_with_paired_histories_records_them(tmp_path, media):
    faces = prepare_faces(
        [str(media / "two_faces.mp4")], tmp_path, Sampling(count=4), log=lambda _: None, progress=False
    )
    config = TrainConfig(steps=1, batch=4, autoencoder_steps=1, validate_every=1, threads=2, history="paired")
    config.inputs = [str(faces[0])]
    summary = train(config, tmp_path / "run", log=lambda _: None)
    assert summary["config"]["history"] == "paired" and summary["images_seen"] == 4
    with pytest.raises(ValueError, match="history must be one of"):
        train(TrainConfig(history="shuffled", inputs=[str(faces[0])]), tmp_path / "bad", log=lambda _: None)
