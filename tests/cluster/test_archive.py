import json
import os
import signal
import subprocess
import sys

import jsonschema
import pyarrow.parquet as pq
import pytest

from unmask.cli import main
from unmask.cluster import Cluster, ClusterError, open_output, read_parquet, scan_archive
from unmask.cluster.engine import connect
from unmask.cluster.results import columns
from unmask.media.files import collect_inputs
from unmask.verdict import Scanner, scan_schema


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def inputs_of(folder):
    return sorted(str(entry.path) for entry in collect_inputs([folder])[0])


def test_scan_over_a_cluster_stores_every_file_once_and_a_rerun_skips_all(capsys, archive, cluster, tmp_path):
    out = tmp_path / "results.parquet"
    code, stdout, err = run(capsys, "scan", "-q", "--format", "jsonl", archive, "--cluster", cluster, "--output", out)
    assert code == 1, err  # notes.jpg is not media: an error verdict, the others scored
    files = inputs_of(archive)
    assert len(files) == 12
    assert sorted(json.loads(line)["path"] for line in stdout.splitlines()) == files

    table = pq.read_table(out)
    assert table.column_names == columns() == list(scan_schema()["properties"])
    records = read_parquet(out)
    assert sorted(record["path"] for record in records) == files
    for record in records:
        jsonschema.validate(record, scan_schema())
    verdicts = {os.path.basename(r["path"]): r["verdict"] for r in records}
    assert verdicts["notes.jpg"] == "error" and verdicts["cup_0.jpg"] == "not_applicable"
    assert {verdicts[f"face_{n}.jpg"] for n in range(6)} <= {"real", "fake"}
    assert verdicts["clip.mp4"] in ("real", "fake")
    assert next(r for r in records if r["path"].endswith("clip.mp4"))["frames"]

    parts = sorted(path.name for path in out.iterdir())
    code, stdout, err = run(capsys, "scan", "-q", archive, "--cluster", cluster, "--output", out)
    assert code == 0 and stdout.strip().splitlines() == [stdout.splitlines()[0]]  # the table's header alone
    code, _, err = run(capsys, "scan", archive, "--cluster", cluster, "--output", out)
    assert "12 inputs: 12 skipped" in err
    assert sorted(path.name for path in out.iterdir()) == parts and len(read_parquet(out)) == 12


def test_a_worker_killed_mid_run_loses_no_file_and_stores_none_twice(archive, cluster, tmp_path):
    files, _ = collect_inputs([archive])
    killed = []
    with Cluster(cluster, Scanner) as runner, open_output(tmp_path / "r.parquet") as parquet:
        jsonl = open_output(tmp_path / "r.jsonl")

        def kill_a_busy_worker(record):
            if killed:
                return
            busy = [address for address, tasks in runner.client.processing().items() if tasks]
            pids = runner.client.run(os.getpid, workers=busy[:1])
            for pid in pids.values():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        summary = scan_archive(files, [parquet, jsonl], runner, progress=False, on_result=kill_a_busy_worker)
        jsonl.close()
        after = set(runner.client.run(os.getpid).values())
    assert killed and not set(killed) & after  # the nanny started a new worker process
    assert (summary.scanned, summary.lost) == (12, 0)
    paths = [record["path"] for record in read_parquet(tmp_path / "r.parquet")]
    assert sorted(paths) == inputs_of(archive)
    lines = (tmp_path / "r.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["path"] for line in lines) == inputs_of(archive)


def test_a_bad_cluster_address_is_one_line(capsys, archive, monkeypatch):
    from unmask.cluster import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT_S", 0.5)
    code, out, err = run(capsys, "scan", archive, "--cluster", "tcp://127.0.0.1:1")
    assert code == 2 and out == ""
    assert err.startswith("unmask: error: --cluster tcp://127.0.0.1:1: cannot connect") and err.count("\n") == 1
    code, _, err = run(capsys, "scan", archive, "--cluster", "local:0")
    assert code == 2 and err == "unmask: error: --cluster local:0: expected local or local:N with N at least 1\n"


def test_connect_refuses_what_is_not_an_address():
    with pytest.raises(ClusterError, match="local:N"):
        connect("local:two")


def broken(scanner, item):
    if item == 2:
        raise ValueError("no good\nat all")
    return item * 10


def test_a_task_that_fails_is_said_with_its_item_and_the_others_come_back(cluster):
    with Cluster(cluster, Scanner) as runner:
        results = dict(runner.map(broken, range(4)))
    assert {item: results[item] for item in (0, 1, 3)} == {0: 0, 1: 10, 3: 30}
    assert isinstance(results[2], ClusterError) and str(results[2]) == "no good at all"


def test_archive_options_that_do_not_fit_are_one_line(capsys, archive, tmp_path):
    code, _, err = run(capsys, "scan", archive, "--output", tmp_path / "r.csv")
    assert code == 2 and err.startswith(f"unmask: error: {tmp_path / 'r.csv'}: --output must end in .parquet")
    code, _, err = run(capsys, "scan", archive, "--output", tmp_path / "r.jsonl", "--report", tmp_path / "pages")
    assert code == 2 and err.startswith("unmask scan: error: --heatmaps and --report are for scans of a few files")
    code, _, err = run(capsys, "scan", archive, "--output", tmp_path / "r.jsonl", "--format", "json")
    assert code == 2 and "use jsonl" in err


def test_a_scan_killed_mid_run_resumes_and_stores_every_file_once(archive, tmp_path):
    """`unmask scan --output` here (no cluster), killed with SIGKILL after its first results, then run again."""
    out = tmp_path / "r.parquet"
    argv = [sys.executable, "-m", "unmask", "scan", "-q", "--format", "jsonl", str(archive), "--output", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    seen = [first.stdout.readline() for _ in range(3)]
    first.kill()
    first.wait()
    assert all(seen) and not list(out.glob("part-*"))  # killed before any part was written: all in the journal
    second = subprocess.run([a for a in argv if a != "-q"], capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 1, second.stderr  # notes.jpg is an error verdict
    summary = second.stderr.strip().splitlines()[-1]  # unmask: 12 inputs: N skipped (already in ...), ...
    skipped = int(summary.split(" skipped")[0].rsplit(" ", 1)[1])
    assert 3 <= skipped < 12
    assert sorted(record["path"] for record in read_parquet(out)) == inputs_of(archive)


def test_a_scanner_the_workers_cannot_load_is_one_line(capsys, archive, cluster, tmp_path):
    code, out, err = run(capsys, "scan", archive, "--cluster", cluster, "--model", tmp_path / "none.json")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"unmask: error: --cluster {cluster}: the workers cannot load the scanner: ")
