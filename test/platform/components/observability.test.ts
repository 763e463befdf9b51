import { loadProfile } from "../../../profiles/load";
import type { Step, UpstreamRelease } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import { RELEASE, observability } from "../../../platform/components/observability";
import { unknownValuePaths } from "../../support/reference";

function release(): UpstreamRelease {
  const steps: readonly Step[] = observability.steps(contextFor(loadProfile("laptop")));
  expect(steps.map((s) => [s.kind, s.name])).toEqual([
    ["upstream", "kube-prometheus-stack"],
    ["local", "platform-dashboards"],
  ]);
  return steps[0] as UpstreamRelease;
}

function valueAt(values: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((current, key) => (current as Record<string, unknown>)?.[key], values);
}

/** Every dotted path in a values object, maps included. */
function allPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...allPaths(child, path)];
  });
}

const small = (requestCpu: string, requestMemory: string, limitCpu: string, limitMemory: string) => ({
  requests: { cpu: requestCpu, memory: requestMemory },
  limits: { cpu: limitCpu, memory: limitMemory },
});

describe("observability component", () => {
  test("has no dependencies and installs into monitoring", () => {
    const profile = loadProfile("laptop");
    expect(observability.dependencies(profile)).toEqual([]);
    expect(observability.namespaces(contextFor(profile))).toEqual([{ name: "monitoring" }]);
  });

  test("installs kube-prometheus-stack as the one primary release", () => {
    const upstream = release();
    expect([upstream.kind, upstream.name, upstream.namespace, upstream.chart, upstream.primary]).toEqual([
      "upstream",
      RELEASE,
      "monitoring",
      "kube-prometheus-stack",
      true,
    ]);
  });

  test("trims the stack for a laptop: no Alertmanager, no unreachable kind control-plane targets", () => {
    const { values } = release();
    expect(
      ["alertmanager", "kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"].map((key) =>
        valueAt(values, `${key}.enabled`),
      ),
    ).toEqual([false, false, false, false, false]);
    expect(valueAt(values, "grafana.sidecar.datasources.alertmanager.enabled")).toBe(false);
    expect(valueAt(values, "grafana.enabled")).toBe(true);
  });

  test("makes Prometheus select monitors, probes, scrape configs and rules from every namespace", () => {
    const spec = valueAt(release().values, "prometheus.prometheusSpec") as Record<string, unknown>;
    expect(spec).toEqual({
      retention: "2d",
      retentionSize: "1GB",
      resources: small("50m", "256Mi", "500m", "1Gi"),
      serviceMonitorSelectorNilUsesHelmValues: false,
      serviceMonitorSelector: {},
      serviceMonitorNamespaceSelector: {},
      podMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelector: {},
      podMonitorNamespaceSelector: {},
      probeSelectorNilUsesHelmValues: false,
      probeSelector: {},
      probeNamespaceSelector: {},
      scrapeConfigSelectorNilUsesHelmValues: false,
      scrapeConfigSelector: {},
      scrapeConfigNamespaceSelector: {},
      ruleSelectorNilUsesHelmValues: false,
      ruleSelector: {},
      ruleNamespaceSelector: {},
    });
  });

  test("gives every container the distribution configures requests and limits", () => {
    const { values } = release();
    expect(valueAt(values, "prometheusOperator")).toEqual({
      resources: small("10m", "64Mi", "200m", "256Mi"),
      prometheusConfigReloader: { resources: small("5m", "16Mi", "50m", "64Mi") },
      admissionWebhooks: { patch: { resources: small("5m", "16Mi", "50m", "64Mi") } },
    });
    expect(valueAt(values, "grafana")).toEqual({
      enabled: true,
      resources: small("20m", "128Mi", "200m", "256Mi"),
      sidecar: { resources: small("5m", "64Mi", "50m", "128Mi"), datasources: { alertmanager: { enabled: false } } },
    });
    expect(valueAt(values, "kube-state-metrics")).toEqual({
      resources: small("10m", "32Mi", "100m", "128Mi"),
      metricLabelsAllowlist: ["nodes=[cnai.io/pool]"],
    });
    expect(valueAt(values, "prometheus-node-exporter")).toEqual({
      resources: small("5m", "16Mi", "50m", "64Mi"),
      containerSecurityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    });
  });

  test("sets only keys of the pinned values.yaml (subchart keys as documented in verify/values-keys.ts)", () => {
    expect(unknownValuePaths("kube-prometheus-stack", release().values)).toEqual([]);
  });

  test("never writes a Grafana admin password: the Grafana chart generates one", () => {
    const paths = allPaths(release().values);
    expect(paths.filter((path) => /password/i.test(path))).toEqual([]);
    expect(valueAt(release().values, "grafana.admin")).toBeUndefined();
  });
});
