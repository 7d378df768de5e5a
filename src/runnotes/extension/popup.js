// The toolbar: pairing, the active run (switch or start one), the last likes with undo, a typed
// note and a push-to-talk voice note (MediaRecorder; runnotes transcribes and extracts it).
"use strict";

const ext = globalThis.chrome || globalThis.browser;
const $ = (id) => document.getElementById(id);
const PAIR_LINE = /^runnotes\+(https?:\/\/[^#\s]+)#([A-Za-z0-9_\-]{16,})$/;

function say(text) { $("status").textContent = text; }

async function call(type, extra = {}) {
  const answer = await ext.runtime.sendMessage({ type, ...extra });
  if (answer && answer.error) throw new Error(answer.error);
  return answer;
}

function showLikes(likes) {
  const list = $("likes");
  list.replaceChildren();
  for (const like of likes) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = `${like.name || "?"}${like.qualifier ? ` (${like.qualifier})` : ""} = ${like.text}`;
    if (like.review === "pending") label.className = "pending";
    const undo = document.createElement("button");
    undo.textContent = "undo";
    undo.addEventListener("click", async () => {
      await call("undo", { id: like.id });
      await refresh();
    });
    item.append(label, " ", undo);
    list.append(item);
  }
}

async function refresh() {
  const { server, token } = await ext.storage.local.get(["server", "token"]);
  $("pair").hidden = !!(server && token);
  $("main").hidden = !(server && token);
  if (!server || !token) return;
  try {
    const state = await call("state");
    const select = $("run");
    select.replaceChildren();
    for (const run of state.runs) {
      const option = new Option(`${run.name} (#${run.id})`, String(run.id));
      option.selected = state.active && run.id === state.active.id;
      select.append(option);
    }
    showLikes(state.likes);
    say(state.active ? `liking onto ${state.active.name}` : "no active run: likes go to today's run");
  } catch (err) {
    say(String(err.message || err));
  }
}

$("pair-save").addEventListener("click", async () => {
  const m = PAIR_LINE.exec($("pair-line").value.trim());
  if (!m) return say("that is not a line from `runnotes extension pair`");
  await ext.storage.local.set({ server: m[1], token: m[2] });
  await refresh();
});

$("unpair").addEventListener("click", async () => {
  await ext.storage.local.remove(["server", "token"]);
  await refresh();
});

$("run").addEventListener("change", async (e) => {
  await call("activate", { runId: Number(e.target.value) });
  await refresh();
});

$("start").addEventListener("submit", async (e) => {
  e.preventDefault();
  await call("start", { name: $("new-run").value.trim() });
  $("new-run").value = "";
  await refresh();
});

$("note").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("note-text").value.trim();
  if (!text) return;
  await call("note", { text });
  $("note-text").value = "";
  say("note kept");
});

// Push to talk: record while the button is held, send on release.
let recorder = null;
let chunks = [];

async function startTalking() {
  if (recorder) return;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
    recorder.onstop = () => {
      stream.getTracks().forEach((t) => t.stop());
      sendVoice(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
      recorder = null;
    };
    recorder.start(250);
    $("talk").classList.add("recording");
    say("recording… release to send");
  } catch (err) {
    say(`no microphone: ${err.message || err}`);
  }
}

function stopTalking() {
  $("talk").classList.remove("recording");
  if (recorder && recorder.state === "recording") recorder.stop();
}

async function sendVoice(blob) {
  const { server, token } = await ext.storage.local.get(["server", "token"]);
  say("transcribing…");
  try {
    const answer = await fetch(`${server.replace(/\/+$/, "")}/api/extension/voice`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": blob.type.split(";")[0] },
      body: blob,
      credentials: "omit",
    });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.detail || answer.status);
    say(`voice note: ${body.text || "(nothing heard)"}${body.values ? ` — ${body.values} value(s)` : ""}`);
  } catch (err) {
    say(`voice note failed: ${err.message || err}`);
  }
}

$("talk").addEventListener("pointerdown", startTalking);
$("talk").addEventListener("pointerup", stopTalking);
$("talk").addEventListener("pointerleave", stopTalking);
$("talk").addEventListener("keydown", (e) => { if (e.key === " " && !e.repeat) startTalking(); });
$("talk").addEventListener("keyup", (e) => { if (e.key === " ") stopTalking(); });

refresh();
