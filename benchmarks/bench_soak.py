"""Soak run of `unmask serve`: uploads for minutes, 8 at a time, while the server is killed with SIGKILL every so
often and restarted on the same store; then what was lost, duplicated or stuck, the store's integrity and the
disk left behind.

Usage: python benchmarks/bench_soak.py [--uploads 300] [--minutes 10] [--kill-every 120] [--concurrency 8]
       [--drain 300] [--json bench-out/soak.json]
A quick check: --uploads 40 --minutes 2 --kill-every 40.

Loopback only, bounded: `unmask serve` runs in a subprocess on a free 127.0.0.1 port, on a store in a fresh
temporary folder (its uploads wait in the folder's ``server-media``), with one API token and a per-client cap
above the number of uploads (every client here is 127.0.0.1). Each upload is a different small file, a mix of
JPEG and PNG photos (256x256) and one-second clips (256x192, 10 fps), each stamped with its number so that every
file has its own sha256. They are sent in rounds of ``--concurrency`` at once, the rounds spread evenly over
``--minutes``. About every ``--kill-every`` seconds (+-15%) during that time the server gets ``kill -9`` and is
started again at once on the same store and port. Each kill is aimed into a round of uploads: every other one at
the moment its first upload is sent (0-0.2 s after), the others a few seconds later, while its scans run
(``kill_times``). The last round may still be retrying when the time is up; no kill happens after it.

A client whose upload meets a refused connection (the server is down) tries again after half a second. One whose
connection dies after the request was sent (reset, closed without an answer, timed out) cannot tell whether the
server stored the job before it died: the upload may have been received, checked and committed, with its 202 lost
with the process. **That is how a retry duplicates**: a blind retry of such an upload makes a second job of the
same file. So the client does what a careful client of this API can do: it waits for the server to answer again,
looks for its file's sha256 in its history (``GET /v1/scans``), adopts the job it finds, and uploads again only
when there is none. The run counts how often that happened (``adopted``: each one a duplicate that a blind retry
would have made). An answer of 429 or 503 is retried after its Retry-After; any other 4xx is a refusal.

Counted at the end, from the server's history, by sha256 (each submitted file has its own):

- **lost**: a submitted file that has no job ``done`` (none at all, or only ``failed`` ones, or its upload was
  refused); a file is submitted when its client first tries to send it.
- **duplicated**: a submitted file with more than one job, whatever their status (the client was told of at most
  one, as it never uploads again after a 202 or after adopting a job).
- **stuck**: a job still ``queued`` or ``running`` ``--drain`` seconds after the last upload was answered (no
  kill happens after the uploads end).
- **unknown**: a job whose sha256 is no submitted file's (must not exist).
- **integrity**: ``PRAGMA integrity_check`` on the store after a clean stop (SIGINT) at the end.
- **disk**: bytes and files in the store's ``server-media`` folder (uploads, partial ones included) against the
  same folder right after the first start (its baseline, empty); uploads are deleted once scanned and partial
  ones left by a kill are swept at the next start, so it must be back to the baseline. The store itself (the
  SQLite file and its WAL) grows with the results and is reported beside.

Prints a summary (markdown) and writes it all as JSON; exits non-zero when anything is lost, duplicated, stuck or
unknown, the integrity check fails or the disk is not back to its baseline. Needs the `server` extra.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image
from skimage import data as skimage_data

sys.path.insert(0, str(Path(__file__).parent))
from bench_faces import machine
from bench_server import free_port, multipart

from unmask.media import write_video

ROOT = Path(__file__).resolve().parents[1]
POLL_S = 0.3


class Refused(Exception):
    """The connection was refused: nothing reached the server."""


class Died(Exception):
    """The connection died after the request was (perhaps) sent: the server may have acted on it."""


# --- the files ------------------------------------------------------------------------------------------------


def _stamp(picture: np.ndarray, number: int) -> np.ndarray:
    """Write ``number`` in the top-left corner as 12 black or white cells of 8x8 pixels, big enough to outlive
    JPEG and H.264 compression: a different file, and a different sha256, for each upload."""
    out = picture.copy()
    for bit in range(12):
        row, column = divmod(bit, 6)
        out[row * 8 : row * 8 + 8, column * 8 : column * 8 + 8] = 255 if number >> bit & 1 else 0
    return out


def make_file(folder: Path, number: int, photo: np.ndarray) -> tuple[Path, str]:
    """Upload ``number`` (below 4096): a JPEG, a PNG or a clip, in turn, of the astronaut's face; its path and
    kind."""
    turn = number % 3
    if turn < 2:
        picture = _stamp(photo[20:276, 97:353], number)  # 256x256 around the face
        path = folder / f"photo_{number:04d}.{'jpg' if turn == 0 else 'png'}"
        Image.fromarray(picture).save(path, **({"quality": 90} if turn == 0 else {}))
        return path, "image"
    frames = []
    for step in range(10):  # a slow pan, 256x192 around the face
        matrix = np.array([[1.0, 0.0, -90.0 - 2 * step], [0.0, 1.0, -40.0]])
        frame = cv2.warpAffine(photo, matrix, (256, 192), borderMode=cv2.BORDER_REFLECT_101)
        frames.append(_stamp(frame, number))
    path = folder / f"clip_{number:04d}.mp4"
    write_video(path, frames, fps=10)
    return path, "video"


# --- HTTP -----------------------------------------------------------------------------------------------------


class Api:
    """Calls to the server with its token; connection failures are :class:`Refused` or :class:`Died`."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token
        self.waiting = 0  # uploads sent (or being sent) and not answered yet, from every client
        self._lock = threading.Lock()

    def upload(self, body: bytes, content_type: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """POST /v1/scans, counted in :attr:`waiting` while it is in the air."""
        with self._lock:
            self.waiting += 1
        try:
            return self.call("/v1/scans", body, content_type, timeout=120)
        finally:
            with self._lock:
                self.waiting -= 1

    def call(
        self, path: str, body: bytes | None = None, content_type: str | None = None, timeout: float = 60
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        headers = {"Authorization": f"Bearer {self.token}", "Connection": "close"}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, json.loads(answer.read() or b"{}"), dict(answer.headers)
        except urllib.error.HTTPError as err:
            try:
                detail = json.loads(err.read() or b"{}")
            except (ValueError, OSError, http.client.HTTPException):
                detail = {}
            return err.code, detail, dict(err.headers)
        except urllib.error.URLError as err:
            if isinstance(err.reason, ConnectionRefusedError):
                raise Refused(str(err.reason)) from None
            raise Died(str(err.reason)) from None
        except ConnectionRefusedError as err:
            raise Refused(str(err)) from None
        except (OSError, http.client.HTTPException, ValueError) as err:  # reset, closed, timed out, cut answer
            raise Died(f"{type(err).__name__}: {err}") from None

    def healthy(self) -> dict[str, Any] | None:
        """/healthz when the server answers it as running, else None."""
        try:
            status, health, _ = self.call("/healthz", timeout=10)
        except (Refused, Died):
            return None
        return health if status == 200 and health.get("status") == "ok" else None

    def wait_healthy(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (health := self.healthy()) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not answer /healthz within {timeout:g} s")
            time.sleep(POLL_S)
        return health

    def history(self) -> list[dict[str, Any]]:
        """Every job in the server's history (latest first); retried across restarts."""
        jobs: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            status, page, _ = self.call(f"/v1/scans?limit=200&offset={offset}")
            if status != 200:
                raise RuntimeError(f"GET /v1/scans answered {status}: {page}")
            jobs.extend(page["items"])
            offset = page["next_offset"]
        return jobs


# --- the server -----------------------------------------------------------------------------------------------


class Server:
    """``unmask serve`` in a subprocess on one store and port, killed and restarted at will."""

    def __init__(self, db: Path, port: int, token: str, uploads: int, log: Path) -> None:
        self.command = [
            *(sys.executable, "-m", "unmask", "serve", "--db", str(db), "--port", str(port), "--token", token),
            *("--max-jobs-per-client", str(max(4, uploads + 16))),
        ]
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        self.starts += 1

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def wait_up(self, api: Api, timeout: float = 300) -> None:
        """Wait until the server answers; a server that exits or never answers ends the run with its log's tail."""
        deadline = time.monotonic() + timeout
        while api.healthy() is None:
            assert self.process is not None
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-3:])
                raise SystemExit(f"the server did not start (its log ends: {tail})")
            time.sleep(POLL_S)

    def stop(self) -> int | None:
        """A clean stop (SIGINT, as Ctrl-C); its exit status, or None where it had to be killed after 60 s."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


# --- the clients ----------------------------------------------------------------------------------------------


@dataclass
class Upload:
    """One submitted file and what became of its upload, as its client saw it."""

    number: int
    kind: str
    size: int
    sha256: str
    scheduled_s: float
    started_s: float = 0.0
    answered_s: float | None = None
    attempts: list[str] = field(default_factory=list)
    job: str | None = None
    adopted: bool = False
    refused: str | None = None


def upload_one(api: Api, upload: Upload, path: Path, started: float, give_up_s: float) -> Upload:
    body, content_type = multipart(path)
    upload.started_s = time.monotonic() - started
    deadline = time.monotonic() + give_up_s
    while time.monotonic() < deadline:
        try:
            status, answer, headers = api.upload(body, content_type)
        except Refused:
            upload.attempts.append("refused")
            time.sleep(0.5)
            continue
        except Died as err:
            upload.attempts.append(f"died ({err})")
            job = reconcile(api, upload.sha256, deadline)
            if job is not None:
                upload.job, upload.adopted = job, True
                break
            continue
        upload.attempts.append(str(status))
        if status == 202:
            upload.job = answer["id"]
            break
        if status in (429, 503):
            time.sleep(float(headers.get("Retry-After", "1")))
            continue
        upload.refused = f"{status}: {answer.get('detail')}"
        break
    else:
        upload.refused = f"gave up after {give_up_s:g} s"
    upload.answered_s = time.monotonic() - started
    return upload


def reconcile(api: Api, digest: str, deadline: float) -> str | None:
    """After a connection died: once the server answers again, the id of a job of the file ``digest``, or None."""
    while time.monotonic() < deadline:
        try:
            api.wait_healthy(max(1.0, deadline - time.monotonic()))
            return next((job["id"] for job in api.history() if job["sha256"] == digest), None)
        except (Refused, Died, RuntimeError):
            time.sleep(0.5)
    return None


# --- the killer -----------------------------------------------------------------------------------------------


def disk(folder: Path) -> dict[str, int]:
    files = [entry for entry in folder.rglob("*") if entry.is_file()] if folder.is_dir() else []
    return {"bytes": sum(entry.stat().st_size for entry in files), "files": len(files)}


def kill_times(every_s: float, period_s: float, phase_s: float, seed: int = 7) -> list[tuple[float, str]]:
    """When to kill (seconds from the start) and what to aim at: about every ``every_s`` (+-15%), each moved to the
    start of the nearest round of uploads (every ``period_s``); in turn ``uploads`` (the round being received) and
    ``busy`` (1.5-4 s into the round, while its scans run). None after ``phase_s``."""
    rng = random.Random(seed)
    times: list[tuple[float, str]] = []
    aim = 0.0
    while True:
        aim += every_s * rng.uniform(0.85, 1.15)
        start = max(1, round(aim / period_s)) * period_s
        target = "uploads" if len(times) % 2 == 0 else "busy"
        when = start if target == "uploads" else start + rng.uniform(1.5, 4.0)
        if when >= phase_s:
            return times
        if not times or when > times[-1][0] + 5:
            times.append((when, target))


def killer(
    server: Server,
    api: Api,
    media: Path,
    times: list[tuple[float, str]],
    started: float,
    done: threading.Event,
    kills: list[dict],
) -> None:
    """At ``times`` (seconds from ``started``; until ``done``): once the target is in progress (at most 3 s later),
    kill -9, start again, wait until it answers. ``uploads``: 0-0.2 s after the first upload of the round is sent
    (the clients' own count; /healthz answers too late under load); ``busy``: when /healthz shows a scan running."""
    rng = random.Random(11)
    for when, target in times:
        if done.wait(max(0.0, started + when - time.monotonic())):
            return
        aim_until = time.monotonic() + 3.0
        before: dict[str, Any] = {}
        if target == "uploads":
            while not api.waiting and time.monotonic() < aim_until:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.2))
        else:
            while not (before := api.healthy() or {}).get("busy") and time.monotonic() < aim_until:
                time.sleep(0.01)
        waiting = api.waiting
        assert server.process is not None
        pid = server.process.pid
        media_before = disk(media)
        server.kill9()
        killed = time.monotonic()
        server.start()
        server.wait_up(api)
        kills.append(
            {
                "at_s": round(killed - started, 1),
                "aimed_at": target,
                "pid": pid,
                "down_s": round(time.monotonic() - killed, 1),
                "uploads_waiting_for_an_answer": waiting,
                "scanning": before.get("busy"),
                "jobs_before": before.get("jobs"),
                "media_dir_before": media_before,
            }
        )


# --- the run --------------------------------------------------------------------------------------------------


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=300, help="files to upload (default %(default)s)")
    parser.add_argument("--minutes", type=float, default=10.0, help="over how long (default %(default)g)")
    parser.add_argument("--kill-every", type=float, default=120.0, metavar="S", help="kill -9 period (%(default)g)")
    parser.add_argument("--concurrency", type=int, default=8, help="uploads at once (default %(default)s)")
    parser.add_argument("--drain", type=float, default=300.0, metavar="S", help="wait for the queue (%(default)g)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench-out" / "soak.json", help="(%(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (store, log, files)")
    args = parser.parse_args()
    if not 1 <= args.uploads <= 4096:
        parser.error("--uploads: from 1 to 4096 (each file is stamped with its number in 12 bits)")
    if args.minutes <= 0 or args.kill_every <= 0 or args.concurrency < 1 or args.drain < 0:
        parser.error("--minutes, --kill-every and --concurrency must be positive, --drain not negative")

    work = Path(tempfile.mkdtemp(prefix="unmask-soak-"))
    data, files = work / "data", work / "files"
    files.mkdir()
    db, media, log = data / "server.db", data / "server-media", work / "server.log"
    token = secrets.token_urlsafe(16)
    port = free_port()
    api = Api(f"http://127.0.0.1:{port}", token)
    server = Server(db, port, token, args.uploads, log)
    photo = skimage_data.astronaut()
    command = (
        f"python benchmarks/bench_soak.py --uploads {args.uploads} --minutes {args.minutes:g} "
        f"--kill-every {args.kill_every:g} --concurrency {args.concurrency} --drain {args.drain:g}"
    )
    print(f"machine: {machine()}\ncommand: {command}\nwork folder: {work}", flush=True)

    server.start()
    try:
        server.wait_up(api)
        baseline = disk(media)
        rounds = math.ceil(args.uploads / args.concurrency)
        period = args.minutes * 60 / rounds
        uploads: list[Upload] = []
        started = time.monotonic()
        done, kills = threading.Event(), []
        times = kill_times(args.kill_every, period, args.minutes * 60)
        murderer = threading.Thread(target=killer, args=(server, api, media, times, started, done, kills), daemon=True)
        murderer.start()

        def client(number: int) -> Upload:
            scheduled = (number // args.concurrency) * period
            path, kind = make_file(files, number, photo)
            data_bytes = path.read_bytes()
            upload = Upload(number, kind, len(data_bytes), sha256(data_bytes).hexdigest(), round(scheduled, 1))
            uploads.append(upload)  # submitted from here on
            time.sleep(max(0.0, started + scheduled - time.monotonic()))
            result = upload_one(api, upload, path, started, give_up_s=600)
            path.unlink()
            print(
                f"  {result.answered_s:6.1f} s  #{number:<4d} {kind:5s} "
                f"{'adopted ' if result.adopted else ''}{result.job or result.refused} "
                f"[{', '.join(result.attempts)}]",
                flush=True,
            )
            return result

        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(client, range(args.uploads)))
        done.set()
        murderer.join()
        last_answer = time.monotonic()
        print(f"uploads answered after {last_answer - started:.0f} s; {len(kills)} kill(s); draining", flush=True)

        drain_deadline = last_answer + args.drain
        while True:
            health = api.wait_healthy(60)
            active = health["jobs"]["queued"] + health["jobs"]["running"]
            if active == 0 or time.monotonic() > drain_deadline:
                break
            time.sleep(1.0)
        drained_s = time.monotonic() - last_answer
        jobs = api.history()
        media_end_running = disk(media)
    finally:
        exit_status = server.stop()

    with sqlite3.connect(db) as store:
        integrity = [row[0] for row in store.execute("PRAGMA integrity_check").fetchall()]
        resumed = store.execute("SELECT COUNT(*) FROM jobs WHERE attempts > 1").fetchone()[0]
    store_bytes = {name.name: name.stat().st_size for name in sorted(data.glob("server.db*"))}
    media_end = disk(media)

    by_sha: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        by_sha.setdefault(job["sha256"], []).append(job)
    submitted = {upload.sha256: upload for upload in uploads}
    lost = [u.number for u in uploads if not any(j["status"] == "done" for j in by_sha.get(u.sha256, []))]
    duplicated = [u.number for u in uploads if len(by_sha.get(u.sha256, [])) > 1]
    stuck = [job["id"] for job in jobs if job["status"] in ("queued", "running")]
    unknown = [job["id"] for job in jobs if job["sha256"] not in submitted]
    statuses = {
        status: sum(job["status"] == status for job in jobs) for status in ("queued", "running", "done", "failed")
    }
    verdicts: dict[str, int] = {}
    for job in jobs:
        verdicts[str(job["verdict"])] = verdicts.get(str(job["verdict"]), 0) + 1
    died = sum(any(a.startswith("died") for a in u.attempts) for u in uploads)
    log_text = log.read_text(errors="replace")
    errors = [line for line in log_text.splitlines() if "ERROR" in line or "Traceback" in line]

    summary = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "command": command,
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "uploads": len(uploads),
        "kinds": {kind: sum(u.kind == kind for u in uploads) for kind in ("image", "video")},
        "kills": kills,
        "server_starts": server.starts,
        "accepted_202": sum(u.job is not None and not u.adopted for u in uploads),
        "adopted_after_a_dead_connection": sum(u.adopted for u in uploads),
        "uploads_whose_connection_died": died,
        "uploads_met_a_refused_connection": sum("refused" in u.attempts for u in uploads),
        "refused_uploads": {u.number: u.refused for u in uploads if u.refused},
        "jobs": len(jobs),
        "statuses": statuses,
        "verdicts": verdicts,
        "jobs_resumed_after_a_kill": resumed,
        "lost": lost,
        "duplicated": duplicated,
        "stuck": stuck,
        "unknown": unknown,
        "drained_s": round(drained_s, 1),
        "upload_phase_s": round(last_answer - started, 1),
        "integrity_check": integrity,
        "clean_stop_exit_status": exit_status,
        "media_dir": {"baseline": baseline, "end_while_running": media_end_running, "end": media_end},
        "store_bytes": store_bytes,
        "server_log_errors": errors[-20:],
        "work_folder": str(work) if args.keep else None,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2) + "\n")
    failed_jobs = [job["error"] for job in jobs if job["status"] == "failed"]

    ok_disk = media_end == baseline
    print()
    print(
        "| uploads | kills | minutes | 202 | adopted after a dead connection | lost | duplicated | stuck | failed "
        "| integrity | upload folder before -> after | store |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(uploads)} ({summary['kinds']['image']} photos, {summary['kinds']['video']} clips) | {len(kills)} "
        f"| {summary['upload_phase_s'] / 60:.1f} | {summary['accepted_202']} "
        f"| {summary['adopted_after_a_dead_connection']} "
        f"| {len(lost)} | {len(duplicated)} | {len(stuck)} | {statuses['failed']} | {', '.join(integrity)} "
        f"| {baseline['files']} files, {baseline['bytes']} B -> {media_end['files']} files, {media_end['bytes']} B "
        f"| {sum(store_bytes.values()) / 1e6:.1f} MB |"
    )
    print(
        f"\nkills at (s): {[k['at_s'] for k in kills]}; down (s): {[k['down_s'] for k in kills]}; "
        f"uploads waiting for an answer at each kill: {[k['uploads_waiting_for_an_answer'] for k in kills]}; "
        f"scans running: {[k['scanning'] for k in kills]}"
    )
    print(
        f"connections died mid-upload: {died}; jobs resumed after a kill: {summary['jobs_resumed_after_a_kill']}; "
        f"queue drained {drained_s:.0f} s after the last upload; verdicts: {verdicts}"
    )
    if failed_jobs:
        print(f"failed jobs: {failed_jobs[:5]}")
    if errors:
        print(f"server log errors ({len(errors)}): {errors[-5:]}")
    print(f"JSON: {args.json}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    bad = lost or duplicated or stuck or unknown or integrity != ["ok"] or not ok_disk
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
