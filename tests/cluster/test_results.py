import json

import pyarrow.parquet as pq
import pytest

from unmask.cluster import OutputError, open_output, read_parquet
from unmask.cluster.results import JOURNAL, from_row, to_row


def record(path, sha="a" * 64, verdict="real"):
    return {
        "schema_version": "1.3",
        "unmask_version": "0",
        "path": path,
        "sha256": sha,
        "kind": "image",
        "width": 4,
        "height": 4,
        "duration_s": None,
        "verdict": verdict,
        "score": 0.1,
        "threshold": 0.5,
        "decided_by": 0,
        "reason": None,
        "model": {"name": "m", "version": "1", "sha256": "b" * 64},
        "temporal_model": None,
        "sampling": None,
        "frames": [{"index": 0, "time": None, "score": 0.1, "faces": 1}],
        "faces": [],
        "unscored": {},
        "timings": {"total_s": 0.1},
    }


def test_rows_keep_the_nested_fields_as_json_text():
    row = to_row(record("x.jpg"))
    assert row["frames"] == json.dumps(record("x.jpg")["frames"]) and row["temporal_model"] is None
    assert from_row(row) == record("x.jpg")


def test_parquet_stores_each_path_and_sha_once_and_an_interrupted_run_keeps_its_journal(tmp_path):
    out = tmp_path / "r.parquet"
    stored = open_output(out)
    assert stored.write(record("a.jpg")) and not stored.write(record("a.jpg"))
    assert stored.write(record("a.jpg", sha="c" * 64))  # the same path, new content: a row of its own
    stored.handle.close()  # stopped without closing: the records are only in the journal
    assert (out / JOURNAL).read_text().count("\n") == 2 and not list(out.glob("part-*"))
    again = open_output(out)
    assert again.has("a.jpg", "a" * 64) and again.has("a.jpg", "c" * 64) and not again.has("b.jpg", "a" * 64)
    assert [p.name for p in out.glob("part-*")] == ["part-00000.parquet"] and (out / JOURNAL).read_text() == ""
    assert again.write(record("b.jpg")) and not again.write(record("a.jpg"))
    again.close()
    assert sorted((r["path"], r["sha256"][0]) for r in read_parquet(out)) == [
        ("a.jpg", "a"),
        ("a.jpg", "c"),
        ("b.jpg", "a"),
    ]
    assert pq.read_table(out).num_rows == 3


def test_parquet_parts_every_n_rows(tmp_path):
    from unmask.cluster.results import ParquetOutput

    with ParquetOutput(tmp_path / "r.parquet", part_rows=2) as stored:
        for number in range(5):
            stored.write(record(f"{number}.jpg"))
    assert len(list((tmp_path / "r.parquet").glob("part-*.parquet"))) == 3
    assert len(read_parquet(tmp_path / "r.parquet")) == 5


def test_jsonl_skips_a_line_cut_short_and_starts_a_new_one(tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_text(json.dumps(record("a.jpg")) + "\n" + json.dumps(record("b.jpg"))[:40])
    with open_output(out) as stored:
        assert stored.has("a.jpg", "a" * 64) and not stored.has("b.jpg", "a" * 64)
        assert stored.write(record("b.jpg"))
    lines = out.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["path"] == "b.jpg"


def test_a_file_stored_without_a_sha_counts_as_stored(tmp_path):
    with open_output(tmp_path / "r.jsonl") as stored:
        stored.write(record("bad.jpg", sha=None, verdict="error"))
        assert stored.has("bad.jpg", "d" * 64) and stored.has("bad.jpg", None)


def test_unknown_outputs_are_refused(tmp_path):
    with pytest.raises(OutputError, match=r"must end in \.parquet"):
        open_output(tmp_path / "r.csv")
    (tmp_path / "f.parquet").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        open_output(tmp_path / "f.parquet")
