import { loadProfile } from "../../../profiles/load";
import type { UpstreamRelease } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import { certManager } from "../../../platform/components/cert-manager";
import { unknownValuePaths } from "../../support/reference";

function releaseFor(override?: unknown): UpstreamRelease {
  const steps = certManager.steps(contextFor(loadProfile("laptop", override)));
  expect(steps).toHaveLength(1);
  return steps[0] as UpstreamRelease;
}

describe("cert-manager component", () => {
  test("depends only on observability, optionally, and installs into cert-manager", () => {
    expect(certManager.dependencies(loadProfile("laptop"))).toEqual([
      { id: "observability", optional: true, reason: "ServiceMonitor for metrics" },
    ]);
    expect(certManager.namespaces(contextFor(loadProfile("laptop")))).toEqual([{ name: "cert-manager" }]);
  });

  test("has no separate webhook gate: its startupapicheck hook waits for the webhook", () => {
    const release = releaseFor();
    expect([release.kind, release.name, release.chart, release.primary, release.after]).toEqual([
      "upstream",
      "cert-manager",
      "cert-manager",
      true,
      undefined,
    ]);
    expect(release.values.startupapicheck).toEqual({
      enabled: true,
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
    });
  });

  test("installs the CRDs with the chart and keeps them when the release is deleted", () => {
    expect(releaseFor().values.crds).toEqual({ enabled: true, keep: true });
  });

  test("turns the ServiceMonitor off when observability is disabled", () => {
    expect(releaseFor({ components: { observability: { lifecycle: "disabled" } } }).values.prometheus).toEqual({
      enabled: true,
      servicemonitor: { enabled: false },
    });
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("cert-manager", releaseFor().values)).toEqual([]);
  });
});
