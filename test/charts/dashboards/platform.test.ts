import { Testing } from "cdk8s";
import {
  kubeStateResource,
  PlatformAlertRules,
  platformAlertRules,
  platformDashboards,
} from "../../../charts/dashboards/platform";
import { loadCheckedProfile } from "../../../platform/check";
import { observabilityInput } from "../../../platform/components/observability";
import { contextFor } from "../../../platform/graph";
import { loadProfile } from "../../../profiles/load";
import { checkQueries } from "../../../verify/metrics/check";
import { metricNames } from "../../../verify/metrics/promql";

function inputFor(name: string, override?: unknown) {
  return observabilityInput(contextFor(loadProfile(name, override)));
}

/** Every query of the dashboards and rules, named by where it is. */
function queries(name: string) {
  const input = inputFor(name);
  return [
    ...platformDashboards(input).flatMap((d) =>
      d.panels.flatMap((p) => (p.queries ?? []).map((q) => ({ source: `${d.uid} / ${p.title}`, expr: q.expr }))),
    ),
    ...platformAlertRules(input).map((r) => ({ source: r.alert, expr: r.expr })),
  ];
}

describe("the platform's dashboards and alert rules", () => {
  test.each(["cluster-gpu", "eks-gpu", "laptop"])(
    "on %s every query names metrics and labels the pinned exporters emit",
    (name) => {
      expect(checkQueries(queries(name))).toEqual([]);
    },
  );

  test("they read the GPU Operator's DCGM exporter, kube-state-metrics, Kueue, the model servers, vLLM and KEDA", () => {
    const names = new Set(queries("cluster-gpu").flatMap((q) => metricNames(q.expr)));
    expect([...names].sort()).toEqual([
      "DCGM_FI_DEV_FB_USED",
      "DCGM_FI_DEV_GPU_UTIL",
      "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
      "keda_scaler_metrics_value",
      "kube_deployment_status_replicas",
      "kube_node_labels",
      "kube_pod_container_resource_requests",
      "kube_pod_status_phase",
      "kueue_admission_wait_time_seconds_bucket",
      "kueue_admitted_active_workloads",
      "kueue_admitted_workloads_total",
      "kueue_cluster_queue_borrowing_limit",
      "kueue_cluster_queue_nominal_quota",
      "kueue_cluster_queue_resource_usage",
      "kueue_pending_workloads",
      "kueue_preempted_workloads_total",
      "request_predict_seconds_bucket",
      "request_predict_seconds_count",
      "vllm:num_requests_running",
      "vllm:num_requests_waiting",
      "vllm:time_to_first_token_seconds_bucket",
    ]);
  });

  test("the GPU dashboard scopes every per-team query to the team namespaces and shows each pool's sharing", () => {
    const [gpu] = platformDashboards(inputFor("cluster-gpu"));
    const perTeam = gpu.panels.find((p) => p.title === "GPU utilization per team");
    expect(perTeam?.queries).toEqual([
      {
        expr: 'avg by (namespace) (DCGM_FI_DEV_GPU_UTIL{namespace=~"team-research|team-serving|team-training"})',
        legend: "{{namespace}}",
      },
    ]);
    expect(gpu.panels.find((p) => p.kind === "text")?.markdown).toBe(
      [
        "| pool | resources | sharing |",
        "|---|---|---|",
        "| full | nvidia.com/gpu | whole GPUs |",
        "| mig | nvidia.com/mig-1g.10gb | MIG mixed all-1g.10gb |",
      ].join("\n"),
    );
  });

  test("a profile without MIG pools has no MIG panel", () => {
    const [gpu] = platformDashboards(inputFor("workstation-gpu"));
    expect(gpu.panels.map((p) => p.title)).not.toContain("MIG slice activity per team");
  });

  test("the alert thresholds come from the profile", () => {
    const rules = platformAlertRules(
      inputFor("cluster-gpu", {
        components: { observability: { settings: { alerts: { gpuIdleMinutes: 45, gpuIdlePercent: 10 } } } },
      }),
    );
    expect(rules[0]).toEqual({
      alert: "CnaiGpuAllocatedIdle",
      question: "Which pod has held a GPU without using it above 10 % for 45 minutes?",
      expr: 'max by (namespace, pod) (max_over_time(DCGM_FI_DEV_GPU_UTIL{namespace=~"team-research|team-serving|team-training"}[45m])) < 10',
      for: "5m",
      summary: "{{ $labels.namespace }}/{{ $labels.pod }} holds a GPU it has not used above 10 % for 45 minutes",
    });
    expect(rules.map((r) => [r.alert, r.for])).toEqual([
      ["CnaiGpuAllocatedIdle", "5m"],
      ["CnaiQueueHeadWaiting", "60m"],
      ["CnaiTeamBorrowingLong", "120m"],
    ]);
  });

  test("a bad threshold is a profile error naming the setting", () => {
    expect(() =>
      loadCheckedProfile("laptop", {
        components: { observability: { settings: { alerts: { gpuIdlePercent: 150 } } } },
      }),
    ).toThrow(/components\.observability\.settings\.alerts\.gpuIdlePercent: got 150/);
  });

  test("the rules are one PrometheusRule group with a severity and the question as description", () => {
    const app = Testing.app();
    const chart = new PlatformAlertRules(app, "rules", {
      namespace: "monitoring",
      rules: platformAlertRules(inputFor("laptop")),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
    const [rule] = Testing.synth(chart) as any[];
    expect(rule.kind).toBe("PrometheusRule");
    expect(rule.spec.groups[0].rules[1]).toEqual({
      alert: "CnaiQueueHeadWaiting",
      expr: '(sum by (cluster_queue) (kueue_pending_workloads{status="active"}) > 0) unless on (cluster_queue) (sum by (cluster_queue) (increase(kueue_admitted_workloads_total[60m])) > 0)',
      for: "60m",
      labels: { severity: "warning" },
      annotations: {
        summary: "ClusterQueue {{ $labels.cluster_queue }} has pending workloads and admitted none for 60 minutes",
        description:
          "Which team's queue has had workloads pending and admitted none for 60 minutes (its head has waited at least that long)?",
      },
    });
  });

  test("kube-state-metrics' resource names replace every other character with an underscore", () => {
    expect(kubeStateResource("nvidia.com/mig-1g.10gb")).toBe("nvidia_com_mig_1g_10gb");
  });
});
