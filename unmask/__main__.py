"""``python -m unmask`` and the ``unmask`` command: the command line, with Ctrl-C handled from its first instant.

Loading the command line (numpy, OpenCV, ONNX Runtime and the rest) takes most of a second; Python's own
handling of Ctrl-C would stop it with a traceback from whichever import was running. So the first thing done
here is to make Ctrl-C end the process at once, with one line and the status 130, while nothing has been done
that needs undoing; once the arguments are read and the command starts, Ctrl-C raises ``KeyboardInterrupt``
again, which the command line turns into the same line and status after its own cleaning up.
"""

import os
import signal
import sys


def _exit_interrupted(signum: int, frame: object) -> None:
    os.write(2, b"unmask: interrupted\n")
    os._exit(130)


def main() -> int:
    """Run the command line (``unmask.cli.main``) on ``sys.argv``; returns its exit status."""
    signal.signal(signal.SIGINT, _exit_interrupted)
    from unmask.cli import main as run  # the heavy imports

    return run(on_start=lambda: signal.signal(signal.SIGINT, signal.default_int_handler))


if __name__ == "__main__":
    sys.exit(main())
