import type { ComponentDefinition } from "../component";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "ray-system";

/** The Ray head's dashboard, which the KubeRay operator calls to follow RayJobs (ray-project/kuberay rayjob_controller.go). */
const RAY_DASHBOARD_PORT = 8265;

/**
 * The KubeRay operator (RayCluster, RayJob, RayService). Its CRDs ship in the chart's `crds/`, so
 * Helm installs them on first install only. The 1.7.0 chart has no admission webhooks, so nothing
 * needs a readiness gate.
 */
export const kuberay: ComponentDefinition = {
  id: "kuberay",
  title: "KubeRay",
  summary: "Operator for Ray clusters, jobs and services",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "every-cluster",
  teamIngress: () => [{ name: "kuberay-operator", namespace: NAMESPACE, ports: [RAY_DASHBOARD_PORT] }],
  dependencies: () => [{ id: "observability", optional: true, reason: "ServiceMonitor for metrics" }],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: "kuberay-operator",
      namespace: NAMESPACE,
      chart: "kuberay-operator",
      primary: true,
      // An operator; its CRDs come from the chart's crds/ folder, which Helm never deletes.
      onFailedInstall: "uninstall",
      values: {
        // The chart sets only limits (requests then equal them: 100m / 512Mi); a laptop needs far less.
        resources: resources("10m", "64Mi", "100m", "256Mi"),
        metrics: { serviceMonitor: { enabled: monitoringEnabled(ctx) } },
      },
    },
  ],
};
