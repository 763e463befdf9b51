import type { ComponentDefinition } from "../component";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "cert-manager";

/**
 * cert-manager, with its CRDs installed through the chart (`crds.enabled`) and kept on uninstall
 * (`crds.keep`) so deleting the release never deletes every Certificate in the cluster.
 * Its `startupapicheck` post-install Job waits until the webhook answers, so Helm's wait covers
 * webhook readiness here and no extra gate is needed.
 */
export const certManager: ComponentDefinition = {
  id: "cert-manager",
  title: "cert-manager",
  summary: "Certificates for the operators' webhooks (KServe requires it)",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "management-only",
  dependencies: () => [{ id: "observability", optional: true, reason: "ServiceMonitor for metrics" }],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: "cert-manager",
      namespace: NAMESPACE,
      chart: "cert-manager",
      primary: true,
      // An operator: its CRDs carry helm.sh/resource-policy: keep (crds.keep) and survive an uninstall; the
      // certificates live in Secrets its controller re-issues.
      onFailedInstall: "uninstall",
      values: {
        crds: { enabled: true, keep: true },
        resources: resources("10m", "64Mi", "200m", "256Mi"),
        webhook: { resources: resources("10m", "32Mi", "100m", "128Mi") },
        cainjector: { resources: resources("10m", "64Mi", "100m", "256Mi") },
        startupapicheck: { enabled: true, resources: resources("10m", "32Mi", "100m", "128Mi") },
        prometheus: { enabled: true, servicemonitor: { enabled: monitoringEnabled(ctx) } },
      },
    },
  ],
};
