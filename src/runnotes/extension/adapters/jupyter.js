// JupyterLab: a DataFrame's index and column and a printed `name: value`, dict or
// classification_report are read by the generic rules; this adapter only says the tool and keeps
// the name inside the output it sits in (a notebook's headings are not the names of its numbers).
"use strict";

(globalThis.runnotesAdapters = globalThis.runnotesAdapters || []).push({
  tool: "jupyterlab",
  matches: () => !!document.querySelector(".jp-LabShell, #jp-main-dock-panel, .jp-Notebook"),
  async refine(p, reading) {
    if (reading.namedBy === "title" && p.element.closest(".jp-OutputArea-output")) {
      reading.name = null;
      reading.namedBy = null;
    }
  },
});
