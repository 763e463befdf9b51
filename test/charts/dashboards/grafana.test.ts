import { Testing } from "cdk8s";
import type { Dashboard } from "../../../charts/dashboards/grafana";
import { dashboardJson, GrafanaDashboards } from "../../../charts/dashboards/grafana";

const DASHBOARD: Dashboard = {
  uid: "cnai-test",
  title: "Test",
  question: "Does it render?",
  panels: [
    {
      title: "Pending",
      question: "How many wait?",
      kind: "timeseries",
      queries: [{ expr: "sum(kueue_pending_workloads)", legend: "all" }],
    },
    { title: "Idle", question: "Which idle?", kind: "table", unit: "percent", queries: [{ expr: "up", legend: "" }] },
    { title: "Pools", question: "What pools?", kind: "text", markdown: "| pool |" },
  ],
};

function render(dashboards: readonly Dashboard[]) {
  const app = Testing.app();
  const chart = new GrafanaDashboards(app, "dashboards", { namespace: "monitoring", dashboards });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  return Testing.synth(chart) as any[];
}

describe("GrafanaDashboards", () => {
  test("each dashboard is a ConfigMap the Grafana sidecar loads, holding the dashboard's JSON model", () => {
    const [configMap] = render([DASHBOARD]);
    expect(configMap.metadata).toEqual({
      name: "dashboard-cnai-test",
      namespace: "monitoring",
      labels: { grafana_dashboard: "1" },
    });
    expect(JSON.parse(configMap.data["cnai-test.json"])).toEqual(dashboardJson(DASHBOARD));
  });

  test("panels carry their question, two per row; queries use kube-prometheus-stack's Prometheus datasource", () => {
    const model = dashboardJson(DASHBOARD) as { description: string; panels: Array<Record<string, unknown>> };
    const datasource = { type: "prometheus", uid: "prometheus" };
    expect(model.description).toBe("Does it render?");
    expect(model.panels).toEqual([
      {
        id: 1,
        type: "timeseries",
        title: "Pending",
        description: "How many wait?",
        gridPos: { x: 0, y: 0, w: 12, h: 8 },
        datasource,
        fieldConfig: { defaults: { unit: "short" }, overrides: [] },
        targets: [{ refId: "A", datasource, expr: "sum(kueue_pending_workloads)", legendFormat: "all" }],
      },
      {
        id: 2,
        type: "table",
        title: "Idle",
        description: "Which idle?",
        gridPos: { x: 12, y: 0, w: 12, h: 8 },
        datasource,
        fieldConfig: { defaults: { unit: "percent" }, overrides: [] },
        targets: [{ refId: "A", datasource, expr: "up", legendFormat: "", instant: true, format: "table" }],
      },
      {
        id: 3,
        type: "text",
        title: "Pools",
        description: "What pools?",
        gridPos: { x: 0, y: 8, w: 12, h: 8 },
        options: { mode: "markdown", content: "| pool |" },
      },
    ]);
  });

  test("rejects a uid Grafana cannot take, a uid used twice, and a query panel without queries", () => {
    expect(() => render([{ ...DASHBOARD, uid: "Not_A_Label" }])).toThrow(
      /dashboard uid "Not_A_Label" must be 1 to 40 lowercase letters, digits or '-'/,
    );
    expect(() => render([DASHBOARD, DASHBOARD])).toThrow(/dashboard uid "cnai-test" is used twice/);
    expect(() =>
      render([{ ...DASHBOARD, panels: [{ title: "Empty", question: "?", kind: "timeseries", queries: [] }] }]),
    ).toThrow(/panel "Empty" of "cnai-test" has no query; give queries or make it a text panel/);
  });
});
