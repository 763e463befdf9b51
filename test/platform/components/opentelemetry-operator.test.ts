import { loadProfile } from "../../../profiles/load";
import type { UpstreamRelease } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import { opentelemetryOperator } from "../../../platform/components/opentelemetry-operator";
import { kserve } from "../../../platform/components/kserve";
import { unknownValuePaths } from "../../support/reference";

function releaseFor(override?: unknown): UpstreamRelease {
  const steps = opentelemetryOperator.steps(contextFor(loadProfile("laptop", override)));
  expect(steps).toHaveLength(1);
  return steps[0] as UpstreamRelease;
}

describe("opentelemetry-operator component", () => {
  test("needs cert-manager for its webhooks, uses observability when available, installs into its own namespace", () => {
    expect(opentelemetryOperator.dependencies(loadProfile("laptop"))).toEqual([
      { id: "cert-manager", reason: "the chart renders a cert-manager Certificate and Issuer for its webhooks" },
      { id: "observability", optional: true, reason: "ServiceMonitor for the operator's metrics" },
    ]);
    expect(opentelemetryOperator.namespaces(contextFor(loadProfile("laptop")))).toEqual([
      { name: "opentelemetry-operator" },
    ]);
    expect([opentelemetryOperator.defaultLifecycle, opentelemetryOperator.placement]).toEqual([
      "managed",
      "management-only",
    ]);
  });

  test("KServe installs after it, optionally: the controller looks for the collector CRD only at start", () => {
    expect(kserve.dependencies(loadProfile("laptop")).find((d) => d.id === "opentelemetry-operator")).toEqual({
      id: "opentelemetry-operator",
      optional: true,
      reason: "the controller looks for the OpenTelemetryCollector CRD only when it starts (PodMetric autoscaling)",
    });
  });

  test("one primary release that owns its CRDs, with cert-manager certificates and resources", () => {
    const release = releaseFor();
    expect([
      release.kind,
      release.name,
      release.namespace,
      release.chart,
      release.primary,
      release.onFailedInstall,
    ]).toEqual([
      "upstream",
      "opentelemetry-operator",
      "opentelemetry-operator",
      "opentelemetry-operator",
      true,
      "uninstall",
    ]);
    expect(release.values).toEqual({
      manager: {
        resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
        serviceMonitor: { enabled: true },
      },
      admissionWebhooks: { certManager: { enabled: true } },
      crds: { create: true },
    });
  });

  test("turns the ServiceMonitor off when observability is disabled", () => {
    expect(releaseFor({ components: { observability: { lifecycle: "disabled" } } }).values.manager).toMatchObject({
      serviceMonitor: { enabled: false },
    });
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("opentelemetry-operator", releaseFor().values)).toEqual([]);
  });
});
