import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_scanning_loads_no_forgery_or_training_code():
    """``import unmask.verdict`` (what a scan needs) loads neither the forgeries nor the training code."""
    code = "import json, sys, unmask.verdict; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert "unmask.verdict" in loaded and "unmask.models.temporal" in loaded
    assert [name for name in loaded if name.split(".")[:2] in (["unmask", "forge"], ["unmask", "train"])] == []
