// Small conveniences on top of pages that work without JavaScript.
"use strict";
document.addEventListener("click", (event) => {
  // Transcript timestamps: play the voice note from that segment.
  const seek = event.target.closest("button.seek");
  if (seek) {
    const audio = seek.closest("article").querySelector("audio");
    if (audio) { audio.currentTime = Number(seek.dataset.t) || 0; audio.play().catch(() => {}); }
  }
});
document.addEventListener("submit", (event) => {
  // Comparing needs two runs: say so instead of loading an error page.
  if (event.target.id !== "compare-form") return;
  if (event.target.querySelectorAll("input[name=run]:checked").length < 2) {
    event.preventDefault();
    alert("Select at least two runs to compare.");
  }
});
document.addEventListener("change", (event) => {
  // Review queue: one box ticks every capture on the page.
  if (!event.target.matches("input.select-all")) return;
  for (const box of document.querySelectorAll("input[name=ids][form=bulk]")) {
    box.checked = event.target.checked;
  }
});
// Home page: drag the experiment cards to reorder (or onto the archive box), or move the
// focused card with Alt+ArrowUp/Down, pin it with P and archive it with A. Each posts the same
// forms the buttons post, so the order is stored on the server.
(() => {
  const list = document.getElementById("cards");
  if (!list) return;
  const csrf = () => document.querySelector("#order-form input[name=csrf]").value;
  const post = (url, fields) => {
    const body = new URLSearchParams({ csrf: csrf(), ...fields });
    return fetch(url, { method: "POST", body, credentials: "same-origin" });
  };
  const saveOrder = () => post("/overview/order", {
    order: [...list.querySelectorAll("li.exp-card")].map((li) => li.dataset.id).join(","),
  });
  const reload = () => window.location.reload();
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li.exp-card");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.id);
  });
  list.addEventListener("dragend", () => { if (dragged) dragged.classList.remove("dragging"); });
  list.addEventListener("dragover", (event) => {
    const over = event.target.closest("li.exp-card");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    const box = over.getBoundingClientRect();
    const after = (event.clientY - box.top) / box.height > 0.5 || (event.clientX - box.left) / box.width > 0.5;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });
  list.addEventListener("drop", (event) => { event.preventDefault(); saveOrder(); });
  const zone = document.getElementById("archive-zone");
  zone.addEventListener("dragover", (event) => { if (dragged) { event.preventDefault(); zone.classList.add("over"); } });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (dragged) post(`/overview/${dragged.dataset.id}/archive`, {}).then(reload);
  });
  list.addEventListener("keydown", (event) => {
    const card = event.target;
    if (!card.matches || !card.matches("li.exp-card")) return;
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      const other = event.key === "ArrowUp" ? card.previousElementSibling : card.nextElementSibling;
      if (!other) return;
      list.insertBefore(card, event.key === "ArrowUp" ? other : other.nextSibling);
      card.focus();
      saveOrder();
    } else if (!event.altKey && !event.ctrlKey && (event.key === "p" || event.key === "a")) {
      event.preventDefault();
      const pinned = card.classList.contains("pinned");
      const action = event.key === "a" ? "archive" : pinned ? "unpin" : "pin";
      post(`/overview/${card.dataset.id}/${action}`, {}).then(reload);
    }
  });
})();
