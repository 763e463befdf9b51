/**
 * Grafana dashboards as code: a small typed builder for the dashboards the platform provisions, rendered as
 * ConfigMaps that kube-prometheus-stack's Grafana dashboard sidecar loads (label `grafana_dashboard: "1"`, every
 * namespace: the chart's `grafana.sidecar.dashboards` defaults). Each dashboard and panel says which question it
 * answers; the README's table of dashboards is generated from those sentences, and a test checks every query
 * against the metrics the pinned exporters emit.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";

/** One PromQL query of a panel, with the legend Grafana shows for each series. */
export interface Query {
  readonly expr: string;
  /** Grafana's legend template, e.g. `{{namespace}}`. */
  readonly legend: string;
}

export interface Panel {
  readonly title: string;
  /** The question the panel answers, shown as its description. */
  readonly question: string;
  /** `timeseries` for a trend, `table` for a current list, `text` for static Markdown (no queries). */
  readonly kind: "timeseries" | "table" | "text";
  readonly queries?: readonly Query[];
  /** Grafana's unit id, e.g. `percent`, `short`, `s`, `decmbytes`. @default "short" */
  readonly unit?: string;
  /** The Markdown of a `text` panel. */
  readonly markdown?: string;
}

export interface Dashboard {
  /** Grafana's uid and the ConfigMap's name suffix: a DNS label. */
  readonly uid: string;
  readonly title: string;
  /** The question the dashboard answers, for its description and the README. */
  readonly question: string;
  readonly panels: readonly Panel[];
}

/** kube-prometheus-stack provisions its Prometheus datasource with this uid (`grafana.sidecar.datasources.uid`). */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";
/** The label and value the Grafana sidecar watches for (kube-prometheus-stack `grafana.sidecar.dashboards`). */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

const WIDTH = 12;
const HEIGHT = 8;

/** Grafana's dashboard JSON model for a dashboard: two panels per row, in the order given. */
export function dashboardJson(dashboard: Dashboard): Record<string, unknown> {
  const datasource = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };
  return {
    uid: dashboard.uid,
    title: dashboard.title,
    description: dashboard.question,
    tags: ["cnai"],
    editable: false,
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    panels: dashboard.panels.map((panel, i) => ({
      id: i + 1,
      type: panel.kind === "table" ? "table" : panel.kind,
      title: panel.title,
      description: panel.question,
      gridPos: { x: (i % 2) * WIDTH, y: Math.floor(i / 2) * HEIGHT, w: WIDTH, h: HEIGHT },
      ...(panel.kind === "text"
        ? { options: { mode: "markdown", content: panel.markdown ?? "" } }
        : {
            datasource,
            fieldConfig: { defaults: { unit: panel.unit ?? "short" }, overrides: [] },
            targets: (panel.queries ?? []).map((query, q) => ({
              refId: String.fromCharCode(65 + q),
              datasource,
              expr: query.expr,
              legendFormat: query.legend,
              ...(panel.kind === "table" ? { instant: true, format: "table" } : {}),
            })),
          }),
    })),
  };
}

export interface GrafanaDashboardsProps {
  /** Where the ConfigMaps go (the monitoring namespace). */
  readonly namespace: string;
  readonly dashboards: readonly Dashboard[];
}

/** One ConfigMap per dashboard, picked up by Grafana's dashboard sidecar. */
export class GrafanaDashboards extends Chart {
  constructor(scope: Construct, id: string, props: GrafanaDashboardsProps) {
    super(scope, id);
    const uids = new Set<string>();
    for (const dashboard of props.dashboards) {
      if (!/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(dashboard.uid)) {
        throw new Error(
          `GrafanaDashboards: dashboard uid "${dashboard.uid}" must be 1 to 40 lowercase letters, digits or '-' (Grafana's uid limit is 40)`,
        );
      }
      if (uids.has(dashboard.uid)) throw new Error(`GrafanaDashboards: dashboard uid "${dashboard.uid}" is used twice`);
      uids.add(dashboard.uid);
      for (const panel of dashboard.panels) {
        if (panel.kind !== "text" && !panel.queries?.length) {
          throw new Error(
            `GrafanaDashboards: panel "${panel.title}" of "${dashboard.uid}" has no query; give queries or make it a text panel`,
          );
        }
      }
      new ApiObject(this, dashboard.uid, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `dashboard-${dashboard.uid}`, namespace: props.namespace, labels: { ...DASHBOARD_LABEL } },
        data: { [`${dashboard.uid}.json`]: JSON.stringify(dashboardJson(dashboard), null, 2) },
      });
    }
  }
}
