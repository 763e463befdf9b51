import type { ComponentDefinition } from "../component";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "opentelemetry-operator";

/** Helm release name; the chart names its Deployment and webhook Services after it. */
export const RELEASE = "opentelemetry-operator";

/**
 * The OpenTelemetry Operator: the `OpenTelemetryCollector`, `Instrumentation`, `TargetAllocator` and `OpAMPBridge`
 * CRDs and their controller. The platform creates no collector through it: the gateway is the collector chart
 * (opentelemetry-collector.ts). It is here for KServe, whose PodMetric autoscaling path creates one
 * `OpenTelemetryCollector` (mode sidecar) per predictor, and whose controller looks for that CRD only when it starts
 * (kserve/kserve@v0.20.0:pkg/controller/v1beta1/inferenceservice/controller.go), so the operator installs first.
 *
 * The chart's admission webhooks (and the CRDs' conversion webhook) get their certificate from a cert-manager
 * Certificate and Issuer (`admissionWebhooks.certManager.enabled`, the chart default), so cert-manager comes first.
 * The CRDs are templates of the chart (`crds.create`, open-telemetry/opentelemetry-helm-charts@opentelemetry-operator-0.122.0:
 * charts/opentelemetry-operator/templates/admission-webhooks/operator-webhook.yaml): they belong to the release.
 */
export const opentelemetryOperator: ComponentDefinition = {
  id: "opentelemetry-operator",
  title: "OpenTelemetry Operator",
  summary: "OpenTelemetryCollector CRDs and controller; KServe's OpenTelemetry autoscaling path makes its collectors",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "management-only",
  dependencies: () => [
    { id: "cert-manager", reason: "the chart renders a cert-manager Certificate and Issuer for its webhooks" },
    { id: "observability", optional: true, reason: "ServiceMonitor for the operator's metrics" },
  ],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: RELEASE,
      namespace: NAMESPACE,
      chart: "opentelemetry-operator",
      primary: true,
      // An operator with its CRDs and webhooks; its collectors are KServe's, re-created by KServe.
      onFailedInstall: "uninstall",
      values: {
        manager: {
          // The chart leaves them empty; the controller mostly waits.
          resources: resources("10m", "64Mi", "200m", "256Mi"),
          serviceMonitor: { enabled: monitoringEnabled(ctx) },
        },
        // cert-manager issues the webhook certificate (the chart's default, said here because it is a dependency);
        // the chart's own self-signed certificate is the fallback only without it.
        admissionWebhooks: { certManager: { enabled: true } },
        crds: { create: true },
      },
    },
  ],
};
