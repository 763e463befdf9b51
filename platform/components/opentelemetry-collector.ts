import { z } from "zod";
import type { ComponentContext, ComponentDefinition } from "../component";
import { DNS_LABEL } from "../../profiles/names";
import { imageRef } from "../versions";
import { monitoringEnabled, resources, RESTRICTED_CONTAINER } from "./shared";

export const NAMESPACE = "opentelemetry";

/** Helm release name; the chart's fullname, and so its Service's name, is the release name (it contains the chart's). */
export const RELEASE = "opentelemetry-collector";

/** OTLP over gRPC and over HTTP: the receiver's and the Service's ports (chart `ports.otlp`, `ports.otlp-http`). */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
/** Where the `prometheus` exporter serves the metrics it received, for Prometheus to scrape. */
export const PROMETHEUS_EXPORTER_PORT = 8889;

/** The gateway's OTLP/gRPC address inside the cluster, e.g. for vLLM's `--otlp-traces-endpoint`. */
export const OTLP_GRPC_ENDPOINT = `http://${RELEASE}.${NAMESPACE}.svc.cluster.local:${OTLP_GRPC_PORT}`;
/** The gateway's OTLP/HTTP base address inside the cluster (SDKs append `/v1/traces`, `/v1/metrics`). */
export const OTLP_HTTP_ENDPOINT = `http://${RELEASE}.${NAMESPACE}.svc.cluster.local:${OTLP_HTTP_PORT}`;

/** The variable the collector reads the trace backend's header value from (`${env:…}` in its configuration). */
export const TRACES_HEADER_ENV = "OTLP_TRACES_HEADER_VALUE";

const HTTP_HEADER = /^[A-Za-z0-9-]+$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** `components.opentelemetry-collector.settings`. */
export const collectorSettings = z.strictObject({
  traces: z
    .strictObject({
      /**
       * An OTLP/HTTP tracing backend (Tempo, Jaeger, a vendor), as the base URL: the collector's `otlphttp`
       * exporter appends `/v1/traces`. Without it the gateway receives traces and drops them (the `debug`
       * exporter logs one line per batch): the platform ships no trace store.
       */
      otlpEndpoint: z.url({ protocol: /^https$/ }).optional(),
      /** One header the backend wants (an API key), its value read from a Secret you create in namespace `opentelemetry`. */
      headerFromSecret: z
        .strictObject({
          header: z.string().regex(HTTP_HEADER),
          secretName: z.string().regex(DNS_LABEL),
          key: z.string().regex(SECRET_KEY),
        })
        .optional(),
    })
    .refine((traces) => traces.headerFromSecret === undefined || traces.otlpEndpoint !== undefined, {
      message: "a header is sent to a trace backend: give traces.otlpEndpoint too",
      path: ["headerFromSecret"],
    })
    .default({}),
});
export type CollectorSettings = z.infer<typeof collectorSettings>;

/** The exporter the traces pipeline ends in: the profile's backend, or `debug`, which drops them. */
function tracesExporter(settings: CollectorSettings): Record<string, unknown> {
  const { otlpEndpoint, headerFromSecret } = settings.traces;
  if (otlpEndpoint === undefined) return { debug: { verbosity: "basic" } };
  return {
    "otlphttp/traces": {
      endpoint: otlpEndpoint,
      ...(headerFromSecret && { headers: { [headerFromSecret.header]: `\${env:${TRACES_HEADER_ENV}}` } }),
    },
  };
}

/**
 * The collector's whole configuration (`alternateConfig`: used instead of the chart's `config`, never merged with
 * it, so none of the chart's Jaeger, Zipkin and self-scraping receivers stays). The `kubernetesAttributes` preset
 * still adds its `k8s_attributes` processor to both pipelines (templates/_config.tpl `deploymentConfig`).
 * Keys: open-telemetry/opentelemetry-helm-charts@opentelemetry-collector-0.170.0:charts/opentelemetry-collector/values.yaml
 * `config` (the health_check extension the probes need, the memory_limiter percentages of the memory limit).
 */
export function collectorConfig(settings: CollectorSettings): Record<string, unknown> {
  const exporter = tracesExporter(settings);
  // memory_limiter first, as the collector's docs ask; naming k8s_attributes here keeps the preset from putting it
  // before memory_limiter (it prepends the processor only to pipelines that lack it).
  const processors = ["memory_limiter", "k8s_attributes", "batch"];
  return {
    extensions: { health_check: { endpoint: "${env:MY_POD_IP}:13133" } },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `\${env:MY_POD_IP}:${OTLP_GRPC_PORT}` },
          http: { endpoint: `\${env:MY_POD_IP}:${OTLP_HTTP_PORT}` },
        },
      },
    },
    processors: {
      memory_limiter: { check_interval: "5s", limit_percentage: 80, spike_limit_percentage: 25 },
      batch: {},
    },
    exporters: {
      // Metrics pushed over OTLP become a scrape target: kube-prometheus-stack's Prometheus has no remote-write
      // or OTLP receiver unless enabled, and scrapes every namespace's ServiceMonitors (observability.ts).
      prometheus: { endpoint: `\${env:MY_POD_IP}:${PROMETHEUS_EXPORTER_PORT}` },
      ...exporter,
    },
    service: {
      // The collector's own metrics on 8888 (the `metrics` port), as the chart's default configuration has them.
      telemetry: {
        metrics: { readers: [{ pull: { exporter: { prometheus: { host: "${env:MY_POD_IP}", port: 8888 } } } }] },
      },
      extensions: ["health_check"],
      pipelines: {
        traces: { receivers: ["otlp"], processors, exporters: Object.keys(exporter) },
        metrics: { receivers: ["otlp"], processors, exporters: ["prometheus"] },
      },
    },
  };
}

function settingsOf(ctx: ComponentContext): CollectorSettings {
  return ctx.settings<CollectorSettings>("opentelemetry-collector");
}

/**
 * The OpenTelemetry Collector as a gateway (one Deployment): team workloads send it OTLP traces and metrics on 4317
 * (gRPC) and 4318 (HTTP). Metrics go on to Prometheus through the `prometheus` exporter and a ServiceMonitor; traces go
 * to the optional external backend of `settings.traces`, and are dropped without one. Spans and metrics get the
 * sending pod's namespace, name and owner from the `k8s_attributes` processor (the chart's `kubernetesAttributes`
 * preset, which also renders its ClusterRole: get/watch/list of pods, namespaces and replicasets).
 */
export const opentelemetryCollector: ComponentDefinition = {
  id: "opentelemetry-collector",
  title: "OpenTelemetry Collector (gateway)",
  summary: "OTLP gateway for team workloads: metrics to Prometheus, traces to an optional external backend",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "management-only",
  settings: collectorSettings,
  teamEgress: () => [{ name: "otel-collector", namespace: NAMESPACE, ports: [OTLP_GRPC_PORT, OTLP_HTTP_PORT] }],
  dependencies: () => [
    {
      id: "observability",
      optional: true,
      reason: "ServiceMonitor: Prometheus scrapes the metrics the gateway receives",
    },
  ],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => {
    const settings = settingsOf(ctx);
    const header = settings.traces.headerFromSecret;
    const image = imageRef("opentelemetry-collector-contrib", ctx.profile.mirror.images);
    const at = image.lastIndexOf(":");
    return [
      {
        kind: "upstream",
        name: RELEASE,
        namespace: NAMESPACE,
        chart: "opentelemetry-collector",
        primary: true,
        // Stateless: a Deployment, its configuration and RBAC, all from the chart and the profile.
        onFailedInstall: "uninstall",
        values: {
          mode: "deployment",
          // The chart has no default repository (rendering fails without one); the contrib image runs
          // /otelcol-contrib as its entrypoint, so `command.name` stays empty.
          image: { repository: image.slice(0, at), tag: image.slice(at + 1) },
          alternateConfig: collectorConfig(settings),
          presets: { kubernetesAttributes: { enabled: true } },
          ports: {
            "jaeger-compact": { enabled: false },
            "jaeger-thrift": { enabled: false },
            "jaeger-grpc": { enabled: false },
            zipkin: { enabled: false },
            metrics: { enabled: true },
            "prom-exporter": {
              enabled: true,
              containerPort: PROMETHEUS_EXPORTER_PORT,
              servicePort: PROMETHEUS_EXPORTER_PORT,
              protocol: "TCP",
            },
          },
          serviceMonitor: {
            enabled: monitoringEnabled(ctx),
            metricsEndpoints: [{ port: "metrics" }, { port: "prom-exporter" }],
          },
          // The chart leaves resources empty; memory_limiter and GOMEMLIMIT (`useGOMEMLIMIT`) work from the limit.
          resources: resources("20m", "64Mi", "200m", "256Mi"),
          // The chart leaves both empty. The contrib image runs as 10001:10001 (its Dockerfile's USER) and writes nothing.
          podSecurityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            seccompProfile: { type: "RuntimeDefault" },
          },
          securityContext: { ...RESTRICTED_CONTAINER, readOnlyRootFilesystem: true },
          ...(header && {
            extraEnvs: [
              {
                name: TRACES_HEADER_ENV,
                valueFrom: { secretKeyRef: { name: header.secretName, key: header.key } },
              },
            ],
          }),
        },
      },
    ];
  },
};
