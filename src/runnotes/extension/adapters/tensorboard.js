// TensorBoard: the hover tooltip (Run / Smoothed / Value / Step) of a scalar card, whose title is
// the tag; the exact float comes from TensorBoard's scalars API on the page's own origin, matched
// by run, tag and step, and is kept only when the tooltip's digits are a rounding of it.
"use strict";

(globalThis.runnotesAdapters = globalThis.runnotesAdapters || []).push((() => {
  const N = runnotesNaming;

  function columns(table) {
    const head = table.querySelector("tr");
    return [...head.children].map((c) => N.clean(c.textContent).toLowerCase());
  }

  function tooltipRow(table, x, y) {
    const rows = [...table.querySelectorAll("tbody tr, tr")].filter((r) => r.querySelector("td"));
    const under = rows.find((r) => {
      const b = r.getBoundingClientRect();
      return y >= b.top && y <= b.bottom && x >= b.left && x <= b.right;
    });
    return under || rows.find((r) => r.classList.contains("closest")) || (rows.length === 1 ? rows[0] : null);
  }

  function cardOf(el) {
    return el && el.closest("scalar-card, tb-scalar-card, .scalar-card, mat-card, card-view");
  }

  function tagOf(card) {
    const t = card && card.querySelector(".tag, .title .name, .heading .name, .title");
    return t ? N.clean(t.getAttribute("title") || t.textContent) : null;
  }

  let lastCard = null;
  addEventListener("mousemove", (e) => {
    const card = cardOf(e.target);
    if (card) lastCard = card;
  }, { capture: true, passive: true });

  async function exactValue(run, tag, step) {
    const url = new URL("data/plugin/scalars/scalars", location.origin + location.pathname);
    url.searchParams.set("run", run);
    url.searchParams.set("tag", tag);
    const answer = await fetch(url, { credentials: "same-origin" });
    if (!answer.ok) return null;
    const points = await answer.json();
    const hit = points.find((p) => p[1] === step);
    return hit ? hit[2] : null;
  }

  return {
    tool: "tensorboard",
    matches: () => !!document.querySelector("tb-webapp"),
    async point(x, y) {
      const table = document.querySelector("table.tooltip");
      if (!table || !table.getClientRects().length) return null;
      const el = document.elementFromPoint(x, y);
      const overTooltip = el && table.contains(el);
      const card = overTooltip ? lastCard : cardOf(el);
      if (!card) return null;
      const row = tooltipRow(table, x, y);
      if (!row) return null;
      const names = columns(table);
      const cells = [...row.children];
      const cellOf = (name) => cells[names.indexOf(name)];
      const pointedCell = overTooltip ? el.closest("td") : null;
      const smoothed = pointedCell && pointedCell === cellOf("smoothed");
      const valueCell = smoothed ? pointedCell : cellOf("value");
      const text = valueCell && N.BARE.exec(valueCell.textContent);
      if (!text) return null;
      const run = N.clean(cellOf("run") ? cellOf("run").textContent : "");
      const stepText = cellOf("step") ? N.clean(cellOf("step").textContent).replace(/,/g, "") : "";
      const step = /^\d+$/.test(stepText) ? Number(stepText) : null;
      const tag = tagOf(card);
      const reading = {
        text: text[1] + text[2], name: tag, qualifier: run || null, step, namedBy: "tooltip",
        via: "dom", line: N.clean(row.textContent).slice(0, 200),
      };
      if (smoothed) {
        reading.note = "smoothed: not a logged value";
      } else if (run && tag && step != null) {
        reading.exact = await exactValue(run, tag, step);
        reading.exactFrom = reading.exact != null ? "tensorboard:scalars" : null;
      }
      return reading;
    },
  };
})());
