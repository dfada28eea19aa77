import json
import shutil
import subprocess
import sys

import pytest

from unmask import __version__
from unmask.cli import DONE, CommandError, Outcome, exit_status, main
from unmask.errors import UnmaskError
from unmask.media import probe


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"unmask {__version__}"


def test_probe_prints_one_line_per_file(capsys, media):
    code, out, err = run(capsys, "probe", media / "astronaut_exif6.jpg", media / "single_face.mp4")
    assert code == 0 and err == ""
    still, video = out.strip().splitlines()
    assert still.endswith("image  512x512  jpeg  rotated 90°")
    assert "video  640x480  h264  1.60 s  25.00 fps  40 frames" in video


def test_probe_json(capsys, media):
    code, out, _ = run(capsys, "probe", "--json", media / "rotated.mp4")
    info = json.loads(out)
    assert code == 0 and (info["kind"], info["width"], info["height"], info["rotation"]) == ("video", 640, 480, 90)


def test_probe_bad_and_good(capsys, media):
    code, out, err = run(capsys, "probe", media / "text.jpg", media / "astronaut.jpg")
    assert code == 1 and len(out.splitlines()) == 1
    assert err.strip() == f"unmask: {media / 'text.jpg'}: a text file, not an image or video"


def test_faces_reports_and_skips_bad_files(capsys, media, tmp_path):
    code, out, err = run(capsys, "faces", media / "astronaut.jpg", media / "empty.jpg", "-o", tmp_path, "-q")
    assert code == 1
    assert out.splitlines() == [
        "2 files: 1 with faces (50.0%), 1 crops, 1 errors",
        f"index: {tmp_path / 'index.jsonl'}",
        f"contact sheet: {tmp_path / 'contact_sheet.jpg'}",
    ]
    assert err.strip() == f"unmask: skipped {media / 'empty.jpg'}: empty file (0 bytes)"


def test_an_output_that_cannot_be_written_is_one_line(capsys, media, tmp_path):
    (tmp_path / "contact_sheet.jpg").mkdir()  # a folder where the sheet should go
    code, _, err = run(capsys, "faces", media / "astronaut.jpg", "-o", tmp_path, "-q")
    assert code == 2 and err.strip() == f"unmask: error: cannot write {tmp_path / 'contact_sheet.jpg'}"


def test_faces_sampling_options(capsys, media, tmp_path):
    code, out, _ = run(
        capsys, "faces", media / "single_face.mp4", "-o", tmp_path, "-q", "--frames", "3", "--size", "96"
    )
    assert code == 0 and out.startswith("1 files: 1 with faces (100.0%), 3 crops")
    record = json.loads((tmp_path / "index.jsonl").read_text())
    assert [c["frame"] for c in record["crops"]] == [0, 20, 39]
    assert json.loads((tmp_path / "run.json").read_text())["contract"]["size"] == 96


def test_faces_usage_errors(capsys, media, tmp_path):
    code, _, err = run(capsys, "faces", media / "single_face.mp4", "-o", tmp_path, "--frames", "3", "--fps", "2")
    assert code == 2 and "cannot be combined" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["faces", str(media / "astronaut.jpg"), "-o", str(tmp_path), "--every", "0"])
    assert exit_info.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_faces_nothing_to_do(capsys, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_text("no media here")
    code, _, err = run(capsys, "faces", tmp_path / "in", "-o", tmp_path / "out", "-q")
    assert code == 2 and "no media files found" in err


def test_bad_inputs_never_show_a_traceback(media, tmp_path):
    """The four bad inputs of the issue, through the real command: one clear line each, a non-zero exit."""
    bad = ["truncated.mp4", "empty.jpg", "text.jpg", "huge.png"]
    result = subprocess.run(
        [sys.executable, "-m", "unmask", "faces", *[str(media / name) for name in bad], "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("unmask: skipped")]
    assert len(skipped) == 4
    for name, reason in zip(
        bad, ["damaged or truncated", "empty file", "a text file", "refused before decoding"], strict=True
    ):
        assert any(name in line and reason in line for line in skipped), (name, skipped)
    assert result.stdout.startswith("4 files: 0 with faces (0.0%), 0 crops, 4 errors")


def test_cli_defaults_are_the_library_defaults():
    from unmask.cli import build_parser
    from unmask.faces import ALIGNMENT
    from unmask.faces.analyzer import MIN_FACE_SIZE
    from unmask.faces.extract import MAX_FACES
    from unmask.media import Limits

    args = build_parser().parse_args(["faces", "x", "-o", "y"])
    assert (args.min_face, args.max_faces, args.size) == (MIN_FACE_SIZE, MAX_FACES, ALIGNMENT.size)
    assert (args.max_megapixels * 1e6, args.max_duration) == (Limits().max_pixels, Limits().max_duration_s)


def test_negative_min_face_is_a_usage_error(capsys, media, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["faces", str(media / "astronaut.jpg"), "-o", str(tmp_path), "--min-face", "-3"])
    assert exit_info.value.code == 2 and "must not be negative" in capsys.readouterr().err


@pytest.mark.parametrize(("flag", "field", "default"), [("--rerender-share", "rerender_share", "rerender"),
                                                         ("--low-light", "low_light", "low_light")])  # fmt: skip
def test_training_shares_are_shares(capsys, flag, field, default):
    from unmask.cli import build_parser
    from unmask.train.config import TrainConfig

    assert getattr(build_parser().parse_args(["train", "x", "-o", "y"]), field) == getattr(TrainConfig(), default)
    assert getattr(build_parser().parse_args(["train", "x", "-o", "y", flag, "0.2"]), field) == 0.2
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "x", "-o", "y", flag, "1.5"])
    assert exit_info.value.code == 2 and "between 0 and 1" in capsys.readouterr().err


def test_closed_output_pipe_ends_quietly(media):
    command = [sys.executable, "-m", "unmask", "probe", *[str(media / "astronaut.jpg")] * 2000]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout.readline().endswith(b"jpeg\n")
        process.stdout.close()  # the reader goes away, as `| head -1` does
        stderr = process.stderr.read().decode()
        code = process.wait(timeout=60)
    assert code == 141 and stderr == ""


def test_scan_table_lists_each_input_and_exits_1_when_one_is_bad(capsys, media):
    code, out, err = run(capsys, "scan", "-q", media / "astronaut.jpg", media / "no_face.mp4", media / "text.jpg")
    lines = out.splitlines()
    assert code == 1 and lines[0].split() == ["VERDICT", "SCORE", "FACES", "FRAMES", "INPUT"]
    assert lines[1].split()[:4] == ["real", lines[1].split()[1], "1", "1"]
    assert lines[2].startswith("not_applicable") and "no face found in 20 sampled frames" in lines[2]
    assert lines[3].startswith("error") and "a text file" in lines[3]
    assert "Traceback" not in err


def test_scan_jsonl_and_json_validate_against_the_schema(capsys, media):
    import jsonschema

    from unmask.verdict import scan_schema

    code, out, _ = run(capsys, "scan", "-q", "--format", "jsonl", "--frames", "4", media / "single_face.mp4")
    (line,) = out.splitlines()
    record = json.loads(line)
    jsonschema.validate(record, scan_schema())
    assert code == 0 and len(record["frames"]) == 4 and record["sampling"].startswith("4 evenly spaced frames")
    code, out, _ = run(capsys, "scan", "-q", "--format", "json", media / "astronaut.jpg", media / "empty.jpg")
    records = json.loads(out)
    assert code == 1 and [r["verdict"] for r in records] == ["real", "error"]
    for record in records:
        jsonschema.validate(record, scan_schema())


def test_scan_writes_heatmaps_and_walks_folders(capsys, media, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jpg").write_bytes((media / "astronaut.jpg").read_bytes())
    (folder / "notes.txt").write_text("not media")
    code, out, _ = run(capsys, "scan", "-q", folder, "--heatmaps", tmp_path / "heat")
    assert code == 0 and len(out.splitlines()) == 2
    (written,) = (tmp_path / "heat").rglob("*.jpg")
    assert written.name.startswith("f000000_face00_")


def test_scan_usage_errors(capsys, media, tmp_path):
    code, _, err = run(capsys, "scan", tmp_path)
    assert code == 2 and "no media files" in err
    code, _, err = run(capsys, "scan", media / "astronaut.jpg", "--threshold", "1.5")
    assert code == 2 and "--threshold" in err
    code, _, err = run(capsys, "scan", media / "astronaut.jpg", "--model", tmp_path / "none.json")
    assert code == 2 and "model card not found" in err


def test_scan_threshold_option_is_used(capsys, media):
    code, out, _ = run(capsys, "scan", "-q", "--format", "jsonl", "--threshold", "0", media / "astronaut.jpg")
    record = json.loads(out)
    assert code == 0 and record["verdict"] == "fake" and record["threshold"] == 0


def test_forge_writes_a_contact_sheet(capsys, media, tmp_path):
    code, out, _ = run(capsys, "forge", "-q", media / "astronaut.jpg", "-o", tmp_path, "--count", "3", "--seed", "1")
    assert code == 0 and out.strip() == f"forgeries: {tmp_path / 'forgeries.jpg'}"
    from PIL import Image

    with Image.open(tmp_path / "forgeries.jpg") as sheet:
        assert sheet.width > 600 and sheet.height > 150
    code, _, err = run(capsys, "forge", "-q", media / "no_face.mp4", "-o", tmp_path / "none")
    assert code == 2 and "no faces found" in err


def test_forge_attacks_writes_a_sheet_of_live_and_attack_pairs(capsys, media, tmp_path):
    code, out, _ = run(capsys, "forge", "-q", media / "astronaut.jpg", "-o", tmp_path, "--attacks", "--count", "3")
    assert code == 0 and out.strip() == f"attacks: {tmp_path / 'attacks.jpg'}"
    from PIL import Image

    with Image.open(tmp_path / "attacks.jpg") as sheet:
        assert sheet.width > 300
    code, _, err = run(capsys, "forge", "-q", media / "no_face.mp4", "-o", tmp_path / "none", "--attacks")
    assert code == 2 and "no faces" in err


def test_forge_clips_shows_animation_forgeries_as_sheets_and_side_by_side_clips(capsys, media, tmp_path):
    code, out, _ = run(capsys, "forge", "-q", media / "single_face.mp4", "-o", tmp_path, "--count", "1", "--clips", "3")
    assert code == 0 and out.splitlines()[-1] == f"clips: 3 in {tmp_path / 'clips'}"
    sheets = sorted((tmp_path / "clips").glob("clip*.jpg"))
    movies = sorted((tmp_path / "clips").glob("clip*.mp4"))
    assert len(sheets) == len(movies) == 3
    assert all(path.stem.split("_", 1)[1] in ("reenact", "lipsync", "rerender") for path in sheets)
    info = probe(movies[0])
    assert info.kind == "video" and info.width == 448 and info.frame_count >= 2
    code, _, err = run(capsys, "forge", "-q", media / "astronaut.jpg", "-o", tmp_path / "still", "--clips", "1")
    assert code == 2 and "--clips needs videos" in err


def test_eval_prints_groups_and_writes_the_summary(capsys, media, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(f"path,label\n{media / 'astronaut.jpg'},real\n{media / 'no_face.mp4'},real\n")
    code, out, _ = run(capsys, "eval", "-q", labels, "-o", tmp_path / "out", "--bootstrap", "10")
    assert code == 0 and out.splitlines()[0].startswith("GROUP")
    assert any(line.startswith("all ") for line in out.splitlines())
    assert "Protocol: unmask" in out and "summary:" in out.splitlines()[-1]
    for name in ("metrics.json", "scores.jsonl", "index.html", "roc.png", "histograms.png"):
        assert (tmp_path / "out" / name).is_file(), name


def test_eval_usage_errors(capsys, media, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(f"path,label\n{media / 'astronaut.jpg'},real\n")
    code, _, err = run(capsys, "eval", "-q", labels, "-o", tmp_path / "out", "--robustness", "jpeg-55")
    assert code == 2 and err.strip().startswith("unmask: error: --robustness: unknown rung 'jpeg-55'")
    code, _, err = run(capsys, "eval", "-q", tmp_path / "nowhere", "-o", tmp_path / "out")
    assert code == 2 and "no such file or folder" in err and "Traceback" not in err
    code, _, err = run(capsys, "eval", "-q", labels, "-o", tmp_path / "out", "--only", "ffpp")
    assert code == 2 and "no file of" in err


def test_scan_report_writes_a_page_for_one_input_and_a_folder_for_several(capsys, media, tmp_path):
    page = tmp_path / "out" / "astronaut report.html"
    code, out, err = run(capsys, "scan", "--frames", "4", media / "astronaut.jpg", "--report", page)
    assert code == 0 and len(out.splitlines()) == 2 and err.strip() == f"report: {page}"
    text = page.read_text(encoding="utf-8")
    assert "<title>unmask report: astronaut.jpg</title>" in text and text.count("<img ") == 1
    inputs = [media / "single_face.mp4", media / "text.jpg"]
    options = ["--report", tmp_path / "pages", "--heatmaps", tmp_path / "heat"]
    code, _, err = run(capsys, "scan", "-q", "--frames", "4", *inputs, *options)
    assert code == 1 and err == ""
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == ["single_face_mp4.html", "text_jpg.html"]
    assert "<svg" in (tmp_path / "pages" / "single_face_mp4.html").read_text(encoding="utf-8")
    assert "Could not be read: a text file" in (tmp_path / "pages" / "text_jpg.html").read_text(encoding="utf-8")
    assert len(list((tmp_path / "heat").rglob("*.jpg"))) == 4  # heatmaps are still written beside the report


def test_scan_temporal_adds_the_animation_cue(capsys, media):
    code, out, _ = run(capsys, "scan", "-q", "--format", "jsonl", "--temporal", media / "single_face.mp4")
    (track,) = json.loads(out)["faces"]
    assert code == 0 and set(track["cues"]) == {"blend", "animation", "speech"}
    assert track["cues"]["animation"]["applied"]
    code, out, _ = run(capsys, "scan", "-q", "--format", "jsonl", "--no-temporal", media / "single_face.mp4")
    animation = json.loads(out)["faces"][0]["cues"]["animation"]
    assert not animation["applied"] and animation["score"] is None and "is off in this scan" in animation["reason"]


def test_scan_with_another_temporal_model_card(capsys, media, tmp_path):
    from unmask.models import WEIGHTS

    card = json.loads((WEIGHTS / "unmask-temporal.json").read_text())
    shutil.copyfile(WEIGHTS / card["file"], tmp_path / card["file"])
    card["version"] = "9.9.9-test"
    (tmp_path / "mine.json").write_text(json.dumps(card))
    argv = ["scan", "-q", "--format", "jsonl", "--temporal-model", tmp_path / "mine.json", media / "single_face.mp4"]
    code, out, _ = run(capsys, *argv)
    data = json.loads(out)
    assert code == 0 and data["temporal_model"]["version"] == "9.9.9-test"
    assert data["faces"][0]["cues"]["animation"]["applied"]
    code, _, err = run(capsys, *argv[:4], "--no-temporal", *argv[4:])
    assert code == 2 and "contradict" in err


def test_scan_speech_switch_and_language(capsys, media):
    argv = ["scan", "-q", "--format", "jsonl"]
    code, out, _ = run(capsys, *argv, "--no-speech", "--no-temporal", media / "single_face.mp4")
    speech = json.loads(out)["faces"][0]["cues"]["speech"]
    assert code == 0 and speech["applied"] is False and speech["reason"] == "the speech cue is off in this scan"
    code, _, err = run(capsys, *argv, "--no-speech", "--speech-language", "fr", media / "single_face.mp4")
    assert code == 2 and "contradict" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, *argv, "--speech-language", "english!", media / "single_face.mp4")
    assert code == 2 and "--speech-language: 'english!' is not a language code" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("DONE", 0),
        ((1, 0), 0),
        ((3, 0), 0),
        ((3, 1), 1),  # some inputs failed, the others ran
        ((3, 2), 1),
        ((3, 3), 2),  # every input failed
        ((0, 0), 2),  # nothing to process
        (CommandError("--threshold must lie in [0, 1]"), 2),  # a usage error
        (UnmaskError("model card not found"), 2),  # an error that stopped the command
        (OSError("cannot write sheet.jpg"), 2),
        (RuntimeError("a bug"), 2),
        (KeyboardInterrupt(), 130),
        (BrokenPipeError(), 141),
    ],
)
def test_one_rule_decides_the_exit_status(outcome, status):
    if outcome == "DONE":
        outcome = DONE
    elif isinstance(outcome, tuple):
        outcome = Outcome(*outcome)
    assert exit_status(outcome) == status


@pytest.mark.parametrize(
    ("raised", "status", "said"),
    [
        (RuntimeError("boom\nagain"), 2, "unmask: internal error: RuntimeError: boom again (set UNMASK_DEBUG=1"),
        (KeyboardInterrupt(), 130, "unmask: interrupted"),
        (CommandError("no media files found in the inputs"), 2, "unmask probe: error: no media files found"),
    ],
)
def test_what_stops_a_command_is_one_line_and_its_status(capsys, monkeypatch, raised, status, said):
    import unmask.cli as cli

    def stopped(args):
        raise raised

    monkeypatch.delenv("UNMASK_DEBUG", raising=False)
    monkeypatch.setattr(cli, "_run_probe", stopped)
    code, out, err = run(capsys, "probe", "x.jpg")
    assert code == status and out == "" and err.startswith(said) and len(err.splitlines()) == 1


def test_sampling_options_that_cannot_be_combined_are_usage_errors_in_eval_too(capsys, media, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(f"path,label\n{media / 'astronaut.jpg'},real\n")
    code, _, err = run(capsys, "eval", "-q", labels, "-o", tmp_path / "out", "--frames", "3", "--fps", "2")
    assert code == 2 and err.startswith("unmask eval: error: ") and "cannot be combined" in err


def test_scan_scores_every_face_of_a_photo_unless_max_faces_is_given(capsys, astronaut, tmp_path):
    from PIL import Image

    from mediagen import crowd

    photo = tmp_path / "crowd.png"
    Image.fromarray(crowd(astronaut)).save(photo)
    code, out, _ = run(capsys, "scan", "-q", "--format", "json", photo)
    (every,) = json.loads(out)
    assert code == 0 and len(every["faces"]) == 49 and every["unscored"]["faces"] == 0
    code, out, _ = run(capsys, "scan", "-q", "--format", "json", "--max-faces", "20", photo)
    (capped,) = json.loads(out)
    assert code == 0 and len(capped["faces"]) == 20
    assert capped["unscored"]["beyond_max_faces"] == 29 and capped["unscored"]["max_faces"] == 20


class _Passive:
    name, version, threshold = "fake-passive", "0.0", 0.5

    def score(self, image, box):
        return 0.2


def test_live_checks_a_photo_and_a_clip_against_a_challenge(capsys, media, tmp_path, monkeypatch):
    import unmask.verdict.live as live

    monkeypatch.setattr(live, "load_passive_model", _Passive)
    code, out, _ = run(capsys, "live", media / "astronaut.jpg")
    assert code == 0 and out.split()[:2] == ["live", "passive"]
    code, out, err = run(
        capsys,
        "live",
        media / "single_face.mp4",
        "--challenge",
        "turn_left,smile",
        "--json",
        "--report",
        tmp_path / "r.html",
    )
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "attack" and data["decided_by"] == "challenge"
    assert data["cues"]["challenge"]["spec"] == "turn_left@1-3,smile@3-5"
    assert (tmp_path / "r.html").is_file() and "report:" in err


def test_live_bad_input_and_bad_challenges_are_one_line(capsys, media, tmp_path, monkeypatch):
    monkeypatch.delenv("UNMASK_LIVENESS_KEY", raising=False)
    monkeypatch.delenv("UNMASK_LIVENESS_KEY_FILE", raising=False)
    code, out, err = run(capsys, "live", media / "text.jpg", "--no-deepfake")
    assert code == 2 and out.startswith("error") and len(out.strip().splitlines()) == 1 and "Traceback" not in err
    code, _, err = run(capsys, "live", media / "astronaut.jpg", "--challenge", "wink")
    assert code == 2 and err.strip() == (
        "unmask live: error: --challenge: unknown action 'wink': expected one of blink, turn_left, turn_right, "
        "smile, open_mouth, look_up"
    )
    code, _, err = run(capsys, "live", media / "astronaut.jpg", "--challenge", "lv1.abc.def")
    assert code == 2 and "needs its key" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "live", media / "astronaut.jpg", "--key-file", tmp_path / "none")
    assert code == 2 and "cannot read the liveness key" in err


def test_eval_simulated_needs_one_mode_and_a_card_with_held_out_files(capsys, tmp_path):
    code, _, err = run(capsys, "eval", "-o", tmp_path / "o", "--liveness", tmp_path / "l.csv", "--simulated", tmp_path)
    assert code == 2 and "not both" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "eval", "-o", tmp_path / "o", "--simulated", tmp_path, "--minifasnet", "none")
    assert code == 2 and "not found under" in err and len(err.strip().splitlines()) == 1
