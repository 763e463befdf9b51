import { Testing } from "cdk8s";
import type { FlavorSpec, KueueQueuesProps, TeamQueueSpec } from "../../charts/kueue-queues";
import { KueueQueues } from "../../charts/kueue-queues";
import { crdFor, schemaProblems } from "../support/reference";

const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" };

const RESEARCH: TeamQueueSpec = {
  clusterQueue: "research",
  namespace: "team-research",
  localQueue: "default",
  weight: 1,
  flavors: [
    {
      flavor: "cpu",
      resources: [
        { name: "cpu", nominalQuota: "4" },
        { name: "memory", nominalQuota: "8Gi" },
        { name: "nvidia.com/gpu", nominalQuota: 0 },
      ],
    },
    {
      flavor: "gpu",
      resources: [
        { name: "cpu", nominalQuota: "8" },
        { name: "memory", nominalQuota: "32Gi" },
        { name: "nvidia.com/gpu", nominalQuota: 2, borrowingLimit: 1 },
      ],
    },
  ],
};

const SERVING: TeamQueueSpec = {
  clusterQueue: "serving",
  namespace: "serving-ns",
  localQueue: "online",
  weight: 3,
  flavors: [
    {
      flavor: "cpu",
      resources: [
        { name: "cpu", nominalQuota: "2" },
        { name: "memory", nominalQuota: "4Gi", lendingLimit: "2Gi" },
        { name: "nvidia.com/gpu", nominalQuota: 0 },
      ],
    },
    {
      flavor: "gpu",
      resources: [
        { name: "cpu", nominalQuota: "4" },
        { name: "memory", nominalQuota: "16Gi" },
        { name: "nvidia.com/gpu", nominalQuota: 2, lendingLimit: 1 },
      ],
    },
  ],
};

const BASE: KueueQueuesProps = {
  flavors: [
    { name: "cpu", nodeLabels: { "cnai.io/pool": "cpu" }, tolerations: [] },
    { name: "gpu", nodeLabels: { "cnai.io/pool": "gpu" }, tolerations: [GPU_TOLERATION] },
  ],
  coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
  cohort: "platform",
  fairSharing: false,
  preemption: {
    reclaimWithinCohort: "LowerPriority",
    borrowWithinCohort: "Never",
    withinClusterQueue: "LowerPriority",
  },
  priorityClasses: [
    { name: "interactive", value: 1000, description: "Notebooks and online inference" },
    { name: "batch", value: 100, description: "Training and batch jobs" },
  ],
  teams: [RESEARCH, SERVING],
  admittedNamespaceLabels: { "managed-by-kueue": "true" },
};

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
};

function render(props: KueueQueuesProps = BASE): Manifest[] {
  return Testing.synth(new KueueQueues(Testing.app(), "kueue-queues", props)) as Manifest[];
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind}/${name} rendered`);
  return found;
}

function cpuFlavors(count: number): FlavorSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `pool-${i}`,
    nodeLabels: { "cnai.io/pool": `pool-${i}` },
    tolerations: [],
  }));
}

describe("KueueQueues chart", () => {
  test("renders the flavors, then the priority classes, then a ClusterQueue and a LocalQueue per team, all v1beta2", () => {
    expect(render().map((m) => [m.apiVersion, m.kind, m.metadata.name, m.metadata.namespace])).toEqual([
      ["kueue.x-k8s.io/v1beta2", "ResourceFlavor", "cpu", undefined],
      ["kueue.x-k8s.io/v1beta2", "ResourceFlavor", "gpu", undefined],
      ["kueue.x-k8s.io/v1beta2", "WorkloadPriorityClass", "interactive", undefined],
      ["kueue.x-k8s.io/v1beta2", "WorkloadPriorityClass", "batch", undefined],
      ["kueue.x-k8s.io/v1beta2", "ClusterQueue", "research", undefined],
      ["kueue.x-k8s.io/v1beta2", "LocalQueue", "default", "team-research"],
      ["kueue.x-k8s.io/v1beta2", "ClusterQueue", "serving", undefined],
      ["kueue.x-k8s.io/v1beta2", "LocalQueue", "online", "serving-ns"],
    ]);
  });

  test("a flavor selects its pool's nodes and lists tolerations only when the pool is tainted", () => {
    const manifests = render();
    expect(find(manifests, "ResourceFlavor", "cpu")).toEqual({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ResourceFlavor",
      metadata: { name: "cpu" },
      spec: { nodeLabels: { "cnai.io/pool": "cpu" } },
    });
    expect(find(manifests, "ResourceFlavor", "gpu")).toEqual({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ResourceFlavor",
      metadata: { name: "gpu" },
      spec: {
        nodeLabels: { "cnai.io/pool": "gpu" },
        tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }],
      },
    });
  });

  test("a toleration without a value is kept without one", () => {
    const flavor = {
      name: "spot",
      nodeLabels: { "cnai.io/pool": "spot" },
      tolerations: [{ key: "spot", operator: "Exists", effect: "NoExecute" }],
    };
    expect(find(render({ ...BASE, flavors: [flavor] }), "ResourceFlavor", "spot").spec).toEqual({
      nodeLabels: { "cnai.io/pool": "spot" },
      tolerations: [{ key: "spot", operator: "Exists", effect: "NoExecute" }],
    });
  });

  test("a priority class carries its value and description at the top level", () => {
    expect(find(render(), "WorkloadPriorityClass", "interactive")).toEqual({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "WorkloadPriorityClass",
      metadata: { name: "interactive" },
      value: 1000,
      description: "Notebooks and online inference",
    });
  });

  test("a team's ClusterQueue joins the cohort, admits only its own opted-in namespace and has one group with every flavor", () => {
    expect(find(render(), "ClusterQueue", "research")).toEqual({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ClusterQueue",
      metadata: { name: "research" },
      spec: {
        cohortName: "platform",
        namespaceSelector: {
          matchLabels: { "managed-by-kueue": "true", "kubernetes.io/metadata.name": "team-research" },
        },
        queueingStrategy: "BestEffortFIFO",
        resourceGroups: [
          {
            coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
            flavors: [
              {
                name: "cpu",
                resources: [
                  { name: "cpu", nominalQuota: "4" },
                  { name: "memory", nominalQuota: "8Gi" },
                  { name: "nvidia.com/gpu", nominalQuota: 0 },
                ],
              },
              {
                name: "gpu",
                resources: [
                  { name: "cpu", nominalQuota: "8" },
                  { name: "memory", nominalQuota: "32Gi" },
                  { name: "nvidia.com/gpu", nominalQuota: 2, borrowingLimit: 1 },
                ],
              },
            ],
          },
        ],
        preemption: {
          reclaimWithinCohort: "LowerPriority",
          borrowWithinCohort: { policy: "Never" },
          withinClusterQueue: "LowerPriority",
        },
      },
    });
  });

  test("lending limits are written per flavor and resource", () => {
    const spec = find(render(), "ClusterQueue", "serving").spec as {
      resourceGroups: Array<{ flavors: Array<{ name: string; resources: unknown[] }> }>;
    };
    expect(spec.resourceGroups[0].flavors).toEqual([
      {
        name: "cpu",
        resources: [
          { name: "cpu", nominalQuota: "2" },
          { name: "memory", nominalQuota: "4Gi", lendingLimit: "2Gi" },
          { name: "nvidia.com/gpu", nominalQuota: 0 },
        ],
      },
      {
        name: "gpu",
        resources: [
          { name: "cpu", nominalQuota: "4" },
          { name: "memory", nominalQuota: "16Gi" },
          { name: "nvidia.com/gpu", nominalQuota: 2, lendingLimit: 1 },
        ],
      },
    ]);
  });

  test("the cohort and the preemption policy come from the props", () => {
    const spec = find(
      render({
        ...BASE,
        cohort: "lab",
        preemption: { reclaimWithinCohort: "Any", borrowWithinCohort: "LowerPriority", withinClusterQueue: "Never" },
      }),
      "ClusterQueue",
      "serving",
    ).spec;
    expect([spec?.cohortName, spec?.preemption]).toEqual([
      "lab",
      { reclaimWithinCohort: "Any", borrowWithinCohort: { policy: "LowerPriority" }, withinClusterQueue: "Never" },
    ]);
  });

  test("no ClusterQueue has a fair-sharing weight when fair sharing is off", () => {
    for (const name of ["research", "serving"]) {
      expect(find(render(), "ClusterQueue", name).spec).not.toHaveProperty("fairSharing");
    }
  });

  test("each ClusterQueue carries its team's weight when fair sharing is on", () => {
    const manifests = render({ ...BASE, fairSharing: true });
    expect([
      find(manifests, "ClusterQueue", "research").spec?.fairSharing,
      find(manifests, "ClusterQueue", "serving").spec?.fairSharing,
    ]).toEqual([{ weight: 1 }, { weight: 3 }]);
  });

  test("each team's LocalQueue lives in its namespace and points at its ClusterQueue", () => {
    const manifests = render();
    expect(manifests.filter((m) => m.kind === "LocalQueue")).toEqual([
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "LocalQueue",
        metadata: { name: "default", namespace: "team-research" },
        spec: { clusterQueue: "research" },
      },
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "LocalQueue",
        metadata: { name: "online", namespace: "serving-ns" },
        spec: { clusterQueue: "serving" },
      },
    ]);
  });

  test("renders no queue when there are no teams", () => {
    expect(render({ ...BASE, teams: [] }).map((m) => m.kind)).toEqual([
      "ResourceFlavor",
      "ResourceFlavor",
      "WorkloadPriorityClass",
      "WorkloadPriorityClass",
    ]);
  });

  test("accepts 64 flavors and rejects a 65th (the pinned CRD's limit per resource group)", () => {
    expect(render({ ...BASE, flavors: cpuFlavors(64), teams: [] })).toHaveLength(66);
    expect(() => render({ ...BASE, flavors: cpuFlavors(65), teams: [] })).toThrow(
      /KueueQueues: 65 flavors \(pools\); a ClusterQueue resource group takes at most 64/,
    );
  });

  test("rejects more than 64 covered resources", () => {
    const coveredResources = Array.from({ length: 65 }, (_, i) => `example.com/r${i}`);
    expect(() => render({ ...BASE, coveredResources, teams: [] })).toThrow(
      /KueueQueues: 65 covered resources; at most 64/,
    );
  });

  test.each([
    ["without fair sharing", false],
    ["with fair sharing", true],
  ])("every object validates against the pinned Kueue CRDs (%s)", (_title, fairSharing) => {
    const manifests = render({ ...BASE, fairSharing });
    expect(manifests).toHaveLength(8);
    for (const manifest of manifests) {
      const crd = crdFor(manifest.apiVersion, manifest.kind);
      expect(crd).toBeDefined();
      expect(schemaProblems(manifest, crd?.schema ?? {})).toEqual([]);
    }
  });
});
