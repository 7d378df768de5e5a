// Which number is under the pointer, and what a person reading the page would call it.
//
// The value is the page's own text, digit for digit. Its name comes from the DOM, in the order a
// person reads a page: a `name: value` label on the same line, the column header of its table
// cell (HTML tables, ARIA grids, AG Grid's col-id) with the row's label as qualifier, a
// definition list, a label element or a labelling neighbour, else the title of the card or panel
// it sits in. Nothing here guesses: a value with none of these is returned without a name, and
// the server keeps it for review. Tool adapters (adapters/*.js) run first and may refine this.
"use strict";

var runnotesNaming = (() => {
  const NUM = String.raw`[-+\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)?\.?\d+(?:[eE][-+]?\d+)?`;
  const TOKEN = new RegExp(String.raw`(?<![\w.\-])(${NUM})(%?)(?![\w.])`, "g");
  const BARE = new RegExp(String.raw`^\s*[(\[]?(${NUM})(%?)[)\]]?\s*$`);
  const LABEL = /^[A-Za-z_][\w ./\-@()\[\]]{0,60}$/;
  const LINE_LABEL = /(?:^|[\s{,(|])['"]?([A-Za-z_][\w./\-@]*(?: [A-Za-z_][\w./\-@]*){0,3})['"]?\s*[:=]\s*['"]?$/;
  const GENERIC_HEADERS = new Set([
    "value", "values", "latest", "last", "last value", "latest value", "metric value",
    "current", "result", "score", "",
  ]);
  const STEP_HEADERS = new Set(["step", "steps", "epoch", "iter", "iteration", "global step"]);
  // The corner of a property sheet whose columns are runs (MLflow's compare page: "Run ID:").
  const RUN_HEADERS = /^(run|run name|run id)\s*:$/i;
  // The header of a column of runs (its cells say whose value a row holds, not what it is).
  const RUN_COLUMN = /^(runs?|run name|run id|model|experiment|trial)$/i;
  const TITLE_SELECTOR =
    "h1,h2,h3,h4,h5,h6,[role=heading],figcaption,legend,caption,.title,.card-title,.panel-title";

  const HEADER_SELECTOR = "header,[class*=header],[class*=heading],[class*=title]";

  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const parseNumber = (text) => Number(text.replace(/\u2212/, "-").replace(/,/g, "").replace(/%$/, ""));

  /** The number token of `text` at `offset` (or its only token): {text, start, end}. */
  function tokenAt(text, offset) {
    const tokens = [...text.matchAll(TOKEN)].map((m) => ({
      text: m[1] + m[2], start: m.index, end: m.index + m[0].length,
    }));
    if (offset != null) {
      const hit = tokens.find((t) => t.start <= offset && offset <= t.end);
      if (hit) return hit;
    }
    return tokens.length === 1 ? tokens[0] : null;
  }

  function caretAt(x, y) {
    if (document.caretPositionFromPoint) {
      const p = document.caretPositionFromPoint(x, y);
      return p && { node: p.offsetNode, offset: p.offset };
    }
    const r = document.caretRangeFromPoint && document.caretRangeFromPoint(x, y);
    return r && { node: r.startContainer, offset: r.startOffset };
  }

  function within(node, x, y) {
    const range = document.createRange();
    range.selectNodeContents(node);
    return [...range.getClientRects()].some(
      (r) => x >= r.left - 2 && x <= r.right + 2 && y >= r.top - 2 && y <= r.bottom + 2,
    );
  }

  /** The number at the viewport point (x, y), or in the selection: {text, node, start, element}. */
  function pointed(x, y) {
    const sel = window.getSelection();
    const chosen = sel && !sel.isCollapsed ? sel.toString() : "";
    if (chosen) {
      const m = BARE.exec(chosen);
      const node = sel.anchorNode;
      if (m) {
        const element = node.nodeType === 3 ? node.parentElement : node;
        const at = node.nodeType === 3 ? node.data.indexOf(m[1]) : -1;
        return { text: m[1] + m[2], node: at >= 0 ? node : null, start: at, element, via: "selection" };
      }
    }
    const caret = caretAt(x, y);
    if (caret && caret.node && caret.node.nodeType === 3 && within(caret.node, x, y)) {
      const t = tokenAt(caret.node.data, caret.offset);
      if (t) return { text: t.text, node: caret.node, start: t.start, element: caret.node.parentElement, via: "dom" };
    }
    let element = document.elementFromPoint(x, y);
    for (let depth = 0; element && depth < 3; depth += 1, element = element.parentElement) {
      const m = BARE.exec(element.textContent || "");
      if (m) return { text: m[1] + m[2], node: null, start: -1, element, via: "dom" };
    }
    return null;
  }

  function blockOf(element) {
    let el = element;
    while (el && el.parentElement && getComputedStyle(el).display.startsWith("inline")) el = el.parentElement;
    return el;
  }

  /** The text of the value's line before it, across inline elements (`<b>loss:</b> 0.93`). */
  function linePrefix(p) {
    if (!p.node) return "";
    const block = blockOf(p.element);
    const range = document.createRange();
    range.setStart(block, 0);
    range.setEnd(p.node, p.start);
    const before = range.toString();
    return before.slice(before.lastIndexOf("\n") + 1);
  }

  function lineOf(p) {
    if (!p.node) return "";
    const data = p.node.data;
    const start = data.lastIndexOf("\n", p.start - 1) + 1;
    const end = data.indexOf("\n", p.start);
    return data.slice(start, end < 0 ? undefined : end);
  }

  /** `val_acc: 0.93`, `val_acc = 0.93`, `'eval_loss': 0.41` just before the value. */
  function lineLabel(p) {
    const m = LINE_LABEL.exec(linePrefix(p));
    return m ? clean(m[1]) : null;
  }

  /** A fixed-width text table (classification_report, df.describe() printed): the header line's
   * word over the value's columns names it; the line's text before its first column under a
   * header word is the row label (a class may be a number: `           3       0.98 …`). */
  function textTable(p) {
    if (!p.node || !/^(PRE|CODE)$/.test(blockOf(p.element).tagName)) return null;
    const data = p.node.data;
    const lineStart = data.lastIndexOf("\n", p.start - 1) + 1;
    const line = lineOf(p);
    const col = [p.start - lineStart, p.start - lineStart + p.text.length];
    const overlaps = (w, span) => w.index < span[1] && w.index + w[0].length > span[0];
    for (const above of data.slice(0, lineStart).split("\n").reverse()) {
      if (!above.trim()) continue;
      const words = [...above.matchAll(/\S+/g)];
      if (words.some((w) => BARE.test(w[0]))) continue; // a row of numbers: go up to the header
      const hit = words.find((w) => overlaps(w, col));
      if (!hit) return null;
      const cells = [...line.matchAll(/\S+(?: \S+)*/g)];
      const first = cells.find((c) => words.some((w) => overlaps(w, [c.index, c.index + c[0].length])));
      const rowLabel = clean(line.slice(0, first ? first.index : col[0]));
      return { name: hit[0], qualifier: rowLabel || null, by: "text-table" };
    }
    const rowLabel = clean(line.slice(0, col[0]));
    if (rowLabel && LABEL.test(rowLabel) && [...line.matchAll(TOKEN)].length === 1) {
      return { name: rowLabel, qualifier: null, by: "text-row" };
    }
    return null;
  }

  // ---- tables ---------------------------------------------------------------------------------

  const CELL = "td,th,[role=cell],[role=gridcell],[role=rowheader],[role=columnheader]";

  function cellIndex(cell) {
    let index = 0;
    for (let c = cell.previousElementSibling; c; c = c.previousElementSibling) index += c.colSpan || 1;
    return index;
  }

  function htmlHeader(cell) {
    const table = cell.closest("table");
    const index = cellIndex(cell);
    let rows = [...(table.tHead ? table.tHead.rows : [])];
    if (!rows.length && table.rows[0] && table.rows[0] !== cell.parentElement &&
        [...table.rows[0].cells].every((c) => c.tagName === "TH")) rows = [table.rows[0]];
    for (const row of rows.reverse()) {
      let at = 0;
      for (const c of row.cells) {
        const span = c.colSpan || 1;
        if (at <= index && index < at + span) {
          const text = clean(c.textContent);
          if (text) return { text, cells: row.cells };
          break;
        }
        at += span;
      }
    }
    return null;
  }

  function ariaHeader(cell) {
    const grid = cell.closest("[role=grid],[role=table],[role=treegrid]") || document;
    const colId = cell.getAttribute("col-id");
    if (colId) {
      const h = grid.querySelector(`.ag-header-cell[col-id="${CSS.escape(colId)}"]`);
      if (h) return { text: clean(h.textContent) };
    }
    const colIndex = cell.getAttribute("aria-colindex");
    if (colIndex) {
      const h = grid.querySelector(`[role=columnheader][aria-colindex="${colIndex}"]`);
      if (h) return { text: clean(h.textContent) };
    }
    const row = cell.closest("[role=row]");
    if (!row) return null;
    const index = [...row.children].indexOf(cell.closest("[role=row] > *"));
    const headRow = [...grid.querySelectorAll("[role=row]")].find((r) => r.querySelector("[role=columnheader]"));
    const h = headRow && headRow.children[index];
    return h ? { text: clean(h.textContent) } : null;
  }

  function rowCells(cell) {
    if (cell.tagName === "TD" || cell.tagName === "TH") return [...cell.parentElement.cells];
    const row = cell.closest("[role=row]");
    if (!row) return [];
    const id = row.getAttribute("row-id") || row.getAttribute("row-index");
    const grid = row.closest("[role=grid],[role=treegrid]");
    const rows = id && grid ? [...grid.querySelectorAll(`[role=row][row-id="${CSS.escape(id)}"]`)] : [row];
    return rows.flatMap((r) => [...r.querySelectorAll("[role=cell],[role=gridcell],[role=rowheader]")]);
  }

  function headerOf(cell) {
    return cell.tagName === "TD" || cell.tagName === "TH" ? htmlHeader(cell) : ariaHeader(cell);
  }

  function rowLabelOf(cell, cells) {
    const head =
      cells.find((c) => c.tagName === "TH" || c.getAttribute("role") === "rowheader") ||
      cells.find((c) => c !== cell && c.hasAttribute("col-id") && RUN_COLUMN.test((headerOf(c) || {}).text || ""));
    const first = head || cells[0];
    if (!first || first === cell || first.contains(cell)) return null;
    const text = clean(first.textContent);
    if (!text) return null;
    if (head || /[A-Za-z]/.test(text)) return text;
    return null;
  }

  function stepOf(cells) {
    for (const c of cells) {
      const h = headerOf(c);
      if (h && STEP_HEADERS.has(h.text.toLowerCase())) {
        const m = BARE.exec(c.textContent);
        if (m && /^\d+$/.test(m[1])) return Number(m[1]);
      }
    }
    return null;
  }

  function tableName(p) {
    const cell = p.element.closest(CELL);
    if (!cell) return null;
    const header = headerOf(cell);
    const cells = rowCells(cell);
    const rowLabel = rowLabelOf(cell, cells);
    const step = stepOf(cells);
    const headerText = header ? header.text : "";
    const corner = header && header.cells ? clean(header.cells[0].textContent) : "";
    if (corner && RUN_HEADERS.test(corner) && rowLabel) {
      // A property sheet: the columns are runs, the row says what the value is.
      return { name: rowLabel, qualifier: headerText || null, step, by: "row" };
    }
    if (GENERIC_HEADERS.has(headerText.toLowerCase())) {
      // "Metric | Value": the row says what it is. "Run | Value": the row says whose it is, and
      // the name must come from elsewhere (the card's title).
      const labelHeader = cells[0] && cells[0] !== cell ? headerOf(cells[0]) : null;
      if (labelHeader && RUN_COLUMN.test(labelHeader.text)) return { name: null, qualifier: rowLabel, step, by: null };
      return rowLabel ? { name: rowLabel, qualifier: null, step, by: "row" } : null;
    }
    if (STEP_HEADERS.has(headerText.toLowerCase())) return null;
    return { name: headerText, qualifier: rowLabel, step, by: "column" };
  }

  // ---- other structures -----------------------------------------------------------------------

  function definitionName(p) {
    const dd = p.element.closest("dd");
    if (!dd) return null;
    for (let el = dd.previousElementSibling; el; el = el.previousElementSibling) {
      if (el.tagName === "DT") return { name: clean(el.textContent).replace(/:$/, ""), by: "dl" };
    }
    return null;
  }

  function labelName(p) {
    const el = p.element;
    const aria = el.getAttribute("aria-label");
    if (aria && LABEL.test(clean(aria))) return { name: clean(aria), by: "aria-label" };
    const byId = el.getAttribute("aria-labelledby");
    if (byId) {
      const l = document.getElementById(byId.split(" ")[0]);
      if (l) return { name: clean(l.textContent).replace(/:$/, ""), by: "aria-labelledby" };
    }
    const id = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if (id) return { name: clean(id.textContent).replace(/:$/, ""), by: "label" };
    // A neighbour that labels it: <span class=key>val_acc</span><span>0.93</span>
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      if (clean(node.textContent) !== clean(p.element.textContent)) break;
      const prev = node.previousElementSibling;
      if (prev) {
        const text = clean(prev.textContent).replace(/:$/, "");
        if (LABEL.test(text) && !BARE.test(text)) return { name: text, by: "neighbour" };
        break;
      }
    }
    return null;
  }

  /** The title of the card or panel the value sits in: the heading just before it, or just
   * before one of its containers (never a heading further back: that one titles something else). */
  function titleName(p) {
    let el = p.element;
    for (let depth = 0; el && el !== document.body && depth < 8; depth += 1, el = el.parentElement) {
      const sib = el.previousElementSibling;
      if (!sib) continue;
      const header = sib.matches(HEADER_SELECTOR) && sib.querySelector(TITLE_SELECTOR);
      const h = sib.matches(TITLE_SELECTOR) ? sib : header;
      if (h) {
        const text = clean(h.textContent);
        return text && LABEL.test(text) ? { name: text, by: "title" } : null;
      }
    }
    return null;
  }

  /** The generic reading of a pointed value: {text, name, qualifier, step, namedBy}. */
  function read(p) {
    let found =
      (p.node && lineLabel(p) && { name: lineLabel(p), by: "line" }) ||
      tableName(p) || textTable(p) || definitionName(p) || labelName(p) || titleName(p) || {};
    if (!found.name) found = { ...found, ...(titleName(p) || {}) };
    return {
      text: p.text,
      name: found.name || null,
      qualifier: found.qualifier || null,
      step: found.step != null ? found.step : null,
      namedBy: found.by || null,
      line: clean(lineOf(p)).slice(0, 200) || null,
    };
  }

  return { pointed, read, tableName, parseNumber, clean, tokenAt, BARE };
})();
