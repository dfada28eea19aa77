"""The ``unmask`` command line: parses arguments, calls the library, prints one-line errors.

Exit status: 0 when every input was processed, 1 when some input could not be read (the others still ran),
2 for a usage error or when nothing could be done, 130 when interrupted, 141 when the reader of its output
went away (``unmask probe *.mp4 | head -1``), silently, as other command-line tools do.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence

from tqdm import tqdm

from unmask import __version__
from unmask.errors import UnmaskError
from unmask.faces import ALIGNMENT, FaceAnalyzer
from unmask.faces.analyzer import MIN_FACE_SIZE, TILE_BELOW_FRACTION
from unmask.faces.extract import INDEX_FILE, MAX_FACES, extract_faces
from unmask.media import Limits, MediaInfo, Sampling, probe
from unmask.report import contact_sheet

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _positive_float(text: str) -> float:
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = _number(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def _add_media_options(parser: argparse.ArgumentParser) -> None:
    defaults = Limits()
    group = parser.add_argument_group("limits")
    group.add_argument(
        "--max-megapixels",
        type=_positive_float,
        default=defaults.max_pixels / 1e6,
        metavar="MP",
        help="refuse images or video frames larger than this, before decoding (default %(default)g)",
    )
    group.add_argument(
        "--max-duration",
        type=_positive_float,
        default=defaults.max_duration_s,
        metavar="S",
        help="refuse videos longer than this many seconds (default %(default)g)",
    )


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(max_pixels=int(args.max_megapixels * 1e6), max_duration_s=args.max_duration)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unmask",
        description="Tell real faces from deepfakes and live faces from presentation attacks, on a plain CPU.",
    )
    parser.add_argument("--version", action="version", version=f"unmask {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    faces = commands.add_parser(
        "faces",
        help="extract aligned face crops and landmarks from images, videos and folders",
        description="Extract aligned face crops (PNG) and their 468 landmarks (.npy) from images, videos and "
        "folders into DIR, with DIR/index.jsonl listing, per input file, its faces, crops or error.",
    )
    faces.add_argument("inputs", nargs="+", metavar="INPUT", help="image, video or folder (walked recursively)")
    faces.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write crops and index to")
    sampling = faces.add_argument_group("video frames (default: every frame)")
    spacing = sampling.add_mutually_exclusive_group()
    spacing.add_argument("--every", type=_positive_int, default=1, metavar="N", help="keep every Nth frame")
    spacing.add_argument("--frames", type=_positive_int, metavar="N", help="keep N frames evenly spaced")
    sampling.add_argument("--fps", type=_positive_float, metavar="F", help="keep at most F frames per second")
    found = faces.add_argument_group("faces")
    tile_below = f"1/{round(1 / TILE_BELOW_FRACTION)}"
    found.add_argument(
        "--min-face",
        type=_non_negative_float,
        default=MIN_FACE_SIZE,
        metavar="PX",
        help=f"ignore faces smaller than this many pixels (default %(default)g); where that is under {tile_below} "
        "of the frame's longer side, the frame is also searched in tiles",
    )
    found.add_argument(
        "--max-faces",
        type=_positive_int,
        default=MAX_FACES,
        metavar="N",
        help="keep at most the N largest faces per frame (default %(default)s)",
    )
    found.add_argument(
        "--size",
        type=_positive_int,
        default=ALIGNMENT.size,
        metavar="PX",
        help=f"side of the square crops in pixels (default: %(default)s, the {ALIGNMENT.name} contract's)",
    )
    found.add_argument(
        "--no-tiles",
        action="store_true",
        help=f"search only the whole frame: faster on large frames, but misses most faces under {tile_below} of it",
    )
    faces.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    _add_media_options(faces)

    probe = commands.add_parser("probe", help="describe images and videos: kind, size, duration, fps, codec")
    probe.add_argument("inputs", nargs="+", metavar="FILE")
    probe.add_argument("--json", action="store_true", help="print one JSON object per file")
    _add_media_options(probe)
    return parser


def _run_faces(args: argparse.Namespace) -> int:
    try:
        sampling = Sampling(every_nth=args.every, count=args.frames, max_fps=args.fps)
        contract = dataclasses.replace(ALIGNMENT, size=args.size)
    except ValueError as err:
        print(f"unmask faces: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    analyzer = FaceAnalyzer(min_face_size=args.min_face, tiles=not args.no_tiles)
    summary = extract_faces(
        args.inputs,
        args.output,
        analyzer=analyzer,
        contract=contract,
        sampling=sampling,
        limits=_limits(args),
        max_faces=args.max_faces,
        progress=not args.quiet,
        on_error=lambda message: tqdm.write(f"unmask: skipped {message}", file=sys.stderr),
    )
    share = f" ({100 * summary.files_with_faces / summary.files:.1f}%)" if summary.files else ""
    ignored = f", {summary.ignored} non-media files ignored" if summary.ignored else ""
    print(
        f"{summary.files} files: {summary.files_with_faces} with faces{share}, {summary.crops} crops, "
        f"{len(summary.errors)} errors{ignored}"
    )
    print(f"index: {os.path.join(args.output, INDEX_FILE)}")
    if summary.crops:
        print(f"contact sheet: {contact_sheet(args.output)}")
    if summary.files == 0:
        print("unmask faces: error: no media files found in the inputs", file=sys.stderr)
        return EXIT_USAGE
    if summary.errors:
        return EXIT_USAGE if len(summary.errors) == summary.files else EXIT_SOME_FAILED
    return EXIT_OK


def _format_info(info: MediaInfo) -> str:
    data = info.to_dict()
    parts = [data["path"], data["kind"], f"{data['width']}x{data['height']}", data["codec"]]
    if data["kind"] == "video":
        frames = data["frame_count"]
        approx = "" if data["frame_count_exact"] else "~"
        parts += [
            f"{data['duration_s']:.2f} s" if data["duration_s"] is not None else "duration unknown",
            f"{data['fps']:.2f} fps" if data["fps"] else "fps unknown",
            f"{approx}{frames} frames" if frames else "frames unknown",
        ]
    if data["rotation"]:
        parts.append(f"rotated {data['rotation']}°")
    return "  ".join(str(part) for part in parts)


def _run_probe(args: argparse.Namespace) -> int:
    limits = _limits(args)
    failed = 0
    for path in args.inputs:
        try:
            info = probe(path, limits)
        except UnmaskError as err:
            failed += 1
            print(f"unmask: {err}", file=sys.stderr)
            continue
        print(json.dumps(info.to_dict()) if args.json else _format_info(info), flush=True)
    if failed:
        return EXIT_USAGE if failed == len(args.inputs) else EXIT_SOME_FAILED
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    runners = {"faces": _run_faces, "probe": _run_probe}
    try:
        return runners[args.command](args)
    except UnmaskError as err:
        print(f"unmask: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("unmask: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Point stdout at nothing so that Python's flush at exit does not fail on the closed pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as err:  # the last guard: one line, never a traceback
        if os.environ.get("UNMASK_DEBUG"):
            raise
        print(f"unmask: internal error: {type(err).__name__}: {err} (set UNMASK_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
