import { extractQuery, metricNames } from "../../../verify/metrics/promql";

describe("the PromQL metric-name extractor", () => {
  test.each([
    ['sum(rate(request_predict_seconds_count{namespace="a",pod=~"p-.*"}[2m]))', ["request_predict_seconds_count"]],
    [
      "histogram_quantile(0.95, sum by (le, model_name) (rate(vllm:e2e_request_latency_seconds_bucket[5m])))",
      ["vllm:e2e_request_latency_seconds_bucket"],
    ],
    [
      'sum(vllm:num_requests_running{pod=~"x.*"}) + sum(vllm:num_requests_waiting{pod=~"x.*"})',
      ["vllm:num_requests_running", "vllm:num_requests_waiting"],
    ],
    [
      'sum(kube_pod_container_resource_requests{resource="nvidia.com/gpu"}) by (namespace) / clamp_min(sum(kube_pod_container_resource_limits) without (container), 1)',
      ["kube_pod_container_resource_requests", "kube_pod_container_resource_limits"],
    ],
    ["max_over_time(DCGM_FI_DEV_GPU_UTIL[1h:5m]) > bool 80", ["DCGM_FI_DEV_GPU_UTIL"]],
    [
      "increase(kueue_evicted_workloads_total[1h] offset 1d) unless kueue_pending_workloads",
      ["kueue_evicted_workloads_total", "kueue_pending_workloads"],
    ],
    [
      'kepler_pod_cpu_watts * on(pod_namespace) group_left(label_team) label_replace(kube_namespace_labels, "pod_namespace", "$1", "namespace", "(.*)")',
      ["kepler_pod_cpu_watts", "kube_namespace_labels"],
    ],
    [
      '{__name__="kueue_admitted_active_workloads", cluster_queue="q"} or vector(0)',
      ["kueue_admitted_active_workloads"],
    ],
    [
      "topk(5, sum by (pod) (rate(kepler_pod_gpu_joules_total[5m] @ end())))  # the hungriest pods",
      ["kepler_pod_gpu_joules_total"],
    ],
    ["1e3 * -Inf + NaN + 0x1f", []],
  ])("%s selects its metrics and nothing else", (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });

  test("matcher labels belong to their metric and grouping labels are reported apart", () => {
    expect(
      extractQuery(
        'sum by (cluster_queue) (kueue_pending_workloads{status="inadmissible"}) / on(cluster_queue) group_left kueue_cluster_queue_nominal_quota{resource="cpu"}',
      ),
    ).toEqual({
      selectors: [
        { metric: "kueue_pending_workloads", labels: ["status"] },
        { metric: "kueue_cluster_queue_nominal_quota", labels: ["resource"] },
      ],
      groupingLabels: ["cluster_queue"],
    });
  });

  test("label values that look like metric names are not metrics", () => {
    expect(metricNames('count(kube_pod_status_phase{phase="Running", namespace=~"kube_system|default"})')).toEqual([
      "kube_pod_status_phase",
    ]);
  });
});
