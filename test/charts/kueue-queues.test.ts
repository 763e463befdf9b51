import { Testing } from "cdk8s";
import type { KueueQueuesProps } from "../../charts/kueue-queues";
import { KueueQueues } from "../../charts/kueue-queues";
import { crdFor, schemaProblems } from "../support/reference";

const BASE: KueueQueuesProps = {
  clusterQueue: "platform",
  localQueue: "default",
  namespace: "team-default",
  admittedNamespaceLabels: { "managed-by-kueue": "true" },
  nominalQuota: { cpu: "4", memory: "8Gi", gpu: 0 },
};

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: unknown };

function render(props: KueueQueuesProps = BASE): Manifest[] {
  return Testing.synth(new KueueQueues(Testing.app(), "kueue-queues", props)) as Manifest[];
}

function byKind(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.find((m) => m.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} rendered`);
  return found;
}

describe("KueueQueues chart", () => {
  test("renders a default ResourceFlavor, a ClusterQueue and a LocalQueue, all v1beta2", () => {
    expect(render().map((m) => [m.apiVersion, m.kind, m.metadata.name, m.metadata.namespace])).toEqual([
      ["kueue.x-k8s.io/v1beta2", "ResourceFlavor", "default-flavor", undefined],
      ["kueue.x-k8s.io/v1beta2", "ClusterQueue", "platform", undefined],
      ["kueue.x-k8s.io/v1beta2", "LocalQueue", "default", "team-default"],
    ]);
  });

  test("the ResourceFlavor has an empty spec so it matches every node", () => {
    expect(byKind(render(), "ResourceFlavor")).toEqual({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ResourceFlavor",
      metadata: { name: "default-flavor" },
    });
  });

  test("the ClusterQueue admits only opted-in namespaces and covers cpu and memory without GPUs", () => {
    expect(byKind(render(), "ClusterQueue").spec).toEqual({
      namespaceSelector: { matchLabels: { "managed-by-kueue": "true" } },
      queueingStrategy: "BestEffortFIFO",
      resourceGroups: [
        {
          coveredResources: ["cpu", "memory"],
          flavors: [
            {
              name: "default-flavor",
              resources: [
                { name: "cpu", nominalQuota: "4" },
                { name: "memory", nominalQuota: "8Gi" },
              ],
            },
          ],
        },
      ],
      preemption: {
        withinClusterQueue: "LowerPriority",
        reclaimWithinCohort: "Never",
        borrowWithinCohort: { policy: "Never" },
      },
    });
  });

  test("the ClusterQueue covers nvidia.com/gpu when the quota has GPUs", () => {
    const spec = byKind(render({ ...BASE, nominalQuota: { cpu: "8", memory: "16Gi", gpu: 2 } }), "ClusterQueue")
      .spec as { resourceGroups: unknown };
    expect(spec.resourceGroups).toEqual([
      {
        coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
        flavors: [
          {
            name: "default-flavor",
            resources: [
              { name: "cpu", nominalQuota: "8" },
              { name: "memory", nominalQuota: "16Gi" },
              { name: "nvidia.com/gpu", nominalQuota: 2 },
            ],
          },
        ],
      },
    ]);
  });

  test("no object mentions GPUs when the quota has none", () => {
    expect(JSON.stringify(render())).not.toContain("nvidia.com/gpu");
  });

  test("the LocalQueue points at the ClusterQueue", () => {
    expect(byKind(render(), "LocalQueue")).toEqual({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "LocalQueue",
      metadata: { name: "default", namespace: "team-default" },
      spec: { clusterQueue: "platform" },
    });
  });

  test("a custom flavor name is used by the ResourceFlavor and the ClusterQueue", () => {
    const manifests = render({ ...BASE, flavor: "cpu-nodes" });
    expect(byKind(manifests, "ResourceFlavor").metadata.name).toBe("cpu-nodes");
    const spec = byKind(manifests, "ClusterQueue").spec as {
      resourceGroups: Array<{ flavors: Array<{ name: string }> }>;
    };
    expect(spec.resourceGroups[0].flavors.map((f) => f.name)).toEqual(["cpu-nodes"]);
  });

  test.each([
    ["without GPUs", 0],
    ["with GPUs", 1],
  ])("every object validates against the pinned Kueue CRDs (%s)", (_title, gpu) => {
    for (const manifest of render({ ...BASE, nominalQuota: { ...BASE.nominalQuota, gpu } })) {
      const crd = crdFor(manifest.apiVersion, manifest.kind);
      expect(crd).toBeDefined();
      expect(schemaProblems(manifest, crd?.schema ?? {})).toEqual([]);
    }
  });
});
