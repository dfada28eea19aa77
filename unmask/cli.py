"""The ``unmask`` command line: maps arguments onto the library and prints what it gives back.

Each command has a parser builder (``_add_<command>``) and a runner (``_run_<command>``), which returns the
:class:`Outcome` or raises. :func:`exit_status` is the one rule for the exit status: 0 when every input was
processed, 1 when some input could not be read (the others still ran), 2 for a usage error or when nothing could
be done, 130 when interrupted, 141 when the reader of its output went away (``unmask probe *.mp4 | head -1``),
silently, as other command-line tools do. Errors are one line, worded by :func:`unmask.errors.reason`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from unmask import __version__
from unmask.errors import UnmaskError, missing_extra, reason
from unmask.faces import ALIGNMENT, FaceAnalyzer
from unmask.faces.analyzer import MIN_FACE_SIZE, TILE_BELOW_FRACTION
from unmask.faces.extract import INDEX_FILE, MAX_FACES, extract_faces
from unmask.forge.forgeries import KINDS
from unmask.media import Limits, MediaInfo, Sampling, collect_inputs, probe
from unmask.models import FakeClassifier
from unmask.models.temporal import TemporalClassifier, on_by_default
from unmask.report import HEADER, HeatmapWriter, contact_sheet, format_row
from unmask.speech import language_code
from unmask.speech import unavailable as speech_unavailable
from unmask.train.config import HISTORIES, features_named
from unmask.train.config import LivenessConfig as LivenessDefaults
from unmask.train.config import TemporalConfig as TemporalDefaults
from unmask.train.config import TrainConfig as TrainDefaults
from unmask.verdict import DEFAULT_SAMPLING, Scanner
from unmask.verdict.batch import InProcess, Runner

DEFAULT_MINIFASNET = os.path.join("..", "shared", "models", "minifasnet")
EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141
# What scan and eval read of a video by default.
SCAN_FRAMES = f"{DEFAULT_SAMPLING.count} evenly spaced; the temporal branch reads its own burst mid-clip"
Commands = argparse._SubParsersAction
CLUSTER_HELP = (
    "run the scans on a Dask cluster (needs the 'cluster' extra): the scheduler's address (tcp://host:8786), or "
    "local[:N] for N worker processes on this machine (default: one per core); one task per input file, the "
    "models loaded once per worker. Workers must see the inputs at the same paths"
)


class CommandError(UnmaskError):
    """A command that cannot run as asked (options that contradict each other, no input to work on); said as
    ``unmask <command>: error: <message>``."""


@dataclass(frozen=True)
class Outcome:
    """What a command did: how many inputs it worked on, and how many of them failed (the others still ran)."""

    inputs: int = 1
    failed: int = 0


DONE = Outcome()
"""A command that did all it was asked (a command that fails as a whole raises instead)."""


def exit_status(outcome: Outcome | BaseException) -> int:
    """The exit status of a command that ended with ``outcome``, or was stopped by it (an exception).

    0: every input was processed; 1: some failed, the others ran; 2: a usage error, an error that stopped the
    command, or no input processed at all; 130: interrupted; 141: the reader of its output went away.
    """
    if isinstance(outcome, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(outcome, BrokenPipeError):
        return EXIT_BROKEN_PIPE
    if isinstance(outcome, BaseException) or outcome.inputs == 0 or outcome.failed >= outcome.inputs:
        return EXIT_USAGE
    return EXIT_SOME_FAILED if outcome.failed else EXIT_OK


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


def _share(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1, got {text}")
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


def _feature_name(value: str) -> str:
    try:
        features_named([value])
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{err} (or a feature of unmask.models.temporal.FEATURE_NAMES)") from None
    return value


def _add_sampling_options(parser: argparse.ArgumentParser, default: str) -> None:
    sampling = parser.add_argument_group(f"video frames (default: {default})")
    spacing = sampling.add_mutually_exclusive_group()
    spacing.add_argument("--every", type=_positive_int, metavar="N", help="keep every Nth frame")
    spacing.add_argument("--frames", type=_positive_int, metavar="N", help="keep N frames evenly spaced")
    sampling.add_argument("--fps", type=_positive_float, metavar="F", help="keep at most F frames per second")


def _sampling(args: argparse.Namespace, default: Sampling) -> Sampling:
    if args.every is None and args.frames is None and args.fps is None:
        return default
    try:
        return Sampling(every_nth=args.every or 1, count=args.frames, max_fps=args.fps)
    except ValueError as err:  # options that cannot be combined
        raise CommandError(str(err)) from None


def _add_face_options(parser: argparse.ArgumentParser, every_still_face: bool = False) -> argparse._ArgumentGroup:
    """--min-face, --max-faces and --no-tiles; with ``every_still_face`` (scan) --max-faces caps the faces of a
    still only when it is given."""
    found = parser.add_argument_group("faces")
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
        default=None if every_still_face else MAX_FACES,
        metavar="N",
        help=f"score at most the N largest faces of each video frame (default {MAX_FACES}) and, only when given, "
        "of a photo (by default every face of a photo is scored); the faces left out are counted in the result"
        if every_still_face
        else "keep at most the N largest faces per frame (default %(default)s)",
    )
    found.add_argument(
        "--no-tiles",
        action="store_true",
        help=f"search only the whole frame: faster on large frames, but misses most faces under {tile_below} of it",
    )
    return found


def _temporal_help() -> str:
    try:
        default = "on" if on_by_default() else "off"
    except UnmaskError:  # a missing card is reported when a scan needs it, not by every command's help
        default = "unknown"
    return (
        "run the temporal branch and report each track's animation cue, or not (--no-temporal); by default "
        f"{default}, as its model card's status says (unmask/models/weights/unmask-temporal.json says why)"
    )


def _check_temporal(args: argparse.Namespace) -> None:
    """--temporal-model with --no-temporal is refused."""
    if args.temporal_model is not None and args.temporal is False:
        raise UnmaskError("--temporal-model and --no-temporal contradict each other")


def _add_faces(commands: Commands) -> None:
    """``unmask faces``: aligned crops and landmarks."""
    faces = commands.add_parser(
        "faces",
        help="extract aligned face crops and landmarks from images, videos and folders",
        description="Extract aligned face crops (PNG) and their 468 landmarks (.npy) from images, videos and "
        "folders into DIR, with DIR/index.jsonl listing, per input file, its faces, crops or error.",
    )
    faces.add_argument("inputs", nargs="+", metavar="INPUT", help="image, video or folder (walked recursively)")
    faces.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write crops and index to")
    _add_sampling_options(faces, "every frame")
    found = _add_face_options(faces)
    found.add_argument(
        "--size",
        type=_positive_int,
        default=ALIGNMENT.size,
        metavar="PX",
        help=f"side of the square crops in pixels (default: %(default)s, the {ALIGNMENT.name} contract's)",
    )
    faces.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    _add_media_options(faces)
    faces.set_defaults(run=_run_faces)


def _run_faces(args: argparse.Namespace) -> Outcome:
    sampling = _sampling(args, Sampling())
    try:
        contract = dataclasses.replace(ALIGNMENT, size=args.size)
    except ValueError as err:
        raise CommandError(str(err)) from None
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
        raise CommandError("no media files found in the inputs")
    return Outcome(summary.files, len(summary.errors))


def _add_probe(commands: Commands) -> None:
    """``unmask probe``: what a file is."""
    probe = commands.add_parser("probe", help="describe images and videos: kind, size, duration, fps, codec")
    probe.add_argument("inputs", nargs="+", metavar="FILE")
    probe.add_argument("--json", action="store_true", help="print one JSON object per file")
    _add_media_options(probe)
    probe.set_defaults(run=_run_probe)


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


def _run_probe(args: argparse.Namespace) -> Outcome:
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
    return Outcome(len(args.inputs), failed)


def _add_scan(commands: Commands, temporal_help: str) -> None:
    """``unmask scan``: verdicts, heatmaps and reports."""
    scan = commands.add_parser(
        "scan",
        help="tell whether the faces in images and videos are real or manipulated",
        description="Scan images, videos and folders for manipulated faces. Prints one row per input (verdict, "
        "score of the worst face track, usable face tracks, sampled frames), or JSON. Verdicts: fake, real, "
        "not_applicable (no face, faces too small, too few usable frames) or error, with the reason.",
    )
    scan.add_argument("inputs", nargs="+", metavar="INPUT", help="image, video or folder (walked recursively)")
    scan.add_argument(
        "--format",
        choices=("table", "json", "jsonl"),
        default="table",
        help="table (default); json: one array at the end; jsonl: one object per input per line, as each finishes",
    )
    scan.add_argument("--heatmaps", metavar="DIR", help="write each scored face with its boundary map over it here")
    scan.add_argument(
        "--report",
        metavar="FILE",
        help="write a self-contained HTML report (verdict in plain words, faces with heatmaps, timeline, model card, "
        "Content Credentials) to FILE; with several inputs or a folder as input, or when FILE is an existing folder, "
        "FILE is a folder that gets one <input name>.html per input (e.g. clip_mp4.html)",
    )
    scan.add_argument("--model", metavar="CARD", help="a model card JSON (default: the shipped detector)")
    scan.add_argument("--temporal", action=argparse.BooleanOptionalAction, default=None, help=temporal_help)
    scan.add_argument(
        "--temporal-model", metavar="CARD", help="a temporal model card (implies --temporal; default: the shipped one)"
    )
    scan.add_argument(
        "--speech",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read each face's lips against the clip's sound and report the speech cue, or not (--no-speech); by "
        "default on where the speech extra is installed (--speech without it is an error)",
    )
    scan.add_argument(
        "--speech-language",
        metavar="CODE",
        help="the language the clips speak (a language code such as en, en-GB, fr; default en): closures on /m b p/ "
        "are checked in English only, and the language is taken as given, not identified",
    )
    scan.add_argument(
        "--threshold", type=_number, metavar="T", help="call a face fake at or above this score (default: the card's)"
    )
    archive = scan.add_argument_group("archives")
    archive.add_argument(
        "--output",
        action="append",
        metavar="FILE",
        help="store each result as it comes back in FILE: NAME.parquet (a folder of Parquet parts, one row per "
        "input) or NAME.jsonl; repeatable. Running the same command again skips the inputs already stored there "
        "(same path and sha256), so an interrupted run resumes where it stopped",
    )
    archive.add_argument("--cluster", metavar="ADDRESS", help=CLUSTER_HELP)
    _add_sampling_options(scan, SCAN_FRAMES)
    _add_face_options(scan, every_still_face=True)
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    _add_media_options(scan)
    scan.set_defaults(run=_run_scan)


def _frame_bar(name: str, quiet: bool) -> tuple[Callable[[int, int | None], None], Callable[[], None]]:
    """A scan's ``progress`` callback that shows a bar of frames once more than one is expected, and its closer."""
    bars: list[tqdm] = []

    def advance(done: int, expected: int | None) -> None:
        if not bars and (expected is None or expected > 1) and not quiet:
            bars.append(tqdm(total=expected, desc=name[:30], unit="frame", leave=False, dynamic_ncols=True))
        for bar in bars:
            bar.update(done - bar.n)

    def close() -> None:
        for bar in bars:
            bar.close()

    return advance, close


def _build_scanner(options: dict[str, Any], threads: int = 0) -> Scanner:
    """A scanner as ``unmask scan`` configures it (``options``: :func:`_scan_options`), its models using
    ``threads`` threads (0: their default). Called here, or on each worker of a cluster."""
    temporal_model = options["temporal_model"]
    return Scanner(
        FakeClassifier(options["model"], threads=threads),
        FaceAnalyzer(min_face_size=options["min_face"], tiles=options["tiles"], num_threads=threads or None),
        sampling=options["sampling"],
        limits=options["limits"],
        max_faces=options["max_faces"] or MAX_FACES,
        max_still_faces=options["max_faces"],
        threshold=options["threshold"],
        temporal=TemporalClassifier(temporal_model, threads=threads) if temporal_model else options["temporal"],
        speech=options.get("speech"),
        speech_language=options.get("speech_language") or "en",
    )


def _scan_options(args: argparse.Namespace) -> dict[str, Any]:
    """What ``unmask scan`` builds its scanner from: plain values, which travel to a cluster's workers."""
    if args.threshold is not None and not 0 <= args.threshold <= 1:
        raise CommandError(f"--threshold must lie in [0, 1], got {args.threshold:g}")
    _check_temporal(args)
    return {
        "model": args.model,
        "min_face": args.min_face,
        "tiles": not args.no_tiles,
        "sampling": _sampling(args, DEFAULT_SAMPLING),
        "limits": _limits(args),
        "max_faces": args.max_faces,
        "threshold": args.threshold,
        "temporal": args.temporal,
        "temporal_model": args.temporal_model,
        "speech": args.speech,
        "speech_language": _speech_language(args),
    }


def _speech_language(args: argparse.Namespace) -> str:
    """The language of ``--speech-language`` (default en), checked; with ``--no-speech`` it is refused, and
    ``--speech`` where the speech extra is missing is an error."""
    if args.speech is False and args.speech_language is not None:
        raise CommandError("--speech-language and --no-speech contradict each other")
    if args.speech:
        why = speech_unavailable()
        if why is not None:
            raise CommandError(f"--speech: {why}")
    try:
        return language_code(args.speech_language or "en")
    except ValueError as err:
        raise CommandError(f"--speech-language: {err}") from None


def _run_scan(args: argparse.Namespace) -> Outcome:
    options = _scan_options(args)
    if args.output or args.cluster:
        return _run_archive(args, options)
    files, _ = collect_inputs(args.inputs, exclude=Path(args.heatmaps) if args.heatmaps else None)
    if not files:
        raise CommandError("no media files found in the inputs")
    scanner = _build_scanner(options)
    single = len(args.inputs) == 1 and not Path(args.inputs[0]).is_dir()
    report_folder = args.report is not None and (not single or Path(args.report).is_dir())
    results = []  # as JSON dicts: a result keeps its pictures, which a long run need not hold
    if args.format == "table":
        print(HEADER, flush=True)
    for entry in tqdm(files, desc="scan", unit="file", disable=args.quiet or len(files) < 2, dynamic_ncols=True):
        advance, close = _frame_bar(entry.path.name, args.quiet)
        writer = HeatmapWriter(args.heatmaps, entry.key) if args.heatmaps else None
        result = scanner.scan(entry.path, on_frame=writer, progress=advance)
        close()
        results.append(result.to_dict())
        if args.report:
            page = result.save_report(Path(args.report) / f"{entry.key}.html" if report_folder else args.report)
            if not args.quiet:
                tqdm.write(f"report: {page}", file=sys.stderr)
        if args.format == "table":
            tqdm.write(result.row())
        elif args.format == "jsonl":
            tqdm.write(result.to_json())
        sys.stdout.flush()
    if args.format == "json":
        print(json.dumps(results, indent=2))
    return Outcome(len(results), sum(result["verdict"] == "error" for result in results))


def _cluster(address: str, build: Callable[..., Scanner], *options: object) -> Runner:
    """A runner of tasks on the Dask cluster at ``address``, each worker with a scanner from
    ``build(*options, threads)``."""
    try:
        from unmask.cluster.engine import Cluster, threads_per_scan
    except ImportError as err:
        raise _missing_extra(err, "cluster") from None
    return Cluster(address, functools.partial(build, *options, threads_per_scan(address)))


def _run_archive(args: argparse.Namespace, options: dict[str, Any]) -> Outcome:
    """``unmask scan --output/--cluster``: an archive's scans, stored as they come back, resumable."""
    from unmask.cluster.archive import scan_archive
    from unmask.cluster.results import open_output

    if args.heatmaps or args.report:
        raise CommandError("--heatmaps and --report are for scans of a few files, not with --output or --cluster")
    if args.format == "json":
        raise CommandError("--format json holds every result until the end; use jsonl (or --output) for archives")
    outputs = [Path(output) for output in args.output or []]
    files, _ = collect_inputs(args.inputs, exclude=next((o for o in outputs if o.suffix == ".parquet"), None))
    if not files:
        raise CommandError("no media files found in the inputs")

    def show(record: dict[str, Any]) -> None:
        if args.format == "table":
            usable = sum(track["usable"] for track in record["faces"])
            row = format_row(
                record["verdict"], record["score"], usable, len(record["frames"]), record["path"], record["reason"]
            )
            tqdm.write(row)
        else:
            tqdm.write(json.dumps(record))
        sys.stdout.flush()

    def lost(path: str, why: str) -> None:
        tqdm.write(f"unmask: {path}: not scanned (a re-run tries it again): {why}", file=sys.stderr)

    with contextlib.ExitStack() as stack:
        stored = [stack.enter_context(open_output(output)) for output in outputs]
        if args.cluster:
            runner: Runner = stack.enter_context(_cluster(args.cluster, _build_scanner, options))
        else:
            runner = InProcess(_build_scanner(options))
        if args.format == "table":
            print(HEADER, flush=True)
        summary = scan_archive(files, stored, runner, progress=not args.quiet, on_result=show, on_lost=lost)
    if not args.quiet:
        where = f" (already in {', '.join(map(str, outputs))})" if summary.skipped else ""
        print(
            f"unmask: {summary.inputs} inputs: {summary.skipped} skipped{where}, {summary.scanned} scanned, "
            f"{summary.errors} errors, {summary.lost} not scanned",
            file=sys.stderr,
        )
    return Outcome(summary.inputs, summary.errors + summary.lost)


def _missing_extra(err: ImportError, extra: str) -> CommandError:
    return CommandError(missing_extra(err, extra))


def _add_live(commands: Commands) -> None:
    """``unmask live``: is a live person in front of the camera?"""
    live = commands.add_parser(
        "live",
        help="tell whether a photo or clip shows a live person or a presentation attack",
        description="Check photos and clips for a live person. A photo: the passive presentation-attack model. A "
        "clip: the passive model over its frames, the active challenge when one is given, and the deepfake scan "
        "of the same clip. Prints one line per input (verdict, the cue that decided, the reason), or JSON. Verdicts: "
        "live, attack, not_applicable (no face, or no liveness cue could be applied) or error.",
    )
    live.add_argument("inputs", nargs="+", metavar="INPUT", help="photo or clip (a folder is walked)")
    live.add_argument(
        "--challenge",
        metavar="SPEC",
        help="the challenge the clip answers: actions with their windows in seconds, e.g. "
        "turn_left@1-3,smile@3-5 (bare actions get 2-s windows after a 1-s lead-in), or a signed challenge "
        "(lv1...) from 'unmask serve', checked with the key of --key-file or $UNMASK_LIVENESS_KEY(_FILE)",
    )
    live.add_argument("--key-file", metavar="FILE", help="the key that signed the challenge")
    live.add_argument("--json", action="store_true", help="one JSON object per input per line (live.schema.json)")
    live.add_argument(
        "--report", metavar="FILE", help="write the HTML report (one input) or one per input into a folder"
    )
    live.add_argument("--no-deepfake", action="store_true", help="skip the deepfake scan of clips")
    _add_media_options(live)
    live.set_defaults(run=_run_live)


def _run_live(args: argparse.Namespace) -> Outcome:
    from unmask.liveness import Challenge, ChallengeError, is_token, read_key
    from unmask.verdict import LiveChecker

    signed = args.challenge is not None and is_token(args.challenge)
    try:  # a malformed spec: one line, before any model is loaded
        challenge = Challenge.parse(args.challenge) if args.challenge is not None and not signed else args.challenge
    except ChallengeError as err:
        raise CommandError(f"--challenge: {err}") from None
    key = read_key(args.key_file)
    if signed and key is None:
        raise CommandError("a signed challenge needs its key: --key-file FILE or $UNMASK_LIVENESS_KEY")
    files, _ = collect_inputs(args.inputs)
    if not files:
        raise CommandError("no media files found in the inputs")
    checker = LiveChecker(key=key, limits=_limits(args), deepfake=not args.no_deepfake)
    folder = args.report is not None and (len(files) > 1 or Path(args.report).is_dir())
    failed = 0
    for entry in files:
        result = checker.check(entry.path, challenge)
        failed += result.verdict == "error"
        print(result.to_json() if args.json else result.row(), flush=True)
        if args.report:
            page = result.save_report(Path(args.report) / f"{entry.key}.html" if folder else args.report)
            print(f"report: {page}", file=sys.stderr)
    return Outcome(len(files), failed)


def _add_forge(commands: Commands) -> None:
    """``unmask forge``: a look at the training forgeries."""
    forge = commands.add_parser(
        "forge",
        help="show the training forgeries made from real faces (real | forgery | mask | boundary)",
        description="Make training forgeries of real faces, each from the same person only (self-blends, "
        "partial composites, and autoencoder reconstructions when --autoencoder is given), and write a contact "
        "sheet DIR/forgeries.jpg showing real | forgery | mask | boundary. INPUT is a folder of real images or "
        "videos, or an 'unmask faces' output folder.",
    )
    forge.add_argument("inputs", nargs="+", metavar="INPUT")
    forge.add_argument("-o", "--output", required=True, metavar="DIR")
    forge.add_argument("--count", type=_positive_int, default=24, help="forgeries to draw (default %(default)s)")
    forge.add_argument("--seed", type=int, default=0, help="(default %(default)s)")
    forge.add_argument("--kind", choices=KINDS, action="append", help="only these kinds (repeatable)")
    forge.add_argument(
        "--autoencoder", metavar="PT", help="autoencoder.pt of a training run (needs torch) for reconstructions"
    )
    forge.add_argument("--frames", type=_positive_int, default=8, help="frames per video (default %(default)s)")
    forge.add_argument(
        "--clips",
        type=int,
        default=0,
        metavar="N",
        help="also make N animation forgeries as 16-frame clips from the videos among the inputs (every 2nd "
        "frame): DIR/clips/clipNN_<kind>.jpg (real, forgery, mask, difference) and .mp4 (real | forgery)",
    )
    forge.add_argument(
        "--attacks",
        action="store_true",
        help="instead, simulate presentation attacks (print, screen replay, video replay) from the real frames and "
        "write DIR/attacks.jpg (live | attack, both post-processed alike, face boxes drawn)",
    )
    forge.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    forge.set_defaults(run=_run_forge)


def _run_forge_attacks(args: argparse.Namespace) -> Outcome:
    import numpy as np

    from unmask.forge.attacks import make_attack, post_process
    from unmask.forge.sheet import attack_row, write_forgery_sheet
    from unmask.forge.sources import load_face_frames

    frames = load_face_frames(args.inputs, Sampling(count=args.frames), progress=not args.quiet)
    if not frames:
        raise CommandError("no faces of 64 px or more found in the inputs")
    rng = np.random.default_rng(args.seed)
    rows = []
    for pick in rng.choice(len(frames), size=args.count, replace=len(frames) < args.count):
        frame = frames[pick]
        room = frames[int(rng.integers(len(frames)))].image
        attack = make_attack(frame.image, frame.box, rng, background=room)
        live, live_box = post_process(frame.image, frame.box, rng)
        image, box = post_process(attack.image, attack.box, rng)
        rows.append(attack_row(live, live_box, dataclasses.replace(attack, image=image, box=box)))
    print(f"attacks: {write_forgery_sheet(rows, Path(args.output) / 'attacks.jpg', columns=3)}")
    return DONE


def _run_forge(args: argparse.Namespace) -> Outcome:
    if args.attacks:
        return _run_forge_attacks(args)
    import numpy as np

    from unmask.forge import make_forgery
    from unmask.forge.sheet import forgery_row, write_clip_examples, write_forgery_sheet
    from unmask.forge.sources import load_crops, load_tracks, prepare_faces

    reconstruct = None
    if args.autoencoder:
        try:
            from unmask.train.autoencoder import load_reconstructor
        except ImportError as err:
            raise _missing_extra(err, "train") from None
        reconstruct = load_reconstructor(args.autoencoder)
    if args.clips < 0:
        raise CommandError("--clips must be 0 or more")
    kinds = args.kind or list(KINDS)
    if kinds == ["reconstruction"] and reconstruct is None:
        raise CommandError("reconstructions need --autoencoder")
    out = Path(args.output)
    log = lambda message: tqdm.write(message, file=sys.stderr)  # noqa: E731
    crops = load_crops(prepare_faces(args.inputs, out, Sampling(count=args.frames), log=log, progress=not args.quiet))
    if not crops:
        raise CommandError("no faces found in the inputs")
    rng = np.random.default_rng(args.seed)
    picks = rng.choice(len(crops), size=args.count, replace=len(crops) < args.count)
    weights = {kind: 1.0 for kind in kinds}
    rows = [
        forgery_row(crops[i].image, make_forgery(crops[i].image, crops[i].landmarks, rng, reconstruct, weights))
        for i in picks
    ]
    print(f"forgeries: {write_forgery_sheet(rows, out / 'forgeries.jpg')}")
    if args.clips > 0:
        folders = prepare_faces(args.inputs, out / "clips", Sampling(every_nth=2), log=log, progress=not args.quiet)
        tracks = load_tracks(folders)
        if not tracks:
            raise CommandError("--clips needs videos with a face of 64 px or more")
        written = write_clip_examples(tracks, out / "clips", args.clips, rng, reconstruct)
        print(f"clips: {len(written) // 2} in {out / 'clips'}")
    return DONE


def _add_eval(commands: Commands, temporal_help: str) -> None:
    """``unmask eval``: metrics on a labelled dataset."""
    evaluate = commands.add_parser(
        "eval",
        help="measure the detector on labelled media, beside peers, with a robustness ladder",
        description="Scan every file of a labelled dataset and print per-group and overall metrics with 95%% "
        "bootstrap intervals (video and frame AUC, AP, EER, fakes caught at 5%% false alarms, calls at the "
        "threshold). DATASET is a labels CSV (path,label[,source,method]; paths relative to the CSV), a folder "
        "holding one, a folder with real/ and fake/ subfolders, or a FaceForensics++, Celeb-DF-v2 or DFDC folder. "
        "Writes DIR/scores.jsonl (a cache: a re-run only scans what is missing), DIR/metrics.json, PNG plots and "
        "DIR/index.html.",
    )
    evaluate.add_argument("dataset", metavar="DATASET", nargs="?")
    evaluate.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for scores, metrics, plots")
    evaluate.add_argument("--model", metavar="CARD", help="a model card JSON (default: the shipped detector)")
    evaluate.add_argument("--temporal", action=argparse.BooleanOptionalAction, default=None, help=temporal_help)
    evaluate.add_argument(
        "--temporal-model", metavar="CARD", help="a temporal model card (implies --temporal; default: the shipped one)"
    )
    evaluate.add_argument(
        "--mesonet", metavar="H5", help="also score the same crops with MesoNet (Meso4 Keras weights file)"
    )
    evaluate.add_argument("--only", metavar="FOLDER", action="append", help="evaluate only paths under FOLDER")
    evaluate.add_argument("--compression", metavar="C", help="FaceForensics++ only: c0, c23, c40 or raw")
    evaluate.add_argument(
        "--robustness",
        metavar="RUNGS",
        help="also evaluate after laundering: 'all' (JPEG 90/70/50/30, scale 0.75/0.5/0.25, H.264 CRF 23/30/40, "
        "blur 1/2, noise 5/10 (one pattern on every frame), grain 5/10 (fresh in each frame)) or names such as "
        "jpeg-50,h264-crf30",
    )
    evaluate.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N", help="bootstrap replicates for intervals, 0 for none"
    )
    evaluate.add_argument("--cluster", metavar="ADDRESS", help=CLUSTER_HELP.replace("per input file", "per file"))
    live = evaluate.add_argument_group("liveness (instead of DATASET)")
    live.add_argument(
        "--liveness",
        metavar="LABELS",
        help="measure presentation-attack detection instead: LABELS is a CSV path,label,attack (live/spoof; print, "
        "replay-screen, ...). unmask's passive model and MiniFASNet score the same faces; APCER per attack type and "
        "the worst, BPCER and ACER (ISO/IEC 30107-3) at each one's threshold. Writes DIR/scores.jsonl, "
        "DIR/metrics.json, DIR/table.txt, DIR/histograms.png. Videos: 8 evenly spaced frames unless told",
    )
    live.add_argument(
        "--minifasnet",
        metavar="DIR",
        help=f"MiniFASNet's folder (MiniFASNetV2.onnx, MiniFASNetV1SE.onnx; default {DEFAULT_MINIFASNET} when it "
        "exists); 'none' to leave it out",
    )
    live.add_argument(
        "--simulated",
        metavar="DIR",
        help="measure presentation-attack detection on simulated attacks instead: the files the liveness model's "
        "card held out of its training, found under DIR (its train_real folder); from each whole frame (videos: as "
        "many frames as its training took) a print, a screen and a video replay are simulated (seeded) and the frame "
        "itself kept live for each, all post-processed alike; faces are found again and scored by unmask's passive "
        "model and MiniFASNet; writes the same files as --liveness",
    )
    live.add_argument("--liveness-model", metavar="CARD", help="a liveness model card (default: the shipped one)")
    _add_sampling_options(evaluate, SCAN_FRAMES)
    evaluate.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    evaluate.set_defaults(run=_run_eval)


def _run_eval_liveness(args: argparse.Namespace) -> Outcome:
    from unmask.evaluate.liveness import evaluate_liveness, liveness_table, load_liveness_labels
    from unmask.models.liveness import DEFAULT_PASSIVE, load_passive

    if args.dataset is not None:
        raise CommandError("give either DATASET or --liveness LABELS (or --simulated DIR), not both")
    if args.liveness and args.simulated:
        raise CommandError("give either --liveness LABELS or --simulated DIR, not both")
    items = load_liveness_labels(args.liveness) if args.liveness else []
    passive = load_passive(args.liveness_model or DEFAULT_PASSIVE)
    scorers: list[Any] = [passive]
    folder = args.minifasnet or (DEFAULT_MINIFASNET if Path(DEFAULT_MINIFASNET).is_dir() else None)
    if folder and folder != "none":
        from unmask.peers.minifasnet import MiniFASNet

        scorers.append(MiniFASNet(folder))
    out = Path(args.output)
    if args.simulated:
        from unmask.evaluate.liveness import card_held_out_files, evaluate_simulated
        from unmask.forge.sources import load_face_frames

        files = card_held_out_files(passive.card, args.simulated)
        count = int(passive.card.training.get("config", {}).get("frames", 4))
        frames = load_face_frames([str(f) for f in files], Sampling(count=count), max_side=480, progress=not args.quiet)
        if not frames:
            raise CommandError(f"{args.simulated}: no face of 64 px or more found in the held-out files")
        metrics, _ = evaluate_simulated(frames, out, scorers, progress=not args.quiet)
    else:
        sampling = _sampling(args, Sampling(count=8))
        metrics, _ = evaluate_liveness(items, out, scorers, sampling, progress=not args.quiet)
    print(liveness_table(metrics))
    print(f"metrics: {out / 'metrics.json'}; table: {out / 'table.txt'}; plot: {out / 'histograms.png'}")
    return DONE


def _run_eval(args: argparse.Namespace) -> Outcome:
    if args.liveness or args.simulated:
        return _run_eval_liveness(args)
    if args.dataset is None:
        raise CommandError("a DATASET (or --liveness LABELS, or --simulated DIR) is required")
    from unmask.evaluate.datasets import load_dataset
    from unmask.evaluate.robustness import parse_rungs
    from unmask.evaluate.run import Peer, evaluate, run_ladder
    from unmask.evaluate.summary import robustness_text, summary_text, write_summary

    try:
        rungs = parse_rungs(args.robustness) if args.robustness else ()
    except ValueError as err:
        raise UnmaskError(f"--robustness: {err}") from None
    if args.bootstrap < 0:
        raise UnmaskError("--bootstrap must be 0 or more")
    peers: list[Peer] = []
    if args.mesonet:
        from unmask.peers.mesonet import MesoNet

        peers.append(MesoNet(args.mesonet))
    items = load_dataset(args.dataset, compression=args.compression)
    only = [folder.rstrip("/") + "/" for folder in args.only or []]
    if only:
        items = [item for item in items if any(item.key.startswith(folder) for folder in only)]
        if not items:
            raise UnmaskError(f"no file of {args.dataset} lies under {', '.join(only)}")
    _check_temporal(args)
    options = {
        "model": args.model,
        "min_face": MIN_FACE_SIZE,
        "tiles": True,
        "sampling": _sampling(args, DEFAULT_SAMPLING),
        "limits": Limits(),
        "max_faces": None,
        "threshold": None,
        "temporal": args.temporal,
        "temporal_model": args.temporal_model,
    }
    scanner = _build_scanner(options)  # here, it names the protocol; on a cluster, each worker builds its own
    out = Path(args.output)
    with contextlib.ExitStack() as stack:
        runner = stack.enter_context(_cluster(args.cluster, _build_scanner, options)) if args.cluster else None
        metrics, records = evaluate(
            items,
            out,
            scanner,
            peers,
            progress=not args.quiet,
            replicates=args.bootstrap,
            dataset=str(args.dataset),
            runner=runner,
        )
        ladder = None
        if rungs:
            ladder = run_ladder(
                items, out / "robustness", scanner, peers, rungs, metrics, progress=not args.quiet, runner=runner
            )
    page = write_summary(metrics, records, out, ladder)
    print(summary_text(metrics))
    if ladder is not None:
        print()
        print(robustness_text(ladder))
    print(f"metrics: {out / 'metrics.json'}; summary: {page}")
    return DONE


def _add_train(commands: Commands) -> None:
    """``unmask train``: the frame detector."""
    train = commands.add_parser(
        "train",
        help="train the deepfake detector on real faces only (needs the 'train' extra: torch)",
        description="Train the detector on real faces only: forgeries of the same person are made on the fly. "
        "INPUT is a folder of real images or videos, or the output folder of 'unmask faces'. Everything goes "
        "to DIR; running again with the same DIR resumes from its last checkpoint.",
    )
    train.add_argument("inputs", nargs="+", metavar="INPUT")
    train.add_argument("-o", "--output", required=True, metavar="DIR", help="run folder")
    defaults = TrainDefaults()
    train.add_argument("--steps", type=_positive_int, default=defaults.steps, help="detector steps (%(default)s)")
    train.add_argument("--batch", type=_positive_int, default=defaults.batch, help="images per step (%(default)s)")
    train.add_argument(
        "--autoencoder-steps", type=_positive_int, default=defaults.autoencoder_steps, help="(%(default)s)"
    )
    train.add_argument("--frames", type=_positive_int, default=defaults.frames, help="frames per video (%(default)s)")
    train.add_argument(
        "--rerender-share",
        type=_share,
        default=defaults.rerender,
        metavar="SHARE",
        help="share of forgeries that re-render the whole face crop, with no blend boundary (%(default)s)",
    )
    train.add_argument(
        "--decoder",
        metavar="DIR",
        help="a TAEF2 folder (taesd.py, taef2_encoder.pth, taef2_decoder.pth, e.g. ../shared/models/taesd): "
        "reconstructions through it (cached) replace the small autoencoder's",
    )
    train.add_argument("--decoder-cache", metavar="DIR", help="where reconstructions are cached (RUN/decoder-cache)")
    train.add_argument(
        "--history",
        choices=HISTORIES,
        default=defaults.history,
        help="laundering: one history per pair applied to both halves (paired) or drawn per image "
        "(independent, unmask-blend 1.0.0's); default %(default)s",
    )
    train.add_argument(
        "--low-light",
        type=_share,
        default=defaults.low_light,
        metavar="SHARE",
        help="share of real crops darkened before their forgery is made, both halves sharing the dim scene "
        "(%(default)s)",
    )
    train.add_argument("--seed", type=int, default=defaults.seed, help="(%(default)s)")
    train.add_argument("--device", default=defaults.device, help="cpu, cuda, or auto (%(default)s)")
    train.add_argument("--threads", type=int, default=defaults.threads, help="CPU threads, 0 = torch's default")
    train.set_defaults(run=_run_train)


def _run_train(args: argparse.Namespace) -> Outcome:
    try:
        from unmask.train.loop import train
    except ImportError as err:
        raise _missing_extra(err, "train") from None
    config = TrainDefaults(
        steps=args.steps,
        batch=args.batch,
        autoencoder_steps=args.autoencoder_steps,
        frames=args.frames,
        rerender=args.rerender_share,
        decoder=args.decoder,
        decoder_cache=args.decoder_cache,
        history=args.history,
        low_light=args.low_light,
        seed=args.seed,
        device=args.device,
        threads=args.threads,
        inputs=list(args.inputs),
    )
    summary = train(config, Path(args.output), log=lambda message: tqdm.write(message, file=sys.stderr))
    print(f"detector: {Path(args.output) / 'detector.onnx'} ({summary['images_seen']} images seen)")
    return DONE


def _add_train_temporal(commands: Commands) -> None:
    """``unmask train-temporal``: the temporal branch."""
    temporal = commands.add_parser(
        "train-temporal",
        help="train the temporal branch on real face tracks (needs the 'train' extra: torch)",
        description="Train the temporal branch on real videos only: each window of a real face track gets a "
        "same-person animation of it (reenactment, lip-sync, re-rendering, one-shot animation), both laundered "
        "alike. INPUT is a real video, a folder of them, or the output folder of 'unmask faces'. Writes "
        "RUN/unmask-temporal.onnx with a model card draft; tools/ship_temporal.py ships it.",
    )
    temporal.add_argument("inputs", nargs="+", metavar="INPUT")
    temporal.add_argument("-o", "--output", required=True, metavar="RUN", help="run folder")
    tdefaults = TemporalDefaults()
    temporal.add_argument(
        "--windows", type=_positive_int, default=tdefaults.windows, help="real windows, one forgery each (%(default)s)"
    )
    temporal.add_argument("--window", type=_positive_int, default=tdefaults.window, help="frames each (%(default)s)")
    temporal.add_argument("--epochs", type=_positive_int, default=tdefaults.epochs, help="(%(default)s)")
    temporal.add_argument("--seed", type=int, default=tdefaults.seed, help="(%(default)s)")
    temporal.add_argument(
        "--workers", type=_positive_int, default=tdefaults.workers, help="processes making features (%(default)s)"
    )
    temporal.add_argument(
        "--autoencoder", metavar="PT", help="autoencoder.pt of an 'unmask train' run, for the re-rendered forgeries"
    )
    temporal.add_argument(
        "--blur-share",
        type=_share,
        default=tdefaults.blur,
        metavar="SHARE",
        help="share of windows blurred after coding, real and forged alike (%(default)s)",
    )
    temporal.add_argument(
        "--noise-share",
        type=_share,
        default=tdefaults.noise,
        metavar="SHARE",
        help="share of windows given added noise after coding, real and forged alike (%(default)s)",
    )
    temporal.add_argument(
        "--ignore",
        action="append",
        default=[],
        type=_feature_name,
        metavar="NAME",
        help="a feature the model does not read, or a group of them (texture-levels); repeatable. The identity "
        "features (pose, face shape, skin colour) are never read",
    )
    temporal.set_defaults(run=_run_train_temporal)


def _run_train_temporal(args: argparse.Namespace) -> Outcome:
    try:
        from unmask.train.temporal_loop import train_temporal
    except ImportError as err:
        raise _missing_extra(err, "train") from None
    config = TemporalDefaults(
        windows=args.windows,
        window=args.window,
        epochs=args.epochs,
        seed=args.seed,
        workers=args.workers,
        autoencoder=args.autoencoder,
        blur=args.blur_share,
        noise=args.noise_share,
        ignore=features_named(["identity", *args.ignore]),
    )
    summary = train_temporal(
        list(args.inputs), Path(args.output), config, log=lambda message: tqdm.write(message, file=sys.stderr)
    )
    auc = summary["held_out_auc"][f"{config.window}_frames"]["all"]
    print(f"temporal branch: {Path(args.output) / 'unmask-temporal.onnx'} (held-out AUC {auc:.3f})")
    return DONE


def _add_train_liveness(commands: Commands) -> None:
    """``unmask train-liveness``: the passive liveness model."""
    live = commands.add_parser(
        "train-liveness",
        help="train the passive liveness model on real faces against simulated attacks (needs the 'train' extra)",
        description="Train the passive presentation-attack model on real faces only: print, screen-replay and "
        "video-replay attacks are simulated from each real frame (see 'unmask forge --attacks'), both classes "
        "post-processed alike. A seeded share of the files is held out whole; the threshold minimises ACER on "
        "their simulated attacks. Writes DIR/unmask-live.onnx, its model card DIR/unmask-live.json and "
        "DIR/train.json; ship by copying both files into unmask/models/weights/.",
    )
    live.add_argument("inputs", nargs="+", metavar="INPUT", help="real images or videos, or folders of them")
    live.add_argument("-o", "--output", required=True, metavar="DIR", help="run folder")
    defaults = LivenessDefaults()
    live.add_argument("--epochs", type=_positive_int, default=defaults.epochs, help="(%(default)s)")
    live.add_argument("--variants", type=_positive_int, default=defaults.variants, help="pairs per frame (%(default)s)")
    live.add_argument("--frames", type=_positive_int, default=defaults.frames, help="frames per video (%(default)s)")
    live.add_argument(
        "--tight", type=_share, default=defaults.tight_share, help="share of pictures cut to a tight crop (%(default)s)"
    )
    live.add_argument(
        "--webcam",
        type=_share,
        default=defaults.webcam,
        help="share of live/attack pairs both seen by a cheap low-resolution webcam: the face at 60-160 px, "
        "washed out, colour lost, noisy, heavy JPEG (%(default)s)",
    )
    live.add_argument(
        "--close",
        type=_share,
        default=defaults.close,
        help="share of attacks held so close that the medium fills the frame: no edge, only texture (%(default)s)",
    )
    live.add_argument("--card-version", default="1.0.0", help="the version the model card gives (%(default)s)")
    live.add_argument("--cache", metavar="DIR", help="where faces and simulated crops are cached (DIR/cache)")
    live.add_argument("--seed", type=int, default=defaults.seed, help="(%(default)s)")
    live.add_argument("--threads", type=int, default=defaults.threads, help="CPU threads for torch (%(default)s)")
    live.add_argument("--workers", type=_positive_int, default=defaults.workers, help="simulating processes")
    live.set_defaults(run=_run_train_liveness)


def _run_train_liveness(args: argparse.Namespace) -> Outcome:
    try:
        from unmask.train.liveness import train_liveness
    except ImportError as err:
        raise _missing_extra(err, "train") from None
    config = LivenessDefaults(
        epochs=args.epochs,
        variants=args.variants,
        frames=args.frames,
        tight_share=args.tight,
        webcam=args.webcam,
        close=args.close,
        seed=args.seed,
        threads=args.threads,
        workers=args.workers,
        inputs=[str(Path(item).resolve()) for item in args.inputs],
    )
    out = Path(args.output)
    try:
        summary = train_liveness(
            config,
            out,
            Path(args.cache) if args.cache else None,
            log=lambda m: tqdm.write(m, file=sys.stderr),
            version=args.card_version,
        )
    except ValueError as err:
        raise CommandError(str(err)) from None
    held = summary["held_out"]
    print(f"liveness model: {out / 'unmask-live.onnx'} (held-out simulated ACER {held['acer']:.4f})")
    return DONE


def _duration(text: str) -> float | None:
    from unmask.server.settings import parse_duration

    try:
        return parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _add_serve(commands: Commands) -> None:
    """``unmask serve``: the HTTP service."""
    from unmask.server.settings import DEFAULT_RETAIN
    from unmask.server.settings import Settings as ServeDefaults

    served = ServeDefaults()
    serve = commands.add_parser(
        "serve",
        help="run the HTTP service and its upload page (needs the 'server' extra)",
        description="Serve the scan API (/v1/scans, docs at /docs), an upload page at /, and the liveness check "
        "(/v1/liveness) with its page at /live. Jobs and results "
        "persist in a SQLite file; jobs interrupted by a stop are finished after the next start. Uploads are "
        "deleted once scanned unless --keep-media.",
    )
    serve.add_argument("--host", default=served.host, help="address to listen on (default %(default)s)")
    serve.add_argument("--port", type=_positive_int, default=served.port, help="(default %(default)s)")
    serve.add_argument("--workers", type=_positive_int, default=served.workers, help="scans at once (%(default)s)")
    serve.add_argument("--db", metavar="PATH", default=str(served.db), help="job store (default %(default)s)")
    serve.add_argument("--max-image-mb", type=_positive_float, default=served.max_image_mb, help="(%(default)g)")
    serve.add_argument("--max-video-mb", type=_positive_float, default=served.max_video_mb, help="(%(default)g)")
    serve.add_argument(
        "--max-jobs-per-client",
        type=_positive_int,
        default=served.max_jobs_per_client,
        help="uploading + queued + running scans per client address; more get 429 (default %(default)s)",
    )
    serve.add_argument(
        "--max-uploads",
        type=_positive_int,
        default=served.max_uploads,
        help="uploads received at once, all clients together; more get 503 (default %(default)s)",
    )
    serve.add_argument(
        "--body-timeout",
        type=_positive_float,
        default=served.body_timeout_s,
        metavar="S",
        help="cut off with 408 an upload that sends nothing for S seconds, or, once S seconds have passed, "
        "averages under --min-upload-kbps (default %(default)g)",
    )
    serve.add_argument(
        "--min-upload-kbps",
        type=_non_negative_float,
        default=served.min_upload_kbps,
        metavar="KB/S",
        help="the slowest average upload accepted, in kilobytes per second (default %(default)g; 0: any)",
    )
    serve.add_argument("--keep-media", action="store_true", help="keep uploads after scanning (default: delete)")
    serve.add_argument(
        "--keep-faces",
        action="store_true",
        help="store each report with its face pictures and heatmaps (default: reports are stored without them)",
    )
    serve.add_argument(
        "--retain",
        type=_duration,
        default=served.retain_s,
        metavar="DURATION",
        help=f"forget each finished scan (its result, report and any kept upload) this long after it ended: "
        f"e.g. 7d, 24h, 90m, or 'forever' (default {DEFAULT_RETAIN})",
    )
    serve.add_argument("--token", help="require 'Authorization: Bearer TOKEN' on /v1 (default: $UNMASK_TOKEN)")
    serve.add_argument(
        "--tokens",
        metavar="FILE",
        help="named tokens, one 'NAME TOKEN' a line; each caller sees only the scans made with its own token "
        "(--token, if given too, is the one named 'default')",
    )
    serve.add_argument("--model", metavar="CARD", help="a model card JSON (default: the shipped detector)")
    serve.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="scan on a Dask cluster (tcp://host:8786, or local[:N]) instead of here; --workers scans are sent at "
        "once, each upload's bytes with its task; jobs stay in the --db store (needs the 'cluster' extra)",
    )
    serve.add_argument(
        "--liveness-key-file",
        metavar="FILE",
        help="sign liveness challenges with the key in FILE (default: $UNMASK_LIVENESS_KEY_FILE or "
        "$UNMASK_LIVENESS_KEY, else a random key made at each start: a restart voids the challenges handed out)",
    )
    serve.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace) -> Outcome:
    from unmask.liveness import read_key
    from unmask.server.settings import TOKEN_ENV, read_tokens
    from unmask.server.settings import Settings as ServeSettings

    try:
        from unmask.server.app import run_server
    except ImportError as err:
        raise _missing_extra(err, "server") from None
    tokens = read_tokens(args.tokens) if args.tokens else {}
    try:
        settings = ServeSettings(
            db=Path(args.db),
            host=args.host,
            port=args.port,
            workers=args.workers,
            max_image_mb=args.max_image_mb,
            max_video_mb=args.max_video_mb,
            max_jobs_per_client=args.max_jobs_per_client,
            max_uploads=args.max_uploads,
            body_timeout_s=args.body_timeout,
            min_upload_kbps=args.min_upload_kbps,
            keep_media=args.keep_media,
            keep_faces=args.keep_faces,
            retain_s=args.retain,
            token=args.token or os.environ.get(TOKEN_ENV),
            tokens=tokens,
            model=args.model,
            cluster=args.cluster,
            liveness_key=read_key(args.liveness_key_file),
        )
    except ValueError as err:  # settings that contradict each other (two names for one token)
        raise CommandError(str(err)) from None
    if not settings.callers and settings.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"unmask serve: warning: listening on {settings.host} without a token (--token, --tokens)", file=sys.stderr
        )
    run_server(settings)
    return DONE


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; each sets ``run``, the function that carries it out."""
    parser = argparse.ArgumentParser(
        prog="unmask",
        description="Tell real faces from deepfakes and live faces from presentation attacks, on a plain CPU.",
    )
    parser.add_argument("--version", action="version", version=f"unmask {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    temporal_help = _temporal_help()  # reads the temporal card once, for scan and eval
    _add_faces(commands)
    _add_probe(commands)
    _add_scan(commands, temporal_help)
    _add_live(commands)
    _add_forge(commands)
    _add_eval(commands, temporal_help)
    _add_train(commands)
    _add_train_temporal(commands)
    _add_train_liveness(commands)
    _add_serve(commands)
    return parser


def _say(err: BaseException, command: str) -> None:
    """Tell the user, in one line on stderr, what stopped ``command`` (nothing for a closed output pipe)."""
    if isinstance(err, BrokenPipeError):
        # Point stdout at nothing so that Python's flush at exit does not fail on the closed pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    elif isinstance(err, KeyboardInterrupt):
        print("unmask: interrupted", file=sys.stderr)
    elif isinstance(err, CommandError):
        print(f"unmask {command}: error: {err}", file=sys.stderr)
    elif isinstance(err, UnmaskError | OSError):  # an OSError: an output that cannot be written, a full disk
        print(f"unmask: error: {reason(err)}", file=sys.stderr)
    else:  # the last guard: one line, never a traceback
        print(f"unmask: {reason(err)} (set UNMASK_DEBUG=1 for details)", file=sys.stderr)


def main(argv: Sequence[str] | None = None, on_start: Callable[[], object] | None = None) -> int:
    """Run the command line; returns the exit status (:func:`exit_status`). ``on_start`` is called once the
    arguments are read, as the command starts (the ``unmask`` entry point lets Ctrl-C raise from there on)."""
    args = build_parser().parse_args(argv)
    try:
        if on_start is not None:
            on_start()
        outcome = args.run(args)
    except (Exception, KeyboardInterrupt) as err:
        if os.environ.get("UNMASK_DEBUG") and not isinstance(err, UnmaskError | OSError | KeyboardInterrupt):
            raise
        _say(err, args.command)
        return exit_status(err)
    return exit_status(outcome)


if __name__ == "__main__":
    sys.exit(main())
