import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")
ort = pytest.importorskip("onnxruntime")

from unmask.faces.align import ALIGNMENT  # noqa: E402
from unmask.media import sha256_of  # noqa: E402
from unmask.models.temporal import FEATURES_VERSION, NUM_FEATURES, TemporalClassifier  # noqa: E402
from unmask.train.temporal_net import TemporalNet, export_onnx, train_step  # noqa: E402


def test_two_training_steps_give_a_finite_loss(windows):
    real, fake = windows
    torch.manual_seed(0)
    model = TemporalNet(hidden=16)
    model.standardise(np.concatenate([real, fake]))
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-2)
    features = torch.from_numpy(np.concatenate([real, fake]))
    labels = torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    losses = [train_step(model, optimiser, features, labels) for _ in range(2)]
    assert all(np.isfinite(losses))
    assert model(features[:, :2]).shape == (6,)  # any length, two frames included


@pytest.fixture(scope="module")
def exported(tmp_path_factory, windows):
    real, fake = windows
    torch.manual_seed(1)
    model = TemporalNet(hidden=16, keep=range(1, NUM_FEATURES, 2)).eval()  # every other column
    model.standardise(np.concatenate([real, fake]))
    path = tmp_path_factory.mktemp("onnx") / "unmask-temporal.onnx"
    export_onnx(model, path, frames=5)
    return model, path


@pytest.mark.parametrize("frames", [3, 16, 32])
def test_onnx_and_torch_agree_at_any_length(exported, frames):
    model, path = exported
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    features = np.random.default_rng(frames).normal(size=(2, frames, NUM_FEATURES)).astype(np.float32)
    features = features * model.scale.numpy() + model.mean.numpy()
    (onnx_logits,) = session.run(None, {"features": features})
    with torch.no_grad():
        torch_logits = model(torch.from_numpy(features)).numpy()
    assert onnx_logits.shape == (2,)
    np.testing.assert_allclose(onnx_logits, torch_logits, atol=1e-4)


def test_columns_the_model_does_not_keep_do_not_count(exported):
    model, _ = exported
    features = torch.randn(2, 6, NUM_FEATURES) * model.scale + model.mean
    changed = features.clone()
    changed[..., 0] += 100.0  # column 0 is not kept
    with torch.no_grad():
        assert torch.equal(model(features), model(changed))
    with pytest.raises(ValueError, match="keep"):
        TemporalNet(keep=[NUM_FEATURES])


def test_the_exported_model_runs_behind_the_classifier(exported, tmp_path, windows):
    model, path = exported
    card = {
        "name": "unmask-temporal",
        "version": "test",
        "file": str(path),
        "sha256": sha256_of(path),
        "features_version": FEATURES_VERSION,
        "window": 4,
        "contract": ALIGNMENT.to_dict(),
        "threshold": {"value": 0.5},
    }
    (tmp_path / "card.json").write_text(json.dumps(card))
    classifier = TemporalClassifier(tmp_path / "card.json")
    real, _ = windows
    with torch.no_grad():
        expected = torch.sigmoid(model(torch.from_numpy(real[:1, :4]))).item()
    assert classifier.predict(real[0, :4]) == pytest.approx(expected, abs=1e-5)
    assert 0 <= classifier.predict(np.concatenate([real[0], real[1]])) <= 1  # 10 frames: windows of 4
