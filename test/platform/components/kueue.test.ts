import { renderLocal } from "../../support/render";
import { parse as parseYaml } from "yaml";
import { teamNamespaceLabels } from "../../../charts/team-tenancy";
import { loadProfile } from "../../../profiles/load";
import type { LocalRelease, Step, UpstreamRelease, WebhookGate } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import {
  KUEUE_COMPONENT_FRAMEWORKS,
  KUEUE_FRAMEWORKS,
  KUEUE_OPT_IN_LABEL,
  KUEUE_OPT_IN_VALUE,
  KUEUE_PRIORITY_LABEL,
  KUEUE_QUEUE_LABEL,
  TEAM_LOCAL_QUEUE,
  flavorOrder,
  kueue,
  kueueConfiguration,
  kueueFrameworkGates,
  kueueFrameworks,
  kueueQueuesProps,
  KUEUE_UNINSTALL,
} from "../../../platform/components/kueue";
import { releaseOptions } from "../../../platform/release-options";
import { rendered } from "../../support/rendered";
import { crdFor, referenceValues, schemaProblems, unknownValuePaths } from "../../support/reference";

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: unknown };

const PROFILES = ["laptop", "laptop-gpu", "workstation-gpu", "cluster-gpu"] as const;

const PREEMPTION = {
  reclaimWithinCohort: "Any",
  borrowWithinCohort: "Never",
  withinClusterQueue: "LowerPriority",
};

const PRIORITY_CLASSES = [
  { name: "interactive", value: 1000, description: "Notebooks, interactive Ray clusters and online inference" },
  { name: "batch", value: 100, description: "Training and batch jobs" },
  { name: "preemptible", value: 10, description: "Opportunistic work that yields to everything else" },
];

const OPT_IN = { "managed-by-kueue": "true" };

const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" };

function stepsFor(profileName: string, override?: unknown): readonly Step[] {
  return kueue.steps(contextFor(loadProfile(profileName, override)));
}

function release(steps: readonly Step[]): UpstreamRelease {
  return steps.find((s): s is UpstreamRelease => s.kind === "upstream") as UpstreamRelease;
}

function configuration(steps: readonly Step[]): Record<string, unknown> {
  const values = release(steps).values as { managerConfig: { controllerManagerConfigYaml: string } };
  return parseYaml(values.managerConfig.controllerManagerConfigYaml) as Record<string, unknown>;
}

function configurationYaml(steps: readonly Step[]): string {
  return (release(steps).values as { managerConfig: { controllerManagerConfigYaml: string } }).managerConfig
    .controllerManagerConfigYaml;
}

/** Renders the local release the way the platform stack does: every chart it adds to one app. */
function queuesManifests(steps: readonly Step[]): Manifest[] {
  const local = steps.find((s): s is LocalRelease => s.kind === "local") as LocalRelease;
  return renderLocal(local, local.name);
}

/** The chart's default Configuration, parsed from the pinned values.yaml. */
function chartDefaultConfiguration(): Record<string, unknown> {
  const values = referenceValues("kueue") as { managerConfig: { controllerManagerConfigYaml: string } };
  return parseYaml(values.managerConfig.controllerManagerConfigYaml) as Record<string, unknown>;
}

function teamNamespace(name: string) {
  return { name, labels: { ...teamNamespaceLabels("v1.35"), "managed-by-kueue": "true" } };
}

describe("kueue component", () => {
  test("exports the opt-in, queue and priority labels and the team LocalQueue name for other components", () => {
    expect([KUEUE_OPT_IN_LABEL, KUEUE_OPT_IN_VALUE, KUEUE_QUEUE_LABEL, KUEUE_PRIORITY_LABEL, TEAM_LOCAL_QUEUE]).toEqual(
      ["managed-by-kueue", "true", "kueue.x-k8s.io/queue-name", "kueue.x-k8s.io/priority-class", "default"],
    );
  });

  test("depends on KubeRay, JobSet, the Trainer, the Spark operator and observability, all optionally", () => {
    // The operators whose CRDs Kueue's integrations watch install first, where they are enabled.
    expect(kueue.dependencies(loadProfile("laptop")).map((d) => [d.id, d.optional])).toEqual([
      ["kuberay", true],
      ["jobset", true],
      ["kubeflow-trainer", true],
      ["spark-operator", true],
      ["observability", true],
    ]);
  });

  test("creates kueue-system and every team namespace with Pod Security restricted and the opt-in label", () => {
    expect(kueue.namespaces(contextFor(loadProfile("laptop")))).toEqual([
      { name: "kueue-system" },
      teamNamespace("team-default"),
    ]);
    expect(kueue.namespaces(contextFor(loadProfile("workstation-gpu")))).toEqual([
      { name: "kueue-system" },
      teamNamespace("team-applied"),
      teamNamespace("team-research"),
    ]);
    expect(
      kueue.namespaces(contextFor(loadProfile("laptop", { teams: { default: { namespace: "ml-team" } } }))),
    ).toEqual([{ name: "kueue-system" }, teamNamespace("ml-team")]);
  });

  test("installs the chart, then waits for the webhook, then creates the queues", () => {
    expect(stepsFor("laptop").map((s) => [s.kind, s.name, s.namespace, s.after ?? []])).toEqual([
      ["upstream", "kueue", "kueue-system", []],
      ["gate", "kueue-webhook-ready", "kueue-system", ["kueue"]],
      ["local", "kueue-queues", "kueue-system", ["kueue-webhook-ready"]],
    ]);
  });

  test("a failed install of any of its releases is uninstalled; the chart's release does not wait on uninstall and adopts leftovers", () => {
    expect(KUEUE_UNINSTALL).toEqual({ waitOnUninstall: false, adoptExisting: true });
    expect(stepsFor("laptop").map((s) => [s.name, releaseOptions(s)])).toEqual([
      [
        "kueue",
        {
          onFailedInstall: "uninstall",
          atomic: true,
          cleanupOnFail: true,
          replace: false,
          wait: false,
          takeOwnership: true,
        },
      ],
      [
        "kueue-webhook-ready",
        {
          onFailedInstall: "uninstall",
          atomic: true,
          cleanupOnFail: true,
          replace: false,
          wait: true,
          takeOwnership: false,
        },
      ],
      [
        "kueue-queues",
        {
          onFailedInstall: "uninstall",
          atomic: true,
          cleanupOnFail: true,
          replace: false,
          wait: true,
          takeOwnership: false,
        },
      ],
    ]);
  });

  test.each(["laptop", "cluster-gpu"])(
    "the two aggregated ClusterRoles the uninstall races on come from the kueue chart only, and nothing of %s binds them",
    (profileName) => {
      const [stack] = rendered(profileName);
      const aggregated = stack.releases.flatMap((r) =>
        r.objects
          .filter((o) => o.kind === "ClusterRole" && o.aggregationRule !== undefined)
          .map((o) => ({ release: r.name, name: o.metadata.name, aggregationRule: o.aggregationRule as unknown })),
      );
      expect(aggregated).toEqual([
        {
          release: "kueue",
          name: "kueue-batch-admin-role",
          aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "rbac.kueue.x-k8s.io/batch-admin": "true" } }] },
        },
        {
          release: "kueue",
          name: "kueue-batch-user-role",
          aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "rbac.kueue.x-k8s.io/batch-user": "true" } }] },
        },
      ]);
      const bindings = stack.releases.flatMap((r) =>
        r.objects.filter(
          (o) =>
            (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") &&
            aggregated.some((a) => a.name === (o.roleRef as { name: string }).name),
        ),
      );
      expect(bindings).toEqual([]);
    },
  );

  test("sets laptop-sized resources, the Configuration and Prometheus when observability is on", () => {
    const upstream = release(stepsFor("laptop"));
    expect(upstream.chart).toBe("kueue");
    expect(upstream.primary).toBe(true);
    expect(upstream.values).toEqual({
      controllerManager: {
        manager: { resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } } },
      },
      managerConfig: { controllerManagerConfigYaml: expect.any(String) },
      enablePrometheus: true,
    });
  });

  test("turns Prometheus off when observability is disabled", () => {
    expect(
      release(stepsFor("laptop", { components: { observability: { lifecycle: "disabled" } } })).values.enablePrometheus,
    ).toBe(false);
  });

  test.each(PROFILES)("every values key exists in the pinned chart (%s)", (profileName) => {
    expect(unknownValuePaths("kueue", release(stepsFor(profileName)).values)).toEqual([]);
  });

  test("the Configuration is the chart default with fewer frameworks, the opt-in namespace selector and the ClusterQueue resource metrics", () => {
    const ours = configuration(stepsFor("laptop"));
    expect(ours).toEqual({
      ...chartDefaultConfiguration(),
      metrics: { ...(chartDefaultConfiguration().metrics as object), enableClusterQueueResources: true },
      managedJobsNamespaceSelector: { matchLabels: { "managed-by-kueue": "true" } },
      integrations: {
        frameworks: ["batch/job", "ray.io/rayjob", "ray.io/raycluster", "ray.io/rayservice", "deployment", "pod"],
      },
    });
    expect(ours).toEqual(kueueConfiguration());
    expect(ours).not.toHaveProperty("fairSharing");
  });

  test("fair sharing adds the fairSharing block of the chart's commented example to the Configuration", () => {
    const steps = stepsFor("workstation-gpu");
    expect(configuration(steps)).toEqual({
      ...chartDefaultConfiguration(),
      metrics: { ...(chartDefaultConfiguration().metrics as object), enableClusterQueueResources: true },
      managedJobsNamespaceSelector: { matchLabels: { "managed-by-kueue": "true" } },
      integrations: {
        frameworks: ["batch/job", "ray.io/rayjob", "ray.io/raycluster", "ray.io/rayservice", "deployment", "pod"],
      },
      fairSharing: { preemptionStrategies: ["LessThanOrEqualToFinalShare", "LessThanInitialShare"] },
    });
    expect(configuration(steps)).toEqual(kueueConfiguration(true));
    expect(configurationYaml(steps)).toContain(
      "fairSharing:\n  preemptionStrategies:\n    - LessThanOrEqualToFinalShare\n    - LessThanInitialShare\n",
    );
    const chartValues = referenceValues("kueue") as { managerConfig: { controllerManagerConfigYaml: string } };
    expect(chartValues.managerConfig.controllerManagerConfigYaml).toContain(
      "#fairSharing:\n#  preemptionStrategies: [LessThanOrEqualToFinalShare, LessThanInitialShare]",
    );
  });

  test("the opt-in selector is a top-level key of the Configuration, which the chart copies into the pod and deployment webhooks", () => {
    expect(Object.keys(kueueConfiguration())).toContain("managedJobsNamespaceSelector");
    expect(configurationYaml(stepsFor("laptop"))).toContain(
      'managedJobsNamespaceSelector:\n  matchLabels:\n    managed-by-kueue: "true"\n',
    );
  });

  test("every framework we enable is one the chart's default Configuration knows, but for the gated alpha ones", () => {
    const defaults = chartDefaultConfiguration() as { integrations: { frameworks: string[] } };
    const ungated = KUEUE_COMPONENT_FRAMEWORKS.filter((f) => !f.featureGate).map((f) => f.framework);
    const ours = [...KUEUE_FRAMEWORKS, ...ungated];
    expect(ours.filter((f) => !defaults.integrations.frameworks.includes(f))).toEqual([]);
    expect(KUEUE_COMPONENT_FRAMEWORKS.filter((f) => f.featureGate)).toEqual([
      {
        component: "spark-operator",
        framework: "sparkoperator.k8s.io/sparkapplication",
        featureGate: "SparkApplicationIntegration",
      },
    ]);
  });

  test("an alpha integration turns its feature gate on with it, and only then", () => {
    const gates = (profileName: string, override?: unknown) =>
      (release(stepsFor(profileName, override)).values.controllerManager as Record<string, unknown>).featureGates;
    expect(gates("cluster-gpu")).toEqual([{ name: "SparkApplicationIntegration", enabled: true }]);
    expect(gates("laptop")).toBeUndefined();
    expect(kueueFrameworkGates(["batch/job", "sparkoperator.k8s.io/sparkapplication"])).toEqual([
      "SparkApplicationIntegration",
    ]);
    expect(kueueFrameworkGates([...KUEUE_FRAMEWORKS])).toEqual([]);
  });

  test("JobSet, TrainJob and SparkApplication are integrations only where their components are: cluster-gpu, and never on workers", () => {
    const frameworks = (profileName: string, override?: unknown) =>
      (configuration(stepsFor(profileName, override)).integrations as { frameworks: string[] }).frameworks;
    expect(frameworks("cluster-gpu")).toEqual([
      "batch/job",
      "ray.io/rayjob",
      "ray.io/raycluster",
      "ray.io/rayservice",
      "deployment",
      "pod",
      "jobset.x-k8s.io/jobset",
      "trainer.kubeflow.org/trainjob",
      "sparkoperator.k8s.io/sparkapplication",
    ]);
    for (const name of ["laptop", "laptop-gpu", "workstation-gpu", "cluster-gpu-dra", "eks-gpu", "multicloud-gpu"]) {
      expect([name, frameworks(name)]).toEqual([name, [...KUEUE_FRAMEWORKS]]);
    }
    // An external Trainer (and its JobSet) counts: its kinds exist in the cluster.
    expect(
      frameworks("laptop", {
        components: { jobset: { lifecycle: "external" }, "kubeflow-trainer": { lifecycle: "external" } },
      }).slice(-2),
    ).toEqual(["jobset.x-k8s.io/jobset", "trainer.kubeflow.org/trainjob"]);
    expect(kueueFrameworks(contextFor(loadProfile("cluster-gpu")))).toEqual(frameworks("cluster-gpu"));
  });

  test("the webhook gate probes with a valid cluster-scoped ResourceFlavor", () => {
    const gate = stepsFor("laptop").find((s): s is WebhookGate => s.kind === "gate") as WebhookGate;
    expect(gate.probe).toEqual({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ResourceFlavor",
      metadata: { name: "kueue-webhook-probe" },
    });
    expect(gate.resource).toBe("resourceflavors");
    const crd = crdFor(gate.probe.apiVersion, gate.probe.kind);
    expect(crd).toBeDefined();
    expect(schemaProblems(gate.probe, crd?.schema ?? {})).toEqual([]);
  });

  test("the laptop profile gets one CPU flavor and one team queue without GPUs", () => {
    expect(kueueQueuesProps(loadProfile("laptop"))).toEqual({
      flavors: [{ name: "workers", nodeLabels: { "cnai.io/pool": "workers" }, tolerations: [] }],
      coveredResources: ["cpu", "memory"],
      cohort: "platform",
      fairSharing: false,
      preemption: PREEMPTION,
      priorityClasses: PRIORITY_CLASSES,
      admittedNamespaceLabels: OPT_IN,
      teams: [
        {
          clusterQueue: "default",
          namespace: "team-default",
          localQueue: "default",
          weight: 1,
          flavors: [
            {
              flavor: "workers",
              resources: [
                { name: "cpu", nominalQuota: "4" },
                { name: "memory", nominalQuota: "8Gi" },
              ],
            },
          ],
        },
      ],
    });
  });

  test("the laptop-gpu profile's team queue covers its one whole GPU", () => {
    expect(kueueQueuesProps(loadProfile("laptop-gpu"))).toEqual({
      flavors: [{ name: "workers", nodeLabels: { "cnai.io/pool": "workers" }, tolerations: [] }],
      coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
      cohort: "platform",
      fairSharing: false,
      preemption: PREEMPTION,
      priorityClasses: PRIORITY_CLASSES,
      admittedNamespaceLabels: OPT_IN,
      teams: [
        {
          clusterQueue: "default",
          namespace: "team-default",
          localQueue: "default",
          weight: 1,
          flavors: [
            {
              flavor: "workers",
              resources: [
                { name: "cpu", nominalQuota: "4" },
                { name: "memory", nominalQuota: "8Gi" },
                { name: "nvidia.com/gpu", nominalQuota: 1 },
              ],
            },
          ],
        },
      ],
    });
  });

  test("the workstation-gpu profile shares 8 time-sliced GPU slots between two fair-shared teams", () => {
    expect(kueueQueuesProps(loadProfile("workstation-gpu"))).toEqual({
      flavors: [{ name: "gpu", nodeLabels: { "cnai.io/pool": "gpu" }, tolerations: [] }],
      coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
      cohort: "platform",
      fairSharing: true,
      preemption: PREEMPTION,
      priorityClasses: PRIORITY_CLASSES,
      admittedNamespaceLabels: OPT_IN,
      teams: [
        {
          clusterQueue: "applied",
          namespace: "team-applied",
          localQueue: "default",
          weight: 1,
          flavors: [
            {
              flavor: "gpu",
              resources: [
                { name: "cpu", nominalQuota: "4" },
                { name: "memory", nominalQuota: "16Gi" },
                { name: "nvidia.com/gpu", nominalQuota: 4, lendingLimit: 2 },
              ],
            },
          ],
        },
        {
          clusterQueue: "research",
          namespace: "team-research",
          localQueue: "default",
          weight: 1,
          flavors: [
            {
              flavor: "gpu",
              resources: [
                { name: "cpu", nominalQuota: "6" },
                { name: "memory", nominalQuota: "24Gi" },
                { name: "nvidia.com/gpu", nominalQuota: 4 },
              ],
            },
          ],
        },
      ],
    });
  });

  test("the cluster-gpu profile has a flavor per pool, CPU pools first, MIG slices as their own resource, and every pool in every team's queue", () => {
    const none = { name: "nvidia.com/mig-1g.10gb", nominalQuota: 0 };
    const noGpu = { name: "nvidia.com/gpu", nominalQuota: 0 };
    expect(kueueQueuesProps(loadProfile("cluster-gpu"))).toEqual({
      flavors: [
        { name: "system", nodeLabels: { "cnai.io/pool": "system" }, tolerations: [] },
        { name: "full", nodeLabels: { "cnai.io/pool": "full" }, tolerations: [GPU_TOLERATION] },
        { name: "mig", nodeLabels: { "cnai.io/pool": "mig" }, tolerations: [GPU_TOLERATION] },
      ],
      coveredResources: ["cpu", "memory", "nvidia.com/gpu", "nvidia.com/mig-1g.10gb"],
      cohort: "platform",
      fairSharing: true,
      preemption: PREEMPTION,
      priorityClasses: PRIORITY_CLASSES,
      admittedNamespaceLabels: OPT_IN,
      teams: [
        {
          clusterQueue: "research",
          namespace: "team-research",
          localQueue: "default",
          weight: 1,
          flavors: [
            {
              flavor: "system",
              resources: [{ name: "cpu", nominalQuota: "4" }, { name: "memory", nominalQuota: "16Gi" }, noGpu, none],
            },
            {
              flavor: "full",
              resources: [
                { name: "cpu", nominalQuota: "16" },
                { name: "memory", nominalQuota: "128Gi" },
                { name: "nvidia.com/gpu", nominalQuota: 2 },
                none,
              ],
            },
            {
              flavor: "mig",
              resources: [
                { name: "cpu", nominalQuota: "16" },
                { name: "memory", nominalQuota: "64Gi" },
                noGpu,
                { name: "nvidia.com/mig-1g.10gb", nominalQuota: 12 },
              ],
            },
          ],
        },
        {
          clusterQueue: "serving",
          namespace: "team-serving",
          localQueue: "default",
          weight: 1,
          flavors: [
            {
              flavor: "system",
              resources: [{ name: "cpu", nominalQuota: "2" }, { name: "memory", nominalQuota: "8Gi" }, noGpu, none],
            },
            {
              flavor: "full",
              resources: [
                { name: "cpu", nominalQuota: "4" },
                { name: "memory", nominalQuota: "16Gi" },
                { name: "nvidia.com/gpu", nominalQuota: 0, borrowingLimit: 1 },
                none,
              ],
            },
            {
              flavor: "mig",
              resources: [
                { name: "cpu", nominalQuota: "8" },
                { name: "memory", nominalQuota: "32Gi" },
                noGpu,
                { name: "nvidia.com/mig-1g.10gb", nominalQuota: 8, lendingLimit: 4 },
              ],
            },
          ],
        },
        {
          clusterQueue: "training",
          namespace: "team-training",
          localQueue: "default",
          weight: 2,
          flavors: [
            {
              flavor: "system",
              resources: [{ name: "cpu", nominalQuota: "2" }, { name: "memory", nominalQuota: "8Gi" }, noGpu, none],
            },
            {
              flavor: "full",
              resources: [
                { name: "cpu", nominalQuota: "16" },
                { name: "memory", nominalQuota: "128Gi" },
                { name: "nvidia.com/gpu", nominalQuota: 2, borrowingLimit: 2 },
                none,
              ],
            },
            {
              flavor: "mig",
              resources: [
                { name: "cpu", nominalQuota: "8" },
                { name: "memory", nominalQuota: "32Gi" },
                noGpu,
                { name: "nvidia.com/mig-1g.10gb", nominalQuota: 8 },
              ],
            },
          ],
        },
      ],
    });
  });

  test("the queues follow a team's namespace, weight and the profile's cohort", () => {
    const manifests = queuesManifests(
      stepsFor("laptop", {
        teams: { default: { namespace: "ml-team", weight: 3, quota: { workers: { cpu: "1500m", memory: "6Gi" } } } },
        queueing: { cohort: "shared", fairSharing: true },
      }),
    );
    expect(manifests.filter((m) => m.kind !== "WorkloadPriorityClass")).toEqual([
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "ResourceFlavor",
        metadata: { name: "workers" },
        spec: { nodeLabels: { "cnai.io/pool": "workers" } },
      },
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "ClusterQueue",
        metadata: { name: "default" },
        spec: {
          cohortName: "shared",
          namespaceSelector: { matchLabels: { "managed-by-kueue": "true", "kubernetes.io/metadata.name": "ml-team" } },
          queueingStrategy: "BestEffortFIFO",
          resourceGroups: [
            {
              coveredResources: ["cpu", "memory"],
              flavors: [
                {
                  name: "workers",
                  resources: [
                    { name: "cpu", nominalQuota: "1500m" },
                    { name: "memory", nominalQuota: "6Gi" },
                  ],
                },
              ],
            },
          ],
          preemption: {
            reclaimWithinCohort: "Any",
            borrowWithinCohort: { policy: "Never" },
            withinClusterQueue: "LowerPriority",
          },
          fairSharing: { weight: 3 },
        },
      },
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "LocalQueue",
        metadata: { name: "default", namespace: "ml-team" },
        spec: { clusterQueue: "default" },
      },
    ]);
  });

  test("every profile gets the three WorkloadPriorityClasses", () => {
    expect(queuesManifests(stepsFor("laptop")).filter((m) => m.kind === "WorkloadPriorityClass")).toEqual(
      PRIORITY_CLASSES.map(({ name, value, description }) => ({
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "WorkloadPriorityClass",
        metadata: { name },
        value,
        description,
      })),
    );
  });

  test.each(PROFILES)("every queue object of the %s profile validates against the pinned CRDs", (profileName) => {
    const manifests = queuesManifests(stepsFor(profileName));
    expect(manifests.length).toBeGreaterThan(0);
    for (const manifest of manifests) {
      const crd = crdFor(manifest.apiVersion, manifest.kind);
      expect(crd).toBeDefined();
      expect(schemaProblems(manifest, crd?.schema ?? {})).toEqual([]);
    }
  });

  test("the laptop profile's queues have no GPU resource", () => {
    expect(JSON.stringify(queuesManifests(stepsFor("laptop")))).not.toContain("nvidia.com/");
  });

  test("CPU pools come first so CPU-only pods fill CPU nodes before they spill onto GPU nodes", () => {
    expect(flavorOrder(loadProfile("cluster-gpu"))).toEqual(["system", "full", "mig"]);
  });
});
