import json

from unmask.cli import main


def scores(folder):
    return {
        record["key"]: (record["verdict"], record["unmask"]["video"], record["protocol"]["laundering"])
        for record in map(json.loads, (folder / "scores.jsonl").read_text().splitlines())
    }


def test_eval_over_a_cluster_scores_as_eval_here_does(capsys, archive, cluster, tmp_path):
    labels = tmp_path / "labels.csv"
    rows = [f"{archive / 'face_0.jpg'},real", f"{archive / 'face_1.jpg'},fake", f"{archive / 'cup_0.jpg'},real"]
    rows += [f"{archive / 'clip.mp4'},fake"]
    labels.write_text("path,label\n" + "\n".join(rows) + "\n")
    options = ["-q", "--bootstrap", "0", "--frames", "4", "--robustness", "jpeg-50,h264-crf40"]
    assert main(["eval", str(labels), "-o", str(tmp_path / "here"), *options]) == 0
    code = main(["eval", str(labels), "-o", str(tmp_path / "there"), *options, "--cluster", cluster])
    assert code == 0, capsys.readouterr().err
    here, there = scores(tmp_path / "here"), scores(tmp_path / "there")
    assert len(there) == 4 and there == here
    for rung in ("jpeg-50", "h264-crf40"):
        assert scores(tmp_path / "there" / "robustness" / rung) == scores(tmp_path / "here" / "robustness" / rung)
