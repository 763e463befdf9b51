import { loadProfile } from "../../../profiles/load";
import type { UpstreamRelease } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import { kuberay } from "../../../platform/components/kuberay";
import { unknownValuePaths } from "../../support/reference";

function releaseFor(override?: unknown): UpstreamRelease {
  const steps = kuberay.steps(contextFor(loadProfile("laptop", override)));
  expect(steps).toHaveLength(1);
  return steps[0] as UpstreamRelease;
}

/** `resources.requests` is documented in the chart's values.yaml only as a commented-out example. */

describe("kuberay component", () => {
  test("depends only on observability, optionally", () => {
    expect(kuberay.dependencies(loadProfile("laptop"))).toEqual([
      { id: "observability", optional: true, reason: "ServiceMonitor for metrics" },
    ]);
  });

  test("installs into ray-system", () => {
    expect(kuberay.namespaces(contextFor(loadProfile("laptop")))).toEqual([{ name: "ray-system" }]);
  });

  test("installs the operator chart alone, with no webhook gate", () => {
    const release = releaseFor();
    expect([release.kind, release.name, release.namespace, release.chart, release.primary, release.after]).toEqual([
      "upstream",
      "kuberay-operator",
      "ray-system",
      "kuberay-operator",
      true,
      undefined,
    ]);
  });

  test("sets laptop-sized requests and limits and a ServiceMonitor when observability is on", () => {
    const release = releaseFor();
    expect(release.values).toEqual({
      resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "100m", memory: "256Mi" } },
      metrics: { serviceMonitor: { enabled: true } },
    });
  });

  test("turns the ServiceMonitor off when observability is disabled", () => {
    expect(releaseFor({ components: { observability: { lifecycle: "disabled" } } }).values.metrics).toEqual({
      serviceMonitor: { enabled: false },
    });
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("kuberay-operator", releaseFor().values)).toEqual([]);
  });
});
