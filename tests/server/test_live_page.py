"""The liveness check page end to end: a headless Chromium whose camera is a video file, against a real server.

Chromium's fake camera (``--use-file-for-fake-video-capture``) plays a .y4m file in a loop; the file is made here
from a real clip of ../shared/data/train_real in which a woman turns her head to her right and then to her left,
over and over (intel/headpose, 1.84 s at 12.5 fps: every 2-s window of the loop holds both turns). The server hands
out that challenge (a test-only setting) and the page must record a passing answer; a still photo looped as a
video must fail it. Skipped without Chromium or the shared data, except under ``CI=true``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from browser import start_chromium
from unmask.media import Sampling, read_frames
from unmask.verdict import LiveChecker

TURNS = "turn_right,turn_left"  # 1 s of lead-in, then 1-3 s and 3-5 s


def write_y4m(path: Path, frames: list[np.ndarray], fps: tuple[int, int]) -> Path:
    """RGB frames (even sizes) as an uncompressed YUV 4:2:0 .y4m file, which Chromium's fake camera plays."""
    height, width = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps[0]}:{fps[1]} Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def run_check(y4m: Path, make_app, live_server, scanner) -> tuple[str, str, dict]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser = start_chromium(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    )
    # Every cue as shipped: the challenge, the passive model (unmask-live) and the deepfake scan.
    app = make_app(liveness_challenge=TURNS, checker_factory=lambda key: LiveChecker(scanner, key=key))
    try:
        with live_server(app) as url:
            browser.get(url + "/live")
            assert browser.title.startswith("unmask")
            browser.find_element(By.ID, "start").click()
            verdict = WebDriverWait(browser, 120).until(
                expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#live-verdict[data-verdict]"))
            )
            cues = browser.find_element(By.ID, "cues").text
            return verdict.get_attribute("data-verdict"), verdict.text + "\n" + cues, {}
    finally:
        browser.quit()


@pytest.mark.shared
def test_a_real_clip_that_turns_as_asked_passes_the_check(shared_data, tmp_path, make_app, live_server, scanner):
    clip = shared_data / "train_real" / "intel" / "headpose" / "head-pose-face-detection-female.gif"
    frames = [frame.image for frame in read_frames(clip, Sampling())]
    y4m = write_y4m(tmp_path / "turns.y4m", frames, (25, 2))
    verdict, text, _ = run_check(y4m, make_app, live_server, scanner)
    assert verdict == "live", text
    assert text.startswith("A live person (Active challenge)") and "Deepfake scan: passed" in text
    assert "Passive" in text and "not applied" not in text.split("Passive", 1)[1].split("\n", 1)[0]


def test_a_still_photo_looped_as_a_video_fails(media, tmp_path, make_app, live_server, scanner):
    photo = np.asarray(Image.open(media / "astronaut.jpg").convert("RGB").resize((480, 480)))
    y4m = write_y4m(tmp_path / "still.y4m", [photo] * 25, (25, 1))
    verdict, text, _ = run_check(y4m, make_app, live_server, scanner)
    assert verdict == "attack", text
    assert text.startswith("Not a live person (Active challenge): step 1 of 2 (turn_right@1-3 s): turn_right not seen")
