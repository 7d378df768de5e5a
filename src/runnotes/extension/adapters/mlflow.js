// MLflow's UI: the run page's metric and parameter tables, the runs grid (AG Grid) and the compare
// page are read by the generic table rules; this adapter adds the run (from the URL or the grid
// row) and the exact logged value from MLflow's REST API on the page's own origin.
"use strict";

(globalThis.runnotesAdapters = globalThis.runnotesAdapters || []).push((() => {
  const RUN_ID = /^[0-9a-f]{32}$/;

  function runIdOf(p) {
    const row = p.element.closest("[row-id]");
    const id = row && row.getAttribute("row-id");
    if (id && RUN_ID.test(id)) return id;
    const m = /\/runs\/([0-9a-f]{32})/.exec(location.hash + location.pathname);
    return m ? m[1] : null;
  }

  async function runData(runId) {
    const url = new URL("api/2.0/mlflow/runs/get", location.origin + location.pathname);
    url.searchParams.set("run_id", runId);
    const answer = await fetch(url, { credentials: "same-origin" });
    return answer.ok ? (await answer.json()).run.data : null;
  }

  return {
    tool: "mlflow",
    matches: () => /mlflow/i.test(document.title) || !!document.querySelector("[data-testid^=mlflow], .mlflow-ui"),
    async refine(p, reading) {
      if (!reading.name) return;
      const runId = runIdOf(p);
      if (!runId) return;
      const data = await runData(runId);
      if (!data) return;
      const metric = (data.metrics || []).find((m) => m.key === reading.name);
      if (metric) {
        reading.exact = metric.value;
        reading.exactFrom = "mlflow:runs/get";
        if (reading.step == null && metric.step != null) reading.step = Number(metric.step);
        reading.kind = "metric";
        return;
      }
      const param = (data.params || []).find((m) => m.key === reading.name);
      if (param && Number.isFinite(Number(param.value))) {
        reading.exact = Number(param.value);
        reading.exactFrom = "mlflow:runs/get";
        reading.kind = "param";
      }
    },
  };
})());
