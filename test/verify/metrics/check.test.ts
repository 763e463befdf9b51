import { renderLocal } from "../../support/render";
import { loadProfile } from "../../../profiles/load";
import type { LocalRelease } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import { samples } from "../../../platform/components/samples";
import { CATALOG, seriesIndex } from "../../../verify/metrics/catalog";
import { checkQueries, unknownLabels, unknownMetrics } from "../../../verify/metrics/check";

type Obj = { kind: string; metadata: { name: string }; spec: { predictor?: { autoScaling?: unknown } } };

/** Every KEDA trigger query of the samples a profile renders. */
function triggerQueries(profile: ReturnType<typeof loadProfile>): Array<{ source: string; expr: string }> {
  const steps = samples.steps(contextFor(profile));
  return (renderLocal(steps[0] as LocalRelease, "samples") as Obj[])
    .filter((o) => o.kind === "InferenceService")
    .flatMap((o) =>
      (
        (o.spec.predictor?.autoScaling as { metrics?: Array<{ external: { metric: { query: string } } }> })?.metrics ??
        []
      ).map((m) => ({ source: `InferenceService ${o.metadata.name}`, expr: m.external.metric.query })),
    );
}

describe("the metric catalog checker", () => {
  test("a misspelled metric is reported with the metric it most likely meant", () => {
    expect(unknownMetrics("sum(DCGM_FI_DEV_GPU_UTILIZATION) + sum(rate(kueue_admited_workloads_total[5m]))")).toEqual([
      "unknown metric DCGM_FI_DEV_GPU_UTILIZATION in sum(DCGM_FI_DEV_GPU_UTILIZATION) + sum(rate(kueue_admited_workloads_total[5m]))",
      "unknown metric kueue_admited_workloads_total in sum(DCGM_FI_DEV_GPU_UTILIZATION) + sum(rate(kueue_admited_workloads_total[5m])): did you mean kueue_admitted_workloads_total?",
    ]);
  });

  test("vLLM's deprecated cache gauge is gone at 0.24.0 and the checker points to its successor", () => {
    expect(unknownMetrics("max(vllm:gpu_cache_usage_perc)")).toEqual([
      "unknown metric vllm:gpu_cache_usage_perc in max(vllm:gpu_cache_usage_perc): did you mean vllm:kv_cache_usage_perc?",
    ]);
    expect(unknownMetrics("max(vllm:kv_cache_usage_perc)")).toEqual([]);
  });

  test("a histogram is queried through its bucket, sum and count series, never by its bare name", () => {
    expect(
      unknownMetrics(
        "rate(kueue_admission_wait_time_seconds_sum[5m]) / rate(kueue_admission_wait_time_seconds_count[5m])",
      ),
    ).toEqual([]);
    expect(unknownMetrics("kueue_admission_wait_time_seconds")).toEqual([
      "unknown metric kueue_admission_wait_time_seconds in kueue_admission_wait_time_seconds: did you mean kueue_admission_wait_time_seconds_sum?",
    ]);
  });

  test("matcher labels must exist on the metric once scraped, including the scrape's own and le on buckets", () => {
    expect(
      unknownLabels(
        'sum by (le) (rate(request_predict_seconds_bucket{namespace="a",pod=~"p.*",le="0.5"}[5m])) + DCGM_FI_DEV_FB_USED{GPU_I_PROFILE="1g.10gb",namespace="a"}',
      ),
    ).toEqual([]);
    expect(unknownLabels('kueue_local_queue_pending_workloads{namespace="team-a",queue="x"}')).toEqual([
      'metric kueue_local_queue_pending_workloads (kueue) has no label queue in kueue_local_queue_pending_workloads{namespace="team-a",queue="x"}',
    ]);
    // Kueue's ServiceMonitor does not honour labels: the LocalQueue's namespace is kept as exported_namespace.
    expect(unknownLabels('kueue_local_queue_pending_workloads{exported_namespace="team-a"}')).toEqual([]);
  });

  test("every metric the repository's KEDA triggers query is in the catalog, with its labels", () => {
    const chat = { kind: "inference-service", team: "training", pool: "full", gpus: 1 } as const;
    const queries = [
      ...triggerQueries(loadProfile("cluster-gpu")),
      ...triggerQueries(loadProfile("workstation-gpu")),
      ...triggerQueries(loadProfile("cluster-gpu", { samples: { chat } })),
    ];
    const used = new Set(
      queries.flatMap((q) => [...q.expr.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\{)/g)].map((m) => m[0])),
    );
    expect([...used].sort()).toEqual([
      "DCGM_FI_DEV_GPU_UTIL",
      "kube_job_status_active",
      "request_predict_seconds_count",
      "vllm:num_requests_running",
      "vllm:num_requests_waiting",
    ]);
    expect(checkQueries(queries)).toEqual([]);
  });

  test("every catalogued metric cites its source at a pinned tag, and no series name is claimed twice", () => {
    const names = CATALOG.flatMap((e) => e.metrics.flatMap((m) => m.series));
    expect(names.length).toBe(seriesIndex().size);
    for (const exporter of CATALOG)
      for (const metric of exporter.metrics) expect(metric.source).toMatch(/^[\w.-]+\/[\w.-]+@[\w.-]+:[\w./-]+:\d+$/);
  });
});
