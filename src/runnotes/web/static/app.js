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
