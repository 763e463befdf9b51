import { loadProfile } from "../../../profiles/load";
import { loadCheckedProfile } from "../../../platform/check";
import type { UpstreamRelease } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import {
  OTLP_GRPC_ENDPOINT,
  OTLP_HTTP_ENDPOINT,
  opentelemetryCollector,
} from "../../../platform/components/opentelemetry-collector";
import { unknownValuePaths } from "../../support/reference";

const BACKEND = {
  components: {
    "opentelemetry-collector": {
      settings: {
        traces: {
          otlpEndpoint: "https://otlp.example.com",
          headerFromSecret: { header: "x-api-key", secretName: "tracing-key", key: "api-key" },
        },
      },
    },
  },
};

function releaseFor(override?: unknown): UpstreamRelease {
  const steps = opentelemetryCollector.steps(contextFor(loadProfile("laptop", override)));
  expect(steps).toHaveLength(1);
  return steps[0] as UpstreamRelease;
}

type Config = {
  exporters: Record<string, unknown>;
  processors: Record<string, unknown>;
  receivers: Record<string, unknown>;
  service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
};
const configOf = (release: UpstreamRelease) => release.values.alternateConfig as Config;

describe("opentelemetry-collector component", () => {
  test("a managed gateway in its own namespace, using observability when available", () => {
    expect(opentelemetryCollector.dependencies(loadProfile("laptop"))).toEqual([
      {
        id: "observability",
        optional: true,
        reason: "ServiceMonitor: Prometheus scrapes the metrics the gateway receives",
      },
    ]);
    expect(opentelemetryCollector.namespaces(contextFor(loadProfile("laptop")))).toEqual([{ name: "opentelemetry" }]);
    const release = releaseFor();
    expect([release.name, release.namespace, release.chart, release.primary, release.onFailedInstall]).toEqual([
      "opentelemetry-collector",
      "opentelemetry",
      "opentelemetry-collector",
      true,
      "uninstall",
    ]);
    expect([release.values.mode, release.values.image]).toEqual([
      "deployment",
      { repository: "otel/opentelemetry-collector-contrib", tag: "0.158.0" },
    ]);
  });

  test("team namespaces may reach exactly OTLP gRPC and HTTP", () => {
    expect(opentelemetryCollector.teamEgress!(contextFor(loadProfile("laptop")))).toEqual([
      { name: "otel-collector", namespace: "opentelemetry", ports: [4317, 4318] },
    ]);
    expect([OTLP_GRPC_ENDPOINT, OTLP_HTTP_ENDPOINT]).toEqual([
      "http://opentelemetry-collector.opentelemetry.svc.cluster.local:4317",
      "http://opentelemetry-collector.opentelemetry.svc.cluster.local:4318",
    ]);
  });

  test("receives OTLP only; metrics go to the prometheus exporter, scraped through a ServiceMonitor", () => {
    const release = releaseFor();
    const config = configOf(release);
    expect(config.receivers).toEqual({
      otlp: {
        protocols: { grpc: { endpoint: "${env:MY_POD_IP}:4317" }, http: { endpoint: "${env:MY_POD_IP}:4318" } },
      },
    });
    expect(config.service.pipelines.metrics).toEqual({
      receivers: ["otlp"],
      processors: ["memory_limiter", "k8s_attributes", "batch"],
      exporters: ["prometheus"],
    });
    expect(config.exporters.prometheus).toEqual({ endpoint: "${env:MY_POD_IP}:8889" });
    expect(release.values.ports).toEqual({
      "jaeger-compact": { enabled: false },
      "jaeger-thrift": { enabled: false },
      "jaeger-grpc": { enabled: false },
      zipkin: { enabled: false },
      metrics: { enabled: true },
      "prom-exporter": { enabled: true, containerPort: 8889, servicePort: 8889, protocol: "TCP" },
    });
    expect(release.values.serviceMonitor).toEqual({
      enabled: true,
      metricsEndpoints: [{ port: "metrics" }, { port: "prom-exporter" }],
    });
    expect(
      releaseFor({ components: { observability: { lifecycle: "disabled" } } }).values.serviceMonitor,
    ).toMatchObject({ enabled: false });
    expect(release.values.presets).toEqual({ kubernetesAttributes: { enabled: true } });
  });

  test("without a trace backend, traces end in the debug exporter (dropped)", () => {
    const config = configOf(releaseFor());
    expect(config.service.pipelines.traces).toEqual({
      receivers: ["otlp"],
      processors: ["memory_limiter", "k8s_attributes", "batch"],
      exporters: ["debug"],
    });
    expect(config.exporters.debug).toEqual({ verbosity: "basic" });
    expect(releaseFor().values.extraEnvs).toBeUndefined();
  });

  test("with settings.traces, traces go to the backend with the header read from the Secret", () => {
    const release = releaseFor(BACKEND);
    const config = configOf(release);
    expect(config.service.pipelines.traces.exporters).toEqual(["otlphttp/traces"]);
    expect(config.exporters["otlphttp/traces"]).toEqual({
      endpoint: "https://otlp.example.com",
      headers: { "x-api-key": "${env:OTLP_TRACES_HEADER_VALUE}" },
    });
    expect(config.exporters.debug).toBeUndefined();
    expect(release.values.extraEnvs).toEqual([
      { name: "OTLP_TRACES_HEADER_VALUE", valueFrom: { secretKeyRef: { name: "tracing-key", key: "api-key" } } },
    ]);
  });

  test("a trace backend must be https, and a header needs a backend", () => {
    const traces = (value: unknown) => ({ components: { "opentelemetry-collector": { settings: { traces: value } } } });
    expect(() => loadCheckedProfile("laptop", traces({ otlpEndpoint: "http://otlp.example.com" }))).toThrow(
      /components\.opentelemetry-collector\.settings\.traces\.otlpEndpoint: /,
    );
    expect(() =>
      loadCheckedProfile("laptop", traces({ headerFromSecret: { header: "x-api-key", secretName: "k", key: "k" } })),
    ).toThrow(/a header is sent to a trace backend: give traces\.otlpEndpoint too/);
  });

  test("resources and a restricted security context, which the chart leaves empty", () => {
    const { values } = releaseFor();
    expect([values.resources, values.podSecurityContext, values.securityContext]).toEqual([
      { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
      { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
      {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
      },
    ]);
  });

  test("the image follows the profile's mirror", () => {
    expect(releaseFor({ mirror: { images: "harbor.example.com/proxy" } }).values.image).toEqual({
      repository: "harbor.example.com/proxy/docker.io/otel/opentelemetry-collector-contrib",
      tag: "0.158.0",
    });
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("opentelemetry-collector", releaseFor(BACKEND).values)).toEqual([]);
  });
});
