import { stringify } from "yaml";
import type { KueueQueuesProps, PriorityClassSpec } from "../../charts/kueue-queues";
import {
  KUEUE_API_VERSION,
  KUEUE_OPT_IN_LABEL,
  KUEUE_OPT_IN_VALUE,
  KUEUE_PRIORITY_LABEL,
  KUEUE_QUEUE_LABEL,
  KueueQueues,
} from "../../charts/kueue-queues";
import {
  coveredResources,
  draDeviceClass,
  POOL_LABEL,
  poolTolerations,
  queuePoolNames,
  queuePools,
  quotaAmounts,
  resourcesPerGpu,
  teamNames,
  teamNamespace,
  usesDra,
} from "../../profiles/plan";
import { formatCpu, formatMemory } from "../../profiles/quantity";
import type { PriorityClass, Profile } from "../../profiles/schema";
import type { ComponentContext, ComponentDefinition, ComponentId } from "../component";
import { monitoringEnabled, resources } from "./shared";
import { teamNamespaceSpecs } from "./teams";

export const NAMESPACE = "kueue-system";

export { KUEUE_OPT_IN_LABEL, KUEUE_OPT_IN_VALUE, KUEUE_PRIORITY_LABEL, KUEUE_QUEUE_LABEL };

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
  readonly metrics: { readonly bindAddress: string; readonly enableClusterQueueResources: boolean };
  readonly webhook: { readonly port: number };
  readonly leaderElection: { readonly leaderElect: boolean; readonly resourceName: string };
  readonly controller: { readonly groupKindConcurrency: Readonly<Record<string, number>> };
  readonly clientConnection: { readonly qps: number; readonly burst: number };
  readonly managedJobsNamespaceSelector: LabelSelector;
  readonly integrations: { readonly frameworks: readonly string[] };
  readonly fairSharing?: { readonly preemptionStrategies: readonly string[] };
  readonly resources?: { readonly deviceClassMappings: readonly DeviceClassMapping[] };
}

/** A quota resource and the DRA DeviceClasses whose requested devices Kueue counts as it. */
export interface DeviceClassMapping {
  readonly name: string;
  readonly deviceClassNames: readonly string[];
}

/**
 * The DeviceClass mappings the profile's DRA pools need, one per DeviceClass they use, so a DRA GPU counts against
 * a ClusterQueue quota exactly as a device-plugin GPU does (kubernetes-sigs/kueue@v0.19.2:
 * apis/config/v1beta2/configuration_types.go `DeviceClassMapping`; site docs tasks/manage/setup_dra.md).
 */
export function deviceClassMappings(profile: Profile): DeviceClassMapping[] {
  const pools = queuePools(profile);
  const resources = new Set(
    Object.values(pools)
      .filter((pool) => usesDra(pool.gpu))
      .flatMap((pool) => Object.keys(resourcesPerGpu(pool.gpu))),
  );
  return [...resources].sort().map((name) => ({ name, deviceClassNames: [draDeviceClass(name) as string] }));
}

/**
 * The frameworks every profile runs through Kueue. The chart's default list also has MPIJob, AppWrapper,
 * StatefulSet and LeaderWorkerSet, none of which the distribution installs, and JobSet and TrainJob, which
 * KUEUE_COMPONENT_FRAMEWORKS adds where their components are. `ray.io/raycluster` stays even for RayService-only
 * use: Kueue manages a RayService through the RayCluster it creates. `pod` lets plain Pods (and KServe predictors'
 * pods) be queued; `deployment` queues Deployments, KServe's Standard-mode predictors among them.
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
 * Integrations of optional components, enabled only where the component is available (managed or external), so a
 * profile's list names only kinds its cluster has: Kueue waits for an enabled integration's CRD and sets up its
 * controller when it appears (kubernetes-sigs/kueue@v0.19.2:pkg/controller/jobframework/setup.go `WaitForAPI`). Both
 * are in the chart's default list (charts/kueue/values.yaml:172,179). A TrainJob is admitted as a whole: Kueue computes
 * its pods from the ClusterTrainingRuntime, and the JobSet the Trainer makes from it belongs to the admitted TrainJob
 * (pkg/controller/jobs/trainjob/trainjob_controller.go).
 */
export const KUEUE_COMPONENT_FRAMEWORKS: readonly {
  readonly component: ComponentId;
  readonly framework: string;
  /** An alpha integration's feature gate, turned on with it: Kueue refuses a listed framework whose gate is off. */
  readonly featureGate?: string;
}[] = [
  { component: "jobset", framework: "jobset.x-k8s.io/jobset" },
  { component: "kubeflow-trainer", framework: "trainer.kubeflow.org/trainjob" },
  // Alpha and off in the chart's list (charts/kueue/values.yaml:180; pkg/features/kube_features.go:353).
  {
    component: "spark-operator",
    framework: "sparkoperator.k8s.io/sparkapplication",
    featureGate: "SparkApplicationIntegration",
  },
];

/** The frameworks a profile's Kueue enables: KUEUE_FRAMEWORKS, and the integrations of its available components. */
export function kueueFrameworks(ctx: Pick<ComponentContext, "isAvailable">): string[] {
  return [
    ...KUEUE_FRAMEWORKS,
    ...KUEUE_COMPONENT_FRAMEWORKS.filter((f) => ctx.isAvailable(f.component)).map((f) => f.framework),
  ];
}

/** The feature gates the enabled frameworks need, by framework (a framework missing here needs none). */
export function kueueFrameworkGates(frameworks: readonly string[]): string[] {
  return KUEUE_COMPONENT_FRAMEWORKS.filter((f) => f.featureGate && frameworks.includes(f.framework)).map(
    (f) => f.featureGate as string,
  );
}

/**
 * The chart's default Configuration with two changes: fewer frameworks, and an opt-in namespace
 * selector. The chart copies `managedJobsNamespaceSelector` into the fail-closed pod, deployment and
 * statefulset webhooks' `namespaceSelector` (templates/webhook/manifests.yaml), so a Kueue outage
 * only blocks pods in opted-in namespaces instead of the whole cluster.
 */
export function kueueConfiguration(
  fairSharing = false,
  mappings: readonly DeviceClassMapping[] = [],
  frameworks: readonly string[] = KUEUE_FRAMEWORKS,
): KueueConfiguration {
  return {
    apiVersion: "config.kueue.x-k8s.io/v1beta2",
    kind: "Configuration",
    health: { healthProbeBindAddress: ":8081" },
    // The per-ClusterQueue usage, nominal quota and borrowing limit metrics the queue dashboard and alerts read
    // (off by default: kubernetes-sigs/kueue@v0.19.2 apis/config/v1beta2 ControllerMetrics).
    metrics: { bindAddress: ":8443", enableClusterQueueResources: true },
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
    integrations: { frameworks: [...frameworks] },
    // v1beta2 has no `enable`: the block's presence turns fair sharing on (the chart's commented example).
    ...(fairSharing
      ? { fairSharing: { preemptionStrategies: ["LessThanOrEqualToFinalShare", "LessThanInitialShare"] } }
      : {}),
    // DRA accounting is on by default in 0.19 (feature gate KueueDRAIntegration, beta); it needs only the mappings.
    ...(mappings.length > 0 ? { resources: { deviceClassMappings: mappings.map((m) => ({ ...m })) } } : {}),
  };
}

function kueueValues(ctx: ComponentContext): Record<string, unknown> {
  const frameworks = kueueFrameworks(ctx);
  const gates = kueueFrameworkGates(frameworks);
  return {
    controllerManager: {
      manager: { resources: resources("50m", "128Mi", "500m", "512Mi") },
      // Rendered as the manager's `--feature-gates` (charts/kueue/templates/_helpers.tpl `kueue.featureGates`).
      ...(gates.length > 0 ? { featureGates: gates.map((name) => ({ name, enabled: true })) } : {}),
    },
    managerConfig: {
      controllerManagerConfigYaml: stringify(
        kueueConfiguration(ctx.profile.queueing.fairSharing, deviceClassMappings(ctx.profile), frameworks),
      ),
    },
    // The chart's ServiceMonitor needs the Prometheus Operator CRDs.
    enablePrometheus: monitoringEnabled(ctx),
  };
}

/**
 * How the Kueue release uninstalls. The chart (0.19.2) always renders two aggregated ClusterRoles,
 * `kueue-batch-admin-role` and `kueue-batch-user-role` (kubernetes-sigs/kueue@v0.19.2:charts/kueue/templates/rbac/
 * batch_admin_role.yaml and batch_user_role.yaml: no condition around them, and no values key names them), whose
 * `aggregationRule` selects the chart's own viewer/editor roles. Helm deletes a kind's objects concurrently
 * (helm/helm@v3.18.4:pkg/kube/client.go `rdelete`, `batchPerform`: one goroutine per object of a kind), and every
 * ClusterRole event makes kube-controller-manager's aggregation controller re-sync each aggregated role from its
 * informer cache: while that cache still holds the aggregated role but a member is gone, the rules differ and it
 * server-side-applies the role (Force, field manager clusterrole-aggregation-controller), which re-creates it when
 * Helm's delete has already gone through (kubernetes/kubernetes@v1.35.8:pkg/controller/clusterroleaggregation/
 * clusterroleaggregation_controller.go `syncClusterRole`, `applyClusterRoles`). The re-created role has rules only:
 * no labels, no Helm annotations, no aggregationRule, so nothing removes it again. Measured on the local control plane
 * (../shared/reference/facts-controlplane.md §6): uninstall timed out at 600 s in 4 of 6 destroys, and the next install
 * failed on the leftover role. So:
 *  - `waitOnUninstall: false`: the helm provider's Delete passes `wait` to Helm's uninstall
 *    (hashicorp/terraform-provider-helm@v3.1.1:helm/resource_helm_release.go, `uninstall.Wait = state.Wait.ValueBool()`),
 *    whose wait polls each deleted object by name (helm/helm@v3.18.4:pkg/kube/wait.go `waitForDeletedResources`), so a
 *    re-created role kept it polling until the timeout. Without it the uninstall returns once the deletes are sent.
 *    Install and upgrade still wait: `atomic` sets Helm's Wait (helm/helm@v3.18.4:pkg/action/install.go and
 *    upgrade.go, `Wait = Wait || Atomic`).
 *  - `adoptExisting: true` (`take_ownership`): the next install adopts a leftover role by patching it back to the
 *    chart's object, labels, annotations and aggregationRule included, instead of refusing it for its missing
 *    ownership metadata (helm/helm@v3.18.4:pkg/action/install.go `requireAdoption` instead of
 *    `existingResourceConflict`, then `UpdateThreeWayMerge`); the controller then re-aggregates its rules.
 * The roles still exist while Kueue is installed: the platform does not bind them (team members get the team Role of
 * charts/team-tenancy.ts), and a cluster admin who binds them keeps what they grant.
 */
export const KUEUE_UNINSTALL = { waitOnUninstall: false, adoptExisting: true } as const;

/** The AdmissionCheck that sends a management cluster's workloads to its MultiKueue workers. */
export const MULTIKUEUE_ADMISSION_CHECK = "multikueue";

/** Every team's LocalQueue is called this; jobs name it in their `kueue.x-k8s.io/queue-name` label. */
export const TEAM_LOCAL_QUEUE = "default";

/** The WorkloadPriorityClasses every profile gets; workloads pick one with `kueue.x-k8s.io/priority-class`. */
export const PRIORITY_CLASS_SPECS: Record<PriorityClass, PriorityClassSpec> = {
  interactive: {
    name: "interactive",
    value: 1000,
    description: "Notebooks, interactive Ray clusters and online inference",
  },
  batch: { name: "batch", value: 100, description: "Training and batch jobs" },
  preemptible: { name: "preemptible", value: 10, description: "Opportunistic work that yields to everything else" },
};

/**
 * Pools in the order Kueue tries their flavors: CPU pools first, then GPU pools (each by name). Kueue
 * gives a workload the first flavor that fits, so CPU-only pods fill CPU nodes before they spill
 * onto GPU nodes; GPU pods never fit a CPU flavor (no GPU quota there).
 */
export function flavorOrder(profile: Profile): string[] {
  const pools = queuePools(profile);
  const names = queuePoolNames(profile);
  return [...names.filter((n) => !pools[n].gpu), ...names.filter((n) => pools[n].gpu)];
}

/** The Kueue objects of a profile: a flavor per pool, a ClusterQueue and LocalQueue per team, in one cohort. */
export function kueueQueuesProps(profile: Profile): KueueQueuesProps {
  const resources = coveredResources(profile);
  const pools = flavorOrder(profile);
  const byName = queuePools(profile);
  const amount = (resource: string, value: number): string | number =>
    resource === "cpu" ? formatCpu(value) : resource === "memory" ? formatMemory(value) : value;
  return {
    flavors: pools.map((name) => ({
      name,
      nodeLabels: { [POOL_LABEL]: name },
      tolerations: poolTolerations(byName[name]),
    })),
    coveredResources: resources,
    cohort: profile.queueing.cohort,
    fairSharing: profile.queueing.fairSharing,
    preemption: profile.queueing.preemption,
    priorityClasses: Object.values(PRIORITY_CLASS_SPECS),
    admittedNamespaceLabels: { [KUEUE_OPT_IN_LABEL]: KUEUE_OPT_IN_VALUE },
    // On a MultiKueue management cluster every queue dispatches through the MultiKueue admission check.
    admissionCheck: Object.keys(profile.workers).length > 0 ? MULTIKUEUE_ADMISSION_CHECK : undefined,
    teams: teamNames(profile).map((team) => {
      const spec = profile.teams[team];
      return {
        clusterQueue: team,
        namespace: teamNamespace(team, spec),
        localQueue: TEAM_LOCAL_QUEUE,
        weight: spec.weight,
        // Every pool appears in every team's queue (0 where the team has no quota), so idle quota can be borrowed anywhere.
        flavors: pools.map((pool) => {
          const quota = spec.quota[pool];
          const nominal = quotaAmounts(byName[pool], quota);
          const borrowing = quotaAmounts(byName[pool], quota?.borrowingLimit);
          const lending = quotaAmounts(byName[pool], quota?.lendingLimit);
          return {
            flavor: pool,
            resources: resources.map((resource) => ({
              name: resource,
              nominalQuota: amount(resource, nominal[resource] ?? 0),
              ...(borrowing[resource] !== undefined ? { borrowingLimit: amount(resource, borrowing[resource]) } : {}),
              ...(lending[resource] !== undefined ? { lendingLimit: amount(resource, lending[resource]) } : {}),
            })),
          };
        }),
      };
    }),
  };
}

/**
 * Kueue, the job queueing controller, plus the profile's queues. Its webhooks answer only after
 * their Service endpoints and self-managed certificates are ready (no cert-manager needed), so a
 * gate probes with a ResourceFlavor before the queues are created.
 */
export const kueue: ComponentDefinition = {
  id: "kueue",
  title: "Kueue",
  summary: "Quota and queueing for batch jobs, Ray workloads and inference pods",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "every-cluster",
  dependencies: () => [
    {
      id: "kuberay",
      optional: true,
      reason: "the ray.io integrations need the KubeRay CRDs, so Kueue installs after KubeRay",
    },
    {
      id: "jobset",
      optional: true,
      reason: "the JobSet integration needs its CRD, so Kueue installs after JobSet",
    },
    {
      id: "kubeflow-trainer",
      optional: true,
      reason: "the TrainJob integration needs the Trainer's CRDs, so Kueue installs after the Trainer",
    },
    {
      id: "spark-operator",
      optional: true,
      reason: "the SparkApplication integration needs the operator's CRDs, so Kueue installs after it",
    },
    { id: "observability", optional: true, reason: "ServiceMonitor for metrics" },
  ],
  // The LocalQueues live in the team namespaces.
  namespaces: (ctx) => [{ name: NAMESPACE }, ...teamNamespaceSpecs(ctx.profile)],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: RELEASE,
      namespace: NAMESPACE,
      chart: "kueue",
      primary: true,
      values: kueueValues(ctx),
      // The controller and its CRDs; the queues are the kueue-queues release.
      onFailedInstall: "uninstall",
      ...KUEUE_UNINSTALL,
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
      // Flavors, priority classes and queues, all from the profile; workloads belong to their jobs.
      onFailedInstall: "uninstall",
      after: [WEBHOOK_GATE],
      render: (app, id) => new KueueQueues(app, id, kueueQueuesProps(ctx.profile)),
    },
  ],
};
