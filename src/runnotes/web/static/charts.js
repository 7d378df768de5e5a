// runnotes charts: draws a chart spec (runnotes.services.charts.ChartSpec.as_json) with uPlot.
// The same file runs on the web page and, inlined, in a notebook's output (no network there).
// Each chart: axes with ticks, units and gridlines; a tooltip with every run's step and value
// at the pointer; drag to zoom, double-click or "reset" to zoom out; a log y scale; EMA
// smoothing (TensorBoard's debiased EMA); x by step, wall time or epoch. A metric with one
// value per run is a row of bars. Run names are user text: only ever set as textContent.
(function () {
  "use strict";
  if (window.RunnotesCharts) return;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // 4 significant digits; scientific for very small or large magnitudes (3e-4, not 0.0003).
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "—";
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2).replace("e+", "e");
    return String(Number(v.toPrecision(4)));
  }

  function fmtX(mode, v) {
    if (mode === "time") return new Date(v * 1000).toLocaleString();
    if (mode === "epoch") return "epoch " + fmt(v);
    return "step " + fmt(v);
  }

  // TensorBoard's smoothing: an exponential moving average, debiased so the start is not
  // pulled to zero; gaps (null) stay gaps.
  function ema(ys, weight) {
    if (!weight) return ys;
    let last = 0, n = 0;
    return ys.map(function (y) {
      if (y === null) return null;
      last = last * weight + (1 - weight) * y;
      n += 1;
      return last / (1 - Math.pow(weight, n));
    });
  }

  // Step → epoch from the run's own `epoch` series: exact at logged steps, linear between them;
  // outside the logged range, no epoch (null) rather than a guess.
  function epochOf(points) {
    return function (step) {
      if (!points || !points.length) return null;
      let lo = 0, hi = points.length - 1;
      if (step < points[lo][0] || step > points[hi][0]) return null;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (points[mid][0] <= step) lo = mid; else hi = mid;
      }
      const a = points[lo], b = points[hi];
      if (a[0] === step || a[0] === b[0]) return a[1];
      return a[1] + (b[1] - a[1]) * (step - a[0]) / (b[0] - a[0]);
    };
  }

  // Tick spacings of a step axis: whole numbers (1, 2, 5, 10, 20, 50 … 5e9).
  const STEP_INCRS = [];
  for (let d = 1; d <= 1e9; d *= 10) STEP_INCRS.push(d, 2 * d, 5 * d);

  // The index of the point nearest to x in a sorted array.
  function nearest(xs, x) {
    let lo = 0, hi = xs.length - 1;
    if (hi < 0) return -1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= x) lo = mid; else hi = mid;
    }
    return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
  }

  function drawBars(root, spec) {
    const values = spec.series.map(function (s) { return s.y[0]; });
    const top = Math.max.apply(null, values.map(function (v) { return v === null ? 0 : Math.abs(v); })) || 1;
    const list = el("div", "rn-bars");
    spec.series.forEach(function (s) {
      const row = el("div", "rn-bar-row" + (s.best ? " rn-best" : ""));
      row.appendChild(el("span", "rn-bar-label", s.label));
      const track = el("span", "rn-bar-track");
      const bar = el("span", "rn-bar");
      bar.style.width = (s.y[0] === null ? 0 : (100 * Math.abs(s.y[0])) / top) + "%";
      bar.style.background = s.color;
      track.appendChild(bar);
      row.appendChild(track);
      row.appendChild(el("span", "rn-bar-value", fmt(s.y[0]) + (spec.unit ? " " + spec.unit : "")));
      list.appendChild(row);
    });
    root.appendChild(list);
  }

  function render(root, spec, options) {
    options = options || {};
    root.textContent = "";
    root.classList.add("rn-chart");
    root.dataset.metric = spec.metric;
    if (!options.noTitle) root.appendChild(el("div", "rn-title", spec.title));
    if (spec.kind === "bar") { drawBars(root, spec); return null; }

    const hasEpochs = Object.keys(spec.epochs || {}).length > 0;
    const hasTimes = spec.series.every(function (s) { return s.t; }) || !!options.timesUrl;
    const state = { x: "step", log: !!spec.log, smooth: 0 };
    const bar = el("div", "rn-tools");
    const xPick = el("select");
    xPick.setAttribute("aria-label", "x axis");
    [["step", "step"], ["time", "wall time"], ["epoch", "epoch"]].forEach(function (o) {
      if ((o[0] === "time" && !hasTimes) || (o[0] === "epoch" && !hasEpochs)) return;
      const opt = el("option", "", o[1]);
      opt.value = o[0];
      xPick.appendChild(opt);
    });
    const positive = spec.series.every(function (s) {
      return s.y.every(function (y) { return y === null || y > 0; });
    });
    const logBox = el("input");
    logBox.type = "checkbox";
    logBox.checked = state.log && positive;
    logBox.disabled = !positive;
    const logLabel = el("label", "rn-log", "");
    logLabel.appendChild(logBox);
    logLabel.appendChild(document.createTextNode(" log y"));
    if (!positive) logLabel.title = "some values are zero or negative";
    const slider = el("input");
    slider.type = "range"; slider.min = "0"; slider.max = "0.99"; slider.step = "0.01"; slider.value = "0";
    slider.setAttribute("aria-label", "smoothing");
    const smoothText = el("span", "rn-smooth-value", "0");
    const smoothLabel = el("label", "rn-smooth", "smoothing ");
    smoothLabel.appendChild(slider);
    smoothLabel.appendChild(smoothText);
    const reset = el("button", "rn-reset", "reset zoom");
    reset.type = "button";
    const xLabel = el("label", "", "x ");
    xLabel.appendChild(xPick);
    [xLabel, logLabel, smoothLabel, reset].forEach(function (n) { bar.appendChild(n); });
    root.appendChild(bar);
    const plotBox = el("div", "rn-plot");
    root.appendChild(plotBox);
    const tip = el("div", "rn-tip");
    tip.hidden = true;
    tip.setAttribute("role", "status");
    root.appendChild(tip);
    const legend = el("ul", "rn-legend");
    spec.series.forEach(function (s) {
      const item = el("li", s.best ? "rn-best" : "");
      const sw = el("span", "rn-swatch");
      sw.style.background = s.color;
      item.appendChild(sw);
      item.appendChild(document.createTextNode(s.label + (s.best ? " ★" : "")));
      legend.appendChild(item);
    });
    root.appendChild(legend);

    let plot = null;
    let runs = [];  // per run: {s, xs, ys (raw), shown (smoothed), steps}

    function columns() {
      const epochs = spec.epochs || {};
      return spec.series.map(function (s) {
        const toEpoch = epochOf(epochs[String(s.run)]);
        const rows = [];
        s.x.forEach(function (step, i) {
          let x = step;
          if (state.x === "time") x = s.t ? s.t[i] : null;
          else if (state.x === "epoch") x = toEpoch(step);
          let y = s.y[i];
          if (state.log && y !== null && y <= 0) y = null;
          if (x !== null && x !== undefined) rows.push([x, y, step]);
        });
        rows.sort(function (a, b) { return a[0] - b[0]; });
        const ys = rows.map(function (r) { return r[1]; });
        return {
          s: s,
          xs: rows.map(function (r) { return r[0]; }),
          steps: rows.map(function (r) { return r[2]; }),
          ys: ys,
          shown: ema(ys, state.smooth),
        };
      });
    }

    function showTip(u) {
      const left = u.cursor.left;
      if (left === undefined || left < 0) { tip.hidden = true; return; }
      const x = u.posToVal(left, "x");
      const at = runs.map(function (r) { return nearest(r.xs, x); });
      let snapped = null;  // the header names a point's own x, not the pointer's in between
      runs.forEach(function (r, k) {
        const v = at[k] < 0 ? null : r.xs[at[k]];
        if (v !== null && (snapped === null || Math.abs(v - x) < Math.abs(snapped - x))) snapped = v;
      });
      tip.textContent = "";
      tip.appendChild(el("div", "rn-tip-x", fmtX(state.x, snapped === null ? x : snapped)));
      runs.forEach(function (r, k) {
        const i = at[k];
        if (i < 0) return;
        const row = el("div", "rn-tip-row");
        const sw = el("span", "rn-swatch");
        sw.style.background = r.s.color;
        row.appendChild(sw);
        row.appendChild(el("span", "rn-tip-run", r.s.label));
        row.appendChild(el("span", "rn-tip-step", "step " + fmt(r.steps[i])));
        let text = fmt(r.ys[i]) + (spec.unit ? " " + spec.unit : "");
        if (state.smooth) text += " (smoothed " + fmt(r.shown[i]) + ")";
        row.appendChild(el("span", "rn-tip-value", text));
        tip.appendChild(row);
      });
      tip.hidden = false;
      // Beside the pointer, never over the point it describes: right of it (left near the
      // right edge), below it in the upper half of the plot, above it in the lower half.
      const x0 = plotBox.offsetLeft + u.over.offsetLeft + left;
      const y0 = plotBox.offsetTop + u.over.offsetTop + u.cursor.top;
      const right = x0 + 16 + tip.offsetWidth <= root.clientWidth;
      tip.style.left = Math.max(0, right ? x0 + 16 : x0 - 16 - tip.offsetWidth) + "px";
      const below = u.cursor.top < u.over.clientHeight / 2;
      tip.style.top = (below ? y0 + 16 : y0 - 16 - tip.offsetHeight) + "px";
    }

    function build() {
      runs = columns();
      const tables = [];
      const series = [{ label: state.x }];
      runs.forEach(function (r) {
        const cols = [r.xs];
        if (state.smooth) {
          cols.push(r.ys);
          series.push({ label: r.s.label + " (raw)", stroke: r.s.color + "44", width: 1, points: { show: false } });
        }
        cols.push(r.shown);
        series.push({ label: r.s.label, stroke: r.s.color, width: r.s.best ? 2.5 : 1.5, spanGaps: true, points: { show: false } });
        tables.push(cols);
      });
      const data = tables.length > 1 ? uPlot.join(tables) : tables[0];
      const width = Math.max(280, plotBox.clientWidth || root.clientWidth || 560);
      const opts = {
        width: width,
        height: options.height || 240,
        legend: { show: false },
        cursor: { drag: { x: true, y: false }, points: { show: false } },
        scales: {
          x: { time: state.x === "time" },
          y: state.log ? { distr: 3 } : {},
        },
        axes: [
          {
            label: state.x === "time" ? "wall time" : state.x,
            grid: { stroke: "#e5e7eb" },
            values: state.x === "time" ? undefined : function (u, splits) { return splits.map(fmt); },
            incrs: state.x === "step" ? STEP_INCRS : undefined,  // whole steps only
          },
          {
            label: spec.yLabel,
            size: 64,
            grid: { stroke: "#e5e7eb" },
            values: function (u, splits) { return splits.map(fmt); },
          },
        ],
        series: series,
        hooks: { setCursor: [showTip] },
      };
      if (plot) plot.destroy();
      plotBox.textContent = "";
      plot = new uPlot(opts, data, plotBox);
      root.rnChart = plot;
      root.dataset.x = state.x;
      root.dataset.log = state.log ? "1" : "0";
    }

    function loadTimes() {
      const missing = spec.series.filter(function (s) { return !s.t; });
      if (!missing.length || !options.timesUrl) return Promise.resolve();
      return Promise.all(missing.map(function (s) {
        return fetch(options.timesUrl(s.run, spec.metric), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { times: [] }; })
          .then(function (body) { s.t = body.times; });
      }));
    }

    xPick.addEventListener("change", function () {
      state.x = xPick.value;
      (state.x === "time" ? loadTimes() : Promise.resolve()).then(build);
    });
    logBox.addEventListener("change", function () { state.log = logBox.checked; build(); });
    slider.addEventListener("input", function () {
      state.smooth = Number(slider.value);
      smoothText.textContent = slider.value;
      build();
    });
    reset.addEventListener("click", build);
    plotBox.addEventListener("mouseleave", function () { tip.hidden = true; });
    state.log = logBox.checked;
    build();
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        const w = Math.max(280, plotBox.clientWidth);
        if (plot && Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: plot.height });
      }).observe(plotBox);
    }
    return plot;
  }

  // Every chart below `scope`: an element with class rn-chart holding its spec as JSON.
  function renderAll(scope, options) {
    (scope || document).querySelectorAll(".rn-chart[data-spec]").forEach(function (node) {
      const source = node.querySelector("script[type='application/json']");
      if (!source || node.dataset.drawn) return;
      node.dataset.drawn = "1";
      const times = node.dataset.times;  // "/api/runs/{run}/times/{metric}" on the web page
      const own = { noTitle: "notitle" in node.dataset };  // the page's caption names it
      if (times) {
        own.timesUrl = function (run, metric) {
          return times.replace("{run}", run).replace("{metric}", encodeURIComponent(metric));
        };
      }
      render(node, JSON.parse(source.textContent), Object.assign(own, options));
    });
  }

  window.RunnotesCharts = { render: render, renderAll: renderAll, ema: ema, format: fmt };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  } else {
    renderAll(document);
  }
})();
