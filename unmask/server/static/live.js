// The liveness check page: a signed challenge from the server, the camera, each step shown in its time window
// while the recording runs, then the recording uploaded and the verdict shown. No library, nothing from a CDN.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "unmask-token"; // the upload page's: one saved token for both
const CUE_NAMES = { challenge: "Active challenge", passive: "Passive (print, screen)", deepfake: "Deepfake scan" };
const HEADLINES = {
  live: "A live person",
  attack: "Not a live person",
  not_applicable: "Could not tell",
  error: "The recording could not be read",
};

function authHeaders() {
  const token = localStorage.getItem(TOKEN_KEY) || "";
  return token ? { Authorization: "Bearer " + token } : {};
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `the server answered ${response.status}`);
  return body;
}

function status(text) { $("status").textContent = text; }

function showSteps(challenge) {
  const list = $("steps");
  list.replaceChildren();
  for (const step of challenge.steps) {
    const item = document.createElement("li");
    item.textContent = step.prompt;
    list.append(item);
  }
}

// Which step is due at `t` seconds into the recording: its index, -1 in the lead-in, steps.length at the end.
function stepAt(challenge, t) {
  if (t < challenge.steps[0].start_s) return -1;
  const index = challenge.steps.findIndex((step) => t >= step.start_s && t < step.end_s);
  return index === -1 ? challenge.steps.length : index;
}

function follow(challenge, started, done) {
  const items = [...$("steps").children];
  const tick = () => {
    const t = (performance.now() - started) / 1000;
    const now = stepAt(challenge, t);
    $("clock").value = Math.min(1, t / challenge.duration_s);
    items.forEach((item, index) => {
      item.className = index === now ? "now" : index < now ? "done" : "";
    });
    $("prompt").textContent = now === -1 ? "Look at the camera" : now < items.length ? challenge.steps[now].prompt : "";
    if (t < challenge.duration_s + 0.3) requestAnimationFrame(tick); else done();
  };
  requestAnimationFrame(tick);
}

function recorderFor(stream) {
  const types = ["video/webm;codecs=vp8", "video/webm;codecs=vp9", "video/webm", "video/mp4"];
  const type = types.find((candidate) => window.MediaRecorder && MediaRecorder.isTypeSupported(candidate));
  return new MediaRecorder(stream, type ? { mimeType: type } : {});
}

async function record(stream, challenge) {
  const recorder = recorderFor(stream);
  const chunks = [];
  recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  const started = new Promise((resolve) => { recorder.onstart = resolve; });
  recorder.start(250);
  await started;
  await new Promise((resolve) => follow(challenge, performance.now(), resolve));
  recorder.stop();
  await stopped;
  return new Blob(chunks, { type: recorder.mimeType || "video/webm" });
}

function showResult(result) {
  const verdict = $("live-verdict");
  verdict.dataset.verdict = result.verdict;
  const cue = result.decided_by ? ` (${CUE_NAMES[result.decided_by]})` : "";
  verdict.textContent = HEADLINES[result.verdict] + cue + (result.reason ? ": " + result.reason : "");
  const list = $("cues");
  list.replaceChildren();
  for (const [name, data] of Object.entries(result.cues || {})) {
    const item = document.createElement("li");
    const state = !data.applied ? "not applied" : data.passed ? "passed" : "failed";
    item.textContent = `${CUE_NAMES[name]}: ${state}` + (data.reason ? ` — ${data.reason}` : "");
    list.append(item);
  }
  $("outcome").hidden = false;
}

async function check() {
  $("start").disabled = true;
  $("outcome").hidden = true;
  let stream;
  try {
    status("Asking for the camera…");
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    $("preview").srcObject = stream;
    const challenge = await api("/v1/liveness/challenges", { method: "POST" });
    showSteps(challenge);
    status("Recording: follow the prompts.");
    const clip = await record(stream, challenge);
    status("Checking the recording…");
    const form = new FormData();
    form.append("file", clip, "liveness.webm");
    const query = new URLSearchParams({ challenge: challenge.challenge });
    showResult(await api(`/v1/liveness?${query}`, { method: "POST", body: form }));
    status("Done.");
  } catch (error) {
    status(`The check could not be made: ${error.message || error}`);
    $("live-verdict").dataset.verdict = "error";
  } finally {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    $("prompt").textContent = "";
    $("start").disabled = false;
  }
}

$("start").addEventListener("click", check);
$("again").addEventListener("click", check);
