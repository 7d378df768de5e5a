// The background worker: the keyboard command and the context menu ask the page's content script
// what is under the pointer, then send it to the paired runnotes server with the token.
//
// The token lives only here and in the popup (extension pages), in chrome.storage.local, which
// page scripts cannot reach. Every request carries it; the server refuses any request without it.
"use strict";

const api = globalThis.chrome || globalThis.browser;

async function pairing() {
  const { server, token } = await api.storage.local.get(["server", "token"]);
  if (!server || !token) throw new Error("not paired: run `runnotes extension pair` and paste its line in the popup");
  return { server: server.replace(/\/+$/, ""), token };
}

async function request(path, options = {}) {
  const { server, token } = await pairing();
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${token}` };
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options = { ...options, body: JSON.stringify(options.json) };
  }
  const answer = await fetch(`${server}/api/extension/${path}`, { ...options, headers, credentials: "omit" });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(body.detail || `runnotes answered ${answer.status}`);
  return body;
}

async function badge(text, color) {
  await api.action.setBadgeBackgroundColor({ color });
  await api.action.setBadgeText({ text });
  setTimeout(() => api.action.setBadgeText({ text: "" }), 2500);
}

/** Like what is under the pointer in the active tab (or where the context menu was opened). */
async function likeInTab(tabId, fromMenu = false, selection = null) {
  const started = Date.now();
  let reading;
  try {
    reading = await api.tabs.sendMessage(tabId, { type: "like", fromMenu });
  } catch (err) {
    reading = null;
  }
  if (selection && (!reading || reading.error)) {
    const tab = await api.tabs.get(tabId);
    reading = { text: selection.trim(), via: "selection", url: tab.url, title: tab.title, tool: null };
  }
  if (!reading || reading.error) {
    await badge("?", "#a33");
    return { error: (reading && reading.error) || "nothing to like here" };
  }
  try {
    const stored = await request("likes", { method: "POST", json: reading });
    await badge(stored.review === "approved" ? "\u2713" : "?", stored.review === "approved" ? "#274" : "#a70");
    return { ...stored, ms: Date.now() - started };
  } catch (err) {
    await badge("!", "#a33");
    return { error: String(err.message || err) };
  }
}

async function likeActiveTab() {
  const [tab] = await api.tabs.query({ active: true, lastFocusedWindow: true });
  return tab ? likeInTab(tab.id) : { error: "no active tab" };
}
globalThis.runnotesLikeActiveTab = likeActiveTab;

api.commands.onCommand.addListener((command) => {
  if (command === "like") likeActiveTab();
});

api.runtime.onInstalled.addListener(() => {
  api.contextMenus.create({ id: "runnotes-like", title: "Like this value", contexts: ["page", "selection", "link"] });
});

api.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === "runnotes-like" && tab) likeInTab(tab.id, true, info.selectionText || null);
});

// The popup asks the worker for everything that needs the token.
api.runtime.onMessage.addListener((message, sender, reply) => {
  // Extension pages only (the popup, or the popup opened in a tab): never a content script.
  if (sender.id !== api.runtime.id || !(sender.url || "").startsWith(api.runtime.getURL(""))) return false;
  const call = {
    state: () => request("state"),
    undo: () => request(`likes/${Number(message.id)}/undo`, { method: "POST", json: {} }),
    note: () => request("notes", { method: "POST", json: { text: message.text } }),
    activate: () => request("runs/active", { method: "POST", json: { run_id: message.runId } }),
    start: () => request("runs", { method: "POST", json: { name: message.name || null } }),
  }[message.type];
  if (!call) return false;
  call().then(reply, (err) => reply({ error: String(err.message || err) }));
  return true;
});
