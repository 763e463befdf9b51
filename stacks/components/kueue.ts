import { stringify } from "yaml";
import { KUEUE_API_VERSION, KueueQueues } from "../../charts/kueue-queues";
import type { ComponentContext, ComponentDefinition } from "../component";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "kueue-system";

/** The label that opts a namespace in to Kueue (`managedJobsNamespaceSelector` and the ClusterQueue's namespaceSelector). */
export const KUEUE_OPT_IN_LABEL = "managed-by-kueue";
export const KUEUE_OPT_IN_VALUE = "true";

/** The label a Job, RayJob, RayCluster, RayService, Deployment or Pod carries to name its LocalQueue. */
export const KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";

const RELEASE = "kueue";
const WEBHOOK_GATE = "kueue-webhook-ready";

interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: readonly string[] }>;
}

/**
 * The part of Kueue's `config.kueue.x-k8s.io/v1beta2` Configuration we write, with the field names of
 * the chart's default `managerConfig.controllerManagerConfigYaml` (kubernetes-sigs/kueue@v0.19.2:charts/kueue/values.yaml).
 */
export interface KueueConfiguration {
  readonly apiVersion: "config.kueue.x-k8s.io/v1beta2";
  readonly kind: "Configuration";
  readonly health: { readonly healthProbeBindAddress: string };
  readonly metrics: { readonly bindAddress: string };
  readonly webhook: { readonly port: number };
  readonly leaderElection: { readonly leaderElect: boolean; readonly resourceName: string };
  readonly controller: { readonly groupKindConcurrency: Readonly<Record<string, number>> };
  readonly clientConnection: { readonly qps: number; readonly burst: number };
  readonly managedJobsNamespaceSelector: LabelSelector;
  readonly integrations: { readonly frameworks: readonly string[] };
}

/**
 * The frameworks the platform runs through Kueue. The chart's default list also has MPIJob, JobSet,
 * AppWrapper, TrainJob, StatefulSet and LeaderWorkerSet, none of which the distribution installs.
 * `ray.io/raycluster` stays even for RayService-only use: Kueue manages a RayService through the
 * RayCluster it creates. `pod` lets plain Pods (and KServe predictors' pods) be queued; `deployment`
 * queues Deployments, KServe's Standard-mode predictors among them.
 */
export const KUEUE_FRAMEWORKS = [
  "batch/job",
  "ray.io/rayjob",
  "ray.io/raycluster",
  "ray.io/rayservice",
  "deployment",
  "pod",
] as const;

/**
 * The chart's default Configuration with two changes: fewer frameworks, and an opt-in namespace
 * selector. The chart copies `managedJobsNamespaceSelector` into the fail-closed pod, deployment and
 * statefulset webhooks' `namespaceSelector` (templates/webhook/manifests.yaml), so a Kueue outage
 * only blocks pods in opted-in namespaces instead of the whole cluster.
 */
export function kueueConfiguration(): KueueConfiguration {
  return {
    apiVersion: "config.kueue.x-k8s.io/v1beta2",
    kind: "Configuration",
    health: { healthProbeBindAddress: ":8081" },
    metrics: { bindAddress: ":8443" },
    webhook: { port: 9443 },
    leaderElection: { leaderElect: true, resourceName: "c1f6bfd2.kueue.x-k8s.io" },
    controller: {
      groupKindConcurrency: {
        "Job.batch": 5,
        Pod: 5,
        "Workload.kueue.x-k8s.io": 10,
        "LocalQueue.kueue.x-k8s.io": 5,
        "ClusterQueue.kueue.x-k8s.io": 5,
        "ResourceFlavor.kueue.x-k8s.io": 1,
      },
    },
    clientConnection: { qps: 300, burst: 500 },
    managedJobsNamespaceSelector: { matchLabels: { [KUEUE_OPT_IN_LABEL]: KUEUE_OPT_IN_VALUE } },
    integrations: { frameworks: [...KUEUE_FRAMEWORKS] },
  };
}

function kueueValues(ctx: ComponentContext): Record<string, unknown> {
  return {
    controllerManager: { manager: { resources: resources("50m", "128Mi", "500m", "512Mi") } },
    managerConfig: { controllerManagerConfigYaml: stringify(kueueConfiguration()) },
    // The chart's ServiceMonitor needs the Prometheus Operator CRDs.
    enablePrometheus: monitoringEnabled(ctx),
  };
}

/**
 * Kueue, the job queueing controller, plus the platform team's queues. Its webhooks answer only
 * after their Service endpoints and self-managed certificates are ready (no cert-manager needed), so
 * a gate probes with a ResourceFlavor before the queues are created.
 */
export const kueue: ComponentDefinition = {
  id: "kueue",
  title: "Kueue",
  summary: "Quota and queueing for batch jobs, Ray workloads and inference pods",
  dependencies: () => [
    {
      id: "kuberay",
      optional: true,
      reason: "the ray.io integrations need the KubeRay CRDs, so Kueue installs after KubeRay",
    },
    { id: "observability", optional: true, reason: "ServiceMonitor for metrics" },
  ],
  namespaces: (ctx) => [
    { name: NAMESPACE },
    { name: ctx.profile.queue.namespace, labels: { [KUEUE_OPT_IN_LABEL]: KUEUE_OPT_IN_VALUE } },
  ],
  steps: (ctx) => {
    const queue = ctx.profile.queue;
    return [
      {
        kind: "upstream",
        name: RELEASE,
        namespace: NAMESPACE,
        chart: "kueue",
        primary: true,
        values: kueueValues(ctx),
        workloads: [
          { name: "kueue-controller-manager", replicas: 1, resourcesAt: "controllerManager.manager.resources" },
        ],
      },
      {
        kind: "gate",
        name: WEBHOOK_GATE,
        namespace: NAMESPACE,
        after: [RELEASE],
        probe: { apiVersion: KUEUE_API_VERSION, kind: "ResourceFlavor", metadata: { name: "kueue-webhook-probe" } },
        resource: "resourceflavors",
      },
      {
        kind: "local",
        name: "kueue-queues",
        namespace: NAMESPACE,
        after: [WEBHOOK_GATE],
        render: (app, id) =>
          new KueueQueues(app, id, {
            clusterQueue: queue.clusterQueue,
            localQueue: queue.localQueue,
            namespace: queue.namespace,
            admittedNamespaceLabels: { [KUEUE_OPT_IN_LABEL]: KUEUE_OPT_IN_VALUE },
            nominalQuota: queue.nominalQuota,
          }),
      },
    ];
  },
};
