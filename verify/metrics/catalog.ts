/**
 * The metric catalog: every exporter whose metrics the distribution's dashboards, rules and autoscaling triggers may
 * query, at the version it pins. See docs/observability.md "Metric catalog" for how to add one.
 */
import { dcgmExporter } from "./dcgm";
import { keda } from "./keda";
import { kepler } from "./kepler";
import { kserveModelServer, vllm } from "./kserve";
import { kubeStateMetrics } from "./kube-state-metrics";
import { kueue } from "./kueue";
import type { CatalogMetric, Exporter } from "./metric";

export const CATALOG: readonly Exporter[] = [
  dcgmExporter,
  kueue,
  kubeStateMetrics,
  keda,
  kserveModelServer,
  vllm,
  kepler,
];

export interface CatalogSeries {
  readonly exporter: Exporter;
  readonly metric: CatalogMetric;
}

/** Every series name a query can select, to the metric and exporter that emit it. */
export function seriesIndex(catalog: readonly Exporter[] = CATALOG): Map<string, CatalogSeries> {
  const index = new Map<string, CatalogSeries>();
  for (const exporter of catalog)
    for (const metric of exporter.metrics) for (const name of metric.series) index.set(name, { exporter, metric });
  return index;
}
