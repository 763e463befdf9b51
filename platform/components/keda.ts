import type { ComponentDefinition } from "../component";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "keda";

/**
 * The aggregated API KEDA's metrics server registers (kedacore/charts@v2.20.2:keda/templates/metrics-server/apiservice.yaml).
 * A cluster has one APIService of a name, so only one external-metrics adapter can serve it.
 */
export const EXTERNAL_METRICS_API_SERVICE = "v1beta1.external.metrics.k8s.io";

/**
 * KEDA: event-driven autoscaling. KServe's Standard mode hands an InferenceService to KEDA with
 * `serving.kserve.io/autoscalerClass: keda` and creates its ScaledObject; KEDA can then scale the predictor
 * to zero when a trigger outside the predictor's own pods can wake it (charts/workloads/inference-service.ts).
 * KServe looks for KEDA's ScaledObject CRD only when its controller starts
 * (kserve/kserve@v0.20.0:pkg/controller/v1beta1/inferenceservice/controller.go), so KEDA installs first.
 */
export const keda: ComponentDefinition = {
  id: "keda",
  title: "KEDA",
  summary:
    "Event-driven autoscaling; scales InferenceServices on Prometheus metrics, to zero where a trigger wakes them",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "management-only",
  apiServices: () => [EXTERNAL_METRICS_API_SERVICE],
  dependencies: () => [{ id: "observability", optional: true, reason: "ServiceMonitors for KEDA's own metrics" }],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: "keda",
      namespace: NAMESPACE,
      chart: "keda",
      primary: true,
      // An operator with its CRDs and webhook configuration; the ScaledObjects are KServe's, re-created by it.
      onFailedInstall: "uninstall",
      values: {
        // The chart's default is Always: every restart would pull, and fail where the registry is out of reach.
        image: { pullPolicy: "IfNotPresent" },
        // The chart asks 100m / 100Mi and allows 1 CPU / 1000Mi per pod; three pods that mostly wait need less.
        resources: {
          operator: resources("20m", "64Mi", "500m", "512Mi"),
          metricServer: resources("20m", "64Mi", "500m", "512Mi"),
          webhooks: resources("10m", "32Mi", "200m", "256Mi"),
        },
        prometheus: {
          operator: { enabled: monitoringEnabled(ctx), serviceMonitor: { enabled: monitoringEnabled(ctx) } },
          metricServer: { enabled: monitoringEnabled(ctx), serviceMonitor: { enabled: monitoringEnabled(ctx) } },
        },
      },
    },
  ],
};
