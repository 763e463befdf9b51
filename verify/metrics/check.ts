/**
 * Checks PromQL expressions against the metric catalog: every metric a query selects must be one a pinned exporter
 * emits, and every label its matchers use must be one that metric carries once scraped. Dashboards, rules and the
 * samples' autoscaling triggers call {@link checkQueries}.
 */
import { CATALOG, seriesIndex, type CatalogSeries } from "./catalog";
import { SCRAPE_LABELS, type Exporter } from "./metric";
import { extractQuery } from "./promql";

/** Levenshtein distance, for suggesting the metric a misspelled name meant. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/** The closest catalog series to a name, when it is close enough to be a misspelling. */
function suggestion(name: string, index: Map<string, CatalogSeries>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of index.keys()) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 5)) ? best.name : undefined;
}

/** The metrics of an expression that no catalogued exporter emits. */
export function unknownMetrics(expr: string, catalog: readonly Exporter[] = CATALOG): string[] {
  const index = seriesIndex(catalog);
  const names = [...new Set(extractQuery(expr).selectors.map((s) => s.metric))];
  return names
    .filter((name) => !index.has(name))
    .map((name) => {
      const near = suggestion(name, index);
      return `unknown metric ${name} in ${expr}${near ? `: did you mean ${near}?` : ""}`;
    });
}

/**
 * The labels a catalogued series has in Prometheus: the exporter's own and common ones, the scrape's, `le` on a
 * histogram's buckets. Without honorLabels an exporter label the scrape also sets is kept as `exported_<label>`.
 */
export function scrapedLabels(series: string, found: CatalogSeries): Set<string> {
  const { exporter, metric } = found;
  const scrape = SCRAPE_LABELS[exporter.scrape.via];
  const own = [...exporter.commonLabels, ...metric.labels];
  const labels = new Set<string>(scrape);
  for (const label of own)
    labels.add(!exporter.scrape.honorLabels && scrape.includes(label) ? `exported_${label}` : label);
  if (series.endsWith("_bucket") && metric.type === "histogram") labels.add("le");
  return labels;
}

function hasLabel(labels: Set<string>, label: string): boolean {
  if (labels.has(label)) return true;
  return [...labels].some((l) => l.endsWith("_*") && label.startsWith(l.slice(0, -1)));
}

/** The matcher labels of an expression that the selected (catalogued) metric does not carry. */
export function unknownLabels(expr: string, catalog: readonly Exporter[] = CATALOG): string[] {
  const index = seriesIndex(catalog);
  const problems: string[] = [];
  for (const selector of extractQuery(expr).selectors) {
    const found = index.get(selector.metric);
    if (!found) continue;
    const labels = scrapedLabels(selector.metric, found);
    for (const label of selector.labels)
      if (!hasLabel(labels, label))
        problems.push(`metric ${selector.metric} (${found.exporter.id}) has no label ${label} in ${expr}`);
  }
  return problems;
}

/** Every problem of a set of queries, each prefixed with where the query comes from; empty when all check. */
export function checkQueries(
  queries: ReadonlyArray<{ readonly source: string; readonly expr: string }>,
  catalog: readonly Exporter[] = CATALOG,
): string[] {
  return queries.flatMap(({ source, expr }) => {
    try {
      return [...unknownMetrics(expr, catalog), ...unknownLabels(expr, catalog)].map((p) => `${source}: ${p}`);
    } catch (error) {
      return [`${source}: cannot read ${expr}: ${(error as Error).message}`];
    }
  });
}
