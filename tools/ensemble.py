"""Two detectors as one: an ONNX graph that averages the fake probabilities and boundary maps of two detectors
trained under the same crop contract, written as a run folder that tools/ship_model.py ships as a candidate.

    python tools/ensemble.py unmask/models/weights/unmask-blend.onnx runs/v2-base48 -o runs/v2-ens

RUN (the second argument) is a training run folder: its ``train.json`` is copied (the ensemble is calibrated,
held out and described with that run's data, so its card's training section is that run's) and its held-out
crops are scored against their forgeries (that run's autoencoder, fixed seed, as training validates) by each
member and by the mean, so that the held-out AUC of the ensemble sits in ``train.json``'s history as ship_model
expects. A held-out file of RUN may have been a training file of the other member: read that AUC as a floor
check, not as a held-out figure of the pair.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
from onnx import compose, helper, numpy_helper

INPUT = "image"
OUTPUTS = ("fake_probability", "boundary")


def _member(path: Path, prefix: str) -> onnx.ModelProto:
    """A member graph with every name prefixed, its input renamed back to the shared ``image``."""
    model = compose.add_prefix(onnx.load(str(path)), prefix)
    for node in model.graph.node:
        node.input[:] = [INPUT if name == prefix + INPUT else name for name in node.input]
    return model


def average(first: Path, second: Path) -> onnx.ModelProto:
    """One graph: both members read ``image``; each output is the mean of the members' outputs."""
    a, b = _member(first, "a_"), _member(second, "b_")
    opsets = {o.domain: o.version for o in list(a.opset_import) + list(b.opset_import)}
    if {o.domain: o.version for o in a.opset_import} != {o.domain: o.version for o in b.opset_import}:
        raise SystemExit(f"the members use different opsets: {a.opset_import} / {b.opset_import}")
    half = numpy_helper.from_array(np.array(0.5, np.float32), "ensemble_half")
    nodes = list(a.graph.node) + list(b.graph.node)
    for name in OUTPUTS:
        nodes.append(helper.make_node("Add", [f"a_{name}", f"b_{name}"], [f"sum_{name}"]))
        nodes.append(helper.make_node("Mul", [f"sum_{name}", "ensemble_half"], [name]))
    graph_input = onnx.ValueInfoProto()
    graph_input.CopyFrom(a.graph.input[0])
    graph_input.name = INPUT
    graph_outputs = []
    for output in a.graph.output:
        renamed = onnx.ValueInfoProto()
        renamed.CopyFrom(output)
        renamed.name = output.name.removeprefix("a_")
        graph_outputs.append(renamed)
    graph = helper.make_graph(
        nodes,
        "mean_of_two_detectors",
        [graph_input],
        graph_outputs,
        initializer=list(a.graph.initializer) + list(b.graph.initializer) + [half],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets.items()])
    model.ir_version = a.ir_version
    onnx.checker.check_model(model)
    return model


def held_out_auc(run: Path, sessions: dict[str, onnxruntime.InferenceSession]) -> dict[str, float]:
    """AUC of RUN's held-out crops against forgeries of them, the very pairs its training validated on (RUN's
    autoencoder, its seed: :func:`unmask.train.loop.validation_pairs`), for each session."""
    from unmask.evaluate.metrics import roc_auc
    from unmask.forge.sources import load_crops, split_by_source
    from unmask.train.autoencoder import load_reconstructor
    from unmask.train.config import TrainConfig
    from unmask.train.loop import validation_pairs

    train_json = json.loads((run / "train.json").read_text(encoding="utf-8"))
    config = TrainConfig(**train_json["config"])
    _, held = split_by_source(load_crops([Path(folder) for folder in train_json["data"]]))
    reconstruct = load_reconstructor(run / "autoencoder.pt")
    scores: dict[str, list[np.ndarray]] = {name: [] for name in sessions}
    labels = []
    for images, batch_labels in validation_pairs(held, config, reconstruct):
        batch = np.ascontiguousarray(images.numpy().astype(np.float32))
        for name, session in sessions.items():
            scores[name].append(session.run(["fake_probability"], {INPUT: batch})[0])
        labels.append(batch_labels.numpy())
    truth = np.concatenate(labels)
    return {name: roc_auc(truth, np.concatenate(parts)) for name, parts in scores.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", type=Path, help="the first member's ONNX weights")
    parser.add_argument("run", type=Path, help="the second member's training run folder (detector.onnx, train.json)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the ensemble's run folder")
    args = parser.parse_args(argv)
    second = args.run / "detector.onnx"
    for path in (args.first, second, args.run / "train.json", args.run / "autoencoder.pt"):
        if not path.is_file():
            print(f"{path}: not found", file=sys.stderr)
            return 2
    args.output.mkdir(parents=True, exist_ok=True)
    model = average(args.first, second)
    onnx.save(model, str(args.output / "detector.onnx"))
    options = onnxruntime.SessionOptions()
    sessions = {
        name: onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        for name, path in (("first", args.first), ("second", second), ("mean", args.output / "detector.onnx"))
    }
    aucs = held_out_auc(args.run, sessions)
    train_json = json.loads((args.run / "train.json").read_text(encoding="utf-8"))
    pairs = train_json["history"][-1]["pairs"]
    train_json["history"] = [{"step": train_json["history"][-1]["step"], "auc": aucs["mean"], "pairs": pairs}]
    train_json["ensemble"] = {
        "members": [str(args.first), str(second)],
        "combination": "mean of fake_probability and of boundary",
        "held_out_auc": aucs,
        "command": "python tools/ensemble.py " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    (args.output / "train.json").write_text(json.dumps(train_json, indent=2) + "\n", encoding="utf-8")
    shutil.copyfile(args.run / "autoencoder.pt", args.output / "autoencoder.pt")
    print(json.dumps({"held_out_auc": aucs, "pairs": pairs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
