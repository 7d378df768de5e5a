// The page side of a like: where the pointer is, the value there and its name.
//
// It runs in the extension's isolated world: page scripts cannot read its variables or call it,
// and it never holds the pairing token (only the background worker does). It answers the
// background worker's "like" message with what the page shows; the worker sends it to runnotes.
// A tool's own API is called only by the adapter that recognised the page, on the page's origin.
"use strict";

(() => {
  const pointer = { x: -1, y: -1, menu: null };
  addEventListener("mousemove", (e) => { pointer.x = e.clientX; pointer.y = e.clientY; }, { capture: true, passive: true });
  addEventListener("contextmenu", (e) => { pointer.menu = { x: e.clientX, y: e.clientY }; }, { capture: true, passive: true });

  const adapters = (globalThis.runnotesAdapters || []);

  function hoveringFrame() {
    const hovered = [...document.querySelectorAll(":hover")].pop();
    return hovered && /^(IFRAME|FRAME)$/.test(hovered.tagName);
  }

  async function like(fromMenu) {
    const at = fromMenu && pointer.menu ? pointer.menu : pointer;
    const adapter = adapters.find((a) => a.matches());
    let reading = adapter && adapter.point ? await adapter.point(at.x, at.y) : null;
    if (!reading) {
      const p = runnotesNaming.pointed(at.x, at.y);
      if (!p) return { error: "no number under the pointer" };
      reading = runnotesNaming.read(p);
      reading.via = p.via;
      if (adapter && adapter.refine) await adapter.refine(p, reading);
    }
    return {
      ...reading,
      tool: adapter ? adapter.tool : null,
      url: location.href,
      title: document.title,
    };
  }

  chrome.runtime.onMessage.addListener((message, sender, reply) => {
    if (sender.id !== chrome.runtime.id || message.type !== "like") return false;
    const fromMenu = message.fromMenu === true;
    const known = fromMenu ? pointer.menu : pointer.x >= 0;
    // Every frame of the tab hears the message: only the one under the pointer answers.
    if (!known || (!fromMenu && hoveringFrame()) || (!fromMenu && !document.querySelector(":hover"))) return false;
    like(fromMenu).then(reply, (err) => reply({ error: String(err && err.message || err) }));
    return true;
  });
})();
