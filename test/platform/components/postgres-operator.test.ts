import { loadProfile } from "../../../profiles/load";
import type { UpstreamRelease, WebhookGate } from "../../../platform/component";
import { postgresOperator } from "../../../platform/components/postgres-operator";
import { contextFor } from "../../../platform/graph";
import { crdFor, schemaProblems, unknownValuePaths } from "../../support/reference";

const withoutObservability = { components: { observability: { lifecycle: "disabled" } } };

function stepsFor(override?: unknown) {
  return postgresOperator.steps(contextFor(loadProfile("laptop", override)));
}

describe("postgres-operator", () => {
  it("installs the pinned cloudnative-pg chart into cnpg-system with laptop resources and a PodMonitor", () => {
    const [release] = stepsFor();
    expect(release).toEqual({
      kind: "upstream",
      name: "cloudnative-pg",
      namespace: "cnpg-system",
      chart: "cloudnative-pg",
      primary: true,
      onFailedInstall: "uninstall",
      values: {
        crds: { create: true },
        resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
        monitoring: { podMonitorEnabled: true },
      },
    });
  });

  it("creates no PodMonitor when observability is disabled", () => {
    const release = stepsFor(withoutObservability)[0] as UpstreamRelease;
    expect(release.values.monitoring).toEqual({ podMonitorEnabled: false });
  });

  it("sets only values keys that exist in the pinned chart", () => {
    for (const override of [undefined, withoutObservability]) {
      const release = stepsFor(override)[0] as UpstreamRelease;
      expect(unknownValuePaths("cloudnative-pg", release.values)).toEqual([]);
    }
  });

  it("gates Clusters on the webhook with a minimal Cluster in cnpg-system after the operator release", () => {
    const gate = stepsFor()[1];
    expect(gate).toEqual({
      kind: "gate",
      name: "cnpg-webhook-ready",
      namespace: "cnpg-system",
      after: ["cloudnative-pg"],
      probe: {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: "cnpg-webhook-probe", namespace: "cnpg-system" },
        spec: { instances: 1, storage: { size: "1Gi" } },
      },
      resource: "clusters",
    });
  });

  it("sends a webhook probe that validates against the pinned Cluster CRD", () => {
    const gate = stepsFor()[1] as WebhookGate;
    const crd = crdFor(gate.probe.apiVersion, gate.probe.kind);
    expect(crd).toBeDefined();
    expect(schemaProblems(gate.probe, crd?.schema ?? {})).toEqual([]);
  });

  it("depends on observability only optionally and installs into cnpg-system", () => {
    const profile = loadProfile("laptop");
    expect(postgresOperator.dependencies(profile)).toEqual([
      { id: "observability", optional: true, reason: "PodMonitor for the operator's metrics" },
    ]);
    expect(postgresOperator.namespaces(contextFor(profile))).toEqual([{ name: "cnpg-system" }]);
  });
});
