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
import { energyQueries } from "../../../reports/energy";
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

  test("they read the GPU Operator's DCGM exporter, kube-state-metrics, Kueue, the model servers, vLLM, KEDA and Kepler", () => {
    const names = new Set(queries("cluster-gpu").flatMap((q) => metricNames(q.expr)));
    expect([...names].sort()).toEqual([
      "DCGM_FI_DEV_FB_USED",
      "DCGM_FI_DEV_GPU_UTIL",
      "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
      "keda_scaler_metrics_value",
      "kepler_pod_cpu_joules_total",
      "kepler_pod_cpu_watts",
      "kepler_pod_gpu_joules_total",
      "kepler_pod_gpu_watts",
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

  test("the energy dashboard exists only where Kepler measures, and shows carbon only with the profile's intensity", () => {
    const titles = (name: string, override?: unknown) =>
      platformDashboards(inputFor(name, override)).map((d) => d.title);
    expect(titles("cluster-gpu")).toEqual(["GPUs per team", "Kueue per team", "Serving", "Energy per team"]);
    expect(titles("laptop")).toEqual(["GPUs per team", "Kueue per team", "Serving"]);
    expect(titles("eks-gpu")).toEqual(["GPUs per team", "Kueue per team", "Serving"]);
    const energy = platformDashboards(inputFor("workstation-gpu")).find((d) => d.uid === "cnai-energy");
    expect(energy?.panels.map((p) => p.title)).toEqual([
      "Power per team",
      "Energy per team over the last 1d",
      "Where these figures come from",
    ]);
    expect(energy?.panels[2].markdown).toContain("Carbon intensity: not set (`energy.carbonIntensity` in the profile)");
  });

  test("the energy panels run the same queries as npm run cost, and carbon multiplies by the sourced intensity", () => {
    const intensity = {
      gramsPerKWh: 250,
      source: "Example grid operator, https://example.org/2025",
      date: "2025-01-01",
    };
    const input = inputFor("workstation-gpu", { energy: { carbonIntensity: intensity } });
    const energy = platformDashboards(input).find((d) => d.uid === "cnai-energy");
    const queries = energyQueries(input.teamNamespaces, "1d");
    expect(energy?.panels[1].queries).toEqual([
      { expr: `${queries.cpu} / 3600000`, legend: "{{pod_namespace}} CPU" },
      { expr: `${queries.gpu} / 3600000`, legend: "{{pod_namespace}} GPU" },
    ]);
    expect(energy?.panels[2]).toMatchObject({
      title: "Carbon per team over the last 1d",
      unit: "massg",
      queries: [{ expr: `((${queries.cpu} + ${queries.gpu}) or ${queries.cpu} or ${queries.gpu}) / 3600000 * 250` }],
    });
    expect(energy?.panels[3].markdown).toContain(
      "Carbon intensity: 250 gCO2e/kWh, from Example grid operator, https://example.org/2025 (2025-01-01)",
    );
    expect(
      checkQueries(
        (energy?.panels ?? []).flatMap((p) => (p.queries ?? []).map((q) => ({ source: p.title, expr: q.expr }))),
      ),
    ).toEqual([]);
  });

  test("a laptop that opts into Kepler has energy panels without GPU queries", () => {
    const input = inputFor("laptop", { components: { kepler: { lifecycle: "managed" } } });
    const energy = platformDashboards(input).find((d) => d.uid === "cnai-energy");
    expect(energy?.panels[0].queries).toEqual([
      {
        expr: 'sum by (pod_namespace) (kepler_pod_cpu_watts{pod_namespace=~"team-default",zone=~"package|dram"})',
        legend: "{{pod_namespace}} CPU",
      },
    ]);
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
