// The upload page: send a file, follow its scan, show the verdict and the report, list past scans.
// Plain JavaScript, no library and no CDN: the page works on a machine without internet.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "unmask-token";
const POLL_MS = 500;
const PAGE = 10;
let current = null; // id of the scan on screen
let limits = null;
let historyOffset = 0;

function token() { return localStorage.getItem(TOKEN_KEY) || ""; }
function authHeaders() { const t = token(); return t ? { Authorization: "Bearer " + t } : {}; }

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  if (response.status === 401) askForToken();
  return response;
}

async function detail(response) {
  try { const body = await response.json(); return body.detail || response.statusText; }
  catch { return response.statusText || "HTTP " + response.status; }
}

function askForToken() {
  $("token-box").open = true;
  $("token-note").textContent = token() ? "The saved token was refused." : "A token is needed.";
  $("token").focus();
}

function span(seconds) {
  const days = seconds / 86400;
  return days >= 1 ? +days.toFixed(1) + " days" : +(seconds / 3600).toFixed(2) + " hours";
}
function mb(value) { return value >= 1 ? value + " MB" : Math.round(value * 1000) + " kB"; }

async function loadHealth() {
  try {
    const response = await fetch("/healthz");
    const health = await response.json();
    limits = health.limits;
    $("limits").textContent = "Photos up to " + mb(limits.max_image_mb) + ", videos up to " + mb(limits.max_video_mb) +
      ". Model " + health.model.name + " " + health.model.version + "." +
      (health.keep_media ? " Uploads are kept on the server." : " Uploads are deleted once scanned.") +
      (health.retain_s ? " Results are forgotten " + span(health.retain_s) + " after the scan." : "");
    if (health.auth && !token()) askForToken();
  } catch { $("limits").textContent = "The server does not answer."; }
}

// ---- a scan on screen -----------------------------------------------------------------------------------

function showJob(name) {
  $("job").hidden = false;
  $("outcome").hidden = true;
  $("job-name").textContent = name;
  $("progress").removeAttribute("value");
  $("status").textContent = "";
  const verdict = $("verdict");
  verdict.textContent = "";
  verdict.removeAttribute("data-verdict");
  $("report").srcdoc = "";
}

function setProgress(fraction, text) {
  if (fraction === null) $("progress").removeAttribute("value"); else $("progress").value = fraction;
  $("status").textContent = text;
}

function fmt(value) { return value === null || value === undefined ? "–" : Number(value).toFixed(3); }

function verdictWords(job) {
  const result = job.result || {};
  const what = result.kind === "video" ? "video" : "image";
  if (job.status === "failed") return ["failed", "The server could not finish this scan: " + (job.error || "unknown error")];
  switch (result.verdict) {
    case "fake":
      return ["fake", "Manipulated: a face in this " + what + " looks swapped or altered (score " + fmt(result.score) +
        ", at or above the threshold " + fmt(result.threshold) + ")."];
    case "real":
      return ["real", "No manipulation found: the faces in this " + what + " look real (score " + fmt(result.score) +
        ", below the threshold " + fmt(result.threshold) + ")."];
    case "not_applicable":
      return ["not_applicable", "Cannot tell: " + (result.reason || "no face could be scored") + "."];
    default:
      return ["error", "Could not be scanned: " + (result.reason || job.error || "unreadable file") + "."];
  }
}

function drawTimeline(result) {
  const box = $("timeline");
  box.textContent = "";
  const frames = (result.frames || []).filter((f) => f.score !== null);
  if (!result.frames || result.frames.length < 2 || !frames.length) return;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const width = 600, height = 90, last = result.frames.length - 1;
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("preserveAspectRatio", "none");
  const x = (i) => 4 + (i / last) * (width - 8);
  const y = (s) => height - 6 - s * (height - 12);
  const line = document.createElementNS(ns, "line");
  Object.entries({ x1: 0, x2: width, y1: y(result.threshold), y2: y(result.threshold), stroke: "#b3261e",
    "stroke-dasharray": "4 3" }).forEach(([k, v]) => line.setAttribute(k, v));
  svg.appendChild(line);
  result.frames.forEach((frame, i) => {
    if (frame.score === null) return;
    const dot = document.createElementNS(ns, "circle");
    dot.setAttribute("cx", x(i)); dot.setAttribute("cy", y(frame.score)); dot.setAttribute("r", 3);
    dot.setAttribute("fill", frame.score >= result.threshold ? "#b3261e" : "#1b6e3a");
    const title = document.createElementNS(ns, "title");
    title.textContent = "frame " + frame.index + (frame.time !== null ? " at " + frame.time.toFixed(2) + " s" : "") +
      ": " + frame.score.toFixed(3);
    dot.appendChild(title);
    svg.appendChild(dot);
  });
  box.appendChild(svg);
  const note = document.createElement("p");
  note.className = "note";
  note.textContent = "Highest face score per sampled frame; the dashed line is the threshold.";
  box.appendChild(note);
}

async function showOutcome(job) {
  const [kind, words] = verdictWords(job);
  $("progress").value = 1;
  $("status").textContent = job.status === "done" ? "Done." : "Failed.";
  $("outcome").hidden = false;
  const result = job.result || {};
  const faces = (result.faces || []).length;
  const sampled = (result.frames || []).length;
  $("details").textContent = job.status === "done"
    ? faces + " face track(s), " + sampled + " frame(s) looked at; sha256 " + (job.sha256 || "").slice(0, 16) + "…"
    : "";
  drawTimeline(result);
  $("open-report").hidden = $("download-json").hidden = job.status !== "done";
  if (job.status === "done") {
    const response = await api("/v1/scans/" + job.id + "/report");
    if (current === job.id && response.ok) $("report").srcdoc = await response.text();
  }
  // Set last: a test (or a person) waiting for the verdict then sees the whole result.
  const verdict = $("verdict");
  verdict.textContent = words;
  verdict.dataset.verdict = kind;
}

async function follow(id) {
  current = id;
  while (current === id) {
    const response = await api("/v1/scans/" + id);
    if (!response.ok) { setProgress(0, await detail(response)); return; }
    const job = await response.json();
    $("job-name").textContent = job.filename;
    if (job.status === "done" || job.status === "failed") {
      await showOutcome(job);
      loadHistory(true);
      return;
    }
    const done = job.progress.done, expected = job.progress.expected;
    if (job.status === "queued") setProgress(null, "Waiting for a free worker…");
    else if (expected) setProgress(done / expected, "Scanning: frame " + done + " of " + expected);
    else setProgress(null, "Scanning…");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function tooLarge(file) {
  if (!limits) return null;
  const video = file.type.startsWith("video/");
  const limit = video ? limits.max_video_mb : limits.max_image_mb;
  if (file.size > limit * 1e6) return file.name + " is over the " + mb(limit) + " limit for " + (video ? "videos" : "images");
  return null;
}

function upload(file) {
  showJob(file.name);
  current = null;
  const refused = tooLarge(file);
  if (refused) { setProgress(0, refused); return; }
  const form = new FormData();
  form.append("file", file, file.name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/v1/scans");
  Object.entries(authHeaders()).forEach(([k, v]) => xhr.setRequestHeader(k, v));
  xhr.upload.onprogress = (event) => {
    if (event.lengthComputable) setProgress(event.loaded / event.total, "Uploading… " + Math.round(100 * event.loaded / event.total) + "%");
  };
  xhr.onload = () => {
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
    if (xhr.status === 202) { setProgress(null, "Queued."); loadHistory(true); follow(body.id); return; }
    if (xhr.status === 401) askForToken();
    setProgress(0, "Refused: " + (body.detail || xhr.statusText || "HTTP " + xhr.status));
  };
  xhr.onerror = () => setProgress(0, "The upload failed: the connection was closed (is the file over the limit?).");
  xhr.send(form);
}

// ---- history -----------------------------------------------------------------------------------------------

function historyItem(job) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = job.filename;
  const badge = document.createElement("span");
  const label = job.status === "done" ? job.verdict : job.status;
  badge.className = "badge " + label;
  badge.textContent = label;
  const when = document.createElement("span");
  when.className = "note";
  when.textContent = new Date(job.created).toLocaleString();
  button.append(name, badge, when);
  button.addEventListener("click", () => { showJob(job.filename); follow(job.id); });
  item.appendChild(button);
  return item;
}

async function loadHistory(reset) {
  if (reset) historyOffset = 0;
  const response = await api("/v1/scans?limit=" + PAGE + "&offset=" + historyOffset);
  if (!response.ok) return;
  const page = await response.json();
  const list = $("history");
  if (reset) list.textContent = "";
  page.items.forEach((job) => list.appendChild(historyItem(job)));
  if (!page.total) list.innerHTML = "<li class='note'>No scans yet.</li>";
  historyOffset = page.next_offset || 0;
  $("more").hidden = page.next_offset === null;
}

// ---- wiring ------------------------------------------------------------------------------------------------

function download(name, text, type) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = token();
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token-note").textContent = "Saved.";
    loadHistory(true);
  });
  $("file").addEventListener("change", (event) => { if (event.target.files.length) upload(event.target.files[0]); });
  const drop = $("drop");
  ["dragenter", "dragover"].forEach((name) => drop.addEventListener(name, (event) => {
    event.preventDefault(); drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => drop.addEventListener(name, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) upload(event.dataTransfer.files[0]);
  });
  $("more").addEventListener("click", () => loadHistory(false));
  $("open-report").addEventListener("click", async () => {
    const response = await api("/v1/scans/" + current + "/report");
    if (!response.ok) return;
    const url = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
    window.open(url, "_blank", "noopener");
  });
  $("download-json").addEventListener("click", async () => {
    const response = await api("/v1/scans/" + current);
    if (!response.ok) return;
    const job = await response.json();
    download(job.filename + ".unmask.json", JSON.stringify(job.result, null, 2), "application/json");
  });
  $("delete").addEventListener("click", async () => {
    if (!current || !confirm("Delete this scan and its result from the server?")) return;
    const response = await api("/v1/scans/" + current, { method: "DELETE" });
    if (response.ok) { current = null; $("job").hidden = true; loadHistory(true); }
  });
  loadHealth();
  loadHistory(true);
});
