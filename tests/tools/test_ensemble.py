"""Two detectors as one ONNX graph (tools/ensemble.py, loaded from its path: tools/ is not a package)."""

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="onnx is in the train extra")
import onnxruntime  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402


@pytest.fixture(scope="module")
def ensemble(load_tool):
    return load_tool("ensemble")


def detector(path: Path, gain: float) -> Path:
    """A stand-in detector: fake_probability = gain * mean pixel / 255, boundary = gain * first channel / 255."""
    scale = numpy_helper.from_array(np.array(gain / 255, np.float32), "scale")
    nodes = [
        helper.make_node("Mul", ["image", "scale"], ["scaled"]),
        helper.make_node("ReduceMean", ["scaled"], ["fake_probability"], axes=[1, 2, 3], keepdims=0),
        helper.make_node("Slice", ["scaled", "zero", "one", "one"], ["first"]),
        helper.make_node("Squeeze", ["first", "one"], ["boundary"]),
    ]
    constants = [numpy_helper.from_array(np.array([v], np.int64), n) for n, v in (("zero", 0), ("one", 1))]
    graph = helper.make_graph(
        nodes,
        "detector",
        [helper.make_tensor_value_info("image", onnx.TensorProto.FLOAT, ["batch", 3, 4, 4])],
        [
            helper.make_tensor_value_info("fake_probability", onnx.TensorProto.FLOAT, ["batch"]),
            helper.make_tensor_value_info("boundary", onnx.TensorProto.FLOAT, ["batch", 4, 4]),
        ],
        initializer=[scale, *constants],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))
    return path


def test_the_ensemble_averages_both_outputs(ensemble, tmp_path):
    first, second = detector(tmp_path / "a.onnx", 1.0), detector(tmp_path / "b.onnx", 0.5)
    merged = tmp_path / "mean.onnx"
    onnx.save(ensemble.average(first, second), str(merged))
    images = np.random.default_rng(0).uniform(0, 255, (2, 3, 4, 4)).astype(np.float32)
    outputs = {}
    for name, path in (("a", first), ("b", second), ("mean", merged)):
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        outputs[name] = session.run(["fake_probability", "boundary"], {"image": images})
    for index in range(2):
        expected = (outputs["a"][index] + outputs["b"][index]) / 2
        np.testing.assert_allclose(outputs["mean"][index], expected, rtol=1e-6)
    assert outputs["mean"][1].shape == (2, 4, 4)


def test_missing_members_are_one_line(ensemble, tmp_path, capsys):
    assert ensemble.main([str(tmp_path / "none.onnx"), str(tmp_path), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip().endswith("none.onnx: not found")
