/**
 * The platform's dashboards and alert rules, built from the profile's teams and pools: GPUs per team, Kueue per team,
 * serving, and energy per team where Kepler runs. Every query names metrics of the exporters the platform runs (DCGM
 * exporter through the GPU Operator, kube-state-metrics, Kueue, KServe's model servers and vLLM, KEDA, Kepler);
 * test/charts/dashboards checks them against the metric catalog taken from those exporters' sources at the pinned
 * versions.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { POOL_LABEL } from "../../profiles/plan";
import type { CarbonIntensity } from "../../profiles/schema";

/** 1 kWh = 3.6 MJ. */
const JOULES_PER_KWH = 3_600_000;
import type { Dashboard, Panel } from "./grafana";

export interface GpuPoolInfo {
  readonly pool: string;
  /** The GPU resources it advertises, e.g. `nvidia.com/mig-1g.10gb`. */
  readonly resources: readonly string[];
  /** How its GPUs are shared, in words (`whole GPUs`, `time-slicing ×4`, `MIG single all-1g.10gb`). */
  readonly sharing: string;
  readonly mig: boolean;
}

/** Thresholds of the alert rules (the profile's `components.observability.settings.alerts`). */
export interface AlertThresholds {
  /** A GPU allocated to a pod whose utilization stayed below `gpuIdlePercent` for this long. */
  readonly gpuIdleMinutes: number;
  readonly gpuIdlePercent: number;
  /** A queue with pending workloads that admitted none for this long: its head has waited at least that long. */
  readonly queueWaitMinutes: number;
  /** A team using more than its nominal quota of a resource (borrowing) for this long. */
  readonly borrowingMinutes: number;
}

/** PromQL by device: CPU (RAPL package and DRAM) and, where Kepler measures GPUs, GPU; summed by `pod_namespace`. */
export interface DeviceQueries {
  readonly cpu: string;
  readonly gpu?: string;
}

/** What the energy dashboard is built from, where Kepler runs (the queries are reports/energy.ts's). */
export interface EnergyInput {
  /** Watts drawn now by the team namespaces' pods. */
  readonly power: DeviceQueries;
  /** Joules the team namespaces' pods used over `period`, the queries `npm run cost` runs. */
  readonly energy: DeviceQueries;
  /** A Prometheus range, e.g. `1d`. */
  readonly period: string;
  /** The profile's sourced grid intensity; without it the dashboard shows energy, never carbon. */
  readonly carbonIntensity?: CarbonIntensity;
}

export interface PlatformObservabilityInput {
  readonly teamNamespaces: readonly string[];
  readonly gpuPools: readonly GpuPoolInfo[];
  readonly alerts: AlertThresholds;
  /** Present only where Kepler runs: no energy dashboard without a measurement. */
  readonly energy?: EnergyInput;
}

/** kube-state-metrics writes a resource name with every character outside [a-zA-Z0-9_] as `_` (`nvidia_com_gpu`). */
export function kubeStateResource(resource: string): string {
  return resource.replace(/[^a-zA-Z0-9_]/g, "_");
}

/** The node label that names a node's pool, as kube-state-metrics exports it from `kube_node_labels` (allowlisted). */
export const POOL_NODE_LABEL_METRIC = `label_${kubeStateResource(POOL_LABEL)}`;

/** A query over GPU requests of running pods only: Kueue keeps a queued pod Pending with its requests set. */
function runningGpuRequests(selector: string): string {
  return `kube_pod_container_resource_requests{${selector}resource=~"nvidia_com_.*"} * on (namespace, pod) group_left () (kube_pod_status_phase{phase="Running"} == 1)`;
}

export function gpuDashboard(input: PlatformObservabilityInput): Dashboard {
  const teams = `namespace=~"${input.teamNamespaces.join("|")}"`;
  const idleWindow = `${input.alerts.gpuIdleMinutes}m`;
  const panels: Panel[] = [
    {
      title: "GPUs allocated per team",
      question: "How many GPUs, shared slots and MIG slices does each team hold right now, by resource?",
      kind: "timeseries",
      queries: [
        {
          expr: `sum by (namespace, resource) (${runningGpuRequests(`${teams},`)})`,
          legend: "{{namespace}} {{resource}}",
        },
      ],
    },
    {
      title: "GPUs allocated per pool",
      question: "How full is each GPU pool, counting each resource as what it is (a MIG slice, a shared slot, a GPU)?",
      kind: "timeseries",
      queries: [
        {
          expr: `sum by (${POOL_NODE_LABEL_METRIC}, resource) ((${runningGpuRequests("")}) * on (node) group_left (${POOL_NODE_LABEL_METRIC}) kube_node_labels)`,
          legend: `{{${POOL_NODE_LABEL_METRIC}}} {{resource}}`,
        },
      ],
    },
    {
      title: "GPU utilization per team",
      question:
        "How busy are the GPUs each team holds? (A time-shared slot reports its whole GPU's utilization; MIG slices are in the next panel.)",
      kind: "timeseries",
      unit: "percent",
      queries: [{ expr: `avg by (namespace) (DCGM_FI_DEV_GPU_UTIL{${teams}})`, legend: "{{namespace}}" }],
    },
    {
      title: "GPU memory used per team",
      question: "How much GPU memory is each team using?",
      kind: "timeseries",
      unit: "decmbytes",
      queries: [{ expr: `sum by (namespace) (DCGM_FI_DEV_FB_USED{${teams}})`, legend: "{{namespace}}" }],
    },
    ...(input.gpuPools.some((p) => p.mig)
      ? [
          {
            title: "MIG slice activity per team",
            question: "How busy are the MIG slices each team holds (graphics engine active, per slice profile)?",
            kind: "timeseries" as const,
            unit: "percent",
            queries: [
              {
                expr: `100 * avg by (namespace, GPU_I_PROFILE) (DCGM_FI_PROF_GR_ENGINE_ACTIVE{${teams}, GPU_I_PROFILE!=""})`,
                legend: "{{namespace}} {{GPU_I_PROFILE}}",
              },
            ],
          },
        ]
      : []),
    {
      title: `GPUs allocated and idle for ${input.alerts.gpuIdleMinutes} minutes`,
      question: `Which pods hold a GPU they have not used above ${input.alerts.gpuIdlePercent} % for ${input.alerts.gpuIdleMinutes} minutes?`,
      kind: "table",
      queries: [
        {
          expr: `max by (namespace, pod) (max_over_time(DCGM_FI_DEV_GPU_UTIL{${teams}}[${idleWindow}])) < ${input.alerts.gpuIdlePercent}`,
          legend: "{{namespace}}/{{pod}}",
        },
      ],
    },
    {
      title: "Pools and how they share GPUs",
      question: "What does each GPU pool offer, and how are its GPUs shared?",
      kind: "text",
      markdown: [
        "| pool | resources | sharing |",
        "|---|---|---|",
        ...input.gpuPools.map((p) => `| ${p.pool} | ${p.resources.join(", ") || "-"} | ${p.sharing} |`),
      ].join("\n"),
    },
  ];
  return {
    uid: "cnai-gpus",
    title: "GPUs per team",
    question: "Which team holds which GPUs, how much it uses them, and which allocated GPUs sit idle?",
    panels,
  };
}

export function queueDashboard(): Dashboard {
  const byQueue = "cluster_queue, flavor, resource";
  return {
    uid: "cnai-queues",
    title: "Kueue per team",
    question: "How long do each team's workloads wait, how much of its quota does it use, and who preempts whom?",
    panels: [
      {
        title: "Pending workloads per team",
        question: "How many workloads wait in each team's queue (active: can be admitted; inadmissible: cannot yet)?",
        kind: "timeseries",
        queries: [
          { expr: "sum by (cluster_queue, status) (kueue_pending_workloads)", legend: "{{cluster_queue}} {{status}}" },
        ],
      },
      {
        title: "Admitted workloads per team",
        question: "How many workloads does each team run right now?",
        kind: "timeseries",
        queries: [{ expr: "sum by (cluster_queue) (kueue_admitted_active_workloads)", legend: "{{cluster_queue}}" }],
      },
      {
        title: "Wait until admission (90th percentile)",
        question: "How long did each team's workloads wait before Kueue admitted them?",
        kind: "timeseries",
        unit: "s",
        queries: [
          {
            expr: "histogram_quantile(0.9, sum by (cluster_queue, le) (rate(kueue_admission_wait_time_seconds_bucket[30m])))",
            legend: "{{cluster_queue}}",
          },
        ],
      },
      {
        title: "Quota used against nominal",
        question: "How much of each flavor's resource does each team use, against its nominal quota?",
        kind: "timeseries",
        queries: [
          {
            expr: `sum by (${byQueue}) (kueue_cluster_queue_resource_usage)`,
            legend: "{{cluster_queue}} {{flavor}} {{resource}} used",
          },
          {
            expr: `sum by (${byQueue}) (kueue_cluster_queue_nominal_quota)`,
            legend: "{{cluster_queue}} {{flavor}} {{resource}} nominal",
          },
        ],
      },
      {
        title: "Borrowed beyond nominal",
        question: "How much is each team borrowing from the cohort, and how much could it borrow?",
        kind: "timeseries",
        queries: [
          {
            expr: `sum by (${byQueue}) (clamp_min(kueue_cluster_queue_resource_usage - kueue_cluster_queue_nominal_quota, 0))`,
            legend: "{{cluster_queue}} {{flavor}} {{resource}} borrowed",
          },
          {
            expr: `sum by (${byQueue}) (kueue_cluster_queue_borrowing_limit)`,
            legend: "{{cluster_queue}} {{flavor}} {{resource}} limit",
          },
        ],
      },
      {
        title: "Preemptions per hour",
        question: "Which team's workloads preempted others, and why (reclaiming quota, priority, fair sharing)?",
        kind: "timeseries",
        queries: [
          {
            expr: "sum by (preempting_cluster_queue, reason) (increase(kueue_preempted_workloads_total[1h]))",
            legend: "{{preempting_cluster_queue}} {{reason}}",
          },
        ],
      },
    ],
  };
}

export function servingDashboard(input: PlatformObservabilityInput): Dashboard {
  const teams = `namespace=~"${input.teamNamespaces.join("|")}"`;
  return {
    uid: "cnai-serving",
    title: "Serving",
    question: "How much traffic does each served model get, how fast does it answer, and how many replicas serve it?",
    panels: [
      {
        title: "Requests per second",
        question: "How many prediction requests does each model server handle?",
        kind: "timeseries",
        unit: "reqps",
        queries: [
          {
            expr: `sum by (namespace, model_name) (rate(request_predict_seconds_count{${teams}}[5m]))`,
            legend: "{{namespace}} {{model_name}}",
          },
        ],
      },
      {
        title: "Prediction latency (90th percentile)",
        question: "How long do predictions take?",
        kind: "timeseries",
        unit: "s",
        queries: [
          {
            expr: `histogram_quantile(0.9, sum by (namespace, model_name, le) (rate(request_predict_seconds_bucket{${teams}}[5m])))`,
            legend: "{{namespace}} {{model_name}}",
          },
        ],
      },
      {
        title: "LLM requests running and waiting",
        question: "How many requests is each LLM working on, and how many wait for it?",
        kind: "timeseries",
        queries: [
          {
            expr: `sum by (namespace, model_name) (vllm:num_requests_running{${teams}})`,
            legend: "{{namespace}} {{model_name}} running",
          },
          {
            expr: `sum by (namespace, model_name) (vllm:num_requests_waiting{${teams}})`,
            legend: "{{namespace}} {{model_name}} waiting",
          },
        ],
      },
      {
        title: "LLM time to first token (90th percentile)",
        question: "How long does a user wait for an LLM's first token?",
        kind: "timeseries",
        unit: "s",
        queries: [
          {
            expr: `histogram_quantile(0.9, sum by (namespace, model_name, le) (rate(vllm:time_to_first_token_seconds_bucket{${teams}}[5m])))`,
            legend: "{{namespace}} {{model_name}}",
          },
        ],
      },
      {
        title: "Predictor replicas",
        question:
          "How many replicas does each InferenceService run (KEDA scales them, down to zero where a trigger can wake them)?",
        kind: "timeseries",
        queries: [
          {
            expr: `sum by (namespace, deployment) (kube_deployment_status_replicas{${teams}, deployment=~".+-predictor"})`,
            legend: "{{namespace}} {{deployment}}",
          },
        ],
      },
      {
        title: "KEDA trigger values",
        question: "What value does each KEDA trigger read, the number that decides the replicas?",
        kind: "timeseries",
        queries: [
          {
            expr: `sum by (exported_namespace, scaledObject, scaler) (keda_scaler_metrics_value{exported_namespace=~"${input.teamNamespaces.join("|")}"})`,
            legend: "{{exported_namespace}} {{scaledObject}} {{scaler}}",
          },
        ],
      },
    ],
  };
}

/**
 * Energy and carbon per team from Kepler's per-pod counters (docs/energy.md): the same queries as `npm run cost`, so
 * the dashboard and the report agree. Carbon only with the profile's sourced intensity, which the dashboard states.
 */
export function energyDashboard(energy: EnergyInput): Dashboard {
  const { power, period, carbonIntensity: intensity } = energy;
  const joules = energy.energy;
  const kWh = (expr: string) => `${expr} / ${JOULES_PER_KWH}`;
  // A namespace with CPU and GPU series gets their sum; one with either alone keeps it (`+` drops unmatched sides).
  const totalJoules = joules.gpu ? `(${joules.cpu} + ${joules.gpu}) or ${joules.cpu} or ${joules.gpu}` : joules.cpu;
  const panels: Panel[] = [
    {
      title: "Power per team",
      question: `How much power do each team's pods draw right now (CPU package and DRAM${power.gpu ? ", and GPUs" : ""})?`,
      kind: "timeseries",
      unit: "watt",
      queries: [
        { expr: power.cpu, legend: "{{pod_namespace}} CPU" },
        ...(power.gpu ? [{ expr: power.gpu, legend: "{{pod_namespace}} GPU" }] : []),
      ],
    },
    {
      title: `Energy per team over the last ${period}`,
      question: `How many kWh did each team use over the last ${period}, as \`npm run cost\` reports it?`,
      kind: "table",
      unit: "kwatth",
      queries: [
        { expr: kWh(joules.cpu), legend: "{{pod_namespace}} CPU" },
        ...(joules.gpu ? [{ expr: kWh(joules.gpu), legend: "{{pod_namespace}} GPU" }] : []),
      ],
    },
    ...(intensity
      ? [
          {
            title: `Carbon per team over the last ${period}`,
            question: `How many grams of CO2e did each team's energy cost over the last ${period}, at the profile's grid intensity?`,
            kind: "table" as const,
            unit: "massg",
            queries: [
              {
                expr: `(${totalJoules}) / ${JOULES_PER_KWH} * ${intensity.gramsPerKWh}`,
                legend: "{{pod_namespace}}",
              },
            ],
          },
        ]
      : []),
    {
      title: "Where these figures come from",
      question: "What do the energy figures cover, and which carbon intensity turns them into CO2e?",
      kind: "text",
      markdown: [
        `Kepler's per-pod counters, summed by namespace: CPU package and DRAM from RAPL${joules.gpu ? ", GPU board power from NVML (none for MIG slices)" : ""}.`,
        "Not covered: the rest of the server, the data centre's overhead (PUE), embodied carbon. A lower bound.",
        intensity
          ? `Carbon intensity: ${intensity.gramsPerKWh} gCO2e/kWh, from ${intensity.source} (${intensity.date}); gCO2e = kWh × ${intensity.gramsPerKWh}.`
          : "Carbon intensity: not set (`energy.carbonIntensity` in the profile), so no carbon figure.",
      ].join("\n\n"),
    },
  ];
  return {
    uid: "cnai-energy",
    title: "Energy per team",
    question:
      "How much power and energy does each team's work draw, and, with the profile's grid intensity, how much carbon?",
    panels,
  };
}

export function platformDashboards(input: PlatformObservabilityInput): Dashboard[] {
  return [
    gpuDashboard(input),
    queueDashboard(),
    servingDashboard(input),
    ...(input.energy ? [energyDashboard(input.energy)] : []),
  ];
}

export interface AlertRule {
  readonly alert: string;
  /** The question the rule answers, for the README. */
  readonly question: string;
  readonly expr: string;
  readonly for: string;
  readonly summary: string;
}

export function platformAlertRules(input: PlatformObservabilityInput): AlertRule[] {
  const { alerts } = input;
  const teams = `namespace=~"${input.teamNamespaces.join("|")}"`;
  const byQueue = "cluster_queue, flavor, resource";
  return [
    {
      alert: "CnaiGpuAllocatedIdle",
      question: `Which pod has held a GPU without using it above ${alerts.gpuIdlePercent} % for ${alerts.gpuIdleMinutes} minutes?`,
      expr: `max by (namespace, pod) (max_over_time(DCGM_FI_DEV_GPU_UTIL{${teams}}[${alerts.gpuIdleMinutes}m])) < ${alerts.gpuIdlePercent}`,
      for: "5m",
      summary: `{{ $labels.namespace }}/{{ $labels.pod }} holds a GPU it has not used above ${alerts.gpuIdlePercent} % for ${alerts.gpuIdleMinutes} minutes`,
    },
    {
      alert: "CnaiQueueHeadWaiting",
      question: `Which team's queue has had workloads pending and admitted none for ${alerts.queueWaitMinutes} minutes (its head has waited at least that long)?`,
      expr: `(sum by (cluster_queue) (kueue_pending_workloads{status="active"}) > 0) unless on (cluster_queue) (sum by (cluster_queue) (increase(kueue_admitted_workloads_total[${alerts.queueWaitMinutes}m])) > 0)`,
      for: `${alerts.queueWaitMinutes}m`,
      summary: `ClusterQueue {{ $labels.cluster_queue }} has pending workloads and admitted none for ${alerts.queueWaitMinutes} minutes`,
    },
    {
      alert: "CnaiTeamBorrowingLong",
      question: `Which team has used more than its nominal quota, by borrowing, for ${alerts.borrowingMinutes} minutes?`,
      expr: `sum by (${byQueue}) (kueue_cluster_queue_resource_usage) > sum by (${byQueue}) (kueue_cluster_queue_nominal_quota)`,
      for: `${alerts.borrowingMinutes}m`,
      summary: `ClusterQueue {{ $labels.cluster_queue }} has used more than its nominal {{ $labels.resource }} in flavor {{ $labels.flavor }} for ${alerts.borrowingMinutes} minutes`,
    },
  ];
}

export interface PlatformAlertRulesProps {
  readonly namespace: string;
  readonly rules: readonly AlertRule[];
}

/** The rules as one PrometheusRule (kube-prometheus-stack's Prometheus selects every namespace's rules). */
export class PlatformAlertRules extends Chart {
  constructor(scope: Construct, id: string, props: PlatformAlertRulesProps) {
    super(scope, id);
    new ApiObject(this, "rules", {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "cnai-platform", namespace: props.namespace },
      spec: {
        groups: [
          {
            name: "cnai-platform",
            rules: props.rules.map((rule) => ({
              alert: rule.alert,
              expr: rule.expr,
              for: rule.for,
              labels: { severity: "warning" },
              annotations: { summary: rule.summary, description: rule.question },
            })),
          },
        ],
      },
    });
  }
}
