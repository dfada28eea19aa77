"""Print each clip's temporal reading (scan with --temporal): per face track, its id, blend cue and the temporal
branch's probability, one JSON line per clip, to compare two versions of unmask on the same clips.

Usage: PYTHONPATH=CHECKOUT python tools/temporal_readings.py CLIP ... > readings.jsonl
(run once with PYTHONPATH at each version's checkout, e.g. a `git worktree` of an older commit, and compare the
two files). The speech cue's `applied` per track is printed too where the version has it.
"""

from __future__ import annotations

import argparse
import json

from unmask.verdict import Scanner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+")
    args = parser.parse_args(argv)
    scanner = Scanner(temporal=True)
    for path in args.clips:
        data = scanner.scan(path).to_dict()
        tracks = [
            (track["id"], track["cues"]["blend"]["score"], track["cues"]["animation"].get("probability"))
            for track in data["faces"]
        ]
        speech = [track["cues"].get("speech", {}).get("applied") for track in data["faces"]]
        row = {"path": path, "verdict": data["verdict"], "score": data["score"], "tracks": tracks, "speech": speech}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
