import { Testing } from "cdk8s";
import { parse as parseYaml } from "yaml";
import { loadProfile } from "../../profiles/load";
import type { LocalRelease, Step, UpstreamRelease, WebhookGate } from "../../stacks/component";
import { contextFor } from "../../stacks/graph";
import {
  KUEUE_FRAMEWORKS,
  KUEUE_OPT_IN_LABEL,
  KUEUE_OPT_IN_VALUE,
  KUEUE_QUEUE_LABEL,
  kueue,
  kueueConfiguration,
} from "../../stacks/components/kueue";
import { crdFor, referenceValues, schemaProblems, unknownValuePaths } from "../support/reference";

function stepsFor(override?: unknown): readonly Step[] {
  return kueue.steps(contextFor(loadProfile("laptop", override)));
}

function release(steps: readonly Step[]): UpstreamRelease {
  return steps.find((s): s is UpstreamRelease => s.kind === "upstream") as UpstreamRelease;
}

function queuesManifests(steps: readonly Step[]): Array<{ apiVersion: string; kind: string; spec?: unknown }> {
  const local = steps.find((s): s is LocalRelease => s.kind === "local") as LocalRelease;
  return Testing.synth(local.render(Testing.app(), local.name));
}

/** The chart's default Configuration, parsed from the pinned values.yaml. */
function chartDefaultConfiguration(): Record<string, unknown> {
  const values = referenceValues("kueue") as { managerConfig: { controllerManagerConfigYaml: string } };
  return parseYaml(values.managerConfig.controllerManagerConfigYaml) as Record<string, unknown>;
}

describe("kueue component", () => {
  test("exports the opt-in label and the queue label for other components", () => {
    expect([KUEUE_OPT_IN_LABEL, KUEUE_OPT_IN_VALUE, KUEUE_QUEUE_LABEL]).toEqual([
      "managed-by-kueue",
      "true",
      "kueue.x-k8s.io/queue-name",
    ]);
  });

  test("depends on KubeRay and observability, both optionally", () => {
    expect(kueue.dependencies(loadProfile("laptop")).map((d) => [d.id, d.optional])).toEqual([
      ["kuberay", true],
      ["observability", true],
    ]);
  });

  test("creates kueue-system and the team namespace with the opt-in label", () => {
    expect(kueue.namespaces(contextFor(loadProfile("laptop", { queue: { namespace: "ml-team" } })))).toEqual([
      { name: "kueue-system" },
      { name: "ml-team", labels: { "managed-by-kueue": "true" } },
    ]);
  });

  test("installs the chart, then waits for the webhook, then creates the queues", () => {
    expect(stepsFor().map((s) => [s.kind, s.name, s.namespace, s.after ?? []])).toEqual([
      ["upstream", "kueue", "kueue-system", []],
      ["gate", "kueue-webhook-ready", "kueue-system", ["kueue"]],
      ["local", "kueue-queues", "kueue-system", ["kueue-webhook-ready"]],
    ]);
  });

  test("sets laptop-sized resources, the Configuration and Prometheus when observability is on", () => {
    const upstream = release(stepsFor());
    expect(upstream.chart).toBe("kueue");
    expect(upstream.primary).toBe(true);
    expect(upstream.values).toEqual({
      controllerManager: {
        manager: { resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } } },
      },
      managerConfig: { controllerManagerConfigYaml: expect.any(String) },
      enablePrometheus: true,
    });
    expect(upstream.workloads).toEqual([
      { name: "kueue-controller-manager", replicas: 1, resourcesAt: "controllerManager.manager.resources" },
    ]);
  });

  test("turns Prometheus off when observability is disabled", () => {
    expect(
      release(stepsFor({ components: { observability: { lifecycle: "disabled" } } })).values.enablePrometheus,
    ).toBe(false);
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("kueue", release(stepsFor()).values)).toEqual([]);
  });

  test("the Configuration is the chart default with fewer frameworks and the opt-in namespace selector", () => {
    const values = release(stepsFor()).values as { managerConfig: { controllerManagerConfigYaml: string } };
    const ours = parseYaml(values.managerConfig.controllerManagerConfigYaml) as Record<string, unknown>;
    expect(ours).toEqual({
      ...chartDefaultConfiguration(),
      managedJobsNamespaceSelector: { matchLabels: { "managed-by-kueue": "true" } },
      integrations: {
        frameworks: ["batch/job", "ray.io/rayjob", "ray.io/raycluster", "ray.io/rayservice", "deployment", "pod"],
      },
    });
    expect(ours).toEqual(kueueConfiguration());
  });

  test("the opt-in selector is a top-level key of the Configuration, which the chart copies into the pod and deployment webhooks", () => {
    expect(Object.keys(kueueConfiguration())).toContain("managedJobsNamespaceSelector");
    const yaml = (release(stepsFor()).values as { managerConfig: { controllerManagerConfigYaml: string } })
      .managerConfig.controllerManagerConfigYaml;
    expect(yaml).toContain('managedJobsNamespaceSelector:\n  matchLabels:\n    managed-by-kueue: "true"\n');
  });

  test("every framework we enable is one the chart's default Configuration knows", () => {
    const defaults = chartDefaultConfiguration() as { integrations: { frameworks: string[] } };
    expect(KUEUE_FRAMEWORKS.filter((f) => !defaults.integrations.frameworks.includes(f))).toEqual([]);
  });

  test("the webhook gate probes with a valid cluster-scoped ResourceFlavor", () => {
    const gate = stepsFor().find((s): s is WebhookGate => s.kind === "gate") as WebhookGate;
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

  test("the queues follow the profile's queue settings", () => {
    const manifests = queuesManifests(
      stepsFor({
        queue: { namespace: "ml-team", localQueue: "ml", clusterQueue: "shared", nominalQuota: { cpu: "6" } },
      }),
    );
    expect(manifests).toEqual([
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ResourceFlavor", metadata: { name: "default-flavor" } },
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "ClusterQueue",
        metadata: { name: "shared" },
        spec: {
          namespaceSelector: { matchLabels: { "managed-by-kueue": "true" } },
          queueingStrategy: "BestEffortFIFO",
          resourceGroups: [
            {
              coveredResources: ["cpu", "memory"],
              flavors: [
                {
                  name: "default-flavor",
                  resources: [
                    { name: "cpu", nominalQuota: "6" },
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
        },
      },
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "LocalQueue",
        metadata: { name: "ml", namespace: "ml-team" },
        spec: { clusterQueue: "shared" },
      },
    ]);
  });

  test("the laptop-gpu profile's queue covers its GPU and validates against the CRDs", () => {
    const manifests = queuesManifests(kueue.steps(contextFor(loadProfile("laptop-gpu"))));
    const clusterQueue = manifests.find((m) => m.kind === "ClusterQueue") as { spec: { resourceGroups: unknown } };
    expect(clusterQueue.spec.resourceGroups).toEqual([
      {
        coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
        flavors: [
          {
            name: "default-flavor",
            resources: [
              { name: "cpu", nominalQuota: "4" },
              { name: "memory", nominalQuota: "8Gi" },
              { name: "nvidia.com/gpu", nominalQuota: 1 },
            ],
          },
        ],
      },
    ]);
    for (const manifest of manifests) {
      expect(schemaProblems(manifest, crdFor(manifest.apiVersion, manifest.kind)?.schema ?? {})).toEqual([]);
    }
  });

  test("the laptop profile's queue has no GPU resource", () => {
    expect(JSON.stringify(queuesManifests(stepsFor()))).not.toContain("nvidia.com/gpu");
  });
});
