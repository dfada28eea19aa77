"""The ``unmask`` entry point: Ctrl-C ends it with one line and the status 130, whenever it lands.

The command waits on a named pipe that nobody writes, so it is still running whenever the signal comes: while the
command line loads (numpy, OpenCV, ONNX Runtime), while it reads its arguments, or once the command runs.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

import unmask

PACKAGE = str(Path(unmask.__file__).parent)


def python_start_up() -> float:
    """Seconds this machine takes to start a bare Python with this environment (its site-packages, .pth files)."""
    times = []
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def before_unmask(code: int, stderr: str) -> bool:
    """The signal landed in Python's own start-up, before the first line of unmask ran (a Python matter, the
    same for every program): killed before Python set up its handler, or a traceback without an unmask frame."""
    if code == -signal.SIGINT and stderr == "":
        return True
    return "KeyboardInterrupt" in stderr and PACKAGE not in stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and named pipes")
@pytest.mark.parametrize("delay", [0.05, 0.2, 0.5, 1.5])
def test_ctrl_c_at_any_moment_is_one_line_and_status_130(tmp_path, delay):
    pipe = tmp_path / "pipe.jpg"
    os.mkfifo(pipe)  # opening it blocks until a writer comes: none will
    start_up = python_start_up()
    for attempt in range(4):
        process = subprocess.Popen(
            [sys.executable, "-m", "unmask", "probe", str(pipe)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        # The delay counts from the end of Python's own start-up (20-50 ms, more on a loaded machine), after which
        # the first thing unmask does is to take over Ctrl-C; a signal that still lands before it is tried again.
        time.sleep(delay + start_up * (attempt + 1))
        assert process.poll() is None, "the command ended before the signal"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        if not before_unmask(process.returncode, err.decode()):
            break
    assert (process.returncode, err.decode(), out) == (130, "unmask: interrupted\n", b"")


def test_the_installed_command_is_this_entry_point():
    """``unmask`` (the console script) must start here too, not at ``unmask.cli``, whose imports come first."""
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    assert tomllib.loads(pyproject.read_text())["project"]["scripts"]["unmask"] == "unmask.__main__:main"
