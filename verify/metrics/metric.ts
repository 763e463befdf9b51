/**
 * The shape of the metric catalog: what one exporter emits, at the version this distribution pins, written by hand
 * from the exporter's source with a citation for every metric. The catalog is data, not a copy of upstream code.
 */

export type MetricType = "counter" | "gauge" | "histogram";

export interface CatalogMetric {
  /** The name Prometheus stores, as a query spells it (a Python counter's `_total` suffix included). */
  readonly name: string;
  readonly type: MetricType;
  /** The series a query can select: the name itself, or for a histogram its `_bucket`, `_sum` and `_count`. */
  readonly series: readonly string[];
  /**
   * The labels the exporter itself sets. `label_*` stands for a family of labels (kube-state-metrics' `label_<key>`).
   * Labels the scrape adds are in {@link SCRAPE_LABELS}, not here.
   */
  readonly labels: readonly string[];
  /** Where the source defines it: `owner/repo@tag:path:line`. */
  readonly source: string;
  /** The feature gate or setting that must be on for the metric to be emitted, when there is one. */
  readonly gate?: string;
  /** Set when the name or the labels could not be confirmed at the pinned version: why. */
  readonly unconfirmed?: string;
}

/** How Prometheus scrapes an exporter; the labels the scrape adds depend on it. */
export interface Scrape {
  readonly via: "ServiceMonitor" | "PodMonitor";
  /**
   * With `honorLabels: true` the exporter's own `namespace`/`pod`/`container` labels win (DCGM's and
   * kube-state-metrics' pod mapping); otherwise Prometheus renames them `exported_<label>`.
   */
  readonly honorLabels: boolean;
}

export interface Exporter {
  readonly id: string;
  readonly title: string;
  /** The version the catalog was read at, and where that pin comes from in this repository. */
  readonly version: string;
  readonly pinnedBy: string;
  readonly scrape: Scrape;
  /** Labels on every metric of this exporter (DCGM's GPU identity labels), beside each metric's own. */
  readonly commonLabels: readonly string[];
  readonly metrics: readonly CatalogMetric[];
}

/**
 * The labels the Prometheus Operator's scrape configuration puts on every series of a ServiceMonitor or PodMonitor
 * target (its relabelling of `__meta_kubernetes_*`): `namespace`, `pod`, `container`, `endpoint`, `service` (a
 * ServiceMonitor only), and Prometheus's own `job` and `instance`. With `honorLabels: false` an exporter label of
 * the same name is kept as `exported_<name>`.
 */
export const SCRAPE_LABELS: Readonly<Record<Scrape["via"], readonly string[]>> = {
  ServiceMonitor: ["job", "instance", "namespace", "pod", "container", "endpoint", "service"],
  PodMonitor: ["job", "instance", "namespace", "pod", "container", "endpoint"],
};

/** Builds the entries of one exporter, citing `repo@tag:path` plus a line. */
export function metricsAt(repoAtTag: string, path: string) {
  const make =
    (type: MetricType) =>
    (
      name: string,
      labels: readonly string[],
      line: number | string,
      extra: Partial<CatalogMetric> = {},
    ): CatalogMetric => ({
      name,
      type,
      series: type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
      labels,
      source: typeof line === "number" ? `${repoAtTag}:${path}:${line}` : `${repoAtTag}:${line}`,
      ...extra,
    });
  return { counter: make("counter"), gauge: make("gauge"), histogram: make("histogram") };
}
